/**
 * The heap's growth follows its live size: past 96 MiB after a full collection it grows by 30 %, back at 64 MiB or
 * less by 50 % again, and in between it stays as it was. Only a setting `ako-ts run` chose itself is changed.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as v8 from "node:v8"
import { runInNewContext } from "node:vm"
import {
  defaultHeapGrowthOptions,
  growingPercentFor,
  nodeHeapGrowthProbe,
  runHeapGrowth
} from "../../src/app/heap-growth.js"
import type { HeapGrowthProbe } from "../../src/app/heap-growth.js"

const MIB = 1024 * 1024

/** A process whose full collections the test announces, recording every percentage set. */
const fakeProcess = (owned = true) => {
  const listeners = new Set<(liveBytes: number) => void>()
  const set: Array<number> = []
  const probe: HeapGrowthProbe = {
    afterFullCollections: (listener) =>
      Effect.acquireRelease(
        Effect.sync(() => listeners.add(listener)),
        () => Effect.sync(() => listeners.delete(listener))
      ),
    setGrowingPercent: owned ? (percent) => set.push(percent) : undefined
  }
  const collected = (liveMiB: number) => {
    for (const listener of listeners) listener(liveMiB * MIB)
  }
  return { probe, set, collected, listening: () => listeners.size }
}

describe("heap growth", () => {
  it("grows a large heap by less, and a small one by half again, with a gap between", () => {
    const percents: Array<number> = []
    let current = 50
    for (const liveMiB of [30, 95, 96, 80, 65, 64, 100, 40]) {
      current = growingPercentFor(current, liveMiB * MIB, defaultHeapGrowthOptions)
      percents.push(current)
    }
    expect(percents).toEqual([50, 50, 30, 30, 30, 50, 30, 50])
  })

  it.scoped("sets V8's percentage when a full collection moves the live heap across a bound, once per change", () =>
    Effect.gen(function*() {
      const { collected, listening, probe, set } = fakeProcess()
      const fiber = yield* Effect.forkScoped(runHeapGrowth(probe))
      yield* Effect.yieldNow()
      expect(listening()).toBe(1)
      for (const liveMiB of [35, 120, 130, 90, 70, 60, 62, 110]) collected(liveMiB)
      expect(set).toEqual([30, 50, 30])
      yield* Fiber.interrupt(fiber)
      expect(listening()).toBe(0)
    }))

  it.scoped("leaves the percentage alone where the operator chose it (or ako-ts run did not)", () =>
    Effect.gen(function*() {
      const { listening, probe } = fakeProcess(false)
      yield* runHeapGrowth(probe)
      expect(listening()).toBe(0)
    }))

  it("owns the setting only where main.ts added the flag", () => {
    expect(nodeHeapGrowthProbe("--max-semi-space-size=2 --heap-growing-percent=50 --expose-gc").setGrowingPercent)
      .toBeDefined()
    expect(nodeHeapGrowthProbe("--max-semi-space-size=2 --expose-gc").setGrowingPercent).toBeUndefined()
    expect(nodeHeapGrowthProbe("").setGrowingPercent).toBeUndefined()
    expect(nodeHeapGrowthProbe(undefined).setGrowingPercent).toBeUndefined()
  })

  it.scoped("hears Node's full collections with the live heap after them", () =>
    Effect.gen(function*() {
      v8.setFlagsFromString("--expose-gc")
      const gc = runInNewContext("gc") as () => void
      const heard: Array<number> = []
      yield* nodeHeapGrowthProbe("").afterFullCollections((liveBytes) => heard.push(liveBytes))
      // Node hands GC entries to observers asynchronously: collect until one arrives, within a generous deadline.
      const deadline = Date.now() + 30_000
      while (heard.length === 0 && Date.now() < deadline) {
        gc()
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      }
      expect(heard.length).toBeGreaterThan(0)
      expect(heard[0]).toBeGreaterThan(MIB)
      expect(heard[0]).toBeLessThanOrEqual(v8.getHeapStatistics().total_heap_size * 2)
    }))
})
