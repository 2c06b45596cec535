/**
 * The heap trim on the test clock, against a fake process whose resident memory and CPU time the test sets: it
 * collects once the replica grew and went quiet, never while it is busy, and not again until it grew once more.
 * It looks every 10 s, and before a trim looks again after one more second.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { defaultHeapTrimOptions, runHeapTrim } from "../../src/app/heap-trim.js"
import type { HeapTrimProbe } from "../../src/app/heap-trim.js"

const MIB = 1024 * 1024
const EVERY_MS = 10_000
const CONFIRM_MS = 1_000

/** A process the test drives: `residentMiB` and `cpuMs` as it likes; a collection leaves `afterCollectMiB`. */
const fakeProcess = (options: { readonly collectCpuMs?: number } = {}) => {
  const state = { residentMiB: 40, cpuMs: 0, afterCollectMiB: 30, collections: [] as Array<number> }
  const probe: HeapTrimProbe = {
    residentBytes: () => state.residentMiB * MIB,
    cpuMicros: () => state.cpuMs * 1000,
    heapBytes: () => state.residentMiB * MIB / 2,
    collect: () => {
      state.collections.push(state.residentMiB)
      state.residentMiB = state.afterCollectMiB
      state.cpuMs += options.collectCpuMs ?? 0
    }
  }
  return { state, probe }
}

/** `ms` of the clock during which the process used `cpuMs` of CPU. */
const step = (state: { cpuMs: number }, ms: number, cpuMs: number) =>
  Effect.sync(() => void (state.cpuMs += cpuMs)).pipe(Effect.zipRight(TestClock.adjust(ms)))

/** Forked and past its first reading of the clock and the CPU time. */
const start = (probe: HeapTrimProbe) =>
  Effect.fork(runHeapTrim(probe, { ...defaultHeapTrimOptions, every: EVERY_MS, confirm: CONFIRM_MS })).pipe(
    Effect.tap(() => Effect.yieldNow())
  )

describe("heap trim", () => {
  it.effect("collects once the replica is quiet, not during a busy interval", () =>
    Effect.gen(function*() {
      const { probe, state } = fakeProcess()
      const fiber = yield* start(probe)
      // Start-up: a busy first interval (half a core).
      yield* step(state, EVERY_MS, EVERY_MS / 2)
      yield* step(state, CONFIRM_MS, 0)
      expect(state.collections).toEqual([])
      // Quiet (1 % of a core), then a quiet second: the first trim gives back what start-up left.
      yield* step(state, EVERY_MS - CONFIRM_MS, EVERY_MS / 100)
      expect(state.collections).toEqual([])
      yield* step(state, CONFIRM_MS, 0)
      expect(state.collections).toEqual([40])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("does not trim into a burst that began at the end of a quiet interval", () =>
    Effect.gen(function*() {
      const { probe, state } = fakeProcess()
      const fiber = yield* start(probe)
      // Quiet for 10 s; the burst begins right at the look, so the interval shows nothing of it.
      yield* step(state, EVERY_MS, 0)
      // The second before the trim: half a core.
      yield* step(state, CONFIRM_MS, CONFIRM_MS / 2)
      expect(state.collections).toEqual([])
      // Once it is over, the next quiet interval and second trim.
      yield* step(state, EVERY_MS, 0)
      yield* step(state, CONFIRM_MS, 0)
      expect(state.collections).toEqual([40])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("after a trim, waits for growth past the margin and for a quiet interval", () =>
    Effect.gen(function*() {
      const { probe, state } = fakeProcess()
      const fiber = yield* start(probe)
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40])
      // 30 MiB after the trim: 40 is less than 16 MiB more, nothing to gain.
      state.residentMiB = 40
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40])
      // A burst grows it to 250 MiB: no trim while the burst runs, one in the first quiet interval after it.
      state.residentMiB = 250
      state.afterCollectMiB = 200
      yield* step(state, EVERY_MS, EVERY_MS)
      yield* step(state, EVERY_MS, EVERY_MS / 10)
      expect(state.collections).toEqual([40])
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40, 250])
      // From 200 MiB, a tenth (20 MiB, more than the 16 MiB floor) is the margin: 218 is not worth a pause, 220 is.
      state.residentMiB = 218
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40, 250])
      state.residentMiB = 220
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40, 250, 220])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("does not count its own collection as activity", () =>
    Effect.gen(function*() {
      // Each collection takes 2 s of CPU: counted, it would make the next interval look busy (20 %).
      const { probe, state } = fakeProcess({ collectCpuMs: 2_000 })
      const fiber = yield* start(probe)
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40])
      state.residentMiB = 100
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([40, 100])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("ends at once where the process cannot collect", () =>
    Effect.gen(function*() {
      const { probe } = fakeProcess()
      const exit = yield* runHeapTrim({ ...probe, collect: undefined }, defaultHeapTrimOptions).pipe(Effect.exit)
      expect(exit._tag).toBe("Success")
    }))
})
