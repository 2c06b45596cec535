/**
 * IPv6 VIPs as a controller hands them out: `auto_allocate_ip_type` V6_ONLY and V4_V6 take an address from the
 * network's IPv6 subnet (`ipam_network_subnet.subnet6` narrows it), a requested `ip6_address` is honoured, kept on
 * update and refused when taken.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession

beforeAll(async () => {
  sim = await startAviSim({
    http: true,
    vipNetwork: {
      name: "dual-net",
      cidr: "192.168.20.0/24",
      staticRange: ["192.168.20.10", "192.168.20.20"],
      v6cidr: "fd00:20::/64",
      v6StaticRange: ["fd00:20::a", "fd00:20::c"]
    }
  })
  avi = new AviSession(sim)
  await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
})
afterAll(() => sim.close())

const vsvip = (name: string, vip: Record<string, unknown>) =>
  avi.post("/api/vsvip", {
    name,
    tenant_ref: "/api/tenant/?name=admin",
    cloud_ref: "/api/cloud?name=Default-Cloud",
    vip: [{ vip_id: "0", ipam_network_subnet: { network_ref: "/api/network/?name=dual-net" }, ...vip }]
  })

describe("VsVip IPv6 IPAM", () => {
  it("gives a V6_ONLY VIP an IPv6 address alone and a V4_V6 VIP one of each", async () => {
    const v6 = await vsvip("v6-only", { auto_allocate_ip: true, auto_allocate_ip_type: "V6_ONLY" })
    expect(v6.status).toBe(201)
    expect(v6.json.vip[0]).toMatchObject({
      ip6_address: { addr: "fd00:20::a", type: "V6" },
      auto_allocate_ip_type: "V6_ONLY",
      avi_allocated_vip: true
    })
    expect(v6.json.vip[0].ip_address).toBeUndefined()
    const dual = await vsvip("dual", {
      auto_allocate_ip: true,
      auto_allocate_ip_type: "V4_V6",
      ipam_network_subnet: {
        network_ref: "/api/network/?name=dual-net",
        subnet: { ip_addr: { addr: "192.168.20.0", type: "V4" }, mask: 24 },
        subnet6: { ip_addr: { addr: "fd00:20::", type: "V6" }, mask: 64 }
      }
    })
    expect(dual.status).toBe(201)
    expect(dual.json.vip[0]).toMatchObject({
      ip_address: { addr: "192.168.20.10", type: "V4" },
      ip6_address: { addr: "fd00:20::b", type: "V6" },
      auto_allocate_ip_type: "V4_V6"
    })
    // An update that repeats the body keeps both addresses.
    const again = await avi.put(pathOf(dual.json.url), {
      ...dual.json,
      vip: [{ vip_id: "0", auto_allocate_ip: true, auto_allocate_ip_type: "V4_V6" }]
    })
    expect(again.status).toBe(200)
    expect(again.json.vip[0].ip6_address.addr).toBe("fd00:20::b")
    expect(again.json.vip[0].ip_address.addr).toBe("192.168.20.10")
  })

  it("honours a requested IPv6 address, refuses it when taken or outside the network, and runs out", async () => {
    const requested = await vsvip("v6-static", {
      auto_allocate_ip: false,
      ip6_address: { addr: "FD00:20:0:0::C", type: "V6" }
    })
    expect(requested.status).toBe(201)
    expect(requested.json.vip[0].ip6_address).toEqual({ addr: "fd00:20::c", type: "V6" })
    const taken = await vsvip("v6-taken", { auto_allocate_ip: false, ip6_address: { addr: "fd00:20::c", type: "V6" } })
    expect(taken.status).toBe(400)
    expect(taken.json.error).toContain("already in use")
    const outside = await vsvip("v6-outside", {
      auto_allocate_ip: false,
      ip6_address: { addr: "fd99::1", type: "V6" }
    })
    expect(outside.status).toBe(400)
    expect(outside.json.error).toContain("not in any configured subnet")
    const full = await vsvip("v6-full", { auto_allocate_ip: true, auto_allocate_ip_type: "V6_ONLY" })
    expect(full.status).toBe(400)
    expect(full.json.error).toContain("No available free IPv6 addresses")
  })
})
