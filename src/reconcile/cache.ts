/**
 * The Avi cache: every object this cluster owns, by type, tenant and name, as the controller last returned it.
 * Filled by paginated lists (`created_by=ako-<cluster>`, VsVips by name prefix since they carry no created_by), kept
 * current from write responses, and the only thing the diff reads, so a steady state costs no Avi reads per unit.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AviError, AviListFilters } from "../avi/index.js"
import { AviClient, AviRef } from "../avi/index.js"
import type { AviBody, AviObjectType } from "../model/index.js"
import { observedChecksum, refName } from "../model/index.js"
import { cacheObjects, cacheRefreshDuration } from "./metrics.js"
import { shared, shareStrings } from "./shared-strings.js"

export interface AviCacheConfig {
  readonly clusterName: string
  readonly cloudName: string
  /** `created_by` of owned objects. Default `ako-<clusterName>`. */
  readonly createdBy?: string | undefined
  /** `X-Avi-Tenant` of the lists. Default `*` (every tenant), as AKO outside dedicatedTenantMode. */
  readonly listTenant?: string | undefined
  /** The tenant ako-ts writes to (`tenantName`). Default `admin`. Owned objects elsewhere are left alone. */
  readonly tenantName?: string | undefined
}

/** Every type the reconciler writes, in dependency order (what is referenced comes first). */
export const OWNED_TYPES: ReadonlyArray<AviObjectType> = [
  "vsvip",
  "sslkeyandcertificate",
  "pkiprofile",
  "pool",
  "poolgroup",
  // A HostRule's regex paths; referenced by policy sets.
  "stringgroup",
  "httppolicyset",
  "vsdatascriptset",
  "l4policyset",
  "virtualservice"
]

/** Uuids per `uuid.in` read of modified objects: 50 uuids keep the URL near 2.5 KB. */
const FETCH_BY_UUID = 50

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
  /** The SNI children of a parent VS (by their `vh_parent_vs_ref`, or the parent's `vh_child_vs_uuid`). */
  readonly children: (parent: CachedObject) => ReadonlyArray<CachedObject>
}

export interface AviCacheService {
  readonly config: AviCacheConfig
  /**
   * Re-lists every owned type and replaces the cache; writes recorded during the listing win over it. An object the
   * cache held that the listing lacks is dropped only once a GET confirms it is gone: offset pages shift under
   * concurrent deletes, so a listing can miss objects that still exist. Returns the objects it put: new, or
   * modified since the cache saw them (another `_last_modified`); not those a write here replaced meanwhile.
   */
  readonly refresh: Effect.Effect<ReadonlyArray<CachedObject>, AviError>
  /**
   * Subscribes (in the caller's scope) to the objects a refresh found gone from Avi although nothing here deleted
   * them (a restore, a wipe, an operator): the units that want them must be written again at once.
   */
  readonly vanished: Effect.Effect<Stream.Stream<CachedObject>, never, Scope.Scope>
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

export const toCached = (type: AviObjectType, listed: AviBody, clusterName: string): CachedObject | undefined => {
  const uuid = listed["uuid"]
  const name = listed["name"]
  if (typeof uuid !== "string" || typeof name !== "string") return undefined
  const lastModified = listed["_last_modified"]
  // `url` is the controller's address of the object, a string unique to each (5 MiB at 40,000 objects), read by
  // nothing: diffs and updates leave the envelope to Avi (diff.ts), and the uuid names the object.
  const { url: _url, ...body } = listed
  return {
    type,
    name,
    uuid,
    // A name cut out of `tenant_ref` is a new string per object: pooled, one per tenant.
    tenant: shared(tenantOf(body)),
    body: shareStrings(body),
    lastModified: typeof lastModified === "string" ? lastModified : undefined,
    checksum: observedChecksum(type, body, clusterName)
  }
}

/**
 * The secure VS a passthrough shard's `-insecure` companion belongs to (`service_metadata.passthrough_parent_ref`):
 * the companion is part of its shard's unit, as an SNI child is of its parent's.
 */
export const passthroughParentOf = (object: CachedObject): string | undefined => {
  if (object.type !== "virtualservice" || !object.name.endsWith("-insecure")) return undefined
  const metadata = object.body["service_metadata"]
  if (typeof metadata !== "string") return undefined
  try {
    const parent = (JSON.parse(metadata) as { readonly passthrough_parent_ref?: unknown } | null)
      ?.passthrough_parent_ref
    return typeof parent === "string" && parent !== "" ? parent : undefined
  } catch {
    return undefined
  }
}

const parentKeysOf = (object: CachedObject): ReadonlyArray<string> => {
  const passthroughParent = passthroughParentOf(object)
  if (passthroughParent !== undefined) return [`name:${object.tenant}|${passthroughParent}`]
  const ref = object.type === "virtualservice" ? object.body["vh_parent_vs_ref"] : undefined
  if (typeof ref !== "string" || ref === "") return []
  const parsed = Option.getOrUndefined(AviRef.parse(ref))
  if (parsed === undefined) return []
  return [
    ...(parsed.uuid === undefined ? [] : [`uuid:${parsed.uuid}`]),
    ...(parsed.name === undefined ? [] : [`name:${object.tenant}|${parsed.name}`])
  ]
}

/**
 * The objects by type, tenant and name (nested, so each level's key is a string the object already holds: a joined
 * `type|tenant|name` key per object was 2–4 MiB of strings at 40,000 objects) and by uuid, plus a parent → SNI
 * children index, behind a `CacheView`.
 */
export class ObjectIndex {
  private readonly byName = new Map<string, Map<string, Map<string, CachedObject>>>()
  private readonly byUuid = new Map<string, CachedObject>()
  private readonly childrenOf = new Map<string, Set<string>>()

  constructor(objects: Iterable<CachedObject> = []) {
    for (const object of objects) this.put(object)
  }

  put(object: CachedObject): void {
    this.drop(object.type, object.tenant, object.name)
    const previous = this.byUuid.get(object.uuid)
    if (previous !== undefined) this.drop(previous.type, previous.tenant, previous.name)
    let tenants = this.byName.get(object.type)
    if (tenants === undefined) this.byName.set(object.type, tenants = new Map())
    let names = tenants.get(object.tenant)
    if (names === undefined) tenants.set(object.tenant, names = new Map())
    names.set(object.name, object)
    this.byUuid.set(object.uuid, object)
    for (const parent of parentKeysOf(object)) {
      const set = this.childrenOf.get(parent) ?? new Set<string>()
      set.add(object.uuid)
      this.childrenOf.set(parent, set)
    }
  }

  drop(type: string, tenant: string, name: string): void {
    const names = this.byName.get(type)?.get(tenant)
    const previous = names?.get(name)
    if (names === undefined || previous === undefined) return
    names.delete(name)
    if (names.size === 0) this.byName.get(type)?.delete(tenant)
    this.byUuid.delete(previous.uuid)
    for (const parent of parentKeysOf(previous)) this.childrenOf.get(parent)?.delete(previous.uuid)
  }

  count(type: string): number {
    let count = 0
    for (const names of this.byName.get(type)?.values() ?? []) count += names.size
    return count
  }

  lookup(type: string, tenant: string, name: string): CachedObject | undefined {
    return this.byName.get(type)?.get(tenant)?.get(name)
  }

  readonly view: CacheView = {
    get: (type, tenant, name) => this.lookup(type, tenant, name),
    byUuid: (uuid) => this.byUuid.get(uuid),
    objects: () => {
      const all: Array<CachedObject> = []
      for (const tenants of this.byName.values()) {
        for (const names of tenants.values()) for (const object of names.values()) all.push(object)
      }
      return all
    },
    children: (parent) => {
      const uuids = new Set<string>([
        ...(this.childrenOf.get(`uuid:${parent.uuid}`) ?? []),
        ...(this.childrenOf.get(`name:${parent.tenant}|${parent.name}`) ?? [])
      ])
      const listed = parent.body["vh_child_vs_uuid"]
      if (Array.isArray(listed)) { for (const uuid of listed) if (typeof uuid === "string") uuids.add(uuid) }
      uuids.delete(parent.uuid)
      return [...uuids].map((uuid) => this.byUuid.get(uuid)).filter((child): child is CachedObject =>
        child !== undefined && child.type === "virtualservice"
      )
    }
  }
}

/** A fixed view over a list of objects (tests, tools). */
export const viewOf = (objects: Iterable<CachedObject>): CacheView => new ObjectIndex(objects).view

export const makeAviCache = (config: AviCacheConfig): Effect.Effect<AviCacheService, never, AviClient> =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const createdBy = createdByOf(config)
    const prefix = `${config.clusterName}--`
    const listTenant = config.listTenant ?? "*"
    const index = new ObjectIndex()
    const synced = yield* Ref.make(false)
    const refreshLock = yield* Effect.makeSemaphore(1)
    const vanishedHub = yield* PubSub.unbounded<CachedObject>()
    /** Keys written while a refresh lists: the listing may predate the write, so the write wins at the swap. */
    let touchedDuringRefresh: Set<string> | undefined

    const put = (object: CachedObject) => index.put(object)

    const counts = () => Object.fromEntries(OWNED_TYPES.map((type) => [type, index.count(type)]))
    // One label array per type, made once and set in place on every write: Effect finds the series of an array it has
    // seen by the array itself (a tagged gauge joins its labels into a new array per update, and Effect built and
    // hashed a metric key for each), and the fiber's metric labels, which ako-ts never sets, are not read.
    const typeLabels = new Map<AviObjectType, ReadonlyArray<MetricLabel.MetricLabel>>()
    const labelsOf = (type: AviObjectType) => {
      let labels = typeLabels.get(type)
      if (labels === undefined) {
        labels = [MetricLabel.make("type", type)]
        typeLabels.set(type, labels)
      }
      return labels
    }
    const setCount = (type: AviObjectType) => cacheObjects.unsafeUpdate(index.count(type), labelsOf(type))
    const publishCount = (type: AviObjectType) => Effect.sync(() => setCount(type))
    const publishCounts = Effect.forEach(OWNED_TYPES, publishCount, { discard: true })

    const filtersOf = (type: AviObjectType) => {
      // VsVips carry no created_by; string groups carry it as a marker only (AKO lists them by that label).
      const filters = type === "vsvip"
        ? { "name.contains": prefix }
        : type === "stringgroup"
        ? { label_key: "created_by", label_value: createdBy }
        : { created_by: createdBy }
      return CLOUD_FILTERED.has(type) ? { ...filters, "cloud_ref.name": config.cloudName } : filters
    }
    const ours = (type: AviObjectType, name: unknown) =>
      typeof name === "string" && (type !== "vsvip" || name.startsWith(prefix))

    /**
     * The cached object itself when the listing shows it unmodified since (same `_last_modified`): a refresh then
     * holds one copy of what did not change, not two.
     */
    const unchanged = (type: AviObjectType, body: AviBody): CachedObject | undefined => {
      const uuid = body["uuid"]
      const modified = body["_last_modified"]
      if (typeof uuid !== "string" || typeof modified !== "string") return undefined
      const known = index.view.byUuid(uuid)
      return known !== undefined && known.type === type && known.lastModified === modified ? known : undefined
    }

    /** Whole objects, page by page: those of a type not cached yet, or modified since they were. */
    const listWhole = (type: AviObjectType, filters: AviListFilters, into: Array<CachedObject>) =>
      avi.list(type, { ...filters, include_name: true, page_size: 100 }, { tenant: listTenant }).pipe(
        Stream.runForEachChunk((page) =>
          Effect.sync(() => {
            for (const body of page) {
              const object = toCached(type, body as unknown as AviBody, config.clusterName)
              if (object !== undefined && ours(type, object.name)) into.push(object)
            }
          })
        )
      )

    /**
     * Every owned object of a type. With objects of the type cached, the listing asks for `_last_modified` only
     * (Avi always adds name, url and uuid), and only objects modified since are fetched whole, by uuid: a refresh of
     * an unchanged controller reads a tenth of the bytes, and parses and holds no second copy of the cache. Without
     * any (the first refresh), it lists whole objects at once.
     */
    const listType = (type: AviObjectType): Effect.Effect<Array<CachedObject>, AviError> =>
      Effect.gen(function*() {
        const filters = filtersOf(type)
        const listed: Array<CachedObject> = []
        if (index.count(type) === 0) {
          yield* listWhole(type, filters, listed)
          return listed
        }
        const modified: Array<string> = []
        yield* avi.list(type, { ...filters, fields: "_last_modified", page_size: 200 }, { tenant: listTenant }).pipe(
          Stream.runForEachChunk((page) =>
            Effect.sync(() => {
              for (const item of page) {
                const body = item as unknown as AviBody
                const uuid = body["uuid"]
                if (typeof uuid !== "string" || !ours(type, body["name"])) continue
                const known = unchanged(type, body)
                if (known !== undefined) listed.push(known)
                else modified.push(uuid)
              }
            })
          )
        )
        // An object deleted between the two reads is simply not listed: the refresh confirms it gone by uuid.
        for (let start = 0; start < modified.length; start += FETCH_BY_UUID) {
          const uuids = modified.slice(start, start + FETCH_BY_UUID).join(",")
          yield* listWhole(type, { ...filters, "uuid.in": uuids }, listed)
        }
        return listed
      })

    /** The object as Avi holds it now, or undefined when Avi says it is gone; other failures keep `object`. */
    const confirm = (object: CachedObject): Effect.Effect<CachedObject | undefined> =>
      avi.get(object.type, object.uuid, { tenant: listTenant }).pipe(
        Effect.map((body) => toCached(object.type, body as unknown as AviBody, config.clusterName) ?? object),
        Effect.catchTag("AviNotFound", () => Effect.succeed(undefined)),
        Effect.catchAll(() => Effect.succeed(object))
      )

    const refresh = refreshLock.withPermits(1)(
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        touchedDuringRefresh = new Set()
        const before = index.view.objects()
        const lists = yield* Effect.forEach(OWNED_TYPES, listType, { concurrency: 4 })
        const listed = new Set(lists.flatMap((list) => list.map((object) => object.uuid)))
        const unlisted = before.filter((object) => !listed.has(object.uuid))
        const confirmed = yield* Effect.forEach(unlisted, confirm, { concurrency: 8 })
        const touched = touchedDuringRefresh
        // A write during the listing wins over it, for its key and for its uuid (a listed object under another key).
        const writtenMeanwhile = (object: CachedObject) => {
          if (touched.has(cacheKey(object.type, object.tenant, object.name))) return true
          const sameUuid = index.view.byUuid(object.uuid)
          return sameUuid !== undefined && touched.has(cacheKey(sameUuid.type, sameUuid.tenant, sameUuid.name))
        }
        // Only what differs is put: clearing and re-keying all 40,000 objects of an unchanged controller every minute
        // made garbage of every map entry and key, for the heap to grow by between collections.
        const changed: Array<CachedObject> = []
        for (const list of lists) {
          for (const object of list) {
            if (index.view.byUuid(object.uuid) !== object && !writtenMeanwhile(object)) {
              put(object)
              changed.push(object)
            }
          }
        }
        const gone: Array<CachedObject> = []
        unlisted.forEach((object, i) => {
          if (writtenMeanwhile(object)) return
          const now = confirmed[i]
          if (now !== undefined) {
            put(now)
            if (now.lastModified === undefined || now.lastModified !== object.lastModified) changed.push(now)
          } else {
            // The name may already belong to another object, listed in its place (re-created by someone else).
            if (index.lookup(object.type, object.tenant, object.name)?.uuid === object.uuid) {
              index.drop(object.type, object.tenant, object.name)
            }
            gone.push(object)
          }
        })
        if (gone.length > 0) {
          yield* Effect.logWarning("owned Avi objects disappeared outside ako-ts; their units are written again").pipe(
            Effect.annotateLogs({
              count: gone.length,
              objects: gone.slice(0, 20).map((o) => `${o.type}/${o.name}`).join(",")
            })
          )
          yield* PubSub.publishAll(vanishedHub, gone)
        }
        yield* Ref.set(synced, true)
        yield* publishCounts
        const elapsed = (yield* Clock.currentTimeMillis) - started
        yield* Metric.update(cacheRefreshDuration, elapsed / 1000)
        return changed
      }).pipe(Effect.ensuring(Effect.sync(() => void (touchedDuringRefresh = undefined))))
    )

    const touch = (key: string) => touchedDuringRefresh?.add(key)

    const service: AviCacheService = {
      config,
      refresh,
      vanished: Effect.map(PubSub.subscribe(vanishedHub), (queue) => Stream.fromQueue(queue)),
      synced: Ref.get(synced),
      view: index.view,
      // One step each: every Avi write ends in one of them.
      applyWriteResult: (type, body) =>
        Effect.sync(() => {
          const object = toCached(type, body, config.clusterName)
          if (object === undefined) return undefined
          touch(cacheKey(type, object.tenant, object.name))
          put(object)
          setCount(type)
          return object
        }),
      remove: (type, tenant, name) =>
        Effect.sync(() => {
          touch(cacheKey(type, tenant, name))
          index.drop(type, tenant, name)
          setCount(type)
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
