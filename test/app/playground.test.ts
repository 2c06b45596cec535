/**
 * The playground as a user runs it: a real process of the standalone entry point, the simulators inside it, two
 * controller replicas as its children. The scripted demo must show both takeovers with their times and exit 0; the
 * kubeconfig it writes must let the real kubectl see the demo Services with their VIPs and add a Service of its own.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { execFile, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { kubectlPath } from "../support/kube-tools.js"
import { exitWithin, waitFor } from "../support/process.js"
import type { SpawnedProcess } from "../support/process.js"

const PLAYGROUND = fileURLToPath(new URL("../../dist/src/app/playground/cli-main.js", import.meta.url))
const run = promisify(execFile)

const started: Array<SpawnedProcess> = []
const directories: Array<string> = []

const startPlayground = (args: ReadonlyArray<string>): SpawnedProcess => {
  const child = spawn(process.execPath, [PLAYGROUND, ...args], {
    // No KUBECONFIG and no ~/.kube: the playground must need nothing from the user's environment.
    env: { PATH: process.env["PATH"] ?? "", HOME: tmpdir() },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let out = ""
  let err = ""
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")))
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))
  )
  const spawned = { child, stdout: () => out, stderr: () => err, exited }
  started.push(spawned)
  return spawned
}

const temporaryDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), "ako-ts-playground-test-"))
  directories.push(directory)
  return directory
}

/** The replicas' pids, from the playground's "started ako-N (pid P, …)" lines. */
const replicaPids = (output: string) =>
  [...output.matchAll(/started ako-\d \(pid (\d+)/g)].map((match) => Number(match[1]))

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const kubectl = async (kubeconfig: string, args: ReadonlyArray<string>, input?: string) => {
  const pending = run(kubectlPath(), ["--kubeconfig", kubeconfig, ...args], { timeout: 20_000 })
  if (input !== undefined) {
    pending.child.stdin?.end(input)
  }
  return (await pending).stdout
}

afterEach(async () => {
  for (const spawned of started.splice(0)) {
    if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
      spawned.child.kill("SIGKILL")
      await spawned.exited
    }
    for (const pid of replicaPids(spawned.stdout())) {
      if (isRunning(pid)) process.kill(pid, "SIGKILL")
    }
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true })
})

describe("ako-ts playground", () => {
  it("--demo syncs the demo, survives a SIGTERM and a SIGKILL of the leader, prints the takeover times, exits 0", async () => {
    const kubeconfig = join(temporaryDirectory(), "playground.kubeconfig")
    const playground = startPlayground(["--demo", "--no-tui", "--kubeconfig-out", kubeconfig])
    const code = await exitWithin(playground, 50_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${playground.stdout()}\n${playground.stderr()}`)
    })
    const output = playground.stdout()
    expect(code, `${output}\n${playground.stderr()}`).toBe(0)

    // Every demo Service and Ingress got a VIP from the simulated Avi before the leader was stopped.
    for (const name of ["web", "api", "grpc", "shop", "secure"]) {
      expect(output).toMatch(new RegExp(`demo/${name} has VIP 10\\.50\\.\\d+\\.\\d+`))
    }
    expect(output).toContain(`kubectl --kubeconfig ${kubeconfig} get svc,ingress -A -w`)
    // The example the hints name is a file beside the kubeconfig, and both outlive the playground.
    expect(output).toContain(
      `kubectl --kubeconfig ${kubeconfig} apply -f ${kubeconfig.replace(/\.kubeconfig$/, "-example.yaml")}`
    )
    expect(existsSync(kubeconfig)).toBe(true)
    expect(readFileSync(kubeconfig.replace(/\.kubeconfig$/, "-example.yaml"), "utf8")).toContain("type: LoadBalancer")

    const graceful =
      /takeover 1: SIGTERM (ako-\d) \(exit: code 0\) → (ako-\d) leading after (\d+\.\d+) s, takeover complete after (\d+\.\d+) s/
        .exec(output)
    expect(graceful, output).not.toBeNull()
    const [, stopped, successor, gracefulLead, gracefulComplete] = graceful!
    expect(successor).not.toBe(stopped)
    // A graceful stop releases the Lease: the standby takes over without waiting for it to expire (6 s).
    expect(Number(gracefulLead)).toBeLessThan(6)
    expect(Number(gracefulComplete)).toBeGreaterThanOrEqual(Number(gracefulLead))

    const killed =
      /takeover 2: SIGKILL (ako-\d) \(exit: SIGKILL\) → (ako-\d) \(started in its place\) leading after (\d+\.\d+) s, takeover complete after (\d+\.\d+) s/
        .exec(output)
    expect(killed, output).not.toBeNull()
    const [, victim, replacement, killedLead, killedComplete] = killed!
    expect(victim).toBe(successor)
    expect([stopped, successor]).not.toContain(replacement)
    // Nothing is released on SIGKILL: the new replica must see the Lease unchanged for leaseDuration first.
    expect(Number(killedLead)).toBeGreaterThanOrEqual(6)
    expect(Number(killedComplete)).toBeGreaterThanOrEqual(Number(killedLead))

    // No replica outlives the playground.
    const pids = replicaPids(output)
    expect(pids).toHaveLength(3)
    await waitFor("every replica to be gone", () => pids.every((pid) => !isRunning(pid)), 5_000)
  })

  it("--kubeconfig-out lets kubectl list the demo Services with their VIPs and apply a new one; SIGTERM stops it all", async () => {
    const kubeconfig = join(temporaryDirectory(), "playground.kubeconfig")
    const playground = startPlayground(["--no-tui", "--kubeconfig-out", kubeconfig])
    await waitFor("the demo Services to get VIPs", () => playground.stdout().includes("demo/web has VIP"), 40_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${playground.stdout()}\n${playground.stderr()}`)
      })

    const services = await kubectl(kubeconfig, ["get", "svc", "-A"])
    for (const name of ["web", "api", "grpc"]) {
      const vip = new RegExp(`demo/${name} has VIP (\\S+)`).exec(playground.stdout())![1]!
      expect(services).toMatch(
        new RegExp(`demo\\s+${name}\\s+LoadBalancer\\s+\\S+\\s+${vip.replaceAll(".", "\\.")}\\s`)
      )
    }

    // What the playground tells the user to try: apply the example file its output names and watch the VIP arrive.
    const example = new RegExp(`kubectl --kubeconfig ${kubeconfig} apply -f (\\S+)`).exec(playground.stdout())![1]!
    await kubectl(kubeconfig, ["apply", "-f", example])
    const vip = await waitFor(
      "the applied Service to get a VIP",
      async () => {
        const line = (await kubectl(kubeconfig, ["get", "svc", "-n", "default", "hello", "--no-headers"])).trim()
        const match = /LoadBalancer\s+\S+\s+(10\.50\.\d+\.\d+)\s/.exec(line)
        return match === null ? undefined : match[1]
      },
      30_000,
      250
    )
    expect(vip).toMatch(/^10\.50\./)

    const pids = replicaPids(playground.stdout())
    expect(pids).toHaveLength(2)
    playground.child.kill("SIGTERM")
    expect(await exitWithin(playground, 20_000)).toBe(0)
    await waitFor("every replica to be gone", () => pids.every((pid) => !isRunning(pid)), 5_000)
    await expect(kubectl(kubeconfig, ["get", "svc", "-A", "--request-timeout=2s"])).rejects.toThrow()
  })
})
