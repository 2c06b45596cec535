/**
 * Lets a large heap grow by less between full collections.
 *
 * `ako-ts run` starts V8 with the old generation grown by half of what survives a full collection
 * (`--heap-growing-percent=50`, main.ts). Between two collections the heap then holds up to half its live size again
 * in garbage, and at 10,000 Services (110–135 MiB live) that half is what took a leader taking over a filled Avi to
 * 288–324 MiB, against a 300 MiB target (bench/memory.ts, issue 19). Growing by 30 % there kept it at 262–276 MiB in
 * alternated runs, for about 5 % more CPU over the pass. A few hundred Services live in 35 MiB, where the extra
 * collections would cost a burst CPU for a few MiB: so the growth follows the live size, with a gap between the two
 * bounds so that a heap near one of them does not flip at every collection.
 *
 * V8 reads the percentage at every collection, so setting it at run time takes effect at the next one. Only a
 * setting main.ts chose is changed: an operator's own `--heap-growing-percent` (command line or NODE_OPTIONS) stays.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import { constants, PerformanceObserver } from "node:perf_hooks"
import * as v8 from "node:v8"

export interface HeapGrowthProbe {
  /** Calls `listener` with the heap's used bytes after each full collection, from now until the scope closes. */
  readonly afterFullCollections: (listener: (liveBytes: number) => void) => Effect.Effect<void, never, Scope.Scope>
  /** Sets V8's `--heap-growing-percent`; undefined where ako-ts does not own that setting. */
  readonly setGrowingPercent: ((percent: number) => void) | undefined
}

export interface HeapGrowthOptions {
  /** The percentage main.ts starts with, kept while the heap is small. */
  readonly smallPercent: number
  readonly largePercent: number
  /** Live bytes after a full collection at or above which the heap counts as large. */
  readonly largeFromBytes: number
  /** Live bytes at or below which a large heap counts as small again. */
  readonly smallUpToBytes: number
}

const MIB = 1024 * 1024

export const defaultHeapGrowthOptions: HeapGrowthOptions = {
  smallPercent: 50,
  largePercent: 30,
  largeFromBytes: 96 * MIB,
  smallUpToBytes: 64 * MIB
}

/** The flag main.ts adds to `ako-ts run`, and the variable through which it says which flags it added. */
const GROWING_PERCENT_FLAG = "--heap-growing-percent"
const ADDED_NODE_FLAGS_VARIABLE = "AKO_TS_ADDED_NODE_FLAGS"

/** The percentage for a heap of `liveBytes` that grows by `current` now. */
export const growingPercentFor = (current: number, liveBytes: number, options: HeapGrowthOptions): number =>
  liveBytes >= options.largeFromBytes ?
    options.largePercent :
    liveBytes <= options.smallUpToBytes ?
    options.smallPercent :
    current

const growingPercent = Metric.gauge("ako_heap_growing_percent", {
  description: "How much V8 lets the heap grow past what survived the last full collection, in percent"
})

export const nodeHeapGrowthProbe = (
  addedFlags: string | undefined = process.env[ADDED_NODE_FLAGS_VARIABLE]
): HeapGrowthProbe => ({
  afterFullCollections: (listener) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const observer = new PerformanceObserver((list) => {
          const full = list.getEntries().some((entry) =>
            (entry as { readonly detail?: { readonly kind?: number } }).detail?.kind ===
              constants.NODE_PERFORMANCE_GC_MAJOR
          )
          if (full) listener(v8.getHeapStatistics().used_heap_size)
        })
        observer.observe({ entryTypes: ["gc"] })
        return observer
      }),
      (observer) => Effect.sync(() => observer.disconnect())
    ).pipe(Effect.asVoid),
  setGrowingPercent: (addedFlags ?? "").split(" ").some((flag) => flag.startsWith(`${GROWING_PERCENT_FLAG}=`)) ?
    (percent) => v8.setFlagsFromString(`${GROWING_PERCENT_FLAG}=${percent}`) :
    undefined
})

/** Runs until interrupted; where the setting is not ako-ts's, it only says so. */
export const runHeapGrowth = (
  probe: HeapGrowthProbe,
  options: HeapGrowthOptions = defaultHeapGrowthOptions
): Effect.Effect<void> =>
  Effect.scoped(Effect.gen(function*() {
    const set = probe.setGrowingPercent
    if (set === undefined) {
      yield* Effect.logDebug("heap growth left as started: ako-ts did not choose --heap-growing-percent here")
      return
    }
    let current = options.smallPercent
    yield* Metric.set(growingPercent, current)
    const switched = yield* Effect.acquireRelease(
      Queue.unbounded<{ readonly percent: number; readonly liveBytes: number }>(),
      Queue.shutdown
    )
    // Set in the collection's own callback, before the heap grows any further; only the log line waits.
    yield* probe.afterFullCollections((liveBytes) => {
      const next = growingPercentFor(current, liveBytes, options)
      if (next === current) return
      current = next
      set(next)
      growingPercent.unsafeUpdate(next, [])
      Queue.unsafeOffer(switched, { percent: next, liveBytes })
    })
    return yield* Queue.take(switched).pipe(
      Effect.flatMap(({ liveBytes, percent }) =>
        Effect.logDebug("heap growth changed with the live heap").pipe(
          Effect.annotateLogs({ growingPercent: percent, liveMiB: Math.round(liveBytes / MIB) })
        )
      ),
      Effect.forever
    )
  }))
