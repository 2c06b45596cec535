#!/usr/bin/env node
/**
 * Process entry point. Two things happen before anything else loads:
 * - The Node version is checked: on an older Node a dependency fails while loading (undici reads APIs Node 20
 *   lacks), and the user would see a TypeError instead of the cause. Only built-in globals are used until then.
 * - `ako-ts run` replaces itself (same process id, same stdio, no child) with a Node whose young generation is
 *   capped: Node 24 lets it grow to 64 MiB per semi-space, which a replica reached at start-up and kept for life
 *   (about 100 MiB of its resident memory while idle); 16 MiB costs no measurable CPU (bench/memory.ts,
 *   bench/latency.ts). A size given explicitly (command line or NODE_OPTIONS) is respected.
 * Everything else starts in start.ts, imported only afterwards so nothing is loaded twice.
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

const YOUNG_GENERATION = "--max-semi-space-size"
const YOUNG_GENERATION_MIB = 16

const chosen = process.execArgv.some((arg) => arg.startsWith(YOUNG_GENERATION)) ||
  (process.env["NODE_OPTIONS"] ?? "").includes(YOUNG_GENERATION)
if (process.argv[2] === "run" && !chosen && typeof process.execve === "function") {
  process.execve(process.execPath, [
    process.execPath,
    `${YOUNG_GENERATION}=${YOUNG_GENERATION_MIB}`,
    ...process.execArgv,
    ...process.argv.slice(1)
  ], process.env)
}
await import("./start.js")

export {}
