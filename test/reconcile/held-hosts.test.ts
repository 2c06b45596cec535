/**
 * A dedicated VS whose HostRule asks for what ako-ts does not build there yet (applicationRootPath) is held: it and
 * everything it links to stay in Avi as AKO built them, neither rewritten nor deleted.
 */
import { describe, expect, it } from "vitest"
import type { DesiredUnit, HostRule } from "../../src/model/index.js"
import type { CachedObject } from "../../src/reconcile/index.js"
import { planUnit, toCached, unitView, viewOf } from "../../src/reconcile/index.js"
import { aviIngressClass, clusterIpService, ingress, slice, tlsSecret } from "../model/fixtures/builders.js"
import { desiredOf, unitOf } from "./support.js"

const KEY = "admin/c1--secure.example.com-L7-dedicated"
const DEDICATED = { shardVSSize: "DEDICATED" } as const
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const parts = (hostRules: ReadonlyArray<HostRule>, endpoints = ["10.2.0.1"]) => ({
  services: [web],
  endpointSlices: [
    slice("default", "web", "web-1", [{ name: "http", port: 8080 }], endpoints.map((ip) => ({ ip, ready: true })))
  ],
  ingressClasses: [aviIngressClass("avi-lb")],
  ingresses: [
    ingress(
      "default",
      "secure",
      [{ host: "secure.example.com", paths: [{ path: "/api", service: "web", port: 80 }] }],
      {
        tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }]
      }
    )
  ],
  secrets: [tlsSecret("default", "secure-tls")],
  hostRules
})
const rootRule: HostRule = {
  metadata: { name: "root", namespace: "default" },
  spec: { virtualhost: { fqdn: "secure.example.com", applicationRootPath: "/app" } }
}

/** What AKO left in Avi for the unit: its objects as stored, each with a uuid. */
const stored = (unit: DesiredUnit): ReadonlyArray<CachedObject> =>
  unit.objects.map((object, i) =>
    toCached(object.type, { ...object.body, uuid: `${object.type}-${i}`, tenant_ref: "/api/tenant/admin#admin" }, "c1")!
  )

describe("a host held for a HostRule feature ako-ts does not build", () => {
  const built = unitOf(desiredOf(parts([]), DEDICATED), KEY)
  const view = viewOf(stored(built))

  it("is neither rewritten nor deleted, even when its backends change", () => {
    const held = unitOf(desiredOf(parts([rootRule], ["10.2.0.9"]), DEDICATED), KEY)
    expect(held.heldVirtualServices).toEqual(["c1--secure.example.com-L7-dedicated"])
    const plan = planUnit(held, unitView(view, KEY))
    expect(plan.operations).toEqual([])
  })

  it("is updated again once the rule no longer asks for it", () => {
    const plain = unitOf(desiredOf(parts([], ["10.2.0.9"]), DEDICATED), KEY)
    const plan = planUnit(plain, unitView(view, KEY))
    expect(plan.operations.map((o) => `${o.op} ${o.type} ${o.name}`)).toEqual([
      "update pool c1--default-secure.example.com_api-secure-L7-dedicated"
    ])
  })
})
