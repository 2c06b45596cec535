/**
 * Reports what the takeover keeps because ako-ts does not model it (reference: the hands-off rule): the
 * `ako_unmanaged_objects{type,reason}` gauge, one log line per kept parent VS, and a Warning Event on the
 * Kubernetes objects it belongs to where they can be found. Nothing here writes to Avi.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Ref from "effect/Ref"
import { bestEffort, EventRecorder } from "../k8s/index.js"
import type { ClusterSnapshot, ObjectRef } from "../model/index.js"
import { objectRef, SHARED_VIP_ANNOTATION } from "../model/index.js"
import type { CacheView, Ownership, UnmodelledParent } from "../reconcile/index.js"
import { ReconcileMetrics, unmodelledCounts, unmodelledParents } from "../reconcile/index.js"
import { LiveConfig } from "./live-config.js"
import { involvedObject } from "./problem-events.js"

const WHAT: Readonly<Record<UnmodelledParent["reason"], string>> = {
  // Marked with a gateway, but not named `<cluster>--<ns>-<key>` as the shared VIPs ako-ts builds (EVH, Gateway API).
  "shared-vip": "a shared VIP or gateway under a name ako-ts does not build (ako.vmware.com/enable-shared-vip)",
  passthrough: "TLS passthrough",
  evh: "EVH",
  "other-tenant": "a tenant other than the configured tenantName",
  unrecognised: "a feature ako-ts does not recognise"
}

/** The Kubernetes objects a kept VS belongs to, as far as the snapshot tells. */
const ownersOf = (parent: UnmodelledParent, snapshot: ClusterSnapshot): ReadonlyArray<ObjectRef> => {
  const found = parent.owners.filter((owner) =>
    owner.kind === "Service" ?
      snapshot.services.has(`${owner.namespace ?? ""}/${owner.name}`) :
      snapshot.ingresses.has(`${owner.namespace ?? ""}/${owner.name}`)
  )
  const shared = parent.sharedVip
  if (shared === undefined) return found
  const members = [...snapshot.services.values()]
    .filter((service) =>
      service.metadata?.namespace === shared.namespace &&
      service.metadata.annotations?.[SHARED_VIP_ANNOTATION] === shared.key
    )
    .map((service) => objectRef("Service", service))
  return [...found, ...members]
}

/**
 * `reported`: uuids of parents already logged and evented, so a steady state writes nothing; `published`: the
 * gauge's label sets set last time, so a feature that went away reads 0 rather than its old count.
 */
export const makeUnmodelledReporter = (ownership: Ownership) =>
  Effect.gen(function*() {
    const reported = new Set<string>()
    const published = yield* Ref.make<ReadonlySet<string>>(new Set())
    return (view: CacheView, snapshot: ClusterSnapshot) =>
      Effect.gen(function*() {
        const parents = unmodelledParents(view, ownership)
        const counts = unmodelledCounts(parents)
        const previous = yield* Ref.get(published)
        for (const key of previous) {
          if (counts.has(key)) continue
          const [type = "", reason = ""] = key.split("|")
          yield* Metric.set(
            ReconcileMetrics.unmanagedObjects.pipe(Metric.tagged("type", type), Metric.tagged("reason", reason)),
            0
          )
        }
        for (const [, entry] of counts) {
          yield* Metric.set(
            ReconcileMetrics.unmanagedObjects.pipe(
              Metric.tagged("type", entry.type),
              Metric.tagged("reason", entry.reason)
            ),
            entry.count
          )
        }
        yield* Ref.set(published, new Set(counts.keys()))
        const live = yield* LiveConfig
        for (const parent of parents) {
          if (reported.has(parent.root.uuid)) continue
          reported.add(parent.root.uuid)
          const message = `Avi virtual service ${parent.root.name} (tenant ${parent.root.tenant}) belongs to ${
            WHAT[parent.reason]
          }, which ako-ts does not manage yet; it and the ${
            parent.linked.length - 1
          } objects it links are kept as they are`
          yield* Effect.logWarning(message).pipe(
            Effect.annotateLogs({ reason: parent.reason, virtualService: parent.root.name })
          )
          if (!(yield* Ref.get(live.enableEvents))) continue
          const recorder = yield* EventRecorder
          for (const owner of ownersOf(parent, snapshot)) {
            yield* recorder.emit({
              involvedObject: involvedObject(owner, snapshot),
              reason: "UnmanagedAviObject",
              message,
              type: "Warning"
            }).pipe(bestEffort)
          }
        }
      })
  })
