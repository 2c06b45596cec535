/**
 * A keyed work queue with controller-runtime's guarantees: a key is queued at most once however often it is added
 * (`dirty`), a key being processed is never handed to a second worker (`processing`; re-adds during processing run
 * once afterwards), failures back off per key exponentially, and delayed re-adds collapse to the earliest due time
 * (kube-runtime's scheduler). Reconciliation is level-triggered: a key says "look at this unit again", never what
 * changed.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as FiberMap from "effect/FiberMap"
import * as Metric from "effect/Metric"
import type * as MetricLabel from "effect/MetricLabel"
import * as MutableQueue from "effect/MutableQueue"
import type * as Scope from "effect/Scope"

export interface WorkQueueOptions {
  /** First retry delay after a failure; doubles per consecutive failure of the same key. */
  readonly baseDelay: Duration.DurationInput
  readonly maxDelay: Duration.DurationInput
  /**
   * Prefix of the queue's metrics (`<prefix>_depth`, `_adds_total`, `_retries_total`, `_failures_total`). Default
   * `ako_workqueue`, the units' queue; another queue in the same process takes its own, or their gauges would mix.
   */
  readonly metricPrefix?: string | undefined
}

const NO_EXTRA_LABELS: ReadonlyArray<MetricLabel.MetricLabel> = []

export const defaultWorkQueueOptions: WorkQueueOptions = { baseDelay: "1 second", maxDelay: "5 minutes" }

/** What a successful reconcile asks for next: nothing (wait for a change) or a look again after a delay. */
export type Outcome = void | { readonly requeueAfter: Duration.DurationInput }

const queueMetrics = (prefix: string) => ({
  depth: Metric.gauge(`${prefix}_depth`, { description: "Keys waiting in the work queue" }),
  adds: Metric.counter(`${prefix}_adds_total`, { description: "Keys added to the work queue" }),
  retries: Metric.counter(`${prefix}_retries_total`, {
    description: "Keys re-queued with backoff after a failed reconcile"
  }),
  failures: Metric.counter(`${prefix}_failures_total`, { description: "Reconciles that failed" })
})

export interface WorkQueue<K> {
  /** Queue a key now (no-op if it is already waiting). */
  readonly add: (key: K) => Effect.Effect<void>
  /**
   * Queue keys now. With `settled`, a key that is neither waiting nor being processed is queued only if `settled`
   * says it still needs a pass: the caller's check stands in for a pass that would find nothing to do. A key being
   * processed is always queued again, since its running pass may have started from older inputs than the check.
   */
  readonly addAll: (
    keys: Iterable<K>,
    options?: { readonly settled?: ((key: K) => boolean) | undefined }
  ) => Effect.Effect<void>
  /** Queue a key after a delay; a pending earlier schedule for the same key wins. */
  readonly addAfter: (key: K, delay: Duration.DurationInput) => Effect.Effect<void>
  /** Queue a key after its per-key backoff, and count the failure. */
  readonly addRateLimited: (key: K) => Effect.Effect<void>
  /** Reset a key's backoff after a success. */
  readonly forget: (key: K) => Effect.Effect<void>
  /** Consecutive failures recorded for a key. */
  readonly failureCount: (key: K) => Effect.Effect<number>
  readonly take: Effect.Effect<K>
  readonly done: (key: K) => Effect.Effect<void>
  readonly size: Effect.Effect<number>
  /**
   * Runs `concurrency` workers until interrupted. A failure or defect of one key is logged and retried with backoff
   * for that key only: one broken object never stops the others.
   */
  readonly run: <E, R>(
    concurrency: number,
    reconcile: (key: K) => Effect.Effect<Outcome, E, R>
  ) => Effect.Effect<never, never, R>
}

export const makeWorkQueue = <K>(
  options: WorkQueueOptions = defaultWorkQueueOptions
): Effect.Effect<WorkQueue<K>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const timers = yield* FiberMap.make<K>()
    const dirty = new Set<K>()
    const processing = new Set<K>()
    const dueAt = new Map<K, number>()
    const failureCounts = new Map<K, number>()
    const baseMillis = Duration.toMillis(options.baseDelay)
    const maxMillis = Duration.toMillis(options.maxDelay)
    const { adds, depth, failures, retries } = queueMetrics(options.metricPrefix ?? "ako_workqueue")

    // The keys ready for a worker, in order, and the takers parked until one is. Plain structures rather than an
    // Effect Queue: a parked take and its wake-up through a Queue cost about twenty fiber steps, paid once per pass
    // of every unit and every status (a third of the steps of a worker's pass in a burst of new Services).
    const ready = MutableQueue.unbounded<K>()
    const parked = new Set<() => void>()
    let closed = false
    const wakeOne = () => {
      for (const wake of parked) {
        parked.delete(wake)
        wake()
        return
      }
    }
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        const waiting = [...parked]
        parked.clear()
        for (const wake of waiting) wake()
      })
    )

    // Metrics of every add and take are updated in place (`unsafeUpdate`, the metric's own labels only): through
    // `Metric.update` each cost fiber steps to read the fiber's metric labels, which ako-ts never sets.
    const publishDepth = () => depth.unsafeUpdate(dirty.size, NO_EXTRA_LABELS)
    // The depth exists from the queue's start: a queue that never had work reads 0, not absent.
    publishDepth()

    const offer = (key: K) => {
      if (closed) return
      MutableQueue.offer(ready, key)
      if (parked.size > 0) wakeOne()
    }

    // A batch of keys in one step: a burst of 1,000 changed units was 1,000 offers and 2,000 metric updates.
    const addAll = (
      keys: Iterable<K>,
      options?: { readonly settled?: ((key: K) => boolean) | undefined }
    ): Effect.Effect<void> =>
      Effect.sync(() => {
        let added = 0
        const settled = options?.settled
        for (const key of keys) {
          if (dirty.has(key)) continue
          if (settled !== undefined && !processing.has(key) && settled(key)) continue
          dirty.add(key)
          added++
          if (!processing.has(key)) offer(key)
        }
        if (added > 0) {
          adds.unsafeUpdate(added, NO_EXTRA_LABELS)
          publishDepth()
        }
      })
    const add = (key: K): Effect.Effect<void> => addAll([key])

    const addAfter = (key: K, delay: Duration.DurationInput): Effect.Effect<void> =>
      Effect.gen(function*() {
        const millis = Duration.toMillis(delay)
        if (millis <= 0) return yield* add(key)
        const due = (yield* Clock.currentTimeMillis) + millis
        const pending = dueAt.get(key)
        if (pending !== undefined && pending <= due) return
        dueAt.set(key, due)
        yield* FiberMap.run(
          timers,
          key,
          Effect.sleep(millis).pipe(
            Effect.zipRight(Effect.sync(() => dueAt.delete(key))),
            Effect.zipRight(add(key))
          )
        )
      })

    const addRateLimited = (key: K): Effect.Effect<void> =>
      Effect.suspend(() => {
        const failuresSoFar = failureCounts.get(key) ?? 0
        failureCounts.set(key, failuresSoFar + 1)
        const delay = Math.min(maxMillis, baseMillis * 2 ** Math.min(failuresSoFar, 30))
        return Effect.zipRight(Metric.increment(retries), addAfter(key, delay))
      })

    /** The next ready key, now marked as processing; undefined when none is ready. */
    const claim = (): K | undefined => {
      const key = MutableQueue.poll(ready, MutableQueue.EmptyMutableQueue)
      if (key === MutableQueue.EmptyMutableQueue) return undefined
      dirty.delete(key)
      processing.add(key)
      publishDepth()
      return key
    }

    // A taker parks until a key may be ready, then claims one itself, uninterruptibly: a key handed over in the
    // wake-up would be lost to a taker interrupted meanwhile (its resume is then ignored). A taker interrupted while
    // parked, or woken and interrupted before it claimed, passes the wake-up on.
    const take: Effect.Effect<K> = Effect.uninterruptibleMask((restore) => {
      const attempt: Effect.Effect<K> = Effect.suspend(() => {
        // A closed queue hands out nothing, also keys still ready (as a shut-down Effect Queue interrupts its takers).
        if (closed) return Effect.interrupt
        const key = claim()
        if (key !== undefined) return Effect.succeed(key)
        let wake = () => {}
        const park = Effect.async<void>((resume) => {
          wake = () => resume(Effect.void)
          parked.add(wake)
        })
        const passOn = Effect.sync(() => {
          parked.delete(wake)
          if (!MutableQueue.isEmpty(ready)) wakeOne()
        })
        return Effect.zipRight(Effect.onInterrupt(restore(park), () => passOn), attempt)
      })
      return attempt
    })

    const finish = (key: K) => {
      processing.delete(key)
      if (dirty.has(key)) offer(key)
    }
    const done = (key: K): Effect.Effect<void> => Effect.sync(() => finish(key))

    const afterPass = <E>(key: K, exit: Exit.Exit<Outcome, E>): Effect.Effect<void> => {
      finish(key)
      if (exit._tag === "Success") {
        failureCounts.delete(key)
        const outcome = exit.value
        return outcome === undefined ? Effect.void : addAfter(key, outcome.requeueAfter)
      }
      if (Cause.isInterruptedOnly(exit.cause)) return Effect.interrupt
      return Effect.logWarning("reconcile failed; retrying with backoff").pipe(
        Effect.annotateLogs({ key: String(key), cause: Cause.pretty(exit.cause) }),
        Effect.zipRight(Metric.increment(failures)),
        Effect.zipRight(addRateLimited(key))
      )
    }

    const run = <E, R>(concurrency: number, reconcile: (key: K) => Effect.Effect<Outcome, E, R>) => {
      // The key is finished outside `restore`, so an interrupted pass still releases it. No `Effect.forever`: its
      // yield after every pass bought nothing, since each pass waits for a key, and cost a trip through the scheduler.
      const pass = Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(take), (key) =>
          Effect.flatMap(Effect.exit(restore(reconcile(key))), (exit) => afterPass(key, exit)))
      )
      const worker: Effect.Effect<never, never, R> = Effect.flatMap(pass, () =>
        worker)
      return Effect.all(Array.from({ length: Math.max(1, concurrency) }, () => worker), {
        concurrency: "unbounded",
        discard: true
      }).pipe(Effect.zipRight(Effect.never))
    }

    return {
      add,
      addAll,
      addAfter,
      addRateLimited,
      forget: (key) => Effect.sync(() => void failureCounts.delete(key)),
      failureCount: (key) => Effect.sync(() => failureCounts.get(key) ?? 0),
      take,
      done,
      size: Effect.sync(() => dirty.size),
      run
    }
  })
