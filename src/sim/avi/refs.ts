/**
 * Ref strings. Input accepts every form clients send (avi-api.md §2.1): full URL with or without `#name`,
 * relative `/api/<type>/<uuid>`, and name refs `/api/<type>/?name=<n>` / `/api/<type>?name=<n>`.
 * Stored refs are `/api/<type>/<uuid>`; responses prefix the request's scheme and host and optionally `#name`.
 */
import { isRecord } from "./behaviour.js"

export type ParsedRef =
  | { readonly type: string; readonly uuid: string; readonly name?: undefined }
  | { readonly type: string; readonly uuid?: undefined; readonly name: string }

const REF = /^(?:[a-z]+:\/\/[^/]+)?\/+api\/([A-Za-z0-9_-]+)\/*([^/?#]*)\/*(?:\?([^#]*))?(?:#.*)?$/

export const parseRef = (value: string): ParsedRef | undefined => {
  const match = REF.exec(value)
  if (!match) return undefined
  const type = match[1]!.toLowerCase()
  const uuid = match[2] ?? ""
  if (uuid.length > 0) return { type, uuid: decodeURIComponent(uuid) }
  const name = new URLSearchParams(match[3] ?? "").get("name")
  return name === null ? undefined : { type, name }
}

export const internalRef = (type: string, uuid: string): string => `/api/${type}/${uuid}`

/** Splits an internal ref into type and uuid. */
export const refParts = (ref: string): { type: string; uuid: string } | undefined => {
  const match = /^\/api\/([^/]+)\/([^/]+)$/.exec(ref)
  return match ? { type: match[1]!, uuid: match[2]! } : undefined
}

/**
 * Deep-copies `value`, passing every string under a `*_ref` key or inside a `*_refs` array through `onRef`
 * (with the field name). `onRef` returning undefined drops the field or list entry.
 */
export const mapRefs = (
  value: unknown,
  onRef: (ref: string, field: string) => string | undefined,
  key?: string
): unknown => {
  if (Array.isArray(value)) {
    const isRefList = key !== undefined && key.endsWith("_refs")
    const out: Array<unknown> = []
    for (const item of value) {
      if (isRefList && typeof item === "string") {
        const mapped = onRef(item, key)
        if (mapped !== undefined) out.push(mapped)
      } else {
        out.push(mapRefs(item, onRef))
      }
    }
    return out
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string" && k.endsWith("_ref")) {
        const mapped = onRef(v, k)
        if (mapped !== undefined) out[k] = mapped
      } else {
        out[k] = mapRefs(v, onRef, k)
      }
    }
    return out
  }
  return value
}

/** Every internal ref held by a stored body (for the reverse index). */
export const collectRefs = (value: unknown, into: Set<string> = new Set()): Set<string> => {
  mapRefs(value, (ref) => {
    into.add(ref)
    return ref
  })
  return into
}
