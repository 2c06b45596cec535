import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_VERSION, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession
let n = 0
const unique = (prefix: string) => `${prefix}-${++n}`

beforeAll(async () => {
  sim = await startAviSim({ http: true })
  avi = new AviSession(sim)
  expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
})
afterAll(() => sim.close())

const createPool = async (name: string, extra: Record<string, unknown> = {}) => {
  const res = await avi.post("/api/pool", { name, tenant_ref: "/api/tenant/?name=admin", ...extra })
  expect(res.status, res.text).toBe(201)
  return res.json
}

describe("envelope", () => {
  it("POST answers 201 with the full object, Location, <type>-<uuid4>, url and refs with #name", async () => {
    const res = await avi.post("/api/pool", {
      name: "p-envelope",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"],
      servers: [{ ip: { addr: "10.1.1.1", type: "V4" }, port: 8080 }]
    })
    expect(res.status).toBe(201)
    const pool = res.json
    expect(pool.uuid).toMatch(/^pool-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(pool.url).toBe(`${sim.url}/api/pool/${pool.uuid}#p-envelope`)
    expect(res.headers.location).toBe(pool.url)
    expect(pool.tenant_ref).toBe(`${sim.url}/api/tenant/admin#admin`)
    expect(pool.cloud_ref).toMatch(new RegExp(`^${sim.url}/api/cloud/cloud-[0-9a-f-]{36}#Default-Cloud$`))
    expect(pool.health_monitor_refs[0]).toMatch(/\/api\/healthmonitor\/healthmonitor-[0-9a-f-]{36}#System-TCP$/)
    expect(pool._last_modified).toMatch(/^\d{16}$/)
    // controller defaults (avi-api.md §4)
    expect(pool.lb_algorithm).toBe("LB_ALGORITHM_LEAST_CONNECTIONS")
    expect(pool.servers[0]).toMatchObject({ ratio: 1, hostname: "10.1.1.1", enabled: true, port: 8080 })
    expect(res.headers["content-type"]).toBe("application/json")
  })

  it("GET without include_name has bare refs; include_name= (empty, as Go encodes it) adds #name", async () => {
    const pool = await createPool(unique("p-get"))
    const bare = await avi.get(pathOf(pool.url))
    expect(bare.status).toBe(200)
    expect(bare.json.url).toBe(`${sim.url}/api/pool/${pool.uuid}`)
    expect(bare.json.tenant_ref).toBe(`${sim.url}/api/tenant/admin`)
    const named = await avi.get(`${pathOf(pool.url)}/?include_name=`)
    expect(named.json.tenant_ref).toBe(`${sim.url}/api/tenant/admin#admin`)
    expect(named.json.vrf_ref).toMatch(/#global$/)
  })

  it("tolerates double and trailing slashes", async () => {
    const pool = await createPool(unique("p-slash"))
    expect((await avi.get(`//api/pool/${pool.uuid}/?include_name`)).status).toBe(200)
    const list = await avi.get(`//api/pool/?name=${pool.name}`)
    expect(list.json.count).toBe(1)
    expect((await avi.get("//api/initial-data")).json.version.Version).toBe(AVI_SIM_DEFAULT_VERSION)
  })

  it("_last_modified changes on every write and PUT with a stale one is refused with 412", async () => {
    const pool = await createPool(unique("p-412"))
    const first = pool._last_modified
    const put = await avi.put(pathOf(pool.url), { ...pool, enabled: false })
    expect(put.status).toBe(200)
    expect(put.json.enabled).toBe(false)
    expect(put.json._last_modified).not.toBe(first)
    expect(BigInt(put.json._last_modified) > BigInt(first)).toBe(true)
    const stale = await avi.put(pathOf(pool.url), { ...pool, enabled: true })
    expect(stale.status).toBe(412)
    expect(stale.json.error).toContain("Need to reload object data Pool")
    const vsvip = await avi.post("/api/vsvip", {
      name: unique("vip-412"),
      vip: [{ vip_id: "0", auto_allocate_ip: true }]
    })
    await avi.put(pathOf(vsvip.json.url), { ...vsvip.json, dns_info: [{ fqdn: "a.example.com" }] })
    const staleVip = await avi.put(pathOf(vsvip.json.url), { ...vsvip.json, dns_info: [{ fqdn: "b.example.com" }] })
    expect(staleVip.status).toBe(412)
    expect(staleVip.json.error).toContain("Need to reload object data VsVip")
    // no _last_modified in the body: no check
    const blind = await avi.put(pathOf(pool.url), { name: pool.name, enabled: true })
    expect(blind.status).toBe(200)
  })

  it("PUT is a full replace: absent optional fields revert to defaults", async () => {
    const pool = await createPool(unique("p-full"), { lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN", created_by: "ako-x" })
    const put = await avi.put(pathOf(pool.url), { name: pool.name })
    expect(put.json.lb_algorithm).toBe("LB_ALGORITHM_LEAST_CONNECTIONS")
    expect(put.json.created_by).toBeUndefined()
    expect(put.json.uuid).toBe(pool.uuid)
  })

  it("echoes client-owned fields verbatim", async () => {
    const metadata = JSON.stringify({ namespace_svc_name: ["default/web"], crd_status: { type: "", value: "" } })
    const markers = [{ key: "clustername", values: ["c1"] }, { key: "Namespace", values: ["default"] }]
    const pool = await createPool(unique("p-echo"), {
      cloud_config_cksum: "2882285627",
      created_by: "ako-c1",
      service_metadata: metadata,
      markers
    })
    const got = await avi.get(`${pathOf(pool.url)}?include_name=true`)
    expect(got.json).toMatchObject({
      cloud_config_cksum: "2882285627",
      created_by: "ako-c1",
      service_metadata: metadata,
      markers
    })
    const vip = await avi.post("/api/vsvip", {
      name: unique("vip-echo"),
      vsvip_cloud_config_cksum: "77",
      vip: [{ vip_id: "0", auto_allocate_ip: true }]
    })
    expect(vip.json.vsvip_cloud_config_cksum).toBe("77")
  })

  it("unknown uuid answers 404 with <Model> object not found!", async () => {
    const res = await avi.get("/api/vsvip/vsvip-00000000-0000-4000-8000-000000000000/?include_name")
    expect(res.status).toBe(404)
    expect(res.json.error).toBe("VsVip object not found!")
    const del = await avi.delete("/api/pool/pool-00000000-0000-4000-8000-000000000000")
    expect(del.status).toBe(404)
  })

  it("DELETE answers 204 with an empty body", async () => {
    const pool = await createPool(unique("p-del"))
    const res = await avi.delete(pathOf(pool.url))
    expect(res.status).toBe(204)
    expect(res.text).toBe("")
    expect((await avi.get(pathOf(pool.url))).status).toBe(404)
  })

  it("missing name answers 400", async () => {
    const res = await avi.post("/api/pool", { servers: [] })
    expect(res.status).toBe(400)
    expect(res.json.error).toContain("name")
  })

  it("Slug forces the uuid", async () => {
    const res = await avi.post("/api/pool", { name: unique("p-slug") }, { Slug: "pool-forced-1" })
    expect(res.json.uuid).toBe("pool-forced-1")
  })

  it("X-Avi-Version newer than the controller is refused with Invalid version", async () => {
    const res = await avi.get("/api/pool", { "X-Avi-Version": "99.1.1" })
    expect(res.status).toBe(400)
    expect(res.json.error).toContain("Invalid version")
    expect((await avi.get("/api/pool", { "X-Avi-Version": "18.2.6" })).status).toBe(200)
  })
})

describe("refs", () => {
  it("accepts every input form and stores the canonical ref", async () => {
    const target = await createPool(unique("p-target"))
    const forms = [
      target.url,
      target.url.split("#")[0],
      `/api/pool/${target.uuid}`,
      `/api/pool/?name=${target.name}`,
      `/api/pool?name=${target.name}`
    ]
    for (const [i, ref] of forms.entries()) {
      const res = await avi.post("/api/poolgroup", {
        name: unique(`pg-form${i}`),
        members: [{ pool_ref: ref, ratio: 100 }]
      })
      expect(res.status, `${ref}: ${res.text}`).toBe(201)
      expect(res.json.members[0].pool_ref).toBe(`${sim.url}/api/pool/${target.uuid}#${target.name}`)
    }
  })

  it("an empty ref means unset", async () => {
    const vsvip = await avi.post("/api/vsvip", {
      name: unique("vip-e"),
      vip: [{ vip_id: "0", auto_allocate_ip: true }]
    })
    const res = await avi.post("/api/virtualservice", {
      name: unique("vs-empty"),
      vsvip_ref: `/api/vsvip/?name=${vsvip.json.name}`,
      error_page_profile_ref: "",
      services: [{ port: 80 }]
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.error_page_profile_ref).toBeUndefined()
  })

  it("an unresolvable ref answers the controller's not-found error", async () => {
    const pg = await avi.post("/api/poolgroup", {
      name: unique("pg-missing"),
      members: [{ pool_ref: "/api/pool?name=nope" }]
    })
    expect(pg.status).toBe(404)
    expect(pg.json.error).toBe("Pool object not found!")
    const vs = await avi.post("/api/virtualservice", {
      name: unique("vs-vrf"),
      vrf_context_ref: "/api/vrfcontext?name=nope"
    })
    expect(vs.status).toBe(400)
    expect(vs.json.error).toContain("VrfContext object not found")
    const vip = await avi.post("/api/vsvip", {
      name: unique("vip-net"),
      vip: [{ vip_id: "0", auto_allocate_ip: true, ipam_network_subnet: { network_ref: "/api/network/?name=nope" } }]
    })
    expect(vip.status).toBe(400)
    expect(vip.json.error).toContain("Network object not found")
  })

  it("refs follow renames (#name is looked up when rendering)", async () => {
    const target = await createPool(unique("p-rename"))
    const pg = await avi.post("/api/poolgroup", { name: unique("pg-rename"), members: [{ pool_ref: target.url }] })
    await avi.put(pathOf(target.url), { name: "p-renamed" })
    const got = await avi.get(`${pathOf(pg.json.url)}?include_name`)
    expect(got.json.members[0].pool_ref).toMatch(/#p-renamed$/)
  })
})

describe("conflicts and deletes", () => {
  it("duplicate name in a tenant answers 409 with the real text", async () => {
    const name = unique("p-dup")
    await createPool(name)
    const res = await avi.post("/api/pool", { name })
    expect(res.status).toBe(409)
    expect(res.json.error).toBe("Pool with this Name and Tenant ref already exists.")
    const vs = await avi.post("/api/virtualservice", { name: unique("vs-dup") })
    expect(vs.status).toBe(201)
    const vsDup = await avi.post("/api/virtualservice", { name: vs.json.name })
    expect(vsDup.json.error).toBe("Virtual service with this Name and Tenant ref already exists.")
    const sg = await avi.post("/api/vrfcontext", { name: "global" })
    expect(sg.status).toBe(409)
    expect(sg.json.error).toBe("Vrf context with this Name, Tenant ref and Cloud ref already exists.")
  })

  it("the same name in another tenant is fine", async () => {
    const tenant = await avi.post("/api/tenant", { name: unique("t-dup") })
    const name = unique("p-dup2")
    await createPool(name)
    const other = await avi.post("/api/pool", { name }, { "X-Avi-Tenant": tenant.json.name })
    expect(other.status).toBe(201)
    expect(other.json.tenant_ref).toBe(`${sim.url}/api/tenant/${tenant.json.uuid}#${tenant.json.name}`)
  })

  it("deleting a referenced object is refused with the referrers listed", async () => {
    const pool = await createPool(unique("p1"))
    const pg = await avi.post("/api/poolgroup", { name: unique("pg1"), members: [{ pool_ref: pool.url }] })
    const res = await avi.delete(pathOf(pool.url))
    expect(res.status).toBe(400)
    expect(res.json.error).toBe(`Cannot delete, object is referred by: ['PoolGroup ${pg.json.name}']`)
    expect((await avi.delete(pathOf(pg.json.url))).status).toBe(204)
    expect((await avi.delete(pathOf(pool.url))).status).toBe(204)
  })

  it("system default objects cannot be deleted", async () => {
    const hm = await avi.get("/api/healthmonitor?name=System-TCP")
    const res = await avi.delete(pathOf(hm.json.results[0].url))
    expect(res.status).toBe(403)
  })
})

describe("PATCH", () => {
  it("add appends to lists, replace swaps, delete removes matching entries", async () => {
    const pool = await createPool(unique("p-patch"), { servers: [{ ip: { addr: "10.0.0.1", type: "V4" }, port: 80 }] })
    const path = pathOf(pool.url)
    const added = await avi.patch(path, { add: { servers: [{ ip: { addr: "10.0.0.2", type: "V4" }, port: 80 }] } })
    expect(added.status).toBe(200)
    expect(added.json.servers.map((s: { ip: { addr: string } }) => s.ip.addr)).toEqual(["10.0.0.1", "10.0.0.2"])
    expect(added.json._last_modified).not.toBe(pool._last_modified)
    const deleted = await avi.patch(path, { delete: { servers: [{ ip: { addr: "10.0.0.1", type: "V4" } }] } })
    expect(deleted.json.servers.map((s: { ip: { addr: string } }) => s.ip.addr)).toEqual(["10.0.0.2"])
    const replaced = await avi.patch(path, {
      replace: {
        servers: [{ ip: { addr: "10.0.0.9", type: "V4" }, port: 81 }],
        lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN"
      }
    })
    expect(replaced.json.servers).toHaveLength(1)
    expect(replaced.json.lb_algorithm).toBe("LB_ALGORITHM_ROUND_ROBIN")
    const scalarAdd = await avi.patch(path, { add: { enabled: false } })
    expect(scalarAdd.json.enabled).toBe(false)
    const refAdd = await avi.patch(path, { add: { health_monitor_refs: ["/api/healthmonitor/?name=System-HTTP"] } })
    expect(refAdd.json.health_monitor_refs[0]).toMatch(/#System-HTTP$/)
    expect((await avi.patch(path, { merge: {} })).status).toBe(400)
  })
})

describe("tenants", () => {
  it("scopes reads and writes by X-Avi-Tenant / X-Avi-Tenant-UUID, with * for all", async () => {
    const tenant = (await avi.post("/api/tenant", { name: unique("team") })).json
    expect(tenant.uuid).toMatch(/^tenant-[0-9a-f-]{36}$/)
    const name = unique("p-tenant")
    const created = await avi.post("/api/pool", { name }, { "X-Avi-Tenant": tenant.name })
    expect(created.status).toBe(201)
    expect((await avi.get(`/api/pool?name=${name}`)).json.count).toBe(0)
    expect((await avi.get(`/api/pool?name=${name}`, { "X-Avi-Tenant": tenant.name })).json.count).toBe(1)
    expect((await avi.get(`/api/pool?name=${name}`, { "X-Avi-Tenant-UUID": tenant.uuid })).json.count).toBe(1)
    expect((await avi.get(`/api/pool?name=${name}`, { "X-Avi-Tenant": "*" })).json.count).toBe(1)
    expect((await avi.get(pathOf(created.json.url))).status).toBe(404)
    const missing = await avi.get("/api/pool", { "X-Avi-Tenant": "nobody" })
    expect(missing.status).toBe(403)
    expect(missing.json.error).toBe("Tenant 'nobody' does not exist!")
  })

  it("admin-owned provider objects are readable and referable from every tenant, not writable", async () => {
    const tenant = (await avi.post("/api/tenant", { name: unique("team") })).json
    const h = { "X-Avi-Tenant": tenant.name }
    expect((await avi.get("/api/cloud?name=Default-Cloud", h)).json.count).toBe(1)
    expect((await avi.get("/api/applicationprofile?name=System-HTTP", h)).json.count).toBe(1)
    const vip = await avi.post("/api/vsvip", { name: "v", vip: [{ vip_id: "0", auto_allocate_ip: true }] }, h)
    expect(vip.status, vip.text).toBe(201)
    const vs = await avi.post("/api/virtualservice", {
      name: "vs",
      vsvip_ref: "/api/vsvip/?name=v",
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vrf_context_ref: "/api/vrfcontext?name=global",
      services: [{ port: 80 }]
    }, h)
    expect(vs.status, vs.text).toBe(201)
    expect(vs.json.tenant_ref).toContain(tenant.uuid)
    // tenant-scoped admin objects stay invisible
    const adminPool = await createPool(unique("p-admin-only"))
    const ref = await avi.post("/api/poolgroup", {
      name: "pg",
      members: [{ pool_ref: `/api/pool?name=${adminPool.name}` }]
    }, h)
    expect(ref.status).toBe(404)
    const vrf = (await avi.get("/api/vrfcontext?name=global", h)).json.results[0]
    const put = await avi.put(pathOf(vrf.url), vrf, h)
    expect(put.status).toBe(400)
    expect(put.json.error).toContain("Cannot modify VrfContext")
  })
})

describe("raw transport", () => {
  it("serves HTTPS with a self-signed certificate by default", async () => {
    const secure = await startAviSim()
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(secure.caPem).toContain("BEGIN CERTIFICATE")
      const res = await request(secure, { path: "/api/cluster/status" })
      expect(res.status).toBe(200)
      const s = new AviSession(secure)
      expect((await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)).setCookie[0]).toContain("Secure")
    } finally {
      await secure.close()
    }
  })
})

describe("edges", () => {
  it("answers 400 on malformed JSON, 405 on a wrong method, 404 on an unknown type", async () => {
    const bad = await avi.call("POST", "/api/pool", "{not json")
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain("JSON")
    expect((await avi.put("/api/pool", { name: "x" })).status).toBe(405)
    const unknown = await avi.get("/api/nosuchtype")
    expect(unknown.status).toBe(404)
    expect((await avi.get("/api/pool/pool-x/runtime/detail")).status).toBe(404)
  })

  it("refuses deleting a tenant that still owns objects", async () => {
    const tenant = (await avi.post("/api/tenant", { name: unique("t-del") })).json
    const pool = await avi.post("/api/pool", { name: "p" }, { "X-Avi-Tenant": tenant.name })
    const refused = await avi.delete(pathOf(tenant.url))
    expect(refused.status).toBe(400)
    expect(refused.json.error).toBe("Cannot delete, object is referred by: ['Pool p']")
    expect((await avi.delete(pathOf(pool.json.url), { "X-Avi-Tenant": tenant.name })).status).toBe(204)
    expect((await avi.delete(pathOf(tenant.url))).status).toBe(204)
    expect((await avi.get("/api/pool", { "X-Avi-Tenant": tenant.name })).json.error).toBe(
      `Tenant '${tenant.name}' does not exist!`
    )
  })

  it("a Slug that is already taken answers 409", async () => {
    await avi.post("/api/pool", { name: unique("p-slug-a") }, { Slug: "pool-slug-taken" })
    const again = await avi.post("/api/pool", { name: unique("p-slug-b") }, { Slug: "pool-slug-taken" })
    expect(again.status).toBe(409)
  })

  it("systemconfiguration answers at /api/systemconfiguration and /default, and takes PATCH", async () => {
    const bare = await avi.get("/api/systemconfiguration")
    expect(bare.json.url).toBe(`${sim.url}/api/systemconfiguration/default`)
    expect((await avi.get("/api/systemconfiguration/default")).json.uuid).toBe("default")
    const patched = await avi.patch("/api/systemconfiguration", { replace: { default_license_tier: "ESSENTIALS" } })
    expect(patched.status).toBe(200)
    expect((await avi.get("/api/systemconfiguration")).json.default_license_tier).toBe("ESSENTIALS")
    await avi.patch("/api/systemconfiguration", { replace: { default_license_tier: "ENTERPRISE" } })
  })

  it("a ref to the wrong type is refused", async () => {
    const res = await avi.post("/api/virtualservice", {
      name: unique("vs-wrong"),
      pool_ref: "/api/vsvip/?name=nothing"
    })
    expect(res.status).toBe(404)
    const vip = await avi.post("/api/vsvip", { name: unique("vip-wrongtype"), vip: [] })
    const wrong = await avi.post("/api/virtualservice", { name: unique("vs-wrong"), pool_ref: vip.json.url })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error).toContain("pool_ref")
  })

  it("user tokens are visible to their owner only", async () => {
    const token = await avi.post("/api/user-token", { hours: 1 })
    const other = await startAviSim({
      http: true,
      users: [{ username: "a", password: "a" }, { username: "b", password: "b" }]
    })
    try {
      const a = new AviSession(other)
      const b = new AviSession(other)
      await a.login("a", "a")
      await b.login("b", "b")
      const mine = await a.post("/api/user-token", { hours: 1 })
      expect((await b.get("/api/user-token")).json.count).toBe(0)
      expect((await b.get(`/api/user-token/${mine.json.uuid}`)).status).toBe(404)
      expect((await a.get("/api/user-token")).json.count).toBe(1)
    } finally {
      await other.close()
    }
    expect(token.status).toBe(201)
  })
})
