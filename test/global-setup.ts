/**
 * Multi-process tests spawn the built entry point (dist/src/app/main.js), exactly what the Dockerfile runs,
 * so the suite builds once before any test file starts.
 */
import { execFileSync } from "node:child_process"
import { createRequire } from "node:module"

export default function setup(): void {
  const require = createRequire(import.meta.url)
  const tsc = require.resolve("typescript/bin/tsc")
  console.log(`node ${process.version}: building dist/ for process-level tests`)
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" })
}
