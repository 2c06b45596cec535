/**
 * Hands off what ako-ts does not model: an update keeps the fields it does not manage, and a parent VS of a feature
 * ako-ts does not implement is never planned away, while the ones it models still are.
 */
import { describe, expect, it } from "vitest"
import type { AviBody, AviObjectType } from "../../src/model/index.js"
import type { CachedObject } from "../../src/reconcile/index.js"
import {
  holdUnmodelled,
  planUnit,
  toCached,
  unitView,
  unmodelledCounts,
  unmodelledParents,
  unmodelledReason,
  updateBody,
  viewOf
} from "../../src/reconcile/index.js"
import { desiredOf, l4Service, unitOf } from "./support.js"

let counter = 0
const stored = (type: AviObjectType, body: AviBody, tenant = "admin"): CachedObject => {
  counter++
  return toCached(type, {
    ...body,
    uuid: `${type}-${counter}`,
    tenant_ref: `https://avi.test/api/tenant/${tenant}#${tenant}`
  }, "c1")!
}

const marker = (key: string, value: string) => ({ key, values: [value] })
const ownership = { clusterName: "c1", tenantName: "admin" }
const hold = holdUnmodelled({ clusterName: "c1", cloudName: "Default-Cloud" })

const l4Vs = (namespace: string, service: string, extra: AviBody = {}) =>
  stored("virtualservice", {
    name: `c1--${namespace}-${service}`,
    l4_policies: [{ index: 0, l4_policy_set_ref: `https://avi.test/api/l4policyset/x#c1--${namespace}-${service}` }],
    markers: [marker("clustername", "c1"), marker("Namespace", namespace), marker("ServiceName", service)],
    ...extra
  })

describe("updates keep what ako-ts does not manage", () => {
  it("a VS update keeps waf_policy_ref and enable_rhi, and drops a policy the model no longer sets", () => {
    const cached = {
      name: "c1--red-web",
      waf_policy_ref: "https://avi.test/api/wafpolicy/w#team-waf",
      enable_rhi: true,
      http_policies: [{ index: 11, http_policy_set_ref: "https://avi.test/api/httppolicyset/p#old" }],
      _last_modified: "1"
    }
    const body = updateBody("virtualservice", { name: "c1--red-web", traffic_enabled: true }, cached)
    expect(body).toEqual({
      name: "c1--red-web",
      waf_policy_ref: "https://avi.test/api/wafpolicy/w#team-waf",
      enable_rhi: true,
      traffic_enabled: true
    })
  })

  it("a VsVip update keeps the allocated address", () => {
    const body = updateBody(
      "vsvip",
      { name: "v", vip: [{ vip_id: "0", auto_allocate_ip: true }] },
      { name: "v", vip: [{ vip_id: "0", ip_address: { addr: "10.0.0.9", type: "V4" } }], dns_info: [{ fqdn: "a" }] }
    )
    expect(body).toEqual({
      name: "v",
      vip: [{ vip_id: "0", auto_allocate_ip: true, ip_address: { addr: "10.0.0.9", type: "V4" } }]
    })
  })
})

describe("parents of features ako-ts does not model", () => {
  it("classifies AKO's parents: modelled ones by name and shape, the rest by what marks them", () => {
    expect(unmodelledReason(l4Vs("red", "web"), ownership)).toBeUndefined()
    expect(unmodelledReason(stored("virtualservice", { name: "c1--Shared-L7-3" }), ownership)).toBeUndefined()
    expect(unmodelledReason(stored("virtualservice", { name: "c1--a.example.com-L7-dedicated" }), ownership))
      .toBeUndefined()
    const sharedVip = stored("virtualservice", {
      name: "c1--red-shared",
      l4_policies: [],
      markers: [marker("clustername", "c1"), marker("Namespace", "red"), marker("GatewayName", "shared")]
    })
    // A shared VIP's VS is modelled; a gateway VS under another name (AKO's Gateway API) is not.
    expect(unmodelledReason(sharedVip, ownership)).toBeUndefined()
    expect(unmodelledReason({ ...sharedVip, name: "c1--red-gateway" }, ownership)).toBe("shared-vip")
    // This cluster's passthrough shards are modelled; another AKO instance's (`<podns>-` infix) are not.
    expect(unmodelledReason(stored("virtualservice", { name: "c1--Shared-Passthrough-0" }), ownership))
      .toBeUndefined()
    expect(unmodelledReason(stored("virtualservice", { name: "c1--Shared-Passthrough-gold-1" }), ownership))
      .toBeUndefined()
    expect(unmodelledReason(stored("virtualservice", { name: "c1--avi-x-Shared-Passthrough-0" }), ownership))
      .toBe("passthrough")
    // An AviInfraSetting's shard and an L4Rule's single-pool L4 VS are shapes ako-ts builds.
    expect(unmodelledReason(
      stored("virtualservice", {
        name: "c1--Shared-L7-gold-0",
        markers: [marker("clustername", "c1")]
      }),
      ownership
    )).toBeUndefined()
    expect(unmodelledReason(
      stored("virtualservice", {
        name: "c1--red-tls",
        pool_ref: "x",
        markers: [marker("Namespace", "red"), marker("ServiceName", "tls")]
      }),
      ownership
    )).toBeUndefined()
    expect(unmodelledReason(stored("virtualservice", { name: "c1--Shared-L7-EVH-0" }), ownership)).toBe("evh")
    // A Namespace's tenant holds an L4 VS like any other; only dedicatedTenantMode keeps to tenantName.
    expect(unmodelledReason(l4Vs("red", "web", {}), { ...ownership, tenantName: "team" })).toBeUndefined()
    expect(unmodelledReason(l4Vs("red", "web", {}), { ...ownership, tenantName: "team", dedicatedTenantMode: true }))
      .toBe("other-tenant")
    // A VS named like an L4 Service's but without its shape is not ako-ts's to plan.
    expect(unmodelledReason(
      stored("virtualservice", {
        name: "c1--red-odd",
        markers: [marker("Namespace", "red"), marker("ServiceName", "odd")]
      }),
      ownership
    )).toBe("unrecognised")
  })

  it("a held unit (its AviInfraSetting not in effect) plans nothing, whatever the cache links", () => {
    const shard = stored("virtualservice", {
      name: "c1--Shared-L7-blue-0",
      vsvip_ref: "https://avi.test/api/vsvip/x#c1--Shared-L7-blue-0",
      markers: [marker("clustername", "c1")]
    })
    const view = viewOf([shard, stored("vsvip", { name: "c1--Shared-L7-blue-0" })])
    const held = {
      key: "admin/c1--Shared-L7-blue-0",
      kind: "L7Shard" as const,
      tenant: "admin",
      virtualService: "c1--Shared-L7-blue-0",
      owners: [],
      objects: [],
      statuses: [],
      held: true
    }
    expect(planUnit(held, unitView(view, held.key, undefined, hold)).operations).toEqual([])
    expect(planUnit({ ...held, held: false }, unitView(view, held.key, undefined, hold)).operations.map((o) => o.op))
      .toEqual(["delete", "delete"])
  })

  it("a gone unit of an unmodelled parent plans nothing; a gone L4 Service's or shared VIP's unit is deleted", () => {
    // Marked as a shared VIP's VS, but not named as one: kept.
    const sharedVip = stored("virtualservice", {
      name: "c1--red-shared",
      vsvip_ref: "https://avi.test/api/vsvip/x#c1--red-shared",
      markers: [marker("clustername", "c1"), marker("Namespace", "red"), marker("GatewayName", "other")],
      service_metadata: JSON.stringify({ namespace_svc_name: ["red/a", "red/b"] })
    })
    const sharedVip_vip = stored("vsvip", { name: "c1--red-shared" })
    const gone = l4Vs("red", "gone")
    const goneShared = stored("virtualservice", {
      name: "c1--blue-shared",
      l4_policies: [],
      markers: [marker("clustername", "c1"), marker("Namespace", "blue"), marker("GatewayName", "shared")]
    })
    const view = viewOf([sharedVip, sharedVip_vip, gone, goneShared])
    expect(planUnit(undefined, unitView(view, "admin/c1--blue-shared", undefined, hold)).operations.map((o) => o.op))
      .toEqual(["delete"])
    expect(planUnit(undefined, unitView(view, "admin/c1--red-shared", undefined, hold)).operations).toEqual([])
    expect(planUnit(undefined, unitView(view, "admin/c1--red-gone", undefined, hold)).operations.map((o) => o.op))
      .toEqual(["delete"])
    // deleteConfig plans without `hold`: everything owned goes.
    expect(planUnit(undefined, unitView(view, "admin/c1--red-shared")).operations.map((o) => o.type)).toEqual([
      "virtualservice",
      "vsvip"
    ])
    const parents = unmodelledParents(view, ownership)
    expect(parents.map((p) => [p.root.name, p.reason, p.linked.length])).toEqual([["c1--red-shared", "shared-vip", 2]])
    expect(parents[0]?.owners).toEqual([
      { kind: "Service", namespace: "red", name: "a" },
      { kind: "Service", namespace: "red", name: "b" }
    ])
    expect(parents[0]?.sharedVip).toEqual({ namespace: "red", key: "other" })
    expect([...unmodelledCounts(parents).values()]).toEqual([
      { type: "virtualservice", reason: "shared-vip", count: 1 },
      { type: "vsvip", reason: "shared-vip", count: 1 }
    ])
  })

  it("a wanted unit is still planned normally even if its parent carries extra fields", () => {
    const unit = unitOf(desiredOf(l4Service("red", "web", [{ port: 80 }]).parts), "admin/c1--red-web")
    const plan = planUnit(unit, unitView(viewOf([]), "admin/c1--red-web", undefined, hold))
    expect(plan.operations.map((o) => o.op)).toEqual(["create", "create", "create", "create"])
  })
})

describe("list entries of others", () => {
  it("a HostRule's policy set and datascript on a VS survive an update; a policy of ours that went is dropped", () => {
    const cached = {
      name: "c1--Shared-L7-3",
      http_policies: [
        { index: 11, http_policy_set_ref: "https://avi.test/api/httppolicyset/a#c1--Shared-L7-3" },
        { index: 17, http_policy_set_ref: "https://avi.test/api/httppolicyset/b#team-rewrite" }
      ],
      vs_datascripts: [
        { index: 0, vs_datascript_set_ref: "https://avi.test/api/vsdatascriptset/c#c1--Shared-L7-3" },
        { index: 1, vs_datascript_set_ref: "https://avi.test/api/vsdatascriptset/d#team-ds" }
      ]
    }
    const desired = {
      name: "c1--Shared-L7-3",
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset/?name=c1--Shared-L7-3" }]
    }
    const owned = (ref: string) => ref.includes("#c1--") || ref.includes("name=c1--")
    expect(updateBody("virtualservice", desired, cached, owned)).toEqual({
      name: "c1--Shared-L7-3",
      http_policies: [{ index: 17, http_policy_set_ref: "https://avi.test/api/httppolicyset/b#team-rewrite" }],
      vs_datascripts: [
        { index: 0, vs_datascript_set_ref: "/api/vsdatascriptset/?name=c1--Shared-L7-3" },
        { index: 1, vs_datascript_set_ref: "https://avi.test/api/vsdatascriptset/d#team-ds" }
      ]
    })
  })
})
