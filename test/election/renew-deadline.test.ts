/**
 * Issue 13 item 12: a renew sent before the renew deadline whose answer arrives at or after it must not extend the
 * term. Once `monotonicNow >= lastSuccessfulRenew + renewDeadline` the term ends (active fiber interrupted, role
 * Candidate), whatever the late answer says; the replica may then win a new term.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Option, Ref } from "effect"
import { makeInMemoryLease, NotLeader, runWhileLeader } from "../../src/election/index.js"
import type { Replica } from "./support.js"
import { advance, roleOf, settle, startReplica } from "./support.js"

interface Activity {
  /** Writes the guard admitted: the term they ran in and when. */
  readonly admitted: ReadonlyArray<{ readonly term: number; readonly at: number }>
  readonly started: ReadonlyArray<{ readonly term: number; readonly at: number }>
  readonly interrupted: ReadonlyArray<{ readonly term: number; readonly at: number }>
  readonly parked: ReadonlyArray<{ readonly term: number; readonly at: number }>
}

/**
 * An active program shaped like the controller's: it writes through the guard every 100 ms and, when the guard
 * refuses, parks until the runner interrupts it (the refusal means the term is ending).
 */
const runActive = (replica: Replica) =>
  Effect.gen(function*() {
    const activity = yield* Ref.make<Activity>({ admitted: [], started: [], interrupted: [], parked: [] })
    const note = (key: keyof Activity, term: number) =>
      Effect.flatMap(
        Clock.currentTimeMillis,
        (at) => Ref.update(activity, (a) => ({ ...a, [key]: [...a[key], { term, at }] }))
      )
    const active = Effect.gen(function*() {
      const role = yield* replica.leadership.role.get
      const term = role._tag === "Leader" ? role.term : -1
      yield* note("started", term)
      const writeLoop = replica.guard.admit(note("admitted", term)).pipe(
        Effect.zipRight(Effect.sleep("100 millis")),
        Effect.forever
      )
      return yield* writeLoop.pipe(
        Effect.catchIf(
          (error): error is NotLeader => error instanceof NotLeader,
          () => note("parked", term).pipe(Effect.zipRight(Effect.never))
        ),
        Effect.onInterrupt(() => note("interrupted", term))
      )
    })
    yield* runWhileLeader(active).pipe(Effect.provide(replica.context), Effect.forkScoped)
    yield* settle
    return Ref.get(activity)
  })

describe("renew deadline (in-memory Lease, TestClock)", () => {
  it.scoped("a renew answered exactly at the deadline ends the term: active fiber interrupted, no write admitted", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const activity = yield* runActive(a)
      expect(yield* roleOf(a)).toMatchObject({ _tag: "Leader", term: 1 })
      // acquired at t=0; renews at 2, 4 and 6 s fail, so the deadline stays at 0 + 10 s
      yield* a.client.setFaults({ failing: true })
      yield* advance(7_000)
      // the renew sent at 8 s succeeds on the server, but its answer comes back at 10 s: the deadline
      yield* a.client.setFaults({ failing: false, latency: "2 seconds" })
      yield* advance(2_950)
      expect(yield* roleOf(a)).toMatchObject({ _tag: "Leader", term: 1 })
      expect(yield* a.guard.check.pipe(Effect.either)).toMatchObject({ _tag: "Right" })
      yield* advance(50)
      expect(yield* Clock.currentTimeMillis).toBe(10_000)

      // the server did store that renew...
      const history = yield* lease.history
      expect(history.filter((r) => r.holderIdentity === "ako-0").length).toBeGreaterThanOrEqual(2)
      // ...yet the term ended at the deadline
      expect((yield* roleOf(a))._tag).toBe("Candidate")
      const lost = (yield* a.timeline.entries).find((e) => e.role._tag === "Candidate" && e.at > 0)
      expect(lost?.at).toBe(10_000)
      expect(yield* a.guard.check.pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
      const now = yield* activity
      expect(now.interrupted).toEqual([{ term: 1, at: 10_000 }])
      expect(now.admitted.filter((w) => w.term === 1 && w.at >= 10_000)).toEqual([])
      expect(now.admitted.filter((w) => w.term === 1).length).toBeGreaterThan(90)

      // the late answer did not revive term 1; the replica wins a new term (it still holds the Lease)
      yield* a.client.setFaults({ latency: undefined })
      yield* advance(6_000)
      expect(yield* roleOf(a)).toMatchObject({ _tag: "Leader", term: 2 })
      const later = yield* activity
      expect(later.started.map((s) => s.term)).toEqual([1, 2])
      const term2 = later.started[1]!.at
      expect(later.admitted.filter((w) => w.at >= 10_000 && w.at < term2)).toEqual([])
      expect(later.admitted.some((w) => w.term === 2)).toBe(true)
    }))

  it.scoped("a renew answered after the deadline neither extends nor revives the term", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const activity = yield* runActive(a)
      yield* a.client.setFaults({ failing: true })
      yield* advance(7_000)
      // sent at 8 s, answered at 10.5 s
      yield* a.client.setFaults({ failing: false, latency: "2500 millis" })
      yield* advance(3_000)
      expect((yield* roleOf(a))._tag).toBe("Candidate")
      const lost = (yield* a.timeline.entries).find((e) => e.role._tag === "Candidate" && e.at > 0)
      expect(lost?.at).toBe(10_000)
      yield* advance(600)
      // still no term: the answer at 10.5 s changed nothing
      expect(Option.some((yield* roleOf(a))._tag)).toEqual(Option.some("Candidate"))
      expect(yield* a.guard.check.pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
      const now = yield* activity
      expect(now.interrupted.map((i) => i.term)).toEqual([1])
      expect(now.admitted.filter((w) => w.at >= 10_000)).toEqual([])
    }))
})

describe("runWhileLeader and the write guard", () => {
  it.scoped("a write refused at the end of a term does not fail the runner; the next term starts the work again", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const starts = yield* Ref.make(0)
      // no NotLeader handling of its own: the refusal escapes the active fiber
      const active = Ref.update(starts, (n) => n + 1).pipe(
        Effect.zipRight(a.guard.admit(Effect.void).pipe(Effect.zipRight(Effect.sleep("100 millis")), Effect.forever))
      )
      const runner = yield* runWhileLeader(active).pipe(Effect.provide(a.context), Effect.forkScoped)
      yield* settle
      yield* a.client.setFaults({ failing: true })
      yield* advance(10_500)
      expect((yield* roleOf(a))._tag).toBe("Candidate")
      expect(runner.unsafePoll()).toBeNull()
      yield* a.client.setFaults({ failing: false })
      yield* advance(6_000)
      expect(yield* roleOf(a)).toMatchObject({ _tag: "Leader", term: 2 })
      expect(yield* Ref.get(starts)).toBe(2)
      expect(runner.unsafePoll()).toBeNull()
    }))
})
