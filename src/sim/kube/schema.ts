/**
 * Structural schemas of CustomResourceDefinitions (`openAPIV3Schema`), applied to custom resources as the real server
 * does on every create, update and patch: defaults first (also replacing `null` where a default exists), then unknown
 * fields pruned, then non-nullable `null`s without a default dropped, then validation with kube-openapi's messages
 * (`spec.x in body must be of type integer: "string"`, `Unsupported value: ...`, `Required value`, ...).
 *
 * Not covered: `format`, CEL rules (`x-kubernetes-validations`), list/map types, metadata schemas.
 */
import {
  type BadValue,
  type FieldError,
  invalid,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid
} from "./validation.js"

export type Schema = Readonly<Record<string, unknown>>

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value)

const clone = <A>(value: A): A => (value === undefined ? value : structuredClone(value))

const properties = (schema: Schema): Readonly<Record<string, Schema>> =>
  isObject(schema["properties"]) ? (schema["properties"] as Record<string, Schema>) : {}

const additional = (schema: Schema): Schema | undefined =>
  isObject(schema["additionalProperties"]) ? (schema["additionalProperties"] as Schema) : undefined

const items = (
  schema: Schema
): Schema | undefined => (isObject(schema["items"]) ? (schema["items"] as Schema) : undefined)

const nullable = (schema: Schema | undefined) => schema?.["nullable"] === true

const hasDefault = (schema: Schema | undefined) => schema !== undefined && schema["default"] !== undefined

/** A `null` the schema neither allows nor defaults. */
const nonNullableNull = (value: unknown, schema: Schema | undefined) => value === null && !nullable(schema)

/** Top-level keys every object keeps whatever the schema says; metadata has its own rules. */
const typeMetaKeys = new Set(["apiVersion", "kind", "metadata"])

export const applyDefaults = (value: unknown, schema: Schema | undefined): unknown => {
  if (schema === undefined) return value
  if (isObject(value)) {
    const out: Json = { ...value }
    for (const [key, property] of Object.entries(properties(schema))) {
      if (!hasDefault(property)) continue
      if (!(key in out) || nonNullableNull(out[key], property)) out[key] = clone(property["default"])
    }
    const extra = additional(schema)
    for (const [key, child] of Object.entries(out)) {
      const property = properties(schema)[key]
      if (property !== undefined) out[key] = applyDefaults(child, property)
      else if (extra !== undefined) {
        out[key] = applyDefaults(
          nonNullableNull(child, extra) && hasDefault(extra) ? clone(extra["default"]) : child,
          extra
        )
      }
    }
    return out
  }
  const itemSchema = items(schema)
  if (Array.isArray(value) && itemSchema !== undefined) {
    return value.map((v: unknown) =>
      applyDefaults(
        nonNullableNull(v, itemSchema) && hasDefault(itemSchema) ? clone(itemSchema["default"]) : v,
        itemSchema
      )
    )
  }
  return value
}

/** Drops fields the schema does not declare, unless the node preserves unknown fields. */
export const prune = (value: unknown, schema: Schema, root = true): unknown => {
  if (isObject(value)) {
    const out: Json = {}
    const keepTypeMeta = root || schema["x-kubernetes-embedded-resource"] === true
    const extra = additional(schema)
    for (const [key, child] of Object.entries(value)) {
      const property = properties(schema)[key]
      if (keepTypeMeta && typeMetaKeys.has(key)) out[key] = child
      else if (property !== undefined) out[key] = prune(child, property, false)
      else if (extra !== undefined) out[key] = prune(child, extra, false)
      else if (schema["additionalProperties"] === true || schema["x-kubernetes-preserve-unknown-fields"] === true) {
        out[key] = child
      }
    }
    return out
  }
  const itemSchema = items(schema)
  if (Array.isArray(value) && itemSchema !== undefined) return value.map((v: unknown) => prune(v, itemSchema, false))
  return value
}

/** The paths `prune` would drop, sorted, in the form the strict decoder reports them (`spec.extra`). */
export const unknownFields = (value: unknown, schema: Schema, path = "", root = true): Array<string> => {
  const found: Array<string> = []
  if (isObject(value)) {
    const keepTypeMeta = root || schema["x-kubernetes-embedded-resource"] === true
    const extra = additional(schema)
    const preserves = schema["additionalProperties"] === true || schema["x-kubernetes-preserve-unknown-fields"] === true
    for (const [key, v] of Object.entries(value)) {
      const property = properties(schema)[key] ?? extra
      if (keepTypeMeta && typeMetaKeys.has(key)) continue
      if (property !== undefined) found.push(...unknownFields(v, property, child(path, key), false))
      else if (!preserves) found.push(child(path, key))
    }
  }
  const itemSchema = items(schema)
  if (Array.isArray(value) && itemSchema !== undefined) {
    value.forEach((v: unknown, i) => found.push(...unknownFields(v, itemSchema, `${path}[${i}]`, false)))
  }
  return root ? found.sort() : found
}

/** Removes map entries whose value is `null` where the schema allows no null and has no default for it. */
export const pruneNulls = (value: unknown, schema: Schema | undefined): unknown => {
  if (schema === undefined) return value
  if (isObject(value)) {
    const out: Json = {}
    for (const [key, child] of Object.entries(value)) {
      const property = properties(schema)[key] ?? additional(schema)
      if (property === undefined) out[key] = child
      else if (child === null && !nullable(property) && !hasDefault(property)) continue
      else out[key] = pruneNulls(child, property)
    }
    return out
  }
  const itemSchema = items(schema)
  if (Array.isArray(value) && itemSchema !== undefined) return value.map((v: unknown) => pruneNulls(v, itemSchema))
  return value
}

/** Defaults, pruning and null removal in the server's order: what a custom resource is stored as. */
export const normalize = (object: Json, schema: Schema): Json =>
  pruneNulls(prune(applyDefaults(object, schema), schema), schema) as Json

/** The JSON type kube-openapi reports for a value; whole numbers are integers, as Go decodes them to int64. */
const jsonType = (value: unknown): string => {
  if (value === null || value === undefined) return "null"
  if (Array.isArray(value)) return "array"
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number"
  return typeof value
}

const typesOf = (schema: Schema): ReadonlyArray<string> => {
  if (schema["x-kubernetes-int-or-string"] === true) return ["integer", "string"]
  const type = schema["type"]
  return typeof type === "string" && type !== "" ? [type] : []
}

const shown = (value: unknown): BadValue => {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return value
  }
  return { goSyntax: JSON.stringify(value) }
}

const child = (path: string, key: string) => (path === "" ? key : `${path}.${key}`)

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** kube-openapi reports failed composite checks (oneOf, ...) without a field: they print as `<nil>`. */
const composite = (message: string): FieldError => invalid("<nil>", "", message)

/** Validates a value against a schema node; `path` is the dotted field path, "" at the object root. */
export const validateSchema = (value: unknown, schema: Schema, path = ""): Array<FieldError> => {
  if (value === null && nullable(schema)) return []
  const errors: Array<FieldError> = []
  const types = typesOf(schema)
  const actual = jsonType(value)
  const typeOk = types.length === 0 || types.includes(actual) || (actual === "integer" && types.includes("number"))
  if (!typeOk) {
    return [typeInvalid(path, actual, `${path} in body must be of type ${types.join(",")}: ${JSON.stringify(actual)}`)]
  }
  errors.push(...compositeErrors(value, schema, path))
  if (typeof value === "string") {
    const max = schema["maxLength"]
    if (typeof max === "number" && [...value].length > max) errors.push(tooLong(path, `may not be longer than ${max}`))
    const min = schema["minLength"]
    if (typeof min === "number" && [...value].length < min) {
      errors.push(invalid(path, value, `${path} in body should be at least ${min} chars long`))
    }
    const pattern = schema["pattern"]
    if (typeof pattern === "string" && !new RegExp(pattern, "u").test(value)) {
      errors.push(invalid(path, value, `${path} in body should match '${pattern}'`))
    }
  }
  if (typeof value === "number") {
    const min = schema["minimum"]
    if (typeof min === "number") {
      const exclusive = schema["exclusiveMinimum"] === true
      if (exclusive ? value <= min : value < min) {
        errors.push(
          invalid(path, value, `${path} in body should be greater than ${exclusive ? "" : "or equal to "}${min}`)
        )
      }
    }
    const max = schema["maximum"]
    if (typeof max === "number") {
      const exclusive = schema["exclusiveMaximum"] === true
      if (exclusive ? value >= max : value > max) {
        errors.push(
          invalid(path, value, `${path} in body should be less than ${exclusive ? "" : "or equal to "}${max}`)
        )
      }
    }
    const multiple = schema["multipleOf"]
    if (typeof multiple === "number" && multiple > 0 && !Number.isInteger(value / multiple)) {
      errors.push(invalid(path, value, `${path} in body should be a multiple of ${multiple}`))
    }
  }
  if (Array.isArray(value)) {
    const itemSchema = items(schema)
    if (itemSchema !== undefined) {
      value.forEach((v: unknown, i) => errors.push(...validateSchema(v, itemSchema, `${path}[${i}]`)))
    }
    const max = schema["maxItems"]
    if (typeof max === "number" && value.length > max) errors.push(tooMany(path, value.length, max))
    const min = schema["minItems"]
    if (typeof min === "number" && value.length < min) {
      errors.push(invalid(path, value.length, `${path} in body should have at least ${min} items`))
    }
    if (schema["uniqueItems"] === true && new Set(value.map((v: unknown) => JSON.stringify(v))).size !== value.length) {
      errors.push(invalid(path, "", `${path} in body shouldn't contain duplicates`))
    }
  }
  const allowed = schema["enum"]
  if (Array.isArray(allowed) && !allowed.some((a: unknown) => same(a, value))) {
    errors.push(
      notSupported(path, shown(value), allowed.map((a: unknown) => (typeof a === "string" ? a : JSON.stringify(a))))
    )
  }
  if (isObject(value)) errors.push(...objectErrors(value, schema, path))
  return errors
}

const objectErrors = (value: Json, schema: Schema, path: string): Array<FieldError> => {
  const errors: Array<FieldError> = []
  const count = Object.keys(value).length
  const maxProperties = schema["maxProperties"]
  if (typeof maxProperties === "number" && count > maxProperties) errors.push(tooMany(path, count, maxProperties))
  const minProperties = schema["minProperties"]
  if (typeof minProperties === "number" && count < minProperties) {
    errors.push(invalid(path, count, `${path} in body should have at least ${minProperties} properties`))
  }
  const requiredKeys = Array.isArray(schema["required"]) ? schema["required"] : []
  for (const key of requiredKeys) {
    if (typeof key === "string" && value[key] === undefined) errors.push(required(child(path, key)))
  }
  const extra = additional(schema)
  for (const [key, v] of Object.entries(value)) {
    if (path === "" && typeMetaKeys.has(key)) continue
    const property = properties(schema)[key] ?? extra
    if (property !== undefined) errors.push(...validateSchema(v, property, child(path, key)))
  }
  return errors
}

const schemaList = (schema: Schema, key: string): ReadonlyArray<Schema> =>
  Array.isArray(schema[key]) ? (schema[key] as Array<unknown>).filter(isObject) : []

/** The alternative with the fewest errors, first on ties: the failures go-openapi keeps to explain a oneOf/anyOf. */
const bestFailure = (results: ReadonlyArray<Array<FieldError>>): Array<FieldError> =>
  results.reduce<Array<FieldError> | undefined>(
    (best, r) => (best === undefined || r.length < best.length ? r : best),
    undefined
  ) ?? []

const compositeErrors = (value: unknown, schema: Schema, path: string): Array<FieldError> => {
  const errors: Array<FieldError> = []
  const name = JSON.stringify(path)
  const allOf = schemaList(schema, "allOf").map((s) => validateSchema(value, s, path))
  if (allOf.some((r) => r.length > 0)) {
    errors.push(composite(`${name} must validate all the schemas (allOf)`), ...allOf.flat())
  }
  const oneOf = schemaList(schema, "oneOf").map((s) => validateSchema(value, s, path))
  if (oneOf.length > 0) {
    const valid = oneOf.filter((r) => r.length === 0).length
    if (valid === 0) {
      errors.push(composite(`${name} must validate one and only one schema (oneOf). Found none valid`))
      errors.push(...bestFailure(oneOf))
    } else if (valid > 1) {
      errors.push(composite(`${name} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`))
    }
  }
  const anyOf = schemaList(schema, "anyOf").map((s) => validateSchema(value, s, path))
  if (anyOf.length > 0 && !anyOf.some((r) => r.length === 0)) {
    errors.push(composite(`${name} must validate at least one schema (anyOf)`), ...bestFailure(anyOf))
  }
  const not = schema["not"]
  if (isObject(not) && validateSchema(value, not, path).length === 0) {
    errors.push(composite(`${name} must not validate the schema (not)`))
  }
  return errors
}

/**
 * A printer column's JSONPath (`.spec.virtualhost.fqdn`, `.status.conditions[0].type`, optionally in braces)
 * evaluated against an object; undefined when any step is missing.
 */
export const jsonPathValue = (object: unknown, jsonPath: string): unknown => {
  const expression = jsonPath.trim().replace(/^\{(.*)\}$/, "$1")
  const steps = [...expression.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)]
  let current: unknown = object
  for (const step of steps) {
    if (step[1] !== undefined) current = isObject(current) ? current[step[1]] : undefined
    else current = Array.isArray(current) ? current[Number(step[2])] : undefined
    if (current === undefined) return undefined
  }
  return current
}
