// Rewrites barrel imports of effect, @effect/platform and @effect/platform-node into module subpaths
// (`import { Effect, type Scope } from "effect"` -> `import * as Effect from "effect/Effect"` and
// `import type * as Scope from "effect/Scope"`), so a process loads only the modules it uses (issue 19).
// Usage: node scripts/subpath-imports.mjs <file or directory>... ; prints the files it changed. Idempotent.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const PACKAGES = ["effect", "@effect/platform", "@effect/platform-node"]
// What effect's barrel exports besides its modules (all from effect/Function).
const FUNCTION_EXPORTS = new Set(["absurd", "flow", "hole", "identity", "pipe", "unsafeCoerce"])
const IMPORT = /^import (type )?\{([^}]*)\} from "(effect|@effect\/platform|@effect\/platform-node)"\n/gm

const rewrite = (source) =>
  source.replace(IMPORT, (whole, typeOnly, names, pkg) => {
    if (!PACKAGES.includes(pkg)) return whole
    const lines = []
    const functions = []
    for (const raw of names.split(",").map((name) => name.trim()).filter((name) => name !== "")) {
      const isType = typeOnly !== undefined || raw.startsWith("type ")
      const spec = raw.replace(/^type /, "")
      const [imported, local = imported] = spec.split(/\s+as\s+/)
      if (pkg === "effect" && FUNCTION_EXPORTS.has(imported)) {
        functions.push(`${isType ? "type " : ""}${spec}`)
        continue
      }
      lines.push(`import ${isType ? "type " : ""}* as ${local} from "${pkg}/${imported}"\n`)
    }
    if (functions.length > 0) lines.push(`import { ${functions.join(", ")} } from "effect/Function"\n`)
    return lines.join("")
  })

/** A name imported both as a type and as a value keeps only the value import (it carries the types too). */
const dedupe = (source) => {
  const values = new Set([...source.matchAll(/^import \* as (\w+) from "([^"]+)"$/gm)].map((m) => `${m[1]}|${m[2]}`))
  return source.replace(/^import type \* as (\w+) from "([^"]+)"\n/gm, (whole, name, from) =>
    values.has(`${name}|${from}`) ? "" : whole
  )
}

const files = (path) =>
  statSync(path).isDirectory() ?
    readdirSync(path).flatMap((entry) => files(join(path, entry))) :
    path.endsWith(".ts") ? [path] : []

for (const file of process.argv.slice(2).flatMap(files)) {
  const before = readFileSync(file, "utf8")
  const after = dedupe(rewrite(before))
  if (after !== before) {
    writeFileSync(file, after)
    console.log(file)
  }
}
