// `npm start` and `npm run ako-ts -- <command>`: build only when a source is newer than the last build, say so while
// it runs (tsc prints nothing for a minute on a first build), then run the built entry point in this process, so
// signals and the terminal go straight to ako-ts.
import { spawn } from "node:child_process"
import { clearInterval, setInterval } from "node:timers"
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { bundleStart } from "./bundle.mjs"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const entryPoint = join(root, "dist", "src", "app", "main.js")
const stamp = join(root, "dist", ".build-stamp")

const newestUnder = (path) => {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)))
  return newest
}

const inputs = ["src", "bench", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"]
  .map((name) => join(root, name))
  .filter((path) => existsSync(path))

const bundle = join(root, "dist", "src", "app", "start.bundle.js")

const isCurrent = () =>
  existsSync(entryPoint) && existsSync(bundle) && existsSync(stamp) &&
  statSync(stamp).mtimeMs >= Math.max(...inputs.map(newestUnder))

const build = () =>
  new Promise((resolve) => {
    const started = Date.now()
    process.stderr.write("ako-ts: building with tsc (about a minute on a first build; later starts skip it) ")
    const progress = setInterval(() => process.stderr.write("."), 5_000)
    const tsc = spawn(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    tsc.stdout.on("data", (chunk) => (output += chunk))
    tsc.stderr.on("data", (chunk) => (output += chunk))
    tsc.on("close", async (tscCode) => {
      const code = tscCode === 0 ?
        await bundleStart(root).then(() => 0, (error) => {
          output += `bundling failed: ${error}\n`
          return "bundle"
        }) :
        tscCode
      clearInterval(progress)
      if (code === 0) {
        // Dated when the build began: a source saved while tsc ran is newer, so the next start builds again.
        writeFileSync(stamp, "")
        utimesSync(stamp, started / 1000, started / 1000)
        process.stderr.write(` built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
        resolve(true)
      } else {
        process.stderr.write(` failed (${code === "bundle" ? "bundling" : `tsc exit ${code}`}):\n${output}`)
        resolve(false)
      }
    })
  })

if (!isCurrent() && !(await build())) process.exit(1)
await import(pathToFileURL(entryPoint).href)
