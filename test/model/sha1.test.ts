/** The model's SHA-1 (AKO's regex object names) agrees with Node's for every length around the block boundary. */
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { sha1Hex } from "../../src/model/sha1.js"

describe("sha1Hex", () => {
  it("equals node:crypto's SHA-1 on ASCII, UTF-8 and multi-block input", () => {
    const inputs = ["", "abc", "secure.example.com/", "c1--default-secure.example.com_-secure", "héllo wörld ✓"]
    for (let n = 50; n < 140; n++) inputs.push("x".repeat(n))
    for (const input of inputs) expect(sha1Hex(input)).toBe(createHash("sha1").update(input).digest("hex"))
  })
})
