/**
 * The active replica's whole-state passes: the takeover (refresh, stale cleanup, every unit diffed and written
 * where it differs) and deleteConfig (delete everything owned, resumably).
 */
import * as Effect from "effect/Effect"
import type { AviClient, AviError } from "../avi/index.js"
import type { NotLeader, WriteGuard } from "../election/index.js"
import type { DesiredState } from "../model/index.js"
import { AviCache } from "./cache.js"
import type { CachedObject } from "./cache.js"
import type { Operation, UnitPlan } from "./diff.js"
import { cachedUnitKeys, deleteOrder, planUnit, staleObjects, unitView, wantedBy } from "./diff.js"
import type { ExecutorConfig, UnitProblem, UnitResult } from "./executor.js"
import { defaultExecutorConfig, executeUnit } from "./executor.js"
import { holdUnmodelled } from "./unmodelled.js"

export interface PassOptions {
  /** Units executed at once (each unit's writes stay sequential). Default 4. */
  readonly concurrency?: number | undefined
  readonly config?: ExecutorConfig | undefined
}

export const STALE_UNIT_KEY = "<stale>"
export const DELETE_CONFIG_UNIT_KEY = "<deleteConfig>"

export interface TakeoverResult {
  /** The deletes of owned objects nothing wants (shard VsVips kept). */
  readonly stale: UnitResult
  /** Every unit of the desired state and every unit the cache had (gone ones are deleted), by key. */
  readonly units: ReadonlyMap<string, UnitResult>
}

const deletesOf = (key: string, objects: ReturnType<typeof deleteOrder>): UnitPlan => ({
  key,
  tenant: "",
  virtualService: "",
  desired: undefined,
  operations: objects.map((object): Operation => ({
    op: "delete",
    type: object.type,
    name: object.name,
    tenant: object.tenant,
    uuid: object.uuid
  }))
})

export interface CleanResult {
  /** The deletes of owned objects nothing wants. */
  readonly stale: UnitResult
  /** What the refresh found new or modified in Avi since the cache last saw it (`AviCacheService.refresh`). */
  readonly changed: ReadonlyArray<CachedObject>
}

/** A full cache refresh, then the deletes of owned objects nothing wants (shard VsVips kept). */
export const refreshAndCleanStale = (
  desired: DesiredState,
  config: ExecutorConfig = defaultExecutorConfig
): Effect.Effect<CleanResult, AviError | NotLeader, AviClient | AviCache | WriteGuard> =>
  Effect.gen(function*() {
    const cache = yield* AviCache
    const changed = yield* cache.refresh
    const stale = yield* executeUnit(
      deletesOf(STALE_UNIT_KEY, staleObjects(cache.view, desired, cache.config.clusterName)),
      config
    )
    return { stale, changed }
  })

/** What a streamed takeover pass leaves behind: the stale deletes and counts, no per-unit results. */
export interface TakeoverSummary {
  readonly stale: UnitResult
  readonly units: number
  readonly writes: number
}

/**
 * What a new leader runs before it serves the work queue: a full cache refresh, deletion of stale objects, then
 * every unit (desired ones and those only the cache knows) planned and executed. Only differences are written.
 * Each unit's result goes to `onUnit` as soon as the unit is done and is not kept: at 10,000 units, holding every
 * result until the pass ended was tens of MiB of a leader's peak, and its statuses waited for the last unit.
 */
export const takeoverEach = <E, R>(
  desired: DesiredState,
  onUnit: (result: UnitResult) => Effect.Effect<void, E, R>,
  options: PassOptions = {}
): Effect.Effect<TakeoverSummary, AviError | NotLeader | E, AviClient | AviCache | WriteGuard | R> =>
  Effect.gen(function*() {
    const cache = yield* AviCache
    const config = options.config ?? defaultExecutorConfig
    const { stale } = yield* refreshAndCleanStale(desired, config)
    const others = wantedBy(desired)
    const hold = holdUnmodelled(cache.config)
    const keys = [...new Set([...desired.keys(), ...cachedUnitKeys(cache.view)])].sort()
    let writes = 0
    yield* Effect.forEach(
      keys,
      (key) =>
        Effect.suspend(() => executeUnit(planUnit(desired.get(key), unitView(cache.view, key, others, hold)), config))
          .pipe(Effect.flatMap((result) => {
            writes += result.applied.length
            return onUnit(result)
          })),
      { concurrency: options.concurrency ?? 4, discard: true }
    )
    yield* Effect.logInfo("takeover pass done").pipe(
      Effect.annotateLogs({
        units: keys.length,
        staleDeleted: stale.applied.filter((a) => a.result !== "failed").length,
        writes
      })
    )
    return { stale, units: keys.length, writes }
  })

/** `takeoverEach` with every unit's result kept, by key (tests, tools). */
export const takeover = (
  desired: DesiredState,
  options: PassOptions = {}
): Effect.Effect<TakeoverResult, AviError | NotLeader, AviClient | AviCache | WriteGuard> =>
  Effect.gen(function*() {
    const units = new Map<string, UnitResult>()
    const { stale } = yield* takeoverEach(desired, (result) =>
      Effect.sync(() => void units.set(result.key, result)), options)
    return { stale, units }
  })

export interface DeleteProgress {
  /** Owned objects found when the pass started. */
  readonly total: number
  readonly deleted: number
  /** Owned objects the cache still holds. */
  readonly remaining: number
  readonly problems: ReadonlyArray<UnitProblem>
}

export interface DeleteSummary extends DeleteProgress {
  /** Nothing owned is left: the app annotates `AviObjectDeletionStatus: Done` and idles. */
  readonly done: boolean
}

/**
 * deleteConfig: deletes every owned object, unit by unit (SNI children, VS, VsVip, then what they referenced), then
 * whatever is left (orphans, shard VsVips) in reverse dependency order. Starts from a fresh listing, so running it
 * again after a crash continues with what is left. `onProgress` sees the counts after each unit.
 */
export const deleteAllOwned = (
  options: PassOptions & { readonly onProgress?: (progress: DeleteProgress) => Effect.Effect<void> } = {}
): Effect.Effect<DeleteSummary, AviError | NotLeader, AviClient | AviCache | WriteGuard> =>
  Effect.gen(function*() {
    const cache = yield* AviCache
    const config = options.config ?? defaultExecutorConfig
    yield* cache.refresh
    const total = cache.view.objects().length
    const problems: Array<UnitProblem> = []
    const progress = (): DeleteProgress => {
      const remaining = cache.view.objects().length
      return { total, deleted: total - remaining, remaining, problems: [...problems] }
    }
    const report = options.onProgress ?? (() => Effect.void)
    for (const key of cachedUnitKeys(cache.view)) {
      const result = yield* executeUnit(planUnit(undefined, unitView(cache.view, key)), config)
      problems.push(...result.problems)
      yield* report(progress())
    }
    const rest = yield* executeUnit(deletesOf(DELETE_CONFIG_UNIT_KEY, deleteOrder(cache.view.objects())), config)
    problems.push(...rest.problems)
    const last = progress()
    yield* report(last)
    return { ...last, done: last.remaining === 0 }
  })
