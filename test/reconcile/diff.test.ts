/** Level 1: the diff and the status computation are pure functions of the desired unit and a cache view. */
import { describe, expect, it } from "vitest"
import type { AviBody, AviObjectType, DesiredUnit } from "../../src/model/index.js"
import type { CachedObject } from "../../src/reconcile/index.js"
import {
  cachedUnitKeys,
  carriesAkoStatus,
  clearedStatus,
  contentMatches,
  deleteOrder,
  desiredStatuses,
  isShardVsVip,
  planUnit,
  staleObjects,
  statusesFor,
  statusPatch,
  statusUpToDate,
  toCached,
  unitView,
  viewOf,
  VS_UUID_MAP_ANNOTATION
} from "../../src/reconcile/index.js"
import { desiredOf, l4Service, unitOf } from "./support.js"

const HOST = "https://avi.test"
let counter = 0

/** An object as the controller returns it: uuid, url, refs rewritten to `https://…/<type>/<uuid>#<name>`. */
const stored = (type: AviObjectType, body: AviBody, extra: Record<string, unknown> = {}): CachedObject => {
  counter++
  const uuid = `${type}-${counter}`
  const rewrite = (node: unknown, key?: string): unknown => {
    if (Array.isArray(node)) return node.map((item) => rewrite(item, key))
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v, k)]))
    }
    if (typeof node === "string" && key !== undefined && /_refs?$/.test(key) && node.includes("name=")) {
      const refType = node.split("/api/")[1]?.split(/[/?]/)[0] ?? "x"
      return `${HOST}/api/${refType}/${refType}-by-name#${node.slice(node.indexOf("name=") + 5)}`
    }
    return node
  }
  const out: Record<string, unknown> = {
    ...(rewrite(body) as Record<string, unknown>),
    ...extra,
    uuid,
    url: `${HOST}/api/${type}/${uuid}`,
    tenant_ref: `${HOST}/api/tenant/admin#admin`
  }
  return toCached(type, out, "c1")!
}

/** The unit's objects as Avi would hold them after AKO wrote them (foreign checksums, controller defaults). */
const asAkoWroteThem = (unit: DesiredUnit): ReadonlyArray<CachedObject> =>
  unit.objects.map((object) => {
    const body: Record<string, unknown> = { ...object.body }
    if ("cloud_config_cksum" in body) body["cloud_config_cksum"] = "3735928559"
    if ("vsvip_cloud_config_cksum" in body) body["vsvip_cloud_config_cksum"] = "3735928559"
    if (object.type === "vsvip") {
      const vip = (body["vip"] as ReadonlyArray<Record<string, unknown>>)[0]!
      body["vip"] = [{ ...vip, ip_address: { addr: "10.0.0.9", type: "V4" }, avi_allocated_vip: true }]
    }
    return stored(object.type, body, { analytics_profile_ref: `${HOST}/api/analyticsprofile/a#System-Analytics` })
  })

const WEB = "admin/c1--red-web"
const unit = unitOf(desiredOf(l4Service("red", "web", [{ port: 80 }]).parts), WEB)

describe("planUnit", () => {
  it("creates every object in the unit's order when the cache has nothing", () => {
    const plan = planUnit(unit, unitView(viewOf([]), WEB))
    expect(plan.operations.map((o) => `${o.op} ${o.type}`)).toEqual([
      "create vsvip",
      "create pool",
      "create l4policyset",
      "create virtualservice"
    ])
  })

  it("plans nothing for objects AKO wrote: same content under a foreign checksum, refs as URLs, controller defaults", () => {
    const cached = asAkoWroteThem(unit)
    expect(planUnit(unit, unitView(viewOf(cached), WEB)).operations).toEqual([])
  })

  it("updates only what differs, by uuid", () => {
    const cached = asAkoWroteThem(unit)
    const changed = unitOf(desiredOf(l4Service("red", "web", [{ port: 80 }], ["10.9.9.9"]).parts), WEB)
    const ops = planUnit(changed, unitView(viewOf(cached), WEB)).operations
    const pool = cached.find((o) => o.type === "pool")!
    expect(ops).toMatchObject([{ op: "update", type: "pool", uuid: pool.uuid }])
  })

  it("a gone unit deletes what its VS links, in AKO's order; objects another unit wants stay", () => {
    const cached = asAkoWroteThem(unit)
    const all = planUnit(undefined, unitView(viewOf(cached), WEB)).operations
    expect(all.map((o) => `${o.op} ${o.type}`)).toEqual([
      "delete virtualservice",
      "delete vsvip",
      "delete l4policyset",
      "delete pool"
    ])
    const keepPool = planUnit(undefined, unitView(viewOf(cached), WEB, (o) => o.type === "pool")).operations
    expect(keepPool.map((o) => o.type)).toEqual(["virtualservice", "vsvip", "l4policyset"])
  })
})

describe("contentMatches", () => {
  const parent = {
    name: "c1--Shared-L7-1",
    vs_datascripts: [{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset/?name=c1--Shared-L7-1" }],
    http_policies: [{ index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--Shared-L7-1" }],
    error_page_profile_ref: ""
  }

  it("ignores fields the controller adds, and compares refs by name", () => {
    const cached = stored("virtualservice", parent, { enable_http2: false, cloud_type: "CLOUD_NONE" })
    expect(contentMatches("virtualservice", parent, cached.body)).toBe(true)
  })

  it("notices a policy the desired body dropped (a removed redirect)", () => {
    const cached = stored("virtualservice", parent)
    const { http_policies: _dropped, ...withoutRedirect } = parent
    expect(contentMatches("virtualservice", withoutRedirect, cached.body)).toBe(false)
  })

  it("notices a changed value, and a ref to another object", () => {
    const cached = stored("virtualservice", parent)
    expect(contentMatches("virtualservice", { ...parent, error_page_profile_ref: "/api/x/?name=y" }, cached.body))
      .toBe(false)
    const other = [{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset/?name=other" }]
    expect(contentMatches("virtualservice", { ...parent, vs_datascripts: other }, cached.body)).toBe(false)
  })

  it("ignores a certificate's private key, which Avi never returns", () => {
    const body = { name: "c1--h", certificate: { certificate: "PEM" }, key: "KEY" }
    const cached = stored("sslkeyandcertificate", { ...body, key: "<sensitive>" })
    expect(contentMatches("sslkeyandcertificate", body, cached.body)).toBe(true)
  })
})

describe("stale objects", () => {
  it("are owned objects no VS links and no unit wants; shard VsVips are kept", () => {
    const cached = asAkoWroteThem(unit)
    const orphanPool = stored("pool", { name: "c1--old-TCP-80", created_by: "ako-c1" })
    const shardVip = stored("vsvip", { name: "c1--Shared-L7-5" })
    const view = viewOf([...cached, orphanPool, shardVip])
    expect(isShardVsVip(shardVip, "c1")).toBe(true)
    expect(staleObjects(view, new Map(), "c1").map((o) => o.name)).toEqual(["c1--old-TCP-80"])
  })
})

describe("status", () => {
  const service = { kind: "Service" as const, namespace: "red", name: "web" }
  const fqdnUnit = unitOf(
    desiredOf(l4Service("red", "web", [{ port: 80 }]).parts, { autoFQDN: "default", dnsSubDomains: ["avi.internal"] }),
    WEB
  )
  const lookup = { vips: () => ["10.0.0.9"], vsUuid: () => "virtualservice-1" }

  it("a Service gets one ingress entry per VIP with its FQDN, and AKO's annotations", () => {
    const [status] = desiredStatuses([fqdnUnit], lookup, { controllerClusterUuid: "cluster-1" })
    expect(status).toEqual({
      object: service,
      ingress: [{ ip: "10.0.0.9", hostname: "web.red.avi.internal" }],
      annotations: {
        [VS_UUID_MAP_ANNOTATION]: JSON.stringify({ "web.red.avi.internal": "virtualservice-1" }),
        "ako.vmware.com/controller-cluster-uuid": "cluster-1",
        "ako.vmware.com/tenant-name": "admin"
      }
    })
    expect(statusPatch(status!)).toEqual({
      status: { loadBalancer: { ingress: [{ ip: "10.0.0.9", hostname: "web.red.avi.internal" }] } }
    })
  })

  it("without an FQDN: the VIP only, and no annotations", () => {
    const [status] = desiredStatuses([unit], lookup)
    expect(status?.ingress).toEqual([{ ip: "10.0.0.9" }])
    expect(Object.values(status?.annotations ?? {})).toEqual([null, null, null])
    expect(statusUpToDate({ status: { loadBalancer: { ingress: [{ ip: "10.0.0.9" }] } } }, status!)).toBe(true)
    expect(statusUpToDate({ status: { loadBalancer: { ingress: [{ ip: "10.0.0.8" }] } } }, status!)).toBe(false)
  })

  it("statusesFor: objects some unit names get their status, the others are cleared", () => {
    const gone = { kind: "Service" as const, namespace: "red", name: "old" }
    const statuses = statusesFor([service, gone], [unit], lookup)
    expect(statuses.map((s) => [s.object.name, s.ingress.length])).toEqual([["web", 1], ["old", 0]])
    expect(statuses[1]).toEqual(clearedStatus(gone))
    expect(carriesAkoStatus({ metadata: { annotations: { "ako.vmware.com/tenant-name": "admin" } } })).toBe(true)
    expect(carriesAkoStatus({ metadata: { annotations: {} } })).toBe(false)
  })

  it("cleared: no ingress, annotations removed, written as {status: null}", () => {
    const cleared = clearedStatus(service)
    expect(statusPatch(cleared)).toEqual({ status: null })
    expect(statusUpToDate({}, cleared)).toBe(true)
    expect(statusUpToDate({ metadata: { annotations: { [VS_UUID_MAP_ANNOTATION]: "{}" } } }, cleared)).toBe(false)
  })
})

describe("deleteOrder", () => {
  it("deletes a CA certificate after the certificates, whatever the names, as they refer to it", () => {
    const ca = stored("sslkeyandcertificate", { name: "c1--a-cacert", type: "SSL_CERTIFICATE_TYPE_CA" })
    const cert = stored("sslkeyandcertificate", {
      name: "c1--b",
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      ca_certs: [{ ca_ref: "/api/sslkeyandcertificate/?name=c1--a-cacert", name: "c1--a-cacert" }]
    })
    expect(deleteOrder([ca, cert]).map((o) => o.name)).toEqual(["c1--b", "c1--a-cacert"])
  })
})

describe("a passthrough shard", () => {
  const SHARD = "admin/c1--Shared-Passthrough-0"
  const passthrough = unitOf(
    desiredOf({
      services: [{
        metadata: { name: "web", namespace: "red" },
        spec: { type: "ClusterIP", ports: [{ name: "https", port: 443, targetPort: 8443 }] }
      }],
      routes: [{
        metadata: { name: "pass", namespace: "red" },
        spec: {
          host: "pass.example.com",
          to: { kind: "Service", name: "web" },
          tls: { termination: "passthrough", insecureEdgeTerminationPolicy: "Redirect" }
        }
      }]
    }),
    SHARD
  )

  it("is one unit: its insecure companion belongs to it, as an SNI child to its parent", () => {
    const view = viewOf(asAkoWroteThem(passthrough))
    expect(cachedUnitKeys(view)).toEqual([SHARD])
    const linked = unitView(view, SHARD).linked.map((o) => `${o.type}:${o.name}`).sort()
    expect(linked).toEqual([...passthrough.objects.map((o) => `${o.type}:${o.name}`)].sort())
  })

  it("takes over what AKO wrote without a write, and goes entirely, companion first, when its last host does", () => {
    const view = viewOf(asAkoWroteThem(passthrough))
    expect(planUnit(passthrough, unitView(view, SHARD)).operations).toEqual([])
    const gone = planUnit(undefined, unitView(view, SHARD)).operations
    expect(gone.every((op) => op.op === "delete")).toBe(true)
    expect(gone.map((op) => `${op.type}:${op.name}`)).toEqual([
      "virtualservice:c1--Shared-Passthrough-0-insecure",
      "virtualservice:c1--Shared-Passthrough-0",
      "vsvip:c1--Shared-Passthrough-0",
      "vsdatascriptset:c1--Shared-Passthrough-0",
      "httppolicyset:c1--Shared-Passthrough-0-insecure",
      "poolgroup:c1--pass.example.com",
      "pool:c1--pass.example.com-web"
    ])
  })
})
