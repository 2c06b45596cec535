/**
 * Collection GETs: `{count, results, next}` with the filters of avi-api.md §2.2. Unknown parameters are ignored,
 * as are `<field>.name` filters on fields the type does not have (AKO sends `cloud_ref.name` to every type).
 */
import { isRecord } from "./behaviour.js"
import { apiError } from "./errors.js"
import { internalRef } from "./refs.js"
import type { AviStore, RenderOptions, TenantScope } from "./store.js"
import { type Body, specOf, type StoredObject } from "./types.js"

export const DEFAULT_PAGE_SIZE = 25
export const MAX_PAGE_SIZE = 200

type Predicate = (obj: StoredObject) => boolean

/** `include_name=` (present, empty) counts as true; only explicit false-ish values turn it off. */
export const flagSet = (params: URLSearchParams, name: string): boolean => {
  const value = params.get(name)
  if (value === null) return false
  return !["false", "0", "no", "False"].includes(value)
}

const list = (value: string): Array<string> => value.split(",").map((s) => s.trim()).filter((s) => s.length > 0)

const fieldValue = (body: Body, path: string): unknown => {
  let current: unknown = body
  for (const part of path.split(".")) {
    if (!isRecord(current)) return undefined
    current = current[part]
  }
  return current
}

const refUuid = (ref: unknown): string | undefined =>
  typeof ref === "string" ? ref.slice(ref.lastIndexOf("/") + 1) : undefined

const parseTypedTarget = (value: string): { type: string; uuid: string } | undefined => {
  const colon = value.indexOf(":")
  if (colon <= 0) return undefined
  return { type: value.slice(0, colon), uuid: value.slice(colon + 1) }
}

const buildFilter = (
  store: AviStore,
  type: string,
  key: string,
  value: string
): Predicate | undefined => {
  const spec = specOf(type)!
  const name = (o: StoredObject) => String(o.body.name ?? "")
  switch (key) {
    case "name":
      return (o) => name(o) === value
    case "uuid":
      return (o) => o.uuid === value
    case "name.contains":
      return (o) => name(o).includes(value)
    case "name.icontains":
      return (o) => name(o).toLowerCase().includes(value.toLowerCase())
    case "name.in": {
      const names = new Set(list(value))
      return (o) => names.has(name(o))
    }
    case "uuid.in": {
      const uuids = new Set(list(value))
      return (o) => uuids.has(o.uuid)
    }
    case "created_by":
      return (o) => o.body.created_by === value
    case "cloud_uuid":
      return spec.hasCloud ? (o) => refUuid(o.body.cloud_ref) === value : undefined
    case "refers_to": {
      const target = parseTypedTarget(value)
      if (!target) throw apiError(400, `Invalid refers_to ${value}; expected <type>:<uuid>`)
      const referrers = new Set(store.referrers(internalRef(target.type, target.uuid)).map((o) => o.uuid))
      return (o) => referrers.has(o.uuid)
    }
    case "referred_by": {
      const source = parseTypedTarget(value)
      if (!source) throw apiError(400, `Invalid referred_by ${value}; expected <type>:<uuid>`)
      const referenced = new Set(store.referenced(internalRef(source.type, source.uuid)).map((o) => o.uuid))
      return (o) => referenced.has(o.uuid)
    }
    case "search": {
      const pairs = [...value.matchAll(/\(([^,()]+),([^()]*)\)/g)]
      if (pairs.length === 0) return (o) => name(o).includes(value)
      return (o) =>
        pairs.some(([, field, needle]) => {
          const v = fieldValue(o.body, field!)
          return v !== undefined && String(v).includes(needle!)
        })
    }
    case "isearch": {
      const needle = value.toLowerCase()
      return (o) => name(o).toLowerCase().includes(needle)
    }
    case "label_key":
      return undefined
    default: {
      const match = /^(.+_refs?)\.(name|uuid)$/.exec(key)
      if (!match) return undefined
      const [, field, part] = match
      if (spec.refs[field!] === undefined) return undefined
      return (o) => {
        const raw = o.body[field!]
        const refs = Array.isArray(raw) ? raw : [raw]
        return refs.some((ref) =>
          typeof ref === "string" && (part === "name" ? store.nameOf(ref) === value : refUuid(ref) === value)
        )
      }
    }
  }
}

const labelFilter = (params: URLSearchParams): Predicate | undefined => {
  const key = params.get("label_key")
  if (key === null) return undefined
  const value = params.get("label_value")
  return (o) =>
    Array.isArray(o.body.markers) && o.body.markers.some((marker) =>
      isRecord(marker) && marker.key === key
      && (value === null || (Array.isArray(marker.values) && marker.values.includes(value)))
    )
}

const compare = (field: string) => (a: StoredObject, b: StoredObject): number => {
  const va = fieldValue(a.body, field)
  const vb = fieldValue(b.body, field)
  if (typeof va === "number" && typeof vb === "number") return va - vb
  return String(va ?? "").localeCompare(String(vb ?? ""))
}

export interface CollectionPage {
  readonly count: number
  readonly results: ReadonlyArray<Body>
  readonly next?: string
}

export const queryCollection = (
  store: AviStore,
  type: string,
  scope: TenantScope,
  params: URLSearchParams,
  render: Omit<RenderOptions, "includeName" | "fields">,
  extraFilter?: Predicate
): CollectionPage => {
  const excluded = new Set(params.getAll("exclude"))
  const predicates: Array<Predicate> = []
  for (const [key, value] of params) {
    const filter = buildFilter(store, type, key, value)
    if (filter) predicates.push(excluded.has(key) ? (o) => !filter(o) : filter)
  }
  const labels = labelFilter(params)
  if (labels) predicates.push(excluded.has("label_key") ? (o) => !labels(o) : labels)
  if (extraFilter) predicates.push(extraFilter)

  const matched: Array<StoredObject> = []
  for (const obj of store.objectsOf(type)) {
    if (store.visible(obj, scope) && predicates.every((p) => p(obj))) matched.push(obj)
  }
  const sort = params.get("sort")
  if (sort) {
    const fields = list(sort)
    matched.sort((a, b) => {
      for (const f of fields) {
        const desc = f.startsWith("-")
        const c = compare(desc ? f.slice(1) : f)(a, b)
        if (c !== 0) return desc ? -c : c
      }
      return 0
    })
  }
  const requestedSize = Number(params.get("page_size") ?? DEFAULT_PAGE_SIZE)
  const pageSize = Number.isInteger(requestedSize) && requestedSize > 0
    ? Math.min(requestedSize, MAX_PAGE_SIZE)
    : DEFAULT_PAGE_SIZE
  const requestedPage = Number(params.get("page") ?? 1)
  const page = Number.isInteger(requestedPage) && requestedPage > 0 ? requestedPage : 1
  const start = (page - 1) * pageSize
  const fieldsParam = params.get("fields")
  const options: RenderOptions = {
    ...render,
    includeName: flagSet(params, "include_name"),
    fields: fieldsParam === null ? undefined : new Set(list(fieldsParam))
  }
  const results = matched.slice(start, start + pageSize).map((o) => store.render(o, options))
  if (start + pageSize >= matched.length) return { count: matched.length, results }
  const nextParams = new URLSearchParams(params)
  nextParams.set("page", String(page + 1))
  return { count: matched.length, results, next: `${render.base}/api/${type}?${nextParams.toString()}` }
}
