/**
 * Translation problems and refused Avi writes become Kubernetes Events (type Warning) on the object they concern.
 * A unit's problems are reported when they change, not on every reconcile, so a steady state writes no Events.
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { bestEffort, EventRecorder } from "../k8s/index.js"
import type { ObjectReference } from "../k8s/index.js"
import type { ClusterSnapshot, ObjectRef, Problem } from "../model/index.js"
import { keyOf } from "../model/index.js"
import type { UnitProblem } from "../reconcile/index.js"
import { LiveConfig } from "./live-config.js"

const API_VERSIONS: Readonly<Record<string, string>> = {
  Service: "v1",
  Secret: "v1",
  Namespace: "v1",
  Node: "v1",
  EndpointSlice: "discovery.k8s.io/v1",
  Ingress: "networking.k8s.io/v1",
  IngressClass: "networking.k8s.io/v1",
  Route: "route.openshift.io/v1",
  HostRule: "ako.vmware.com/v1beta1",
  HTTPRule: "ako.vmware.com/v1beta1",
  L7Rule: "ako.vmware.com/v1alpha2"
}

const involved = (object: ObjectRef): ObjectReference => ({
  apiVersion: API_VERSIONS[object.kind] ?? "v1",
  kind: object.kind,
  name: object.name,
  namespace: object.namespace
})

const SNAPSHOT_MAPS = {
  Service: "services",
  EndpointSlice: "endpointSlices",
  Ingress: "ingresses",
  IngressClass: "ingressClasses",
  Secret: "secrets",
  Namespace: "namespaces",
  Node: "nodes",
  Route: "routes",
  HostRule: "hostRules",
  HTTPRule: "httpRules",
  L4Rule: "l4Rules",
  AviInfraSetting: "aviInfraSettings",
  // Not in the model's snapshot (no effect in SNI mode); its Events carry no uid.
  L7Rule: undefined
} as const satisfies Record<ObjectRef["kind"], keyof ClusterSnapshot | undefined>

/** The Event's object reference with its uid from the snapshot, so `kubectl describe` (which selects by uid) shows it. */
export const involvedObject = (object: ObjectRef, snapshot: ClusterSnapshot): ObjectReference => {
  const map = SNAPSHOT_MAPS[object.kind]
  const found = map === undefined ? undefined : snapshot[map].get(keyOf(object.kind, object.namespace, object.name))
  const uid = found?.metadata?.uid
  return uid === undefined ? involved(object) : { ...involved(object), uid }
}

interface Report {
  readonly object: ObjectRef
  readonly reason: string
  readonly message: string
}

const reportsOf = (problems: ReadonlyArray<Problem>, unitProblems: ReadonlyArray<UnitProblem>): Array<Report> => [
  ...problems.map((problem) => ({
    object: problem.object,
    reason: problem.reason,
    message: `${problem.field}: ${problem.message}`
  })),
  ...unitProblems.flatMap((problem) =>
    problem.owners.map((owner) => ({
      object: owner,
      reason: problem.reason === "AviNoFreeIp" || problem.reason === "AviTenantNotFound" ?
        problem.reason :
        "AviObjectRejected",
      message: `Avi refused ${problem.op} of ${problem.type} ${problem.name}: ${problem.message}`
    }))
  ),
  // A missing tenant is the Namespace's to fix (its annotation, or the tenant in Avi): said there too, once.
  ...[
    ...new Set(
      unitProblems.filter((problem) => problem.reason === "AviTenantNotFound").flatMap((problem) =>
        problem.owners.flatMap((owner) => owner.namespace === undefined ? [] : [owner.namespace])
      )
    )
  ].sort().map((namespace) => ({
    object: { kind: "Namespace" as const, name: namespace },
    reason: "AviTenantNotFound",
    message:
      unitProblems.find((problem) =>
        problem.reason === "AviTenantNotFound" && problem.owners.some((owner) => owner.namespace === namespace)
      )?.message ?? ""
  }))
]

/** `reported` remembers, per unit key, the signature of what was last reported. */
export const emitProblems = (
  reported: Map<string, string>,
  key: string,
  problems: ReadonlyArray<Problem>,
  unitProblems: ReadonlyArray<UnitProblem>,
  /**
   * Where the objects' uids come from: `kubectl describe` finds Events by `involvedObject.uid`. Read only when an
   * Event is sent: reading every store per reconcile cost more than the rest of a quiet unit's bookkeeping.
   */
  snapshot: Effect.Effect<ClusterSnapshot>
) =>
  Effect.gen(function*() {
    const reports = reportsOf(problems, unitProblems)
    const signature = JSON.stringify(reports)
    if ((reported.get(key) ?? "[]") === signature) return
    reported.set(key, signature)
    const live = yield* LiveConfig
    for (const report of reports) {
      yield* Effect.logWarning(report.message).pipe(
        Effect.annotateLogs({
          reason: report.reason,
          object: `${report.object.kind}/${report.object.namespace ?? ""}/${report.object.name}`
        })
      )
    }
    if (!(yield* Ref.get(live.enableEvents))) return
    const recorder = yield* EventRecorder
    const current = yield* snapshot
    for (const report of reports) {
      yield* recorder.emit({
        involvedObject: involvedObject(report.object, current),
        reason: report.reason,
        message: report.message,
        type: "Warning"
      }).pipe(bestEffort)
    }
  })
