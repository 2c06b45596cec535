/**
 * Hands off what ako-ts does not model, through a takeover and later changes: a field a team or an AKO feature set
 * on a virtual service (a WAF policy, RHI) survives ako-ts's updates, and AKO's EVH virtual service is kept, counted
 * in `ako_unmanaged_objects` and reported with an Event on the Services it names.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { loadAllYaml } from "@kubernetes/client-node"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { CLUSTER, loadBalancerService, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const cloud = "/api/cloud/?name=Default-Cloud"
const DEPLOY_CRDS = fileURLToPath(new URL("../../deploy/crds/", import.meta.url))

/** An EVH parent virtual service as AKO builds it (ako-ts does not model EVH), naming Services `red/a` and `red/b`. */
const EVH_VS = `${CLUSTER}--Shared-L7-EVH-0`
const seedEvh = (c: E2eCluster) => {
  const name = EVH_VS
  const markers = [{ key: "clustername", values: [CLUSTER] }]
  c.avi.insert("vsvip", {
    name,
    cloud_ref: cloud,
    markers: [{ key: "clustername", values: [CLUSTER] }],
    vip: [{
      vip_id: "0",
      auto_allocate_ip: true,
      ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
    }]
  })
  c.avi.insert("virtualservice", {
    name,
    created_by: `ako-${CLUSTER}`,
    cloud_ref: cloud,
    vsvip_ref: `/api/vsvip/?name=${name}`,
    vh_type: "VS_TYPE_VH_ENHANCED",
    services: [{ port: 80 }, { port: 443, enable_ssl: true }],
    markers,
    service_metadata: JSON.stringify({ namespace_svc_name: ["red/a", "red/b"] })
  })
}

describe("hands off what ako-ts does not model", () => {
  it("keeps a WAF policy and RHI on a VS it updates, and keeps and reports AKO's EVH VS", async () => {
    const c = (cluster = await startCluster())
    loadBalancerService(c.kube, "red", "web", { addresses: ["10.1.0.1"] })
    const first = await c.startReplica("ako-0")
    const vs = `${CLUSTER}--red-web`
    await waitFor("the VIP", () => serviceVips(c.kube, "red", "web").length > 0)
    await first.stop("SIGTERM")

    // While no replica runs: a team sets a WAF policy and RHI on the VS, and AKO's EVH VS exists.
    const stored = c.avi.findByName("virtualservice", vs)!
    c.avi.update("virtualservice", String(stored["uuid"]), {
      ...stored,
      waf_policy_ref: "/api/wafpolicy/?name=System-WAF-Policy",
      enable_rhi: true
    })
    seedEvh(c)
    for (const name of ["a", "b"]) loadBalancerService(c.kube, "red", name, { type: "ClusterIP" })

    const evhUuids = [
      String(c.avi.findByName("virtualservice", EVH_VS)?.["uuid"]),
      String(c.avi.findByName("vsvip", EVH_VS)?.["uuid"])
    ]
    const replica = await c.startReplica("ako-1")
    await waitFor("the takeover", () => replica.messages().includes("takeover complete; serving the work queue"))
    await waitFor(
      "the unmanaged EVH VS counted",
      async () => (await replica.metric("ako_unmanaged_objects", { type: "virtualservice", reason: "evh" })) === 1
    )
    const events = () =>
      (c.kube.list("v1/Event", "red") as ReadonlyArray<{ reason?: string; involvedObject?: { name?: string } }>)
        .filter((event) => event.reason === "UnmanagedAviObject")
        .map((event) => event.involvedObject?.name)
    await waitFor("an Event on each Service the EVH VS names", () => events().includes("a") && events().includes("b"))

    // A change that rewrites the VS: ako-ts's fields change, the team's stay.
    loadBalancerService(c.kube, "red", "web", {
      addresses: ["10.1.0.1"],
      annotations: { "ako.vmware.com/disable-traffic": "true" }
    })
    await waitFor("traffic disabled", () => c.avi.findByName("virtualservice", vs)?.["traffic_enabled"] === false)
    const updated = c.avi.findByName("virtualservice", vs)!
    expect(String(updated["waf_policy_ref"])).toContain("System-WAF-Policy")
    expect(updated["enable_rhi"]).toBe(true)
    // AKO's EVH VS and its VsVip are still there, untouched.
    const evhWrites = c.aviWritesOf("ako-1").filter((entry) => evhUuids.some((uuid) => entry.path.includes(uuid)))
    expect(evhWrites).toEqual([])
    expect(c.avi.findByName("virtualservice", EVH_VS)).toBeDefined()
    expect(c.avi.findByName("vsvip", EVH_VS)).toBeDefined()
  })

  it("reports objects of AKO's CRDs it does not implement yet: a warning, an Event on the object, the metric", async () => {
    const c = (cluster = await startCluster())
    for (const document of loadAllYaml(readFileSync(join(DEPLOY_CRDS, "ssorules.yaml"), "utf8"))) {
      c.kube.apply(document as never)
    }
    c.kube.ensureNamespace("red")
    c.kube.apply({
      apiVersion: "ako.vmware.com/v1alpha2",
      kind: "SSORule",
      metadata: { name: "shop", namespace: "red" },
      spec: {
        fqdn: "shop.example.com",
        ssoPolicyRef: "team-sso",
        samlSpConfig: {
          entityID: "shop",
          singleSignonURL: "https://shop.example.com/sso/acs",
          authnReqAcsType: "SAML_AUTHN_REQ_ACS_TYPE_URL"
        }
      }
    })
    const replica = await c.startReplica("ako-0")
    await waitFor(
      "the SSORule counted",
      async () => (await replica.metric("ako_unsupported_crd_objects", { kind: "SSORule" })) === 1
    )
    await waitFor(
      "an Event on the SSORule",
      () =>
        (c.kube.list("v1/Event", "red") as ReadonlyArray<{ reason?: string; involvedObject?: { kind?: string } }>)
          .some((event) => event.reason === "UnsupportedAkoResource" && event.involvedObject?.kind === "SSORule")
    )
    expect(replica.messages().filter((m) => m.startsWith("SSORule red/shop is not supported by ako-ts yet")))
      .toHaveLength(1)
  })
})
