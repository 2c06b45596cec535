import { describe, expect, it } from "vitest"
import { jsonPathValue, normalize, type Schema, unknownFields, validateSchema } from "../../../src/sim/kube/schema.js"

const schema: Schema = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      properties: {
        mode: { type: "string", default: "auto" },
        note: { type: "string", nullable: true },
        retries: { type: "integer", default: 3 },
        labels: { type: "object", additionalProperties: { type: "string", default: "x" } },
        raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        port: { "x-kubernetes-int-or-string": true },
        items: {
          type: "array",
          items: { type: "object", properties: { name: { type: "string" }, weight: { type: "integer", default: 1 } } }
        },
        nested: { type: "object", properties: { inner: { type: "string", default: "deep" } } }
      }
    }
  }
}

const messages = (object: Record<string, unknown>, s: Schema = schema) =>
  validateSchema(object, s).map((e) => `${e.field}: ${e.message}`)

describe("structural schemas", () => {
  it("defaults missing fields and non-nullable nulls, but not inside absent parents", () => {
    const object = normalize(
      { spec: { retries: null, note: null, items: [{ name: "a" }, { name: "b", weight: 5 }] } },
      schema
    )
    expect(object).toEqual({
      spec: {
        mode: "auto",
        retries: 3,
        note: null,
        items: [{ name: "a", weight: 1 }, { name: "b", weight: 5 }]
      }
    })
  })

  it("prunes unknown fields except under preserve-unknown-fields and in additionalProperties maps", () => {
    const object = normalize({
      apiVersion: "example.com/v1",
      kind: "Thing",
      metadata: { name: "t", anything: 1 },
      top: 1,
      spec: { unknown: true, raw: { free: { form: [1] } }, labels: { a: "b", c: null }, nested: { gone: 1 } }
    }, schema)
    expect(object).toEqual({
      apiVersion: "example.com/v1",
      kind: "Thing",
      metadata: { name: "t", anything: 1 },
      spec: {
        mode: "auto",
        retries: 3,
        raw: { free: { form: [1] } },
        labels: { a: "b", c: "x" },
        nested: { inner: "deep" }
      }
    })
    expect(unknownFields({ top: 1, spec: { unknown: true, raw: { free: 1 }, items: [{ extra: 1 }] } }, schema)).toEqual(
      [
        "spec.items[0].extra",
        "spec.unknown",
        "top"
      ]
    )
  })

  it("drops a non-nullable null without a default, keeps a nullable one", () => {
    expect(normalize({ spec: { nested: null, note: null } }, schema)).toEqual({
      spec: { mode: "auto", retries: 3, note: null }
    })
  })

  it("checks types as kube-openapi names them, with int-or-string and whole numbers as integers", () => {
    expect(messages({ spec: { retries: 2.0, port: "http", mode: "m" } })).toEqual([])
    expect(messages({ spec: { retries: "3", port: true, items: {} } })).toEqual([
      "spec.retries: Invalid value: \"string\": spec.retries in body must be of type integer: \"string\"",
      "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"",
      "spec.items: Invalid value: \"object\": spec.items in body must be of type array: \"object\""
    ])
  })

  it("checks bounds, lengths, counts, uniqueness and patterns", () => {
    const bounded: Schema = {
      type: "object",
      properties: {
        n: { type: "integer", minimum: 1, maximum: 10, exclusiveMaximum: true, multipleOf: 2 },
        s: { type: "string", minLength: 2, maxLength: 3, pattern: "^[a-z]+$" },
        l: { type: "array", minItems: 1, maxItems: 2, uniqueItems: true, items: { type: "string" } }
      }
    }
    expect(messages({ n: 10, s: "ABCD", l: ["a", "a", "b"] }, bounded)).toEqual([
      "n: Invalid value: 10: n in body should be less than 10",
      "s: Too long: may not be longer than 3",
      "s: Invalid value: \"ABCD\": s in body should match '^[a-z]+$'",
      "l: Too many: 3: must have at most 2 items",
      "l: Invalid value: \"\": l in body shouldn't contain duplicates"
    ])
    expect(messages({ n: 3, s: "a", l: [] }, bounded)).toEqual([
      "n: Invalid value: 3: n in body should be a multiple of 2",
      "s: Invalid value: \"a\": s in body should be at least 2 chars long",
      "l: Invalid value: 0: l in body should have at least 1 items"
    ])
  })

  it("reports composite schemas without a field, as the server's conversion of kube-openapi errors does", () => {
    const composite: Schema = {
      type: "object",
      properties: {
        a: { type: "object", anyOf: [{ required: ["x"] }, { required: ["y"] }] },
        b: { type: "string", not: { enum: ["forbidden"] } },
        c: { type: "object", oneOf: [{ required: ["x"] }, { required: ["y"] }] }
      }
    }
    expect(messages({ a: {}, b: "forbidden", c: { x: 1, y: 2 } }, composite)).toEqual([
      "<nil>: Invalid value: \"\": \"a\" must validate at least one schema (anyOf)",
      "a.x: Required value",
      "<nil>: Invalid value: \"\": \"b\" must not validate the schema (not)",
      "<nil>: Invalid value: \"\": \"c\" must validate one and only one schema (oneOf). Found 2 valid alternatives"
    ])
    expect(messages({ a: { y: 1 }, b: "fine", c: { x: 1 } }, composite)).toEqual([])
  })

  it("reads printer-column JSONPaths with fields, indexes and braces", () => {
    const object = { status: { conditions: [{ type: "Ready" }, { type: "Synced" }] }, spec: { host: "h" } }
    expect(jsonPathValue(object, ".spec.host")).toBe("h")
    expect(jsonPathValue(object, "{.status.conditions[1].type}")).toBe("Synced")
    expect(jsonPathValue(object, ".status.missing.type")).toBeUndefined()
  })
})
