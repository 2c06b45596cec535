/**
 * The README example, exactly as written in README.md, runs against the simulator through the package's
 * public entry (`ako-ts/avi` → dist/src/avi, built by the global setup), as a separate Node process.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"

const root = join(import.meta.dirname, "..", "..")

const exampleSource = (): string => {
  const readme = readFileSync(join(root, "README.md"), "utf8")
  const match = /```ts example\n([\s\S]*?)```/.exec(readme)
  if (match === null) throw new Error("README.md has no ```ts example block")
  return match[1]!
}

const run = (file: string, env: Record<string, string>) =>
  Effect.async<{ code: number | null; stdout: string; stderr: string }>((resume) => {
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

describe("README.md Avi client example", () => {
  it.live(
    "the example runs against the simulator and does what its comments say",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const sim = yield* makeAviSim()
        const dir = join(root, ".tmp", `avi-readme-${process.pid}`)
        mkdirSync(dir, { recursive: true })
        const file = join(dir, "example.ts")
        const ca = join(dir, "ca.pem")
        writeFileSync(file, exampleSource())
        writeFileSync(ca, sim.caPem ?? "")
        const result = yield* run(file, {
          AVI_CONTROLLER: `127.0.0.1:${sim.port}`,
          AVI_USERNAME: AVI_SIM_DEFAULT_USER,
          AVI_PASSWORD: AVI_SIM_DEFAULT_PASSWORD,
          AVI_CA_FILE: ca
        })
        expect(result.stderr.replace(/.*ExperimentalWarning.*\n?|.*--trace-warnings.*\n?/g, "")).toBe("")
        expect(result.code).toBe(0)
        const lines = result.stdout.trim().split("\n").filter((line) => !line.includes("level="))
        expect(lines).toEqual([
          `API version ${sim.controllerVersion}`,
          expect.stringMatching(/^created demo--web pool-[0-9a-f-]+$/),
          "updated enabled=false",
          "owned pools: demo--web",
          expect.stringMatching(/^conflict: .*already exists/),
          "deleted"
        ])
        expect(sim.objects("pool").filter((p) => p.name === "demo--web")).toEqual([])
        expect(sim.requestLog().filter((e) => e.clientIdentity === "ako-ts-example/1.0").length).toBeGreaterThan(5)
      })),
    30_000
  )
})
