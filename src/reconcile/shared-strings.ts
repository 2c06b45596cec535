/**
 * One copy of the strings (and marker lists, below) every cached Avi object repeats. JSON.parse gives each object
 * its own copy of each string, so 1,000 LB Services held 23,000 copies of 4,000 distinct ref URLs (the tenant,
 * cloud, VRF, profiles and SE group each object points at) and 4,000 copies of the same `service_metadata`: about
 * 4 MiB per 1,000 Services of a replica's heap, leader and passive alike (bench/memory.ts).
 *
 * Only values that are shared by nature go to the pool: refs to objects this cluster does not own, and
 * `service_metadata`. Refs to owned objects (a VS's pool, its VsVip) are unique to one object and would only grow
 * the pool. The pool is bounded: when it is full it starts over, which costs some sharing and never correctness.
 */
import type { AviBody } from "../model/index.js"

const POOL_LIMIT = 20_000

/** Types whose objects are per Service or Ingress: a ref to one is held by one object only. */
const PER_OBJECT_TYPES: ReadonlySet<string> = new Set([
  "virtualservice",
  "vsvip",
  "pool",
  "poolgroup",
  "httppolicyset",
  "l4policyset",
  "vsdatascriptset",
  "stringgroup",
  "sslkeyandcertificate",
  "pkiprofile"
])

/** The pooled copy of `value` under `id`, or `value` itself, pooled now. A full pool starts over. */
const pooled = <A>(pool: Map<string, A>, id: string, value: A): A => {
  const known = pool.get(id)
  if (known !== undefined) return known
  if (pool.size >= POOL_LIMIT) pool.clear()
  pool.set(id, value)
  return value
}

const strings = new Map<string, string>()
const shared = (value: string): string => pooled(strings, value, value)

/** `https://host/api/<type>/<uuid>#name` or `/api/<type>/?name=…`: the type, or undefined for anything else. */
const refType = (value: string): string | undefined => /\/api\/([^/?#]+)/.exec(value)?.[1]

const isSharedRef = (key: string, value: string): boolean => {
  if (!(key.endsWith("_ref") || key.endsWith("_refs"))) return false
  const type = refType(value)
  return type !== undefined && !PER_OBJECT_TYPES.has(type)
}

/**
 * One copy of each `markers` list. Every object of a unit carries the same list (clustername, Namespace, ServiceName
 * …), and a unit's desired objects carry it again: 24 lists, 72 marker objects and 72 `values` arrays per LB Service
 * across the cache and the desired state, about 20 MiB at 10,000 Services. Bounded like the string pool.
 */
const markerLists = new Map<string, unknown>()

const isMarkerList = (value: unknown): value is ReadonlyArray<{ readonly key: string; readonly values: unknown }> =>
  Array.isArray(value) &&
  value.every((marker) =>
    typeof marker === "object" && marker !== null && typeof marker.key === "string" &&
    Object.keys(marker).every((field) => field === "key" || field === "values") &&
    (marker.values === undefined ||
      (Array.isArray(marker.values) && marker.values.every((entry: unknown) => typeof entry === "string")))
  )

const sharedMarkers = (value: unknown): unknown =>
  isMarkerList(value) ? pooled(markerLists, JSON.stringify(value), value) : shareIn(value, "")

const shareIn = (value: unknown, key: string): unknown => {
  // A frozen body (an in-memory client's own object) is left as it is.
  if (typeof value === "object" && value !== null && Object.isFrozen(value)) return value
  if (typeof value === "string") return key === "service_metadata" || isSharedRef(key, value) ? shared(value) : value
  if (key === "markers") return sharedMarkers(value)
  if (Array.isArray(value)) {
    // An array takes its key's meaning (`*_refs`: every element is a ref).
    for (let i = 0; i < value.length; i++) value[i] = shareIn(value[i], key)
    return value
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>
    for (const field of Object.keys(record)) record[field] = shareIn(record[field], field)
  }
  return value
}

/**
 * Replaces, in place, the body's shared strings and marker lists with their pooled copy. The values are equal, so
 * nothing that reads the body can tell; the body must be one this process just made (a write response, a listed
 * object, a translation), and nothing may change it afterwards: a pooled marker list is every such body's.
 */
export const shareStrings = (body: AviBody): AviBody => shareIn(body, "") as AviBody
