import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { compileGuard, guardOf } from "../../src/avi/guard.js"
import { AviTypes } from "../../src/avi/objects.js"

type Path = ReadonlyArray<string | number>

/** Every place in a JSON-like value: each field of each object and each element of each array. */
const pathsOf = (value: unknown, path: Path = []): Array<Path> => {
  if (Array.isArray(value)) {
    return value.flatMap((element, index) => [[...path, index], ...pathsOf(element, [...path, index])])
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, field]) => [[...path, key], ...pathsOf(field, [...path, key])])
  }
  return []
}

const DELETE = Symbol("delete")

/** A copy of `value` with the place at `path` replaced (or removed). */
const replaced = (value: unknown, path: Path, replacement: unknown): unknown => {
  if (path.length === 0) return replacement
  const [head, ...rest] = path
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>
  const next = replaced(copy[head!], rest, replacement)
  if (next === DELETE) delete copy[head!]
  else copy[head!] = next
  return copy
}

const wrongValue = FastCheck.oneof(
  FastCheck.constant(DELETE),
  FastCheck.constantFrom(null, undefined, 0, Number.NaN, "", "x", true, false, [], {}, [1], ["a"], { key: "k" }),
  FastCheck.anything()
)

const storedTypes = Object.entries(AviTypes).map(([type, definition]) => [type, definition.stored] as const)

// Generated unknown fields are large at fast-check's default size; small ones exercise the same paths.
FastCheck.configureGlobal({ baseSize: "xsmall" })

describe("guards of Avi object schemas", () => {
  it("compiles every stored Avi schema (none falls back to the allocating parser)", () => {
    for (const [type, schema] of storedTypes) {
      expect({ type, compiled: compileGuard(schema.ast) !== undefined }).toEqual({ type, compiled: true })
    }
  })

  it("accepts and rejects exactly what Schema.is does, on generated objects and on each of them broken in one place", () => {
    for (const [, schema] of storedTypes) {
      const guard = guardOf(schema as Schema.Schema<unknown>)
      const is = Schema.is(schema as Schema.Schema<unknown>)
      const broken = Arbitrary.make(schema as Schema.Schema<unknown>).chain((body) => {
        const paths = pathsOf(body)
        return FastCheck.tuple(
          FastCheck.constant(body),
          paths.length === 0 ? FastCheck.constant<Path>([]) : FastCheck.constantFrom(...paths),
          wrongValue
        )
      })
      FastCheck.assert(
        FastCheck.property(broken, ([body, path, replacement]) => {
          expect(guard(body)).toBe(true)
          const input = path.length === 0 && replacement === DELETE ? undefined : replaced(body, path, replacement)
          expect(guard(input)).toBe(is(input))
        }),
        { numRuns: 200, seed: 19 }
      )
    }
  })

  it("rejects a response that lacks the uuid or names its fields with the wrong types", () => {
    const guard = guardOf(AviTypes.pool.stored)
    expect(guard({ uuid: "pool-1", name: "p", servers: [{ ip: { addr: "10.0.0.1", type: "V4" } }] })).toBe(true)
    expect(guard({ name: "p" })).toBe(false)
    expect(guard({ uuid: "pool-1", name: 7 })).toBe(false)
    expect(guard({ uuid: "pool-1", name: "p", servers: [{ ip: { addr: 1 } }] })).toBe(false)
    expect(guard([{ uuid: "pool-1", name: "p" }])).toBe(false)
    expect(guard(null)).toBe(false)
  })
})
