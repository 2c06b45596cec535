/**
 * The active program: what runs only while this replica holds the Lease, in the fiber the election runner starts
 * and interrupts. On taking the lead it refreshes the Avi cache, removes stale objects, diffs every unit and writes
 * only the differences, syncs every status; then it serves the work queue fed by the desired graph. Every write
 * goes through the WriteGuard; losing the lead interrupts all of it.
 */
import { Duration, Effect, Metric, Schedule, Stream } from "effect"
import { NotLeader } from "../election/index.js"
import type { DesiredState, DesiredUnit, ObjectRef, Problem } from "../model/index.js"
import {
  AviCache,
  cacheAddresses,
  makeWorkQueue,
  reconcileUnit,
  statusesFor,
  takeover,
  wantedBy,
  workQueueOutcome
} from "../reconcile/index.js"
import type { CachedObject, UnitProblem, UnitResult, WorkQueue } from "../reconcile/index.js"
import type { DesiredGraph } from "./desired-graph.js"
import { FULL_TRANSLATION_PROBLEMS } from "./desired-graph.js"
import { emitProblems } from "./problem-events.js"
import { syncStatuses } from "./status-sync.js"

export interface ActiveOptions {
  /** Units reconciled at once (one worker per unit at most). */
  readonly workers: number
  /** Every unit is looked at again this often (0: never), in case a change was missed. */
  readonly resyncInterval: Duration.Duration
  readonly statusContext: { readonly controllerClusterUuid?: string | undefined }
}

const takeovers = Metric.counter("ako_takeovers_total", { description: "Takeover passes completed" })
const takeoverSeconds = Metric.gauge("ako_takeover_duration_seconds", {
  description: "Duration of the last takeover pass"
})

/** Keeps the `others` predicate for one version of the desired state, not rebuilt per unit. */
const memoWantedBy = () => {
  let last: DesiredState | undefined
  let predicate: (object: CachedObject) => boolean = () => false
  return (state: DesiredState) => {
    if (state !== last) {
      last = state
      predicate = wantedBy(state)
    }
    return predicate
  }
}

const retryAvi = Schedule.exponential("1 second").pipe(
  Schedule.union(Schedule.spaced("30 seconds")),
  Schedule.jittered
)

export const activeProgram = (graph: DesiredGraph, options: ActiveOptions) =>
  Effect.gen(function*() {
    yield* graph.ready
    // Subscribed before the takeover pass, so a change during it is reconciled afterwards.
    const changes = yield* graph.subscribe
    const queue = yield* makeWorkQueue<string>()
    const cache = yield* AviCache
    const others = memoWantedBy()
    const ownersByUnit = new Map<string, ReadonlyArray<ObjectRef>>()
    const reportedProblems = new Map<string, string>()

    const report = (key: string, problems: ReadonlyArray<Problem>, unitProblems: ReadonlyArray<UnitProblem>) =>
      emitProblems(reportedProblems, key, problems, unitProblems)

    const writeStatuses = (objects: Iterable<ObjectRef>, state: DesiredState) =>
      syncStatuses(statusesFor(objects, state.values(), cacheAddresses(cache.view), options.statusContext))

    const started = yield* Effect.sync(() => performance.now())
    const desired = yield* graph.state
    const result = yield* takeover(desired).pipe(
      Effect.tapError((error) =>
        Effect.logWarning("takeover pass failed; retrying").pipe(Effect.annotateLogs("error", error.message))
      ),
      Effect.retry({ schedule: retryAvi, while: (error) => error._tag !== "NotLeader" })
    )
    for (const unit of desired.values()) ownersByUnit.set(unit.key, unit.owners)
    const problems = yield* graph.problems
    yield* report(FULL_TRANSLATION_PROBLEMS, problems.get(FULL_TRANSLATION_PROBLEMS) ?? [], [])
    // Every unit goes through the queue once more: its plan is empty now (zero Avi calls), and its statuses are
    // written there with the queue's per-unit retry, so one object that fails (or vanishes) delays nobody else.
    for (const [key, unitResult] of result.units) {
      if (unitResult.outcome._tag === "RetryFast" || unitResult.outcome._tag === "RetrySlow") {
        yield* requeueIfNeeded(queue, unitResult)
      } else if (desired.has(key)) {
        yield* queue.add(key)
      }
    }
    yield* Metric.increment(takeovers)
    yield* Metric.set(takeoverSeconds, (performance.now() - started) / 1000)
    yield* Effect.logInfo("takeover complete; serving the work queue").pipe(
      Effect.annotateLogs({ units: desired.size, stale: result.stale.applied.length })
    )

    yield* changes.pipe(Stream.runForEach(queue.add), Effect.forkScoped)
    if (Duration.toMillis(options.resyncInterval) > 0) {
      yield* graph.state.pipe(
        Effect.flatMap((state) => queue.addAll(state.keys())),
        Effect.repeat(Schedule.spaced(options.resyncInterval)),
        Effect.delay(options.resyncInterval),
        Effect.forkScoped
      )
    }

    const reconcile = (key: string) =>
      Effect.gen(function*() {
        const state = yield* graph.state
        const unit: DesiredUnit | undefined = state.get(key)
        const unitResult = yield* reconcileUnit(key, unit, { others: others(state) })
        const before = ownersByUnit.get(key) ?? []
        if (unit === undefined) ownersByUnit.delete(key)
        else ownersByUnit.set(key, unit.owners)
        yield* writeStatuses([...before, ...(unit?.owners ?? [])], state)
        const unitProblems = (yield* graph.problems).get(key) ?? []
        yield* report(key, unitProblems, unitResult.problems)
        return yield* workQueueOutcome(unitResult)
      })

    return yield* queue.run(options.workers, reconcile)
  }).pipe(
    Effect.scoped,
    // A write refused by the guard means leadership is ending; the runner interrupts this fiber next.
    Effect.catchIf((error): error is NotLeader => error instanceof NotLeader, () => Effect.never)
  )

/** A takeover result that still needs work goes to the queue the way a reconcile outcome would. */
const requeueIfNeeded = (queue: WorkQueue<string>, result: UnitResult) =>
  workQueueOutcome(result).pipe(
    Effect.flatMap((outcome) => outcome === undefined ? Effect.void : queue.addAfter(result.key, outcome.requeueAfter)),
    Effect.catchAll(() => queue.addRateLimited(result.key))
  )
