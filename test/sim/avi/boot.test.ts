import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim

beforeAll(async () => {
  sim = await startAviSim({ http: true })
})
afterAll(() => sim.close())

/** Replays AKO's boot sequence (avi-api.md §5) the way the Go SDK puts it on the wire. */
describe("AKO boot sequence against the seed", () => {
  it("9 concurrent logins, then version, cluster, system configuration and user-input validation", async () => {
    const sessions = Array.from({ length: 9 }, () => new AviSession(sim))
    const logins = await Promise.all(sessions.map((s) => s.login("admin", AVI_SIM_DEFAULT_PASSWORD)))
    expect(logins.map((l) => l.status)).toEqual(Array(9).fill(200))
    expect(new Set(sessions.map((s) => s.sessionId)).size).toBe(9)
    const avi = sessions[0]!

    expect((await avi.get("//api/initial-data")).json.version.Version).toMatch(/^\d+\.\d+\.\d+$/)
    const runtime = (await avi.get("//api/cluster/runtime")).json
    expect(runtime.cluster_state.state).toBe("CLUSTER_UP_NO_HA")
    expect(runtime.node_states[0]).toMatchObject({ role: "CLUSTER_LEADER" })
    const again = (await avi.get("//api/cluster/runtime")).json
    expect(again.node_states[0].up_since).toBe(runtime.node_states[0].up_since)
    expect((await avi.get("//api/systemconfiguration")).json.default_license_tier).toBe("ENTERPRISE")

    const tenant = await avi.get("//api/tenant/?include_name=&name=admin")
    expect(tenant.json.count).toBe(1)
    expect(tenant.json.results[0].uuid).toBe("admin")

    const cloud = await avi.get("//api/cloud/?include_name=&name=Default-Cloud")
    expect(cloud.json.count).toBe(1)
    const c = cloud.json.results[0]
    expect(c.vtype).toBe("CLOUD_NONE")
    expect(c.tenant_ref).toMatch(/\/admin#admin$/)
    expect(c.ipam_provider_ref).toMatch(
      /\/api\/ipamdnsproviderprofile\/ipamdnsproviderprofile-[0-9a-f-]{36}#Default-IPAM$/
    )

    const net = await avi.get("//api/network/?cloud_ref.name=Default-Cloud&include_name=true&name=vip-network")
    expect(net.json.count).toBe(1)
    expect(net.json.results[0].vrf_context_ref).toMatch(/#global$/)
    expect(net.json.results[0].configured_subnets[0].static_ranges).toHaveLength(1)

    const vrf = await avi.get("//api/vrfcontext/?cloud_ref.name=Default-Cloud&include_name=&name=global")
    expect(vrf.json.count).toBe(1)
    expect((await avi.get("/api/vrfcontext?name=management")).json.count).toBe(1)

    const seg = await avi.get(
      "//api/serviceenginegroup/?cloud_ref.name=Default-Cloud&include_name=&name.in=Default-Group&page_size=100"
    )
    expect(seg.json.count).toBe(1)
    const group = seg.json.results[0]
    expect(group.labels ?? []).toEqual([])
    const labelled = await avi.put(pathOf(group.url), { ...group, labels: [{ key: "clustername", value: "c1" }] })
    expect(labelled.status, labelled.text).toBe(200)
    expect(labelled.json.labels).toEqual([{ key: "clustername", value: "c1" }])

    // VRF static routes: GET then PUT the whole object
    const global = (await avi.get(`${pathOf(vrf.json.results[0].url)}`)).json
    const routes = await avi.put(pathOf(global.url), {
      ...global,
      static_routes: [{
        route_id: "c1-1",
        prefix: { ip_addr: { addr: "10.244.1.0", type: "V4" }, mask: 24 },
        next_hop: { addr: "10.0.0.11", type: "V4" },
        labels: [{ key: "clustername", value: "c1" }]
      }]
    })
    expect(routes.status).toBe(200)
    expect(routes.json.static_routes).toHaveLength(1)
  })

  it("PopulateCache reads: every owned collection is empty, ipam type, domain list, cluster uuid", async () => {
    const avi = new AviSession(sim)
    await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
    avi.tenant = "*"
    const empties = [
      "/api/sslkeyandcertificate/?created_by=ako-c1&include_name=true&page_size=100",
      "/api/vsvip/?cloud_ref.name=Default-Cloud&include_name=true&name.contains=c1--&page_size=100",
      "/api/pkiprofile/?created_by=ako-c1&include_name=true&page_size=100",
      "/api/applicationpersistenceprofile/?include_name=true&name.contains=c1--&page_size=100",
      "/api/pool/?cloud_ref.name=Default-Cloud&created_by=ako-c1&include_name=true&page_size=100",
      "/api/poolgroup/?cloud_ref.name=Default-Cloud&created_by=ako-c1&include_name=true&page_size=100",
      "/api/stringgroup?include_name=true&label_key=created_by&label_value=ako-c1&page_size=100",
      "/api/vsdatascriptset/?created_by=ako-c1&include_name=true",
      "/api/httppolicyset/?created_by=ako-c1&include_name=true&page_size=100",
      "/api/l4policyset/?created_by=ako-c1&include_name=true&page_size=100",
      "/api/virtualservice/?cloud_ref.name=Default-Cloud&created_by=ako-c1&include_name=true&page_size=100"
    ]
    for (const path of empties) {
      const res = await avi.get(path)
      expect(res.status, path).toBe(200)
      expect(res.json, path).toEqual({ count: 0, results: [] })
    }
    const ipam = await avi.get("/api/ipamdnsproviderprofile/?include_name=&name=Default-IPAM")
    expect(ipam.json.results[0].type).toBe("IPAMDNS_TYPE_INTERNAL")
    expect(ipam.json.results[0].internal_profile.usable_networks[0].nw_ref).toMatch(/#vip-network$/)
    const cloud = (await avi.get("/api/cloud/?name=Default-Cloud")).json.results[0]
    const domains = await avi.get(`/api/ipamdnsproviderprofiledomainlist?cloud_uuid=${cloud.uuid}`)
    expect(domains.status).toBe(200)
    expect(Array.isArray(domains.json.domains)).toBe(true)
    const cluster = await avi.get("/api/cluster")
    expect(cluster.json.uuid).toMatch(/^cluster-[0-9a-f-]{36}$/)
    expect((await avi.get("/api/tenant")).json.count).toBeGreaterThanOrEqual(1)
  })

  it("seeds the System-* profiles and health monitors AKO refers to by name", async () => {
    const avi = new AviSession(sim)
    await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
    const expectOne = async (type: string, names: Array<string>) => {
      const res = await avi.get(`/api/${type}?name.in=${names.join(",")}&fields=name,type,labels,created_by`)
      expect(res.json.results.map((o: { name: string }) => o.name).sort(), type).toEqual([...names].sort())
    }
    await expectOne("applicationprofile", [
      "System-HTTP",
      "System-Secure-HTTP",
      "System-L4-Application",
      "System-SSL-Application"
    ])
    await expectOne("networkprofile", [
      "System-TCP-Proxy",
      "System-TCP-Fast-Path",
      "System-UDP-Fast-Path",
      "System-SCTP-Proxy"
    ])
    await expectOne("healthmonitor", ["System-TCP", "System-UDP", "System-SCTP"])
    await expectOne("sslprofile", ["System-Standard"])
    await expectOne("analyticsprofile", ["System-Analytics-Profile"])
    await expectOne("sslkeyandcertificate", ["System-Default-Cert"])
    const http = (await avi.get("/api/applicationprofile?name=System-HTTP")).json.results[0]
    expect(http.type).toBe("APPLICATION_PROFILE_TYPE_HTTP")
  })

  it("without seed only the admin tenant and the system configuration exist", async () => {
    const bare = await startAviSim({ http: true, seed: false })
    try {
      const avi = new AviSession(bare)
      expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
      expect((await avi.get("/api/cloud")).json.count).toBe(0)
      expect((await avi.get("/api/tenant")).json.count).toBe(1)
      const vs = await avi.post("/api/virtualservice", { name: "bare" })
      expect(vs.status).toBe(201)
      expect(vs.json.application_profile_ref).toBeUndefined()
      expect((await request(bare, { path: "/api/cluster/status" })).status).toBe(200)
    } finally {
      await bare.close()
    }
  })
})
