#!/usr/bin/env node
/**
 * Process entry point. Two things happen before anything else loads:
 * - The Node version is checked: on an older Node a dependency fails while loading (undici reads APIs Node 20
 *   lacks), and the user would see a TypeError instead of the cause. Only built-in globals are used until then.
 * - `ako-ts run` replaces itself (same process id, same stdio, no child) with a Node tuned for a small, long-lived
 *   service, because every replica pays its memory for life (bench/memory.ts, bench/latency.ts; issue 19):
 *   - the young generation capped at 2 MiB per semi-space: Node 24 grows it to 64 MiB, which a replica reached at
 *     start-up and kept (about 100 MiB while idle);
 *   - the old generation grown by half of what survives a full collection rather than by up to four times
 *     (`--heap-growing-percent=50`): 200 new Services peaked at about 235 MiB, now 150–160, at no CPU cost the
 *     benches can see; once the live heap is large, heap-growth.ts lowers it to 30. (`--optimize-for-size` would
 *     keep the peak near 135 MiB but shrinks the young generation until almost everything is promoted: 1,000
 *     Services took 48 s instead of 19.)
 *   - no Sparkplug (V8's baseline compiler between the interpreter and the optimising tiers): its code took 3.5 MiB
 *     of an idle replica, and the 1,000-Service burst ran no slower without it (without Maglev instead it took 45 %
 *     more CPU);
 *   - `gc` exposed, so a replica that went quiet after a burst can give the heap it grew back (heap-trim.ts): V8
 *     keeps its pages otherwise, and its own memory reducer never saw an idle controller as idle;
 *   - one malloc arena (`MALLOC_ARENA_MAX=1`) rather than one per V8 worker thread: the threads allocate little,
 *     but each arena keeps what it once held.
 *   Measured and left out: malloc tuned to give memory back (`MALLOC_MMAP_THRESHOLD_=32768` and a small trim
 *   threshold) cut an idle replica by 4–6 MiB (freed 32 KiB zone segments stayed in malloc's heap, fragmented:
 *   mostly those of the optimising compile of undici's WebAssembly HTTP parser, which the Kubernetes transport no
 *   longer loads; src/k8s/transport.ts), but made every socket read's buffer its own mapping: bursts took 20–40 %
 *   longer and a graceful takeover's first write came 150 ms later, past the 0.5 s it must stay under.
 *   A flag or variable given explicitly (command line, NODE_OPTIONS, environment) is respected.
 * Everything else starts in start.ts, imported only afterwards (as its bundle) so nothing is loaded twice.
 */
const REQUIRED_NODE_MAJOR = 24

const found = process.versions.node
if (Number(found.split(".")[0]) !== REQUIRED_NODE_MAJOR) {
  process.stderr.write(
    `ako-ts needs Node ${REQUIRED_NODE_MAJOR} (found ${found} at ${process.execPath}). ` +
      "Run it through npm (`npm start`, `npm run ako-ts -- <command>`), which uses the Node 24 pinned in the " +
      "project, or install Node 24 LTS (.nvmrc).\n"
  )
  process.exit(1)
}

/** Each with the option name that, given explicitly, means the operator chose otherwise. */
const RUN_NODE_FLAGS: ReadonlyArray<readonly [name: string, flag: string]> = [
  ["--max-semi-space-size", "--max-semi-space-size=2"],
  ["--heap-growing-percent", "--heap-growing-percent=50"],
  ["--sparkplug", "--no-sparkplug"],
  ["--expose-gc", "--expose-gc"]
]
const RUN_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "1" }

// By the name without its dashes, so a `--no-…` form counts as a choice too.
const explicit = (name: string) =>
  process.execArgv.some((arg) => arg.includes(name.slice(2))) ||
  (process.env["NODE_OPTIONS"] ?? "").includes(name.slice(2))
const addedFlags = RUN_NODE_FLAGS.filter(([name]) => !explicit(name)).map(([, flag]) => flag)
if (process.argv[2] === "run" && addedFlags.length > 0 && typeof process.execve === "function") {
  // Which flags are ako-ts's own choice (heap-growth.ts adjusts the heap's growth only where it chose it).
  process.execve(process.execPath, [process.execPath, ...addedFlags, ...process.execArgv, ...process.argv.slice(1)], {
    ...RUN_ENVIRONMENT,
    ...process.env,
    AKO_TS_ADDED_NODE_FLAGS: addedFlags.join(" ")
  })
}
// The bundle of start.js and all it loads (scripts/bundle.mjs, run by every build); named at run time because tsc
// does not build it.
const startBundle = "./start.bundle.js"
await import(startBundle)

export {}
