import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { KubeClientShape } from "./client.js"
import type { KubeError } from "./errors.js"
import { KubeApiError, KubeTransportError } from "./errors.js"
import type { ListWatchSource } from "./reflector.js"

const ListJson = Schema.Struct({
  metadata: Schema.Struct({
    resourceVersion: Schema.String,
    continue: Schema.optional(Schema.String)
  }),
  items: Schema.NullOr(Schema.Array(Schema.Unknown))
})

export interface Selectors {
  readonly labelSelector?: string | undefined
  readonly fieldSelector?: string | undefined
}

/** Lists and watches a collection path (e.g. `/api/v1/services`) on the API server. */
export const kubeListWatchSource = (
  client: KubeClientShape,
  path: string,
  selectors: Selectors = {}
): ListWatchSource => ({
  list: ({ continueToken, limit }) =>
    client.request({
      method: "GET",
      path,
      query: { limit, continue: continueToken, ...selectors }
    }).pipe(
      Effect.flatMap((body) =>
        Schema.decodeUnknown(ListJson)(body).pipe(
          Effect.mapError((e) =>
            new KubeTransportError({ message: `undecodable list: ${e.message}`, method: "GET", path, cause: e })
          )
        )
      ),
      Effect.map((list) => ({
        items: list.items ?? [],
        resourceVersion: list.metadata.resourceVersion,
        continueToken: list.metadata.continue === "" ? undefined : list.metadata.continue
      }))
    ),
  watch: ({ resourceVersion, timeoutSeconds }) =>
    client.watch(path, { resourceVersion, allowWatchBookmarks: true, timeoutSeconds, ...selectors })
})

export interface OptionalResourceOptions {
  /** Label for the log line, e.g. "HostRule". */
  readonly kind: string
  /** How often a resource that is not served is looked for again; default 60 s. */
  readonly recheckMillis?: number | undefined
  /** What not being served means, for the log line; default "treated as empty". */
  readonly meaning?: string | undefined
}

const notServed = (error: KubeError) => error._tag === "KubeApiError" && error.status === 404

const gone = (message: string) =>
  new KubeApiError({ status: 410, reason: "Expired", message, method: "GET", path: "(watch)" })

/**
 * A resource the cluster may not serve yet (a CRD installed later, or never): a list answering 404 is an empty list
 * with resourceVersion "" (how a caller tells it from a served, empty one), so the reflector becomes ready instead
 * of retrying forever, and the watch that follows waits `recheckMillis`, then looks again. Once the resource is served the watch fails with 410 Gone, which makes the reflector relist at
 * once; a resource that disappears (404 on the watch) is relisted the same way, which empties the store.
 */
export const optionalListWatchSource = (inner: ListWatchSource, options: OptionalResourceOptions): ListWatchSource => {
  const recheckMillis = options.recheckMillis ?? 60_000
  // One log line per transition to "not served", not one per re-check.
  let served = true
  return {
    list: (request) =>
      inner.list(request).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            served = true
          })
        ),
        Effect.catchIf(notServed, () =>
          Effect.gen(function*() {
            if (served) {
              served = false
              yield* Effect.logInfo(
                `${options.kind}: not served by the API server (CRD not installed); ${
                  options.meaning ?? "treated as empty"
                }, looked for again every ${recheckMillis / 1000} s`
              )
            }
            return { items: [], resourceVersion: "", continueToken: undefined }
          }))
      ),
    watch: (request) =>
      served ?
        inner.watch(request).pipe(
          Stream.catchAll((error) =>
            notServed(error) ? Stream.fail(gone(`${options.kind} is no longer served`)) : Stream.fail(error)
          )
        ) :
        Stream.unwrap(
          Effect.sleep(recheckMillis).pipe(
            Effect.zipRight(inner.list({ limit: 1, continueToken: undefined })),
            Effect.matchEffect({
              onFailure: (error) => notServed(error) ? Effect.succeed(Stream.empty) : Effect.fail(error),
              onSuccess: () =>
                Effect.logInfo(`${options.kind}: now served by the API server; listing`).pipe(
                  Effect.zipRight(Effect.fail(gone(`${options.kind} is now served`)))
                )
            })
          )
        )
  }
}
