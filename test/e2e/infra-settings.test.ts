/**
 * AviInfraSetting through the controller process, against both simulators: an IngressClass with parameters puts its
 * hosts on `Shared-L7-<infra>-<n>` with the setting's SE group and VIP network, an Ingress that moves to that class
 * moves its objects, a Service's annotation places its VS, and a takeover over all of it writes nothing.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { shardIndex } from "../../src/model/index.js"
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

const HOST = "blue.shop.example.com"
// The setting's shard size (MEDIUM: 4 shards) against the configuration's (SMALL: one).
const BLUE_SHARD = `${CLUSTER}--Shared-L7-blue-${shardIndex(HOST, 4)}`
const PLAIN_SHARD = `${CLUSTER}--Shared-L7-0`
const BLUE_POOL = `${CLUSTER}--blue-${HOST}_-shop-web`
const PLAIN_POOL = `${CLUSTER}--${HOST}_-shop-web`

/** The team's SE group and VIP network on the controller, the setting naming them, and an IngressClass for it. */
const startShop = async (): Promise<E2eCluster> => {
  // AKO's default: with static route sync on, an accepted setting's SE group gets the clustername label.
  const c = await startCluster({ config: { disableStaticRouteSync: "false" } })
  for (const document of akoCrds("aviinfrasettings.yaml")) c.kube.apply(document as never)
  c.avi.insert("serviceenginegroup", { name: "blue-seg", cloud_ref: "/api/cloud/?name=Default-Cloud", labels: [] })
  c.avi.insert("network", {
    name: "blue-vip",
    cloud_ref: "/api/cloud/?name=Default-Cloud",
    configured_subnets: [{
      prefix: { ip_addr: { addr: "10.60.0.0", type: "V4" }, mask: 24 },
      static_ip_ranges: [{
        type: "STATIC_IPS_FOR_VIP_AND_SE",
        range: { begin: { addr: "10.60.0.10", type: "V4" }, end: { addr: "10.60.0.200", type: "V4" } }
      }]
    }]
  })
  c.kube.apply({
    apiVersion: "ako.vmware.com/v1beta1",
    kind: "AviInfraSetting",
    metadata: { name: "blue" },
    spec: {
      seGroup: { name: "blue-seg" },
      network: { vipNetworks: [{ networkName: "blue-vip" }] },
      l7Settings: { shardSize: "MEDIUM" }
    }
  })
  for (const [name, parameters] of [["avi-lb", undefined], ["blue", "blue"]] as const) {
    c.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name },
      spec: {
        controller: "ako.vmware.com/avi-lb",
        ...(parameters === undefined ?
          {} :
          { parameters: { apiGroup: "ako.vmware.com", kind: "AviInfraSetting", name: parameters } })
      }
    })
  }
  loadBalancerService(c.kube, "shop", "web", { addresses: ["10.3.0.2"], type: "ClusterIP" })
  return c
}

const applyIngress = (c: E2eCluster, ingressClassName: string) =>
  c.kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "shop" },
    spec: {
      ingressClassName,
      rules: [{
        host: HOST,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }]
        }
      }]
    }
  })

const refName = (value: unknown): string => String(value).split("#")[1] ?? String(value)

const ingressIps = (c: E2eCluster): ReadonlyArray<string> =>
  ((c.kube.get("networking.k8s.io/v1/Ingress", "shop", "web") as
    | { readonly status?: { readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ readonly ip?: string }> } } }
    | undefined)?.status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip ?? "")

describe("AviInfraSetting", () => {
  it("puts an IngressClass's hosts on Shared-L7-<infra>-<n> with its SE group and network", async () => {
    const c = (cluster = await startShop())
    applyIngress(c, "blue")
    await c.startReplica("ako-0")
    const shard = await waitFor("the setting's shard", () => c.avi.findByName("virtualservice", BLUE_SHARD))
    expect(refName(shard["se_group_ref"])).toBe("blue-seg")
    const vip = (c.avi.findByName("vsvip", BLUE_SHARD)?.["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(refName((vip?.["ipam_network_subnet"] as Record<string, unknown>)["network_ref"])).toBe("blue-vip")
    expect(c.avi.findByName("pool", BLUE_POOL)).toBeDefined()
    const ips = await waitFor("the Ingress's VIP", () => {
      const found = ingressIps(c)
      return found.length > 0 ? found : undefined
    })
    expect(ips[0]).toMatch(/^10\.60\.0\./)
    expect(
      (c.kube.get("ako.vmware.com/v1beta1/AviInfraSetting", undefined, "blue") as
        | { readonly status?: { readonly status?: string } }
        | undefined)?.status?.status
    ).toBe("Accepted")
    // The setting was judged before the takeover: no Warning that it was missing reaches the Ingress.
    const warnings = (c.kube.list("v1/Event", "shop") as ReadonlyArray<
      { readonly type?: string; readonly involvedObject?: { readonly kind?: string } }
    >).filter((event) => event.type === "Warning" && event.involvedObject?.kind === "Ingress")
    expect(warnings).toEqual([])
    // AKO labels the setting's SE group for this cluster.
    expect(c.avi.findByName("serviceenginegroup", "blue-seg")?.["labels"]).toEqual([
      { key: "clustername", value: CLUSTER }
    ])
  }, scaled(90_000))

  it("moves an Ingress's objects when its class moves it to the setting, and its status follows", async () => {
    const c = (cluster = await startShop())
    applyIngress(c, "avi-lb")
    await c.startReplica("ako-0")
    await waitFor("the plain pool", () => c.avi.findByName("pool", PLAIN_POOL))
    await waitFor("the plain VIP", () => ingressIps(c).length > 0 ? true : undefined)

    applyIngress(c, "blue")
    await waitFor(
      "the pool moved",
      () => c.avi.findByName("pool", BLUE_POOL) !== undefined && c.avi.findByName("pool", PLAIN_POOL) === undefined
    )
    await waitFor("the VIP of the setting's network", () => ingressIps(c)[0]?.startsWith("10.60.0.") ? true : undefined)
    // The old shard stays (AKO keeps an emptied shard and its VIP), without the host.
    expect(c.avi.findByName("virtualservice", PLAIN_SHARD)).toBeDefined()
  }, scaled(90_000))

  it("keeps an Ingress's objects when its setting turns Rejected, across a restart too", async () => {
    const c = (cluster = await startShop())
    applyIngress(c, "blue")
    const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)
    await waitFor("the setting's pool", () => c.avi.findByName("pool", BLUE_POOL))
    const ip = await waitFor("the VIP", () => ingressIps(c)[0])

    c.kube.apply({
      apiVersion: "ako.vmware.com/v1beta1",
      kind: "AviInfraSetting",
      metadata: { name: "blue" },
      // A typo in the SE group's name: the setting is Rejected.
      spec: {
        seGroup: { name: "blue-sge" },
        network: { vipNetworks: [{ networkName: "blue-vip" }] },
        l7Settings: { shardSize: "MEDIUM" }
      }
    })
    await waitFor(
      "the setting Rejected",
      () =>
        (c.kube.get("ako.vmware.com/v1beta1/AviInfraSetting", undefined, "blue") as
          | { readonly status?: { readonly status?: string } }
          | undefined)?.status?.status === "Rejected"
    )

    // A new leader never saw the accepted spec: it holds the shard as Avi has it.
    await handOver(c, first, "ako-1")
    expect(c.aviWritesOf("ako-1")).toEqual([])
    expect(c.avi.findByName("pool", BLUE_POOL)).toBeDefined()
    expect(refName(c.avi.findByName("virtualservice", BLUE_SHARD)?.["se_group_ref"])).toBe("blue-seg")
    expect(ingressIps(c)).toEqual([ip])
  }, scaled(120_000))

  it("places a LoadBalancer Service named by its annotation, and a takeover over it all writes nothing", async () => {
    const c = (cluster = await startShop())
    applyIngress(c, "blue")
    loadBalancerService(c.kube, "shop", "api", {
      addresses: ["10.3.0.3"],
      annotations: { "aviinfrasetting.ako.vmware.com/name": "blue" }
    })
    const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)
    const l4 = await waitFor("the Service's VS", () => c.avi.findByName("virtualservice", `${CLUSTER}--shop-api`))
    expect(refName(l4["se_group_ref"])).toBe("blue-seg")
    // The VIPs in the statuses come after each unit's last write: the first leader is done.
    await waitFor("the Ingress's VIP", () => ingressIps(c).length > 0)
    await waitFor("the Service's VIP", () => serviceVips(c.kube, "shop", "api").length > 0)
    await waitFor(
      "the SE group labelled",
      () =>
        (c.avi.findByName("serviceenginegroup", "blue-seg")?.["labels"] as ReadonlyArray<unknown> | undefined)
          ?.length === 1
    )

    await handOver(c, first, "ako-1")
    expect(c.aviWritesOf("ako-1")).toEqual([])
    expect(c.kubeWritesOf("ako-1").filter((entry) => entry.path.includes("ako.vmware.com"))).toEqual([])
  }, scaled(120_000))
})
