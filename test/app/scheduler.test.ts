import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Scheduler from "effect/Scheduler"
import { setImmediate } from "node:timers"
import { ioFairScheduler, MICROTASK_ROUNDS } from "../../src/app/scheduler.js"

/**
 * How many rounds a fiber that never waits (a pass over every unit, a long translation) gets from the scheduler
 * before a callback of the event loop's I/O phases runs: the lease renew's response, a watch event. `Effect.forever`
 * yields after each iteration, so each iteration is one round; counted in rounds, not time, so the answer does not
 * depend on the machine.
 */
const roundsBeforeIo = (scheduler: Scheduler.Scheduler) =>
  Effect.gen(function*() {
    let rounds = 0
    const busy = yield* Effect.forever(Effect.sync(() => rounds++)).pipe(Effect.withScheduler(scheduler), Effect.fork)
    yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
    const seen = rounds
    yield* Fiber.interrupt(busy)
    return seen
  })

describe("the controller's scheduler", () => {
  it.live("lets I/O in after a few rounds of a busy fiber, where Effect's default scheduler gives it 2,048", () =>
    Effect.gen(function*() {
      const fair = yield* roundsBeforeIo(ioFairScheduler)
      const byDefault = yield* roundsBeforeIo(Scheduler.defaultScheduler)
      expect(fair).toBeLessThanOrEqual(MICROTASK_ROUNDS + 2)
      // At a millisecond of work per round (a unit's reconcile), that was two seconds without reading a socket.
      expect(byDefault).toBeGreaterThanOrEqual(2048)
    }))

  it.live("runs every fiber to its end, however often each yields", () =>
    Effect.gen(function*() {
      const yields = (times: number) =>
        Effect.gen(function*() {
          for (let i = 0; i < times; i++) yield* Effect.yieldNow()
          return times
        })
      const done = yield* Effect.all([yields(20_000), yields(10), yields(5_000)], { concurrency: "unbounded" }).pipe(
        Effect.withScheduler(ioFairScheduler)
      )
      expect(done).toEqual([20_000, 10, 5_000])
    }))
})
