import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startAviSim } from "../../src/sim/avi/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { RunningKubeSim } from "../../src/sim/kube/index.js"
import { ENTRY_POINT, exitWithin, freePort, jsonLines, spawnAkoTs, waitFor } from "../support/process.js"

const START_SCRIPT = fileURLToPath(new URL("../../scripts/start.mjs", import.meta.url))

const realClusterKubeconfig = (server: string) =>
  `apiVersion: v1
kind: Config
clusters:
- name: production
  cluster:
    server: ${server}
contexts:
- name: production
  context:
    cluster: production
    user: me
current-context: production
users:
- name: me
  user:
    token: production-token
`

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
    const controller = spawnAkoTs(["run", "--kubeconfig", kubeconfigPath], {
      POD_NAME: "ako-0",
      AKO_TS_HEAP_TRIM: "1 second"
    })
    try {
      await waitFor("/readyz to answer 200", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`)
        return response.status === 200
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${controller.stdout()}${controller.stderr()}`)
      })
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
      expect(metrics.status).toBe(200)
      const banner = jsonLines(controller.stdout()).find((line) =>
        String(line["message"]).startsWith("controller of cluster")
      )
      expect(banner?.["annotations"]).toMatchObject({
        cluster: sim.url,
        namespace: "avi-system",
        identity: "ako-0",
        aviController: avi.url
      })
      expect(String(banner?.["message"])).toContain(`Avi controller ${avi.url}`)
      // Outside a pod the health server is not published to the network.
      expect(controller.stdout()).toContain(`Listening on http://127.0.0.1:${port}`)
      // The replica runs as the same process, re-executed with the memory settings (what bench/memory.ts measures).
      const commandLine = readFileSync(`/proc/${controller.child.pid}/cmdline`, "utf8").split("\0")
      expect(commandLine).toEqual(
        expect.arrayContaining([
          "--max-semi-space-size=2",
          "--heap-growing-percent=50",
          "--no-sparkplug",
          "--expose-gc",
          "run"
        ])
      )
      expect(readFileSync(`/proc/${controller.child.pid}/environ`, "utf8").split("\0")).toContain("MALLOC_ARENA_MAX=1")
      // Readiness does not wait for the Lease; the release on SIGTERM is only owed once this replica leads.
      await waitFor(
        "the replica to lead",
        () => jsonLines(controller.stdout()).some((line) => line["message"] === "became leader")
      )
      // Quiet once it leads: it gives back what start-up grew (with `gc` from the re-execution, or never).
      await waitFor(
        "a heap trim",
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
          return /^ako_heap_trims_total [1-9]/m.test(text)
        },
        20_000,
        500
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

describe("npm start (a bare ako-ts) on a machine whose kubeconfig points at a real cluster", () => {
  it("opens the playground without a single request to that cluster, and stops cleanly on SIGTERM", async () => {
    const requests: Array<string> = []
    const cluster = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`)
      response.writeHead(403).end()
    })
    await new Promise<void>((resolve) => cluster.listen(0, "127.0.0.1", resolve))
    const address = cluster.address()
    const server = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    const home = mkdtempSync(join(tmpdir(), "ako-ts-home-"))
    const kubeconfig = realClusterKubeconfig(server)
    mkdirSync(join(home, ".kube"))
    writeFileSync(join(home, ".kube", "config"), kubeconfig)
    writeFileSync(join(home, "prod.kubeconfig"), kubeconfig)
    // What `npm start` runs; dist/ is current (global setup), so it starts without building.
    const playground = spawnAkoTs([], { HOME: home, KUBECONFIG: join(home, "prod.kubeconfig") }, START_SCRIPT)
    try {
      await waitFor(
        "a demo Service VIP",
        () => /demo\/web has VIP \d+\.\d+\.\d+\.\d+/.test(playground.stdout()),
        60_000
      )
      expect(playground.stderr()).not.toContain("building")
      playground.child.kill("SIGTERM")
      expect(await exitWithin(playground, 30_000)).toBe(0)
      expect(requests).toEqual([])
    } finally {
      playground.child.kill("SIGKILL")
      cluster.close()
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe("the entry point on another Node version", () => {
  it("exits 1 saying which Node it needs and which it found, before any dependency loads", async () => {
    const directory = mkdtempSync(join(tmpdir(), "ako-ts-node-"))
    const older = join(directory, "node20.mjs")
    writeFileSync(older, "Object.defineProperty(process.versions, \"node\", { value: \"20.20.2\" })\n")
    try {
      const child = spawn(process.execPath, ["--import", older, ENTRY_POINT, "run"], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let stderr = ""
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
      const code = await new Promise((resolve) => child.once("exit", resolve))
      expect(code).toBe(1)
      expect(stderr).toMatch(/^ako-ts needs Node 24 \(found 20\.20\.2 at /)
      expect(stderr).not.toContain("TypeError")
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
  })
})
