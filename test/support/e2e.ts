/**
 * A cluster for multi-process tests: the Kubernetes and Avi simulators in this process, and `ako-ts run`
 * replicas as child processes, each with its own Kubernetes user (token), pod name and health port. Requests are
 * attributed to replicas by the Kubernetes user and by the Avi client identity (`ako-ts/<version> <pod>`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startAviSim } from "../../src/sim/avi/index.js"
import type { AviSim, AviSimOptions, AviSimRequestLogEntry } from "../../src/sim/avi/index.js"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { KubeObject, RequestLogEntry, RunningKubeSim } from "../../src/sim/kube/index.js"
import { exitWithin, freePort, jsonLines, spawnAkoTs, waitFor } from "./process.js"
import type { SpawnedProcess } from "./process.js"

export const NAMESPACE = "avi-system"
export const CLUSTER = "e2e"
export const AVI_PASSWORD = "e2e-avi-password"

export interface ClusterOptions {
  /** Extra or overriding `avi-k8s-config` keys. */
  readonly config?: Readonly<Record<string, string>>
  readonly avi?: AviSimOptions
}

export interface Replica {
  readonly name: string
  readonly port: number
  readonly process: SpawnedProcess
  readonly logs: () => ReadonlyArray<Record<string, unknown>>
  readonly messages: () => ReadonlyArray<string>
  readonly readyz: () => Promise<number>
  readonly metrics: () => Promise<string>
  /** A metric's value, or undefined when the series is absent; `labels` must all match. */
  readonly metric: (name: string, labels?: Readonly<Record<string, string>>) => Promise<number | undefined>
  readonly stop: (signal?: NodeJS.Signals, timeoutMs?: number) => Promise<number | string>
}

export interface E2eCluster {
  readonly kube: RunningKubeSim
  readonly avi: AviSim & { close(): Promise<void> }
  readonly configMap: Readonly<Record<string, string>>
  readonly setConfig: (data: Readonly<Record<string, string>>) => void
  readonly startReplica: (name: string, env?: Readonly<Record<string, string>>) => Promise<Replica>
  /** Avi requests attributed to a replica (by the pod name in the client identity). */
  readonly aviRequestsOf: (replica: string) => ReadonlyArray<AviSimRequestLogEntry>
  readonly aviWritesOf: (replica: string) => ReadonlyArray<AviSimRequestLogEntry>
  readonly kubeRequestsOf: (replica: string) => ReadonlyArray<RequestLogEntry>
  readonly kubeWritesOf: (replica: string) => ReadonlyArray<RequestLogEntry>
  readonly leaseHolder: () => string | undefined
  readonly close: () => Promise<void>
}

const AVI_WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"])
const KUBE_WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"])

const isAviWrite = (entry: AviSimRequestLogEntry) =>
  AVI_WRITE_METHODS.has(entry.method) && !entry.path.startsWith("/login") && !entry.path.startsWith("/logout")

export const baseConfig = (aviUrl: string): Record<string, string> => ({
  controllerIP: aviUrl,
  clusterName: CLUSTER,
  cloudName: "Default-Cloud",
  vipNetworkList: JSON.stringify([{ networkName: "vip-network" }]),
  shardVSSize: "SMALL",
  fullSyncFrequency: "0",
  // Short timings so takeovers happen in seconds; the ratios are client-go's.
  leaseDuration: "3s",
  renewDeadline: "2s",
  retryPeriod: "500ms"
})

export const startCluster = async (options: ClusterOptions = {}): Promise<E2eCluster> => {
  const kube = await startKubeSim()
  const avi = await startAviSim({
    http: true,
    users: [{ username: "admin", password: AVI_PASSWORD }],
    ...options.avi
  })
  const dir = mkdtempSync(join(tmpdir(), "ako-ts-e2e-"))
  const replicas: Array<Replica> = []
  kube.ensureNamespace(NAMESPACE)
  kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: NAMESPACE },
    type: "Opaque",
    data: {
      username: Buffer.from("admin").toString("base64"),
      password: Buffer.from(AVI_PASSWORD).toString("base64")
    }
  })
  let configMap: Record<string, string> = { ...baseConfig(avi.url), ...options.config }
  const setConfig = (data: Readonly<Record<string, string>>) => {
    configMap = { ...data }
    kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "avi-k8s-config", namespace: NAMESPACE },
      data: configMap
    })
  }
  setConfig(configMap)

  const startReplica = async (name: string, env: Readonly<Record<string, string>> = {}): Promise<Replica> => {
    const token = `token-${name}`
    kube.addToken(token, name)
    const kubeconfig = join(dir, `${name}.kubeconfig`)
    kube.writeKubeconfig(kubeconfig, token)
    const port = await freePort()
    const spawned = spawnAkoTs(["run", "--kubeconfig", kubeconfig], {
      POD_NAME: name,
      POD_NAMESPACE: NAMESPACE,
      AKO_API_PORT: String(port),
      ...env
    })
    const get = async (path: string) => fetch(`http://127.0.0.1:${port}${path}`)
    const metrics = async () => (await get("/metrics")).text()
    const replica: Replica = {
      name,
      port,
      process: spawned,
      logs: () => jsonLines(spawned.stdout()),
      messages: () => jsonLines(spawned.stdout()).map((line) => String(line["message"])),
      readyz: async () => (await get("/readyz")).status,
      metrics,
      metric: async (metricName, labels = {}) => {
        for (const line of (await metrics()).split("\n")) {
          const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (.+)$/.exec(line)
          if (match === null || match[1] !== metricName) continue
          const text = match[3] ?? ""
          if (Object.entries(labels).every(([key, value]) => text.includes(`${key}="${value}"`))) {
            return Number(match[4])
          }
        }
        return undefined
      },
      stop: async (signal = "SIGTERM", timeoutMs = 15_000) => {
        if (spawned.child.exitCode !== null) return spawned.child.exitCode
        spawned.child.kill(signal)
        return exitWithin(spawned, timeoutMs)
      }
    }
    replicas.push(replica)
    await waitFor(`${name} to serve /healthz`, async () => (await get("/healthz")).status === 200, 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${spawned.stdout()}${spawned.stderr()}`)
      }
    )
    return replica
  }

  const aviRequestsOf = (replica: string) =>
    avi.requestLog().filter((entry) => (entry.clientIdentity ?? "").endsWith(` ${replica}`))

  return {
    kube,
    avi,
    get configMap() {
      return configMap
    },
    setConfig,
    startReplica,
    aviRequestsOf,
    aviWritesOf: (replica) => aviRequestsOf(replica).filter(isAviWrite),
    kubeRequestsOf: (replica) => kube.requestLog().filter((entry) => entry.user === replica),
    kubeWritesOf: (replica) =>
      kube.requestLog().filter((entry) => entry.user === replica && KUBE_WRITE_VERBS.has(entry.verb)),
    leaseHolder: () => {
      const lease = kube.get("coordination.k8s.io/v1/Lease", NAMESPACE, "ako-lease-lock") as
        | (KubeObject & { spec?: { holderIdentity?: string } })
        | undefined
      const holder = lease?.spec?.holderIdentity
      return holder === undefined || holder === "" ? undefined : holder
    },
    close: async () => {
      await Promise.all(replicas.map((replica) => replica.stop("SIGKILL", 5_000).catch(() => undefined)))
      await kube.close()
      await avi.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** A Service (LoadBalancer unless `type` says otherwise) with one ready endpoint per address, as pods would give. */
export const loadBalancerService = (
  kube: RunningKubeSim,
  namespace: string,
  name: string,
  options: {
    readonly port?: number
    readonly targetPort?: number
    readonly addresses?: ReadonlyArray<string>
    readonly annotations?: Readonly<Record<string, string>>
    readonly type?: "LoadBalancer" | "ClusterIP"
  } = {}
) => {
  kube.ensureNamespace(namespace)
  const port = options.port ?? 80
  const targetPort = options.targetPort ?? 8080
  kube.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: {
      type: options.type ?? "LoadBalancer",
      selector: { app: name },
      ports: [{ name: "http", port, targetPort, protocol: "TCP" }]
    }
  })
  kube.apply({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${name}-slice`, namespace, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: (options.addresses ?? ["10.1.0.1"]).map((address) => ({
      addresses: [address],
      conditions: { ready: true }
    })),
    ports: [{ name: "http", port: targetPort, protocol: "TCP" }]
  })
}

/** The VIPs in a Service's status, as `kubectl get svc` shows them. */
export const serviceVips = (kube: RunningKubeSim, namespace: string, name: string): ReadonlyArray<string> => {
  const service = kube.get("v1/Service", namespace, name) as
    | (KubeObject & { status?: { loadBalancer?: { ingress?: ReadonlyArray<{ ip?: string }> } } })
    | undefined
  return (service?.status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip ?? "").filter((ip) => ip !== "")
}

export const waitForLeader = (cluster: E2eCluster, timeoutMs = 30_000) =>
  waitFor("a lease holder", () => cluster.leaseHolder(), timeoutMs)
