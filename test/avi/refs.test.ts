/**
 * Ref parsing: the cheap type lookup agrees with the full parse on every form the controller and the model use, and
 * finds no type in strings that are not refs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import { AviRef } from "../../src/avi/index.js"

const REFS = [
  "https://10.0.0.1/api/pool/pool-1#bench--svc-TCP-80",
  "http://127.0.0.1:4000/api/vsvip/vsvip-9#bench--svc",
  "/api/pool/pool-1",
  "/api/pool?name=bench--svc-TCP-80",
  "/api/l4policyset/?name=bench--svc",
  "https://host/api/tenant/admin#admin",
  "/api/serviceenginegroup?name=Default-Group&tenant=admin"
]

describe("AviRef.typeOf", () => {
  it("names the type the full parse finds, for every ref form", () => {
    for (const ref of REFS) {
      const parsed = Option.getOrThrow(AviRef.parse(ref))
      expect(AviRef.typeOf(ref), ref).toBe(parsed.type)
    }
    expect(REFS.map(AviRef.typeOf)).toEqual([
      "pool",
      "vsvip",
      "pool",
      "pool",
      "l4policyset",
      "tenant",
      "serviceenginegroup"
    ])
  })

  it("finds no type in strings that are not refs", () => {
    for (const text of ["", "pool-1", "bench--svc", "/apis/pool/x", "https://host/api/", "/api/?name=x", "/api/#x"]) {
      expect(AviRef.typeOf(text), text).toBeUndefined()
    }
  })
})
