/**
 * VsVips on AWS, Azure and OpenStack (AKO `networkNamesToVips`): one vip per VIP network, numbered from "1", by
 * subnet name, without an IPAM network or a static address; the checksum takes every network.
 */
import { describe, expect, it } from "vitest"
import type { ModelSettings } from "../../src/model/index.js"
import { fnv1a32, makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, find, lbService, settings } from "./fixtures/builders.js"

const H = fnv1a32
const web = lbService("red", "web", [{ name: "http", port: 80, targetPort: 8080 }], { loadBalancerIP: "10.0.0.7" })

const vsVipOf = (overrides: Parameters<typeof settings>[0]) =>
  find(
    translate(makeSnapshot({ services: [web] }), settings(overrides)).desired.get("admin/c1--red-web"),
    "vsvip",
    "c1--red-web"
  )

describe("VIP networks on public clouds", () => {
  const subnetA = { networkName: "subnet-a", cidr: "10.0.0.0/24" }
  const networks: ModelSettings["vipNetworkList"] = [
    subnetA,
    { networkName: "subnet-b", cidr: "10.0.1.0/24", v6cidr: "fd00:1::/64" }
  ]

  it("gives AWS one vip per network, numbered from 1, by subnet, without the static address", () => {
    expect(bodyOf(vsVipOf({ cloudType: "CLOUD_AWS", vipNetworkList: networks }))["vip"]).toEqual([
      { vip_id: "1", auto_allocate_ip: true, subnet_uuid: "subnet-a" },
      { vip_id: "2", auto_allocate_ip: true, subnet_uuid: "subnet-b", auto_allocate_ip_type: "V4_V6" }
    ])
  })

  it("sends the public-IP flag on every vip when an AviInfraSetting sets it", () => {
    const vips = bodyOf(vsVipOf({ cloudType: "CLOUD_AZURE", vipNetworkList: [subnetA], enablePublicIp: true }))[
      "vip"
    ]
    expect(vips).toEqual([{
      vip_id: "1",
      auto_allocate_ip: true,
      auto_allocate_floating_ip: true,
      subnet_uuid: "subnet-a"
    }])
  })

  it("keeps the single IPAM vip on GCP, vCenter and no-access clouds", () => {
    for (const cloudType of ["CLOUD_GCP", "CLOUD_VCENTER", "CLOUD_NONE"]) {
      const vip = (bodyOf(vsVipOf({ cloudType, vipNetworkList: [subnetA] }))["vip"] as Array<
        Record<string, unknown>
      >)[0]
      expect(vip).toMatchObject({ vip_id: "0", ip_address: { type: "V4", addr: "10.0.0.7" } })
      expect(vip?.["ipam_network_subnet"]).toMatchObject({ network_ref: "/api/network/?name=subnet-a" })
    }
  })

  it("puts every network, sorted, in the VsVip checksum", () => {
    const one = Number(vsVipOf({ cloudType: "CLOUD_AWS", vipNetworkList: [subnetA] })?.checksum)
    const two = Number(vsVipOf({ cloudType: "CLOUD_AWS", vipNetworkList: networks })?.checksum)
    expect(two).toBe(
      (one - H(`["subnet-a:10.0.0.0/24"]`) + H(`["subnet-a:10.0.0.0/24","subnet-b:10.0.1.0/24:fd00:1::/64"]`)) >>> 0
    )
  })
})

describe("the VRF context", () => {
  it("places the VS, its VsVip and its pools in the VRF the configuration resolved", () => {
    const unit = translate(makeSnapshot({ services: [web] }), settings({ vrfContext: "blue" })).desired.get(
      "admin/c1--red-web"
    )
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["vrf_context_ref"]).toBe("/api/vrfcontext?name=blue")
    expect(bodyOf(find(unit, "vsvip", "c1--red-web"))["vrf_context_ref"]).toBe("/api/vrfcontext?name=blue")
    expect(bodyOf(find(unit, "pool", "c1--red-web-TCP-80"))["vrf_ref"]).toBe("/api/vrfcontext?name=blue")
  })
})
