/**
 * Namespace tenants (`ako.vmware.com/tenant-name`, AKO `lib.GetTenantInNamespace`): the objects built for a
 * namespace live in its tenant, under the model key `<tenant>/<vs>`; shared VIPs stay in `tenantName`; with
 * dedicatedTenantMode the annotation is not followed.
 */
import { describe, expect, it } from "vitest"
import type { DesiredUnit, Namespace } from "../../src/model/index.js"
import {
  makeSnapshot,
  observedChecksum,
  translate,
  translateUnit,
  unitKeysFor,
  unitsOwnedBy
} from "../../src/model/index.js"
import {
  aviIngressClass,
  clusterIpService,
  ingress,
  lbService,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

const TENANT = "ako.vmware.com/tenant-name"

const tenantNamespace = (name: string, tenant: string | undefined): Namespace => ({
  metadata: { name, ...(tenant === undefined ? {} : { annotations: { [TENANT]: tenant } }) }
})

const web = lbService("red", "web", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }])
const webSlice = slice("red", "web", "web-abc", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.5", ready: true }])

// app.example.com (red, secure) and www.example.com (blue) both land on Shared-L7-3 (LARGE).
const parts = (redTenant: string | undefined) => ({
  namespaces: [tenantNamespace("red", redTenant), tenantNamespace("blue", undefined)],
  services: [
    web,
    clusterIpService("red", "site", [{ name: "http", port: 80, targetPort: 8080 }]),
    clusterIpService("blue", "site", [{ name: "http", port: 80, targetPort: 8080 }]),
    lbService("red", "a", [{ port: 53, protocol: "UDP", targetPort: 53 }], {
      annotations: { "ako.vmware.com/enable-shared-vip": "dns" }
    })
  ],
  endpointSlices: [
    webSlice,
    slice("red", "site", "site-1", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.7", ready: true }]),
    slice("blue", "site", "site-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.7", ready: true }])
  ],
  ingresses: [
    ingress("red", "app", [{ host: "app.example.com", paths: [{ service: "site", port: 80 }] }], {
      tls: [{ hosts: ["app.example.com"], secretName: "app-tls" }]
    }),
    ingress("blue", "app", [{ host: "www.example.com", paths: [{ service: "site", port: 80 }] }])
  ],
  ingressClasses: [aviIngressClass("avi-lb")],
  secrets: [tlsSecret("red", "app-tls")]
})

const tenantsOf = (unit: DesiredUnit | undefined) => [...new Set(unit?.objects.map((o) => o.tenant))]
const tenantRefsOf = (unit: DesiredUnit | undefined) => [...new Set(unit?.objects.map((o) => o.body["tenant_ref"]))]

describe("namespace tenants", () => {
  const admin = translate(makeSnapshot(parts(undefined)), settings())
  const snapshot = makeSnapshot(parts("team"))
  const team = translate(snapshot, settings())

  it("builds an L4 Service's VsVip, pool, L4PolicySet and VS in its namespace's tenant, checksums unchanged", () => {
    expect(team.problems).toEqual([])
    expect(team.desired.has("admin/c1--red-web")).toBe(false)
    const unit = team.desired.get("team/c1--red-web")
    const before = admin.desired.get("admin/c1--red-web")
    expect(unit?.tenant).toBe("team")
    expect(tenantsOf(unit)).toEqual(["team"])
    expect(tenantRefsOf(unit)).toEqual(["/api/tenant/?name=team"])
    // The tenant is in no AKO checksum: the same objects in another tenant carry the same checksums.
    expect(unit?.objects.map((o) => [o.type, o.name, o.checksum])).toEqual(
      before?.objects.map((o) => [o.type, o.name, o.checksum])
    )
    for (const object of unit?.objects ?? []) {
      expect(observedChecksum(object.type, object.body, "c1")).toBe(object.checksum)
      const { tenant_ref: _team, ...rest } = object.body
      const { tenant_ref: _admin, ...restBefore } = before?.objects.find((o) =>
        o.type === object.type && o.name === object.name
      )?.body ?? {}
      expect(rest).toEqual(restBefore)
    }
    expect(unit?.statuses.map((s) => s.object.name)).toEqual(["web"])
  })

  it("gives each tenant its own shard of the same name, with only its namespaces' hosts", () => {
    const teamShard = team.desired.get("team/c1--Shared-L7-3")
    const adminShard = team.desired.get("admin/c1--Shared-L7-3")
    expect(teamShard?.virtualService).toBe("c1--Shared-L7-3")
    expect(adminShard?.virtualService).toBe("c1--Shared-L7-3")
    expect(teamShard?.owners.map((o) => `${o.namespace}/${o.name}`)).toEqual(["red/app"])
    expect(adminShard?.owners.map((o) => `${o.namespace}/${o.name}`)).toEqual(["blue/app"])
    // Shard, VsVip, SNI child, certificate, pools, pool groups, policy sets: all in the namespace's tenant.
    expect(tenantsOf(teamShard)).toEqual(["team"])
    // AKO's SNI child body has no tenant_ref: its X-Avi-Tenant header alone places it.
    expect(teamShard?.objects.filter((o) => o.body["tenant_ref"] === undefined).map((o) => o.name)).toEqual([
      "c1--app.example.com"
    ])
    expect(tenantRefsOf(teamShard).filter((r) => r !== undefined)).toEqual(["/api/tenant/?name=team"])
    expect(teamShard?.objects.map((o) => o.type)).toEqual(
      expect.arrayContaining(["vsvip", "sslkeyandcertificate", "pool", "poolgroup", "httppolicyset", "virtualservice"])
    )
    expect(tenantsOf(adminShard)).toEqual(["admin"])
    expect(teamShard?.statuses.map((s) => s.virtualService)).toEqual(["c1--app.example.com"])
    // Without the annotation, both namespaces share the admin shard.
    expect(admin.desired.get("admin/c1--Shared-L7-3")?.owners.map((o) => o.namespace)).toEqual(["blue", "red"])
  })

  it("puts the tenant into a shard's auto FQDN, as AKO does (<vs>.<tenant>.<domain>)", () => {
    const withDns = settings({ dnsSubDomains: ["example.com"], autoFQDN: "default" })
    const desired = translate(snapshot, withDns).desired
    const fqdns = (
      key: string
    ) => (desired.get(key)?.objects.find((o) => o.type === "vsvip")?.body["dns_info"] as ReadonlyArray<unknown>)
    expect(fqdns("team/c1--Shared-L7-3")).toEqual([
      { fqdn: "app.example.com" },
      { fqdn: "c1--Shared-L7-3.team.example.com" }
    ])
    expect(fqdns("admin/c1--Shared-L7-3")).toEqual([
      { fqdn: "c1--Shared-L7-3.admin.example.com" },
      { fqdn: "www.example.com" }
    ])
  })

  it("keeps shared VIPs in tenantName whatever the namespace says (AKO lib.GetTenant())", () => {
    const unit = team.desired.get("admin/c1--red-dns")
    expect(unit?.kind).toBe("L4Service")
    expect(tenantsOf(unit)).toEqual(["admin"])
    expect(team.desired.has("team/c1--red-dns")).toBe(false)
  })

  it("recomputes one unit by key as the whole translation does, in either tenant", () => {
    for (const [key, unit] of team.desired) {
      expect(translateUnit(key, snapshot, settings()).unit, key).toEqual(unit)
    }
    expect(translateUnit("admin/c1--red-web", snapshot, settings()).unit).toBeUndefined()
    expect(translateUnit("team/c1--red-dns", snapshot, settings()).unit).toBeUndefined()
  })

  it("names the units a Namespace feeds now and fed before its tenant changed", () => {
    const namespace = { kind: "Namespace" as const, name: "red" }
    expect(unitKeysFor(namespace, snapshot, settings())).toEqual([
      "admin/c1--red-dns",
      "team/c1--Shared-L7-3",
      "team/c1--red-web"
    ])
    expect(unitsOwnedBy(admin.desired, namespace)).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--red-dns",
      "admin/c1--red-web"
    ])
  })

  it("reads an empty annotation as tenantName, and follows no annotation in dedicatedTenantMode", () => {
    const empty = translate(makeSnapshot(parts("")), settings({ tenantName: "ops" })).desired
    expect([...empty.keys()].every((key) => key.startsWith("ops/"))).toBe(true)
    const dedicated = translate(snapshot, settings({ tenantName: "ops", dedicatedTenantMode: true })).desired
    expect([...dedicated.keys()].sort()).toEqual(["ops/c1--Shared-L7-3", "ops/c1--red-dns", "ops/c1--red-web"])
    expect(tenantRefsOf(dedicated.get("ops/c1--red-web"))).toEqual(["/api/tenant/?name=ops"])
  })
})
