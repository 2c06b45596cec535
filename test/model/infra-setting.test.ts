/**
 * AviInfraSetting on LoadBalancer Services (reference/ako-crds.md §3.3–3.4): the Service's annotation, else its
 * Namespace's, puts its VS on the setting's SE group, VIP network, RHI and BGP peers, and tier-1 router, with AKO's
 * checksums; a setting that is not in effect leaves the global configuration and says so on the Service.
 */
import { describe, expect, it } from "vitest"
import type { AviInfraSetting } from "../../src/model/index.js"
import { fnv1a32, makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, find, lbService, namespace, settings, slice } from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)

const infra = (name: string, spec: NonNullable<AviInfraSetting["spec"]>): AviInfraSetting => ({
  metadata: { name },
  spec,
  status: { status: "Accepted", error: "" }
})

const blue = infra("blue", {
  seGroup: { name: "blue-seg" },
  network: { vipNetworks: [{ networkName: "blue-vip", cidr: "10.20.0.0/24" }] }
})

const web = (annotations: Record<string, string> = {}) =>
  lbService("red", "web", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], { annotations })
const webSlice = slice("red", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.5", ready: true }])

const run = (
  service: ReturnType<typeof web>,
  settingsInEffect: ReadonlyArray<AviInfraSetting>,
  namespaceAnnotations: Record<string, string> = {}
) => {
  const ns = { ...namespace("red"), metadata: { name: "red", annotations: namespaceAnnotations } }
  const translation = translate(
    makeSnapshot({
      services: [service],
      endpointSlices: [webSlice],
      namespaces: [ns],
      aviInfraSettings: settingsInEffect
    }),
    settings()
  )
  return { unit: translation.desired.get("admin/c1--red-web"), problems: translation.problems }
}

const ANNOTATION = "aviinfrasetting.ako.vmware.com/name"

describe("AviInfraSetting on a LoadBalancer Service", () => {
  it("puts the VS on the setting's SE group and the VsVip on its VIP network", () => {
    const { unit, problems } = run(web({ [ANNOTATION]: "blue" }), [blue])
    expect(problems).toEqual([])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["se_group_ref"]).toBe(
      "/api/serviceenginegroup?name=blue-seg"
    )
    const vip = (bodyOf(find(unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(vip?.["ipam_network_subnet"]).toEqual({
      network_ref: "/api/network/?name=blue-vip",
      subnet: { ip_addr: { addr: "10.20.0.0", type: "V4" }, mask: 24 }
    })
  })

  it("changes the VsVip checksum by its network and the VS checksum by its SE group, as AKO's do", () => {
    const plain = run(web(), []).unit
    const placed = run(web({ [ANNOTATION]: "blue" }), [blue]).unit
    const vsVip = (u: typeof plain) => Number(find(u, "vsvip", "c1--red-web")?.checksum)
    expect(vsVip(placed)).toBe(add(
      vsVip(plain),
      -H(`["vip-net:10.10.0.0/24"]`) >>> 0,
      H(`["blue-vip:10.20.0.0/24"]`)
    ))
    expect(find(placed, "virtualservice", "c1--red-web")?.checksum).not.toBe(
      find(plain, "virtualservice", "c1--red-web")?.checksum
    )
  })

  it("turns RHI on with the setting's BGP peer labels, sorted into the VsVip checksum", () => {
    const rhi = infra("rhi", { network: { enableRhi: true, bgpPeerLabels: ["peer-b", "peer-a"] } })
    const plain = run(web(), []).unit
    const { unit } = run(web({ [ANNOTATION]: "rhi" }), [rhi])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["enable_rhi"]).toBe(true)
    expect(bodyOf(find(unit, "vsvip", "c1--red-web"))["bgp_peer_labels"]).toEqual(["peer-b", "peer-a"])
    expect(Number(find(unit, "vsvip", "c1--red-web")?.checksum)).toBe(add(
      Number(find(plain, "vsvip", "c1--red-web")?.checksum),
      H(`["peer-a","peer-b"]`)
    ))
    // RHI enters the VS checksum as H("true") where it was H("false").
    expect(Number(find(unit, "virtualservice", "c1--red-web")?.checksum)).toBe(add(
      Number(find(plain, "virtualservice", "c1--red-web")?.checksum),
      -H("false") >>> 0,
      H("true")
    ))
  })

  it("places VS, VsVip and pools on the tier-1 router instead of a VRF", () => {
    const t1 = infra("t1", { nsxSettings: { t1lr: "/infra/tier-1s/blue" } })
    const plain = run(web(), []).unit
    const { unit } = run(web({ [ANNOTATION]: "t1" }), [t1])
    const vsVip = bodyOf(find(unit, "vsvip", "c1--red-web"))
    expect(vsVip["tier1_lr"]).toBe("/infra/tier-1s/blue")
    expect(vsVip).not.toHaveProperty("vrf_context_ref")
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))).not.toHaveProperty("vrf_context_ref")
    const pool = bodyOf(find(unit, "pool", "c1--red-web-TCP-80"))
    expect(pool["tier1_lr"]).toBe("/infra/tier-1s/blue")
    expect(pool).not.toHaveProperty("vrf_ref")
    expect(Number(find(unit, "pool", "c1--red-web-TCP-80")?.checksum)).toBe(add(
      Number(find(plain, "pool", "c1--red-web-TCP-80")?.checksum),
      H("/infra/tier-1s/blue")
    ))
  })

  it("asks for both address families on an IPv6 VIP network", () => {
    const dual = infra("dual", {
      network: { vipNetworks: [{ networkName: "dual", cidr: "10.9.0.0/24", v6cidr: "fd00::/64" }] }
    })
    const vip =
      (bodyOf(find(run(web({ [ANNOTATION]: "dual" }), [dual]).unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<
        Record<string, unknown>
      >)[0]
    expect(vip?.["auto_allocate_ip_type"]).toBe("V4_V6")
    expect((vip?.["ipam_network_subnet"] as Record<string, unknown>)["subnet6"]).toEqual({
      ip_addr: { addr: "fd00::", type: "V6" },
      mask: 64
    })
  })

  it("binds through the Namespace when the Service names no setting, and the Service's own wins", () => {
    const green = infra("green", { seGroup: { name: "green-seg" } })
    const seg = (u: ReturnType<typeof run>["unit"]) => bodyOf(find(u, "virtualservice", "c1--red-web"))["se_group_ref"]
    expect(seg(run(web(), [blue, green], { [ANNOTATION]: "green" }).unit)).toBe(
      "/api/serviceenginegroup?name=green-seg"
    )
    expect(seg(run(web({ [ANNOTATION]: "blue" }), [blue, green], { [ANNOTATION]: "green" }).unit)).toBe(
      "/api/serviceenginegroup?name=blue-seg"
    )
  })

  it("keeps the global configuration when the setting is missing or not accepted, and says so on the Service", () => {
    const { unit, problems } = run(web({ [ANNOTATION]: "gone" }), [])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["se_group_ref"]).toBe(
      "/api/serviceenginegroup?name=Default-Group"
    )
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "red", name: "web" },
      field: `metadata.annotations[${ANNOTATION}]`,
      reason: "InvalidConfiguration",
      message:
        "AviInfraSetting gone does not exist or is not Accepted; the virtual service uses the global configuration"
    }])
  })
})
