import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import { makePermits } from "../../src/avi/permits.js"

const until = (condition: () => boolean) =>
  Effect.gen(function*() {
    while (!condition()) yield* Effect.yieldNow()
  })

describe("Avi request permits", () => {
  it.effect("serve waiters in the order they came, one release each", () =>
    Effect.gen(function*() {
      const permits = makePermits(1)
      const order: Array<number> = []
      const gate = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(permits.withPermit(Deferred.await(gate)))
      yield* until(() => permits.free() === 0)
      const waiters: Array<Fiber.RuntimeFiber<void>> = []
      for (const id of [1, 2, 3, 4, 5]) {
        waiters.push(yield* Effect.fork(permits.withPermit(Effect.sync(() => void order.push(id)))))
        yield* until(() => permits.waiting() === id)
      }
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(holder)
      yield* Fiber.joinAll(waiters)
      expect(order).toEqual([1, 2, 3, 4, 5])
      expect(permits.free()).toBe(1)
    }))

  it.effect("a waiter interrupted before its turn leaves the line and takes nothing", () =>
    Effect.gen(function*() {
      const permits = makePermits(1)
      const gate = yield* Deferred.make<void>()
      const holder = yield* Effect.fork(permits.withPermit(Deferred.await(gate)))
      yield* until(() => permits.free() === 0)
      const quitter = yield* Effect.fork(permits.withPermit(Effect.void))
      yield* until(() => permits.waiting() === 1)
      const next = yield* Effect.fork(permits.withPermit(Effect.succeed("ran")))
      yield* until(() => permits.waiting() === 2)
      yield* Fiber.interrupt(quitter)
      expect(permits.waiting()).toBe(1)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(holder)
      expect(yield* Fiber.join(next)).toBe("ran")
      expect(permits.free()).toBe(1)
    }))

  it.live("a permit handed to a waiter in the instant it is interrupted goes on to the next one", () =>
    Effect.gen(function*() {
      const permits = makePermits(1)
      const victim = yield* Deferred.make<Fiber.RuntimeFiber<void>>()
      const gate = yield* Deferred.make<void>()
      // The holder interrupts the first waiter and releases in one synchronous step: the waiter's interruption is
      // queued before the hand-over's wake-up, so the waiter never runs with the permit.
      const holder = yield* Effect.fork(permits.withPermit(
        Effect.flatMap(
          Deferred.await(gate),
          () =>
            Effect.flatMap(
              Deferred.await(victim),
              (fiber) => Effect.sync(() => fiber.unsafeInterruptAsFork(FiberId.none))
            )
        )
      ))
      yield* until(() => permits.free() === 0)
      const first = yield* Effect.fork(permits.withPermit(Effect.void))
      yield* until(() => permits.waiting() === 1)
      yield* Deferred.succeed(victim, first)
      const second = yield* Effect.fork(permits.withPermit(Effect.succeed("second ran")))
      yield* until(() => permits.waiting() === 2)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(holder)
      const firstExit = yield* Fiber.await(first)
      expect(firstExit._tag).toBe("Failure")
      // without the hand-on the second waiter would wait for ever
      const secondResult = yield* Effect.option(Effect.timeout(Fiber.join(second), "2 seconds"))
      expect(Option.getOrUndefined(secondResult)).toBe("second ran")
      expect(permits.free()).toBe(1)
    }))

  it.live("never more holders than permits, and every permit back, whatever is interrupted when", () =>
    Effect.gen(function*() {
      const permits = makePermits(3)
      let holding = 0
      let most = 0
      const task = (millis: number) =>
        permits.withPermit(
          Effect.gen(function*() {
            holding++
            most = Math.max(most, holding)
            yield* Effect.sleep(millis)
            holding--
          }).pipe(Effect.onInterrupt(() => Effect.sync(() => void holding--)))
        )
      const fibers = yield* Effect.forEach(
        Array.from({ length: 60 }, (_, i) => i),
        (i) => Effect.fork(task(i % 4)),
        { concurrency: "unbounded" }
      )
      // every third task is interrupted, some while waiting, some while holding, some as they are handed a permit
      yield* Effect.forEach(
        fibers.filter((_, i) => i % 3 === 0),
        (fiber) => Effect.zipRight(Effect.sleep(1), Fiber.interrupt(fiber))
      )
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      expect(exits.filter((exit, i) => i % 3 !== 0 && exit._tag !== "Success")).toEqual([])
      expect(most).toBeLessThanOrEqual(3)
      expect(holding).toBe(0)
      expect(permits.free()).toBe(3)
      expect(permits.waiting()).toBe(0)
    }))
})
