import { describe, expect, it } from "vitest"
import { humanDuration } from "../../../src/sim/kube/table.js"

describe("kubectl-style ages", () => {
  it("prints durations as kubectl does", () => {
    expect(humanDuration(5_000)).toBe("5s")
    expect(humanDuration(119_000)).toBe("119s")
    expect(humanDuration(150_000)).toBe("2m30s")
    expect(humanDuration(45 * 60_000)).toBe("45m")
    expect(humanDuration(5 * 3600_000 + 7 * 60_000)).toBe("5h7m")
    expect(humanDuration(30 * 3600_000)).toBe("30h")
    expect(humanDuration(3 * 86400_000 + 4 * 3600_000)).toBe("3d4h")
    expect(humanDuration(100 * 86400_000)).toBe("100d")
    expect(humanDuration(3 * 365 * 86400_000)).toBe("3y")
  })
})
