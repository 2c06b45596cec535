/**
 * The controller objects AKO's CRDs name (ako-crds.md §0.4, §6): readable by name from the CR's tenant the way the
 * CRD validators ask (`?name=<n>&fields=name,type,labels,created_by`), creatable, referable from a virtual service,
 * and seeded with what a fresh controller has. Plus `vrfcontext.static_routes`, which AKO GETs and PUTs back whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let admin: AviSession
/** A session in the tenant of a CR's namespace, as the validators send their GETs. */
let team: AviSession

beforeAll(async () => {
  sim = await startAviSim({ http: true })
  admin = new AviSession(sim)
  expect((await admin.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
  expect((await admin.post("/api/tenant", { name: "team-a" })).status).toBe(201)
  team = new AviSession(sim)
  team.tenant = "team-a"
  expect((await team.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
})
afterAll(() => sim.close())

/** AKO's ref check (crdcontroller.go): name not URL-encoded, the CR's tenant in X-Avi-Tenant. */
const refCheck = (type: string, name: string, fields = "name,type,labels,created_by") =>
  team.get(`/api/${type}?name=${name}&fields=${fields}`)

const names = async (type: string) =>
  (await admin.get(`/api/${type}?page_size=200`)).json.results.map((o: { name: string }) => o.name).sort()

describe("seeded system objects, visible from every tenant", () => {
  it("has what a fresh controller has of each type a CRD can name", async () => {
    expect(await names("wafpolicy")).toEqual(["System-WAF-Policy"])
    expect(await names("applicationprofile")).toEqual([
      "System-DNS",
      "System-HTTP",
      "System-L4-Application",
      "System-SSL-Application",
      "System-Secure-HTTP",
      "System-Secure-HTTP-VDI",
      "System-Syslog"
    ])
    expect(await names("networkprofile")).toEqual([
      "System-SCTP-Proxy",
      "System-TCP-Fast-Path",
      "System-TCP-Proxy",
      "System-UDP-Fast-Path",
      "System-UDP-Fast-Path-VDI",
      "System-UDP-No-SNAT",
      "System-UDP-Per-Pkt"
    ])
    expect(await names("sslprofile")).toEqual(["System-Standard", "System-Standard-PFS", "System-Standard-Portal"])
    expect(await names("healthmonitor")).toEqual(expect.arrayContaining([
      "System-TCP",
      "System-UDP",
      "System-SCTP",
      "System-HTTP",
      "System-HTTPS",
      "System-Ping",
      "System-DNS"
    ]))
    expect(await names("applicationpersistenceprofile")).toEqual([
      "System-Persistence-App-Cookie",
      "System-Persistence-Client-IP",
      "System-Persistence-Custom-Http-Header",
      "System-Persistence-Http-Cookie",
      "System-Persistence-TLS"
    ])
    expect(await names("errorpageprofile")).toEqual(["Custom-Error-Page-Profile"])
    expect(await names("analyticsprofile")).toEqual(["System-Analytics-Profile"])
    expect(await names("stringgroup")).toEqual([
      "System-Cacheable-Resource-Types",
      "System-Compressible-Content-Types",
      "System-Devices-Mobile",
      "System-Rewritable-Content-Types"
    ])
    expect(await names("vsdatascriptset")).toEqual(["Default-ACTIVE-FTP", "Default-FULL-FTP", "Default-PASV-FTP"])
    expect(await names("protocolparser")).toEqual(["Default-TLS"])
    // a fresh controller has none of these, but the collections exist
    for (const type of ["pkiprofile", "icapprofile", "securitypolicy", "networksecuritypolicy", "botdetectionpolicy"]) {
      const res = await admin.get(`/api/${type}`)
      expect(res.status, type).toBe(200)
      expect(res.json, type).toEqual({ count: 0, results: [] })
    }
  })

  it("answers AKO's ref checks from a tenant's namespace, with the fields the validators read", async () => {
    const seeded: Array<[string, string]> = [
      ["wafpolicy", "System-WAF-Policy"],
      ["applicationprofile", "System-Secure-HTTP"],
      ["networkprofile", "System-TCP-Proxy"],
      ["sslprofile", "System-Standard"],
      ["healthmonitor", "System-TCP"],
      ["applicationpersistenceprofile", "System-Persistence-Client-IP"],
      ["errorpageprofile", "Custom-Error-Page-Profile"],
      ["analyticsprofile", "System-Analytics-Profile"],
      ["stringgroup", "System-Rewritable-Content-Types"]
    ]
    for (const [type, name] of seeded) {
      const res = await refCheck(type, name)
      expect(res.status, type).toBe(200)
      expect(res.json.count, `${type} ${name}`).toBe(1)
      expect(res.json.results[0].name).toBe(name)
      expect(res.json.results[0].created_by).toBeUndefined()
    }
    const types = async (names: Array<string>) =>
      Promise.all(names.map(async (name) => (await refCheck("applicationprofile", name)).json.results[0].type))
    expect(await types(["System-HTTP", "System-Secure-HTTP", "System-L4-Application", "System-SSL-Application"]))
      .toEqual([
        "APPLICATION_PROFILE_TYPE_HTTP",
        "APPLICATION_PROFILE_TYPE_HTTP",
        "APPLICATION_PROFILE_TYPE_L4",
        "APPLICATION_PROFILE_TYPE_SSL"
      ])
    const tcp = await refCheck("networkprofile", "System-TCP-Proxy", "name,profile,labels,created_by")
    expect(tcp.json.results[0].profile.type).toBe("PROTOCOL_TYPE_TCP_PROXY")
    expect((await refCheck("wafpolicy", "No-Such-Policy")).json.count).toBe(0)
  })

  it("seeds refs between system objects resolved, as the controller does", async () => {
    const http = (await admin.get("/api/applicationprofile?name=System-HTTP&include_name")).json.results[0]
    expect(http.http_profile.compression_profile.compressible_content_ref).toMatch(
      /\/api\/stringgroup\/stringgroup-[0-9a-f-]{36}#System-Compressible-Content-Types$/
    )
    const waf = (await admin.get("/api/wafpolicy?name=System-WAF-Policy&include_name")).json.results[0]
    expect(waf).toMatchObject({ mode: "WAF_MODE_DETECTION_ONLY" })
    expect(waf.waf_profile_ref).toMatch(/#System-WAF-Profile$/)
    expect((await admin.delete(pathOf(waf.url))).status).toBe(403)
  })
})

describe("objects a user or ako-crd-operator creates for CRs to name", () => {
  const bodies: Array<[string, Record<string, unknown>]> = [
    ["wafpolicy", { waf_profile_ref: "/api/wafprofile?name=System-WAF-Profile" }],
    ["applicationprofile", { type: "APPLICATION_PROFILE_TYPE_L4" }],
    ["networkprofile", { profile: { type: "PROTOCOL_TYPE_TCP_PROXY" } }],
    ["pkiprofile", { ca_certs: [] }],
    ["sslprofile", { accepted_versions: [{ type: "SSL_VERSION_TLS1_3" }] }],
    ["healthmonitor", { type: "HEALTH_MONITOR_HTTP", monitor_port: 8080 }],
    ["applicationpersistenceprofile", { persistence_type: "PERSISTENCE_TYPE_HTTP_COOKIE" }],
    ["errorpageprofile", {}],
    ["analyticsprofile", {}],
    ["icapprofile", { service_uri: "/avscan", vendor: "ICAP_VENDOR_GENERIC" }],
    ["stringgroup", { type: "SG_TYPE_KEYVAL", kv: [{ key: "a", value: "b" }] }],
    ["vsdatascriptset", { datascript: [{ evt: "VS_DATASCRIPT_EVT_HTTP_REQ", script: "avi.vs.log('hi')" }] }]
  ]

  it("creates each in the CR's tenant, finds it by name, refuses a duplicate, and deletes it", async () => {
    const markers = [{ key: "created_by", values: ["ako-crd-operator"] }]
    for (const [type, extra] of bodies) {
      const name = `team-a-${type}`
      const created = await team.post(`/api/${type}`, { name, markers, ...extra })
      expect(created.status, `${type}: ${created.text}`).toBe(201)
      expect(created.json.tenant_ref).toMatch(/#team-a$/)
      const found = await refCheck(type, name)
      expect(found.json.count, type).toBe(1)
      expect(found.json.results[0].uuid).toBe(created.json.uuid)
      const again = await team.post(`/api/${type}`, { name, ...extra })
      expect(again.status, type).toBe(409)
      expect(again.json.error).toContain("with this Name and Tenant ref already exists.")
      // another tenant does not see it (only admin's objects of these types are shared)
      expect((await admin.get(`/api/${type}?name=${name}`)).json.count, type).toBe(0)
      expect((await team.delete(pathOf(created.json.url))).status, type).toBe(204)
      expect((await refCheck(type, name)).json.count, type).toBe(0)
    }
  })

  it("refuses the types whose model requires a field without it", async () => {
    for (
      const [type, field] of [
        ["applicationprofile", "type"],
        ["networkprofile", "profile"],
        ["healthmonitor", "type"],
        ["applicationpersistenceprofile", "persistence_type"]
      ] as const
    ) {
      const res = await team.post(`/api/${type}`, { name: `missing-${field}` })
      expect(res.status, type).toBe(400)
      expect(res.json.error).toBe(`Field ${field} is required`)
    }
  })

  it("a virtual service refers to them by name (as AKO writes a HostRule's refs) and holds them", async () => {
    const icap = await team.post("/api/icapprofile", { name: "scanner", service_uri: "/avscan" })
    const ds = await team.post("/api/vsdatascriptset", { name: "hr-ds", datascript: [] })
    const vs = await team.post("/api/virtualservice", {
      name: "c1--hostrule-vs",
      waf_policy_ref: "/api/wafpolicy?name=System-WAF-Policy",
      application_profile_ref: "/api/applicationprofile?name=System-Secure-HTTP",
      ssl_profile_ref: "/api/sslprofile?name=System-Standard-PFS",
      analytics_profile_ref: "/api/analyticsprofile?name=System-Analytics-Profile",
      error_page_profile_ref: "/api/errorpageprofile?name=Custom-Error-Page-Profile",
      icap_request_profile_refs: ["/api/icapprofile?name=scanner"],
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset?name=hr-ds" }]
    })
    expect(vs.status, vs.text).toBe(201)
    expect(vs.json.waf_policy_ref).toMatch(/#System-WAF-Policy$/)
    expect(vs.json.error_page_profile_ref).toMatch(/#Custom-Error-Page-Profile$/)
    expect(vs.json.icap_request_profile_refs[0]).toBe(`${icap.json.url}`)
    expect(vs.json.vs_datascripts[0].vs_datascript_set_ref).toBe(`${ds.json.url}`)
    const refused = await team.delete(pathOf(icap.json.url))
    expect(refused.status).toBe(400)
    expect(refused.json.error).toBe("Cannot delete, object is referred by: ['VirtualService c1--hostrule-vs']")
    const missing = await team.post("/api/virtualservice", {
      name: "c1--missing-icap",
      icap_request_profile_refs: ["/api/icapprofile?name=nope"]
    })
    expect(missing.status).toBe(404)
    expect(missing.json.error).toBe("ICAPProfile object not found!")
  })

  it("resolves an L4 datascript's protocol parser (AKO's passthrough datascript requires Default-TLS)", async () => {
    const ds = await admin.post("/api/vsdatascriptset", {
      name: "c1--Shared-Passthrough-0",
      datascript: [{ evt: "VS_DATASCRIPT_EVT_L4_REQUEST", script: "avi.l4.ds_done()" }],
      protocol_parser_refs: ["/api/protocolparser/?name=Default-TLS"]
    })
    expect(ds.status, ds.text).toBe(201)
    expect(ds.json.protocol_parser_refs[0]).toMatch(/\/api\/protocolparser\/.+#Default-TLS$/)
    const missing = await admin.post("/api/vsdatascriptset", {
      name: "c1--no-parser",
      protocol_parser_refs: ["/api/protocolparser/?name=Default-NOPE"]
    })
    expect(missing.status).toBe(404)
    expect(missing.json.error).toBe("ProtocolParser object not found!")
  })
})

describe("vrfcontext static_routes", () => {
  const route = (id: string, prefix: string, mask: number, nextHop: string) => ({
    route_id: id,
    prefix: { ip_addr: { addr: prefix, type: "V4" }, mask },
    next_hop: { addr: nextHop, type: "V4" },
    labels: [{ key: "clustername", value: "c1" }]
  })

  it("AKO's GET then whole-object PUT of the global VRF keeps its routes, and a stale PUT is refused", async () => {
    const listed = await admin.get("/api/vrfcontext?name=global&include_name=true&cloud_ref.name=Default-Cloud")
    expect(listed.json.count).toBe(1)
    const uuid = listed.json.results[0].uuid
    const vrf = (await admin.get(`/api/vrfcontext/${uuid}`)).json
    const routes = [route("c1-1", "10.244.1.0", 24, "10.10.0.11"), route("c1-2", "10.244.2.0", 24, "10.10.0.12")]
    const put = await admin.put(`/api/vrfcontext/${uuid}`, { ...vrf, static_routes: routes })
    expect(put.status, put.text).toBe(200)
    expect(put.json.static_routes).toEqual(routes)
    const again = await admin.get("/api/vrfcontext?name=global&include_name=true&cloud_ref.name=Default-Cloud")
    expect(again.json.results[0].static_routes).toEqual(routes)
    expect(again.json.results[0].system_default).toBe(true)

    const stale = await admin.put(`/api/vrfcontext/${uuid}`, { ...vrf, static_routes: [] })
    expect(stale.status).toBe(412)
    expect(stale.json.error).toContain("Need to reload object data VrfContext global")

    const patched = await admin.patch(`/api/vrfcontext/${uuid}`, {
      add: { static_routes: [route("c1-3", "10.244.3.0", 24, "10.10.0.13")] }
    })
    expect(patched.status, patched.text).toBe(200)
    expect(patched.json.static_routes.map((r: { route_id: string }) => r.route_id)).toEqual(["c1-1", "c1-2", "c1-3"])
  })

  it("refuses routes without route_id, prefix or next_hop, with bad addresses or a repeated route_id", async () => {
    const vrf = (await admin.get("/api/vrfcontext?name=management")).json.results[0]
    const good = route("m-1", "192.168.0.0", 16, "10.0.0.1")
    const bad: Array<[unknown, string]> = [
      [{ ...good, route_id: undefined }, "Field static_routes[0].route_id is required"],
      [{ ...good, prefix: undefined }, "Field static_routes[0].prefix is required"],
      [{ ...good, next_hop: undefined }, "Field static_routes[0].next_hop is required"],
      [
        { ...good, prefix: { ip_addr: { addr: "300.1.1.1", type: "V4" }, mask: 8 } },
        "Invalid prefix in static route m-1"
      ],
      [{ ...good, next_hop: { addr: "nowhere", type: "V4" } }, "Invalid next_hop in static route m-1"]
    ]
    for (const [entry, error] of bad) {
      const res = await admin.put(pathOf(vrf.url), { ...vrf, static_routes: [entry] })
      expect(res.status, error).toBe(400)
      expect(res.json.error).toBe(error)
    }
    const twice = await admin.put(pathOf(vrf.url), { ...vrf, static_routes: [good, good] })
    expect(twice.status).toBe(400)
    expect(twice.json.error).toBe("Duplicate route_id m-1 in static_routes")
    expect((await admin.get(pathOf(vrf.url))).json.static_routes).toBeUndefined()
  })

  it("answers 400 Cannot modify VrfContext to a tenant, which AKO retries as admin", async () => {
    const vrf = (await team.get("/api/vrfcontext?name=global")).json.results[0]
    const res = await team.put(pathOf(vrf.url), { ...vrf, _last_modified: undefined, static_routes: [] })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatch(/^Cannot modify VrfContext global/)
  })
})
