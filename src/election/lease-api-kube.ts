/** The Lease over the Kubernetes API (coordination.k8s.io/v1), through `KubeClient`. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { KubeClient } from "../k8s/client.js"
import type { KubeError } from "../k8s/errors.js"
import type { ElectionConfig } from "./config.js"
import type { LeaseApiShape, LeaseRecord, LeaseWrite } from "./lease-api.js"
import { LeaseApi, LeaseApiError, LeaseConflict, LeaseEvent } from "./lease-api.js"

const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/** The Lease as served; `null`s are accepted where Go writers may send them. */
const LeaseJson = Schema.Struct({
  metadata: Schema.Struct({
    resourceVersion: Schema.String,
    annotations: Schema.optional(Schema.NullOr(StringMap)),
    labels: Schema.optional(Schema.NullOr(StringMap))
  }),
  spec: Schema.optional(Schema.NullOr(Schema.Struct({
    holderIdentity: Schema.optional(Schema.NullOr(Schema.String)),
    leaseDurationSeconds: Schema.optional(Schema.NullOr(Schema.Number)),
    acquireTime: Schema.optional(Schema.NullOr(Schema.String)),
    renewTime: Schema.optional(Schema.NullOr(Schema.String)),
    leaseTransitions: Schema.optional(Schema.NullOr(Schema.Number))
  })))
})
type LeaseJson = typeof LeaseJson.Type

const decodeLease = Schema.decodeUnknown(LeaseJson)

const toRecord = (lease: LeaseJson): LeaseRecord => ({
  resourceVersion: lease.metadata.resourceVersion,
  holderIdentity: lease.spec?.holderIdentity ?? "",
  leaseDurationSeconds: lease.spec?.leaseDurationSeconds ?? undefined,
  acquireTime: lease.spec?.acquireTime ?? undefined,
  renewTime: lease.spec?.renewTime ?? undefined,
  leaseTransitions: lease.spec?.leaseTransitions ?? 0,
  annotations: lease.metadata.annotations ?? {}
})

const apiError = (error: KubeError): LeaseApiError =>
  new LeaseApiError({
    message: error.message,
    status: error._tag === "KubeApiError" ? error.status : undefined
  })

const conflictOr = (error: KubeError): LeaseConflict | LeaseApiError =>
  error._tag === "KubeApiError" && error.status === 409
    ? new LeaseConflict({ message: error.message })
    : apiError(error)

export const makeKubeLeaseApi = (
  client: KubeClient["Type"],
  namespace: string,
  name: string
): LeaseApiShape => {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`
  const item = `${collection}/${encodeURIComponent(name)}`
  // metadata of the last version read or written, so a replace keeps labels and others' annotations
  let last: LeaseJson | undefined

  const decode = (body: unknown) =>
    decodeLease(body).pipe(
      Effect.mapError((e) => new LeaseApiError({ message: `undecodable Lease: ${e.message}` })),
      Effect.tap((lease) => Effect.sync(() => (last = lease))),
      Effect.map(toRecord)
    )

  const body = (write: LeaseWrite, resourceVersion: string | undefined) => {
    const previous = last !== undefined && last.metadata.resourceVersion === resourceVersion ? last : undefined
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        ...(previous?.metadata.labels ? { labels: previous.metadata.labels } : {}),
        annotations: { ...previous?.metadata.annotations, ...write.annotations }
      },
      spec: {
        holderIdentity: write.holderIdentity,
        leaseDurationSeconds: write.leaseDurationSeconds,
        acquireTime: write.acquireTime,
        renewTime: write.renewTime,
        leaseTransitions: write.leaseTransitions
      }
    }
  }

  return {
    get: client.request({ method: "GET", path: item }).pipe(
      Effect.map((raw): Option.Option<unknown> => Option.some(raw)),
      Effect.catchIf(
        (e) => e._tag === "KubeApiError" && e.status === 404,
        () => Effect.succeed(Option.none<unknown>())
      ),
      Effect.mapError(apiError),
      Effect.flatMap((raw): Effect.Effect<Option.Option<LeaseRecord>, LeaseApiError> =>
        Option.isNone(raw) ? Effect.succeed(Option.none()) : Effect.map(decode(raw.value), Option.some)
      )
    ),
    create: (write) =>
      client.request({ method: "POST", path: collection, body: body(write, undefined) }).pipe(
        Effect.mapError(conflictOr),
        Effect.flatMap(decode)
      ),
    replace: (resourceVersion, write) =>
      client.request({ method: "PUT", path: item, body: body(write, resourceVersion) }).pipe(
        Effect.mapError(conflictOr),
        Effect.flatMap(decode)
      ),
    watch: client.watch(collection, {
      fieldSelector: `metadata.name=${name}`,
      allowWatchBookmarks: true,
      timeoutSeconds: 300 + Math.floor(Math.random() * 300)
    }).pipe(
      Stream.mapError(apiError),
      Stream.mapEffect((event): Effect.Effect<Option.Option<LeaseEvent>, LeaseApiError> => {
        switch (event.type) {
          case "ADDED":
          case "MODIFIED":
            return Effect.map(
              decodeLease(event.object).pipe(
                Effect.mapError((e) => new LeaseApiError({ message: `undecodable Lease: ${e.message}` }))
              ),
              (lease) => Option.some(LeaseEvent.Upserted({ lease: toRecord(lease) }))
            )
          case "DELETED":
            return Effect.succeed(Option.some(LeaseEvent.Deleted()))
          case "ERROR":
            return Effect.fail(new LeaseApiError({ message: `watch error: ${JSON.stringify(event.object)}` }))
          default:
            return Effect.succeed(Option.none())
        }
      }),
      Stream.filterMap((e) => e)
    )
  }
}

/** `LeaseApi` for the configured Lease over the `KubeClient`. */
export const kubeLeaseApiLayer = (config: ElectionConfig): Layer.Layer<LeaseApi, never, KubeClient> =>
  Layer.effect(
    LeaseApi,
    Effect.map(KubeClient, (client) => makeKubeLeaseApi(client, config.namespace, config.leaseName))
  )
