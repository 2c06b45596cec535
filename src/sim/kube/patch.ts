/**
 * The PATCH bodies the API server accepts for built-in types.
 *
 * Strategic merge patch follows the real server for what clients send in practice: maps merge recursively (`null`
 * deletes a key, `$patch: replace|delete` on a map), lists named in `mergeKeys` merge element by element on their
 * merge key (containers by name, container ports by containerPort, service ports by port, conditions by type, ...)
 * with `$patch: delete` elements and `$setElementOrder/<list>` honoured, `finalizers` merge as a set with
 * `$deleteFromPrimitiveList/finalizers` removals, and every other list is replaced as a whole. The real server takes
 * merge keys from Go struct tags per field path; here they come from the field name alone, and `$retainKeys` is
 * ignored.
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

/** List field name → candidate merge keys, first one present in the elements wins (ports differ by context). */
const mergeKeys: Readonly<Record<string, ReadonlyArray<string>>> = {
  containers: ["name"],
  initContainers: ["name"],
  ephemeralContainers: ["name"],
  env: ["name"],
  volumes: ["name"],
  volumeMounts: ["mountPath"],
  volumeDevices: ["devicePath"],
  imagePullSecrets: ["name"],
  ports: ["containerPort", "port"],
  conditions: ["type"],
  ownerReferences: ["uid"],
  hostAliases: ["ip"],
  topologySpreadConstraints: ["topologyKey"],
  resourceClaims: ["name"]
}

const primitiveSetLists = new Set(["finalizers"])

const keyOf = (element: unknown, key: string): string | undefined =>
  isObject(element) && element[key] !== undefined ? JSON.stringify(element[key]) : undefined

const mergeList = (field: string, target: unknown, patch: Array<unknown>, order: unknown): Array<unknown> => {
  const current = Array.isArray(target) ? target : []
  if (primitiveSetLists.has(field)) {
    const merged = [...current]
    for (const item of patch) if (!merged.some((m) => JSON.stringify(m) === JSON.stringify(item))) merged.push(item)
    return merged
  }
  const candidates = mergeKeys[field]
  const key = candidates?.find((k) => patch.every((e) => keyOf(e, k) !== undefined))
  if (key === undefined) return patch.filter((e) => !(isObject(e) && e["$patch"] === "delete"))
  const merged: Array<unknown> = [...current]
  for (const element of patch) {
    const id = keyOf(element, key)
    const at = merged.findIndex((m) => keyOf(m, key) === id)
    if (isObject(element) && element["$patch"] === "delete") {
      if (at >= 0) merged.splice(at, 1)
    } else if (at >= 0) {
      merged[at] = strategicMergePatch(merged[at], element)
    } else {
      merged.push(strategicMergePatch(undefined, element))
    }
  }
  if (Array.isArray(order)) {
    const rank = new Map(order.map((e, i) => [keyOf(e, key), i]))
    return merged
      .map((element, index) => ({ element, index, rank: rank.get(keyOf(element, key)) ?? order.length + index }))
      .sort((a, b) => a.rank - b.rank)
      .map((e) => e.element)
  }
  return merged
}

export const strategicMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch
  const directive = patch["$patch"]
  if (directive === "delete") return undefined
  const base: Record<string, unknown> = directive === "replace" ? {} : isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length)
      const current = base[field]
      if (Array.isArray(current) && Array.isArray(value)) {
        const remove = new Set(value.map((v) => JSON.stringify(v)))
        base[field] = current.filter((v) => !remove.has(JSON.stringify(v)))
      }
      continue
    }
    if (key.startsWith("$")) continue
    if (value === null) {
      delete base[key]
      continue
    }
    const merged = Array.isArray(value)
      ? mergeList(key, base[key], value, patch[`$setElementOrder/${key}`])
      : strategicMergePatch(base[key], value)
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
