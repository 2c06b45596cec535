/**
 * Passive warm-up: how long a replica that joins a running cluster takes to hold everything (Kubernetes stores,
 * desired graph, owned Avi objects) and report ready, and its memory once warm. N LB Services are programmed into
 * Avi by a leader first; then a passive starts and is timed from spawn to `/readyz` 200 with every unit desired and
 * every virtual service cached. Once Avi holds everything the filling leader is killed and the bench holds the
 * Lease itself, so nothing else competes with the passive for CPU (on 2 cores that matters).
 *
 * Options (`--name value`, or env HA_BENCH_<NAME> with npm run bench): services (10000), workers (16, the
 * leader's, to fill Avi faster; not part of the measurement).
 */
import { NAMESPACE, numberArg, seedServices, startBenchCluster, waitFor, withStatus } from "./_ha-harness.js"
import { printReport } from "./_report.js"

const count = numberArg("services", 10_000)
const workers = numberArg("workers", 16)
const NS = "bench"

const cluster = await startBenchCluster({ requestLogLimit: 50_000 })
const names = seedServices(cluster.kube, NS, count)
const fillStarted = Date.now()
const filler = await cluster.startReplica("ako-a", { AKO_TS_WORKERS: String(workers) })
await waitFor("ako-a to lead", () => cluster.leaseHolder() === "ako-a", 30_000)
await waitFor(
  `${count} virtual services created`,
  async () =>
    (await filler.metric("ako_reconcile_operations_total", { type: "virtualservice", op: "create", result: "ok" })) ===
      count,
  600_000,
  500
)
const fillSeconds = (Date.now() - fillStarted) / 1000
// The filler would go on writing statuses (CPU the passive should have alone): stop it and hold the Lease from
// here, renewing it as a leader would, so the replica measured stays passive.
filler.child.kill("SIGKILL")
await filler.exited
const microTime = () => new Date().toISOString().replace("Z", "000Z")
const holdLease = () =>
  cluster.kube.apply({
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "ako-lease-lock", namespace: NAMESPACE },
    spec: {
      holderIdentity: "bench-holder",
      leaseDurationSeconds: 3,
      acquireTime: microTime(),
      renewTime: microTime(),
      leaseTransitions: 1
    }
  })
holdLease()
const renewer = setInterval(holdLease, 500)
const withVips = withStatus(cluster.kube, "v1/Service", NS, names)

const spawned = Date.now()
const passive = await cluster.startReplica("ako-b")
const healthyAt = Date.now()
let peak = 0
await waitFor(
  "the passive ready and warm",
  async () => {
    peak = Math.max(peak, passive.peakRssMiB() ?? 0)
    return (await passive.readyz()) === 200 &&
      (await passive.metric("ako_desired_units")) === count &&
      (await passive.metric("ako_avi_cache_objects", { type: "virtualservice" })) === count
  },
  600_000,
  50
)
const warmAt = Date.now()
const rssWarm = passive.rssMiB() ?? Number.NaN
// Settled memory: after a collection cycle or two; bounded wait, no busy loop.
await new Promise((resolve) => setTimeout(resolve, 5_000))
const rssSettled = passive.rssMiB() ?? Number.NaN
peak = Math.max(peak, passive.peakRssMiB() ?? 0)
const aviReads = cluster.aviRequestsOf("ako-b").filter((entry) => entry.method === "GET").length
const aviWrites =
  cluster.aviRequestsOf("ako-b").filter((entry) => entry.method !== "GET" && entry.objectType !== "login")
    .length
clearInterval(renewer)
await cluster.close()

printReport({
  name: "ha-warmup",
  parameters: {
    services: count,
    aviObjects: count * 4,
    kubernetesObjects: `${count} Services + ${count} EndpointSlices`,
    leaderFillSeconds: Math.round(fillSeconds),
    servicesWithVipAtStart: withVips,
    lease: "held by the bench (a foreign holder renewing every 500 ms)"
  },
  rows: [{
    "spawn to /healthz ms": healthyAt - spawned,
    "spawn to warm and ready ms": warmAt - spawned,
    "RSS when ready MiB": Math.round(rssWarm),
    "RSS 5 s later MiB": Math.round(rssSettled),
    "peak RSS MiB": Math.round(peak),
    "passive Avi reads": aviReads,
    "passive Avi writes": aviWrites
  }]
})
