/**
 * Leadership: the role the rest of the program follows, and the WriteGuard derived from it.
 *
 * Time is Effect's `Clock.currentTimeNanos`. The default Clock implements it with `process.hrtime.bigint()`
 * (monotonic; only its origin is taken from the wall clock once), and `TestClock` drives it in tests, so
 * deadlines here never jump with NTP or wall-clock changes.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
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

/**
 * The current term's renew clock. `expired` latches: once anyone (the guard, the elector, a late renew) has seen
 * `now >= lastRenew + renewDeadline`, the term is over, whatever a renew that was still in flight answers later.
 */
export interface RenewClock {
  /** Monotonic nanos at which the last successful acquire/renew of this term was sent. */
  readonly lastRenew: bigint
  readonly expired: boolean
  /** Completed when `expired` latches, so everyone waiting on the deadline (elector, fenced writes) wakes at once. */
  readonly ended: Deferred.Deferred<void>
}

/**
 * Cells read and changed only in synchronous steps: one step is one turn of the event loop, so each read-modify-write
 * is as atomic as a Ref's, and the guard can decide on a write in one step instead of a dozen fiber steps.
 */
export interface LeadershipCells {
  /** The role as `setRole` last set it (the guard's view; `role` below is the same value, for subscribers). */
  role: Role
  renew: RenewClock
}

/** Mutable election state shared by the elector (writer) and Leadership/WriteGuard (readers). */
export interface LeadershipState {
  readonly role: SubscriptionRef.SubscriptionRef<Role>
  readonly cells: LeadershipCells
  /**
   * Completed at every role change, then replaced (`setRole`): what a fenced write waits on to see its term end.
   * A subscription to `role.changes` per write did the same at about 90 times the cost of the write's own Effect.
   */
  readonly roleChanged: Ref.Ref<Deferred.Deferred<void>>
  /** Writes admitted and not yet finished; release waits for none. */
  readonly inFlight: InFlightWrites
  readonly renewDeadlineNanos: bigint
}

/**
 * A count with a wake-up at zero. A SubscriptionRef did the same with a semaphore and a PubSub publish on every
 * change: about a hundred fiber steps per admitted write, for a value read once, at shutdown.
 */
export interface InFlightWrites {
  /** Synchronous, so a write's fiber is counted in the same step that forks it. */
  readonly enter: () => void
  readonly leave: () => void
  /** Completes once no admitted write is running (at once if none is). */
  readonly drained: Effect.Effect<void>
}

const makeInFlightWrites = (): InFlightWrites => {
  let running = 0
  let waiting: Array<() => void> = []
  return {
    enter: () => {
      running++
    },
    leave: () => {
      running--
      if (running > 0) return
      const woken = waiting
      waiting = []
      for (const wake of woken) wake()
    },
    drained: Effect.async<void>((resume) => {
      if (running === 0) return resume(Effect.void)
      const wake = () => resume(Effect.void)
      waiting.push(wake)
      return Effect.sync(() => {
        waiting = waiting.filter((other) => other !== wake)
      })
    })
  }
}

export const makeLeadershipState = (renewDeadline: Duration.Duration): Effect.Effect<LeadershipState> =>
  Effect.gen(function*() {
    // no term yet: an expired clock
    const ended = yield* Deferred.make<void>()
    yield* Deferred.succeed(ended, undefined)
    return {
      role: yield* SubscriptionRef.make<Role>(Role.Candidate()),
      cells: { role: Role.Candidate(), renew: { lastRenew: 0n, expired: true, ended } },
      roleChanged: yield* Ref.make(yield* Deferred.make<void>()),
      inFlight: makeInFlightWrites(),
      renewDeadlineNanos: Duration.unsafeToNanos(renewDeadline)
    }
  })

/**
 * Latches `expired` if the deadline has passed at `now`, else applies `extend`. Returns whether the term is (still)
 * open. The check, the change and waking those waiting on the deadline are one synchronous step, so a renew can
 * never reopen a term someone saw expire, and no interruption can fall between the latch and the wake-up.
 */
const stepClockAt = (state: LeadershipState, now: bigint, extend: (clock: RenewClock) => RenewClock): boolean => {
  const clock = state.cells.renew
  if (clock.expired || now >= clock.lastRenew + state.renewDeadlineNanos) {
    if (!clock.expired) {
      state.cells.renew = { ...clock, expired: true }
      Deferred.unsafeDone(clock.ended, Exit.void)
    }
    return false
  }
  state.cells.renew = extend(clock)
  return true
}

const stepClock = (state: LeadershipState, extend: (clock: RenewClock) => RenewClock): Effect.Effect<boolean> =>
  Effect.clockWith((clock) => Effect.sync(() => stepClockAt(state, clock.unsafeCurrentTimeNanos(), extend)))

/** Changes the role and wakes every write fenced on the one before; the only way the role is changed. */
export const setRole = (state: LeadershipState, role: Role): Effect.Effect<void> =>
  Effect.gen(function*() {
    // The guard's view first: a lost lead stops admitting writes before anyone is told.
    state.cells.role = role
    yield* SubscriptionRef.set(state.role, role)
    const previous = yield* Ref.getAndSet(state.roleChanged, yield* Deferred.make<void>())
    yield* Deferred.succeed(previous, undefined)
  }).pipe(Effect.uninterruptible)

/**
 * Completes once the role is anything but term `term`'s leader. The deferred is taken before the role is read, so
 * a change between the two is seen either in the role or through the deferred.
 */
const untilTermEnds = (state: LeadershipState, term: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    const changed = yield* Ref.get(state.roleChanged)
    const role = yield* SubscriptionRef.get(state.role)
    if (!(role._tag === "Leader" && role.term === term)) return
    yield* Deferred.await(changed)
    return yield* untilTermEnds(state, term)
  })

/** Whether the current term is still open (before its renew deadline); latches `expired` if not. */
export const termOpen = (state: LeadershipState): Effect.Effect<boolean> => stepClock(state, (clock) => clock)

/** A new term's clock, starting at the send time of the acquire that won it. */
export const startTerm = (state: LeadershipState, sentAt: bigint): Effect.Effect<void> =>
  Effect.map(Deferred.make<void>(), (ended) => {
    state.cells.renew = { lastRenew: sentAt, expired: false, ended }
  })

/**
 * Records a successful renew sent at `sentAt`, unless its answer came too late: a renew answered at or after the
 * deadline does not extend the term (the guard may already have refused a write, and the active fiber is being
 * stopped). Returns whether the term was extended.
 */
export const extendTerm = (state: LeadershipState, sentAt: bigint): Effect.Effect<boolean> =>
  stepClock(state, (clock) => ({ ...clock, lastRenew: sentAt > clock.lastRenew ? sentAt : clock.lastRenew }))

/** Completes when the current term's renew deadline passes, on the clock or as first seen by anyone. */
export const untilExpired = (state: LeadershipState): Effect.Effect<void> =>
  Effect.suspend(() => {
    const current = state.cells.renew
    const sleepToDeadline: Effect.Effect<void> = Effect.gen(function*() {
      if (!(yield* termOpen(state))) return
      const clock = state.cells.renew
      const now = yield* Clock.currentTimeNanos
      yield* sleepNanos(clock.lastRenew + state.renewDeadlineNanos - now)
      return yield* sleepToDeadline
    })
    return Effect.raceFirst(sleepToDeadline, Deferred.await(current.ended))
  })

/** The term in which a write started at `now` would be admitted, or the reason why none would be. */
const admissibleTermAt = (state: LeadershipState, now: bigint): number | string => {
  const role = state.cells.role
  if (role._tag !== "Leader") return "this replica is not the leader"
  return stepClockAt(state, now, (clock) => clock) ? role.term : "renew deadline passed without a successful renew"
}

const admissibleTerm = (state: LeadershipState): Effect.Effect<number, NotLeader> =>
  Effect.clockWith((clock) =>
    Effect.suspend(() => {
      const term = admissibleTermAt(state, clock.unsafeCurrentTimeNanos())
      return typeof term === "number" ? Effect.succeed(term) : Effect.fail(new NotLeader({ reason: term }))
    })
  )

/**
 * The end of one term, shared by every write of the term: set once (with the reason) by the term's watch, and every
 * write waiting on it is told at once. A fence per write (two races and a timer each) cost six fibers per Avi
 * write; a race per write against one Deferred still forked the waiting side and interrupted it after every write
 * (12 % of what a burst of Services allocated). A write now registers a callback instead.
 */
class TermFence {
  private reason: string | undefined
  private readonly waiters = new Set<(reason: string) => void>()

  constructor(readonly term: number) {}

  /** Why the term ended, or undefined while it lasts. */
  get ended(): string | undefined {
    return this.reason
  }

  end(reason: string): void {
    if (this.reason !== undefined) return
    this.reason = reason
    for (const waiter of this.waiters) waiter(reason)
    this.waiters.clear()
  }

  /** Calls `waiter` when the term ends (not if it has ended already); returns the way to stop waiting. */
  onEnd(waiter: (reason: string) => void): () => void {
    this.waiters.add(waiter)
    return () => this.waiters.delete(waiter)
  }
}

const watchTerm = (state: LeadershipState, fence: TermFence): Effect.Effect<void> =>
  Effect.raceFirst(
    untilExpired(state).pipe(Effect.as("renew deadline passed during the write")),
    untilTermEnds(state, fence.term).pipe(Effect.as("leadership lost during the write"))
  ).pipe(Effect.flatMap((reason) => Effect.sync(() => fence.end(reason))))

/** A fenced write while its fiber runs (`open` turns false when that fiber ends). */
interface FencedWrite {
  readonly fence: TermFence
  open: boolean
}

/**
 * The fenced write a fiber is running, inherited by the fibers it forks. A write admitted there while that write
 * still runs is already watched: its fiber is the fenced one (or a child of it), so the term's end interrupts it with
 * the rest. A fiber that outlives the write it was forked in (a daemon) finds it closed and is fenced on its own.
 */
const runningIn = FiberRef.unsafeMake<FencedWrite | undefined>(undefined)

/**
 * `write` in a fiber of its own until it ends or the term does; then the write is interrupted (its request
 * abandoned, waited for) and the result is `refusal`. Interrupting the caller interrupts the write too. The write
 * counts as in flight from its fork to its fiber's end.
 */
const fenced = <A, E, R>(
  write: Effect.Effect<A, E, R>,
  fence: TermFence,
  inFlight: InFlightWrites,
  refusal: (reason: string) => Effect.Effect<never, NotLeader>
): Effect.Effect<A, E | NotLeader, R> =>
  Effect.suspend(() => {
    const endedBefore = fence.ended
    if (endedBefore !== undefined) return refusal(endedBefore)
    // The fork is uninterruptible (no write runs unwatched); the wait is not: interrupting the caller runs the
    // canceler, which interrupts the write.
    const running: FencedWrite = { fence, open: true }
    return Effect.uninterruptibleMask((restore) =>
      // Set in the write's own fiber, not `Effect.locally`: the fiber ends with the write, so there is nothing to
      // restore, and a scoped set and reset was fifteen fiber steps per unit.
      Effect.flatMap(Effect.fork(restore(Effect.zipRight(FiberRef.set(runningIn, running), write))), (writer) => {
        inFlight.enter()
        writer.addObserver(() => {
          running.open = false
          inFlight.leave()
        })
        return restore(Effect.async<A, E | NotLeader>((resume) => {
          let settled = false
          const refused = (reason: string) => Effect.zipRight(Fiber.interrupt(writer), refusal(reason))
          const settle = (outcome: Effect.Effect<A, E | NotLeader>) => {
            if (settled) return
            settled = true
            stopWaiting()
            resume(outcome)
          }
          const stopWaiting = fence.onEnd((reason) => settle(refused(reason)))
          writer.addObserver((exit) => settle(exit))
          // The term may have ended between the check above and the registration.
          const endedSince = fence.ended
          if (endedSince !== undefined) settle(refused(endedSince))
          return Effect.suspend(() => {
            settled = true
            stopWaiting()
            return Effect.asVoid(Fiber.interrupt(writer))
          })
        }))
      })
    )
  })

export const makeLeadership = (state: LeadershipState): LeadershipShape => ({
  role: state.role,
  changes: state.role.changes.pipe(Stream.changes),
  mayWrite: Effect.match(admissibleTerm(state), { onFailure: () => false, onSuccess: () => true })
})

/** The guard; each term's watch runs in `scope` (and ends with the term anyway). */
export const makeWriteGuard = (
  state: LeadershipState,
  metrics: ElectionMetrics,
  scope: Scope.Scope
): Context.Tag.Service<WriteGuard> => {
  const refuse = <A>(effect: Effect.Effect<A, NotLeader>) =>
    Effect.tapError(effect, (e) =>
      Metric.increment(metrics.writesRefused).pipe(
        Effect.zipRight(Effect.logDebug("write refused by the guard").pipe(Effect.annotateLogs("reason", e.reason)))
      ))
  let current: TermFence | undefined
  // Check and replace in one synchronous step, so concurrent first writes of a term share one fence; and
  // uninterruptible up to the fork, so no fence is ever published without the watch that fails it.
  const fenceOf = (term: number): Effect.Effect<TermFence> =>
    Effect.uninterruptible(Effect.suspend(() => {
      if (current !== undefined && current.term === term) return Effect.succeed(current)
      const fence = new TermFence(term)
      current = fence
      // a fiber forked here would inherit the uninterruptible region: the watch must stay stoppable with its scope
      return Effect.as(Effect.forkIn(Effect.interruptible(watchTerm(state, fence)), scope), fence)
    }))
  return {
    check: refuse(Effect.asVoid(admissibleTerm(state))),
    // One step to decide (the clock, the role, the enclosing write): every Avi write and status write passes here.
    admit: <A, E, R>(write: Effect.Effect<A, E, R>) =>
      Effect.clockWith((clock) =>
        Effect.withFiberRuntime<A, E | NotLeader, R>((fiber) => {
          const term = admissibleTermAt(state, clock.unsafeCurrentTimeNanos())
          if (typeof term === "string") return refuse(Effect.fail(new NotLeader({ reason: term })))
          // Inside a write this guard admitted in the same term (a unit's writes, admitted as one): checked, and run
          // where it is. A fork per write cost about 8 % of a burst's CPU (bench/latency.ts --bulk).
          const enclosing = fiber.getFiberRef(runningIn)
          if (
            enclosing !== undefined && enclosing.open && enclosing.fence === current && current.term === term &&
            current.ended === undefined
          ) return write
          return Effect.flatMap(fenceOf(term), (fence) =>
            fenced(write, fence, state.inFlight, (reason) => refuse(Effect.fail(new NotLeader({ reason })))))
        })
      )
  }
}

export { NotLeader, WriteGuard }
