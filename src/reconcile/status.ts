/**
 * What Kubernetes should show for the objects ako-ts handles (reference/ako-objects.md §2 and §3.7): the VIPs in
 * `status.loadBalancer.ingress` and AKO's annotations, computed from the desired units' status intents and the
 * cache. Pure data; the app writes it (merge patch on /status, metadata patch for annotations) through the
 * WriteGuard, and only when `statusUpToDate` says the object differs, so a steady state writes nothing.
 */
import type { DesiredUnit, ObjectRef } from "../model/index.js"
import { goJson, refKey } from "../model/index.js"
import type { CacheView } from "./cache.js"
import { vipAddresses } from "./executor.js"

export const VS_UUID_MAP_ANNOTATION = "ako.vmware.com/host-fqdn-vs-uuid-map"
export const CONTROLLER_CLUSTER_UUID_ANNOTATION = "ako.vmware.com/controller-cluster-uuid"
export const TENANT_ANNOTATION = "ako.vmware.com/tenant-name"

/** The annotations AKO sets on handled Services and Ingresses, and removes when they are no longer handled. */
export const STATUS_ANNOTATIONS: ReadonlyArray<string> = [
  VS_UUID_MAP_ANNOTATION,
  CONTROLLER_CLUSTER_UUID_ANNOTATION,
  TENANT_ANNOTATION
]

export interface LoadBalancerIngress {
  readonly ip: string
  readonly hostname?: string
}

export interface DesiredObjectStatus {
  readonly object: ObjectRef
  /** `status.loadBalancer.ingress`; empty means the status is cleared (`{"status":null}` as AKO). */
  readonly ingress: ReadonlyArray<LoadBalancerIngress>
  /** Annotation values to set; `null` removes the annotation. */
  readonly annotations: Readonly<Record<string, string | null>>
}

export interface AddressLookup {
  readonly vips: (tenant: string, vsVip: string) => ReadonlyArray<string>
  readonly vsUuid: (tenant: string, virtualService: string) => string | undefined
}

/** Addresses as the cache holds them (updated from every write response). */
export const cacheAddresses = (view: CacheView): AddressLookup => ({
  vips: (tenant, vsVip) => {
    const cached = view.get("vsvip", tenant, vsVip)
    return cached === undefined ? [] : vipAddresses(cached.body)
  },
  vsUuid: (tenant, virtualService) => view.get("virtualservice", tenant, virtualService)?.uuid
})

export interface StatusContext {
  /** `GET /api/cluster` uuid, for `ako.vmware.com/controller-cluster-uuid`. Absent: the annotation is not set. */
  readonly controllerClusterUuid?: string | undefined
}

const compare = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0

export const clearedStatus = (object: ObjectRef): DesiredObjectStatus => ({
  object,
  ingress: [],
  annotations: Object.fromEntries(STATUS_ANNOTATIONS.map((key) => [key, null]))
})

/**
 * The desired status of every object some unit names (or only those in `only`, by `refKey`). An Ingress spread over
 * several shards gathers its hosts from every unit. Objects whose VIP is not known yet get an empty ingress list.
 */
export const desiredStatuses = (
  units: Iterable<DesiredUnit>,
  lookup: AddressLookup,
  context: StatusContext = {},
  only?: ReadonlySet<string>
): ReadonlyArray<DesiredObjectStatus> => {
  interface Gathered {
    readonly object: ObjectRef
    readonly tenant: string
    readonly ingress: Array<LoadBalancerIngress>
    readonly uuids: Map<string, string>
  }
  const byObject = new Map<string, Gathered>()
  for (const unit of units) {
    for (const intent of unit.statuses) {
      const key = refKey(intent.object)
      if (only !== undefined && !only.has(key)) continue
      let gathered = byObject.get(key)
      if (gathered === undefined) {
        gathered = { object: intent.object, tenant: unit.tenant, ingress: [], uuids: new Map() }
        byObject.set(key, gathered)
      }
      const uuid = lookup.vsUuid(unit.tenant, intent.virtualService)
      // No status claims a VIP for a host or Service whose virtual service Avi does not hold (a refused
      // certificate, a VS not created yet, objects lost in Avi).
      const vips = uuid === undefined ? [] : lookup.vips(unit.tenant, intent.vsVip)
      if (intent.object.kind === "Service") {
        const hostname = intent.hosts[0]
        for (const ip of vips) gathered.ingress.push(hostname === undefined ? { ip } : { ip, hostname })
      } else {
        for (const host of intent.hosts) for (const ip of vips) gathered.ingress.push({ ip, hostname: host })
      }
      if (uuid !== undefined) { for (const host of intent.hosts) gathered.uuids.set(host, uuid) }
    }
  }
  return [...byObject.entries()].sort(([a], [b]) => compare(a, b)).map(([, gathered]) => {
    const hosts = [...gathered.uuids.keys()].sort(compare)
    const annotations: Record<string, string | null> = hosts.length === 0
      ? Object.fromEntries(STATUS_ANNOTATIONS.map((key) => [key, null]))
      : {
        [VS_UUID_MAP_ANNOTATION]: JSON.stringify(Object.fromEntries(hosts.map((h) => [h, gathered.uuids.get(h)]))),
        [CONTROLLER_CLUSTER_UUID_ANNOTATION]: context.controllerClusterUuid ?? null,
        [TENANT_ANNOTATION]: gathered.tenant
      }
    return { object: gathered.object, ingress: uniqueIngress(gathered.ingress), annotations }
  })
}

/**
 * The status each of `objects` should have now: from every unit that names it, or cleared when none does (a
 * Service or Ingress that is gone from the desired state, e.g. deleted, class changed, type changed). The app calls
 * it with a reconciled unit's owners, old and new (`DesiredUnit.owners` before and after), and at takeover with every
 * object that carries AKO's annotations or was handled before.
 */
export const statusesFor = (
  objects: Iterable<ObjectRef>,
  units: Iterable<DesiredUnit>,
  lookup: AddressLookup,
  context: StatusContext = {}
): ReadonlyArray<DesiredObjectStatus> => {
  const wanted = new Map<string, ObjectRef>()
  for (const object of objects) wanted.set(refKey(object), object)
  const found = desiredStatuses(units, lookup, context, new Set(wanted.keys()))
  const seen = new Set(found.map((status) => refKey(status.object)))
  const cleared = [...wanted.entries()].filter(([key]) => !seen.has(key)).map(([, object]) => clearedStatus(object))
  return [...found, ...cleared]
}

/** Whether a Kubernetes object shows signs of having been handled (AKO's annotations), so it may need clearing. */
export const carriesAkoStatus = (observed: AnnotatedObject): boolean =>
  STATUS_ANNOTATIONS.some((key) => observed.metadata?.annotations?.[key] !== undefined)

const ingressKey = (entry: LoadBalancerIngress) => `${entry.hostname ?? ""}|${entry.ip}`

const uniqueIngress = (entries: ReadonlyArray<LoadBalancerIngress>): ReadonlyArray<LoadBalancerIngress> => {
  const seen = new Map<string, LoadBalancerIngress>()
  for (const entry of entries) if (!seen.has(ingressKey(entry))) seen.set(ingressKey(entry), entry)
  return [...seen.values()]
}

/** Any Kubernetes object's annotations, in API JSON shape. */
export interface AnnotatedObject {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> | undefined } | undefined
}

/** The parts of a Service or Ingress the comparison reads, in API JSON shape. */
export interface ObservedObject extends AnnotatedObject {
  readonly status?: {
    readonly loadBalancer?: {
      readonly ingress?:
        | ReadonlyArray<{ readonly ip?: string | undefined; readonly hostname?: string | undefined }>
        | undefined
    } | undefined
  } | undefined
}

const sameJson = (a: string, b: string): boolean => {
  try {
    const left: unknown = JSON.parse(a)
    const right: unknown = JSON.parse(b)
    if (left === null || right === null || typeof left !== "object" || typeof right !== "object") return a === b
    const l = left as Record<string, unknown>
    const r = right as Record<string, unknown>
    const keys = Object.keys(l)
    return keys.length === Object.keys(r).length && keys.every((k) => l[k] === r[k])
  } catch {
    return a === b
  }
}

/** True when `status.loadBalancer.ingress` already lists exactly the desired entries (in any order). */
export const ingressUpToDate = (current: ObservedObject, desired: DesiredObjectStatus): boolean => {
  const have = new Set(
    (current.status?.loadBalancer?.ingress ?? []).map((e) =>
      ingressKey(e.hostname === undefined ? { ip: e.ip ?? "" } : { ip: e.ip ?? "", hostname: e.hostname })
    )
  )
  const want = new Set(desired.ingress.map(ingressKey))
  return have.size === want.size && [...want].every((k) => have.has(k))
}

/** True when the annotations already have the desired values (the uuid map compared as JSON). */
export const annotationsUpToDate = (current: AnnotatedObject, desired: DesiredObjectStatus): boolean => {
  const annotations = current.metadata?.annotations ?? {}
  return Object.entries(desired.annotations).every(([key, value]) => {
    const present = annotations[key]
    if (value === null) return present === undefined
    if (present === undefined) return false
    return key === VS_UUID_MAP_ANNOTATION ? sameJson(present, value) : present === value
  })
}

/** True when the object already shows `desired`: no status and no annotation write is needed. */
export const statusUpToDate = (current: ObservedObject, desired: DesiredObjectStatus): boolean =>
  ingressUpToDate(current, desired) && annotationsUpToDate(current, desired)

/** One entry of a Route's `status.ingress` as AKO writes it, without the time of the transition. */
export interface RouteAdmission {
  readonly host: string
  readonly routerName: string
  readonly conditions: ReadonlyArray<{
    readonly type: "Admitted"
    readonly status: "True"
    readonly message: string
    readonly reason: string
  }>
}

/**
 * A Route's `status.ingress` as AKO's `route_status.go` writes it: one entry per host per VIP, the VIP as the
 * message, and as the reason the JSON (keys sorted, as Go marshals a map) of the annotations AKO would set for that
 * host. `routerName` is AKO's user, `ako-<clusterName>`.
 */
export const routeAdmissions = (desired: DesiredObjectStatus, routerName: string): ReadonlyArray<RouteAdmission> => {
  const uuids = parseUuidMap(desired.annotations[VS_UUID_MAP_ANNOTATION] ?? null)
  return desired.ingress.map((entry) => {
    const host = entry.hostname ?? ""
    const uuid = uuids[host]
    const reason = goJson({
      [CONTROLLER_CLUSTER_UUID_ANNOTATION]: desired.annotations[CONTROLLER_CLUSTER_UUID_ANNOTATION] ?? "",
      [VS_UUID_MAP_ANNOTATION]: goJson(uuid === undefined ? {} : { [host]: uuid }),
      [TENANT_ANNOTATION]: desired.annotations[TENANT_ANNOTATION] ?? ""
    })
    return { host, routerName, conditions: [{ type: "Admitted", status: "True", message: entry.ip, reason }] }
  })
}

const parseUuidMap = (value: string | null): Readonly<Record<string, string>> => {
  if (value === null) return {}
  try {
    const parsed: unknown = JSON.parse(value)
    return parsed !== null && typeof parsed === "object" ? parsed as Record<string, string> : {}
  } catch {
    return {}
  }
}

/** The parts of a Route's status the comparison reads. */
export interface ObservedRoute {
  readonly status?: {
    readonly ingress?:
      | ReadonlyArray<{
        readonly host?: string | undefined
        readonly routerName?: string | undefined
        readonly conditions?:
          | ReadonlyArray<{
            readonly type?: string | undefined
            readonly status?: string | undefined
            readonly message?: string | undefined
            readonly reason?: string | undefined
          }>
          | undefined
      }>
      | undefined
  } | undefined
}

const admissionKeys = (entries: ReadonlyArray<RouteAdmission> | NonNullable<ObservedRoute["status"]>["ingress"]) =>
  new Set(
    (entries ?? []).flatMap((entry) =>
      (entry.conditions ?? []).map((c) =>
        [entry.host, entry.routerName, c.type, c.status, c.message, c.reason].map((v) => v ?? "").join("|")
      )
    )
  )

/** True when the Route already shows exactly these admissions (transition times aside). */
export const routeStatusUpToDate = (current: ObservedRoute, wanted: ReadonlyArray<RouteAdmission>): boolean => {
  const have = admissionKeys(current.status?.ingress)
  const want = admissionKeys(wanted)
  return have.size === want.size && [...want].every((key) => have.has(key))
}

/** Merge patch for the status subresource: the ingress list, or `{"status":null}` when cleared (as AKO). */
export const statusPatch = (desired: DesiredObjectStatus): Record<string, unknown> =>
  desired.ingress.length === 0
    ? { status: null }
    : { status: { loadBalancer: { ingress: desired.ingress.map((e) => ({ ...e })) } } }

/** Merge patch for the object's metadata: annotations set or removed (`null`). */
export const annotationPatch = (desired: DesiredObjectStatus): Record<string, unknown> => ({
  metadata: { annotations: { ...desired.annotations } }
})
