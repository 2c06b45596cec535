/**
 * Label and field selectors with the apimachinery grammar: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, comma-separated (AND). Parse errors become 400 BadRequest like the real server.
 */
import { badRequest } from "./status.js"

export type Requirement =
  | { readonly op: "eq"; readonly key: string; readonly value: string }
  | { readonly op: "neq"; readonly key: string; readonly value: string }
  | { readonly op: "in"; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly op: "notin"; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly op: "exists"; readonly key: string }
  | { readonly op: "notexists"; readonly key: string }

export type Selector = ReadonlyArray<Requirement>

/** Split on commas that are not inside parentheses. */
const splitTerms = (text: string): Array<string> => {
  const terms: Array<string> = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === "(") depth++
    else if (c === ")") depth--
    else if (c === "," && depth === 0) {
      terms.push(text.slice(start, i))
      start = i + 1
    }
  }
  terms.push(text.slice(start))
  return terms.map((t) => t.trim()).filter((t) => t.length > 0)
}

const keyPattern = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/

const checkKey = (key: string, source: string): string => {
  if (!keyPattern.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${source}"`)
  return key
}

export const parseLabelSelector = (text: string | undefined): Selector => {
  if (text === undefined || text.trim() === "") return []
  return splitTerms(text).map((term): Requirement => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term)
    if (set) {
      const values = set[3]!.split(",").map((v) => v.trim()).filter((v) => v.length > 0)
      return { op: set[2] === "in" ? "in" : "notin", key: checkKey(set[1]!, text), values }
    }
    const neq = /^([^=!\s]+)\s*!=\s*(\S*)$/.exec(term)
    if (neq) return { op: "neq", key: checkKey(neq[1]!, text), value: neq[2]! }
    const eq = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(term)
    if (eq) return { op: "eq", key: checkKey(eq[1]!, text), value: eq[2]! }
    const notExists = /^!\s*(\S+)$/.exec(term)
    if (notExists) return { op: "notexists", key: checkKey(notExists[1]!, text) }
    if (/^\S+$/.test(term)) return { op: "exists", key: checkKey(term, text) }
    throw badRequest(`unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`)
  })
}

export const matches = (selector: Selector, labels: Readonly<Record<string, string>> | undefined): boolean =>
  selector.every((r) => {
    const value = labels?.[r.key]
    switch (r.op) {
      case "eq":
        return value === r.value
      case "neq":
        return value !== r.value
      case "in":
        return value !== undefined && r.values.includes(value)
      case "notin":
        return value === undefined || !r.values.includes(value)
      case "exists":
        return value !== undefined
      case "notexists":
        return value === undefined
    }
  })

const supportedFields = new Set(["metadata.name", "metadata.namespace"])

/** Field selectors support equality and inequality on metadata.name and metadata.namespace. */
export const parseFieldSelector = (text: string | undefined): Selector => {
  if (text === undefined || text.trim() === "") return []
  return splitTerms(text).map((term): Requirement => {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term)
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`)
    const key = m[1]!
    if (!supportedFields.has(key)) {
      throw badRequest(`field label not supported: ${key}`)
    }
    return m[2] === "!=" ? { op: "neq", key, value: m[3]! } : { op: "eq", key, value: m[3]! }
  })
}

export const objectFields = (metadata: { name?: string; namespace?: string } | undefined): Record<string, string> => ({
  "metadata.name": metadata?.name ?? "",
  "metadata.namespace": metadata?.namespace ?? ""
})
