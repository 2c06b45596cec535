import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Exit, Fiber, Metric, Option, Ref, TestClock } from "effect"
import {
  electionMetrics,
  formatMicroTime,
  holderVersion,
  makeElectionConfig,
  makeInMemoryLease,
  runWhileLeader,
  VERSION_ANNOTATION
} from "../../src/election/index.js"
import type { InMemoryLease } from "../../src/election/index.js"
import { advance, isLeader, roleOf, settle, startReplica } from "./support.js"

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

/** Another holder that renews every two seconds, as a healthy client-go leader would. */
const otherHolderRenewing = (lease: InMemoryLease, holder: string) =>
  Effect.gen(function*() {
    const stamp = formatMicroTime(yield* TestClock.currentTimeMillis)
    yield* lease.put(Option.some({
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: 3,
      annotations: {}
    }))
    yield* TestClock.sleep("2 seconds")
  }).pipe(Effect.forever)

const currentLease = (lease: InMemoryLease) => Effect.map(lease.current, Option.getOrThrow)

/** The failure a fiber ended with, as text; false when it succeeded. */
const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) && String(Exit.causeOption(exit).pipe(Option.getOrUndefined))

describe("election config", () => {
  it("fills client-go's defaults and rejects unsafe timings", () => {
    const ok = Either.getOrThrow(makeElectionConfig({ namespace: "avi-system", identity: "ako-0", version: "1" }))
    expect(ok.leaseName).toBe("ako-lease-lock")
    expect([ok.leaseDuration, ok.renewDeadline, ok.retryPeriod].map(Duration.toMillis)).toEqual([
      15000,
      10000,
      2000
    ])
    const bad = makeElectionConfig({
      namespace: "avi-system",
      identity: "ako-0",
      version: "1",
      renewDeadline: "20 seconds"
    })
    expect(Either.isLeft(bad)).toBe(true)
    expect(Either.isLeft(makeElectionConfig({ namespace: "", identity: "ako-0", version: "1" }))).toBe(true)
  })
})

describe("elector (in-memory Lease, TestClock)", () => {
  it.scoped("acquires an empty lease and writes it the way client-go does", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const role = yield* roleOf(a)
      expect(role).toMatchObject({ _tag: "Leader", term: 1, leaseTransitions: 0 })
      const record = yield* currentLease(lease)
      expect(record.holderIdentity).toBe("ako-0")
      expect(record.leaseDurationSeconds).toBe(15)
      expect(record.leaseTransitions).toBe(0)
      expect(record.acquireTime).toMatch(MICRO_TIME)
      expect(record.renewTime).toMatch(MICRO_TIME)
      expect(holderVersion(record)).toBe("1.0.0")
      expect(record.annotations[VERSION_ANNOTATION]).toBe("1.0.0")
      // renewals keep the acquire time and move the renew time
      yield* advance(4100)
      const renewed = yield* currentLease(lease)
      expect(renewed.acquireTime).toBe(record.acquireTime)
      expect(renewed.renewTime).not.toBe(record.renewTime)
      expect(Number(renewed.resourceVersion)).toBeGreaterThan(Number(record.resourceVersion))
      expect(yield* isLeader(a)).toBe(true)
      expect((yield* a.events).map((e) => [e.reason, e.type, e.involvedObject.kind, e.message])).toEqual([
        ["LeaderElection", "Normal", "Lease", "ako-0 became leader"]
      ])
    }))

  it.scoped("does not acquire while another holder keeps renewing", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      yield* Effect.forkScoped(otherHolderRenewing(lease, "go-elector"))
      yield* settle
      const b = yield* startReplica(lease, "ako-1")
      yield* advance(60_000, 250)
      expect(yield* isLeader(b)).toBe(false)
      const history = yield* lease.history
      expect(history.every((r) => r.holderIdentity === "go-elector")).toBe(true)
    }))

  it.scoped("takes an expired lease only a full leaseDuration after first observing it", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      yield* TestClock.setTime(1_000_000)
      // renewTime says "long expired", but expiry is judged on the candidate's own clock from first sight
      yield* lease.put(Option.some({
        holderIdentity: "ako-0",
        leaseDurationSeconds: 15,
        acquireTime: formatMicroTime(0),
        renewTime: formatMicroTime(0),
        leaseTransitions: 7,
        annotations: {}
      }))
      const b = yield* startReplica(lease, "ako-1")
      const observedAt = yield* TestClock.currentTimeMillis
      yield* advance(14_900, 100)
      expect(yield* isLeader(b)).toBe(false)
      yield* advance(15_000, 100)
      const role = yield* roleOf(b)
      expect(role._tag).toBe("Leader")
      const [gained] = (yield* b.timeline.entries).filter((e) => e.role._tag === "Leader")
      expect(gained!.at - observedAt).toBeGreaterThanOrEqual(15_000)
      const record = yield* currentLease(lease)
      expect(record.holderIdentity).toBe("ako-1")
      expect(record.leaseTransitions).toBe(8)
    }))

  it.scoped("demotes at the renew deadline when renewals fail, before the lease expires for others", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const b = yield* startReplica(lease, "ako-1")
      expect(yield* isLeader(a)).toBe(true)
      yield* advance(2100) // one successful renew at t=2 s
      const lastRenewAt = 2000
      yield* a.client.setFaults({ blackhole: true })
      yield* advance(lastRenewAt + 9_900 - 2100)
      expect(yield* isLeader(a)).toBe(true)
      yield* advance(30_000, 100)
      const aLost = (yield* a.timeline.entries).find((e) => e.role._tag === "Candidate" && e.at > 0)!
      const bGained = (yield* b.timeline.entries).find((e) => e.role._tag === "Leader")!
      expect(aLost.at).toBeGreaterThanOrEqual(lastRenewAt + 10_000)
      expect(aLost.at).toBeLessThanOrEqual(lastRenewAt + 10_100)
      expect(bGained.at).toBeGreaterThanOrEqual(lastRenewAt + 15_000)
      expect(aLost.at).toBeLessThan(bGained.at)
    }))

  it.scoped("releases the lease when interrupted, and a watching candidate takes it at once", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const b = yield* startReplica(lease, "ako-1")
      yield* advance(5000)
      const before = yield* currentLease(lease)
      expect(before.holderIdentity).toBe("ako-0")
      const releasedAt = yield* TestClock.currentTimeMillis
      yield* Fiber.interrupt(a.elector)
      yield* settle
      expect((yield* roleOf(a))._tag).toBe("Candidate")
      const history = yield* lease.history
      const release = history.find((r) => r.holderIdentity === "")!
      expect(release.leaseDurationSeconds).toBe(1)
      expect(release.leaseTransitions).toBe(before.leaseTransitions)
      // no clock movement: the watch event alone made ako-1 try
      expect(yield* isLeader(b)).toBe(true)
      const gained = (yield* b.timeline.entries).find((e) => e.role._tag === "Leader")!
      expect(gained.at).toBe(releasedAt)
      expect((yield* currentLease(lease)).leaseTransitions).toBe(before.leaseTransitions + 1)
    }))

  it.scoped("steps down at once when the watch shows the Lease overwritten by another holder", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      yield* advance(3000)
      const stamp = formatMicroTime(yield* TestClock.currentTimeMillis)
      yield* lease.put(Option.some({
        holderIdentity: "intruder",
        leaseDurationSeconds: 15,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: 1,
        annotations: {}
      }))
      yield* settle
      expect(yield* isLeader(a)).toBe(false)
      expect(yield* a.guard.admit(Effect.void).pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
    }))

  it.scoped("a restarted replica with the same identity resumes its own lease without a transition", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const first = yield* startReplica(lease, "ako-0")
      const acquired = yield* currentLease(lease)
      // the process dies without releasing (the elector fiber is never interrupted, its client goes silent)
      yield* first.client.setFaults({ blackhole: true })
      const second = yield* startReplica(lease, "ako-0")
      expect(yield* isLeader(second)).toBe(true)
      const record = yield* currentLease(lease)
      expect(record.leaseTransitions).toBe(acquired.leaseTransitions)
      expect(record.acquireTime).toBe(acquired.acquireTime)
    }))
})

describe("WriteGuard", () => {
  it.scoped("admits writes only before lastSuccessfulRenew + renewDeadline in the current term", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const b = yield* startReplica(lease, "ako-1")
      expect(yield* b.guard.admit(Effect.succeed(1)).pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
      expect(yield* a.guard.admit(Effect.succeed(1))).toBe(1)
      yield* a.client.setFaults({ failing: true })
      yield* advance(9_900)
      expect(yield* a.guard.admit(Effect.succeed(2))).toBe(2)
      yield* advance(100)
      const refused = yield* a.guard.admit(Effect.succeed(3)).pipe(Effect.flip)
      expect(refused._tag).toBe("NotLeader")
      expect(yield* a.guard.check.pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
      const refusedCount = yield* Metric.value(electionMetrics("ako-0").writesRefused)
      expect(refusedCount.count).toBeGreaterThanOrEqual(2)
    }))

  it.scoped("cuts off a write still running at the deadline and interrupts it", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      yield* a.client.setFaults({ blackhole: true })
      const interrupted = yield* Ref.make(false)
      const slowWrite = Effect.never.pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
      const write = yield* Effect.fork(a.guard.admit(slowWrite))
      yield* advance(9_000)
      expect(yield* Ref.get(interrupted)).toBe(false)
      yield* advance(1_100)
      const exit = yield* Fiber.await(write)
      expect(Exit.isFailure(exit) && Exit.causeOption(exit).pipe(Option.map(String), Option.getOrElse(() => "")))
        .toMatch(
          /NotLeader/
        )
      expect(yield* Ref.get(interrupted)).toBe(true)
    }))

  it.scoped("interrupting a writer interrupts its write, and a write's own failure comes back as it was", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const interrupted = yield* Ref.make(false)
      // Its clean-up takes a while (a request being aborted): the writer's interruption waits for it.
      const slowWrite = Effect.never.pipe(
        Effect.onInterrupt(() => Effect.zipRight(Effect.repeatN(Effect.yieldNow(), 50), Ref.set(interrupted, true)))
      )
      const writer = yield* Effect.fork(a.guard.admit(slowWrite))
      yield* advance(1_000)
      yield* Fiber.interrupt(writer)
      expect(yield* Ref.get(interrupted)).toBe(true)
      expect(yield* a.guard.admit(Effect.fail("refused by Avi" as const)).pipe(Effect.flip)).toBe("refused by Avi")
      expect(yield* isLeader(a)).toBe(true)
    }))

  it.scoped("writes admitted inside an admitted write run in it, and are cut with it at the deadline", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const seen = yield* Ref.make<ReadonlyArray<string>>([])
      const note = (entry: string) => Ref.update(seen, (entries) => [...entries, entry])
      const cut = yield* Ref.make(false)
      // A unit's writes, admitted as one: the first answers, the second hangs until the term ends.
      const unit = a.guard.admit(Effect.gen(function*() {
        yield* note(`first ${yield* a.guard.admit(Effect.succeed(1))}`)
        yield* a.guard.admit(Effect.never.pipe(Effect.onInterrupt(() => Ref.set(cut, true))))
      }))
      yield* a.client.setFaults({ blackhole: true })
      const running = yield* Effect.fork(unit)
      yield* advance(9_000)
      expect(yield* Ref.get(seen)).toEqual(["first 1"])
      expect(yield* Ref.get(cut)).toBe(false)
      yield* advance(1_100)
      const exit = yield* Fiber.await(running)
      expect(failureOf(exit)).toMatch(/NotLeader/)
      expect(yield* Ref.get(cut)).toBe(true)
      // once the term is over, a write is refused before it runs
      expect(yield* a.guard.admit(note("late")).pipe(Effect.flip)).toMatchObject({ _tag: "NotLeader" })
      expect(yield* Ref.get(seen)).toEqual(["first 1"])
    }))

  it.scoped("a fiber forked off an admitted write, writing after that write ended, is fenced on its own", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const cut = yield* Ref.make(false)
      const late = a.guard.admit(Effect.never.pipe(Effect.onInterrupt(() => Ref.set(cut, true))))
      // The daemon is no child of the write's fiber: interrupting that fiber would not reach it.
      const daemon = yield* a.guard.admit(Effect.forkDaemon(Effect.zipRight(Effect.sleep("1 second"), late)))
      yield* a.client.setFaults({ blackhole: true })
      yield* advance(10_100)
      expect(yield* Ref.get(cut)).toBe(true)
      const exit = yield* Fiber.await(daemon)
      expect(failureOf(exit)).toMatch(/NotLeader/)
    }))

  it.scoped("a write another replica's guard admits inside this one's write is fenced by that replica's term", () =>
    Effect.gen(function*() {
      // Two leaders of two Leases in one process: b's term ends while a's goes on.
      const a = yield* startReplica(yield* makeInMemoryLease, "ako-0")
      const b = yield* startReplica(yield* makeInMemoryLease, "ako-1")
      const cut = yield* Ref.make(false)
      const unit = a.guard.admit(b.guard.admit(Effect.never.pipe(Effect.onInterrupt(() => Ref.set(cut, true)))))
      yield* b.client.setFaults({ blackhole: true })
      const running = yield* Effect.fork(unit)
      yield* advance(10_100)
      expect(yield* Ref.get(cut)).toBe(true)
      const exit = yield* Fiber.await(running)
      expect(failureOf(exit)).toMatch(/NotLeader/)
      expect(yield* isLeader(a)).toBe(true)
      expect(yield* isLeader(b)).toBe(false)
    }))

  it.scoped("every write in flight is cut at its term's deadline, and the next term's writes run to the end", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      yield* a.client.setFaults({ blackhole: true })
      const cut = yield* Ref.make(0)
      const slowWrite = Effect.never.pipe(Effect.onInterrupt(() => Ref.update(cut, (n) => n + 1)))
      const writes = yield* Effect.forEach([1, 2, 3], () => Effect.fork(a.guard.admit(slowWrite)))
      yield* advance(10_100)
      for (const write of writes) {
        expect(yield* Fiber.await(write).pipe(Effect.map(Exit.isFailure))).toBe(true)
      }
      expect(yield* Ref.get(cut)).toBe(3)
      expect(yield* isLeader(a)).toBe(false)
      yield* a.client.setFaults({ blackhole: false })
      yield* advance(5_000, 100)
      expect(yield* isLeader(a)).toBe(true)
      // longer than the first term's fence lived: a fence of the term before must not cut it
      const written = yield* Effect.fork(a.guard.admit(Effect.as(Effect.sleep("3 seconds"), "written")))
      yield* advance(3_100)
      expect(yield* Fiber.join(written)).toBe("written")
      yield* a.client.setFaults({ blackhole: true })
      const late = yield* Effect.fork(a.guard.admit(slowWrite))
      yield* advance(10_100)
      expect(yield* Fiber.await(late).pipe(Effect.map(Exit.isFailure))).toBe(true)
      expect(yield* Ref.get(cut)).toBe(4)
    }))
})

describe("runWhileLeader", () => {
  it.scoped("starts the active fiber once per term and interrupts it when leadership is lost", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const starts = yield* Ref.make<ReadonlyArray<number>>([])
      const stops = yield* Ref.make(0)
      const active = Effect.gen(function*() {
        const role = yield* a.leadership.role.get
        yield* Ref.update(starts, (s) => [...s, role._tag === "Leader" ? role.term : -1])
        return yield* Effect.never
      }).pipe(Effect.onInterrupt(() => Ref.update(stops, (n) => n + 1)))
      const runner = yield* runWhileLeader(active).pipe(Effect.provide(a.context), Effect.forkScoped)
      yield* settle
      yield* advance(30_000, 250) // many renewals: still one start
      expect(yield* Ref.get(starts)).toEqual([1])
      yield* a.client.setFaults({ failing: true })
      yield* advance(12_000, 100)
      expect(yield* Ref.get(stops)).toBe(1)
      expect(yield* isLeader(a)).toBe(false)
      yield* a.client.setFaults({ failing: false })
      yield* advance(6_000, 100)
      expect(yield* Ref.get(starts)).toEqual([1, 2])
      expect(yield* Ref.get(stops)).toBe(1)
      expect(runner.unsafePoll()).toBeNull()
    }))

  it.scoped("surfaces a failure of the active fiber to its caller", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      const a = yield* startReplica(lease, "ako-0")
      const exit = yield* runWhileLeader(Effect.fail("reconciler broke" as const)).pipe(
        Effect.provide(a.context),
        Effect.exit
      )
      expect(exit).toStrictEqual(Exit.fail("reconciler broke"))
    }))
})

describe("version skew", () => {
  it.scoped("an Events API that never answers does not hold up the election", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      yield* TestClock.setTime(1_000_000)
      yield* lease.put(Option.some({
        holderIdentity: "old-version",
        leaseDurationSeconds: 15,
        acquireTime: formatMicroTime(0),
        renewTime: formatMicroTime(0),
        leaseTransitions: 0,
        annotations: {}
      }))
      const b = yield* startReplica(lease, "ako-1", {}, { eventsHang: true })
      yield* advance(20_000, 100)
      expect(yield* isLeader(b)).toBe(true)
      yield* advance(10_000, 250)
      expect(yield* isLeader(b)).toBe(true)
    }))

  it.scoped("a candidate that sees a leader of another version warns, records an Event once and sets the metric", () =>
    Effect.gen(function*() {
      const lease = yield* makeInMemoryLease
      yield* startReplica(lease, "ako-0", { version: "1.0.0" })
      const b = yield* startReplica(lease, "ako-1", { version: "2.0.0" })
      yield* advance(10_000, 250)
      const events = yield* b.events
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({
        type: "Warning",
        reason: "VersionSkew",
        involvedObject: { kind: "Lease", name: "ako-lease-lock", namespace: "avi-system" }
      })
      expect(events[0]!.message).toContain("1.0.0")
      const skew = yield* Metric.value(electionMetrics("ako-1").versionSkew)
      expect(skew.value).toBe(1)
      const same = yield* startReplica(lease, "ako-2", { version: "1.0.0" })
      yield* advance(4_000, 250)
      expect(yield* same.events).toHaveLength(0)
      expect((yield* Metric.value(electionMetrics("ako-2").versionSkew)).value).toBe(0)
    }))
})
