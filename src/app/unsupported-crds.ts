/**
 * AKO's CRDs that ako-ts does not implement yet: SSORule (HostRule, HTTPRule, L7Rule, AviInfraSetting and L4Rule are
 * validated by rule-validation.ts).
 * Their objects change what AKO writes to Avi; ako-ts does not apply them, so a team must hear about every one:
 * a warning in the log, a Warning Event on the object, and `ako_unsupported_crd_objects{kind}`. Updates keep the
 * Avi fields and list entries such a rule made (diff.ts `updateBody`), so nothing is silently taken back either.
 * Reads only; run by the leader (Events are writes).
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import { bestEffort, EventRecorder, KubeClient } from "../k8s/index.js"
import { LiveConfig } from "./live-config.js"

interface AkoResource {
  readonly kind: string
  readonly version: string
  readonly plural: string
  /** What a user misses while ako-ts ignores the object. */
  readonly effect: string
}

const GROUP = "ako.vmware.com"

export const AKO_RESOURCES: ReadonlyArray<AkoResource> = [
  { kind: "SSORule", version: "v1alpha2", plural: "ssorules", effect: "its single sign-on settings" }
]

const unsupportedObjects = Metric.gauge("ako_unsupported_crd_objects", {
  description: "Objects of AKO CRDs that ako-ts does not implement yet; their settings are not applied"
})

interface ListedObject {
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly uid?: string }
}

const itemsOf = (body: unknown): ReadonlyArray<ListedObject> => {
  const items = (body as { readonly items?: unknown } | undefined)?.items
  return Array.isArray(items) ? items as ReadonlyArray<ListedObject> : []
}

/** Lists each resource the cluster serves (a CRD that is not installed is skipped) and reports new objects once. */
export const makeUnsupportedCrdReporter = Effect.gen(function*() {
  const reported = yield* Ref.make<ReadonlySet<string>>(new Set())
  return Effect.gen(function*() {
    const client = yield* KubeClient
    const live = yield* LiveConfig
    const recorder = yield* EventRecorder
    for (const resource of AKO_RESOURCES) {
      const listed = yield* client.request({
        method: "GET",
        path: `/apis/${GROUP}/${resource.version}/${resource.plural}`
      })
        .pipe(
          Effect.map(itemsOf),
          Effect.catchAll((error) =>
            error._tag === "KubeApiError" && error.status === 404 ?
              Effect.succeed<ReadonlyArray<ListedObject>>([]) :
              Effect.logWarning(`cannot list ${resource.kind} objects`).pipe(
                Effect.annotateLogs("error", error.message),
                Effect.as<ReadonlyArray<ListedObject>>([])
              )
          )
        )
      yield* Metric.set(unsupportedObjects.pipe(Metric.tagged("kind", resource.kind)), listed.length)
      for (const object of listed) {
        const name = object.metadata?.name ?? ""
        const namespace = object.metadata?.namespace
        const id = `${resource.kind}/${object.metadata?.uid ?? `${namespace ?? ""}/${name}`}`
        if ((yield* Ref.get(reported)).has(id)) continue
        yield* Ref.update(reported, (set) => new Set([...set, id]))
        const where = namespace === undefined ? name : `${namespace}/${name}`
        const message = `${resource.kind} ${where} is not supported by ako-ts yet: ${resource.effect} are not ` +
          `applied to Avi; what it set there before is kept, not reverted`
        yield* Effect.logWarning(message)
        if (!(yield* Ref.get(live.enableEvents))) continue
        yield* recorder.emit({
          involvedObject: {
            apiVersion: `${GROUP}/${resource.version}`,
            kind: resource.kind,
            name,
            namespace,
            ...(object.metadata?.uid === undefined ? {} : { uid: object.metadata.uid })
          },
          reason: "UnsupportedAkoResource",
          message,
          type: "Warning"
        }).pipe(bestEffort)
      }
    }
  })
})
