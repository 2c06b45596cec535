#!/usr/bin/env node
/**
 * Process entry point. `ako-ts run` replaces itself (same process id, same stdio, no child) with a Node whose young
 * generation is capped: Node 24 lets it grow to 64 MiB per semi-space, which a replica reached at start-up and kept
 * for life (about 100 MiB of its resident memory while idle); 16 MiB costs no measurable CPU (bench/memory.ts,
 * bench/latency.ts). A size given explicitly (command line or NODE_OPTIONS) is respected. Everything else starts
 * in start.ts, imported only afterwards so nothing is loaded twice.
 */
import process from "node:process"

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
