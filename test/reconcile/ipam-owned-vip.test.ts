/**
 * Under an Infoblox or custom IPAM the VIP belongs to that IPAM once allocated: AKO never rewrites an existing
 * VsVip's `vip` list there (`AviVsVipBuild`, `noVipUpdatesAllowedForIPAMTypes`). ako-ts sends it on create only:
 * an update keeps Avi's list, and a `vip` list in another shape is not a difference.
 */
import { describe, expect, it } from "vitest"
import { vsVipObject } from "../../src/model/common.js"
import { toCached, updateBody, upToDate } from "../../src/reconcile/index.js"
import { settings } from "../model/fixtures/builders.js"

const infobloxVip = [{
  vip_id: "0",
  auto_allocate_ip: true,
  ip_address: { addr: "10.77.0.9", type: "V4" },
  ipam_network_subnet: { network_ref: "https://avi.test/api/network/n-1#infoblox-net" }
}]

const cachedOf = (body: Record<string, unknown>) =>
  toCached("vsvip", { ...body, uuid: "vsvip-1", tenant_ref: "https://avi.test/api/tenant/admin#admin" }, "c1")!

describe("a VsVip under an IPAM that owns its addresses", () => {
  it("is marked to keep its vip list on update with Infoblox and custom IPAMs only", () => {
    for (const ipamType of ["IPAMDNS_TYPE_INFOBLOX", "IPAMDNS_TYPE_CUSTOM"]) {
      expect(vsVipObject(settings({ ipamType }), "c1--red-web", [], undefined).keptOnUpdate).toEqual(["vip"])
    }
    expect(vsVipObject(settings({ ipamType: "IPAMDNS_TYPE_INTERNAL" }), "c1--red-web", [], undefined).keptOnUpdate)
      .toBeUndefined()
  })

  it("keeps Avi's vip list when the VsVip is updated, and a differing vip list alone writes nothing", () => {
    const desired = vsVipObject(settings({ ipamType: "IPAMDNS_TYPE_INFOBLOX" }), "c1--red-web", [
      "web.example.com"
    ], undefined)
    const stale = cachedOf({ ...desired.body, vip: infobloxVip, dns_info: [], vsvip_cloud_config_cksum: "1" })
    expect(upToDate(desired, stale)).toBe(false)
    const body = updateBody("vsvip", desired.body, stale.body, () => true, [], desired.keptOnUpdate)
    expect(body["vip"]).toEqual(infobloxVip)
    expect(body["dns_info"]).toEqual([{ fqdn: "web.example.com" }])

    const sameButVip = cachedOf({ ...desired.body, vip: infobloxVip, vsvip_cloud_config_cksum: "1" })
    expect(upToDate(desired, sameButVip)).toBe(true)
    // With the internal IPAM the same difference is one to write.
    const internal = vsVipObject(settings({ ipamType: "IPAMDNS_TYPE_INTERNAL" }), "c1--red-web", [
      "web.example.com"
    ], undefined)
    expect(upToDate(internal, cachedOf({ ...internal.body, vip: infobloxVip, vsvip_cloud_config_cksum: "1" })))
      .toBe(false)
  })
})
