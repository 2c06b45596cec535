/**
 * Avi references. The controller accepts refs by uuid (`/api/pool/pool-…`), by name (`/api/pool?name=p`) and full
 * URLs; it returns full URLs, suffixed `#<name>` under `include_name` and always in write responses.
 */
import * as Option from "effect/Option"

export interface ParsedRef {
  readonly type: string
  readonly uuid: string | undefined
  readonly name: string | undefined
}

/** A by-name reference, resolved by the controller in the request tenant (then admin for shared objects). */
export const byName = (type: string, name: string): string => `/api/${type}?name=${encodeURIComponent(name)}`

/** A by-uuid reference. */
export const byUuid = (type: string, uuid: string): string => `/api/${type}/${uuid}`

/**
 * Splits any ref form into type, uuid and name: `https://host/api/pool/pool-1#p`, `/api/pool/pool-1`,
 * `/api/pool?name=p`, `/api/pool/?name=p`. None for strings that are not refs (including `""`).
 */
export const parse = (ref: string): Option.Option<ParsedRef> => {
  const at = ref.indexOf("/api/")
  if (at < 0) return Option.none()
  let rest = ref.slice(at + "/api/".length)
  let name: string | undefined
  const hash = rest.indexOf("#")
  if (hash >= 0) {
    name = rest.slice(hash + 1)
    rest = rest.slice(0, hash)
  }
  const query = rest.indexOf("?")
  if (query >= 0) {
    const byNameParam = new URLSearchParams(rest.slice(query + 1)).get("name")
    if (byNameParam !== null && name === undefined) name = byNameParam
    rest = rest.slice(0, query)
  }
  const [type = "", uuid = ""] = rest.split("/").filter((segment) => segment.length > 0)
  if (type.length === 0) return Option.none()
  if (uuid.length === 0 && name === undefined) return Option.none()
  return Option.some({ type, uuid: uuid.length > 0 ? uuid : undefined, name })
}

/**
 * The object type a ref names (`https://host/api/pool/pool-1#p` → `pool`), or undefined for a string that is not a
 * ref. Cheaper than `parse` (no name or uuid cut out): walking every cached body for the refs it holds asked this of
 * each ref, and most name objects of types the caller skips (clouds, profiles).
 */
export const typeOf = (ref: string): string | undefined => {
  const at = ref.indexOf("/api/")
  if (at < 0) return undefined
  const start = at + "/api/".length
  let end = start
  while (end < ref.length) {
    const code = ref.charCodeAt(end)
    // `/`, `?` and `#` end the type
    if (code === 47 || code === 63 || code === 35) break
    end++
  }
  return end > start ? ref.slice(start, end) : undefined
}

/** The uuid of a ref returned by the controller (`https://host/api/pool/pool-1#p` → `pool-1`). */
export const uuidOf = (ref: string): Option.Option<string> =>
  Option.flatMap(parse(ref), (parsed) => Option.fromNullable(parsed.uuid))

/** The name carried by a ref (`#name` suffix or `?name=`). */
export const nameOf = (ref: string): Option.Option<string> =>
  Option.flatMap(parse(ref), (parsed) => Option.fromNullable(parsed.name))
