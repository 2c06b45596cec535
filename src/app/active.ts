/**
 * The active program: what runs only while this replica holds the Lease, in the fiber the election runner starts
 * and interrupts. On taking the lead it refreshes the Avi cache, removes stale objects, diffs every unit and writes
 * only the differences, syncs every status; then it serves the work queue fed by the desired graph. Every write
 * goes through the WriteGuard; losing the lead interrupts all of it.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { NotLeader } from "../election/index.js"
import { Reflectors } from "../k8s/index.js"
import type { Reflector } from "../k8s/index.js"
import { objectRef, refFromKey, refKey } from "../model/index.js"
import type {
  ClusterSnapshot,
  DesiredState,
  DesiredUnit,
  ObjectKind,
  ObjectRef,
  Problem,
  Service
} from "../model/index.js"
import {
  AviCache,
  cacheAddresses,
  carriesAkoStatus,
  defaultWorkQueueOptions,
  makeChangedKeys,
  makeWorkQueue,
  reconcileUnit,
  refreshAndCleanStale,
  statusesFor,
  takeoverEach,
  unitView,
  wantedBy,
  workQueueOutcome
} from "../reconcile/index.js"
import type {
  AnnotatedObject,
  CachedObject,
  CacheView,
  ObservedObject,
  Ownership,
  UnitProblem,
  UnitResult,
  WorkQueue
} from "../reconcile/index.js"
import type { DesiredGraph } from "./desired-graph.js"
import { FULL_TRANSLATION_PROBLEMS } from "./desired-graph.js"
import { DesiredStateVersion } from "./desired-versions.js"
import { emitProblems } from "./problem-events.js"
import { emitAttachmentEvents } from "./rule-events.js"
import type { RuleValidation } from "./rule-validation.js"
import { observedStores, statusShown, syncStatuses } from "./status-sync.js"
import type { ObservedStores } from "./status-sync.js"
import { unitsToRepair, unitsWanting } from "./units-affected.js"
import { makeUnmodelledReporter } from "./unmodelled-report.js"
import { makeUnsupportedCrdReporter } from "./unsupported-crds.js"

export interface ActiveOptions {
  /** HostRules, HTTPRules and L7Rules: the leader validates them and writes their status. */
  readonly rules: RuleValidation
  /** Units reconciled at once (one worker per unit at most). */
  readonly workers: number
  /** Every unit is looked at again this often (0: never), in case a change was missed. */
  readonly resyncInterval: Duration.Duration
  readonly statusContext: { readonly controllerClusterUuid?: string | undefined }
  /** AKO's user `ako-<clusterName>`: the `routerName` of Route status entries. */
  readonly routerName: string
  /** Whose objects these are: parents of features ako-ts does not model are kept and reported. */
  readonly ownership: Ownership
  /**
   * How long after this term began a write of the previous leader can still land on Avi: every one was sent
   * before this replica acquired the Lease, and a controller finishes or drops a request within the Avi request
   * timeout. Once it has passed, the leader re-reads Avi and repairs whatever such a write changed.
   */
  readonly lateWriteWindow: Duration.Duration
}

const takeovers = Metric.counter("ako_takeovers_total", { description: "Takeover passes completed" })
const takeoverSeconds = Metric.gauge("ako_takeover_duration_seconds", {
  description: "Duration of the last takeover pass"
})

/** The objects (by `refKey`) a unit names, as owner or as the carrier of a status: its settling queues them all. */
const namedBy = (unit: DesiredUnit | undefined): ReadonlySet<string> => {
  const named = new Set<string>()
  if (unit === undefined) return named
  for (const owner of unit.owners) named.add(refKey(owner))
  for (const intent of unit.statuses) named.add(refKey(intent.object))
  return named
}

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

/**
 * The units whose statuses name each object (`refKey`), and each unit's place in the state's order, for one version
 * of the desired state: a reconcile writes the statuses of its own unit's objects, and scanning every unit for them
 * made a burst of N Services cost N² steps. A version of the graph's line is taken in by the keys it changed since
 * the last one seen (rebuilt for every version, the index cost 17–21 ms of a leader's CPU per endpoint change at
 * 10,000 Services, and rescanned for what changed still 7 ms); any other state is indexed afresh.
 */
export const memoUnitsByObject = () => {
  let last: DesiredState | undefined
  const index = new Map<string, Array<DesiredUnit>>()
  let positionOf: (unit: DesiredUnit) => number = () => 0
  const objectKeysOf = (unit: DesiredUnit) => new Set(unit.statuses.map((intent) => refKey(intent.object)))
  const add = (unit: DesiredUnit) => {
    for (const key of objectKeysOf(unit)) {
      const units = index.get(key)
      if (units === undefined) index.set(key, [unit])
      else units.push(unit)
    }
  }
  const remove = (unit: DesiredUnit) => {
    for (const key of objectKeysOf(unit)) {
      const units = index.get(key)?.filter((other) => other !== unit)
      if (units === undefined || units.length === 0) index.delete(key)
      else index.set(key, units)
    }
  }
  const positionsOf = (state: DesiredState): (unit: DesiredUnit) => number => {
    if (state instanceof DesiredStateVersion) return (unit) => state.positionOf(unit.key) ?? Number.POSITIVE_INFINITY
    const scanned = new Map<DesiredUnit, number>()
    for (const unit of state.values()) scanned.set(unit, scanned.size)
    return (unit) => scanned.get(unit) ?? Number.POSITIVE_INFINITY
  }
  return (state: DesiredState) => {
    if (state !== last) {
      const previous = last
      const changed = previous !== undefined && state instanceof DesiredStateVersion ?
        state.changedSince(previous) :
        undefined
      if (previous === undefined || changed === undefined) {
        index.clear()
        for (const unit of state.values()) add(unit)
      } else {
        for (const key of changed) {
          const before = previous.get(key)
          const after = state.get(key)
          if (before === after) continue
          if (before !== undefined) remove(before)
          if (after !== undefined) add(after)
        }
      }
      last = state
      positionOf = positionsOf(state)
    }
    return { index, positionOf }
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
    const cache = yield* AviCache
    const vanished = yield* cache.vanished
    const queue = yield* makeWorkQueue<string>()
    const statusQueue = yield* makeWorkQueue<string>({ ...defaultWorkQueueOptions, metricPrefix: "ako_status_queue" })
    const others = memoWantedBy()
    // Each unit as it was last reconciled (or taken over): the objects it owned then, and whether Avi is programmed
    // for the version of it the desired state holds now.
    const settledUnits = new Map<string, DesiredUnit>()
    const reportedProblems = new Map<string, string>()
    const waitingForAddress = new Set<string>()

    const report = (key: string, problems: ReadonlyArray<Problem>, unitProblems: ReadonlyArray<UnitProblem>) =>
      emitProblems(reportedProblems, key, problems, unitProblems, graph.snapshot)

    const unitsByObject = memoUnitsByObject()
    const desiredStatusesOf = (objects: Iterable<ObjectRef>, state: DesiredState) => {
      const { index, positionOf } = unitsByObject(state)
      const wanted = [...objects]
      const units = new Set<DesiredUnit>()
      for (const object of wanted) for (const unit of index.get(refKey(object)) ?? []) units.add(unit)
      // in the state's order, as a scan of every unit would give them (an Ingress's entries follow its shards)
      const ordered = [...units].sort((a, b) => positionOf(a) - positionOf(b))
      return statusesFor(wanted, ordered, cacheAddresses(cache.view), options.statusContext)
    }
    const writeStatuses = (objects: Iterable<ObjectRef>, state: DesiredState) =>
      syncStatuses(desiredStatusesOf(objects, state), options.routerName)
    /** Whether every unit of `state` that names the object of a `refKey` was settled as `state` has it. */
    const unitsSettledFor = (objectKey: string, state: DesiredState) =>
      (unitsByObject(state).index.get(objectKey) ?? []).every((unit) => settledUnits.get(unit.key) === unit)
    /** Whether the object of a `refKey` already shows what `state` wants, as `stores` hold it. */
    const showsStatusIn = (state: DesiredState, stores: ObservedStores) => (objectKey: string) =>
      desiredStatusesOf([refFromKey(objectKey)], state).every((status) =>
        statusShown(status, stores, options.routerName)
      )

    /**
     * What follows a unit's reconcile or its takeover result: the statuses of the objects it had and has are
     * queued, its problems reported, and units waiting for a VIP address retried when this one freed one.
     */
    const settleUnit = (key: string, unit: DesiredUnit | undefined, unitResult: UnitResult) =>
      Effect.gen(function*() {
        const before = namedBy(settledUnits.get(key))
        if (unit === undefined) settledUnits.delete(key)
        else settledUnits.set(key, unit)
        const state = yield* graph.state
        const owned = namedBy(unit)
        // An object this unit gave up to other units waits for them to settle, which queues it: written now, its
        // status would come from units Avi is not programmed for yet, and could name a VIP before its virtual
        // service serves the object (a Service moving onto a shared VIP with a new port, its own unit deleted first).
        // An object no unit names any more is queued now, to be cleared.
        const givenUp = [...before].filter((objectKey) => !owned.has(objectKey) && unitsSettledFor(objectKey, state))
        // Only the objects that do not show their status yet: a takeover or resync of a settled cluster queued every
        // object for a pass that wrote nothing, and at 10,000 Services those passes were a third of its CPU.
        yield* statusQueue.addAll([...givenUp, ...owned], { settled: showsStatusIn(state, yield* observedStores) })
        const unitProblems = yield* graph.problemsOf(key)
        yield* report(key, unitProblems, unitResult.problems)
        // Units waiting for a VIP address retry as soon as one is freed, not at their slow retry.
        if (unitResult.problems.some(waitsForAddress)) waitingForAddress.add(key)
        else waitingForAddress.delete(key)
        const freed = unitResult.applied.some((a) =>
          a.operation.op === "delete" && a.operation.type === "vsvip" && a.result !== "failed"
        )
        if (freed && waitingForAddress.size > 0) {
          yield* queue.addAll([...waitingForAddress])
          waitingForAddress.clear()
        }
      })

    // Statuses go through a queue of their own, keyed by object: one pass per object at a time, each from the newest
    // desired state and cache when it starts. While a unit's run went on, another unit may have taken over its
    // objects (a Namespace moving tenants, an Ingress moving shards); two passes of one object computed apart but
    // sent together could land in the other order, and the older status would stay, since nothing writes it again.
    // Objects never wait for each other (a lock over every pass made 16 workers queue behind one PATCH at a time),
    // and a status that fails to write retries with its own backoff without running its unit's Avi diff again.
    // It serves from the start of the takeover pass, so a unit's VIP shows as soon as the pass has written the unit.
    const writeStatusOf = (key: string) =>
      Effect.flatMap(graph.state, (latest) => writeStatuses([refFromKey(key)], latest))
    yield* statusQueue.run(options.workers, writeStatusOf).pipe(Effect.forkScoped)
    // Level-triggered as well: an object some unit names is checked again whenever the reflectors see it change, not
    // only when its unit settles. Otherwise a status could stay wrong for good: a unit settling while the watch has
    // not yet brought back our last write reads the older copy, which may show what is wanted again, and the write
    // that arrives next shows something else; or someone edits or clears the status by hand. Objects no unit names
    // are left alone here: another controller may own their status (clearing ours is the takeover's and the units').
    const observedChanges = yield* makeChangedKeys<string>()
    const reflectors = yield* Reflectors
    const statusCarriers: ReadonlyArray<readonly [ObjectKind, Reflector<unknown>]> = [
      ["Service", reflectors.services],
      ["Ingress", reflectors.ingresses],
      ...Option.toArray(Option.map(reflectors.routes, (routes) => ["Route", routes] as const))
    ]
    for (const [kind, reflector] of statusCarriers) {
      yield* reflector.listen((key) => observedChanges.offer(`${kind}/${key}`))
    }
    const checkObserved: Effect.Effect<never, never, Reflectors> = observedChanges.takeAll.pipe(
      Effect.flatMap((changed) =>
        Effect.gen(function*() {
          const state = yield* graph.state
          const { index } = unitsByObject(state)
          // Only objects whose units Avi is programmed for as the state has them now: a status computed from a unit
          // still to be reconciled could name a VIP before its virtual service serves the object (a Service joining
          // a shared VIP on a new port). Such a unit settles soon, and its settling checks these objects. (Not a
          // rule for every status pass: a shard recomputed on every batch of endpoint changes would never be
          // settled as the state has it, and its Ingresses would wait for a quiet moment.)
          const atRest = changed.filter((objectKey) => index.has(objectKey) && unitsSettledFor(objectKey, state))
          if (atRest.length === 0) return
          // Checked here, also for an object whose pass is running (which `addAll` would queue again regardless): the
          // change is in the stores already, and whatever that pass writes next comes back as a change of its own.
          // Our writes' own echoes, about half of which arrive before their pass ends, cost no pass that way.
          const shows = showsStatusIn(state, yield* observedStores)
          yield* statusQueue.addAll(atRest.filter((objectKey) => !shows(objectKey)))
        })
      ),
      // not `Effect.forever`: each round waits for changes anyway, and its extra yield per round cost a scheduler trip
      Effect.flatMap(() => checkObserved)
    )
    yield* Effect.forkScoped(checkObserved)
    // The takeover pass in a generator of its own: what it holds (the desired state it diffed) is garbage once the
    // pass ends. As locals of this generator, which lives for the whole term, it stayed.
    const reportUnmodelled = yield* Effect.gen(function*() {
      const started = yield* Effect.sync(() => performance.now())
      // AKO validates its rules before anything else on becoming leader (reference/ako-crds.md §0.3), so the
      // takeover diffs against the rules in effect; afterwards they are validated as they change.
      yield* options.rules.validateAll
      yield* graph.settleRules
      yield* options.rules.run.pipe(
        Effect.catchIf((error): error is NotLeader => error instanceof NotLeader, () => Effect.never),
        Effect.forkScoped
      )
      const desired = yield* graph.state
      // Each unit is settled as soon as the pass is done with it, as a reconcile would settle it; only a unit whose
      // writes must be retried goes to the work queue. The others are not diffed once more (an empty plan, ten
      // thousand times over after a full takeover); what changed during the pass reaches the queue from `changes`.
      const summary = yield* takeoverEach(desired, (unitResult) =>
        Effect.zipRight(
          settleUnit(unitResult.key, desired.get(unitResult.key), unitResult),
          requeueIfNeeded(queue, unitResult)
        )).pipe(
          Effect.tapError((error) =>
            Effect.logWarning("takeover pass failed; retrying").pipe(Effect.annotateLogs("error", error.message))
          ),
          Effect.retry({ schedule: retryAvi, while: (error) => error._tag !== "NotLeader" })
        )
      yield* clearOrphanedStatuses(desired, yield* graph.snapshot, writeStatuses)
      const reportUnmodelled = yield* makeUnmodelledReporter(options.ownership)
      yield* reportUnmodelled(cache.view, yield* graph.snapshot)
      const reportUnsupportedCrds = yield* makeUnsupportedCrdReporter
      yield* reportUnsupportedCrds
      // A rule created later is reported within a minute, not at the next full resync.
      yield* reportUnsupportedCrds.pipe(
        Effect.repeat(Schedule.spaced("1 minute")),
        Effect.delay("1 minute"),
        Effect.forkScoped
      )
      yield* report(FULL_TRANSLATION_PROBLEMS, yield* graph.problemsOf(FULL_TRANSLATION_PROBLEMS), [])
      yield* Metric.increment(takeovers)
      yield* Metric.set(takeoverSeconds, (performance.now() - started) / 1000)
      yield* Effect.logInfo("takeover complete; serving the work queue").pipe(
        Effect.annotateLogs({ units: desired.size, stale: summary.stale.applied.length })
      )
      return reportUnmodelled
    })

    yield* changes.pipe(Stream.runForEach(queue.addAll), Effect.forkScoped)
    // The previous leader's abandoned requests may still be applied by the controller after our first writes: once
    // none can land any more, read Avi again and put the units of what changed through the queue, which repairs it.
    yield* Effect.gen(function*() {
      const state = yield* graph.state
      const cleaned = yield* refreshAndCleanStale(state)
      // Such a write changed `_last_modified` of what it wrote, so the refresh found it changed (a delete is reported
      // as vanished, below): the units that want or own those objects are diffed again, not every unit.
      const keys = unitsToRepair(state, cleaned.changed, cache.view)
      yield* queue.addAll(keys)
      yield* Effect.logInfo("late-write repair pass: Avi re-read after the previous leader's last possible write").pipe(
        Effect.annotateLogs({
          units: keys.length,
          changedObjects: cleaned.changed.length,
          staleDeleted: cleaned.stale.applied.length
        })
      )
    }).pipe(
      Effect.delay(options.lateWriteWindow),
      Effect.tapError((error) =>
        Effect.logWarning("late-write repair pass failed; the next resync repairs instead").pipe(
          Effect.annotateLogs("error", error.message)
        )
      ),
      Effect.retry({ schedule: retryAvi, while: (error) => error._tag !== "NotLeader" }),
      Effect.forkScoped
    )
    // Objects Avi lost behind our back (a restore, a wipe): every unit that wants one is written again now, not at
    // the next full resync.
    yield* vanished.pipe(
      Stream.groupedWithin(10_000, "100 millis"),
      Stream.runForEach((objects) =>
        Effect.flatMap(graph.state, (state) => queue.addAll(unitsWanting(state, objects)))
      ),
      Effect.forkScoped
    )
    if (Duration.toMillis(options.resyncInterval) > 0) {
      yield* graph.state.pipe(
        Effect.flatMap((state) => queue.addAll(state.keys())),
        Effect.zipRight(Effect.flatMap(graph.snapshot, (snapshot) => reportUnmodelled(cache.view, snapshot))),
        Effect.repeat(Schedule.spaced(options.resyncInterval)),
        Effect.delay(options.resyncInterval),
        Effect.forkScoped
      )
    }

    const reconcile = (key: string) =>
      Effect.gen(function*() {
        const state = yield* graph.state
        const unit: DesiredUnit | undefined = state.get(key)
        const carriers = ruleCarriers(cache.view, key, unit)
        const unitResult = yield* reconcileUnit(key, unit, { others: others(state) })
        yield* emitAttachmentEvents(
          unitResult.applied.filter((a) => a.result !== "failed" && RULE_CARRIERS.has(a.operation.type)).map((a) => ({
            before: carriers.get(`${a.operation.type}|${a.operation.name}`),
            object: cache.view.get(a.operation.type, a.operation.tenant, a.operation.name)
          })),
          graph.snapshot
        )
        yield* settleUnit(key, unit, unitResult)
        return yield* workQueueOutcome(unitResult)
      })

    return yield* queue.run(options.workers, reconcile)
  }).pipe(
    Effect.scoped,
    // A write refused by the guard means leadership is ending; the runner interrupts this fiber next.
    Effect.catchIf((error): error is NotLeader => error instanceof NotLeader, () => Effect.never)
  )

/**
 * Statuses this controller wrote for objects it no longer handles, for example a Service that stopped being a
 * LoadBalancer or an Ingress that moved to another class while no replica led: nothing in-process remembers them,
 * so the takeover finds them by what they carry. An Ingress or Route with AKO's annotations is ours; a Service that
 * is no LoadBalancer any more cannot legitimately show load-balancer addresses. Failures are logged, not fatal.
 */
const clearOrphanedStatuses = <E, R>(
  desired: DesiredState,
  snapshot: ClusterSnapshot,
  writeStatuses: (objects: Iterable<ObjectRef>, state: DesiredState) => Effect.Effect<void, E, R>
) => {
  const owned = new Set<string>()
  for (const unit of desired.values()) for (const owner of unit.owners) owned.add(refKey(owner))
  const orphans: Array<ObjectRef> = []
  const consider = (kind: "Service" | "Ingress" | "Route", object: AnnotatedObject & ObservedObject) => {
    const ref = objectRef(kind, object)
    if (owned.has(refKey(ref))) return
    const staleService = kind === "Service" &&
      (object as Service).spec?.type !== "LoadBalancer" &&
      (object.status?.loadBalancer?.ingress ?? []).length > 0
    if (staleService || carriesAkoStatus(object)) orphans.push(ref)
  }
  for (const service of snapshot.services.values()) consider("Service", service)
  for (const ingress of snapshot.ingresses.values()) consider("Ingress", ingress)
  for (const route of snapshot.routes.values()) consider("Route", route)
  if (orphans.length === 0) return Effect.void
  return writeStatuses(orphans, desired).pipe(
    Effect.tap(() =>
      Effect.logInfo("cleared statuses of objects no longer handled").pipe(
        Effect.annotateLogs("objects", orphans.map(refKey).join(","))
      )
    ),
    Effect.catchAll((error) =>
      Effect.logWarning("could not clear the status of objects no longer handled").pipe(
        Effect.annotateLogs("error", String(error))
      )
    )
  )
}

/** The object types that say which rule shaped them (`service_metadata.crd_status`). */
const RULE_CARRIERS: ReadonlySet<string> = new Set(["virtualservice", "pool"])

/** A unit's virtual services and pools as the cache holds them before a reconcile, keyed `type|name`. */
const ruleCarriers = (view: CacheView, key: string, unit: DesiredUnit | undefined) => {
  const found = new Map<string, CachedObject>()
  const add = (object: CachedObject | undefined) => {
    if (object !== undefined && RULE_CARRIERS.has(object.type)) found.set(`${object.type}|${object.name}`, object)
  }
  for (const object of unitView(view, key).linked) add(object)
  for (const object of unit?.objects ?? []) add(view.get(object.type, object.tenant, object.name))
  return found
}

const waitsForAddress = (problem: UnitProblem): boolean =>
  problem.reason === "AviNoFreeIp" || problem.message.includes("No available free IPs")

/** A takeover result that still needs work goes to the queue the way a reconcile outcome would. */
const requeueIfNeeded = (queue: WorkQueue<string>, result: UnitResult) =>
  workQueueOutcome(result).pipe(
    Effect.flatMap((outcome) => outcome === undefined ? Effect.void : queue.addAfter(result.key, outcome.requeueAfter)),
    Effect.catchAll(() => queue.addRateLimited(result.key))
  )
