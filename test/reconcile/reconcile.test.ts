/**
 * Level 2: the cache, diff and executor against the in-memory Avi controller, with an admitting WriteGuard.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Metric } from "effect"
import {
  AviConflict,
  AviMemoryStore,
  AviPreconditionFailed,
  AviUnavailable,
  AviValidationError
} from "../../src/avi/index.js"
import { CHECKSUM_FIELD } from "../../src/model/index.js"
import type { DesiredState } from "../../src/model/index.js"
import type { UnitResult } from "../../src/reconcile/index.js"
import {
  AviCache,
  deleteAllOwned,
  ReconcileMetrics,
  reconcileUnit,
  takeover,
  wantedBy,
  workQueueOutcome
} from "../../src/reconcile/index.js"
import { clearCalls, desiredOf, l4Service, memoryLayer, merge, refuseAll, unitOf, writes } from "./support.js"

const WEB = "admin/c1--red-web"
const web = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }])
const api = l4Service("blue", "api", [{ port: 443 }])

const opsOf = (result: UnitResult | undefined) =>
  (result?.applied ?? []).map((a) => `${a.operation.op} ${a.operation.type} ${a.operation.name}`)

const reconcileAll = (desired: DesiredState) =>
  Effect.gen(function*() {
    const others = wantedBy(desired)
    const results: Array<UnitResult> = []
    for (const [key, unit] of desired) results.push(yield* reconcileUnit(key, unit, { others }))
    return results
  })

describe("creating and steady state", () => {
  it.effect("creates an L4 Service from empty in dependency order with one call per object", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      const cache = yield* AviCache
      yield* cache.refresh
      yield* clearCalls
      const poolCreates = ReconcileMetrics.operationsTotal.pipe(
        Metric.tagged("type", "pool"),
        Metric.tagged("op", "create"),
        Metric.tagged("result", "ok")
      )
      const before = (yield* Metric.value(poolCreates)).count
      const result = yield* reconcileUnit(WEB, unitOf(desired, WEB))
      expect((yield* Metric.value(poolCreates)).count - before).toBe(2)
      // The minimum: one POST per object (VsVip, a pool per port, L4PolicySet, VS), nothing else, no reads.
      const store = yield* AviMemoryStore
      const calls = yield* store.calls
      expect(calls.map((c) => `${c.method} ${c.type} ${c.target}`)).toEqual([
        "POST vsvip c1--red-web",
        "POST pool c1--red-web-TCP-80",
        "POST pool c1--red-web-UDP-53",
        "POST l4policyset c1--red-web",
        "POST virtualservice c1--red-web"
      ])
      expect(calls.length).toBe(unitOf(desired, WEB).objects.length)
      expect(result.outcome).toEqual({ _tag: "Synced" })
      expect(result.vips.get("c1--red-web")).toEqual(["10.250.0.1"])
      const vs = (yield* store.objects("virtualservice"))[0]
      expect(result.vsUuids.get("c1--red-web")).toBe(vs?.uuid)
      expect(yield* workQueueOutcome(result)).toBeUndefined()
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("makes zero writes on an unchanged second pass, from the cache or after a fresh refresh", () =>
    Effect.gen(function*() {
      const desired = desiredOf(merge(web.parts, api.parts))
      yield* takeover(desired)
      yield* clearCalls
      const again = yield* reconcileAll(desired)
      expect(again.every((r) => r.applied.length === 0 && r.outcome._tag === "Synced")).toBe(true)
      const second = yield* takeover(desired)
      expect([...second.units.values()].flatMap(opsOf)).toEqual([])
      expect(yield* writes).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("changing endpoints updates the pool whose servers changed, and nothing else", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(web.parts))
      yield* clearCalls
      const moved = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }], ["10.1.0.9", "10.1.0.5"])
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(moved.parts), WEB))
      expect(opsOf(result)).toEqual(["update pool c1--red-web-TCP-80", "update pool c1--red-web-UDP-53"])
      expect((yield* writes).every((w) => w.startsWith("PUT pool "))).toBe(true)
      const pools = yield* Effect.flatMap(AviMemoryStore, (s) => s.objects("pool"))
      expect(pools.flatMap((p) => (p.servers ?? []).map((s) => s.ip.addr)).sort()).toEqual([
        "10.1.0.5",
        "10.1.0.5",
        "10.1.0.9",
        "10.1.0.9"
      ])
    }).pipe(Effect.provide(memoryLayer())))
})

describe("VsVip updates", () => {
  it.effect("a changed FQDN rewrites dns_info and keeps the allocated VIP", () =>
    Effect.gen(function*() {
      const first = yield* takeover(desiredOf(web.parts))
      const vip = first.units.get(WEB)?.vips.get("c1--red-web")
      expect(vip).toEqual(["10.250.0.1"])
      const named = {
        ...web.service,
        metadata: { ...web.service.metadata, annotations: { "external-dns.alpha.kubernetes.io/hostname": "w.x.com" } }
      }
      const withFqdn = desiredOf({ ...web.parts, services: [named] }, { autoFQDN: "default" })
      const result = yield* reconcileUnit(WEB, unitOf(withFqdn, WEB))
      expect(opsOf(result)).toEqual(["update vsvip c1--red-web", "update virtualservice c1--red-web"])
      expect(result.vips.get("c1--red-web")).toEqual(vip)
      const store = yield* AviMemoryStore
      expect((yield* store.objects("vsvip"))[0]?.dns_info).toEqual([{ fqdn: "w.x.com" }])
      const back = yield* reconcileUnit(WEB, unitOf(desiredOf(web.parts), WEB))
      expect(opsOf(back)).toEqual(["update vsvip c1--red-web", "update virtualservice c1--red-web"])
      expect((yield* store.objects("vsvip"))[0]?.dns_info).toBeUndefined()
      expect(back.vips.get("c1--red-web")).toEqual(vip)
    }).pipe(Effect.provide(memoryLayer())))
})

describe("unchanged units", () => {
  it.effect("a unit Avi already matches writes nothing and still reports its VIP and VS", () =>
    Effect.gen(function*() {
      const first = yield* takeover(desiredOf(web.parts))
      const written = first.units.get(WEB)
      const again = yield* reconcileUnit(WEB, unitOf(desiredOf(web.parts), WEB))
      expect(again.applied).toEqual([])
      expect(again.outcome).toEqual({ _tag: "Synced" })
      expect(again.vips.get("c1--red-web")).toEqual(["10.250.0.1"])
      expect(again.vsUuids.get("c1--red-web")).toBe(written?.vsUuids.get("c1--red-web"))
      expect(again.vsUuids.get("c1--red-web")).toMatch(/^virtualservice-/)
    }).pipe(Effect.provide(memoryLayer())))
})

describe("deleting", () => {
  it.effect("a removed unit deletes everything it had, VS first and pools last", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(merge(web.parts, api.parts)))
      const result = yield* reconcileUnit(WEB, undefined)
      expect(opsOf(result)).toEqual([
        "delete virtualservice c1--red-web",
        "delete vsvip c1--red-web",
        "delete l4policyset c1--red-web",
        "delete pool c1--red-web-TCP-80",
        "delete pool c1--red-web-UDP-53"
      ])
      expect(result.outcome).toEqual({ _tag: "Synced" })
      const store = yield* AviMemoryStore
      expect((yield* store.objects("pool")).map((p) => p.name)).toEqual(["c1--blue-api-TCP-443"])
      expect((yield* store.objects("vsvip")).map((p) => p.name)).toEqual(["c1--blue-api"])
      const cache = yield* AviCache
      expect(cache.view.objects().filter((o) => o.name.startsWith("c1--red-web"))).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a port removed from a Service: VS and policy updated first, then the pool deleted", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(web.parts))
      const fewer = l4Service("red", "web", [{ port: 80 }])
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(fewer.parts), WEB))
      expect(opsOf(result)).toEqual([
        "update l4policyset c1--red-web",
        "update virtualservice c1--red-web",
        "delete pool c1--red-web-UDP-53"
      ])
      expect(result.outcome._tag).toBe("Synced")
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a 5xx on a delete retries fast; the next pass finishes the unit", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(web.parts))
      const store = yield* AviMemoryStore
      const cache = yield* AviCache
      const vs = cache.view.get("virtualservice", "admin", "c1--red-web")!
      yield* store.failNext({
        method: "DELETE",
        type: "virtualservice",
        error: new AviUnavailable({
          method: "DELETE",
          path: `/api/virtualservice/${vs.uuid}`,
          message: "",
          status: 503,
          reason: "status",
          attempts: 3
        })
      })
      const first = yield* reconcileUnit(WEB, undefined)
      expect(first.outcome._tag).toBe("RetryFast")
      expect(Exit.isFailure(yield* Effect.exit(workQueueOutcome(first)))).toBe(true)
      const second = yield* reconcileUnit(WEB, undefined)
      expect(second.outcome._tag).toBe("Synced")
      expect(cache.view.objects()).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))
})

describe("takeover", () => {
  it.effect("removes stale owned objects, deletes units nobody wants, keeps shard VsVips, creates the rest", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      const seededBy = { created_by: "ako-c1", tenant_ref: "/api/tenant/?name=admin" }
      // Left behind by an earlier leader: an orphan pool, a shard VsVip with no VS, and a whole old Service.
      yield* takeover(desiredOf(api.parts))
      yield* store.insert("pool", {
        name: "c1--orphan-TCP-80",
        ...seededBy,
        cloud_ref: "/api/cloud?name=Default-Cloud"
      })
      yield* store.insert("vsvip", { name: "c1--Shared-L7-3", cloud_ref: "/api/cloud?name=Default-Cloud" })
      // Another cluster's objects are never touched.
      yield* store.insert("pool", { name: "c2--theirs-TCP-80", created_by: "ako-c2" })
      yield* clearCalls
      const result = yield* takeover(desiredOf(web.parts))
      expect(opsOf(result.stale)).toEqual(["delete pool c1--orphan-TCP-80"])
      expect(opsOf(result.units.get("admin/c1--blue-api"))).toEqual([
        "delete virtualservice c1--blue-api",
        "delete vsvip c1--blue-api",
        "delete l4policyset c1--blue-api",
        "delete pool c1--blue-api-TCP-443"
      ])
      expect(opsOf(result.units.get(WEB))).toHaveLength(5)
      expect((yield* store.objects("vsvip")).map((v) => v.name).sort()).toEqual(["c1--Shared-L7-3", "c1--red-web"])
      expect((yield* store.objects("pool")).map((p) => p.name).sort()).toEqual([
        "c1--red-web-TCP-80",
        "c1--red-web-UDP-53",
        "c2--theirs-TCP-80"
      ])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("adopts objects AKO created (its own checksums) with zero writes", () =>
    Effect.gen(function*() {
      const desired = desiredOf(merge(web.parts, api.parts))
      const store = yield* AviMemoryStore
      // Seed exactly what AKO would have sent, but with checksums from AKO's own algorithm.
      for (const unit of desired.values()) {
        for (const object of unit.objects) {
          const field = CHECKSUM_FIELD[object.type]
          const body = field === undefined ? object.body : { ...object.body, [field]: "2754416913" }
          yield* store.insert(object.type, body as never, object.tenant)
        }
      }
      yield* clearCalls
      const result = yield* takeover(desired)
      expect([...result.units.values()].flatMap(opsOf)).toEqual([])
      expect(opsOf(result.stale)).toEqual([])
      expect(yield* writes).toEqual([])
      // And a real difference in an adopted object is still written.
      const moved = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }], ["10.1.0.7"])
      const changed = yield* reconcileUnit(WEB, unitOf(desiredOf(moved.parts), WEB))
      expect(opsOf(changed)).toEqual(["update pool c1--red-web-TCP-80", "update pool c1--red-web-UDP-53"])
    }).pipe(Effect.provide(memoryLayer())))
})

describe("error classes", () => {
  it.effect("409 on create (object the cache missed) reads it by name and adopts it without a write", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      const cache = yield* AviCache
      yield* cache.refresh
      const store = yield* AviMemoryStore
      const pool = unitOf(desired, WEB).objects.find((o) => o.type === "pool")!
      // Created by the previous leader after this replica's last refresh.
      yield* store.insert("pool", pool.body as never)
      yield* clearCalls
      const result = yield* reconcileUnit(WEB, unitOf(desired, WEB))
      expect(result.applied.find((a) => a.operation.name === pool.name)?.result).toBe("adopted")
      expect(result.outcome._tag).toBe("Synced")
      const calls = (yield* store.calls).map((c) => `${c.method} ${c.type} ${c.target} ${c.outcome}`)
      expect(calls).toContain("POST pool c1--red-web-TCP-80 AviConflict")
      expect(calls).toContain("GET pool c1--red-web-TCP-80 ok")
      expect(calls.filter((c) => c.startsWith("PUT"))).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("409 with different content reads the object and overwrites it with a PUT", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      const cache = yield* AviCache
      yield* cache.refresh
      const store = yield* AviMemoryStore
      yield* store.insert("pool", { name: "c1--red-web-TCP-80", created_by: "ako-c1", servers: [] })
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(web.parts), WEB))
      expect(opsOf(result)).toContain("update pool c1--red-web-TCP-80")
      expect(result.outcome._tag).toBe("Synced")
      const pool = (yield* store.objects("pool")).find((p) => p.name === "c1--red-web-TCP-80")
      expect(pool?.servers?.map((s) => s.ip.addr)).toEqual(["10.1.0.5"])
      expect(desired.size).toBe(1)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("412 is retried at once", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(web.parts))
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "PUT",
        type: "pool",
        error: new AviPreconditionFailed({ method: "PUT", path: "/api/pool", message: "Need to reload object data" })
      })
      yield* clearCalls
      const moved = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }], ["10.1.0.8"])
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(moved.parts), WEB))
      expect(result.outcome._tag).toBe("Synced")
      expect((yield* store.calls).map((c) => `${c.method} ${c.type} ${c.outcome}`)).toEqual([
        "PUT pool AviPreconditionFailed",
        "PUT pool ok",
        "PUT pool ok"
      ])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a PUT refused for good is a problem for an Event; the rest of the unit still syncs", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf(web.parts))
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "PUT",
        type: "pool",
        error: new AviValidationError({ method: "PUT", path: "/api/pool", message: "bad field", objName: undefined })
      })
      const moved = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }], ["10.1.0.3"])
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(moved.parts), WEB))
      expect(result.outcome._tag).toBe("Failed")
      expect(result.problems.map((p) => `${p.op} ${p.name} ${p.reason}`)).toEqual([
        "update c1--red-web-TCP-80 AviValidationError"
      ])
      expect(result.problems[0]?.owners).toEqual([{ kind: "Service", namespace: "red", name: "web" }])
      expect(result.applied.map((a) => a.result)).toEqual(["failed", "ok"])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("404 on PUT: the object is gone, so it is created again", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      yield* takeover(desired)
      const cache = yield* AviCache
      // Make the cache believe in an object Avi does not have.
      const pool = cache.view.get("pool", "admin", "c1--red-web-TCP-80")!
      yield* cache.applyWriteResult("pool", { ...pool.body, uuid: "pool-missing", cloud_config_cksum: "1" })
      yield* clearCalls
      const moved = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }], ["10.1.0.8"])
      const result = yield* reconcileUnit(WEB, unitOf(desiredOf(moved.parts), WEB))
      expect(result.outcome._tag).toBe("Synced")
      const store = yield* AviMemoryStore
      // PUT to the uuid the cache had: 404, so POST; Avi has it under another uuid (409): read it, PUT that one.
      expect((yield* store.calls).map((c) => `${c.method} ${c.type} ${c.outcome}`)).toEqual([
        "PUT pool AviNotFound",
        "POST pool AviConflict",
        "GET pool ok",
        "PUT pool ok",
        "PUT pool ok"
      ])
      expect(cache.view.get("pool", "admin", "c1--red-web-TCP-80")?.uuid).toBe(pool.uuid)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a dependency the cache believes in but Avi lost: forgotten, then created on the retry", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      const cache = yield* AviCache
      yield* cache.refresh
      const pool = unitOf(desired, WEB).objects.find((o) => o.type === "pool")!
      yield* cache.applyWriteResult("pool", { ...pool.body, uuid: "pool-ghost" })
      const first = yield* reconcileUnit(WEB, unitOf(desired, WEB))
      expect(first.outcome._tag).toBe("RetryFast")
      expect(cache.view.get("pool", "admin", pool.name)).toBeUndefined()
      const second = yield* reconcileUnit(WEB, unitOf(desired, WEB))
      expect(second.outcome._tag).toBe("Synced")
      expect(opsOf(second)).toContain(`create pool ${pool.name}`)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("no free IP: the unit retries slowly and stops before anything depending on the VIP", () =>
    Effect.gen(function*() {
      const result = yield* takeover(desiredOf(web.parts))
      const unit = result.units.get(WEB)!
      expect(unit.outcome._tag).toBe("RetrySlow")
      expect(opsOf(unit)).toEqual(["create vsvip c1--red-web"])
      expect(yield* workQueueOutcome(unit)).toEqual({ requeueAfter: expect.anything() })
      const store = yield* AviMemoryStore
      expect(yield* store.objects("virtualservice")).toEqual([])
    }).pipe(Effect.provide(memoryLayer({ vipRange: { first: "10.250.0.1", size: 0 } }))))

  it.effect("another 4xx is a problem of that unit (refs to the failed pool stripped); other units still sync", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "POST",
        type: "pool",
        error: new AviValidationError({
          method: "POST",
          path: "/api/pool",
          message: "Invalid server port",
          objName: "c1--blue-api-TCP-443"
        })
      })
      const result = yield* takeover(desiredOf(merge(web.parts, api.parts)))
      const failed = result.units.get("admin/c1--blue-api")!
      expect(failed.outcome._tag).toBe("Failed")
      expect(failed.problems.map((p) => `${p.op} ${p.type} ${p.name}: ${p.message}`)).toEqual([
        "create pool c1--blue-api-TCP-443: Invalid server port"
      ])
      // AKO strips the failed pool from the later bodies and carries on.
      const l4ps = (yield* store.objects("l4policyset")).find((p) => p.name === "c1--blue-api")
      expect(l4ps?.l4_connection_policy?.rules ?? []).toEqual([])
      expect(result.units.get(WEB)?.outcome._tag).toBe("Synced")
      expect((yield* store.objects("virtualservice")).map((v) => v.name).sort()).toEqual([
        "c1--blue-api",
        "c1--red-web"
      ])
      expect(yield* workQueueOutcome(failed)).toBeUndefined()
      // Once Avi accepts the pool, the next pass creates it and puts it back into the policy.
      const retried = yield* takeover(desiredOf(merge(web.parts, api.parts)))
      expect(opsOf(retried.units.get("admin/c1--blue-api"))).toEqual([
        "create pool c1--blue-api-TCP-443",
        "update l4policyset c1--blue-api"
      ])
      const healed = (yield* store.objects("l4policyset")).find((p) => p.name === "c1--blue-api")
      expect(healed?.l4_connection_policy?.rules).toHaveLength(1)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a 409 that keeps coming back ends in a fast retry", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "POST",
        type: "vsvip",
        times: 10,
        error: new AviConflict({ method: "POST", path: "/api/vsvip", message: "VsVip with this Name already exists." })
      })
      const result = yield* takeover(desiredOf(web.parts))
      expect(result.units.get(WEB)?.outcome._tag).toBe("RetryFast")
    }).pipe(Effect.provide(memoryLayer())))
})

describe("leadership", () => {
  it.effect("writes refused by the WriteGuard (NotLeader) never reach Avi", () =>
    Effect.gen(function*() {
      const desired = desiredOf(web.parts)
      const cache = yield* AviCache
      yield* cache.refresh
      const exit = yield* Effect.exit(reconcileUnit(WEB, unitOf(desired, WEB)))
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause).includes("NotLeader")).toBe(true)
      const takeoverExit = yield* Effect.exit(takeover(desired))
      expect(Exit.isFailure(takeoverExit)).toBe(true)
      expect(yield* writes).toEqual([])
      const store = yield* AviMemoryStore
      expect(yield* store.objects("vsvip")).toEqual([])
    }).pipe(Effect.provide(memoryLayer({}, refuseAll))))
})

describe("deleteConfig", () => {
  it.effect("deletes everything owned, reports progress, and resumes after an interruption", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      yield* takeover(desiredOf(merge(web.parts, api.parts)))
      yield* store.insert("vsvip", { name: "c1--Shared-L7-0", cloud_ref: "/api/cloud?name=Default-Cloud" })
      // Pool deletes fail in both unit passes and in the final sweep: this run cannot finish.
      yield* store.failNext({
        method: "DELETE",
        type: "pool",
        times: 3,
        error: new AviUnavailable({
          method: "DELETE",
          path: "/api/pool",
          message: "",
          status: 503,
          reason: "status",
          attempts: 3
        })
      })
      const seen: Array<number> = []
      const first = yield* deleteAllOwned({ onProgress: (p) => Effect.sync(() => void seen.push(p.remaining)) })
      expect(first.total).toBe(10)
      expect(first.done).toBe(false)
      expect(seen.length).toBeGreaterThanOrEqual(3)
      const second = yield* deleteAllOwned()
      expect(second.done).toBe(true)
      expect(second.remaining).toBe(0)
      for (const type of ["virtualservice", "vsvip", "pool", "l4policyset"] as const) {
        expect(yield* store.objects(type)).toEqual([])
      }
      const third = yield* deleteAllOwned()
      expect(third).toMatchObject({ total: 0, deleted: 0, done: true })
    }).pipe(Effect.provide(memoryLayer())))
})
