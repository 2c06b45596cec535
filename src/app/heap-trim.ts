/**
 * Hands the heap a burst of work grew back to the system once the controller has gone quiet, and, past a bound, while
 * it is still busy.
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
 * A replica that stays busy for long (programming 10,000 Services, taking over a filled Avi, a passive warming up
 * beside a busy leader) never goes quiet, and there the heap's free pages pile up: V8 compacts few pages per
 * collection, so at 10,000 Services the heap held 250 MiB of pages for 145 MiB of live objects, and the leader
 * peaked at 327–345 MiB while it filled Avi. So a busy replica trims too, under stricter terms:
 * - it grew since the last trim by a fifth, and by at least 64 MiB: a burst of a few hundred Services (20–30 MiB)
 *   is never paused; before the first trim, growth counts from what the replica held when the trim loop started;
 * - the pauses of busy trims take at most a twentieth of the time: after a trim that paused 0.5 s the next busy one
 *   waits 10 s. Filling Avi with 10,000 Services, a leader trimmed so about five times peaked at 289–299 MiB in six
 *   runs (329–337 without), for 5–11 % more CPU. A takeover of a filled Avi grows faster than one trim a cycle
 *   catches (a 75 MiB jump within one collection cycle of the pass): it still peaked at 314–341 MiB;
 * - no trim so far paused it for over a second: past that (a cluster several times larger) a busy trim would hold
 *   up lease renewals and requests for too long, and only quiet trims run.
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
  /**
   * A full collection that returns unused pages to the system, giving how long it paused the process (ms); undefined
   * where the process cannot run one.
   */
  readonly collect: (() => number) | undefined
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
    collect: gc === undefined ? undefined : () => {
      const started = performance.now()
      gc({ type: "major", execution: "sync", flavor: "last-resort" })
      return performance.now() - started
    }
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
  /** How often a busy replica's growth is looked at. */
  readonly busyEvery: Duration.DurationInput
  /** Growth since the last trim at which a replica trims although busy: the larger of these bytes and share of it. */
  readonly busyMinGrowthBytes: number
  readonly busyMinGrowthShare: number
  /** The share of the time since the last trim that a busy trim's pause may take. */
  readonly busyPauseShare: number
  /** A trim that paused longer than this ends busy trims for the life of the replica. */
  readonly busyMaxPause: Duration.DurationInput
}

export const defaultHeapTrimOptions: HeapTrimOptions = {
  every: Duration.seconds(10),
  confirm: Duration.seconds(1),
  quietCpuShare: 0.05,
  minGrowthBytes: 16 * 1024 * 1024,
  minGrowthShare: 0.1,
  busyEvery: Duration.seconds(2),
  busyMinGrowthBytes: 64 * 1024 * 1024,
  busyMinGrowthShare: 0.2,
  busyPauseShare: 0.05,
  busyMaxPause: Duration.seconds(1)
}

const trims = Metric.counter("ako_heap_trims_total", {
  description: "Collections that returned heap pages to the system, after the replica went quiet or grew while busy",
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
    // What busy growth counts from until the first trim.
    const residentAtStart = probe.residentBytes()
    let windowStartedMs = yield* Clock.currentTimeMillis
    let cpuAtWindowStart = probe.cpuMicros()
    let lastTrimEndedMs = windowStartedMs
    let lastPauseMs = 0
    let busyTrimsAllowed = true
    const busyMaxPauseMs = Duration.toMillis(options.busyMaxPause)

    /** Whether the process used at most a quiet share of a core since the window began; starts the next window. */
    const quietSinceWindowStart = Effect.map(Clock.currentTimeMillis, (now) => {
      const cpu = probe.cpuMicros()
      const cpuShare = (cpu - cpuAtWindowStart) / 1000 / Math.max(1, now - windowStartedMs)
      windowStartedMs = now
      cpuAtWindowStart = cpu
      return cpuShare <= options.quietCpuShare
    })

    const grownBy = (resident: number, baseline: number, minBytes: number, minShare: number) =>
      resident >= baseline + Math.max(minBytes, baseline * minShare)

    const trim = (why: "quiet" | "busy", resident: number) =>
      Effect.gen(function*() {
        const heapBefore = probe.heapBytes()
        const pauseMs = collect()
        const done = yield* Clock.currentTimeMillis
        residentAfterTrim = probe.residentBytes()
        lastTrimEndedMs = done
        lastPauseMs = pauseMs
        if (pauseMs > busyMaxPauseMs && busyTrimsAllowed) {
          busyTrimsAllowed = false
          yield* Effect.logInfo("heap trims while busy are off: a trim paused the replica for too long").pipe(
            Effect.annotateLogs({ pauseMs: Math.round(pauseMs), limitMs: busyMaxPauseMs })
          )
        }
        // The collection's own CPU is not activity: the next window starts after it.
        windowStartedMs = done
        cpuAtWindowStart = probe.cpuMicros()
        trims.unsafeUpdate(1, [])
        trimSeconds.unsafeUpdate(pauseMs / 1000, [])
        yield* Effect.logDebug("heap trimmed").pipe(Effect.annotateLogs({
          why,
          residentMiB: `${Math.round(resident / MIB)} → ${Math.round(residentAfterTrim / MIB)}`,
          heapMiB: `${Math.round(heapBefore / MIB)} → ${Math.round(probe.heapBytes() / MIB)}`,
          pauseMs: Math.round(pauseMs)
        }))
      })

    const lookWhenQuiet = Effect.gen(function*() {
      const quiet = yield* quietSinceWindowStart
      const resident = probe.residentBytes()
      if (!quiet || !grownBy(resident, residentAfterTrim, options.minGrowthBytes, options.minGrowthShare)) return
      yield* Effect.sleep(options.confirm)
      if (!(yield* quietSinceWindowStart)) return
      // A busy trim may have run during the second.
      if (!grownBy(probe.residentBytes(), residentAfterTrim, options.minGrowthBytes, options.minGrowthShare)) return
      yield* trim("quiet", resident)
    })

    const lookWhenBusy = Effect.gen(function*() {
      if (!busyTrimsAllowed) return
      const now = yield* Clock.currentTimeMillis
      if (now - lastTrimEndedMs < lastPauseMs / options.busyPauseShare) return
      const resident = probe.residentBytes()
      const baseline = residentAfterTrim > 0 ? residentAfterTrim : residentAtStart
      if (!grownBy(resident, baseline, options.busyMinGrowthBytes, options.busyMinGrowthShare)) return
      yield* trim("busy", resident)
    })

    yield* Effect.zip(
      lookWhenQuiet.pipe(Effect.delay(options.every), Effect.forever),
      lookWhenBusy.pipe(Effect.delay(options.busyEvery), Effect.forever),
      { concurrent: true }
    )
  })
