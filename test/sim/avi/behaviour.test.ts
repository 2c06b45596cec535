import { generate } from "selfsigned"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession

beforeAll(async () => {
  // A tiny VIP range so exhaustion is reachable.
  sim = await startAviSim({
    http: true,
    vipNetwork: { name: "small-net", cidr: "192.168.10.0/24", staticRange: ["192.168.10.10", "192.168.10.13"] }
  })
  avi = new AviSession(sim)
  await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
})
afterAll(() => sim.close())

const vsvip = (name: string, vip: Record<string, unknown> = {}) =>
  avi.post("/api/vsvip", {
    name,
    tenant_ref: "/api/tenant/?name=admin",
    cloud_ref: "/api/cloud?name=Default-Cloud",
    east_west_placement: false,
    vip: [{
      vip_id: "0",
      auto_allocate_ip: true,
      ipam_network_subnet: { network_ref: "/api/network/?name=small-net" },
      ...vip
    }]
  })

describe("VsVip IPAM", () => {
  it("allocates from the network's static ranges, honours a requested address, refuses when exhausted", async () => {
    const a = await vsvip("vip-a")
    expect(a.status).toBe(201)
    expect(a.json.vip[0]).toMatchObject({
      vip_id: "0",
      ip_address: { addr: "192.168.10.10", type: "V4" },
      auto_allocate_ip_type: "V4_ONLY",
      avi_allocated_vip: true,
      prefix_length: 32,
      enabled: true
    })
    const requested = await vsvip("vip-req", {
      auto_allocate_ip: false,
      ip_address: { addr: "192.168.10.12", type: "V4" }
    })
    expect(requested.status).toBe(201)
    expect(requested.json.vip[0].ip_address.addr).toBe("192.168.10.12")
    const taken = await vsvip("vip-taken", {
      auto_allocate_ip: false,
      ip_address: { addr: "192.168.10.12", type: "V4" }
    })
    expect(taken.status).toBe(400)
    expect(taken.json.error).toContain("already in use")
    const outside = await vsvip("vip-outside", {
      auto_allocate_ip: false,
      ip_address: { addr: "10.9.9.9", type: "V4" }
    })
    expect(outside.status).toBe(400)
    const b = await vsvip("vip-b")
    const c = await vsvip("vip-c")
    expect([b.json.vip[0].ip_address.addr, c.json.vip[0].ip_address.addr].sort()).toEqual([
      "192.168.10.11",
      "192.168.10.13"
    ])
    const full = await vsvip("vip-full")
    expect(full.status).toBe(400)
    expect(full.json.error).toContain("No available free IPs")
    // deleting frees the address
    expect((await avi.delete(pathOf(b.json.url))).status).toBe(204)
    const again = await vsvip("vip-again")
    expect(again.status).toBe(201)
    expect(again.json.vip[0].ip_address.addr).toBe(b.json.vip[0].ip_address.addr)
  })

  it("uses the cloud's IPAM usable network when the VIP names none", async () => {
    const res = await avi.post("/api/vsvip", { name: "vip-ipam", vip: [{ vip_id: "0", auto_allocate_ip: true }] })
    // the range above is full at this point, which proves the IPAM network was used
    expect(res.status).toBe(400)
    expect(res.json.error).toContain("No available free IPs")
  })

  it("keeps the address across GET-modify-PUT and refuses changing it or the vip_id", async () => {
    const current = (await avi.get("/api/vsvip?name=vip-a&include_name")).json.results[0]
    const put = await avi.put(pathOf(current.url), { ...current, dns_info: [{ fqdn: "a.example.com" }] })
    expect(put.status).toBe(200)
    expect(put.json.vip[0].ip_address.addr).toBe("192.168.10.10")
    expect(put.json.dns_info).toEqual([{ fqdn: "a.example.com" }])
    const withoutAddr = await avi.put(pathOf(current.url), {
      name: "vip-a",
      vip: [{ vip_id: "0", auto_allocate_ip: true, ipam_network_subnet: current.vip[0].ipam_network_subnet }]
    })
    expect(withoutAddr.json.vip[0].ip_address.addr).toBe("192.168.10.10")
    const newIp = await avi.put(pathOf(current.url), {
      name: "vip-a",
      vip: [{ ...current.vip[0], ip_address: { addr: "192.168.10.99", type: "V4" } }]
    })
    expect(newIp.status).toBe(400)
    expect(newIp.json.error).toBe("If a new preferred IP is needed, please recreate the VIP")
    const newId = await avi.put(pathOf(current.url), { name: "vip-a", vip: [{ ...current.vip[0], vip_id: "1" }] })
    expect(newId.status).toBe(400)
    expect(newId.json.error).toBe("Changing an existing VIP's vip_id is not supported")
  })
})

describe("VsVip IPAM with the typed ranges of current controllers", () => {
  it("allocates from `static_ip_ranges` for VIPs, and never from a range reserved for SEs", async () => {
    const net = await avi.post("/api/network", {
      name: "typed-ranges",
      configured_subnets: [{
        prefix: { ip_addr: { addr: "172.17.0.0", type: "V4" }, mask: 24 },
        static_ip_ranges: [
          {
            type: "STATIC_IPS_FOR_SE",
            range: { begin: { addr: "172.17.0.5", type: "V4" }, end: { addr: "172.17.0.9", type: "V4" } }
          },
          {
            type: "STATIC_IPS_FOR_VIP",
            range: { begin: { addr: "172.17.0.20", type: "V4" }, end: { addr: "172.17.0.20", type: "V4" } }
          }
        ]
      }]
    })
    expect(net.status, net.text).toBe(201)
    const vip = (name: string) =>
      avi.post("/api/vsvip", {
        name,
        vip: [{
          vip_id: "0",
          auto_allocate_ip: true,
          ipam_network_subnet: { network_ref: "/api/network/?name=typed-ranges" }
        }]
      })
    const first = await vip("vip-typed")
    expect(first.status, first.text).toBe(201)
    expect(first.json.vip[0].ip_address.addr).toBe("172.17.0.20")
    const second = await vip("vip-typed-2")
    expect(second.status).toBe(400)
    expect(second.json.error).toContain("No available free IPs")
  })
})

describe("VsVip IPAM with several subnets", () => {
  it("allocates from the subnet the VIP names, and from any when it names none", async () => {
    const subnet = (base: string, begin: string, end: string) => ({
      prefix: { ip_addr: { addr: base, type: "V4" }, mask: 24 },
      static_ranges: [{ begin: { addr: begin, type: "V4" }, end: { addr: end, type: "V4" } }]
    })
    const net = await avi.post("/api/network", {
      name: "two-subnets",
      configured_subnets: [
        subnet("172.16.1.0", "172.16.1.5", "172.16.1.6"),
        subnet("172.16.2.0", "172.16.2.5", "172.16.2.6")
      ]
    })
    expect(net.status, net.text).toBe(201)
    expect(net.json.vrf_context_ref).toMatch(/#global$/)
    const inSecond = await avi.post("/api/vsvip", {
      name: "vip-second",
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: {
          network_ref: "/api/network/?name=two-subnets",
          subnet: { ip_addr: { addr: "172.16.2.0", type: "V4" }, mask: 24 }
        }
      }]
    })
    expect(inSecond.status, inSecond.text).toBe(201)
    expect(inSecond.json.vip[0].ip_address.addr).toMatch(/^172\.16\.2\./)
    const elsewhere = await avi.post("/api/vsvip", {
      name: "vip-nowhere",
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: {
          network_ref: "/api/network/?name=two-subnets",
          subnet: { ip_addr: { addr: "172.16.9.0", type: "V4" }, mask: 24 }
        }
      }]
    })
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.json.error).toContain("No available free IPs")
    const any = await avi.post("/api/vsvip", {
      name: "vip-any",
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: { network_ref: "/api/network/?name=two-subnets" }
      }]
    })
    expect(any.json.vip[0].ip_address.addr).toMatch(/^172\.16\.[12]\./)
  })
})

describe("virtual service parent/child", () => {
  it("maintains vh_child_vs_uuid on the parent and refuses a child of a non-parent", async () => {
    const parent = await avi.post("/api/virtualservice", {
      name: "c1--Shared-L7-0",
      type: "VS_TYPE_VH_PARENT",
      vsvip_ref: "/api/vsvip/?name=vip-a",
      services: [{ port: 80 }, { port: 443, enable_ssl: true }]
    })
    expect(parent.status, parent.text).toBe(201)
    expect(parent.json.vh_child_vs_uuid).toEqual([])
    expect(parent.json.services[1]).toMatchObject({ port: 443, port_range_end: 443, enable_ssl: true })
    const child = await avi.post("/api/virtualservice", {
      name: "c1--foo.example.com",
      type: "VS_TYPE_VH_CHILD",
      vh_parent_vs_ref: "/api/virtualservice/?name=c1--Shared-L7-0",
      vh_domain_name: ["foo.example.com"]
    })
    expect(child.status, child.text).toBe(201)
    expect(child.json.vh_parent_vs_ref).toBe(`${parent.json.url}`)
    const after = await avi.get(`${pathOf(parent.json.url)}?include_name`)
    expect(after.json.vh_child_vs_uuid).toEqual([child.json.uuid])
    expect(after.json._last_modified).not.toBe(parent.json._last_modified)
    const refused = await avi.delete(pathOf(parent.json.url))
    expect(refused.status).toBe(400)
    expect(refused.json.error).toBe("Cannot delete, object is referred by: ['VirtualService c1--foo.example.com']")
    const normal = await avi.post("/api/virtualservice", { name: "normal", vsvip_ref: "/api/vsvip/?name=vip-c" })
    const orphan = await avi.post("/api/virtualservice", {
      name: "orphan",
      type: "VS_TYPE_VH_CHILD",
      vh_parent_vs_ref: `/api/virtualservice/${normal.json.uuid}`
    })
    expect(orphan.status).toBe(400)
    expect((await avi.delete(pathOf(child.json.url))).status).toBe(204)
    expect((await avi.get(pathOf(parent.json.url))).json.vh_child_vs_uuid).toEqual([])
  })
})

describe("certificates", () => {
  it("parses the PEM, hides the key as <sensitive>, keeps it across PUT and rejects garbage", async () => {
    const pems = await generate([{ name: "commonName", value: "foo.example.com" }], {
      keyType: "ec",
      algorithm: "sha256",
      extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "foo.example.com" }] }]
    })
    const res = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--foo.example.com",
      created_by: "ako-c1",
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: pems.cert },
      key: pems.private
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.key).toBe("<sensitive>")
    expect(res.json.certificate).toMatchObject({
      certificate: pems.cert,
      subject: { common_name: "foo.example.com" },
      issuer: { common_name: "foo.example.com" },
      self_signed: true,
      expiry_status: "SSL_CERTIFICATE_GOOD",
      subject_alt_names: ["foo.example.com"]
    })
    expect(res.json.certificate.not_after).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
    expect(res.json).toMatchObject({ status: "SSL_CERTIFICATE_FINISHED", format: "SSL_PEM" })
    const got = await avi.get(`${pathOf(res.json.url)}?include_name=true`)
    expect(got.json.key).toBe("<sensitive>")
    expect(got.json.certificate.certificate).toBe(pems.cert)
    expect(JSON.stringify(got.json)).not.toContain("PRIVATE KEY")
    const put = await avi.put(pathOf(res.json.url), got.json)
    expect(put.status, put.text).toBe(200)
    expect(put.json.key).toBe("<sensitive>")
    const other = await generate([{ name: "commonName", value: "bar" }], { keyType: "ec" })
    const mismatch = await avi.post("/api/sslkeyandcertificate", {
      name: "mismatch",
      certificate: { certificate: pems.cert },
      key: other.private
    })
    expect(mismatch.status).toBe(400)
    const garbage = await avi.post("/api/sslkeyandcertificate", {
      name: "garbage",
      certificate: { certificate: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----" },
      key: pems.private
    })
    expect(garbage.status).toBe(500)
    expect(garbage.json.error).toContain("Import error")
    const ca = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--ca",
      type: "SSL_CERTIFICATE_TYPE_CA",
      certificate: { certificate: other.cert }
    })
    expect(ca.status).toBe(201)
    expect(ca.json.key).toBeUndefined()
  })
})
