/**
 * core/v1 Events, deduplicated like client-go's EventCorrelator: the same (object, type, reason, message) again
 * patches `count` and `lastTimestamp` of the Event already written instead of creating another.
 * The correlation cache is per process and bounded; after a restart or a failover the first repeat creates a new
 * Event (as client-go does).
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { KubeClient } from "./client.js"
import type { KubeError } from "./errors.js"
import type { EventRecorderShape, EventSpec } from "./event-types.js"
import { EventRecorder } from "./event-types.js"
import { WriteGuard } from "./write-guard.js"
import { MERGE_PATCH } from "./writers.js"

export interface EventRecorderConfig {
  /** `source.component` and `reportingComponent`. */
  readonly component?: string | undefined
  /** `source.host` and `reportingInstance`, e.g. POD_NAME. */
  readonly instance: string
  /** Distinct (object, reason, message) keys remembered for deduplication. */
  readonly cacheSize?: number | undefined
}

interface Written {
  readonly namespace: string
  readonly name: string
  readonly count: number
}

/** metav1.Time: RFC 3339 with whole seconds. */
const formatTime = (millis: number) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

export const makeEventRecorder = (config: EventRecorderConfig) =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const guard = yield* WriteGuard
    const component = config.component ?? "ako-ts"
    const cacheSize = config.cacheSize ?? 4096
    const written = new Map<string, Written>()
    const lock = yield* Effect.makeSemaphore(1)

    const keyOf = (e: EventSpec) => {
      const o = e.involvedObject
      return JSON.stringify([o.apiVersion, o.kind, o.namespace ?? "", o.name, o.uid ?? "", e.type, e.reason, e.message])
    }

    const remember = (key: string, value: Written) => {
      written.delete(key)
      written.set(key, value)
      if (written.size > cacheSize) {
        const oldest = written.keys().next()
        if (oldest.done !== true) written.delete(oldest.value)
      }
    }

    const create = (key: string, event: EventSpec, now: number) => {
      const namespace = event.involvedObject.namespace ?? "default"
      const name = `${event.involvedObject.name}.${(BigInt(now) * 1_000_000n).toString(16)}`
      const stamp = formatTime(now)
      return client.request({
        method: "POST",
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
        body: {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: event.involvedObject,
          reason: event.reason,
          message: event.message,
          type: event.type,
          count: 1,
          firstTimestamp: stamp,
          lastTimestamp: stamp,
          source: { component, host: config.instance },
          reportingComponent: component,
          reportingInstance: config.instance
        }
      }).pipe(Effect.tap(() => Effect.sync(() => remember(key, { namespace, name, count: 1 }))))
    }

    const write = (event: EventSpec): Effect.Effect<void, KubeError> =>
      lock.withPermits(1)(Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const key = keyOf(event)
        const seen = written.get(key)
        if (seen === undefined) {
          yield* create(key, event, now)
          return
        }
        const count = seen.count + 1
        yield* client.request({
          method: "PATCH",
          path: `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`,
          body: { count, lastTimestamp: formatTime(now) },
          contentType: MERGE_PATCH
        }).pipe(
          Effect.tap(() => Effect.sync(() => remember(key, { ...seen, count }))),
          // the Event expired (TTL) or was deleted: start a new one
          Effect.catchIf((e) => e._tag === "KubeApiError" && e.status === 404, () => create(key, event, now))
        )
      }))

    const recorder: EventRecorderShape = {
      emit: (event) => guard.admit(write(event)),
      emitElection: write
    }
    return recorder
  })

export const eventRecorderLayer = (
  config: EventRecorderConfig
): Layer.Layer<EventRecorder, never, KubeClient | WriteGuard> => Layer.effect(EventRecorder, makeEventRecorder(config))
