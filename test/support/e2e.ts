/**
 * A cluster for multi-process tests: the Kubernetes and Avi simulators in this process, and `ako-ts run`
 * replicas as child processes, each with its own Kubernetes user (token), pod name and health port. Requests are
 * attributed to replicas by the Kubernetes user and by the Avi client identity (`ako-ts/<version> <pod>`).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { generate } from "selfsigned"
import { startAviSim } from "../../src/sim/avi/index.js"
import type { AviSim, AviSimOptions, AviSimRequestLogEntry } from "../../src/sim/avi/index.js"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { KubeObject, RequestLogEntry, RunningKubeSim } from "../../src/sim/kube/index.js"
import { ENTRY_POINT, exitWithin, freePort, jsonLines, spawnAkoTs, waitFor } from "./process.js"
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
  /** Like `startReplica`, but runs another build of the entry point (e.g. one made by `buildOfVersion`). */
  readonly startReplicaFrom: (
    entryPoint: string,
    name: string,
    env?: Readonly<Record<string, string>>
  ) => Promise<Replica>
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
  // Static route sync (and the SE group label that comes with it) has its own tests (static-routes.test.ts).
  disableStaticRouteSync: "true",
  // Short timings so takeovers happen in seconds; the ratios are client-go's.
  leaseDuration: "3s",
  renewDeadline: "2s",
  retryPeriod: "500ms"
})

/** `avi-secret` as a user creates it, with the simulator's user `admin` and this password. */
export const applyAviSecret = (kube: RunningKubeSim, password: string) =>
  kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: NAMESPACE },
    type: "Opaque",
    data: {
      username: Buffer.from("admin").toString("base64"),
      password: Buffer.from(password).toString("base64")
    }
  })

/** The controller's Deployment `ako-ts`, which carries deleteConfig's progress annotation. */
export const applyControllerDeployment = (kube: RunningKubeSim) =>
  kube.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "ako-ts", namespace: NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "ako-ts" } },
      template: {
        metadata: { labels: { app: "ako-ts" } },
        spec: { containers: [{ name: "ako-ts", image: "ako-ts:test" }] }
      }
    }
  })

const certificates = new Map<string, Promise<{ readonly cert: string; readonly key: string }>>()

/**
 * A self-signed certificate for `commonName`, as PEM. Generated once per test file and name: an RSA key takes
 * seconds in JavaScript on a busy machine, and nothing checks that two clusters got different keys.
 */
export const selfSigned = (commonName: string): Promise<{ readonly cert: string; readonly key: string }> => {
  const known = certificates.get(commonName)
  if (known !== undefined) return known
  const made = generate([{ name: "commonName", value: commonName }], { keySize: 2048, algorithm: "sha256" })
    .then((pem) => ({ cert: pem.cert, key: pem.private }))
  certificates.set(commonName, made)
  return made
}

/** A `kubernetes.io/tls` Secret with a self-signed certificate for `host`; returns the PEM it holds. */
export const applyTlsSecret = async (kube: RunningKubeSim, namespace: string, name: string, host: string) => {
  const pem = await selfSigned(host)
  kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(pem.cert).toString("base64"), "tls.key": Buffer.from(pem.key).toString("base64") }
  })
  return pem
}

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
  applyAviSecret(kube, AVI_PASSWORD)
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

  const launch = async (
    name: string,
    env: Readonly<Record<string, string>>,
    entryPoint: string | undefined
  ): Promise<Replica> => {
    const token = `token-${name}`
    kube.addToken(token, name)
    const kubeconfig = join(dir, `${name}.kubeconfig`)
    kube.writeKubeconfig(kubeconfig, token)
    const port = await freePort()
    const processEnv = { POD_NAME: name, POD_NAMESPACE: NAMESPACE, AKO_API_PORT: String(port), ...env }
    const spawned = spawnAkoTs(["run", "--kubeconfig", kubeconfig], processEnv, entryPoint)
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

  const startReplica = (name: string, env: Readonly<Record<string, string>> = {}) => launch(name, env, undefined)
  const startReplicaFrom = (entryPoint: string, name: string, env: Readonly<Record<string, string>> = {}) =>
    launch(name, env, entryPoint)

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
    startReplicaFrom,
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
    readonly loadBalancerClass?: string
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
      ...(options.loadBalancerClass ? { loadBalancerClass: options.loadBalancerClass } : {}),
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

/** `reason: message` of each Warning Event on one object, as `kubectl describe` lists them. */
export const warningEvents = (
  kube: RunningKubeSim,
  namespace: string,
  kind: string,
  name: string
): ReadonlyArray<string> =>
  (kube.list("v1/Event", namespace) as ReadonlyArray<
    { type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }
  >)
    .filter((event) =>
      event.type === "Warning" && event.involvedObject?.kind === kind && event.involvedObject.name === name
    )
    .map((event) => `${event.reason ?? ""}: ${event.message ?? ""}`)

export const waitForLeader = (cluster: E2eCluster, timeoutMs = 30_000) =>
  waitFor("a lease holder", () => cluster.leaseHolder(), timeoutMs)

// ---- High-availability helpers (test/e2e/ha-*.test.ts, bench/ha-*.ts) ----

/**
 * A copy of the built controller that reports `version` (what a rolling update to another release runs): the
 * compiled tree next to a package.json of that version, dependencies linked from this checkout. Returns the entry
 * point and a cleanup.
 */
export const buildOfVersion = (version: string): { readonly entryPoint: string; readonly remove: () => void } => {
  const distSrc = join(ENTRY_POINT, "..", "..")
  const root = mkdtempSync(join(tmpdir(), "ako-ts-version-"))
  const dist = join(root, "dist")
  mkdirSync(dist)
  cpSync(distSrc, join(dist, "src"), { recursive: true })
  // src/app/version.ts reads ../../package.json first: dist/package.json here.
  writeFileSync(join(dist, "package.json"), JSON.stringify({ name: "ako-ts", version, type: "module" }))
  symlinkSync(join(distSrc, "..", "..", "node_modules"), join(root, "node_modules"), "dir")
  return {
    entryPoint: join(dist, "src", "app", "main.js"),
    remove: () => rmSync(root, { recursive: true, force: true })
  }
}

/** Kubernetes writes about managed objects (status, annotations, finalizers): everything but the Lease and Events. */
export const objectWritesOf = (cluster: E2eCluster, replica: string): ReadonlyArray<RequestLogEntry> =>
  cluster.kubeWritesOf(replica).filter((entry) => entry.resource !== "leases" && entry.resource !== "events")

/** Successful Lease writes (acquire, renew, release) of a replica, in order. */
export const leaseWritesOf = (cluster: E2eCluster, replica: string): ReadonlyArray<RequestLogEntry> =>
  cluster.kubeWritesOf(replica).filter((entry) => entry.resource === "leases" && entry.code === 200)

export interface LeaseView {
  readonly holderIdentity?: string
  readonly leaseDurationSeconds?: number
  readonly leaseTransitions?: number
  readonly renewTime?: string
  readonly annotations: Readonly<Record<string, string>>
}

export const leaseOf = (cluster: E2eCluster): LeaseView | undefined => {
  const lease = cluster.kube.get("coordination.k8s.io/v1/Lease", NAMESPACE, "ako-lease-lock") as
    | (KubeObject & { spec?: Omit<LeaseView, "annotations"> })
    | undefined
  if (lease === undefined) return undefined
  return { ...lease.spec, annotations: (lease.metadata?.annotations ?? {}) as Record<string, string> }
}

/** `count` LoadBalancer Services `<prefix>-<i>` (one endpoint each), written straight into the simulator. */
export const seedLoadBalancerServices = (
  kube: RunningKubeSim,
  namespace: string,
  prefix: string,
  count: number,
  from = 0
): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (let i = from; i < from + count; i++) {
    const name = `${prefix}-${i}`
    loadBalancerService(kube, namespace, name, { addresses: [`10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`] })
    names.push(name)
  }
  return names
}

/** Names of the Avi objects of a type that this cluster owns (`<cluster>--` prefix). */
export const ownedAviNames = (cluster: E2eCluster, type: string): ReadonlyArray<string> =>
  cluster.avi.objects(type).map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))

/** The Avi objects an L4 Service gets from ako-ts (AKO's names, reference/ako-objects.md). */
export const l4ObjectNames = (namespace: string, name: string, port = 80) => ({
  virtualservice: `${CLUSTER}--${namespace}-${name}`,
  vsvip: `${CLUSTER}--${namespace}-${name}`,
  l4policyset: `${CLUSTER}--${namespace}-${name}`,
  pool: `${CLUSTER}--${namespace}-${name}-TCP-${port}`
})

/**
 * The differences between the Avi objects this cluster owns and the ones the given L4 Services should have, per
 * type: `missing` (desired, absent) and `orphans` (present, not desired). Empty lists mean equal.
 */
export const l4Drift = (cluster: E2eCluster, namespace: string, services: ReadonlyArray<string>) => {
  const out: Record<string, { missing: Array<string>; orphans: Array<string> }> = {}
  for (const type of ["virtualservice", "vsvip", "l4policyset", "pool"] as const) {
    const want = new Set(services.map((name) => l4ObjectNames(namespace, name)[type]))
    const have = ownedAviNames(cluster, type)
    const haveSet = new Set(have)
    out[type] = {
      missing: [...want].filter((name) => !haveSet.has(name)),
      // duplicates (same name twice) count as orphans too
      orphans: [
        ...have.filter((name) => !want.has(name)),
        ...have.filter((name, index) => have.indexOf(name) !== index)
      ]
    }
  }
  return out
}

export const noDrift = (drift: ReturnType<typeof l4Drift>) =>
  Object.values(drift).every((entry) => entry.missing.length === 0 && entry.orphans.length === 0)

/** Services (of `names`) without a VIP in their status. */
export const servicesWithoutVip = (kube: RunningKubeSim, namespace: string, names: ReadonlyArray<string>) =>
  names.filter((name) => serviceVips(kube, namespace, name).length === 0)

export interface WriteInterval {
  readonly replica: string
  readonly startMs: number
  readonly endMs: number
  readonly what: string
}

/** A replica's Avi writes as time intervals (an unfinished one ends now). */
export const aviWriteIntervals = (cluster: E2eCluster, replica: string): ReadonlyArray<WriteInterval> =>
  cluster.aviWritesOf(replica).map((entry) => ({
    replica,
    startMs: entry.startMs,
    endMs: entry.endMs ?? Date.now(),
    what: `${entry.method} ${entry.path} ${entry.status}${entry.aborted ? " aborted" : ""}`
  }))

/**
 * Pairs of overlapping Avi writes by different replicas: what "two writers at once" looks like in the request log.
 * Empty means the replicas' write intervals are disjoint.
 */
export const overlappingWrites = (
  cluster: E2eCluster,
  replicas: ReadonlyArray<string>
): ReadonlyArray<readonly [WriteInterval, WriteInterval]> => {
  const all = replicas.flatMap((replica) => aviWriteIntervals(cluster, replica)).sort((a, b) => a.startMs - b.startMs)
  const overlaps: Array<readonly [WriteInterval, WriteInterval]> = []
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length && all[j]!.startMs <= all[i]!.endMs; j++) {
      if (all[j]!.replica !== all[i]!.replica) overlaps.push([all[i]!, all[j]!])
    }
  }
  return overlaps
}

/** The replica's leader gauge (1 leads, 0 not), from its /metrics. */
export const isLeading = async (replica: Replica): Promise<boolean> =>
  (await replica.metric("ako_election_leader", { identity: replica.name })) === 1

/** Peak resident set size of a running process in bytes (Linux VmHWM), or undefined elsewhere. */
export const peakRss = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /VmHWM:\s+(\d+) kB/.exec(status)
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

/** A fresh cluster for one scenario, closed (replicas killed, simulators stopped) whatever the outcome. */
export const withCluster = async (body: (cluster: E2eCluster) => Promise<void>, options: ClusterOptions = {}) => {
  const cluster = await startCluster(options)
  try {
    await body(cluster)
  } finally {
    await cluster.close()
  }
}

/** Waits until every named Service in `apps` shows a VIP; the failure names the ones without. */
export const allHaveVips = (cluster: E2eCluster, names: ReadonlyArray<string>, timeoutMs = 30_000) =>
  waitFor(
    `VIPs on all ${names.length} Services`,
    () => servicesWithoutVip(cluster.kube, "apps", names).length === 0,
    timeoutMs,
    50,
    () => servicesWithoutVip(cluster.kube, "apps", names).length
  ).catch((error: Error) => {
    throw new Error(`${error.message}; without: ${servicesWithoutVip(cluster.kube, "apps", names).join(", ")}`)
  })

/** Waits until Avi holds exactly the L4 objects the named Services in `apps` want; the failure shows the drift. */
export const converged = (cluster: E2eCluster, names: ReadonlyArray<string>, timeoutMs = 30_000) =>
  waitFor(
    "Avi to hold exactly the desired objects",
    () => noDrift(l4Drift(cluster, "apps", names)),
    timeoutMs,
    50,
    () => l4Drift(cluster, "apps", names)
  ).catch(
    (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(l4Drift(cluster, "apps", names))}`)
    }
  )

/**
 * Replicas whose Avi request timeout is short, so the late-write repair pass (a full re-read and diff after the
 * previous leader's last possible write) comes within seconds.
 */
export const QUICK_REPAIR_ENV = { AKO_TS_AVI_REQUEST_TIMEOUT: "3 seconds" }

/**
 * Hands over from `first` (stopped gracefully) to a new replica `name`, and waits until it has taken over and run
 * its late-write repair pass: whatever it wrote by then, it wrote for the state it found.
 */
export const handOver = async (cluster: E2eCluster, first: Replica, name: string): Promise<Replica> => {
  await first.stop("SIGTERM")
  const second = await cluster.startReplica(name, QUICK_REPAIR_ENV)
  await waitFor("the takeover", () => second.messages().includes("takeover complete; serving the work queue"))
  await waitFor(
    "the late-write repair pass",
    () => second.messages().some((m) => m.startsWith("late-write repair pass"))
  )
  return second
}
