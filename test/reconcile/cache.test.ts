/** The Avi cache: what it lists, the synced flag, writes racing a refresh, the passive loop, metrics. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Redacted, Stream, TestClock } from "effect"
import { AviClient, AviMemoryStore } from "../../src/avi/index.js"
import { AviCache, OWNED_TYPES, ReconcileMetrics, runPeriodicRefresh } from "../../src/reconcile/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"
import { waitFor } from "../support/process.js"
import { cacheConfig, memoryLayer } from "./support.js"

const cloud = "/api/cloud?name=Default-Cloud"

/** The simulator with 250 owned pools (three pages of 100), and a cache over the real client. */
const simWith250Pools = Effect.gen(function*() {
  const sim = yield* makeAviSim()
  for (let i = 0; i < 250; i++) {
    sim.insert("pool", { name: `c1--svc${i}-TCP-80`, created_by: "ako-c1", cloud_ref: cloud })
  }
  const client = AviClient.layer({
    controller: `127.0.0.1:${sim.port}`,
    username: AVI_SIM_DEFAULT_USER,
    password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
    caData: sim.caPem
  })
  const cache = yield* Effect.provide(AviCache, AviCache.layer(cacheConfig).pipe(Layer.provide(client)))
  return { sim, cache }
})

describe("AviCache", () => {
  it.effect("holds owned objects only: created_by for most types, the name prefix for VsVips", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      yield* store.insert("pool", { name: "c1--a-TCP-80", created_by: "ako-c1", cloud_ref: cloud })
      yield* store.insert("pool", { name: "c1--b-TCP-80", created_by: "someone", cloud_ref: cloud })
      yield* store.insert("l4policyset", { name: "c1--a", created_by: "ako-c1" })
      yield* store.insert("vsvip", { name: "c1--a", cloud_ref: cloud })
      yield* store.insert("vsvip", { name: "c2--a", cloud_ref: cloud })
      const cache = yield* AviCache
      expect(yield* cache.synced).toBe(false)
      yield* cache.refresh
      expect(yield* cache.synced).toBe(true)
      expect(cache.view.objects().map((o) => `${o.type} ${o.tenant} ${o.name}`).sort()).toEqual([
        "l4policyset admin c1--a",
        "pool admin c1--a-TCP-80",
        "vsvip admin c1--a"
      ])
      const counts = yield* cache.counts
      expect(counts).toMatchObject({ pool: 1, vsvip: 1, l4policyset: 1, virtualservice: 0 })
      const gauge = yield* Metric.value(ReconcileMetrics.cacheObjects.pipe(Metric.tagged("type", "pool")))
      expect(gauge.value).toBe(1)
      // Every list goes out with tenant `*`, as AKO's boot listing.
      expect((yield* store.calls).every((c) => c.method === "GET" && c.tenant === "*")).toBe(true)
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a write recorded while a refresh lists wins over the (older) listing", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      const cache = yield* AviCache
      yield* store.setLatency("1 second")
      const written = {
        name: "c1--new-TCP-80",
        uuid: "pool-new",
        tenant_ref: "https://avi.test/api/tenant/admin#admin"
      }
      const refreshing = yield* Effect.fork(cache.refresh)
      yield* TestClock.adjust("10 millis")
      yield* cache.applyWriteResult("pool", written)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(refreshing)
      expect(cache.view.get("pool", "admin", "c1--new-TCP-80")?.uuid).toBe("pool-new")
      // Without a racing write, the next refresh trusts Avi, which has no such pool.
      const again = yield* Effect.fork(cache.refresh)
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(again)
      expect(cache.view.get("pool", "admin", "c1--new-TCP-80")).toBeUndefined()
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("the passive loop re-lists on its interval and only reads", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      const cache = yield* AviCache
      const loop = yield* Effect.fork(runPeriodicRefresh("30 seconds"))
      yield* TestClock.adjust("1 second")
      expect(yield* cache.synced).toBe(true)
      yield* store.insert("pool", { name: "c1--late-TCP-80", created_by: "ako-c1", cloud_ref: cloud })
      expect(cache.view.get("pool", "admin", "c1--late-TCP-80")).toBeUndefined()
      yield* TestClock.adjust("30 seconds")
      expect(cache.view.get("pool", "admin", "c1--late-TCP-80")).toBeDefined()
      yield* Fiber.interrupt(loop)
      const calls = yield* store.calls
      // Two listings (at start and after the interval), one GET per owned type each.
      expect(calls.length).toBe(2 * OWNED_TYPES.length)
      expect(calls.every((c) => c.method === "GET")).toBe(true)
    }).pipe(Effect.provide(memoryLayer())))

  it.scoped("follows pages against the simulator (250 owned pools at 100 per page)", () =>
    Effect.gen(function*() {
      const { sim, cache } = yield* simWith250Pools
      sim.clearRequestLog()
      yield* cache.refresh
      expect((yield* cache.counts)["pool"]).toBe(250)
      const poolPages = sim.requestLog().filter((e) => e.objectType === "pool" && e.method === "GET")
      expect(poolPages.length).toBe(3)
      expect(poolPages.every((e) => e.query.includes("created_by=ako-c1"))).toBe(true)
    }))

  it.scoped("a later refresh reads only names and versions, and whole objects only where Avi changed them", () =>
    Effect.gen(function*() {
      const { sim, cache } = yield* simWith250Pools
      expect((yield* cache.refresh).length).toBe(250)
      const pools = sim.objects("pool")
      const untouched = cache.view.get("pool", "admin", String(pools[0]!["name"]))!
      const changed = pools[7]!
      sim.update("pool", String(changed["uuid"]), { ...changed, lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN" })
      const created = sim.insert("pool", { name: "c1--new-TCP-80", created_by: "ako-c1", cloud_ref: cloud })
      sim.clearRequestLog()
      // what Avi changed since the cache saw it, and only that: what a new leader re-diffs after its late-write wait
      const found = yield* cache.refresh
      expect(found.map((object) => object.uuid).sort()).toEqual(
        [String(changed["uuid"]), String(created["uuid"])].sort()
      )
      expect(yield* cache.refresh).toEqual([])
      sim.update("pool", String(changed["uuid"]), { ...changed, lb_algorithm: "LB_ALGORITHM_LEAST_CONNECTIONS" })
      sim.clearRequestLog()
      yield* cache.refresh
      const poolReads = sim.requestLog().filter((e) => e.objectType === "pool" && e.method === "GET")
      const whole = poolReads.filter((e) => !e.query.includes("fields=_last_modified"))
      // 251 pools listed slim in two pages of 200, then the one modified out of band read whole by its uuid
      expect(poolReads.length - whole.length).toBe(2)
      expect(whole.map((e) => decodeURIComponent(e.query).includes(`uuid.in=${String(changed["uuid"])}`))).toEqual([
        true
      ])
      expect(cache.view.get("pool", "admin", String(changed["name"]))?.body["lb_algorithm"]).toBe(
        "LB_ALGORITHM_LEAST_CONNECTIONS"
      )
      // an unchanged pool is the very object cached before, not a second copy of it
      expect(cache.view.get("pool", "admin", untouched.name)).toBe(untouched)
      expect((yield* cache.counts)["pool"]).toBe(251)
    }))

  it.scoped("keeps objects a listing missed because its pages shifted, and reports the ones really gone", () =>
    Effect.gen(function*() {
      const { sim, cache } = yield* simWith250Pools
      yield* cache.refresh
      const vanished = yield* cache.vanished
      const gone = yield* vanished.pipe(Stream.take(100), Stream.runCollect, Effect.fork)
      // While the next listing waits between its pages, the first page's objects are deleted out of band: every
      // later page starts 100 objects further on, so 100 pools that still exist are not listed at all.
      sim.faults.latency(300, { method: "GET", path: "/api/pool" })
      sim.clearRequestLog()
      const refreshing = yield* Effect.fork(cache.refresh)
      const firstPageDone = () =>
        sim.requestLog().some((e) => e.objectType === "pool" && e.method === "GET" && e.endMs !== undefined)
      yield* Effect.promise(() => waitFor("the first page of pools", firstPageDone, 20_000))
      const firstPage = sim.objects("pool").slice(0, 100)
      for (const pool of firstPage) sim.remove("pool", String(pool["uuid"]))
      yield* Fiber.join(refreshing)
      const remaining = sim.objects("pool").map((pool) => String(pool["name"])).sort()
      expect(remaining).toHaveLength(150)
      const cached = new Set(cache.view.objects().filter((o) => o.type === "pool").map((o) => o.name))
      expect(remaining.filter((name) => !cached.has(name))).toEqual([])
      // The pools deleted out of band that the listing still saw go at the next refresh, and are reported.
      sim.faults.clear()
      yield* cache.refresh
      expect((yield* cache.counts)["pool"]).toBe(150)
      expect([...(yield* Fiber.join(gone))].map((o) => o.name).sort()).toEqual(
        firstPage.map((pool) => String(pool["name"])).sort()
      )
    }))

  it.scoped("a pool deleted and created again out of band under its name: the new one is cached, the old reported", () =>
    Effect.gen(function*() {
      const { sim, cache } = yield* simWith250Pools
      yield* cache.refresh
      const vanished = yield* cache.vanished
      const gone = yield* vanished.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      const old = sim.objects("pool")[3]!
      sim.remove("pool", String(old["uuid"]))
      const recreated = sim.insert("pool", { name: old["name"], created_by: "ako-c1", cloud_ref: cloud })
      yield* cache.refresh
      const cached = cache.view.get("pool", "admin", String(old["name"]))
      expect(cached?.uuid).toBe(recreated["uuid"])
      expect(cache.view.byUuid(String(old["uuid"]))).toBeUndefined()
      expect((yield* cache.counts)["pool"]).toBe(250)
      expect([...(yield* Fiber.join(gone))].map((o) => o.uuid)).toEqual([old["uuid"]])
    }))
})
