import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { configReferenceTable, fields } from "../../src/config/index.js"

describe("README configuration reference", () => {
  it("is the table generated from the config field specs (npm run docs:config regenerates it)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
    const section = /<!-- config-table:begin -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)
    expect(section, "README.md has no config-table section").not.toBeNull()
    expect(section![1]).toBe(configReferenceTable())
    for (const spec of Object.values(fields)) {
      expect(section![1]).toContain(`\`${spec.key}\` | ${spec.env === undefined ? "—" : `\`${spec.env}\``}`)
    }
  })
})
