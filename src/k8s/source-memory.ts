/**
 * An in-memory list/watch source with the API server's semantics that reflectors depend on: one resourceVersion
 * counter, paginated lists with continue tokens, watch replay from a resourceVersion within a retention window,
 * 410 Gone outside it, bookmarks, and injectable faults (cut watches, forced 410, failing calls).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { RawWatchEvent } from "./client.js"
import { KubeApiError, KubeTransportError } from "./errors.js"
import type { ListPage, ListWatchSource } from "./reflector.js"
import { objectKey } from "./resources.js"

interface Raw {
  readonly metadata: {
    readonly name: string
    readonly namespace?: string | undefined
    readonly resourceVersion?: string
  }
  readonly [field: string]: unknown
}

interface Change {
  readonly rv: number
  readonly event: RawWatchEvent
}

export interface InMemorySource {
  readonly source: ListWatchSource
  /** Creates or replaces an object (ADDED or MODIFIED). */
  readonly upsert: (object: Raw) => Effect.Effect<void>
  readonly remove: (namespace: string | undefined, name: string) => Effect.Effect<void>
  /** Ends every open watch cleanly (as a server-side timeout would). */
  readonly cutWatches: Effect.Effect<void>
  /** The next watch connect answers 410 Gone. */
  readonly forceGoneOnNextWatch: Effect.Effect<void>
  /** Sends an ERROR 410 event to open watches and ends them (resourceVersion expired mid-stream). */
  readonly expireWatches: Effect.Effect<void>
  /** Forgets retained changes: watches from older resourceVersions get 410. */
  readonly compact: Effect.Effect<void>
  /** The next `n` list or watch calls fail with a connection error. */
  readonly failNext: (n: number) => Effect.Effect<void>
  /** Sends a BOOKMARK at the current resourceVersion to open watches. */
  readonly bookmark: Effect.Effect<void>
  readonly stats: Effect.Effect<{ readonly lists: number; readonly watches: ReadonlyArray<string> }>
}

export const makeInMemorySource = (options: { readonly window?: number } = {}): Effect.Effect<InMemorySource> =>
  Effect.gen(function*() {
    const window = options.window ?? 1000
    const objects = new Map<string, Raw>()
    let rv = 1
    let history: Array<Change> = []
    let oldestRetained = 1
    let failures = 0
    let goneNext = false
    let lists = 0
    const watches: Array<string> = []
    const live = yield* PubSub.unbounded<Change | "expire">()
    const cut = yield* Ref.make(yield* Deferred.make<void>())

    const record = (type: string, object: Raw) =>
      Effect.suspend(() => {
        rv += 1
        const stored: Raw = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } }
        if (type === "DELETED") objects.delete(objectKey(stored.metadata))
        else objects.set(objectKey(stored.metadata), stored)
        const change = { rv, event: { type, object: stored } }
        history.push(change)
        if (history.length > window) {
          history = history.slice(history.length - window)
          oldestRetained = history[0]!.rv - 1
        }
        return PubSub.publish(live, change)
      })

    const fail = (op: string) =>
      Effect.suspend(() => {
        if (failures > 0) {
          failures -= 1
          return Effect.fail(new KubeTransportError({ message: "connection reset", method: "GET", path: op }))
        }
        return Effect.void
      })

    const list: ListWatchSource["list"] = ({ continueToken, limit }) =>
      fail("list").pipe(Effect.zipRight(Effect.sync((): ListPage => {
        lists += 1
        const keys = [...objects.keys()].sort()
        const token = continueToken === undefined
          ? undefined
          : JSON.parse(continueToken) as { rv: string; after: string }
        const start = token === undefined ? 0 : keys.findIndex((k) => k > token.after)
        const slice = start < 0 ? [] : keys.slice(start, start + limit)
        const listRv = token?.rv ?? String(rv)
        const more = start >= 0 && start + limit < keys.length
        return {
          items: slice.map((k) => objects.get(k)!),
          resourceVersion: listRv,
          continueToken: more ? JSON.stringify({ rv: listRv, after: slice[slice.length - 1]! }) : undefined
        }
      })))

    const watch: ListWatchSource["watch"] = ({ resourceVersion }) =>
      Stream.unwrapScoped(Effect.gen(function*() {
        yield* fail("watch")
        watches.push(resourceVersion)
        const from = Number(resourceVersion)
        if (goneNext || from < oldestRetained) {
          goneNext = false
          return yield* new KubeApiError({
            status: 410,
            reason: "Expired",
            message: `too old resource version: ${resourceVersion}`,
            method: "GET",
            path: "(watch)"
          })
        }
        const subscription = yield* PubSub.subscribe(live)
        const replay = history.filter((c) => c.rv > from)
        const replayedUpTo = replay.length > 0 ? replay[replay.length - 1]!.rv : from
        const stop = yield* Ref.get(cut)
        return Stream.fromIterable(replay.map((c) => c.event)).pipe(
          Stream.concat(
            Stream.fromQueue(subscription).pipe(
              Stream.filter((c) => c === "expire" || c.rv > replayedUpTo || c.event.type === "BOOKMARK"),
              Stream.map((c): RawWatchEvent =>
                c === "expire" ? { type: "ERROR", object: { kind: "Status", code: 410, message: "expired" } } : c.event
              ),
              Stream.takeUntil((e) => e.type === "ERROR")
            )
          ),
          Stream.interruptWhen(Deferred.await(stop))
        )
      }))

    const source: InMemorySource = {
      source: { list, watch },
      upsert: (object) =>
        Effect.suspend(() => record(objects.has(objectKey(object.metadata)) ? "MODIFIED" : "ADDED", object)),
      remove: (namespace, name) =>
        Effect.suspend(() => {
          const existing = objects.get(objectKey({ namespace, name }))
          return existing === undefined ? Effect.void : record("DELETED", existing)
        }),
      cutWatches: Effect.gen(function*() {
        const next = yield* Deferred.make<void>()
        const previous = yield* Ref.getAndSet(cut, next)
        yield* Deferred.succeed(previous, undefined)
      }),
      forceGoneOnNextWatch: Effect.sync(() => {
        goneNext = true
      }),
      expireWatches: PubSub.publish(live, "expire"),
      compact: Effect.sync(() => {
        history = []
        oldestRetained = rv
      }),
      failNext: (n) =>
        Effect.sync(() => {
          failures = n
        }),
      bookmark: Effect.suspend(() =>
        PubSub.publish(live, {
          rv,
          event: { type: "BOOKMARK", object: { metadata: { resourceVersion: String(rv) } } }
        })
      ),
      stats: Effect.sync(() => ({ lists, watches: [...watches] }))
    }
    return source
  })
