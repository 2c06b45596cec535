/**
 * The three PATCH bodies the API server accepts for built-in types.
 *
 * Strategic merge patch differs from the real server on purpose: maps merge recursively like a JSON merge patch
 * (including `null` to delete a key, and `$patch: replace|delete` on a map), but lists are always replaced as a
 * whole; the real server merges lists that declare a `patchMergeKey` (containers by name, ports by port, ...) and
 * honours `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList`. Those directives are dropped here.
 */
import { badRequest } from "./status.js"

type Json = null | boolean | number | string | Array<Json> | { [key: string]: Json }

const isObject = (value: unknown): value is Record<string, Json> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** RFC 7386. */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

export const strategicMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch
  const directive = patch["$patch"]
  if (directive === "delete") return undefined
  const base: Record<string, unknown> = directive === "replace" ? {} : isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue
    if (key.startsWith("$setElementOrder/") || key.startsWith("$deleteFromPrimitiveList/")) continue
    if (value === null) {
      delete base[key]
      continue
    }
    const merged = strategicMergePatch(base[key], value)
    if (merged === undefined) delete base[key]
    else base[key] = merged
  }
  return base
}

const unescape = (token: string) => token.replace(/~1/g, "/").replace(/~0/g, "~")

const parsePointer = (pointer: unknown): Array<string> => {
  if (typeof pointer !== "string") throw badRequest("json patch: path must be a string")
  if (pointer === "") return []
  if (!pointer.startsWith("/")) throw badRequest(`json patch: invalid path "${pointer}"`)
  return pointer.slice(1).split("/").map(unescape)
}

const clone = <A>(value: A): A => structuredClone(value)

const childOf = (container: unknown, token: string, pointer: string): unknown => {
  if (Array.isArray(container)) {
    const index = Number(token)
    if (!Number.isInteger(index) || index < 0 || index >= container.length) {
      throw badRequest(`json patch: index out of range in "${pointer}"`)
    }
    return container[index]
  }
  if (isObject(container)) {
    if (!(token in container)) throw badRequest(`doc is missing path: "${pointer}": missing value`)
    return container[token]
  }
  throw badRequest(`doc is missing path: "${pointer}": missing value`)
}

const parentOf = (doc: unknown, tokens: ReadonlyArray<string>, pointer: string): unknown => {
  let current = doc
  for (const token of tokens.slice(0, -1)) current = childOf(current, token, pointer)
  return current
}

const getAt = (doc: unknown, pointer: unknown): unknown => {
  const tokens = parsePointer(pointer)
  let current = doc
  for (const token of tokens) current = childOf(current, token, String(pointer))
  return current
}

const removeAt = (doc: unknown, pointer: unknown): unknown => {
  const tokens = parsePointer(pointer)
  if (tokens.length === 0) throw badRequest("json patch: cannot remove the root")
  const parent = parentOf(doc, tokens, String(pointer))
  const last = tokens[tokens.length - 1]!
  const removed = childOf(parent, last, String(pointer))
  if (Array.isArray(parent)) parent.splice(Number(last), 1)
  else delete (parent as Record<string, unknown>)[last]
  return removed
}

const addAt = (doc: unknown, pointer: unknown, value: unknown, replace: boolean): unknown => {
  const tokens = parsePointer(pointer)
  if (tokens.length === 0) return value
  const parent = parentOf(doc, tokens, String(pointer))
  const last = tokens[tokens.length - 1]!
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last)
    const limit = replace ? parent.length - 1 : parent.length
    if (!Number.isInteger(index) || index < 0 || index > limit) {
      throw badRequest(`json patch: index out of range in "${String(pointer)}"`)
    }
    if (replace) parent[index] = value
    else parent.splice(index, 0, value)
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) {
      throw badRequest(`doc is missing key: ${String(pointer)}: missing value`)
    }
    ;(parent as Record<string, unknown>)[last] = value
  } else {
    throw badRequest(`doc is missing path: "${String(pointer)}": missing value`)
  }
  return doc
}

/** RFC 6902 over a copy of `target`. */
export const jsonPatch = (target: unknown, operations: unknown): unknown => {
  if (!Array.isArray(operations)) {
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
  }
  let doc = clone(target)
  for (const op of operations as Array<Record<string, unknown>>) {
    switch (op["op"]) {
      case "add":
        doc = addAt(doc, op["path"], clone(op["value"]), false)
        break
      case "replace":
        doc = addAt(doc, op["path"], clone(op["value"]), true)
        break
      case "remove":
        removeAt(doc, op["path"])
        break
      case "move": {
        const value = removeAt(doc, op["from"])
        doc = addAt(doc, op["path"], value, false)
        break
      }
      case "copy":
        doc = addAt(doc, op["path"], clone(getAt(doc, op["from"])), false)
        break
      case "test":
        if (JSON.stringify(getAt(doc, op["path"])) !== JSON.stringify(op["value"])) {
          throw new TestFailed(String(op["path"]))
        }
        break
      default:
        throw badRequest(`Unexpected kind: ${String(op["op"])}`)
    }
  }
  return doc
}

/** A failed `test` operation; the API server answers 422 Invalid for it. */
export class TestFailed extends Error {
  constructor(readonly path: string) {
    super(`testing value ${path} failed: test failed`)
  }
}

export type PatchType = "json" | "merge" | "strategic" | "apply"

export const patchTypeOf = (contentType: string | undefined): PatchType | undefined => {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase()
  switch (media) {
    case "application/json-patch+json":
      return "json"
    case "application/merge-patch+json":
      return "merge"
    case "application/strategic-merge-patch+json":
      return "strategic"
    case "application/apply-patch+yaml":
    case "application/apply-patch+json":
      return "apply"
    default:
      return undefined
  }
}
