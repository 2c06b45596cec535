/**
 * The multi-process setup of the HA benchmarks: both simulators in this process, `ako-ts run` replicas as child
 * processes of the built entry point (dist/src/app/main.js), each with its own Kubernetes user and pod name, so the
 * simulators' request logs say who did what. A compiled twin of test/support/e2e.ts (bench/ is built, test/ is not).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startAviSim } from "../src/sim/avi/index.js"
import type { AviSim, AviSimRequestLogEntry } from "../src/sim/avi/index.js"
import { startKubeSim } from "../src/sim/kube/index.js"
import type { KubeObject, RequestLogEntry, RunningKubeSim } from "../src/sim/kube/index.js"

export const NAMESPACE = "avi-system"
export const CLUSTER = "bench"
const PASSWORD = "bench-avi-password"
const ENTRY_POINT = fileURLToPath(new URL("../src/app/main.js", import.meta.url))

export interface BenchReplica {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<number | string>
  readonly output: () => string
  readonly readyz: () => Promise<number>
  readonly metric: (name: string, labels?: Readonly<Record<string, string>>) => Promise<number | undefined>
  /** Peak resident set size so far (Linux VmHWM), in MiB. */
  readonly peakRssMiB: () => number | undefined
  readonly rssMiB: () => number | undefined
  /** CPU time (user + system) the process has used so far, in seconds (Linux /proc/<pid>/stat). */
  readonly cpuSeconds: () => number | undefined
}

export interface BenchCluster {
  readonly kube: RunningKubeSim
  readonly avi: AviSim & { close(): Promise<void> }
  readonly startReplica: (name: string, env?: Readonly<Record<string, string>>) => Promise<BenchReplica>
  readonly aviRequestsOf: (replica: string) => ReadonlyArray<AviSimRequestLogEntry>
  readonly aviWritesOf: (replica: string) => ReadonlyArray<AviSimRequestLogEntry>
  readonly kubeWritesOf: (replica: string) => ReadonlyArray<RequestLogEntry>
  readonly leaseHolder: () => string | undefined
  readonly close: () => Promise<void>
}

const AVI_WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"])
const KUBE_WRITES = new Set(["create", "update", "patch", "delete", "deletecollection"])
export const isAviWrite = (entry: AviSimRequestLogEntry) =>
  AVI_WRITES.has(entry.method) && !entry.path.startsWith("/login") && !entry.path.startsWith("/logout")

export const waitFor = async <A>(
  description: string,
  condition: () => A | undefined | false | Promise<A | undefined | false>,
  timeoutMs: number,
  intervalMs = 20
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = await condition()
    if (value !== undefined && value !== false) return value
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const procStatusMiB = (pid: number | undefined, field: "VmHWM" | "VmRSS"): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match === null ? undefined : Number(match[1]) / 1024
  } catch {
    return undefined
  }
}

// utime and stime, fields 14 and 15 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
const CLOCK_TICKS_PER_SECOND = 100
const procCpuSeconds = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}

export const startBenchCluster = async (
  options: { readonly config?: Readonly<Record<string, string>>; readonly requestLogLimit?: number } = {}
): Promise<BenchCluster> => {
  const kube = await startKubeSim({ requestLogLimit: options.requestLogLimit ?? 400_000 })
  const avi = await startAviSim({
    http: true,
    users: [{ username: "admin", password: PASSWORD }],
    requestLogLimit: options.requestLogLimit ?? 400_000
  })
  const dir = mkdtempSync(join(tmpdir(), "ako-ts-bench-"))
  const replicas: Array<BenchReplica> = []
  kube.ensureNamespace(NAMESPACE)
  kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: NAMESPACE },
    type: "Opaque",
    data: { username: Buffer.from("admin").toString("base64"), password: Buffer.from(PASSWORD).toString("base64") }
  })
  kube.apply({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "avi-k8s-config", namespace: NAMESPACE },
    data: {
      controllerIP: avi.url,
      clusterName: CLUSTER,
      cloudName: "Default-Cloud",
      vipNetworkList: JSON.stringify([{ networkName: "vip-network" }]),
      shardVSSize: "SMALL",
      fullSyncFrequency: "0",
      leaseDuration: "3s",
      renewDeadline: "2s",
      retryPeriod: "500ms",
      ...options.config
    }
  })

  const startReplica = async (name: string, env: Readonly<Record<string, string>> = {}) => {
    const token = `token-${name}`
    kube.addToken(token, name)
    const kubeconfig = join(dir, `${name}.kubeconfig`)
    kube.writeKubeconfig(kubeconfig, token)
    const port = await freePort()
    const child = spawn(process.execPath, [ENTRY_POINT, "run", "--kubeconfig", kubeconfig], {
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        POD_NAME: name,
        POD_NAMESPACE: NAMESPACE,
        AKO_API_PORT: String(port),
        // no periodic Avi re-list during a measurement unless a bench asks for one
        AKO_TS_AVI_CACHE_REFRESH: "10 minutes",
        LOG_LEVEL: "WARN",
        ...env
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-20_000)))
    child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-20_000)))
    const exited = new Promise<number | string>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))
    )
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`)
    const replica: BenchReplica = {
      name,
      child,
      exited,
      output: () => output,
      readyz: async () => (await get("/readyz")).status,
      metric: async (metricName, labels = {}) => {
        const text = await (await get("/metrics")).text()
        for (const line of text.split("\n")) {
          const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (.+)$/.exec(line)
          if (match === null || match[1] !== metricName) continue
          if (Object.entries(labels).every(([key, value]) => (match[3] ?? "").includes(`${key}="${value}"`))) {
            return Number(match[4])
          }
        }
        return undefined
      },
      peakRssMiB: () => procStatusMiB(child.pid, "VmHWM"),
      rssMiB: () => procStatusMiB(child.pid, "VmRSS"),
      cpuSeconds: () => procCpuSeconds(child.pid)
    }
    replicas.push(replica)
    await waitFor(`${name} to serve /healthz`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`)
      return (await get("/healthz").catch(() => undefined))?.status === 200
    }, 30_000)
    return replica
  }

  const aviRequestsOf = (replica: string) =>
    avi.requestLog().filter((entry) => (entry.clientIdentity ?? "").endsWith(` ${replica}`))
  return {
    kube,
    avi,
    startReplica,
    aviRequestsOf,
    aviWritesOf: (replica) => aviRequestsOf(replica).filter(isAviWrite),
    kubeWritesOf: (replica) =>
      kube.requestLog().filter((entry) => entry.user === replica && KUBE_WRITES.has(entry.verb)),
    leaseHolder: () => {
      const lease = kube.get("coordination.k8s.io/v1/Lease", NAMESPACE, "ako-lease-lock") as
        | (KubeObject & { spec?: { holderIdentity?: string } })
        | undefined
      const holder = lease?.spec?.holderIdentity
      return holder === undefined || holder === "" ? undefined : holder
    },
    close: async () => {
      for (const replica of replicas) if (replica.child.exitCode === null) replica.child.kill("SIGKILL")
      await Promise.all(replicas.map((replica) => replica.exited))
      await kube.close()
      await avi.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** `count` LoadBalancer Services `<prefix>-<i>` with one ready endpoint each, straight into the simulator. */
export const seedServices = (kube: RunningKubeSim, namespace: string, count: number, prefix = "svc") => {
  kube.ensureNamespace(namespace)
  const names: Array<string> = []
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`
    names.push(name)
    kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace },
      spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080 }] }
    })
    kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-slice`, namespace, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: [`10.1.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`], conditions: { ready: true } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }]
    })
  }
  return names
}

const statusIps = (object: KubeObject | undefined): number =>
  ((object as { status?: { loadBalancer?: { ingress?: ReadonlyArray<unknown> } } } | undefined)?.status
    ?.loadBalancer?.ingress ?? []).length

/** How many of the named objects of a kind have an address in their status. */
export const withStatus = (kube: RunningKubeSim, ref: string, namespace: string, names: ReadonlyArray<string>) =>
  names.filter((name) => statusIps(kube.get(ref, namespace, name)) > 0).length

export const median = (sample: ReadonlyArray<number>) => {
  const sorted = [...sample].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * A numeric option: `--name value` when the script is run directly, or the environment variable
 * `HA_BENCH_<NAME>`, or the default. `npm run bench -- NAME --option value` forwards the options.
 */
export const numberArg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  const fromArgs = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN
  if (Number.isFinite(fromArgs)) return fromArgs
  const fromEnv = Number(process.env[`HA_BENCH_${name.toUpperCase().replaceAll("-", "_")}`] ?? Number.NaN)
  return Number.isFinite(fromEnv) ? fromEnv : fallback
}
