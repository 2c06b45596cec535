/**
 * The Avi cache: every object this cluster owns, by type, tenant and name, as the controller last returned it.
 * Filled by paginated lists (`created_by=ako-<cluster>`, VsVips by name prefix since they carry no created_by), kept
 * current from write responses, and the only thing the diff reads, so a steady state costs no Avi reads per unit.
 */
import { Clock, Context, Effect, Layer, Metric, Ref, Schedule, Stream } from "effect"
import type { Duration } from "effect"
import type { AviError } from "../avi/index.js"
import { AviClient } from "../avi/index.js"
import type { AviBody, AviObjectType } from "../model/index.js"
import { observedChecksum, refName } from "../model/index.js"
import { cacheObjects, cacheRefreshDuration } from "./metrics.js"

export interface AviCacheConfig {
  readonly clusterName: string
  readonly cloudName: string
  /** `created_by` of owned objects. Default `ako-<clusterName>`. */
  readonly createdBy?: string | undefined
  /** `X-Avi-Tenant` of the lists. Default `*` (every tenant), as AKO outside dedicatedTenantMode. */
  readonly listTenant?: string | undefined
}

/** Every type the reconciler writes, in dependency order (what is referenced comes first). */
export const OWNED_TYPES: ReadonlyArray<AviObjectType> = [
  "vsvip",
  "sslkeyandcertificate",
  "pool",
  "poolgroup",
  "httppolicyset",
  "vsdatascriptset",
  "l4policyset",
  "virtualservice"
]

/** Types AKO lists with `cloud_ref.name=<cloud>` as well (the others carry no cloud_ref). */
const CLOUD_FILTERED: ReadonlySet<AviObjectType> = new Set(["virtualservice", "pool", "poolgroup", "vsvip"])

export interface CachedObject {
  readonly type: AviObjectType
  readonly name: string
  readonly uuid: string
  readonly tenant: string
  /** The object as the controller returned it (refs as `https://…#name`). */
  readonly body: AviBody
  readonly lastModified: string | undefined
  /** `observedChecksum`: the stored checksum field, or the projection's checksum for types without one. */
  readonly checksum: string | undefined
}

/** A read-only look at the cache. It is live: read it within one synchronous step (planning is one). */
export interface CacheView {
  readonly get: (type: AviObjectType, tenant: string, name: string) => CachedObject | undefined
  readonly byUuid: (uuid: string) => CachedObject | undefined
  readonly objects: () => ReadonlyArray<CachedObject>
}

export interface AviCacheService {
  readonly config: AviCacheConfig
  /** Re-lists every owned type and replaces the cache; writes recorded during the listing win over it. */
  readonly refresh: Effect.Effect<void, AviError>
  /** True once a full refresh has succeeded (and after each later successful one). */
  readonly synced: Effect.Effect<boolean>
  readonly view: CacheView
  /** Records the object a POST/PUT (or a GET by name) returned. */
  readonly applyWriteResult: (type: AviObjectType, body: AviBody) => Effect.Effect<CachedObject | undefined>
  /** Forgets an object (deleted, or found gone by a 404). */
  readonly remove: (type: AviObjectType, tenant: string, name: string) => Effect.Effect<void>
  readonly counts: Effect.Effect<Readonly<Record<string, number>>>
}

export class AviCache extends Context.Tag("ako-ts/AviCache")<AviCache, AviCacheService>() {
  static readonly layer = (config: AviCacheConfig): Layer.Layer<AviCache, never, AviClient> =>
    Layer.effect(AviCache, makeAviCache(config))
}

export const createdByOf = (config: AviCacheConfig): string => config.createdBy ?? `ako-${config.clusterName}`

export const cacheKey = (type: string, tenant: string, name: string): string => `${type}|${tenant}|${name}`

/** The tenant an object lives in, from its `tenant_ref` (`…/tenant/admin#admin` or `/api/tenant/?name=admin`). */
export const tenantOf = (body: AviBody): string => {
  const ref = body["tenant_ref"]
  if (typeof ref !== "string" || ref === "") return "admin"
  const name = refName(ref)
  return name === ref ? ref.slice(ref.lastIndexOf("/") + 1) : name
}

export const toCached = (type: AviObjectType, body: AviBody): CachedObject | undefined => {
  const uuid = body["uuid"]
  const name = body["name"]
  if (typeof uuid !== "string" || typeof name !== "string") return undefined
  const lastModified = body["_last_modified"]
  return {
    type,
    name,
    uuid,
    tenant: tenantOf(body),
    body,
    lastModified: typeof lastModified === "string" ? lastModified : undefined,
    checksum: observedChecksum(type, body)
  }
}

export const makeAviCache = (config: AviCacheConfig): Effect.Effect<AviCacheService, never, AviClient> =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const createdBy = createdByOf(config)
    const prefix = `${config.clusterName}--`
    const listTenant = config.listTenant ?? "*"
    const byKey = new Map<string, CachedObject>()
    const byUuid = new Map<string, CachedObject>()
    const synced = yield* Ref.make(false)
    const refreshLock = yield* Effect.makeSemaphore(1)
    /** Keys written while a refresh lists: the listing may predate the write, so the write wins at the swap. */
    let touchedDuringRefresh: Set<string> | undefined

    const put = (object: CachedObject) => {
      const key = cacheKey(object.type, object.tenant, object.name)
      const previous = byKey.get(key)
      if (previous !== undefined && previous.uuid !== object.uuid) byUuid.delete(previous.uuid)
      byKey.set(key, object)
      byUuid.set(object.uuid, object)
    }
    const drop = (key: string) => {
      const previous = byKey.get(key)
      if (previous === undefined) return
      byKey.delete(key)
      byUuid.delete(previous.uuid)
    }

    const counts = () => {
      const result: Record<string, number> = Object.fromEntries(OWNED_TYPES.map((type) => [type, 0]))
      for (const object of byKey.values()) result[object.type] = (result[object.type] ?? 0) + 1
      return result
    }
    const publishCounts = Effect.suspend(() =>
      Effect.forEach(
        Object.entries(counts()),
        ([type, count]) => Metric.set(cacheObjects.pipe(Metric.tagged("type", type)), count),
        { discard: true }
      )
    )

    const listType = (type: AviObjectType) => {
      const filters = type === "vsvip"
        ? { "name.contains": prefix }
        : { created_by: createdBy }
      const withCloud = CLOUD_FILTERED.has(type) ? { ...filters, "cloud_ref.name": config.cloudName } : filters
      return avi.list(type, { ...withCloud, include_name: true, page_size: 100 }, { tenant: listTenant }).pipe(
        Stream.map((object) => toCached(type, object as unknown as AviBody)),
        Stream.filter((object): object is CachedObject =>
          object !== undefined && (type !== "vsvip" || object.name.startsWith(prefix))
        ),
        Stream.runCollect
      )
    }

    const refresh = refreshLock.withPermits(1)(
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        touchedDuringRefresh = new Set()
        const lists = yield* Effect.forEach(OWNED_TYPES, listType, { concurrency: 4 })
        const touched = touchedDuringRefresh
        const kept = [...touched].map((key) => [key, byKey.get(key)] as const)
        byKey.clear()
        byUuid.clear()
        for (const list of lists) for (const object of list) put(object)
        for (const [key, object] of kept) {
          if (object === undefined) drop(key)
          else put(object)
        }
        yield* Ref.set(synced, true)
        yield* publishCounts
        const elapsed = (yield* Clock.currentTimeMillis) - started
        yield* Metric.update(cacheRefreshDuration, elapsed / 1000)
      }).pipe(Effect.ensuring(Effect.sync(() => void (touchedDuringRefresh = undefined))))
    )

    const touch = (key: string) => touchedDuringRefresh?.add(key)

    const service: AviCacheService = {
      config,
      refresh,
      synced: Ref.get(synced),
      view: {
        get: (type, tenant, name) => byKey.get(cacheKey(type, tenant, name)),
        byUuid: (uuid) => byUuid.get(uuid),
        objects: () => [...byKey.values()]
      },
      applyWriteResult: (type, body) =>
        Effect.suspend(() => {
          const object = toCached(type, body)
          if (object === undefined) return Effect.succeed(undefined)
          touch(cacheKey(type, object.tenant, object.name))
          put(object)
          return Effect.as(publishCounts, object)
        }),
      remove: (type, tenant, name) =>
        Effect.suspend(() => {
          const key = cacheKey(type, tenant, name)
          touch(key)
          drop(key)
          return publishCounts
        }),
      counts: Effect.sync(counts)
    }
    return service
  })

/**
 * The passive replica's loop: refresh every `interval` (reads only). A failed refresh is logged and tried again at
 * the next tick; the cache keeps what it had.
 */
export const runPeriodicRefresh = (interval: Duration.DurationInput): Effect.Effect<never, never, AviCache> =>
  Effect.gen(function*() {
    const cache = yield* AviCache
    const once = cache.refresh.pipe(
      Effect.catchAll((error) =>
        Effect.logWarning("Avi cache refresh failed").pipe(
          Effect.annotateLogs({ error: error._tag, detail: error.message })
        )
      )
    )
    return yield* Effect.repeat(once, Schedule.spaced(interval)).pipe(Effect.zipRight(Effect.never))
  })
