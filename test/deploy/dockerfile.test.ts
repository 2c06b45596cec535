/**
 * No container engine runs here, so the image's rules are checked on the Dockerfile's text: a multi-stage build on
 * Node 24, production dependencies only in the final image, a non-root user, and the entry point the tests run.
 */
import { describe, expect, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { DEPLOY, REPO } from "./support.js"

interface Instruction {
  readonly keyword: string
  readonly args: string
}

interface Stage {
  readonly from: string
  readonly name: string | undefined
  readonly instructions: ReadonlyArray<Instruction>
}

const dockerfile = readFileSync(join(DEPLOY, "Dockerfile"), "utf8")

/** Instructions with line continuations joined and comments dropped; ARGs before the first FROM resolved. */
const parse = (text: string): { readonly args: Record<string, string>; readonly stages: ReadonlyArray<Stage> } => {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
  const args: Record<string, string> = {}
  const stages: Array<{ from: string; name: string | undefined; instructions: Array<Instruction> }> = []
  for (const line of lines) {
    const [keyword = "", ...rest] = line.split(/\s+/)
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") }
    if (instruction.keyword === "FROM") {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args)
      const image = (match?.[1] ?? "").replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? "")
      stages.push({ from: image, name: match?.[2], instructions: [] })
    } else if (stages.length === 0 && instruction.keyword === "ARG") {
      const [name = "", value = ""] = instruction.args.split("=")
      args[name] = value
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return { args, stages }
}

const { stages } = parse(dockerfile)
const final = stages.at(-1)!
const finalOf = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword)

describe("deploy/Dockerfile", () => {
  it("is a multi-stage build on Node 24 images", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of stages) expect(stage.from).toMatch(/^node:24([.-]|$)/)
  })

  it("compiles in a build stage with the locked dependencies", () => {
    const runs = stages[0]!.instructions.filter((i) => i.keyword === "RUN").map((i) => i.args)
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true)
    expect(runs.some((run) => /\bnpm run build\b/.test(run))).toBe(true)
    // Every script `npm run build` runs is in the build stage (a missing one fails only in a real image build).
    const build =
      (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: { build: string } }).scripts
        .build
    const copied = stages[0]!.instructions.filter((i) => i.keyword === "COPY").map((i) => i.args).join(" ")
    const scripts = [...build.matchAll(/\bscripts\/\S+/g)].map((match) => match[0])
    expect(scripts).toContain("scripts/bundle.mjs")
    for (const script of scripts) expect(copied).toContain(script)
  })

  it("ships production dependencies only: the final stage's node_modules come from an `npm ci --omit=dev`", () => {
    const modulesFrom = finalOf("COPY").find((copy) => /node_modules/.test(copy.args))
    const sourceName = /--from=(\S+)/.exec(modulesFrom?.args ?? "")?.[1]
    const source = stages.find((stage) => stage.name === sourceName) ?? final
    const installs = [...source.instructions, ...final.instructions]
      .filter((i) => i.keyword === "RUN" && /\bnpm (ci|install|i)\b/.test(i.args))
    expect(installs.length).toBeGreaterThan(0)
    for (const install of installs) expect(install.args).toMatch(/--omit=dev/)
  })

  it("keeps build tools and sources out of the final image", () => {
    const finalText = final.instructions.map((i) => `${i.keyword} ${i.args}`).join("\n")
    expect(finalText).not.toMatch(/npm run build|\btsc\b|typescript|apt-get|apk add/)
    const copies = finalOf("COPY").map((copy) => copy.args.replace(/--chown=\S+\s+/g, ""))
    // From the build context only package.json (for the version); from the build stage only the compiled code.
    expect(copies.filter((args) => !args.startsWith("--from="))).toEqual(["package.json ./"])
    const buildStage = stages[0]!.name
    expect(copies.filter((args) => args.startsWith(`--from=${buildStage} `)))
      .toEqual([`--from=${buildStage} /src/dist/src ./dist/src`])
  })

  it("runs as the unprivileged node user the Deployment's runAsNonRoot expects", () => {
    const users = finalOf("USER").map((user) => user.args)
    expect(users.at(-1)).toBe("node")
  })

  it("starts `node dist/src/app/main.js run`, the entry point the process tests spawn", () => {
    expect(finalOf("ENTRYPOINT").at(-1)?.args).toBe("[\"node\", \"dist/src/app/main.js\"]")
    expect(finalOf("CMD").at(-1)?.args).toBe("[\"run\"]")
    expect(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).bin["ako-ts"]).toBe("./dist/src/app/main.js")
  })

  it("has an ignore file (Dockerfile.dockerignore) that keeps node_modules, dist and .git out of the build context", () => {
    const rules = readFileSync(join(DEPLOY, "Dockerfile.dockerignore"), "utf8").split("\n").map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
    // An allow-list: everything ignored, then exceptions; none of the exceptions may bring these back.
    expect(rules[0]).toBe("**")
    const exceptions = rules.filter((rule) => rule.startsWith("!"))
    for (const path of ["node_modules", "dist", ".git"]) {
      expect(exceptions.filter((rule) => rule.slice(1).startsWith(path))).toEqual([])
    }
    for (
      const copied of [
        "package.json",
        "package-lock.json",
        "tsconfig.json",
        "tsconfig.build.json",
        "scripts/bundle.mjs"
      ]
    ) {
      expect(exceptions).toContain(`!${copied}`)
      expect(existsSync(join(REPO, copied))).toBe(true)
    }
  })

  it("needs nothing at run time beyond the production dependencies it installs", () => {
    const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
      dependencies: Record<string, string>
    }
    const sources = (readdirSync(join(REPO, "src"), { recursive: true }) as Array<string>)
      .filter((file) => file.endsWith(".ts"))
    const packages = new Set(
      sources.flatMap((file) =>
        [
          ...readFileSync(join(REPO, "src", file), "utf8").matchAll(
            /(?:^|[\s}])from\s+"([^".][^"]*)"|^\s*import\s+"([^".][^"]*)"|\bimport\("([^".][^"]*)"\)/gm
          )
        ]
          .map((match) => match[1] ?? match[2] ?? match[3]!)
          .filter((specifier) => !specifier.startsWith("node:"))
          .map((specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/"))
      )
    )
    expect([...packages].filter((name) => manifest.dependencies[name] === undefined)).toEqual([])
    expect([...packages]).toEqual(expect.arrayContaining(["effect", "@kubernetes/client-node"]))
  })
})
