import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startAviSim } from "../../src/sim/avi/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { RunningKubeSim } from "../../src/sim/kube/index.js"
import { exitWithin, freePort, jsonLines, spawnAkoTs, waitFor } from "../support/process.js"

const PASSWORD = "process-test-pw-8d1f"

let sim: RunningKubeSim
let avi: AviSim & { close(): Promise<void> }
let workDir: string
let kubeconfigPath: string

const configMapData = (port: number) => ({
  controllerIP: avi.url,
  clusterName: "proc-test",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip\"}]",
  apiServerPort: String(port)
})

const putConfigMap = (data: Record<string, string>) =>
  sim.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "avi-k8s-config", namespace: "avi-system" },
    data
  })

beforeAll(async () => {
  sim = await startKubeSim()
  avi = await startAviSim({ http: true, users: [{ username: "admin", password: PASSWORD }] })
  sim.ensureNamespace("avi-system")
  sim.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: "avi-system" },
    type: "Opaque",
    data: {
      username: Buffer.from("admin").toString("base64"),
      password: Buffer.from(PASSWORD).toString("base64")
    }
  })
  workDir = mkdtempSync(join(tmpdir(), "ako-ts-process-"))
  kubeconfigPath = join(workDir, "kubeconfig")
  sim.writeKubeconfig(kubeconfigPath)
})

afterAll(async () => {
  await sim?.close()
  await avi?.close()
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true })
})

describe("the built entry point", () => {
  it("serves readiness, then exits 0 within the deadline on SIGTERM after closing every component", async () => {
    const port = await freePort()
    putConfigMap(configMapData(port))
    const controller = spawnAkoTs(["run", "--kubeconfig", kubeconfigPath], { POD_NAME: "ako-0" })
    try {
      await waitFor("/readyz to answer 200", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`)
        return response.status === 200
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${controller.stdout()}${controller.stderr()}`)
      })
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(metrics.status).toBe(200)
      // Readiness does not wait for the Lease; the release on SIGTERM is only owed once this replica leads.
      await waitFor(
        "the replica to lead",
        () => jsonLines(controller.stdout()).some((line) => line["message"] === "became leader")
      )
      controller.child.kill("SIGTERM")
      expect(await exitWithin(controller, 10_000)).toBe(0)
      const messages = jsonLines(controller.stdout()).map((line) => line["message"])
      expect(messages).toContain("configuration loaded")
      expect(messages).toContain("lease released")
      expect(messages).toContain("ako-ts stopped: every component closed")
      expect(controller.stdout()).not.toContain(PASSWORD)
    } finally {
      controller.child.kill("SIGKILL")
    }
  })

  it("exits 1 with one log line naming every bad key when the ConfigMap is invalid", async () => {
    putConfigMap({ ...configMapData(await freePort()), clusterName: "bad name", shardVSSize: "HUGE" })
    const controller = spawnAkoTs(["run", "--kubeconfig", kubeconfigPath], { POD_NAME: "ako-0" })
    try {
      expect(await exitWithin(controller, 15_000)).toBe(1)
      const failure = jsonLines(controller.stdout()).find((line) => line["logLevel"] === "ERROR")
      expect(String(failure?.["message"])).toContain("clusterName (env CLUSTER_NAME) = \"bad name\"")
      expect(String(failure?.["message"])).toContain("shardVSSize (env SHARD_VS_SIZE) = \"HUGE\"")
    } finally {
      controller.child.kill("SIGKILL")
    }
  })
})

describe("ako-ts sim", () => {
  it.each([
    ["kube", ["sim", "kube", "--port", "0"], /kube-sim ready url=https:\/\/127\.0\.0\.1:(\d+)/],
    ["avi", ["sim", "avi", "--port", "0", "--http"], /avi-sim ready url=http:\/\/127\.0\.0\.1:(\d+)/]
  ])("serves the %s simulator from the entry point until SIGTERM", async (_, args, ready) => {
    const simulator = spawnAkoTs(args)
    try {
      const port = await waitFor("the ready line", () => ready.exec(simulator.stdout())?.[1])
      expect(Number(port)).toBeGreaterThan(0)
      simulator.child.kill("SIGTERM")
      expect(await exitWithin(simulator, 10_000)).toBe(0)
    } finally {
      simulator.child.kill("SIGKILL")
    }
  })
})

describe("a bare ako-ts with no cluster configured", () => {
  it("opens the playground, whose replicas give the demo Services VIPs, and stops cleanly on SIGTERM", async () => {
    const home = mkdtempSync(join(tmpdir(), "ako-ts-home-"))
    const playground = spawnAkoTs([], { HOME: home })
    try {
      await waitFor(
        "a demo Service VIP",
        () => /demo\/web has VIP \d+\.\d+\.\d+\.\d+/.test(playground.stdout()),
        60_000
      )
      playground.child.kill("SIGTERM")
      expect(await exitWithin(playground, 30_000)).toBe(0)
    } finally {
      playground.child.kill("SIGKILL")
      rmSync(home, { recursive: true, force: true })
    }
  })
})
