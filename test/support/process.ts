/**
 * Helpers for process-level tests: spawn the built entry point (what the Dockerfile runs) and wait on conditions
 * with deadlines instead of sleeping.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { scaled } from "./time-scale.js"

export const ENTRY_POINT = fileURLToPath(new URL("../../dist/src/app/main.js", import.meta.url))

export interface SpawnedProcess {
  readonly child: ChildProcess
  /** Everything written to stdout so far (JSON log lines). */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>
}

export { scaled } from "./time-scale.js"

/** Spawns the built entry point (or another build's, for version-skew tests) with only PATH and HOME inherited. */
export const spawnAkoTs = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  entryPoint: string = ENTRY_POINT
): SpawnedProcess => {
  const child = spawn(process.execPath, [entryPoint, ...args], {
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  let err = ""
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

/**
 * Polls `condition` until it returns a value other than undefined/false, or fails once `timeoutMs` (stretched by
 * `TEST_TIME_SCALE`) pass without it. With `progress`, the deadline restarts whenever its value changes: a slow
 * machine that is still getting somewhere is given the time, a stuck one fails as quickly as before.
 */
export const waitFor = async <A>(
  description: string,
  condition: () => A | undefined | false | Promise<A | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 50,
  progress?: () => unknown
): Promise<A> => {
  const budget = scaled(timeoutMs)
  let deadline = Date.now() + budget
  let lastProgress = progress === undefined ? undefined : JSON.stringify(progress())
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await condition()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      lastError = error
    }
    if (progress !== undefined) {
      const now = JSON.stringify(progress())
      if (now !== lastProgress) {
        lastProgress = now
        deadline = Date.now() + budget
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : ""
  throw new Error(`timed out after ${budget} ms without progress waiting for ${description}${suffix}`)
}

/** Resolves with the exit code, or rejects when the process has not exited within the deadline. */
export const exitWithin = (spawned: SpawnedProcess, timeoutMs: number): Promise<number | string> =>
  Promise.race([
    spawned.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`process did not exit within ${scaled(timeoutMs)} ms`)), scaled(timeoutMs))
        .unref()
    )
  ])

/** A TCP port that was free a moment ago (the kernel picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export const jsonLines = (text: string): ReadonlyArray<Record<string, unknown>> =>
  text.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>)
