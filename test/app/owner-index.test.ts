import { describe, expect, it } from "vitest"
import { OwnerIndex } from "../../src/app/owner-index.js"
import type { DesiredState, ObjectRef } from "../../src/model/index.js"
import { makeSnapshot, refKey, translate, unitsOwnedBy } from "../../src/model/index.js"
import { aviIngressClass, clusterIpService, ingress, lbService, settings } from "../model/fixtures/builders.js"

/** Every owner of every unit, and every namespace they live in: what the graph may ask about. */
const questionsOf = (state: DesiredState): ReadonlyArray<ObjectRef> => {
  const refs = new Map<string, ObjectRef>()
  for (const unit of state.values()) {
    for (const owner of unit.owners) {
      refs.set(refKey(owner), owner)
      if (owner.namespace !== undefined) {
        refs.set(`Namespace/${owner.namespace}`, { kind: "Namespace", name: owner.namespace })
      }
    }
  }
  refs.set("Service/absent/none", { kind: "Service", namespace: "absent", name: "none" })
  return [...refs.values()]
}

const expectSameAnswers = (index: OwnerIndex, state: DesiredState) => {
  for (const ref of questionsOf(state)) expect(index.unitsOwnedBy(ref), refKey(ref)).toEqual(unitsOwnedBy(state, ref))
}

describe("the desired graph's owner index", () => {
  const snapshot = makeSnapshot({
    services: [
      lbService("red", "db", [{ port: 5432 }]),
      lbService("blue", "cache", [{ port: 6379 }]),
      clusterIpService("red", "web", [{ name: "http", port: 80, targetPort: 8080 }]),
      clusterIpService("blue", "api", [{ name: "http", port: 80, targetPort: 8080 }])
    ],
    ingresses: [
      ingress("red", "site", [{ host: "red.example.com", paths: [{ path: "/", service: "web", port: 80 }] }], {
        className: "avi-lb"
      }),
      ingress("blue", "api", [{ host: "api.example.com", paths: [{ path: "/", service: "api", port: 80 }] }], {
        className: "avi-lb"
      })
    ],
    ingressClasses: [aviIngressClass("avi-lb")]
  })
  const state = new Map(translate(snapshot, settings()).desired)

  it("answers as the model's scan of every unit, for objects and for namespaces", () => {
    expect(state.size).toBeGreaterThanOrEqual(3)
    const index = new OwnerIndex()
    index.rebuild(state)
    expectSameAnswers(index, state)
  })

  it("follows units that go, change owners and come back", () => {
    const index = new OwnerIndex()
    index.rebuild(state)
    const next = new Map(state)
    const [first, second] = [...next.keys()]
    next.delete(first!)
    index.replace(first!, undefined)
    const changed = { ...next.get(second!)!, owners: [{ kind: "Service", namespace: "green", name: "moved" }] as const }
    next.set(second!, changed)
    index.replace(second!, changed)
    expectSameAnswers(index, next)
    expect(index.unitsOwnedBy({ kind: "Namespace", name: "green" })).toEqual([second])
    next.set(first!, state.get(first!)!)
    index.replace(first!, state.get(first!))
    expectSameAnswers(index, next)
  })
})
