// Runs the built benchmarks (dist/bench/*.js) one after another; `npm run bench -- name` runs only the named ones,
// and `--option value` pairs after the names are passed to each benchmark (e.g. `-- ha-warmup --services 2000`).
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { join } from "node:path"

const dir = join(import.meta.dirname, "..", "dist", "bench")
const args = process.argv.slice(2)
const firstOption = args.findIndex((arg) => arg.startsWith("--"))
const wanted = firstOption < 0 ? args : args.slice(0, firstOption)
const options = firstOption < 0 ? [] : args.slice(firstOption)
const benches = readdirSync(dir)
  .filter((file) => file.endsWith(".js") && !file.startsWith("_"))
  .map((file) => file.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}; available: ${readdirSync(dir).join(", ")}`)
  process.exit(1)
}
let failed = 0
for (const name of benches) {
  const result = spawnSync(process.execPath, ["--expose-gc", join(dir, `${name}.js`), ...options], { stdio: "inherit" })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
