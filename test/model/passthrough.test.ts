/**
 * TLS passthrough (reference/ako-objects.md §11.2): names, bodies, the datascript text and every checksum, each
 * checksum spelled out from AKO's formula (`AviVsNode`/`AviPoolNode`/`AviPoolGroupNode.CalculateCheckSum`,
 * `lib.DSChecksum`, the redirect `AviHttpPolicySetNode`) with the primitives, not taken from the code under test.
 */
import { describe, expect, it } from "vitest"
import type { AviInfraSetting, Ingress, Route } from "../../src/model/index.js"
import {
  fnv1a32,
  goJson,
  makeSnapshot,
  observedChecksum,
  passthroughDataScript,
  translate,
  translateUnit,
  unitKeysFor
} from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  CLUSTER_MARKER,
  clusterIpService,
  find,
  ingress,
  metadata,
  order,
  settings,
  slice
} from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)
const CL = H("clusternamec1")
/** `GEN_VS`/`GEN_POOL` with no generated field set: the hash of the empty string. */
const NO_GENERATED = H("")

const web = clusterIpService("shop", "web", [{ name: "https", port: 443, targetPort: 8443 }])
const api = clusterIpService("shop", "api", [{ name: "https", port: 443, targetPort: 8443 }])
const webSlice = slice("shop", "web", "web-1", [{ name: "https", port: 8443 }], [
  { ip: "10.2.0.3", ready: true },
  { ip: "10.2.0.2", ready: false }
])

const route = (name: string, spec: NonNullable<Route["spec"]>, extra: Partial<Route["metadata"]> = {}): Route => ({
  metadata: { name, namespace: "shop", ...extra },
  spec
})

const passRoute = route("pass", {
  host: "pass.example.com",
  to: { kind: "Service", name: "web", weight: 100 },
  alternateBackends: [{ kind: "Service", name: "api", weight: 20 }],
  port: { targetPort: "https" },
  tls: { termination: "passthrough", insecureEdgeTerminationPolicy: "Redirect" }
})

const VS = "c1--Shared-Passthrough-0"
const INSECURE = `${VS}-insecure`

const run = (routes: ReadonlyArray<Route>, overrides: Parameters<typeof settings>[0] = {}) =>
  translate(makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes }), settings(overrides))

const EXPECTED_SCRIPT = "local avi_tls = require \"Default-TLS\"\n" +
  "\tbuffered = avi.l4.collect(20)\n" +
  "\tpayload = avi.l4.read()\n" +
  "\tlen = avi_tls.get_req_buffer_size(payload)\n" +
  "\tif ( buffered < len ) then\n" +
  "\t  avi.l4.collect(len)\n" +
  "\tend\n" +
  "\tif ( avi_tls.sanity_check(payload) ) then\n" +
  "\t   local h = avi_tls.parse_record(payload)\n" +
  "\t   local sname = avi_tls.get_sni(h)\n" +
  "\t   if sname == nil then\n" +
  "\t\t  avi.vs.log('SNI not present')\n" +
  "\t\t  avi.vs.close_conn()\n" +
  "\t   else\n" +
  "\t\t  avi.vs.log(\"SNI=\".. sname)\n" +
  "\t\t  pg_name = \"c1--\"..sname\n" +
  "\t\t  avi.poolgroup.select(pg_name)\n" +
  "\t   end\n" +
  "\telse\n" +
  "\t   avi.vs.close_conn()\n" +
  "\tend\n" +
  "\tavi.l4.ds_done()\n" +
  "\tavi_tls = nil"

/** `J(PortProto)` of one listener as AKO's VS model holds it. */
const portProto = (port: number) =>
  goJson([{
    PortMap: null,
    Port: port,
    TargetPort: 0,
    Protocol: "HTTP",
    Hosts: null,
    Secret: "",
    Passthrough: false,
    Redirect: false,
    EnableSSL: false,
    EnableHTTP2: false,
    Name: ""
  }])

describe("TLS passthrough: a Route with Redirect", () => {
  const { desired, problems } = run([passRoute])
  const unit = desired.get(`admin/${VS}`)

  it("builds one shard unit: VsVip, a pool per backend, a pool group per host, datascript, both VSes", () => {
    expect(problems).toEqual([])
    expect([...desired.keys()]).toEqual([`admin/${VS}`])
    expect(unit?.kind).toBe("Passthrough")
    expect(order(unit)).toEqual([
      `vsvip:${VS}`,
      "pool:c1--pass.example.com-api",
      "pool:c1--pass.example.com-web",
      "poolgroup:c1--pass.example.com",
      `vsdatascriptset:${VS}`,
      `virtualservice:${VS}`,
      `httppolicyset:${INSECURE}`,
      `virtualservice:${INSECURE}`
    ])
    expect(unit?.owners).toEqual([{ kind: "Route", namespace: "shop", name: "pass" }])
    expect(unit?.statuses).toEqual([{
      object: { kind: "Route", namespace: "shop", name: "pass" },
      vsVip: VS,
      virtualService: VS,
      hosts: ["pass.example.com"]
    }])
  })

  it("the secure VS: port 443 without SSL, L4 application, the datascript, down with its pools", () => {
    const vs = find(unit, "virtualservice", VS)
    const checksum = add(
      H(
        [`HTTPDS${VS}`, `PassthroughChild${INSECURE}`, `VSVIP${VS}`].join(":") + "System-L4-Application" +
          "Default-Group" + "System-TCP-Proxy" + portProto(443)
      ),
      CL,
      H("false"),
      NO_GENERATED
    )
    expect(bodyOf(vs)).toEqual({
      name: VS,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: `/api/vsvip/?name=${VS}`,
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-L4-Application",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 443, port_range_end: 443, enable_ssl: false, enable_http2: false }],
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: `/api/vsdatascriptset/?name=${VS}` }],
      remove_listening_port_on_vs_down: true,
      error_page_profile_ref: "",
      service_metadata: metadata({ passthrough_child_ref: INSECURE })
    })
    expect(vs?.body["cloud_config_cksum"]).toBe(String(checksum))
    expect(bodyOf(vs)).not.toHaveProperty("type")
  })

  it("the insecure companion: port 80, the shard's VsVip, the redirect policy", () => {
    const vs = find(unit, "virtualservice", INSECURE)
    const checksum = add(
      H(
        [`HttpPolicy${INSECURE}`, `VSVIP${VS}`].join(":") + "System-HTTP" + "Default-Group" + "System-TCP-Proxy" +
          portProto(80)
      ),
      CL,
      NO_GENERATED
    )
    expect(bodyOf(vs)).toEqual({
      name: INSECURE,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: `/api/vsvip/?name=${VS}`,
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false }],
      http_policies: [{ index: 11, http_policy_set_ref: `/api/httppolicyset/?name=${INSECURE}` }],
      error_page_profile_ref: "",
      service_metadata: metadata({ passthrough_parent_ref: VS })
    })
    expect(vs?.body["cloud_config_cksum"]).toBe(String(checksum))
    const policy = find(unit, "httppolicyset", INSECURE)
    expect(bodyOf(policy)["http_request_policy"]).toEqual({
      rules: [{
        name: `${INSECURE}-0`,
        index: 0,
        enable: true,
        match: {
          host_hdr: { match_criteria: "HDR_EQUALS", value: ["pass.example.com"] },
          vs_port: { match_criteria: "IS_IN", ports: [80] }
        },
        redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
      }]
    })
    expect(bodyOf(policy)["markers"]).toEqual([CLUSTER_MARKER])
    expect(policy?.checksum).toBe(String(add(H(goJson(["pass.example.com"])), CL)))
  })

  it("the datascript: AKO's TLS-SNI Lua with the cluster prefix, Default-TLS parser, every pool group", () => {
    const ds = find(unit, "vsdatascriptset", VS)
    expect(passthroughDataScript("c1")).toBe(EXPECTED_SCRIPT)
    expect(bodyOf(ds)).toEqual({
      name: VS,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      datascript: [{ evt: "VS_DATASCRIPT_EVT_L4_REQUEST", script: EXPECTED_SCRIPT }],
      protocol_parser_refs: ["/api/protocolparser/?name=Default-TLS"],
      pool_group_refs: ["/api/poolgroup/?name=c1--pass.example.com"]
    })
    // The value AKO recomputes from what it reads back; the object has no checksum field.
    const expected = String(add(H(goJson(["c1--pass.example.com"])), CL, H(EXPECTED_SCRIPT)))
    expect(ds?.checksum).toBe(expected)
    expect(observedChecksum("vsdatascriptset", bodyOf(ds), "c1")).toBe(expected)
  })

  it("pools per backend and a pool group of the host with the weights as ratios", () => {
    const pg = find(unit, "poolgroup", "c1--pass.example.com")
    const members = [
      { pool_ref: "/api/pool?name=c1--pass.example.com-api", ratio: 20 },
      { pool_ref: "/api/pool?name=c1--pass.example.com-web", ratio: 100 }
    ]
    expect(bodyOf(pg)).toEqual({
      name: "c1--pass.example.com",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER, { key: "Host", values: ["pass.example.com"] }],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      implicit_priority_labels: false,
      members
    })
    expect(pg?.body["cloud_config_cksum"]).toBe(String(add(H(goJson(members)), H("pass.example.com"), CL)))
    const pool = find(unit, "pool", "c1--pass.example.com-web")
    const servers = [
      { Ip: { addr: "10.2.0.2", type: "V4" }, ServerNode: "", Port: 0, Enabled: false },
      { Ip: { addr: "10.2.0.3", type: "V4" }, ServerNode: "", Port: 0, Enabled: true }
    ]
    const poolChecksum = add(
      H(["", "8443", "https", goJson(servers), "false", "", "null", goJson(["pass.example.com"])].join(":")),
      // Markers Host and ServiceName: their values sorted and concatenated.
      H("pass.example.comweb"),
      CL,
      NO_GENERATED
    )
    expect(bodyOf(pool)).toEqual({
      name: "c1--pass.example.com-web",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Host", values: ["pass.example.com"] },
        { key: "ServiceName", values: ["web"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      vrf_ref: "/api/vrfcontext?name=global",
      service_metadata: metadata({
        ingress_name: "pass",
        namespace: "shop",
        hostnames: ["pass.example.com"],
        pool_ratio: 100
      }),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers: [
        { ip: { addr: "10.2.0.2", type: "V4" }, port: 8443, external_uuid: "10.2.0.2:8443", enabled: false },
        { ip: { addr: "10.2.0.3", type: "V4" }, port: 8443, external_uuid: "10.2.0.3:8443", enabled: true }
      ],
      health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"]
    })
    expect(pool?.body["cloud_config_cksum"]).toBe(String(poolChecksum))
  })

  it("the VsVip: the shard's hosts, clustername marker only", () => {
    const vsVip = find(unit, "vsvip", VS)?.body ?? {}
    expect(vsVip["dns_info"]).toEqual([{ fqdn: "pass.example.com" }])
    expect(vsVip["markers"]).toEqual([CLUSTER_MARKER])
    expect(vsVip["vsvip_cloud_config_cksum"]).toBe(
      String(add(H(goJson(["pass.example.com"])), H(goJson(["vip-net:10.10.0.0/24"])), CL))
    )
  })
})

describe("TLS passthrough: shards, redirects and Ingresses", () => {
  it("without Redirect there is no insecure companion, and the secure VS names no child", () => {
    const plain = route("pass", { ...passRoute.spec, tls: { termination: "passthrough" } })
    const unit = run([plain]).desired.get(`admin/${VS}`)
    expect(order(unit)).not.toContain(`virtualservice:${INSECURE}`)
    expect(order(unit)).not.toContain(`httppolicyset:${INSECURE}`)
    const vs = find(unit, "virtualservice", VS)
    expect(bodyOf(vs)["service_metadata"]).toBe(metadata({}))
    expect(vs?.checksum).toBe(String(add(
      H(
        [`HTTPDS${VS}`, `VSVIP${VS}`].join(":") + "System-L4-Application" + "Default-Group" + "System-TCP-Proxy" +
          portProto(443)
      ),
      CL,
      H("false"),
      NO_GENERATED
    )))
  })

  it("passthroughShardSize spreads hosts by FNV-1a of the host; one datascript lists every pool group of a shard", () => {
    const hosts = ["db.example.com", "mq.example.com", "pass.example.com"]
    const routes = hosts.map((host, i) =>
      route(`r${i}`, { host, to: { kind: "Service", name: "web" }, tls: { termination: "passthrough" } })
    )
    const { desired } = run(routes, { passthroughShardSize: "LARGE" })
    // db and mq hash to shard 0 of 8, pass to shard 7.
    expect(H("db.example.com") & 7).toBe(0)
    expect(H("mq.example.com") & 7).toBe(0)
    expect(H("pass.example.com") & 7).toBe(7)
    expect([...desired.keys()]).toEqual(["admin/c1--Shared-Passthrough-0", "admin/c1--Shared-Passthrough-7"])
    const shard0 = desired.get("admin/c1--Shared-Passthrough-0")
    const ds = find(shard0, "vsdatascriptset", "c1--Shared-Passthrough-0")
    expect(bodyOf(ds)["pool_group_refs"]).toEqual([
      "/api/poolgroup/?name=c1--db.example.com",
      "/api/poolgroup/?name=c1--mq.example.com"
    ])
    // Two pool groups: the script no longer enters the datascript's checksum.
    expect(ds?.checksum).toBe(String(add(H(goJson(["c1--db.example.com", "c1--mq.example.com"])), CL)))
    expect(bodyOf(find(shard0, "vsvip", "c1--Shared-Passthrough-0"))["dns_info"]).toEqual([
      { fqdn: "db.example.com" },
      { fqdn: "mq.example.com" }
    ])
  })

  it("a passthrough Ingress: backends of every path, weight 100, always redirected", () => {
    const ing: Ingress = ingress("shop", "tls", [{
      host: "b.example.com",
      paths: [{ path: "/", service: "web", port: 443 }]
    }], {
      annotations: { "passthrough.ako.vmware.com/enabled": "true" }
    })
    const { desired, problems } = translate(
      makeSnapshot({
        services: [web],
        endpointSlices: [webSlice],
        ingresses: [ing],
        ingressClasses: [aviIngressClass("avi-lb")]
      }),
      settings()
    )
    expect(problems).toEqual([])
    const unit = desired.get(`admin/${VS}`)
    expect(order(unit)).toEqual([
      `vsvip:${VS}`,
      "pool:c1--b.example.com-web",
      "poolgroup:c1--b.example.com",
      `vsdatascriptset:${VS}`,
      `virtualservice:${VS}`,
      `httppolicyset:${INSECURE}`,
      `virtualservice:${INSECURE}`
    ])
    expect(bodyOf(find(unit, "poolgroup", "c1--b.example.com"))["members"]).toEqual([
      { pool_ref: "/api/pool?name=c1--b.example.com-web", ratio: 100 }
    ])
    expect(unit?.statuses).toEqual([{
      object: { kind: "Ingress", namespace: "shop", name: "tls" },
      vsVip: VS,
      virtualService: VS,
      hosts: ["b.example.com"]
    }])
  })

  it("two objects claiming one host: the newest one's backends, a problem on the other", () => {
    const older = route("old", { host: "pass.example.com", to: { name: "api" }, tls: { termination: "passthrough" } }, {
      creationTimestamp: "2026-01-01T00:00:00Z"
    })
    const newer = route("new", { host: "pass.example.com", to: { name: "web" }, tls: { termination: "passthrough" } }, {
      creationTimestamp: "2026-02-01T00:00:00Z"
    })
    const { desired, problems } = run([older, newer])
    const unit = desired.get(`admin/${VS}`)
    expect(order(unit).filter((o) => o.startsWith("pool:"))).toEqual(["pool:c1--pass.example.com-web"])
    expect(problems.map((p) => [p.object.name, p.reason])).toEqual([["old", "HostPathConflict"]])
  })

  it("an AviInfraSetting on the Route names the shard, pool group, pools and datascript after it", () => {
    const blue: AviInfraSetting = {
      metadata: { name: "blue" },
      spec: { seGroup: { name: "blue-seg" } },
      status: { status: "Accepted", error: "" }
    }
    const annotated = route("pass", passRoute.spec!, {
      annotations: { "aviinfrasetting.ako.vmware.com/name": "blue" }
    })
    const { desired, problems } = translate(
      makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes: [annotated], aviInfraSettings: [blue] }),
      settings()
    )
    expect(problems).toEqual([])
    const vs = "c1--Shared-Passthrough-blue-0"
    const unit = desired.get(`admin/${vs}`)
    expect(order(unit)).toContain("poolgroup:c1--blue-pass.example.com")
    expect(order(unit)).toContain("pool:c1--blue-pass.example.com-web")
    expect(order(unit)).toContain(`virtualservice:${vs}-insecure`)
    expect(bodyOf(find(unit, "virtualservice", vs))["se_group_ref"]).toBe("/api/serviceenginegroup?name=blue-seg")
    expect(bodyOf(find(unit, "poolgroup", "c1--blue-pass.example.com"))["markers"]).toEqual([
      CLUSTER_MARKER,
      { key: "Host", values: ["pass.example.com"] },
      { key: "InfrasettingName", values: ["blue"] }
    ])
    const script = (bodyOf(find(unit, "vsdatascriptset", vs))["datascript"] as ReadonlyArray<{ script: string }>)[0]
    expect(script?.script).toContain("pg_name = \"c1--blue-\"..sname")

    // The setting's L7 shard size applies to its passthrough shards too (MEDIUM: 4 shards).
    const medium: AviInfraSetting = { ...blue, spec: { ...blue.spec, l7Settings: { shardSize: "MEDIUM" } } }
    const spread = translate(
      makeSnapshot({
        services: [web, api],
        endpointSlices: [webSlice],
        routes: [annotated],
        aviInfraSettings: [medium]
      }),
      settings()
    )
    expect(H("pass.example.com") & 3).toBe(3)
    expect([...spread.desired.keys()]).toEqual(["admin/c1--Shared-Passthrough-blue-3"])
  })

  it("a Route whose AviInfraSetting exists but is not Accepted: its shard is held as Avi has it", () => {
    const rejected: AviInfraSetting = {
      metadata: { name: "blue" },
      spec: { seGroup: { name: "blue-sge" } },
      status: { status: "Rejected", error: "serviceenginegroup \"blue-sge\" not found" }
    }
    const annotated = route("pass", passRoute.spec!, {
      annotations: { "aviinfrasetting.ako.vmware.com/name": "blue" }
    })
    const { desired } = translate(
      {
        ...makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes: [annotated] }),
        aviInfraSettingsStored: new Map([["blue", rejected]])
      },
      settings()
    )
    const unit = desired.get("admin/c1--Shared-Passthrough-blue-0")
    expect(unit?.held).toBe(true)
    expect(unit?.objects).toEqual([])
    expect(unit?.statuses.map((s) => s.virtualService)).toEqual(["c1--Shared-Passthrough-blue-0"])
  })

  it("one unit recomputes as the whole translation has it, and the Route, its Services and slices name it", () => {
    const snapshot = makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes: [passRoute] })
    const whole = translate(snapshot, settings()).desired.get(`admin/${VS}`)
    expect(translateUnit(`admin/${VS}`, snapshot, settings()).unit).toEqual(whole)
    for (
      const ref of [
        { kind: "Route" as const, namespace: "shop", name: "pass" },
        { kind: "Service" as const, namespace: "shop", name: "api" },
        { kind: "EndpointSlice" as const, namespace: "shop", name: "web-1" }
      ]
    ) {
      expect(unitKeysFor(ref, snapshot, settings())).toEqual([`admin/${VS}`])
    }
  })
})
