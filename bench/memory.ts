/**
 * Memory of `ako-ts run` as a separate process (RSS from /proc/<pid>/status), beside what VMware's AKO 2.2.1 used
 * on the same simulators (issue 19): idle with caches synced and nothing to do; peak while 200 LB Services are
 * programmed; and at 10,000 LB Services (40,000 Avi objects) for the leader that programmed them and for a passive
 * that joins afterwards. "Idle" and "settled" are read after a bounded pause once the condition holds, long enough
 * for a replica's heap trim (src/app/heap-trim.ts: it looks every 10 s and needs a quiet interval) to have had its
 * chance; the RSS at the moment the condition held is printed beside it ("at once"). A benchmark, not a test, so the
 * pause is a measurement window, not a wait.
 *
 * Options (`--name value`, or env HA_BENCH_<NAME>): services (200), large (10000; 0 skips the large rows),
 * settle-ms (25000), workers (16, for filling Avi at the large size), churn-seconds (30; 0 skips the churn rows),
 * churn-period-ms (100).
 *
 * After the memory rows, at the large size, a second table: the CPU one endpoint change costs the leader and the
 * passive. Every churn-period-ms one random Service's EndpointSlice gets a new address (one unit recomputed, one pool
 * PUT by the leader); the CPU of the window, less what each replica spends idle over as long, divided by the changes.
 * A change must cost the same at 10 Services as at 10,000: anything proportional to the cluster shows here.
 */
import { numberArg, seedServices, startBenchCluster, waitFor, withStatus } from "./_ha-harness.js"
import type { BenchCluster, BenchReplica } from "./_ha-harness.js"
import { printReport } from "./_report.js"

const services = numberArg("services", 200)
const large = numberArg("large", 10_000)
const settleMs = numberArg("settle-ms", 25_000)
const workers = numberArg("workers", 16)
const churnSeconds = numberArg("churn-seconds", 30)
const churnPeriodMs = numberArg("churn-period-ms", 100)
const NS = "bench"

const settle = () => new Promise((resolve) => setTimeout(resolve, settleMs))
const mib = (value: number | undefined) => (value === undefined ? null : Math.round(value))

const warm = (replica: BenchReplica, units: number) =>
  waitFor(
    `${replica.name} ready with ${units} units`,
    // a busy replica may drop a probe connection now and then: that is "not yet", not a failed benchmark
    async () =>
      (await replica.readyz().catch(() => 0)) === 200 &&
      (await replica.metric("ako_desired_units").catch(() => undefined)) === units,
    600_000,
    50
  )

const rows: Array<Record<string, string | number | null>> = []
const churnRows: Array<Record<string, string | number | null>> = []

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))
const poolUpdates = async (replica: BenchReplica) =>
  (await replica.metric("ako_reconcile_operations_total", { type: "pool", op: "update", result: "ok" })
    .catch(() => undefined)) ?? 0

/** CPU seconds per wall second of each replica over `millis`. */
const cpuRates = async (replicas: ReadonlyArray<BenchReplica>, millis: number) => {
  const before = replicas.map((replica) => replica.cpuSeconds() ?? Number.NaN)
  const started = Date.now()
  await pause(millis)
  const seconds = (Date.now() - started) / 1000
  return replicas.map((replica, i) => ((replica.cpuSeconds() ?? Number.NaN) - before[i]!) / seconds)
}

const endpointChurn = async (cluster: BenchCluster, leader: BenchReplica, passive: BenchReplica, size: number) => {
  const replicas = [leader, passive]
  const idle = await cpuRates(replicas, 20_000)
  const updatesBefore = await poolUpdates(leader)
  const before = replicas.map((replica) => replica.cpuSeconds() ?? Number.NaN)
  const started = Date.now()
  let changes = 0
  const timer = setInterval(() => {
    const i = Math.floor(Math.random() * size)
    changes++
    const name = `svc-${i}`
    cluster.kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-slice`, namespace: NS, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: [`10.9.${changes % 250}.${(changes >> 8) % 250 + 1}`], conditions: { ready: true } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }]
    })
  }, churnPeriodMs)
  await pause(churnSeconds * 1000)
  clearInterval(timer)
  // A Service changed twice within one batch is one PUT: the updates can fall short of the changes, never exceed them.
  const updates = await waitFor(
    "the leader's pool updates to stop",
    async () => {
      const first = await poolUpdates(leader)
      await pause(2000)
      const second = await poolUpdates(leader)
      return first === second ? second - updatesBefore : undefined
    },
    120_000,
    0
  )
  const seconds = (Date.now() - started) / 1000
  replicas.forEach((replica, i) => {
    const busy = ((replica.cpuSeconds() ?? Number.NaN) - before[i]!) / seconds
    churnRows.push({
      replica: replica === leader ? "leader" : "passive",
      Services: size,
      changes,
      "pool PUTs": replica === leader ? updates : 0,
      "idle cores": Number(idle[i]!.toFixed(3)),
      "churn cores": Number(busy.toFixed(3)),
      "ms CPU per change": Number((((busy - idle[i]!) * seconds * 1000) / changes).toFixed(1))
    })
  })
}

// Idle, then 200 Services on the same leader.
{
  const cluster = await startBenchCluster()
  const leader = await cluster.startReplica("ako-0")
  await waitFor("the lease", () => cluster.leaseHolder() === "ako-0", 30_000)
  await warm(leader, 0)
  await waitFor("the takeover pass", async () => ((await leader.metric("ako_takeovers_total")) ?? 0) >= 1, 60_000)
  const idleAtOnce = leader.rssMiB()
  await settle()
  rows.push({
    what: "RSS idle, caches synced",
    "AKO 2.2.1 MiB": 56,
    "at once MiB": mib(idleAtOnce),
    "ako-ts MiB": mib(leader.rssMiB()),
    "target MiB": 100,
    "peak so far MiB": mib(leader.peakRssMiB())
  })
  const started = Date.now()
  const names = seedServices(cluster.kube, NS, services)
  await waitFor(
    `VIPs on ${services} Services`,
    () => withStatus(cluster.kube, "v1/Service", NS, names) === services,
    300_000,
    50
  )
  const seconds = (Date.now() - started) / 1000
  rows.push({
    what: `peak RSS with ${services} LB Services (all VIPs in ${seconds.toFixed(1)} s; AKO 31-32 s)`,
    "AKO 2.2.1 MiB": services === 200 ? 68 : null,
    "at once MiB": null,
    "ako-ts MiB": mib(leader.peakRssMiB()),
    "target MiB": 130,
    "peak so far MiB": mib(leader.peakRssMiB())
  })
  await cluster.close()
}

if (large > 0) {
  const cluster = await startBenchCluster({ requestLogLimit: 50_000 })
  seedServices(cluster.kube, NS, large)
  const fillStarted = Date.now()
  const leader = await cluster.startReplica("ako-a", { AKO_TS_WORKERS: String(workers) })
  await waitFor("ako-a to lead", () => cluster.leaseHolder() === "ako-a", 30_000)
  await waitFor(
    `${large} virtual services created`,
    async () =>
      (await leader.metric("ako_reconcile_operations_total", {
        type: "virtualservice",
        op: "create",
        result: "ok"
      })) ===
        large,
    1_200_000,
    500
  )
  const fillSeconds = (Date.now() - fillStarted) / 1000
  const passive = await cluster.startReplica("ako-b")
  await warm(passive, large)
  await waitFor(
    "the passive's Avi cache",
    async () =>
      (await passive.metric("ako_avi_cache_objects", { type: "virtualservice" }).catch(() => undefined)) === large,
    600_000,
    50
  )
  // The leader's last step of taking over, a request timeout (60 s) after it: Avi re-read and every unit through the
  // queue once more (late-write repair, src/app/active.ts), its third cache refresh after start-up's and the pass's.
  await waitFor(
    "the leader's late-write repair pass",
    async () => ((await leader.metric("ako_avi_cache_refresh_duration_seconds_count")) ?? 0) >= 3,
    300_000,
    500
  )
  const leaderAtOnce = leader.rssMiB()
  const passiveAtOnce = passive.rssMiB()
  await settle()
  rows.push({
    what: `${large} LB Services (${large * 4} Avi objects), leader (filled Avi in ${fillSeconds.toFixed(0)} s)`,
    "AKO 2.2.1 MiB": null,
    "at once MiB": mib(leaderAtOnce),
    "ako-ts MiB": mib(leader.rssMiB()),
    "target MiB": 300,
    "peak so far MiB": mib(leader.peakRssMiB())
  })
  rows.push({
    what: `${large} LB Services (${large * 4} Avi objects), passive`,
    "AKO 2.2.1 MiB": null,
    "at once MiB": mib(passiveAtOnce),
    "ako-ts MiB": mib(passive.rssMiB()),
    "target MiB": 300,
    "peak so far MiB": mib(passive.peakRssMiB())
  })
  if (churnSeconds > 0) await endpointChurn(cluster, leader, passive, large)
  await cluster.close()
}

printReport({
  name: "memory",
  parameters: {
    services,
    large,
    settleMs,
    measured: "VmRSS / VmHWM of the `ako-ts run` process, one controller at a time except the passive row; " +
      "\"at once\" when the row's condition held, \"ako-ts\" settle-ms later",
    ako: "AKO 2.2.1 on the same simulators and a real kube-apiserver, shared 2-core machine (issue 19)"
  },
  rows
})

if (churnRows.length > 0) {
  printReport({
    name: "endpoint-churn",
    parameters: {
      services: large,
      churnSeconds,
      churnPeriodMs,
      measured: "user + system CPU of each `ako-ts run` process (/proc/<pid>/stat) from the first change until the " +
        "leader's pool PUTs stop, less its idle rate over 20 s before, per change"
    },
    rows: churnRows
  })
}
