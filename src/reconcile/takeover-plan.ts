/**
 * What a takeover would write, computed without writing: the stale deletes, every unit's plan, and the Kubernetes
 * status and annotation writes, each with the fields that differ. `ako-ts plan` prints it beside a live AKO, so a
 * team sees before switching that the switch writes nothing. Pure: the caller supplies the cache view and the
 * current Kubernetes objects.
 */
import type { AviObjectType, DesiredState, ObjectRef } from "../model/index.js"
import { refKey, refName } from "../model/index.js"
import type { CachedObject, CacheView } from "./cache.js"
import type { Operation } from "./diff.js"
import { cachedUnitKeys, planUnit, staleObjects, unitView, wantedBy } from "./diff.js"
import type { DesiredObjectStatus, ObservedObject, ObservedRoute } from "./status.js"
import { annotationsUpToDate, ingressUpToDate, routeAdmissions, routeStatusUpToDate } from "./status.js"

export interface FieldChange {
  readonly path: string
  /** Undefined: absent on that side. */
  readonly from: unknown
  readonly to: unknown
}

export interface PlannedAviWrite {
  readonly op: Operation["op"]
  readonly type: AviObjectType
  readonly name: string
  readonly tenant: string
  /** Updates: the desired fields whose value differs from what Avi holds (refs compared by name). */
  readonly changes: ReadonlyArray<FieldChange>
}

export interface PlannedKubeWrite {
  readonly object: ObjectRef
  readonly what: "status" | "annotations"
  readonly changes: ReadonlyArray<FieldChange>
}

export interface TakeoverPlan {
  readonly avi: ReadonlyArray<PlannedAviWrite>
  readonly kube: ReadonlyArray<PlannedKubeWrite>
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** Refs reduced to the names they carry, so `/api/pool?name=x` and `https://…/pool-1#x` compare equal. */
const comparable = (value: unknown, key = ""): unknown => {
  if (typeof value === "string") return key.endsWith("_ref") || key.endsWith("_refs") ? refName(value) : value
  if (Array.isArray(value)) return value.map((item) => comparable(item, key))
  if (!isRecord(value)) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v, k)]))
}

const ENVELOPE = new Set(["uuid", "url", "_last_modified", "tenant_ref"])

/** The desired fields (at any depth of nested objects) whose value Avi does not hold. */
export const fieldChanges = (desired: unknown, cached: unknown, path = ""): ReadonlyArray<FieldChange> => {
  if (isRecord(desired) && isRecord(cached)) {
    return Object.keys(desired).filter((key) => !ENVELOPE.has(key) && !(path === "" && key === "key")).flatMap((key) =>
      fieldChanges(comparable(desired[key], key), comparable(cached[key], key), path === "" ? key : `${path}.${key}`)
    )
  }
  return JSON.stringify(desired) === JSON.stringify(cached) ? [] : [{ path: path || "$", from: cached, to: desired }]
}

const aviWrite = (operation: Operation, view: CacheView): PlannedAviWrite => {
  const base = { op: operation.op, type: operation.type, name: operation.name, tenant: operation.tenant }
  if (operation.op !== "update") return { ...base, changes: [] }
  const cached: CachedObject | undefined = view.get(operation.type, operation.tenant, operation.name)
  return { ...base, changes: fieldChanges(operation.body, cached?.body ?? {}) }
}

/** Everything the takeover pass would send to Avi, in the order it would send it. */
export const planAviTakeover = (
  desired: DesiredState,
  view: CacheView,
  clusterName: string,
  hold: (root: CachedObject) => string | undefined
): ReadonlyArray<PlannedAviWrite> => {
  const stale = staleObjects(view, desired, clusterName).map((object) => ({
    op: "delete" as const,
    type: object.type,
    name: object.name,
    tenant: object.tenant,
    changes: []
  }))
  const others = wantedBy(desired)
  const keys = [...new Set([...desired.keys(), ...cachedUnitKeys(view)])].sort()
  const units = keys.flatMap((key) =>
    planUnit(desired.get(key), unitView(view, key, others, hold)).operations.map((operation) =>
      aviWrite(operation, view)
    )
  )
  return [...stale, ...units]
}

const ingressOf = (observed: ObservedObject) =>
  (observed.status?.loadBalancer?.ingress ?? []).map((e) => ({ ip: e.ip, hostname: e.hostname }))

/**
 * The status and annotation writes the takeover would make for `statuses`, given the objects as Kubernetes holds
 * them now (`current` by `refKey`; absent objects are skipped, as the writer skips them).
 */
export const planKubeTakeover = (
  statuses: ReadonlyArray<DesiredObjectStatus>,
  current: (object: ObjectRef) => (ObservedObject & ObservedRoute) | undefined,
  routerName: string
): ReadonlyArray<PlannedKubeWrite> =>
  statuses.flatMap((desired): ReadonlyArray<PlannedKubeWrite> => {
    const observed = current(desired.object)
    if (observed === undefined) return []
    const writes: Array<PlannedKubeWrite> = []
    if (desired.object.kind === "Route") {
      const admissions = routeAdmissions(desired, routerName)
      if (!routeStatusUpToDate(observed, admissions)) {
        writes.push({
          object: desired.object,
          what: "status",
          changes: [{ path: "status.ingress", from: observed.status?.ingress, to: admissions }]
        })
      }
    } else if (!ingressUpToDate(observed, desired)) {
      writes.push({
        object: desired.object,
        what: "status",
        changes: [{ path: "status.loadBalancer.ingress", from: ingressOf(observed), to: desired.ingress }]
      })
    }
    if (!annotationsUpToDate(observed, desired)) {
      const annotations = observed.metadata?.annotations ?? {}
      writes.push({
        object: desired.object,
        what: "annotations",
        changes: Object.entries(desired.annotations)
          .filter(([key, value]) => (annotations[key] ?? null) !== value)
          .map(([key, value]) => ({
            path: `metadata.annotations[${key}]`,
            from: annotations[key],
            to: value ?? undefined
          }))
      })
    }
    return writes
  }).sort((a, b) => refKey(a.object) < refKey(b.object) ? -1 : refKey(a.object) > refKey(b.object) ? 1 : 0)
