/**
 * Node networks through the controller process on a vCenter cloud (reference/ako-objects.md §11.8): `nodeNetworkList`
 * names its network by name, the controller resolves it to the network's UUID at start, and every pool is placed on
 * it; an AviInfraSetting's node networks replace it for the Service it places; a new leader over that state writes
 * nothing. (The refusals at start are tested against the simulator in test/app/avi-environment.test.ts.)
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { akoCrds } from "../support/crds.js"
import { CLUSTER, handOver, loadBalancerService, QUICK_REPAIR_ENV, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const NODE_NET = { name: "node-net", uuid: "network-node-net", cidr: "10.1.0.0/16" }
const INFRA_NET = { name: "infra-node-net", uuid: "network-infra-node-net", cidr: "10.9.0.0/16" }

const placementOf = (c: E2eCluster, pool: string) =>
  c.avi.findByName("pool", pool)?.["placement_networks"] as
    | ReadonlyArray<{ readonly network_ref?: string; readonly subnet?: unknown }>
    | undefined

/** The uuid a ref names (`/api/network/<uuid>`, maybe with the controller's `#name`). */
const refUuid = (ref: string | undefined) => (ref ?? "").split("#")[0]?.split("/").pop()

const startVcenter = (nodeNetworkList: ReadonlyArray<Record<string, unknown>>) =>
  startCluster({
    avi: { cloud: { vtype: "CLOUD_VCENTER" }, networks: [NODE_NET, INFRA_NET] },
    config: { nodeNetworkList: JSON.stringify(nodeNetworkList), ipFamily: "V4" }
  })

describe("node networks on a vCenter cloud", () => {
  it(
    "places pools on nodeNetworkList, an AviInfraSetting's node networks override it, a takeover writes nothing",
    async () => {
      const c = (cluster = await startVcenter([{ networkName: NODE_NET.name, cidrs: ["10.1.0.0/16"] }]))
      for (const document of akoCrds("aviinfrasettings.yaml")) c.kube.apply(document as never)
      c.kube.apply({
        apiVersion: "ako.vmware.com/v1beta1",
        kind: "AviInfraSetting",
        metadata: { name: "racks" },
        spec: { network: { nodeNetworks: [{ networkName: INFRA_NET.name, cidrs: ["10.9.3.0/24"] }] } }
      })
      loadBalancerService(c.kube, "shop", "web", { addresses: ["10.1.0.5"] })
      loadBalancerService(c.kube, "shop", "api", {
        addresses: ["10.9.3.7"],
        annotations: { "aviinfrasetting.ako.vmware.com/name": "racks" }
      })
      const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)

      const web = await waitFor("the web pool's placement", () => placementOf(c, `${CLUSTER}--shop-web-TCP-80`))
      // Named by name in the ConfigMap, placed by the UUID the controller has for it.
      expect(web.map((p) => refUuid(p.network_ref))).toEqual([NODE_NET.uuid])
      expect(web[0]?.subnet).toEqual({ ip_addr: { addr: "10.1.0.0", type: "V4" }, mask: 16 })
      const api = await waitFor("the api pool's placement", () => placementOf(c, `${CLUSTER}--shop-api-TCP-80`))
      expect(api.map((p) => refUuid(p.network_ref))).toEqual([INFRA_NET.uuid])
      expect(api[0]?.subnet).toEqual({ ip_addr: { addr: "10.9.3.0", type: "V4" }, mask: 24 })
      // The statuses come after each unit's last write: the first leader is done.
      await waitFor(
        "both VIPs",
        () => serviceVips(c.kube, "shop", "web").length + serviceVips(c.kube, "shop", "api").length === 2
      )

      await handOver(c, first, "ako-1")
      expect(c.aviWritesOf("ako-1")).toEqual([])
    },
    scaled(120_000)
  )
})
