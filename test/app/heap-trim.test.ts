/**
 * The heap trim on the test clock, against a fake process whose resident memory and CPU time the test sets: it
 * collects once the replica grew and went quiet, and not again until it grew once more; it looks every 10 s, and
 * before a trim looks again after one more second. A busy replica is trimmed only once it grew a lot (a fifth, at
 * least 64 MiB), with the pauses at most a twentieth of the time, and never again after a pause over a second.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { defaultHeapTrimOptions, runHeapTrim } from "../../src/app/heap-trim.js"
import type { HeapTrimProbe } from "../../src/app/heap-trim.js"

const MIB = 1024 * 1024
const EVERY_MS = 10_000
const CONFIRM_MS = 1_000

/** A process the test drives: `residentMiB` and `cpuMs` as it likes; a collection leaves `afterCollectMiB`. */
const fakeProcess = (options: { readonly collectCpuMs?: number; readonly residentMiB?: number } = {}) => {
  const state = {
    residentMiB: options.residentMiB ?? 40,
    cpuMs: 0,
    afterCollectMiB: 30,
    pauseMs: 0,
    collections: [] as Array<number>
  }
  const probe: HeapTrimProbe = {
    residentBytes: () => state.residentMiB * MIB,
    cpuMicros: () => state.cpuMs * 1000,
    heapBytes: () => state.residentMiB * MIB / 2,
    collect: () => {
      state.collections.push(state.residentMiB)
      state.residentMiB = state.afterCollectMiB
      state.cpuMs += options.collectCpuMs ?? 0
      return state.pauseMs
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
      const { probe, state } = fakeProcess({ residentMiB: 240 })
      state.afterCollectMiB = 230
      const fiber = yield* start(probe)
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([240])
      // 230 MiB after the trim: 240 is less than a tenth more, nothing to gain.
      state.residentMiB = 240
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([240])
      // A burst grows it to 290 MiB, under the busy margin (a fifth: 276 MiB, but at least 64: 294): no trim while
      // the burst runs, one in the first quiet interval after it.
      state.residentMiB = 290
      state.afterCollectMiB = 200
      yield* step(state, EVERY_MS, EVERY_MS)
      yield* step(state, EVERY_MS, EVERY_MS / 10)
      expect(state.collections).toEqual([240])
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([240, 290])
      // From 200 MiB, a tenth (20 MiB, more than the 16 MiB floor) is the margin: 218 is not worth a pause, 220 is.
      state.residentMiB = 218
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([240, 290])
      state.residentMiB = 220
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([240, 290, 220])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("trims a replica that keeps growing while busy, its pauses at most a twentieth of the time", () =>
    Effect.gen(function*() {
      const { probe, state } = fakeProcess()
      state.pauseMs = 500
      state.afterCollectMiB = 150
      const fiber = yield* start(probe)
      // Busy throughout (a whole core). From the 40 MiB it started with, 100 MiB is under the 64 MiB floor.
      state.residentMiB = 100
      yield* step(state, 6_000, 6_000)
      expect(state.collections).toEqual([])
      // 104 MiB is: trimmed at the next look (every 2 s), although busy.
      state.residentMiB = 104
      yield* step(state, 2_000, 2_000)
      expect(state.collections).toEqual([104])
      // From 150 MiB the margin is a fifth and at least 64 MiB: 214. Grown past it at once, the replica still waits
      // 20 pauses (10 s) after the last trim before the next.
      state.residentMiB = 214
      for (let second = 0; second < 8; second++) yield* step(state, 1_000, 1_000)
      expect(state.collections).toEqual([104])
      yield* step(state, 2_000, 2_000)
      expect(state.collections).toEqual([104, 214])
      yield* Fiber.interrupt(fiber)
    }))

  it.effect("stops trimming a busy replica once a trim paused it for over a second; quiet trims go on", () =>
    Effect.gen(function*() {
      const { probe, state } = fakeProcess()
      state.pauseMs = 1_200
      state.afterCollectMiB = 150
      const fiber = yield* start(probe)
      state.residentMiB = 110
      yield* step(state, 2_000, 2_000)
      expect(state.collections).toEqual([110])
      // Grown far past the busy margin and busy for a minute: no more pauses.
      state.residentMiB = 400
      for (let second = 0; second < 60; second++) yield* step(state, 1_000, 1_000)
      expect(state.collections).toEqual([110])
      // Quiet again: the quiet trim takes it.
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      yield* step(state, EVERY_MS + CONFIRM_MS, 0)
      expect(state.collections).toEqual([110, 400])
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
