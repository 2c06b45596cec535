/**
 * A reflector: paginated list, then watch from the list's resourceVersion with bookmarks; resume from the last
 * resourceVersion after a clean close or an error (jittered exponential backoff), relist on 410 Gone. Objects are
 * decoded with Schema into one shape and kept in a store keyed `namespace/name`; changed keys are published.
 * Unlike client-node's informer it never stops by itself and interruption aborts the watch request.
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as HashMap from "effect/HashMap"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { RawWatchEvent } from "./client.js"
import type { KubeError } from "./errors.js"
import { KubeApiError, KubeTransportError } from "./errors.js"
import { objectKey } from "./resources.js"

export interface ListPage {
  readonly items: ReadonlyArray<unknown>
  readonly resourceVersion: string
  readonly continueToken: string | undefined
}

/** Where a reflector reads from: the API server (`kubeListWatchSource`) or an in-memory fake. */
export interface ListWatchSource {
  readonly list: (options: {
    readonly limit: number
    readonly continueToken: string | undefined
  }) => Effect.Effect<ListPage, KubeError>
  /** Watch from `resourceVersion` with bookmarks; the server closes it after `timeoutSeconds`. */
  readonly watch: (options: {
    readonly resourceVersion: string
    readonly timeoutSeconds: number
  }) => Stream.Stream<RawWatchEvent, KubeError>
}

/** The resourceVersion is too old (HTTP 410 at connect, or an ERROR event with code 410): relist. */
export class WatchGone extends Data.TaggedError("WatchGone")<{ readonly message: string }> {}

interface Meta {
  readonly metadata?: {
    readonly name?: string | undefined
    readonly namespace?: string | undefined
    readonly resourceVersion?: string | undefined
  } | undefined
}

export interface ReflectorOptions<A extends Meta, I> {
  /** Label for logs and metrics, e.g. "Service". */
  readonly kind: string
  readonly source: ListWatchSource
  readonly schema: Schema.Schema<A, I>
  readonly pageSize?: number | undefined
  /**
   * A secondary index kept with the store, as client-go's Indexers: the objects by the value this returns (none when
   * it returns undefined), each value's objects in store-key order, read through `StoreSnapshot.indexed`. It changes in
   * the same step as the store, by the one object that changed, so a snapshot's index always matches its objects.
   */
  readonly indexBy?: ((object: A) => string | undefined) | undefined
  /** Upper bound of one list request (a black-holed API server must not stall the reflector); default 60 s. */
  readonly listTimeoutMillis?: number | undefined
  readonly backoff?: {
    readonly initialMillis?: number | undefined
    readonly maxMillis?: number | undefined
    readonly resetAfterMillis?: number | undefined
  } | undefined
}

/** The objects of one index value, in store-key order. */
type Bucket<A> = ReadonlyArray<A>

/** A reflector's store as of one moment: its objects by key, and by index value (empty without `indexBy`). */
interface Stored<A> {
  readonly objects: HashMap.HashMap<string, A>
  readonly index: HashMap.HashMap<string, Bucket<A>>
}

const keyOfObject = (object: Meta): string => objectKey(object.metadata ?? {})

const withoutKey = <A extends Meta>(bucket: Bucket<A>, key: string): Bucket<A> | undefined => {
  const kept = bucket.filter((object) => keyOfObject(object) !== key)
  return kept.length === 0 ? undefined : kept
}

const withObject = <A extends Meta>(bucket: Bucket<A>, key: string, object: A): Bucket<A> => {
  const kept = withoutKey(bucket, key) ?? []
  const at = kept.findIndex((other) => keyOfObject(other) > key)
  return at < 0 ? [...kept, object] : [...kept.slice(0, at), object, ...kept.slice(at)]
}

/**
 * The store after one object under `key` is set (or removed, `object` undefined). Only the index values of the old and
 * the new object are touched, each a copy of that value's few objects: an EndpointSlice change no longer rebuilds an
 * index over every slice of the cluster (29 ms of a leader's CPU per change at 10,000 Services).
 */
const storeWith = <A extends Meta>(
  stored: Stored<A>,
  key: string,
  object: A | undefined,
  indexBy: ((object: A) => string | undefined) | undefined
): Stored<A> => {
  const objects = object === undefined ? HashMap.remove(stored.objects, key) : HashMap.set(stored.objects, key, object)
  if (indexBy === undefined) return { objects, index: stored.index }
  let index = stored.index
  const previous = Option.getOrUndefined(HashMap.get(stored.objects, key))
  const from = previous === undefined ? undefined : indexBy(previous)
  if (from !== undefined) {
    const bucket = Option.getOrUndefined(HashMap.get(index, from))
    const kept = bucket === undefined ? undefined : withoutKey(bucket, key)
    index = kept === undefined ? HashMap.remove(index, from) : HashMap.set(index, from, kept)
  }
  const to = object === undefined ? undefined : indexBy(object)
  if (to !== undefined && object !== undefined) {
    index = HashMap.set(index, to, withObject(Option.getOrElse(HashMap.get(index, to), () => []), key, object))
  }
  return { objects, index }
}

/** A whole store from a list, its index built once. */
const storeOf = <A extends Meta>(
  objects: HashMap.HashMap<string, A>,
  indexBy: ((object: A) => string | undefined) | undefined
): Stored<A> => {
  if (indexBy === undefined) return { objects, index: HashMap.empty() }
  const buckets = new Map<string, Array<readonly [string, A]>>()
  for (const [key, object] of objects) {
    const value = indexBy(object)
    if (value === undefined) continue
    const bucket = buckets.get(value)
    if (bucket === undefined) buckets.set(value, [[key, object]])
    else bucket.push([key, object])
  }
  let index = HashMap.empty<string, Bucket<A>>().pipe(HashMap.beginMutation)
  for (const [value, bucket] of buckets) {
    bucket.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    index = HashMap.set(index, value, bucket.map(([, object]) => object))
  }
  return { objects, index: HashMap.endMutation(index) }
}

const NO_OBJECTS: ReadonlyArray<never> = []

/**
 * A snapshot of a store: its objects through the ReadonlyMap interface the model takes, and with `indexBy` its
 * secondary index (absent without: "no index" must not read as "no objects").
 */
export interface StoreSnapshot<A> extends ReadonlyMap<string, A> {
  /** The objects whose `indexBy` value is `value`, in store-key order. */
  readonly indexed?: (value: string) => ReadonlyArray<A>
}

/**
 * The store read through the ReadonlyMap interface the model takes. The store is a persistent map, so a view is
 * immutable and costs nothing to make; copying it into a Map on every change made a burst of N changes cost N²
 * (1,000 new Services: 1.5 s of a leader's CPU in copies alone, and garbage the size of the cluster per change).
 */
class StoreView<A> implements StoreSnapshot<A> {
  private readonly store: HashMap.HashMap<string, A>
  constructor(protected readonly stored: Stored<A>) {
    this.store = stored.objects
  }
  isOver(stored: Stored<A>): boolean {
    return this.stored === stored
  }
  get size(): number {
    return HashMap.size(this.store)
  }
  get(key: string): A | undefined {
    return Option.getOrUndefined(HashMap.get(this.store, key))
  }
  has(key: string): boolean {
    return HashMap.has(this.store, key)
  }
  *entries(): MapIterator<[string, A]> {
    yield* this.store
  }
  *keys(): MapIterator<string> {
    for (const [key] of this.store) yield key
  }
  *values(): MapIterator<A> {
    for (const [, value] of this.store) yield value
  }
  forEach(callback: (value: A, key: string, map: ReadonlyMap<string, A>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.store) callback.call(thisArg, value, key, this)
  }
  [Symbol.iterator](): MapIterator<[string, A]> {
    return this.entries()
  }
}

class IndexedStoreView<A> extends StoreView<A> {
  indexed(value: string): ReadonlyArray<A> {
    return Option.getOrElse(HashMap.get(this.stored.index, value), () => NO_OBJECTS)
  }
}

export interface Reflector<A> {
  readonly kind: string
  readonly get: (key: string) => Effect.Effect<Option.Option<A>>
  /** The store as an immutable map (the same instance until the next change). */
  readonly snapshot: Effect.Effect<StoreSnapshot<A>>
  readonly size: Effect.Effect<number>
  /** Completes once the first list has been stored. */
  readonly ready: Effect.Effect<void>
  readonly isReady: Effect.Effect<boolean>
  /** Keys added, changed or removed after the subscription starts. */
  readonly changes: Stream.Stream<string>
  /**
   * Subscribes now, in the caller's scope, and returns the keys changed from this moment on. Prefer it to
   * `changes` where nothing may be missed between a first read of the store and the start of the stream (`changes`
   * subscribes only when it starts running).
   */
  readonly subscribe: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
  /**
   * Calls `listener` with every key changed from now on, synchronously as the store changes, until the caller's
   * scope closes. For consumers that gather the changes of many reflectors into one queue of their own: a stream
   * per reflector merged into one cost forked fibers and channel steps for every event. The listener runs inside
   * the reflector's own step, so it must be quick and must not throw (offering to an unbounded queue is both).
   */
  readonly listen: (listener: (key: string) => void) => Effect.Effect<void, never, Scope.Scope>
  /** The last resourceVersion seen (list, event or bookmark). */
  readonly resourceVersion: Effect.Effect<string | undefined>
  /** The list+watch loop; never ends on its own. */
  readonly run: Effect.Effect<never>
}

const relists = Metric.counter("ako_k8s_relists_total", { description: "Full lists by reflectors", incremental: true })
const watchEvents = Metric.counter("ako_k8s_watch_events_total", {
  description: "Watch events received by reflectors (type: ADDED, MODIFIED, DELETED, BOOKMARK)",
  incremental: true
})
const reflectorErrors = Metric.counter("ako_k8s_reflector_errors_total", {
  description: "List/watch errors of reflectors (reason: gone, error, decode)",
  incremental: true
})
const storeObjects = Metric.gauge("ako_k8s_store_objects", { description: "Objects in a reflector's store" })
const reflectorReady = Metric.gauge("ako_k8s_reflector_ready", { description: "1 once a reflector has listed" })

const MetaJson = Schema.Struct({
  metadata: Schema.optional(Schema.Struct({
    name: Schema.optional(Schema.String),
    namespace: Schema.optional(Schema.String),
    resourceVersion: Schema.optional(Schema.String)
  }))
})
const decodeMeta = Schema.decodeUnknownOption(MetaJson)

const isGone = (error: KubeError | WatchGone): boolean =>
  error._tag === "WatchGone" || (error._tag === "KubeApiError" && error.status === 410)

export const makeReflector = <A extends Meta, I>(options: ReflectorOptions<A, I>): Effect.Effect<Reflector<A>> =>
  Effect.gen(function*() {
    const { kind, source } = options
    const pageSize = options.pageSize ?? 500
    const listTimeoutMillis = options.listTimeoutMillis ?? 60_000
    const initialMillis = options.backoff?.initialMillis ?? 800
    const maxMillis = options.backoff?.maxMillis ?? 30_000
    const resetAfterMillis = options.backoff?.resetAfterMillis ?? 120_000
    const relistsK = Metric.tagged(relists, "kind", kind)
    const readyK = Metric.tagged(reflectorReady, "kind", kind)
    const errorsK = (reason: string) =>
      Metric.taggedWithLabels(reflectorErrors, [MetricLabel.make("kind", kind), MetricLabel.make("reason", reason)])
    // The per-event metrics are updated with label arrays made once: Effect finds the series of an array it has seen
    // by the array itself, while a tagged metric joins its labels into a new array on every update, and Effect built
    // and hashed a metric key per event for it (profiles showed it).
    const kindLabels = [MetricLabel.make("kind", kind)]
    const setObjectCount = (count: number) => storeObjects.unsafeUpdate(count, kindLabels)
    const eventLabelsByType = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
    const countEvent = (type: string) => {
      let labels = eventLabelsByType.get(type)
      if (labels === undefined) {
        labels = [...kindLabels, MetricLabel.make("type", type)]
        eventLabelsByType.set(type, labels)
      }
      watchEvents.unsafeUpdate(1, labels)
    }

    const { indexBy } = options
    // Plain cells, read and changed in synchronous steps only (as atomic as a Ref's): a chunk of watch events is
    // applied in one step, where a Ref's get and set were fiber steps per event.
    let store: Stored<A> = { objects: HashMap.empty(), index: HashMap.empty() }
    let rv: string | undefined
    const ready = yield* Deferred.make<void>()
    const listeners = new Set<(key: string) => void>()
    const publishNow = (keys: Iterable<string>) => {
      for (const key of keys) for (const listener of listeners) listener(key)
    }
    const publish = (keys: Iterable<string>) => Effect.sync(() => publishNow(keys))
    const listen = (listener: (key: string) => void) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          // a function may listen twice (two scopes): each registration is its own entry
          const entry = (key: string) => listener(key)
          listeners.add(entry)
          return entry
        }),
        (entry) => Effect.sync(() => listeners.delete(entry))
      ).pipe(Effect.asVoid)
    const subscribe = Effect.gen(function*() {
      const keys = yield* Effect.acquireRelease(Queue.unbounded<string>(), Queue.shutdown)
      yield* listen((key) => Queue.unsafeOffer(keys, key))
      return Stream.fromQueue(keys)
    })
    const decode = Schema.decodeUnknownEither(options.schema)
    let cachedView: StoreView<A> | undefined

    const decodeOne = (raw: unknown) =>
      Either.match(decode(raw), {
        onLeft: (error) =>
          Metric.increment(errorsK("decode")).pipe(
            Effect.zipRight(Effect.logWarning(`${kind}: skipping an object that does not decode`, error.message)),
            Effect.as(Option.none<A>())
          ),
        onRight: (a) => Effect.succeed(Option.some(a))
      })

    const relist = Effect.gen(function*() {
      const items: Array<unknown> = []
      let continueToken: string | undefined = undefined
      let listRv = ""
      do {
        const page: ListPage = yield* source.list({ limit: pageSize, continueToken }).pipe(
          Effect.timeoutFail({
            duration: listTimeoutMillis,
            onTimeout: () =>
              new KubeTransportError({
                message: `list timed out after ${listTimeoutMillis} ms`,
                method: "GET",
                path: kind
              })
          })
        )
        for (const item of page.items) items.push(item)
        listRv = page.resourceVersion
        continueToken = page.continueToken
      } while (continueToken !== undefined && continueToken !== "")
      let next = HashMap.empty<string, A>().pipe(HashMap.beginMutation)
      for (const raw of items) {
        const decoded = yield* decodeOne(raw)
        if (Option.isSome(decoded)) next = HashMap.set(next, objectKey(decoded.value.metadata ?? {}), decoded.value)
      }
      next = HashMap.endMutation(next)
      const previous = store.objects
      store = storeOf(next, indexBy)
      const keys: Array<string> = []
      for (const [key, object] of next) {
        const old = HashMap.get(previous, key)
        if (Option.isNone(old) || old.value.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
          keys.push(key)
        }
      }
      for (const key of HashMap.keys(previous)) if (!HashMap.has(next, key)) keys.push(key)
      yield* publish(keys)
      rv = listRv
      yield* Metric.increment(relistsK)
      setObjectCount(HashMap.size(next))
      yield* Metric.set(readyK, 1)
      yield* Deferred.succeed(ready, undefined)
      yield* Effect.logDebug(`${kind}: listed`).pipe(
        Effect.annotateLogs({ objects: HashMap.size(next), resourceVersion: listRv })
      )
    })

    /**
     * Applies one event to the store in place and adds the key it changed to `changed`. What needs more than that
     * (an ERROR event ends the watch; an object that does not decode is counted and logged) comes back as an effect.
     */
    const apply = (event: RawWatchEvent, changed: Array<string>): Effect.Effect<void, KubeError | WatchGone> | void => {
      // in place (no fiber labels read: ako-ts sets none), as the work queue's and the Avi client's metrics
      countEvent(event.type)
      if (event.type === "ERROR") {
        const status = event.object as { code?: unknown; message?: unknown } | null
        const message = typeof status?.message === "string" ? status.message : JSON.stringify(event.object)
        if (status?.code === 410) return Effect.fail(new WatchGone({ message }))
        return Effect.fail(
          new KubeApiError({
            status: typeof status?.code === "number" ? status.code : 500,
            reason: "WatchError",
            message,
            method: "GET",
            path: "(watch)"
          })
        )
      }
      const meta = Option.flatMap(decodeMeta(event.object), (m) => Option.fromNullable(m.metadata))
      const eventRv = Option.flatMap(meta, (m) => Option.fromNullable(m.resourceVersion))
      let report: Effect.Effect<void> | undefined
      if (event.type === "DELETED") {
        if (Option.isSome(meta)) {
          const key = objectKey(meta.value)
          store = storeWith(store, key, undefined, indexBy)
          setObjectCount(HashMap.size(store.objects))
          changed.push(key)
        }
      } else if (event.type === "ADDED" || event.type === "MODIFIED") {
        const decoded = decode(event.object)
        if (Either.isRight(decoded)) {
          const key = objectKey(decoded.right.metadata ?? {})
          store = storeWith(store, key, decoded.right, indexBy)
          setObjectCount(HashMap.size(store.objects))
          changed.push(key)
        } else {
          report = Effect.asVoid(decodeOne(event.object))
        }
      }
      if (Option.isSome(eventRv)) rv = eventRv.value
      return report
    }

    /** A chunk of events in one step, its changed keys published together; only the exceptions take steps more. */
    const handleChunk = (events: Chunk.Chunk<RawWatchEvent>): Effect.Effect<void, KubeError | WatchGone> => {
      const all = Chunk.toReadonlyArray(events)
      const from = (start: number): Effect.Effect<void, KubeError | WatchGone> =>
        Effect.suspend(() => {
          const changed: Array<string> = []
          for (let i = start; i < all.length; i++) {
            const more = apply(all[i]!, changed)
            if (more !== undefined) {
              publishNow(changed)
              return Effect.zipRight(more, from(i + 1))
            }
          }
          publishNow(changed)
          return Effect.void
        })
      return from(0)
    }

    // client-go: a random server-side timeout between 5 and 10 minutes spreads reconnects.
    const watchFrom = (resourceVersion: string) =>
      Effect.flatMap(
        Random.nextIntBetween(300, 600),
        (timeoutSeconds) => source.watch({ resourceVersion, timeoutSeconds }).pipe(Stream.runForEachChunk(handleChunk))
      )

    const backoffState = yield* Ref.make({ attempt: 0, lastErrorAt: Number.NEGATIVE_INFINITY })
    const backoff = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { attempt, lastErrorAt } = yield* Ref.get(backoffState)
      const n = now - lastErrorAt >= resetAfterMillis ? 0 : attempt
      yield* Ref.set(backoffState, { attempt: n + 1, lastErrorAt: now })
      const jitter = 0.8 + 0.4 * (yield* Random.next)
      const millis = Math.ceil(Math.min(maxMillis, initialMillis * 2 ** n) * jitter)
      yield* Effect.sleep(millis)
    })

    const step: Effect.Effect<void> = Effect.gen(function*() {
      const from = rv
      const startedAt = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.either(from === undefined ? relist : watchFrom(from))
      if (Either.isRight(outcome)) {
        // a watch the server closes at once, again and again, must not become a request storm
        const lasted = (yield* Clock.currentTimeMillis) - startedAt
        if (from !== undefined && lasted < 1000 && rv === from) yield* backoff
        return
      }
      const error = outcome.left
      if (isGone(error)) {
        yield* Metric.increment(errorsK("gone"))
        yield* Effect.logInfo(`${kind}: resourceVersion expired, relisting`)
        rv = undefined
        return
      }
      yield* Metric.increment(errorsK("error"))
      yield* Effect.logWarning(`${kind}: ${from === undefined ? "list" : "watch"} failed, retrying`, error)
      yield* backoff
    })

    const snapshot = Effect.sync(() => {
      const current = store
      if (cachedView === undefined || !cachedView.isOver(current)) {
        cachedView = indexBy === undefined
          ? new StoreView(current)
          : new IndexedStoreView(current)
      }
      return cachedView
    })

    const reflector: Reflector<A> = {
      kind,
      get: (key) => Effect.sync(() => HashMap.get(store.objects, key)),
      snapshot,
      size: Effect.sync(() => HashMap.size(store.objects)),
      ready: Deferred.await(ready),
      isReady: Deferred.isDone(ready),
      changes: Stream.unwrapScoped(subscribe),
      subscribe,
      listen,
      resourceVersion: Effect.sync(() => rv),
      run: Effect.forever(step).pipe(Effect.annotateLogs("reflector", kind))
    }
    return reflector
  })
