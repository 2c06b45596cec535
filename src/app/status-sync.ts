/**
 * Writes the statuses the reconciler computed, but only where the object (as the reflector last saw it) differs:
 * a steady state writes nothing. Objects that no longer exist are skipped, also when they vanish between the read
 * and the write (404): their status went with them.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { KubeWriters, Reflectors } from "../k8s/index.js"
import type { KubeError, NotLeader, ObjectName } from "../k8s/index.js"
import { refKey } from "../model/index.js"
import { annotationsUpToDate, ingressUpToDate, routeAdmissions, routeStatusUpToDate } from "../reconcile/index.js"
import type { AnnotatedObject, DesiredObjectStatus, ObservedObject, ObservedRoute } from "../reconcile/index.js"
import { logDebugAnnotated } from "./logging.js"

const goneIsDone = <A, R>(write: Effect.Effect<A, KubeError | NotLeader, R>) =>
  write.pipe(
    Effect.asVoid,
    Effect.catchIf((error) => error._tag === "KubeApiError" && error.status === 404, () => Effect.void)
  )

/** The handled objects as the reflectors last saw them, for checks that read many without a fiber step each. */
export interface ObservedStores {
  readonly services: ReadonlyMap<string, ObservedObject>
  readonly ingresses: ReadonlyMap<string, ObservedObject>
  /** Absent where the cluster serves no Routes. */
  readonly routes: ReadonlyMap<string, ObservedRoute & AnnotatedObject> | undefined
}

export const observedStores: Effect.Effect<ObservedStores, never, Reflectors> = Effect.gen(function*() {
  const reflectors = yield* Reflectors
  return {
    services: yield* reflectors.services.snapshot,
    ingresses: yield* reflectors.ingresses.snapshot,
    routes: reflectors.routes._tag === "None" ? undefined : yield* reflectors.routes.value.snapshot
  }
})

/** The object a status is for, as the stores hold it; undefined when it is gone or not of a kind ako-ts writes. */
const observedOf = (object: DesiredObjectStatus["object"], stores: ObservedStores) => {
  if (object.namespace === undefined) return undefined
  const storeKey = `${object.namespace}/${object.name}`
  switch (object.kind) {
    case "Route": {
      const current = stores.routes?.get(storeKey)
      return current === undefined ? undefined : { kind: "Route" as const, current }
    }
    case "Service":
    case "Ingress": {
      const current = (object.kind === "Service" ? stores.services : stores.ingresses).get(storeKey)
      return current === undefined ? undefined : { kind: object.kind, current }
    }
    default:
      return undefined
  }
}

/** What `syncStatuses` writes for one object: its status, its annotations, both or neither. */
const staleParts = (desired: DesiredObjectStatus, stores: ObservedStores, routerName: string) => {
  const observed = observedOf(desired.object, stores)
  if (observed === undefined) return undefined
  const statusShown = observed.kind === "Route" ?
    routeStatusUpToDate(observed.current, routeAdmissions(desired, routerName)) :
    ingressUpToDate(observed.current, desired)
  return { kind: observed.kind, status: !statusShown, annotations: !annotationsUpToDate(observed.current, desired) }
}

/**
 * Whether `syncStatuses` would write nothing for `desired`: the object already shows it, is gone, or is of a kind
 * whose status ako-ts does not write.
 */
export const statusShown = (desired: DesiredObjectStatus, stores: ObservedStores, routerName: string): boolean => {
  const stale = staleParts(desired, stores, routerName)
  return stale === undefined || (!stale.status && !stale.annotations)
}

/**
 * `routerName`: AKO's user `ako-<clusterName>`, which AKO writes as the `routerName` of a Route's status entries
 * (and looks for when it takes over).
 */
export const syncStatuses = (statuses: ReadonlyArray<DesiredObjectStatus>, routerName: string) =>
  Effect.gen(function*() {
    const writers = yield* KubeWriters
    const stores = yield* observedStores
    for (const desired of statuses) {
      const stale = staleParts(desired, stores, routerName)
      if (stale === undefined) continue
      const { object } = desired
      const target: ObjectName = { namespace: object.namespace ?? "", name: object.name }
      if (stale.status) {
        if (stale.kind === "Route") {
          const now = new Date(yield* Clock.currentTimeMillis).toISOString().replace(/\.\d+Z$/, "Z")
          yield* goneIsDone(writers.routeStatus(
            target,
            routeAdmissions(desired, routerName).map((entry) => ({
              ...entry,
              conditions: entry.conditions.map((condition) => ({ ...condition, lastTransitionTime: now }))
            }))
          ))
        } else {
          yield* goneIsDone(
            (stale.kind === "Service" ? writers.serviceStatus : writers.ingressStatus)(target, desired.ingress)
          )
          yield* logDebugAnnotated("status written", () => ({
            object: refKey(object),
            ingress: desired.ingress.map((e) => e.ip).join(",")
          }))
        }
      }
      if (stale.annotations) yield* goneIsDone(writers.annotate(stale.kind, target, desired.annotations))
    }
  })
