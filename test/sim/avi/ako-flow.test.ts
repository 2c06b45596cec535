import { generate } from "selfsigned"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

/** AKO's write batches with the bodies of ako-objects.md §8, in AKO's order, then its delete order. */
type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession

beforeAll(async () => {
  sim = await startAviSim({ http: true })
  avi = new AviSession(sim)
  await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
  avi.tenant = "admin"
})
afterAll(() => sim.close())

const markers = [{ key: "clustername", values: ["c1"] }]
const ok = (res: { status: number; text: string }, status = 201) => expect(res.status, res.text).toBe(status)

describe("AKO write batches", () => {
  it("L4 Service: VsVip -> Pool -> L4PolicySet -> VS, status read-back, boot listing, delete in AKO order", async () => {
    const name = "c1--default-web"
    ok(
      await avi.post("/api/vsvip", {
        name,
        tenant_ref: "/api/tenant/?name=admin",
        cloud_ref: "/api/cloud?name=Default-Cloud",
        east_west_placement: false,
        vsvip_cloud_config_cksum: "123",
        vrf_context_ref: "/api/vrfcontext?name=global",
        markers,
        dns_info: [{ fqdn: "web.default.example.com" }],
        vip: [{
          vip_id: "0",
          auto_allocate_ip: true,
          ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
        }]
      })
    )
    ok(
      await avi.post("/api/pool", {
        name: `${name}--TCP-80`,
        cloud_config_cksum: "1",
        created_by: "ako-c1",
        tenant_ref: "/api/tenant/?name=admin",
        cloud_ref: "/api/cloud?name=Default-Cloud",
        vrf_ref: "/api/vrfcontext?name=global",
        service_metadata: "{\"namespace_svc_name\":[\"default/web\"]}",
        sni_enabled: false,
        graceful_disable_timeout: 1,
        servers: [{
          ip: { addr: "10.244.1.5", type: "V4" },
          port: 8080,
          external_uuid: "10.244.1.5:8080",
          enabled: true
        }],
        health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"],
        markers: [...markers, { key: "Namespace", values: ["default"] }, { key: "ServiceName", values: ["web"] }]
      })
    )
    const poolRef = `/api/pool?name=${name}--TCP-80`
    ok(
      await avi.post("/api/l4policyset", {
        name,
        created_by: "ako-c1",
        tenant_ref: "/api/tenant/?name=admin",
        markers,
        l4_connection_policy: {
          rules: [{
            name: poolRef,
            index: 0,
            action: { select_pool: { action_type: "L4_RULE_ACTION_SELECT_POOL", pool_ref: poolRef } },
            match: {
              port: { match_criteria: "IS_IN", ports: [80] },
              protocol: { match_criteria: "IS_IN", protocol: "PROTOCOL_TCP" }
            }
          }]
        }
      })
    )
    const vs = await avi.post("/api/virtualservice", {
      name,
      cloud_config_cksum: "42",
      created_by: "ako-c1",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      tenant_ref: "/api/tenant/?name=admin",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: `/api/vsvip/?name=${name}`,
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-L4-Application",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false }],
      l4_policies: [{ index: 0, l4_policy_set_ref: `/api/l4policyset/?name=${name}` }],
      remove_listening_port_on_vs_down: true,
      traffic_enabled: true,
      error_page_profile_ref: "",
      service_metadata: "{\"namespace_svc_name\":[\"default/web\"]}",
      markers
    })
    ok(vs)
    expect(vs.json.l4_policies[0].l4_policy_set_ref).toMatch(
      new RegExp(`/api/l4policyset/l4policyset-[0-9a-f-]{36}#${name}$`)
    )
    const l4 = (await avi.get(`/api/l4policyset?name=${name}&include_name`)).json.results[0]
    expect(l4.l4_connection_policy.rules[0].action.select_pool.pool_ref).toMatch(/#c1--default-web--TCP-80$/)
    expect(l4.l4_connection_policy.rules[0].name).toBe(poolRef)

    // status: AKO reads the VIP from the vsvip the VS points at
    const vsvip = (await avi.get(`${pathOf(vs.json.vsvip_ref)}?include_name`)).json
    expect(vsvip.vip[0].ip_address.addr).toMatch(/^10\.50\./)

    // a second replica's boot listing finds everything it owns
    avi.tenant = "*"
    for (const type of ["pool", "l4policyset", "virtualservice"]) {
      const listed = await avi.get(
        `/api/${type}/?include_name=true&cloud_ref.name=Default-Cloud&created_by=ako-c1&page_size=100`
      )
      expect(listed.json.count, type).toBe(1)
    }
    expect(
      (await avi.get("/api/vsvip/?name.contains=c1--&include_name=true&cloud_ref.name=Default-Cloud&page_size=100"))
        .json.count
    )
      .toBe(1)
    avi.tenant = "admin"

    // AKO's delete order: VS -> VsVip -> L4PS -> Pool; out of order is refused
    expect((await avi.delete(pathOf(vsvip.url))).status).toBe(400)
    for (const url of [vs.json.url, vsvip.url, l4.url]) ok(await avi.delete(pathOf(url)), 204)
    const pool = (await avi.get(`/api/pool?name=${name}--TCP-80`)).json.results[0]
    ok(await avi.delete(pathOf(pool.url)), 204)
  })

  it("Ingress SNI: shared parent with datascript and redirect policy, child with cert, PG and HTTP policy", async () => {
    const parent = "c1--Shared-L7-0"
    ok(await avi.post("/api/vsvip", { name: parent, vip: [{ vip_id: "0", auto_allocate_ip: true }], markers }))
    ok(await avi.post("/api/pool", { name: "c1--default-foo.com_-ing-web", created_by: "ako-c1", markers }))
    ok(
      await avi.post("/api/poolgroup", {
        name: "c1--Shared-L7-0",
        created_by: "ako-c1",
        implicit_priority_labels: true,
        members: [{ pool_ref: "/api/pool?name=c1--default-foo.com_-ing-web", priority_label: "foo.com/", ratio: 100 }],
        markers
      })
    )
    ok(
      await avi.post("/api/vsdatascriptset", {
        name: parent,
        created_by: "ako-c1",
        datascript: [{ evt: "VS_DATASCRIPT_EVT_HTTP_REQ", script: "-- select pool group c1--Shared-L7-0" }],
        pool_group_refs: ["/api/poolgroup/?name=c1--Shared-L7-0"],
        markers
      })
    )
    ok(
      await avi.post("/api/httppolicyset", {
        name: `${parent}-redirect`,
        created_by: "ako-c1",
        cloud_config_cksum: "9",
        http_security_policy: {},
        http_request_policy: {
          rules: [{
            name: `${parent}-redirect-0`,
            index: 0,
            enable: true,
            match: {
              host_hdr: { match_criteria: "HDR_EQUALS", value: ["foo.com"] },
              vs_port: { match_criteria: "IS_IN", ports: [80] }
            },
            redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
          }]
        },
        markers
      })
    )
    const shared = await avi.post("/api/virtualservice", {
      name: parent,
      type: "VS_TYPE_VH_PARENT",
      created_by: "ako-c1",
      cloud_config_cksum: "7",
      vsvip_ref: `/api/vsvip/?name=${parent}`,
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 80 }, { port: 443, enable_ssl: true }],
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: `/api/vsdatascriptset/?name=${parent}` }],
      http_policies: [{ index: 11, http_policy_set_ref: `/api/httppolicyset/?name=${parent}-redirect` }],
      error_page_profile_ref: "",
      markers
    })
    ok(shared)

    const pems = await generate([{ name: "commonName", value: "foo.com" }], { keyType: "ec", algorithm: "sha256" })
    ok(
      await avi.post("/api/sslkeyandcertificate", {
        name: "c1--foo.com",
        created_by: "ako-c1",
        type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
        certificate: { certificate: pems.cert },
        key: pems.private,
        markers
      })
    )
    ok(await avi.post("/api/pool", { name: "c1--default-foo.com_-ing-sec", created_by: "ako-c1", markers }))
    ok(
      await avi.post("/api/poolgroup", {
        name: "c1--default-foo.com",
        created_by: "ako-c1",
        implicit_priority_labels: false,
        members: [{ pool_ref: "/api/pool?name=c1--default-foo.com_-ing-sec", ratio: 100 }],
        markers
      })
    )
    ok(
      await avi.post("/api/httppolicyset", {
        name: "c1--default-foo.com",
        created_by: "ako-c1",
        http_request_policy: {
          rules: [{
            name: "c1--default-foo.com-0",
            index: 0,
            enable: true,
            match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/"] } },
            switching_action: {
              action: "HTTP_SWITCHING_SELECT_POOLGROUP",
              pool_group_ref: "/api/poolgroup/?name=c1--default-foo.com"
            }
          }]
        },
        markers
      })
    )
    const child = await avi.post("/api/virtualservice", {
      name: "c1--foo.com",
      type: "VS_TYPE_VH_CHILD",
      vh_parent_vs_ref: `/api/virtualservice/?name=${parent}`,
      vh_domain_name: ["foo.com"],
      created_by: "ako-c1",
      cloud_config_cksum: "5",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-Secure-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      east_west_placement: false,
      ign_pool_net_reach: false,
      ssl_key_and_certificate_refs: ["/api/sslkeyandcertificate/?name=c1--foo.com"],
      http_policies: [{ index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-foo.com" }],
      markers
    })
    ok(child)
    expect(child.json.ssl_key_and_certificate_refs[0]).toMatch(/#c1--foo\.com$/)

    // boot read-back: the parent lists its child, and the refs AKO parses carry #name
    avi.tenant = "*"
    const vses = (await avi.get(
      "/api/virtualservice/?include_name=true&cloud_ref.name=Default-Cloud&created_by=ako-c1&page_size=100"
    ))
      .json.results
    const parentVs = vses.find((v: { name: string }) => v.name === parent)
    expect(parentVs.vh_child_vs_uuid).toEqual([child.json.uuid])
    expect(parentVs.vs_datascripts[0].vs_datascript_set_ref).toMatch(/#c1--Shared-L7-0$/)
    const hps = (await avi.get("/api/httppolicyset/?include_name=true&created_by=ako-c1&page_size=100")).json.results
    const sw = hps.find((h: { name: string }) => h.name === "c1--default-foo.com")
    expect(sw.http_request_policy.rules[0].switching_action.pool_group_ref).toMatch(
      /\/api\/poolgroup\/poolgroup-.*#c1--default-foo\.com$/
    )
    const ds = (await avi.get("/api/vsdatascriptset/?include_name=true&created_by=ako-c1")).json.results[0]
    expect(ds.pool_group_refs[0]).toMatch(/#c1--Shared-L7-0$/)
    avi.tenant = "admin"

    // DeleteVSOper for the child: VS, then SSL, HTTPPS, PG, Pool
    for (
      const [type, name] of [
        ["virtualservice", "c1--foo.com"],
        ["sslkeyandcertificate", "c1--foo.com"],
        ["httppolicyset", "c1--default-foo.com"],
        ["poolgroup", "c1--default-foo.com"],
        ["pool", "c1--default-foo.com_-ing-sec"]
      ] as const
    ) {
      const obj = (await avi.get(`/api/${type}?name=${name}`)).json.results[0]
      ok(await avi.delete(pathOf(obj.url)), 204)
    }
    expect((await avi.get(pathOf(shared.json.url))).json.vh_child_vs_uuid).toEqual([])
  })
})
