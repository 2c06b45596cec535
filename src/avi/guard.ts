/**
 * A type guard compiled from a schema's AST, for the Avi responses checked on the hot path. `Schema.is` runs the
 * full parser: it builds an output object and a result per field, about 28 KB of garbage per checked Avi object,
 * a sixteenth of everything a burst of new Services allocated (bench/latency.ts). The schemas of Avi objects use
 * only plain shapes (structs that keep unknown fields, arrays, strings, numbers, booleans, optional fields), which a
 * guard can check without allocating; for anything else in a schema the guard is `Schema.is` itself.
 *
 * It accepts exactly what `Schema.is` accepts (test/avi/guard.test.ts compares them on generated values).
 */
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"

type Guard = (input: unknown) => boolean

/** The compiled guard of a schema's AST, or undefined where it holds more than plain shapes. */
export const compileGuard = (ast: AST.AST): Guard | undefined => {
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string"
    case "NumberKeyword":
      return (input) => typeof input === "number"
    case "BooleanKeyword":
      return (input) => typeof input === "boolean"
    case "UndefinedKeyword":
      return (input) => input === undefined
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true
    case "Literal":
      return (input) => input === ast.literal
    case "Union": {
      const members = ast.types.map(compileGuard)
      if (members.some((member) => member === undefined)) return undefined
      return (input) => {
        for (let i = 0; i < members.length; i++) if (members[i]!(input)) return true
        return false
      }
    }
    case "TupleType": {
      // Only `Schema.Array(item)`: no fixed elements, one rest element.
      if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
      const item = compileGuard(ast.rest[0]!.type)
      if (item === undefined) return undefined
      return (input) => {
        if (!Array.isArray(input)) return false
        // By index, as the parser does: a hole in a sparse array is an undefined element, not a skipped one.
        for (let i = 0; i < input.length; i++) if (!item(input[i])) return false
        return true
      }
    }
    case "TypeLiteral": {
      // Only "any other field, any value" (`Schema.Record({ key: String, value: Unknown })`), or none.
      const restAcceptsAll = ast.indexSignatures.every((signature) =>
        signature.parameter._tag === "StringKeyword" && signature.type._tag === "UnknownKeyword"
      )
      if (!restAcceptsAll) return undefined
      const fields: Array<{ readonly name: string; readonly optional: boolean; readonly check: Guard }> = []
      for (const signature of ast.propertySignatures) {
        const check = compileGuard(signature.type)
        if (check === undefined || typeof signature.name !== "string") return undefined
        fields.push({ name: signature.name, optional: signature.isOptional, check })
      }
      if (fields.length === 0 && ast.indexSignatures.length === 0) {
        return (input) => input !== null && input !== undefined
      }
      return (input) => {
        if (typeof input !== "object" || input === null || Array.isArray(input)) return false
        const record = input as Record<string, unknown>
        // Indexed loops: no iterator or closure per call, the point of this module.
        for (let i = 0; i < fields.length; i++) {
          const field = fields[i]!
          if (!Object.prototype.hasOwnProperty.call(record, field.name)) {
            if (field.optional) continue
            return false
          }
          if (!field.check(record[field.name])) return false
        }
        return true
      }
    }
    default:
      return undefined
  }
}

/** A guard for `schema`'s type: compiled where the schema is made of plain shapes, `Schema.is` otherwise. */
export const guardOf = <A, I, R>(schema: Schema.Schema<A, I, R>): (input: unknown) => input is A =>
  (compileGuard(schema.ast) ?? Schema.is(schema)) as (input: unknown) => input is A
