/**
 * Writes the statuses the reconciler computed, but only where the object (as the reflector last saw it) differs:
 * a steady state writes nothing. Objects that no longer exist are skipped, also when they vanish between the read
 * and the write (404): their status went with them.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { KubeWriters, Reflectors } from "../k8s/index.js"
import type { KubeError, NotLeader, ObjectName } from "../k8s/index.js"
import { refKey } from "../model/index.js"
import { annotationsUpToDate, ingressUpToDate, routeAdmissions, routeStatusUpToDate } from "../reconcile/index.js"
import type { AnnotatedObject, DesiredObjectStatus, ObservedObject, ObservedRoute } from "../reconcile/index.js"

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

/**
 * Whether `syncStatuses` would write nothing for `desired`: the object already shows it, is gone, or is of a kind
 * whose status ako-ts does not write.
 */
export const statusShown = (desired: DesiredObjectStatus, stores: ObservedStores, routerName: string): boolean => {
  const { object } = desired
  if (object.namespace === undefined) return true
  const storeKey = `${object.namespace}/${object.name}`
  switch (object.kind) {
    case "Route": {
      const current = stores.routes?.get(storeKey)
      return current === undefined ||
        (routeStatusUpToDate(current, routeAdmissions(desired, routerName)) && annotationsUpToDate(current, desired))
    }
    case "Service":
    case "Ingress": {
      const current = (object.kind === "Service" ? stores.services : stores.ingresses).get(storeKey)
      return current === undefined || (ingressUpToDate(current, desired) && annotationsUpToDate(current, desired))
    }
    default:
      return true
  }
}

/**
 * `routerName`: AKO's user `ako-<clusterName>`, which AKO writes as the `routerName` of a Route's status entries
 * (and looks for when it takes over).
 */
export const syncStatuses = (statuses: ReadonlyArray<DesiredObjectStatus>, routerName: string) =>
  Effect.gen(function*() {
    const reflectors = yield* Reflectors
    const writers = yield* KubeWriters
    for (const desired of statuses) {
      const { object } = desired
      if (object.namespace === undefined) continue
      const target: ObjectName = { namespace: object.namespace, name: object.name }
      const storeKey = `${object.namespace}/${object.name}`
      if (object.kind === "Route") {
        if (reflectors.routes._tag === "None") continue
        const current = yield* reflectors.routes.value.get(storeKey)
        if (Option.isNone(current)) continue
        const admissions = routeAdmissions(desired, routerName)
        if (!routeStatusUpToDate(current.value, admissions)) {
          const now = new Date(yield* Clock.currentTimeMillis).toISOString().replace(/\.\d+Z$/, "Z")
          yield* goneIsDone(writers.routeStatus(
            target,
            admissions.map((entry) => ({
              ...entry,
              conditions: entry.conditions.map((condition) => ({ ...condition, lastTransitionTime: now }))
            }))
          ))
        }
        if (!annotationsUpToDate(current.value, desired)) {
          yield* goneIsDone(writers.annotate("Route", target, desired.annotations))
        }
        continue
      }
      if (object.kind !== "Service" && object.kind !== "Ingress") continue
      const reflector = object.kind === "Service" ? reflectors.services : reflectors.ingresses
      const current: Option.Option<ObservedObject> = yield* reflector.get(storeKey)
      if (Option.isNone(current)) continue
      if (!ingressUpToDate(current.value, desired)) {
        yield* goneIsDone(
          (object.kind === "Service" ? writers.serviceStatus : writers.ingressStatus)(target, desired.ingress)
        )
        yield* Effect.logDebug("status written").pipe(
          Effect.annotateLogs({ object: refKey(object), ingress: desired.ingress.map((e) => e.ip).join(",") })
        )
      }
      if (!annotationsUpToDate(current.value, desired)) {
        yield* goneIsDone(writers.annotate(object.kind, target, desired.annotations))
      }
    }
  })
