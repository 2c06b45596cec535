import { describe, expect, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import { makeInMemoryLease } from "../../src/election/index.js"
import { advance, startReplica } from "./support.js"

describe("contention under random faults (in-memory Lease, TestClock)", () => {
  it.scoped(
    "never lets two replicas admit writes at the same instant, and someone leads again after faults clear",
    () =>
      Effect.gen(function*() {
        const lease = yield* makeInMemoryLease
        const replicas = [
          yield* startReplica(lease, "ako-0"),
          yield* startReplica(lease, "ako-1"),
          yield* startReplica(lease, "ako-2")
        ]
        const random = Random.make("contention")
        let steps = 0
        let stepsWithWriter = 0
        for (let step = 0; step < 360; step++) {
          if (step % 8 === 0) {
            for (const replica of replicas) {
              const roll = yield* random.next
              yield* replica.client.setFaults({ blackhole: roll < 0.25, failing: roll >= 0.25 && roll < 0.4 })
            }
          }
          yield* advance(250, 250)
          const writers = yield* Effect.forEach(replicas, (r) => Effect.isSuccess(r.guard.check))
          const count = writers.filter((w) => w).length
          expect(count).toBeLessThanOrEqual(1)
          steps++
          if (count === 1) stepsWithWriter++
        }
        for (const replica of replicas) yield* replica.client.setFaults({ blackhole: false, failing: false })
        yield* advance(20_000, 250)
        const leaders = yield* Effect.forEach(replicas, (r) => Effect.isSuccess(r.guard.check))
        expect(leaders.filter((w) => w)).toHaveLength(1)
        // the faults did not simply keep everyone out
        expect(stepsWithWriter).toBeGreaterThan(steps / 4)
        const history = yield* lease.history
        expect(new Set(history.map((r) => r.holderIdentity)).size).toBeGreaterThan(1)
      }),
    120_000
  )
})
