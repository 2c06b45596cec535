import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"

describe("runtime", () => {
  it.effect("runs the suite on the pinned Node 24", () =>
    Effect.sync(() => {
      console.log(`suite runs on node ${process.version}`)
      expect(process.versions.node.split(".")[0]).toBe("24")
    }))
})
