/**
 * enableRHI and bgpPeerLabels from the configuration (AKO `lib.GetEnableRHI`, `GetGlobalBgpPeerLabels`): every
 * parent VS advertises its VIP, the VsVips name the BGP peers, and both enter the checksums as AKO's do.
 */
import { describe, expect, it } from "vitest"
import { fnv1a32, makeSnapshot, translate } from "../../src/model/index.js"
import { aviIngressClass, bodyOf, clusterIpService, find, ingress, lbService, settings } from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)

const snapshot = makeSnapshot({
  services: [lbService("red", "web", [{ port: 80 }]), clusterIpService("shop", "cart", [{ port: 80 }])],
  ingressClasses: [aviIngressClass("avi-lb", true)],
  ingresses: [
    ingress("shop", "shop", [{ host: "shop.example.com", paths: [{ path: "/", service: "cart", port: 80 }] }])
  ]
})
const plain = translate(snapshot, settings()).desired
const rhi = translate(snapshot, settings({ enableRhi: true, bgpPeerLabels: ["peer-b", "peer-a"] })).desired
const shard = [...rhi.keys()].find((key) => key.includes("Shared-L7-")) ?? ""

describe("route health injection from the configuration", () => {
  it("sends enable_rhi on the L4 VS and the shared parent, and the peers on their VsVips", () => {
    expect(bodyOf(find(rhi.get("admin/c1--red-web"), "virtualservice", "c1--red-web"))["enable_rhi"]).toBe(true)
    expect(bodyOf(find(rhi.get("admin/c1--red-web"), "vsvip", "c1--red-web"))["bgp_peer_labels"]).toEqual([
      "peer-b",
      "peer-a"
    ])
    const parent = shard.slice("admin/".length)
    expect(bodyOf(find(rhi.get(shard), "virtualservice", parent))["enable_rhi"]).toBe(true)
    expect(bodyOf(find(plain.get(shard), "virtualservice", parent))).not.toHaveProperty("enable_rhi")
  })

  it("turns H(\"false\") into H(\"true\") in the VS checksums and adds the sorted peers to the VsVip's", () => {
    const parent = shard.slice("admin/".length)
    for (const [key, vs] of [["admin/c1--red-web", "c1--red-web"], [shard, parent]] as const) {
      expect(Number(find(rhi.get(key), "virtualservice", vs)?.checksum)).toBe(
        add(Number(find(plain.get(key), "virtualservice", vs)?.checksum), -H("false") >>> 0, H("true"))
      )
    }
    expect(Number(find(rhi.get("admin/c1--red-web"), "vsvip", "c1--red-web")?.checksum)).toBe(
      add(Number(find(plain.get("admin/c1--red-web"), "vsvip", "c1--red-web")?.checksum), H(`["peer-a","peer-b"]`))
    )
  })

  it("sends no peers without RHI", () => {
    const off = translate(snapshot, settings({ enableRhi: false, bgpPeerLabels: ["peer-a"] })).desired
    expect(bodyOf(find(off.get("admin/c1--red-web"), "vsvip", "c1--red-web"))).not.toHaveProperty("bgp_peer_labels")
  })
})
