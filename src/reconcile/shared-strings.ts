/**
 * One copy of the strings (and marker lists, below) every cached Avi object repeats. JSON.parse gives each object
 * its own copy of each string, so 1,000 LB Services held 23,000 copies of 4,000 distinct ref URLs (the tenant,
 * cloud, VRF, profiles and SE group each object points at) and 4,000 copies of the same `service_metadata`: about
 * 4 MiB per 1,000 Services of a replica's heap, leader and passive alike (bench/memory.ts).
 *
 * Only values that are shared by nature go to the pool: refs to objects this cluster does not own, Avi's enum values
 * (`LB_ALGORITHM_LEAST_CONNECTIONS`, `ACTIVE_STANDBY_SE_1`: 10,000 copies each at 10,000 Services), `created_by`
 * and `service_metadata`. Refs to owned objects (a VS's pool, its VsVip) are unique to one object and would only grow
 * the pool.
 *
 * The pool is bounded by generations: new and recently used entries go to the young one, and when it is full the old
 * generation is dropped and the young one becomes old. An entry still in use (looked up since the last turn) stays,
 * so a cluster bigger than one generation keeps its sharing; a forgotten entry only costs future sharing, never
 * correctness. (A pool that simply started over when full lost half the sharing at 10,000 Services: the desired
 * graph's marker lists were dropped before the Avi cache's listing looked them up, about 10 MiB per replica.)
 */
import { AviRef } from "../avi/index.js"
import type { AviBody } from "../model/index.js"

const GENERATION_LIMIT = 50_000

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

/** Values by identity (the value itself, or a text of it), in two generations. */
class Pool<A> {
  private young = new Map<string, A>()
  private old = new Map<string, A>()

  /** The pooled copy of `value` under `id`, or `value` itself, pooled now. */
  get(id: string, value: A): A {
    const known = this.young.get(id)
    if (known !== undefined) return known
    const kept = this.old.get(id) ?? value
    if (this.young.size >= GENERATION_LIMIT) {
      this.old = this.young
      this.young = new Map()
    }
    this.young.set(id, kept)
    return kept
  }
}

const strings = new Pool<string>()
/** The pooled copy of a string every object of a kind repeats (a tenant's name, say). */
export const shared = (value: string): string => strings.get(value, value)

/** Avi's enum values are upper-case words joined by underscores; a name that looks like one only costs an entry. */
const isEnumValue = (value: string): boolean => value.length <= 64 && /^[A-Z][A-Z0-9_]*$/.test(value)

const isSharedRef = (key: string, value: string): boolean => {
  if (!(key.endsWith("_ref") || key.endsWith("_refs"))) return false
  const type = AviRef.typeOf(value)
  return type !== undefined && !PER_OBJECT_TYPES.has(type)
}

/**
 * One copy of each `markers` list. Every object of a unit carries the same list (clustername, Namespace, ServiceName
 * …), and a unit's desired objects carry it again: 24 lists, 72 marker objects and 72 `values` arrays per LB Service
 * across the cache and the desired state, about 20 MiB at 10,000 Services. Pooled like the strings, and so are the
 * markers in them.
 */
type Marker = { readonly key: string; readonly values?: ReadonlyArray<string> }

const markerLists = new Pool<unknown>()
const markers = new Pool<Marker>()

const isMarkerList = (value: unknown): value is ReadonlyArray<Marker> =>
  Array.isArray(value) &&
  value.every((marker) =>
    typeof marker === "object" && marker !== null && typeof marker.key === "string" &&
    Object.keys(marker).every((field) => field === "key" || field === "values") &&
    (marker.values === undefined ||
      (Array.isArray(marker.values) && marker.values.every((entry: unknown) => typeof entry === "string")))
  )

const holdsSeparator = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) <= 4) return true
  return false
}

/**
 * A marker list as text, shorter than its JSON (the pool keeps one per list: JSON's quotes and field names were
 * 2 MiB of the pool at 10,000 Services). Fields are separated by control characters, which Kubernetes names and
 * AKO's markers never hold; a list that does hold one is identified by its JSON instead (which escapes them).
 */
const markerListId = (list: ReadonlyArray<Marker>): string => {
  let id = ""
  for (const marker of list) {
    if (holdsSeparator(marker.key)) return `\u0000${JSON.stringify(list)}`
    // Each value after its own separator: `[]` and `[""]` differ, and so do no values and an empty list.
    id += `${marker.key}\u0001`
    if (marker.values === undefined) id += "\u0003"
    else {
      for (const value of marker.values) {
        if (holdsSeparator(value)) return `\u0000${JSON.stringify(list)}`
        id += `\u0002${value}`
      }
    }
    id += "\u0004"
  }
  return id
}

const sharedMarkers = (value: unknown): unknown => {
  if (!isMarkerList(value)) return shareIn(value, "")
  const id = markerListId(value)
  const known = markerLists.get(id, value)
  if (known !== value) return known
  // A list new to the pool is made of markers most lists repeat (`clustername`, a Namespace, a Service's name on
  // its VS, pool and policy set): each is pooled on its own too, so a list costs little more than its array.
  const list = value as Array<Marker>
  for (let i = 0; i < list.length; i++) list[i] = markers.get(markerListId([list[i]!]), list[i]!)
  return list
}

const shareIn = (value: unknown, key: string): unknown => {
  // A frozen body (an in-memory client's own object) is left as it is.
  if (typeof value === "object" && value !== null && Object.isFrozen(value)) return value
  if (typeof value === "string") {
    return key === "service_metadata" || key === "created_by" || isEnumValue(value) || isSharedRef(key, value) ?
      shared(value) :
      value
  }
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
