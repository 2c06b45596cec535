import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import { Effect } from "effect"
import { jsonLogging, logDebugAnnotated, LogLevelControl } from "../../src/app/logging.js"

afterEach(() => {
  vi.restoreAllMocks()
})

describe("logging", () => {
  it.effect("writes an annotated debug line only while the live level is DEBUG, building it only then", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)))
      let built = 0
      const probe = logDebugAnnotated("status written", () => {
        built++
        return { object: "Service/web/shop" }
      })
      const control = yield* LogLevelControl
      expect(control.isEnabled("DEBUG")).toBe(false)
      expect(control.isEnabled("WARN")).toBe(true)
      yield* probe
      expect(built).toBe(0)
      expect(lines.filter((line) => line.includes("status written"))).toEqual([])

      yield* control.set("DEBUG")
      yield* probe
      expect(built).toBe(1)
      const written = lines.filter((line) => line.includes("status written")).map((line) => JSON.parse(line))
      expect(written).toHaveLength(1)
      expect(written[0]).toMatchObject({ logLevel: "DEBUG", annotations: { object: "Service/web/shop" } })
    }).pipe(Effect.provide(jsonLogging("INFO"))))
})
