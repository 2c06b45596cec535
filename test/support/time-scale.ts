/**
 * One knob for every wall-clock deadline of the multi-process tests: `TEST_TIME_SCALE` (a number ≥ 1). Unset, it
 * follows the machine's load when the test process starts (load average per core, at least 1, at most 8), so the
 * same suite passes on an idle laptop and on a CI box running other jobs; the deadlines only bound how long a broken
 * test takes to fail, they never pace a passing one.
 */
import { availableParallelism, loadavg } from "node:os"

const fromEnvironment = (): number | undefined => {
  const raw = process.env["TEST_TIME_SCALE"]
  if (raw === undefined || raw.trim() === "") return undefined
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 1) throw new Error(`TEST_TIME_SCALE=${raw}: a number of at least 1`)
  return value
}

export const TIME_SCALE: number = fromEnvironment() ??
  Math.min(8, Math.max(1, (loadavg()[0] ?? 0) / Math.max(1, availableParallelism())))

/** A deadline in milliseconds, stretched by the knob. */
export const scaled = (ms: number): number => Math.round(ms * TIME_SCALE)
