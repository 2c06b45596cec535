import { Effect, Schema } from "effect"
import type { KubeClientShape } from "./client.js"
import { KubeTransportError } from "./errors.js"
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
