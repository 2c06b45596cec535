import * as k8s from "@kubernetes/client-node"
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { eventually } from "./_support.js"

const dir = mkdtempSync(join(tmpdir(), "kube-sim-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("kube sim command", () => {
  it("serves until SIGTERM, prints its address and writes a kubeconfig that client-node can use", async () => {
    const kubeconfig = join(dir, "kubeconfig")
    const script = fileURLToPath(new URL("./cli-main.mjs", import.meta.url))
    const child = spawn(process.execPath, [
      script,
      "--port",
      "0",
      "--kubeconfig-out",
      kubeconfig,
      "--token",
      "t-a=ako-0"
    ])
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const line = await eventually(
        () => (stdout.includes("\n") ? stdout.split("\n")[0] : undefined),
        20_000,
        "ready line"
      )
      expect(line).toMatch(/^kube-sim ready url=https:\/\/127\.0\.0\.1:\d+ kubeconfig=/)
      expect(line.endsWith(`kubeconfig=${kubeconfig}`)).toBe(true)

      const kc = new k8s.KubeConfig()
      kc.loadFromString(readFileSync(kubeconfig, "utf8"))
      const namespaces = await kc.makeApiClient(k8s.CoreV1Api).listNamespace()
      expect(namespaces.items.map((n) => n.metadata?.name)).toContain("default")

      const asReplica = new k8s.KubeConfig()
      asReplica.loadFromString(readFileSync(kubeconfig, "utf8").replace(/token: ".*"/, "token: \"t-a\""))
      await asReplica.makeApiClient(k8s.CoreV1Api).listNamespace()
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stdout.trim().split("\n")).toHaveLength(1)
  })
})
