/**
 * Hands the heap a burst of work grew back to the system once the controller has gone quiet.
 *
 * V8 keeps the pages its heap once needed: after 10,000 Services were programmed the leader held 350–366 MiB for as
 * long as it ran, with 150 MiB of it live (bench/memory.ts). Its own memory reducer, which would compact an idle
 * heap, never started: it judged the allocation rate from samples taken at collections, and an idle controller
 * collects rarely, so the rate of the burst stood for the whole afternoon ("high alloc" in `--trace-memory-reducer`
 * for ten minutes of lease renewals only). A collection that also returns the freed and pooled pages (V8's
 * "last-resort" flavour, the one a low-memory notification runs) took that replica to 245 MiB.
 *
 * So every replica looks at itself every few seconds and runs one such collection when both hold:
 * - its resident memory grew since the last one by a tenth (at least 16 MiB); the first one runs once start-up is
 *   over. At 10,000 Services each minute's Avi refresh grows a replica by 20–30 MiB: with this margin the leader
 *   stays between 250 and 280 MiB (305 at most in the seconds before a trim), trimmed about once a minute; with a
 *   fifth it went up to 320 first;
 * - it has been quiet: under a twentieth of a core over the last interval and again over one more second, so no
 *   burst, takeover or refresh is slowed by the pause (0.3–0.8 s at 10,000 Services on 2 busy cores, tens of ms at
 *   a few hundred; a lease is renewed every 2 s of a 15 s lease). The second look is for a burst that began in the
 *   interval's last half second, too late to have used a twentieth of it.
 * It needs `gc` (Node's `--expose-gc`, which `ako-ts run` passes, main.ts); without it nothing runs.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as v8 from "node:v8"

export interface HeapTrimProbe {
  /** Resident memory of the process, in bytes. */
  readonly residentBytes: () => number
  /** CPU time the process used so far (every thread), in microseconds. */
  readonly cpuMicros: () => number
  /** V8's committed heap, in bytes; reported, not decided on. */
  readonly heapBytes: () => number
  /** A full collection that returns unused pages to the system; undefined where the process cannot run one. */
  readonly collect: (() => void) | undefined
}

export const nodeHeapTrimProbe = (): HeapTrimProbe => {
  const gc = globalThis.gc
  return {
    residentBytes: () => process.memoryUsage.rss(),
    cpuMicros: () => {
      const usage = process.cpuUsage()
      return usage.user + usage.system
    },
    heapBytes: () => v8.getHeapStatistics().total_heap_size,
    collect: gc === undefined ? undefined : () => gc({ type: "major", execution: "sync", flavor: "last-resort" })
  }
}

export interface HeapTrimOptions {
  /** How often the replica looks; the quiet test covers the same span. */
  readonly every: Duration.DurationInput
  /** The second, shorter quiet test right before a trim. */
  readonly confirm: Duration.DurationInput
  /** The CPU share (of one core) under which the replica counts as quiet. */
  readonly quietCpuShare: number
  /** Growth since the last trim, in bytes, that is worth one: the larger of this and `minGrowthShare` of it. */
  readonly minGrowthBytes: number
  readonly minGrowthShare: number
}

export const defaultHeapTrimOptions: HeapTrimOptions = {
  every: Duration.seconds(10),
  confirm: Duration.seconds(1),
  quietCpuShare: 0.05,
  minGrowthBytes: 16 * 1024 * 1024,
  minGrowthShare: 0.1
}

const trims = Metric.counter("ako_heap_trims_total", {
  description: "Collections that returned heap pages to the system after the replica went quiet",
  incremental: true
})
const trimSeconds = Metric.gauge("ako_heap_trim_duration_seconds", {
  description: "How long the last heap trim paused the replica"
})

const MIB = 1024 * 1024

/** Runs until interrupted; with no `collect` it only says so. */
export const runHeapTrim = (
  probe: HeapTrimProbe,
  options: HeapTrimOptions = defaultHeapTrimOptions
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const collect = probe.collect
    if (collect === undefined) {
      yield* Effect.logDebug("heap trim off: this Node runs without --expose-gc")
      return
    }
    // Zero: the first quiet interval after start-up trims what loading and the first lists left behind.
    let residentAfterTrim = 0
    let windowStartedMs = yield* Clock.currentTimeMillis
    let cpuAtWindowStart = probe.cpuMicros()

    /** Whether the process used at most a quiet share of a core since the window began; starts the next window. */
    const quietSinceWindowStart = Effect.map(Clock.currentTimeMillis, (now) => {
      const cpu = probe.cpuMicros()
      const cpuShare = (cpu - cpuAtWindowStart) / 1000 / Math.max(1, now - windowStartedMs)
      windowStartedMs = now
      cpuAtWindowStart = cpu
      return cpuShare <= options.quietCpuShare
    })

    const look = Effect.gen(function*() {
      const quiet = yield* quietSinceWindowStart
      const resident = probe.residentBytes()
      const worthIt = resident >=
        residentAfterTrim + Math.max(options.minGrowthBytes, residentAfterTrim * options.minGrowthShare)
      if (!worthIt || !quiet) return
      yield* Effect.sleep(options.confirm)
      if (!(yield* quietSinceWindowStart)) return
      const now = yield* Clock.currentTimeMillis
      const heapBefore = probe.heapBytes()
      collect()
      const done = yield* Clock.currentTimeMillis
      residentAfterTrim = probe.residentBytes()
      // The collection's own CPU is not activity: the next window starts after it.
      windowStartedMs = done
      cpuAtWindowStart = probe.cpuMicros()
      trims.unsafeUpdate(1, [])
      trimSeconds.unsafeUpdate((done - now) / 1000, [])
      yield* Effect.logDebug("heap trimmed").pipe(Effect.annotateLogs({
        residentMiB: `${Math.round(resident / MIB)} → ${Math.round(residentAfterTrim / MIB)}`,
        heapMiB: `${Math.round(heapBefore / MIB)} → ${Math.round(probe.heapBytes() / MIB)}`,
        pauseMs: done - now
      }))
    })
    yield* look.pipe(Effect.delay(options.every), Effect.forever)
  })
