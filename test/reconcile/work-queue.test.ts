import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Ref, Scope, TestClock } from "effect"
import { makeWorkQueue } from "../../src/reconcile/work-queue.js"

const settle = Effect.repeatN(Effect.yieldNow(), 50)

describe("work queue", () => {
  it.scoped("queues a key once however often it is added, and once more if re-added while processing", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      yield* queue.addAll(["svc/a", "svc/a", "svc/b", "svc/a"])
      expect(yield* queue.size).toBe(2)
      const first = yield* queue.take
      expect(first).toBe("svc/a")
      yield* queue.add("svc/a")
      expect(yield* queue.take).toBe("svc/b")
      // svc/a is processing: the re-add must wait for done, so nothing is ready now.
      const blocked = yield* Effect.fork(queue.take)
      yield* settle
      expect(blocked.unsafePoll()).toBeNull()
      yield* queue.done("svc/a")
      expect(yield* Fiber.join(blocked)).toBe("svc/a")
    }))

  it.scoped("skips a key its caller found settled, unless a pass of it is running", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      const settled = (key: string) => key.startsWith("shown/")
      yield* queue.addAll(["shown/a", "stale/b"], { settled })
      expect(yield* queue.size).toBe(1)
      expect(yield* queue.take).toBe("stale/b")
      // A running pass may have started from older inputs than the check: the key runs once more afterwards.
      yield* queue.add("shown/c")
      expect(yield* queue.take).toBe("shown/c")
      yield* queue.addAll(["shown/c"], { settled })
      expect(yield* queue.size).toBe(1)
      yield* queue.done("shown/c")
      expect(yield* queue.take).toBe("shown/c")
    }))

  it.scoped("never gives one key to two workers at once", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      const running = yield* Ref.make(0)
      const maxRunning = yield* Ref.make(0)
      const runs = yield* Ref.make(0)
      const release = yield* Deferred.make<void>()
      yield* Effect.forkScoped(queue.run(4, () =>
        Effect.gen(function*() {
          const now = yield* Ref.updateAndGet(running, (n) => n + 1)
          yield* Ref.update(maxRunning, (max) => Math.max(max, now))
          yield* Ref.update(runs, (n) => n + 1)
          yield* Deferred.await(release)
          yield* Ref.update(running, (n) => n - 1)
        })))
      yield* queue.add("ing/x")
      yield* settle
      for (let i = 0; i < 5; i++) yield* queue.add("ing/x")
      yield* settle
      expect(yield* Ref.get(maxRunning)).toBe(1)
      yield* Deferred.succeed(release, undefined)
      yield* settle
      expect(yield* Ref.get(runs)).toBe(2)
      expect(yield* Ref.get(maxRunning)).toBe(1)
    }))

  it.scoped("backs off a failing key exponentially while other keys keep syncing", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>({ baseDelay: "1 second", maxDelay: "4 seconds" })
      const attempts = yield* Ref.make<Array<string>>([])
      yield* Effect.forkScoped(queue.run(2, (key) =>
        Effect.gen(function*() {
          const now = yield* TestClock.currentTimeMillis
          yield* Ref.update(attempts, (list) => [...list, `${key}@${now}`])
          if (key === "broken") return yield* Effect.fail("backend Service missing")
        })))
      yield* queue.addAll(["broken", "healthy"])
      yield* settle
      for (let second = 1; second <= 12; second++) {
        yield* TestClock.adjust("1 second")
        yield* settle
        if (second === 2) yield* queue.add("healthy")
      }
      const list = yield* Ref.get(attempts)
      // failures at 0, then after 1 s, 2 s, 4 s and the 4 s cap: 0, 1000, 3000, 7000, 11000
      expect(list.filter((entry) => entry.startsWith("broken"))).toEqual([
        "broken@0",
        "broken@1000",
        "broken@3000",
        "broken@7000",
        "broken@11000"
      ])
      expect(list.filter((entry) => entry.startsWith("healthy"))).toEqual(["healthy@0", "healthy@2000"])
      expect(yield* queue.failureCount("broken")).toBe(5)
    }))

  it.scoped("resets a key's backoff after a success", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>({ baseDelay: "1 second", maxDelay: "1 minute" })
      const outcomes = ["fail", "fail", "ok"]
      yield* Effect.forkScoped(queue.run(1, () => {
        const next = outcomes.shift()
        return next === "fail" ? Effect.fail("Avi 503") : Effect.void
      }))
      yield* queue.add("k")
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* settle
      yield* TestClock.adjust("2 seconds")
      yield* settle
      expect(outcomes).toEqual([])
      expect(yield* queue.failureCount("k")).toBe(0)
    }))

  it.scoped("keeps a defect in one key from stopping the workers", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      const done = yield* Ref.make<Array<string>>([])
      yield* Effect.forkScoped(queue.run(1, (key) =>
        key === "bug" ? Effect.die(new Error("unexpected shape")) : Ref.update(done, (list) => [...list, key])))
      yield* queue.addAll(["bug", "a", "b"])
      yield* settle
      expect(yield* Ref.get(done)).toEqual(["a", "b"])
    }))

  it.scoped("collapses delayed re-adds to the earliest due time and honours requeueAfter", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      const seen = yield* Ref.make<Array<number>>([])
      yield* Effect.forkScoped(queue.run(1, (key) =>
        Effect.gen(function*() {
          const now = yield* TestClock.currentTimeMillis
          yield* Ref.update(seen, (list) => [...list, now])
          return key === "periodic" ? { requeueAfter: "30 seconds" } : undefined
        })))
      yield* queue.addAfter("late", "10 seconds")
      yield* queue.addAfter("late", "2 seconds")
      yield* queue.addAfter("late", "5 seconds")
      yield* TestClock.adjust("2 seconds")
      yield* settle
      expect(yield* Ref.get(seen)).toEqual([2000])
      yield* TestClock.adjust("10 seconds")
      yield* settle
      expect(yield* Ref.get(seen)).toEqual([2000])
      yield* queue.add("periodic")
      yield* settle
      yield* TestClock.adjust("30 seconds")
      yield* settle
      expect(yield* Ref.get(seen)).toEqual([2000, 12000, 42000])
    }))

  it.scoped("hands a key to another worker when the one woken for it is interrupted first", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      const first = yield* Effect.fork(queue.take)
      yield* settle
      const second = yield* Effect.fork(queue.take)
      yield* settle
      // In one step, before either fiber runs: the interruption reaches the first taker, then the key wakes it.
      yield* Fiber.interruptFork(first)
      yield* queue.add("svc/a")
      yield* settle
      expect(Exit.isInterrupted(yield* Fiber.await(first))).toBe(true)
      expect(second.unsafePoll()).toEqual(Exit.succeed("svc/a"))
    }))

  it.scoped("interrupts workers still waiting when the queue's scope closes, and hands out nothing afterwards", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const queue = yield* makeWorkQueue<string>().pipe(Scope.extend(scope))
      const waiting = yield* Effect.forkDaemon(queue.take)
      yield* settle
      yield* Scope.close(scope, Exit.void)
      yield* settle
      expect(Exit.isInterrupted(yield* Fiber.await(waiting))).toBe(true)
      // nor does a closed queue hand out what is still queued
      const other = yield* Scope.make()
      const queued = yield* makeWorkQueue<string>().pipe(Scope.extend(other))
      yield* queued.add("svc/a")
      yield* Scope.close(other, Exit.void)
      expect(Exit.isInterrupted(yield* Effect.exit(queued.take))).toBe(true)
    }))

  it.scoped("under churn from four workers, runs every key after its last add and never one key twice at once", () =>
    Effect.gen(function*() {
      const queue = yield* makeWorkQueue<string>()
      let seed = 7
      const nextRandom = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
      const running = new Set<string>()
      const overlaps: Array<string> = []
      // the step each key was last added at, and the step each of its runs started at
      let step = 0
      const lastAdded = new Map<string, number>()
      const lastStarted = new Map<string, number>()
      yield* Effect.forkScoped(queue.run(4, (key) =>
        Effect.gen(function*() {
          if (running.has(key)) overlaps.push(key)
          running.add(key)
          lastStarted.set(key, step)
          yield* Effect.repeatN(Effect.yieldNow(), Math.floor(nextRandom() * 5))
          running.delete(key)
        })))
      const keys = Array.from({ length: 12 }, (_, i) => `svc/${i}`)
      for (let round = 0; round < 200; round++) {
        step++
        const batch = keys.filter(() => nextRandom() < 0.3)
        for (const key of batch) lastAdded.set(key, step)
        yield* queue.addAll(batch)
        yield* Effect.repeatN(Effect.yieldNow(), Math.floor(nextRandom() * 3))
      }
      yield* settle
      expect(overlaps).toEqual([])
      expect(yield* queue.size).toBe(0)
      for (const [key, added] of lastAdded) expect(lastStarted.get(key) ?? -1).toBeGreaterThanOrEqual(added)
    }))
})
