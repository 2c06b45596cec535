/**
 * Leadership: the role the rest of the program follows, and the WriteGuard derived from it.
 *
 * Time is Effect's `Clock.currentTimeNanos`. The default Clock implements it with `process.hrtime.bigint()`
 * (monotonic; only its origin is taken from the wall clock once), and `TestClock` drives it in tests, so
 * deadlines here never jump with NTP or wall-clock changes.
 */
import { Clock, Context, Data, Duration, Effect, Metric, Ref, Stream, SubscriptionRef } from "effect"
import { NotLeader, WriteGuard } from "../k8s/write-guard.js"
import type { ElectionMetrics } from "./metrics.js"
import { sleepNanos } from "./sleep.js"

export type Role = Data.TaggedEnum<{
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the TaggedEnum idiom for a variant without fields
  Candidate: {}
  Leader: {
    /** Counts the times this replica gained the lease, from 1; a new term restarts the active fiber. */
    readonly term: number
    /** The Lease's `leaseTransitions` when this term began (a cluster-wide epoch). */
    readonly leaseTransitions: number
    /** Wall-clock epoch millis at which this term began (for display only). */
    readonly since: number
  }
}>
export const Role = Data.taggedEnum<Role>()

export interface LeadershipShape {
  /** The current role; `changes` replays the current value first. */
  readonly role: SubscriptionRef.SubscriptionRef<Role>
  /** Role changes without repeats, starting with the current role. */
  readonly changes: Stream.Stream<Role>
  /** True while a write started now would be admitted (leader, before the renew deadline). */
  readonly mayWrite: Effect.Effect<boolean>
}

export class Leadership extends Context.Tag("ako-ts/election/Leadership")<Leadership, LeadershipShape>() {}

/** Mutable election state shared by the elector (writer) and Leadership/WriteGuard (readers). */
export interface LeadershipState {
  readonly role: SubscriptionRef.SubscriptionRef<Role>
  /** Monotonic nanos at which the last successful acquire/renew request was sent. */
  readonly lastRenew: Ref.Ref<bigint>
  /** Writes admitted and not yet finished; release waits for zero. */
  readonly inFlight: SubscriptionRef.SubscriptionRef<number>
  readonly renewDeadlineNanos: bigint
}

export const makeLeadershipState = (renewDeadline: Duration.Duration): Effect.Effect<LeadershipState> =>
  Effect.all({
    role: SubscriptionRef.make<Role>(Role.Candidate()),
    lastRenew: Ref.make(0n),
    inFlight: SubscriptionRef.make(0)
  }).pipe(Effect.map((s) => ({ ...s, renewDeadlineNanos: Duration.unsafeToNanos(renewDeadline) })))

/** The term in which a write started now would be admitted, or a reason why none would be. */
const admissibleTerm = (state: LeadershipState): Effect.Effect<number, NotLeader> =>
  Effect.gen(function*() {
    const role = yield* SubscriptionRef.get(state.role)
    if (role._tag !== "Leader") return yield* new NotLeader({ reason: "this replica is not the leader" })
    const last = yield* Ref.get(state.lastRenew)
    const now = yield* Clock.currentTimeNanos
    if (now >= last + state.renewDeadlineNanos) {
      return yield* new NotLeader({ reason: "renew deadline passed without a successful renew" })
    }
    return role.term
  })

/** Completes (with NotLeader) once the term ends or its renew deadline passes. */
const fence = (state: LeadershipState, term: number): Effect.Effect<never, NotLeader> => {
  const deadline: Effect.Effect<never, NotLeader> = Effect.gen(function*() {
    const last = yield* Ref.get(state.lastRenew)
    const now = yield* Clock.currentTimeNanos
    const remaining = last + state.renewDeadlineNanos - now
    if (remaining <= 0n) return yield* new NotLeader({ reason: "renew deadline passed during the write" })
    yield* sleepNanos(remaining)
    return yield* deadline
  })
  const termEnded = state.role.changes.pipe(
    Stream.filter((role) => !(role._tag === "Leader" && role.term === term)),
    Stream.runHead,
    Effect.zipRight(Effect.fail(new NotLeader({ reason: "leadership lost during the write" })))
  )
  return Effect.raceFirst(deadline, termEnded)
}

export const makeLeadership = (state: LeadershipState): LeadershipShape => ({
  role: state.role,
  changes: state.role.changes.pipe(Stream.changes),
  mayWrite: Effect.match(admissibleTerm(state), { onFailure: () => false, onSuccess: () => true })
})

export const makeWriteGuard = (state: LeadershipState, metrics: ElectionMetrics): Context.Tag.Service<WriteGuard> => {
  const refuse = <A>(effect: Effect.Effect<A, NotLeader>) =>
    Effect.tapError(effect, (e) =>
      Metric.increment(metrics.writesRefused).pipe(
        Effect.zipRight(Effect.logDebug("write refused by the guard").pipe(Effect.annotateLogs("reason", e.reason)))
      ))
  return {
    check: refuse(Effect.asVoid(admissibleTerm(state))),
    admit: <A, E, R>(write: Effect.Effect<A, E, R>) =>
      Effect.flatMap(refuse(admissibleTerm(state)), (term) =>
        Effect.acquireUseRelease(
          SubscriptionRef.update(state.inFlight, (n) => n + 1),
          () => Effect.raceFirst(write, refuse(fence(state, term))),
          () => SubscriptionRef.update(state.inFlight, (n) => n - 1)
        ))
  }
}

export { NotLeader, WriteGuard }
