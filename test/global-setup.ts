/**
 * Multi-process tests spawn the built entry point (dist/src/app/main.js), exactly what the Dockerfile runs, so the
 * suite builds (and bundles) once before any test file starts. Type errors do not stop the tests (tsc still emits);
 * `npm run typecheck` is the gate for those, and CI runs it before `npm test`.
 */
import { spawnSync } from "node:child_process"
import { utimesSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

export default async function setup(): Promise<void> {
  const require = createRequire(import.meta.url)
  const tsc = require.resolve("typescript/bin/tsc")
  console.log(`node ${process.version}: building dist/ for process-level tests`)
  const started = Date.now()
  const build = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { encoding: "utf8" })
  if (build.error !== undefined) throw build.error
  // What the entry point loads: bundled as `npm run build` does, so the tests run what ships.
  const { bundleStart } = (await import(new URL("../scripts/bundle.mjs", import.meta.url).href)) as {
    bundleStart: (root: string) => Promise<void>
  }
  await bundleStart(fileURLToPath(new URL("..", import.meta.url)))
  if (build.status !== 0) {
    const errors = build.stdout.split("\n").filter((line) => line.includes("error TS")).length
    console.warn(`tsc reported ${errors} type errors (run npm run typecheck); dist/ was emitted and tests go on`)
    return
  }
  // The stamp scripts/start.mjs checks: dist/ is current as of the build's start, so `npm start` skips tsc.
  const stamp = new URL("../dist/.build-stamp", import.meta.url)
  writeFileSync(stamp, "")
  utimesSync(stamp, started / 1000, started / 1000)
}
