import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option, Ref, Scope, Stream, TestClock } from "effect"
import { KubeApiError } from "../../src/k8s/errors.js"
import { makeReflector } from "../../src/k8s/reflector.js"
import type { ListWatchSource } from "../../src/k8s/reflector.js"
import { EndpointSlice, HostRule, Service } from "../../src/k8s/resources.js"
import { optionalListWatchSource } from "../../src/k8s/source-kube.js"
import { makeInMemorySource } from "../../src/k8s/source-memory.js"
import { makeSnapshot, serviceKeyOfSlice, slicesOfService } from "../../src/model/kube.js"

const settle = Effect.repeatN(Effect.yieldNow(), 100)

const svc = (namespace: string, name: string, port = 80) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: {
    name,
    namespace,
    managedFields: [{ manager: "kubectl" }],
    annotations: {
      "example.com/kept": "yes",
      "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Service\"}"
    }
  },
  spec: { type: "LoadBalancer", ports: [{ port, protocol: "TCP" }], sessionAffinity: "None" }
})

const setup = (pageSize = 500) =>
  Effect.gen(function*() {
    const memory = yield* makeInMemorySource()
    const reflector = yield* makeReflector({ kind: "Service", source: memory.source, schema: Service, pageSize })
    const seen = yield* Ref.make<ReadonlyArray<string>>([])
    const start = Effect.gen(function*() {
      yield* reflector.changes.pipe(
        Stream.runForEach((key) => Ref.update(seen, (all) => [...all, key])),
        Effect.forkScoped
      )
      yield* settle
      const fiber = yield* Effect.forkScoped(reflector.run)
      yield* settle
      return fiber
    })
    return { memory, reflector, seen: Ref.get(seen), start }
  })

describe("reflector (in-memory source)", () => {
  it.scoped("lists in pages into a store keyed namespace/name, decoded into one shape, then signals ready", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup(7)
      for (let i = 0; i < 50; i++) yield* memory.upsert(svc(`ns${i % 3}`, `svc-${i}`))
      expect(yield* reflector.isReady).toBe(false)
      yield* start
      yield* reflector.ready
      expect(yield* reflector.size).toBe(50)
      expect((yield* memory.stats).lists).toBe(8) // ceil(50 / 7) pages
      const one = Option.getOrThrow(yield* reflector.get("ns1/svc-1"))
      expect(one.spec?.ports?.[0]?.port).toBe(80)
      expect(one.metadata?.resourceVersion).toBeDefined()
      // fields the controller does not read are dropped by decoding
      expect("managedFields" in (one.metadata ?? {})).toBe(false)
      expect(one.metadata?.annotations).toEqual({ "example.com/kept": "yes" })
      expect("sessionAffinity" in (one.spec ?? {})).toBe(false)
      const snapshot = yield* reflector.snapshot
      expect(snapshot.size).toBe(50)
      expect(yield* reflector.snapshot).toBe(snapshot)
    }))

  it.scoped("applies watch events and publishes each changed key", () =>
    Effect.gen(function*() {
      const { memory, reflector, seen, start } = yield* setup()
      yield* memory.upsert(svc("default", "a"))
      yield* start
      yield* memory.upsert(svc("default", "b"))
      yield* memory.upsert(svc("default", "a", 8080))
      yield* memory.remove("default", "b")
      yield* settle
      expect(yield* seen).toEqual(["default/a", "default/b", "default/a", "default/b"])
      expect(Option.getOrThrow(yield* reflector.get("default/a")).spec?.ports?.[0]?.port).toBe(8080)
      expect(Option.isNone(yield* reflector.get("default/b"))).toBe(true)
    }))

  it.scoped("subscribe catches a change published before its stream is first pulled; changes starts later", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup()
      yield* start
      yield* reflector.ready
      const subscribed = yield* reflector.subscribe
      const lazy = reflector.changes
      yield* memory.upsert(svc("default", "early"))
      yield* settle
      // Only now does anyone pull: the subscribed stream has the key, the lazy one subscribes too late for it.
      const fromSubscribed = yield* subscribed.pipe(Stream.take(1), Stream.runCollect)
      expect([...fromSubscribed]).toEqual(["default/early"])
      const lazyFiber = yield* lazy.pipe(Stream.take(1), Stream.runCollect, Effect.fork)
      yield* settle
      yield* memory.upsert(svc("default", "late"))
      yield* settle
      expect([...(yield* Fiber.join(lazyFiber))]).toEqual(["default/late"])
    }))

  it.scoped("listen hears every change at once, in order, from each registration, until its scope closes", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup()
      yield* memory.upsert(svc("default", "listed"))
      const heard: Array<string> = []
      const listener = (key: string) => heard.push(key)
      const first = yield* Scope.make()
      yield* reflector.listen(listener).pipe(Scope.extend(first))
      // the same function in a second scope is a second registration, not a duplicate that a Set would swallow
      const second = yield* Scope.make()
      yield* reflector.listen(listener).pipe(Scope.extend(second))
      yield* start
      yield* reflector.ready
      expect(heard).toEqual(["default/listed", "default/listed"])
      yield* memory.upsert(svc("default", "a"))
      yield* memory.remove("default", "listed")
      yield* settle
      expect(heard.slice(2)).toEqual(["default/a", "default/a", "default/listed", "default/listed"])
      yield* Scope.close(second, Exit.void)
      yield* memory.upsert(svc("default", "b"))
      yield* settle
      expect(heard.slice(6)).toEqual(["default/b"])
      yield* Scope.close(first, Exit.void)
      yield* memory.upsert(svc("default", "c"))
      yield* settle
      expect(heard.slice(7)).toEqual([])
      expect(yield* reflector.size).toBe(3)
    }))

  it.scoped("resumes from the last resourceVersion after a cut watch: nothing lost, nothing repeated, no relist", () =>
    Effect.gen(function*() {
      const { memory, reflector, seen, start } = yield* setup()
      yield* memory.upsert(svc("default", "a"))
      yield* start
      yield* memory.upsert(svc("default", "b"))
      yield* settle
      const before = yield* reflector.resourceVersion
      yield* memory.cutWatches
      yield* memory.upsert(svc("default", "c")) // happens while no watch is open
      yield* settle
      yield* memory.upsert(svc("default", "d"))
      yield* settle
      expect(yield* seen).toEqual(["default/a", "default/b", "default/c", "default/d"])
      const stats = yield* memory.stats
      expect(stats.lists).toBe(1)
      expect(stats.watches[1]).toBe(before)
      expect(yield* reflector.size).toBe(4)
    }))

  it.scoped("relists after a 410 at connect and after a 410 ERROR event, converging on the server's state", () =>
    Effect.gen(function*() {
      const { memory, reflector, seen, start } = yield* setup()
      yield* memory.upsert(svc("default", "a"))
      yield* memory.upsert(svc("default", "b"))
      yield* start
      yield* memory.forceGoneOnNextWatch
      yield* memory.cutWatches
      yield* memory.remove("default", "a")
      yield* settle
      // the cut watch had lasted no time and carried nothing: the reconnect waits one backoff step
      expect((yield* memory.stats).watches).toHaveLength(1)
      yield* TestClock.adjust(1000)
      yield* settle
      expect((yield* memory.stats).lists).toBe(2)
      expect([...(yield* reflector.snapshot).keys()]).toEqual(["default/b"])
      // mid-stream expiry
      yield* memory.expireWatches
      yield* memory.upsert(svc("default", "c"))
      yield* settle
      expect((yield* memory.stats).lists).toBe(3)
      expect([...(yield* reflector.snapshot).keys()].sort()).toEqual(["default/b", "default/c"])
      expect((yield* seen).filter((k) => k === "default/a")).toHaveLength(2) // listed, then deleted by the relist
    }))

  it.scoped("retries failing calls with jittered exponential backoff starting near 0.8 s", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup()
      yield* memory.upsert(svc("default", "a"))
      yield* memory.failNext(3)
      yield* start
      expect(yield* reflector.isReady).toBe(false)
      yield* TestClock.adjust(600) // below the smallest first delay (0.8 s × 0.8)
      yield* settle
      expect((yield* memory.stats).lists).toBe(0)
      yield* TestClock.adjust(400) // first retry fires by 1 s
      yield* settle
      yield* TestClock.adjust(2000) // second retry (1.6 s × ≤1.2)
      yield* settle
      yield* TestClock.adjust(4000) // third retry (3.2 s × ≤1.2)
      yield* settle
      expect(yield* reflector.isReady).toBe(true)
      expect(yield* reflector.size).toBe(1)
    }))

  it.scoped("skips objects that do not decode instead of failing", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup()
      yield* memory.upsert(svc("default", "good"))
      yield* memory.upsert({ metadata: { name: "bad", namespace: "default" }, spec: { ports: [{ port: "eighty" }] } })
      yield* start
      yield* reflector.ready
      expect([...(yield* reflector.snapshot).keys()]).toEqual(["default/good"])
    }))

  it.scoped("run is interruptible and stops consuming", () =>
    Effect.gen(function*() {
      const { memory, reflector, start } = yield* setup()
      const fiber = yield* start
      yield* Fiber.interrupt(fiber)
      yield* memory.upsert(svc("default", "late"))
      yield* settle
      expect(yield* reflector.size).toBe(0)
    }))
})

describe("reflector list timeout", () => {
  it.scoped("a list that never answers times out and is retried", () =>
    Effect.gen(function*() {
      const memory = yield* makeInMemorySource()
      yield* memory.upsert(svc("default", "a"))
      let calls = 0
      const reflector = yield* makeReflector({
        kind: "Service",
        schema: Service,
        listTimeoutMillis: 5_000,
        source: {
          ...memory.source,
          list: (options) => (calls++ === 0 ? Effect.never : memory.source.list(options))
        }
      })
      yield* Effect.forkScoped(reflector.run)
      yield* settle
      yield* TestClock.adjust(4_900)
      yield* settle
      expect(yield* reflector.isReady).toBe(false)
      yield* TestClock.adjust(100) // the list times out
      yield* settle
      yield* TestClock.adjust(1_000) // first backoff step (≤ 0.96 s)
      yield* settle
      expect(yield* reflector.isReady).toBe(true)
      expect(calls).toBe(2)
    }))
})

describe("reflector of a resource the cluster may not serve (optionalListWatchSource)", () => {
  const notFound = (op: string) =>
    new KubeApiError({
      status: 404,
      reason: "NotFound",
      message: "the server could not find the requested resource",
      method: "GET",
      path: op
    })

  /** The in-memory source behind a switch: while `installed` is false every call answers 404, as for a missing CRD. */
  const setupOptional = Effect.gen(function*() {
    const memory = yield* makeInMemorySource()
    let installed = false
    let calls = 0
    const inner: ListWatchSource = {
      list: (options) =>
        Effect.suspend(() => {
          calls += 1
          return installed ? memory.source.list(options) : Effect.fail(notFound("list"))
        }),
      watch: (options) =>
        Stream.unwrap(Effect.sync(() => installed ? memory.source.watch(options) : Stream.fail(notFound("watch"))))
    }
    const reflector = yield* makeReflector({
      kind: "HostRule",
      schema: HostRule,
      source: optionalListWatchSource(inner, { kind: "HostRule" })
    })
    yield* Effect.forkScoped(reflector.run)
    yield* settle
    return {
      memory,
      reflector,
      calls: () => calls,
      setInstalled: (value: boolean) =>
        Effect.sync(() => {
          installed = value
        })
    }
  })

  const hostRule = (name: string) => ({
    apiVersion: "ako.vmware.com/v1beta1",
    kind: "HostRule",
    metadata: { name, namespace: "red" },
    spec: { virtualhost: { fqdn: `${name}.example.com`, unknownField: 1 } },
    status: { status: "Accepted", error: "" }
  })

  it.scoped("a 404 lists as empty and ready; it is looked for again every 60 s, without a busy loop", () =>
    Effect.gen(function*() {
      const { calls, reflector } = yield* setupOptional
      expect(yield* reflector.isReady).toBe(true)
      expect(yield* reflector.size).toBe(0)
      expect(calls()).toBe(1)
      yield* TestClock.adjust(59_000)
      yield* settle
      expect(calls()).toBe(1)
      yield* TestClock.adjust(1_000)
      yield* settle
      expect(calls()).toBe(2)
      yield* TestClock.adjust(60_000)
      yield* settle
      expect(calls()).toBe(3)
    }))

  it.scoped("a CRD installed later is listed at the next re-check and watched from then on; removed, it empties", () =>
    Effect.gen(function*() {
      const { memory, reflector, setInstalled } = yield* setupOptional
      yield* memory.upsert(hostRule("shop"))
      yield* setInstalled(true)
      yield* TestClock.adjust(60_000)
      yield* settle
      const shop = Option.getOrThrow(yield* reflector.get("red/shop"))
      expect(shop.spec?.virtualhost?.fqdn).toBe("shop.example.com")
      expect(shop.status).toEqual({ status: "Accepted", error: "" })
      expect("unknownField" in (shop.spec?.virtualhost ?? {})).toBe(false)
      // now a watch is open: a new rule arrives without waiting for a re-check
      yield* memory.upsert(hostRule("cart"))
      yield* settle
      expect(yield* reflector.size).toBe(2)
      // the CRD is deleted: the watch ends with 404, the relist answers 404, the store empties
      yield* setInstalled(false)
      yield* memory.cutWatches
      yield* settle
      expect(yield* reflector.size).toBe(0)
      expect(yield* reflector.isReady).toBe(true)
    }))
})

describe("reflector with a secondary index", () => {
  it.scoped("keeps a Service's EndpointSlices indexed through changes, relabelling, deletions and relists", () =>
    Effect.gen(function*() {
      const memory = yield* makeInMemorySource()
      const reflector = yield* makeReflector({
        kind: "EndpointSlice",
        source: memory.source,
        schema: EndpointSlice,
        indexBy: serviceKeyOfSlice
      })
      const namespaces = ["blue", "green"]
      const services = ["api", "web", "db"]
      let seed = 7
      const random = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        return seed % n
      }
      const slice = (namespace: string, name: string, service: string | undefined, address: string) => ({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name,
          namespace,
          ...(service === undefined ? {} : { labels: { "kubernetes.io/service-name": service } })
        },
        addressType: "IPv4",
        endpoints: [{ addresses: [address] }]
      })
      const step = (i: number) => {
        const namespace = namespaces[random(namespaces.length)]!
        const name = `slice-${random(9)}`
        if (random(5) === 0) return memory.remove(namespace, name)
        // every sixth slice carries no Service label, so it belongs to no Service's list
        const service = random(6) === 0 ? undefined : services[random(services.length)]
        return memory.upsert(slice(namespace, name, service, `10.0.0.${i % 250}`))
      }
      for (let i = 0; i < 20; i++) yield* step(i)
      yield* Effect.forkScoped(reflector.run)
      yield* settle
      for (let round = 0; round < 60; round++) {
        for (let i = 0; i < 1 + random(4); i++) yield* step(round * 10 + i)
        if (round % 15 === 14) yield* memory.expireWatches
        yield* settle
        const store = yield* reflector.snapshot
        // the same as the model finds in a plain copy of the objects, indexed from scratch
        const plain = makeSnapshot({ endpointSlices: [...store.values()] })
        const indexed = { ...plain, endpointSlices: store }
        for (const namespace of namespaces) {
          for (const service of services) {
            const names = (snapshot: typeof plain) =>
              slicesOfService(snapshot, namespace, service).map((s) => s.metadata?.name)
            expect(names(indexed)).toEqual(names(plain))
            expect(names(indexed)).toEqual(
              [...store.values()]
                .filter((s) =>
                  s.metadata?.namespace === namespace && s.metadata.labels?.["kubernetes.io/service-name"] === service
                )
                .map((s) => s.metadata?.name)
                .sort()
            )
            // the index holds the objects of the store, not older copies
            for (const found of slicesOfService(indexed, namespace, service)) {
              expect(store.get(`${namespace}/${found.metadata?.name}`)).toBe(found)
            }
          }
        }
      }
      expect((yield* memory.stats).lists).toBe(5)
    }))
})
