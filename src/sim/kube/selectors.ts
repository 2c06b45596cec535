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

/**
 * What a field selector may name for one resource type: the server's selectable field set (label → value read from
 * the object) and the conversion function's answer for anything else.
 */
export interface FieldLabels {
  readonly fields: Readonly<Record<string, (object: Record<string, unknown>) => string>>
  /** Labels accepted under another name, as Pods still take the pre-v1 `spec.host` for `spec.nodeName`. */
  readonly aliases?: Readonly<Record<string, string>>
  /** The message of the 400 for a label outside the set. */
  readonly refuse: (label: string) => string
}

/** apimachinery's default conversion, for kinds that register none of their own. */
export const defaultFieldLabels: FieldLabels = {
  fields: {
    "metadata.name": (o) => metaString(o, "name"),
    "metadata.namespace": (o) => metaString(o, "namespace")
  },
  refuse: (label) =>
    `${JSON.stringify(label)} is not a known field selector: only "metadata.name", "metadata.namespace"`
}

const metaString = (object: Record<string, unknown>, key: string): string => {
  const meta = object["metadata"]
  if (meta === null || typeof meta !== "object") return ""
  const value = (meta as Record<string, unknown>)[key]
  return typeof value === "string" ? value : ""
}

/** Splits on commas not escaped with a backslash, as fields.ParseSelector does. */
const splitFieldTerms = (text: string): Array<string> => {
  const terms: Array<string> = []
  let current = ""
  let escaped = false
  for (const c of text) {
    if (escaped) {
      current += c
      escaped = false
    } else if (c === "\\") {
      current += c
      escaped = true
    } else if (c === ",") {
      terms.push(current)
      current = ""
    } else {
      current += c
    }
  }
  terms.push(current)
  return terms
}

/** The first operator in the term wins, `!=` and `==` before `=` at the same position. */
const splitFieldTerm = (term: string): [string, "!=" | "==" | "=", string] | undefined => {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)]
    }
  }
  return undefined
}

/** Values escape a backslash, `,` and `=` with a backslash; anything else escaped, or those unescaped, is refused. */
const unescapeFieldValue = (value: string): string => {
  if (!/[\\,=]/.test(value)) return value
  let out = ""
  let escaped = false
  for (const c of value) {
    if (escaped) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw badRequest(`invalid field selector: invalid escape sequence: \\${c}`)
      }
      out += c
      escaped = false
    } else if (c === "\\") {
      escaped = true
    } else if (c === "," || c === "=") {
      throw badRequest(`invalid field selector: unescaped character in value: ${c}`)
    } else {
      out += c
    }
  }
  if (escaped) throw badRequest("invalid field selector: invalid escape sequence: \\")
  return out
}

/**
 * Field selectors: `=`, `==` and `!=` terms joined by commas, labels checked against the type's selectable fields.
 * Terms are not trimmed, as on the real server: `type != x` names the label "type ".
 */
export const parseFieldSelector = (text: string | undefined, labels: FieldLabels = defaultFieldLabels): Selector => {
  if (text === undefined || text === "") return []
  const terms = splitFieldTerms(text).filter((t) => t !== "").sort()
  const parsed = terms.map((term) => {
    const split = splitFieldTerm(term)
    if (split === undefined) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`)
    return { key: split[0], op: split[1], value: unescapeFieldValue(split[2]) }
  })
  return parsed.map(({ key, op, value }): Requirement => {
    const label = labels.aliases?.[key] ?? key
    if (labels.fields[label] === undefined) throw badRequest(labels.refuse(key))
    return op === "!=" ? { op: "neq", key: label, value } : { op: "eq", key: label, value }
  })
}

/** Whether an object is in a parsed field selection; values come from the type's field set. */
export const matchesFields = (selector: Selector, labels: FieldLabels, object: Record<string, unknown>): boolean =>
  selector.every((r) => {
    const value = labels.fields[r.key]?.(object) ?? ""
    return r.op === "eq" ? value === r.value : r.op === "neq" ? value !== r.value : false
  })
