// Regenerates the README's configuration table from the config field specs (run via `npm run docs:config`).
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { configReferenceTable } from "../dist/src/config/index.js"

const readmePath = join(import.meta.dirname, "..", "README.md")
const begin = "<!-- config-table:begin -->"
const end = "<!-- config-table:end -->"
const readme = readFileSync(readmePath, "utf8")
const start = readme.indexOf(begin)
const stop = readme.indexOf(end)
if (start < 0 || stop < start) {
  console.error(`README.md has no ${begin} … ${end} section`)
  process.exit(1)
}
const updated = `${readme.slice(0, start + begin.length)}\n${configReferenceTable()}\n${readme.slice(stop)}`
writeFileSync(readmePath, updated)
console.log(updated === readme ? "README.md configuration table already current" : "README.md configuration table updated")
