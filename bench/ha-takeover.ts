/**
 * Takeover latency with real processes: a leader and a warm passive over a few LB Services. Before each signal one
 * virtual service is deleted out of band (drift only a fresh leader's takeover pass finds), so the new leader has a
 * write to make; the time measured is from the signal to the start of that write in the Avi simulator's log, i.e.
 * to the first write the new leader's WriteGuard admitted. After SIGTERM the old leader releases the Lease and the
 * passive sees it on its watch; after SIGKILL the passive must wait out the lease (the floor safety imposes),
 * counted from the last renew it saw, which precedes the kill by up to one retryPeriod.
 * The dead replica is started again under the same name and becomes the next run's passive.
 *
 * Options (`--name value`, or env HA_BENCH_<NAME> with npm run bench): runs (SIGTERM runs, 20), kill-runs (10),
 * services (20).
 */
import { CLUSTER, median, numberArg, startBenchCluster, waitFor } from "./_ha-harness.js"
import type { BenchReplica } from "./_ha-harness.js"
import { seedServices } from "./_ha-harness.js"
import { percentile, printReport } from "./_report.js"

const termRuns = numberArg("runs", 20)
const killRuns = numberArg("kill-runs", 10)
const serviceCount = numberArg("services", 20)
const budgetMs = 4.5 * 60_000
const LEASE_DURATION_MS = 3_000
const NS = "bench"

const started = Date.now()
const cluster = await startBenchCluster()
const names = seedServices(cluster.kube, NS, serviceCount)
const vsName = `${CLUSTER}--${NS}-${names[0]}`

const ready = (replica: BenchReplica) =>
  waitFor(`${replica.name} ready`, async () => (await replica.readyz()) === 200, 60_000)

let leader = await cluster.startReplica("ako-a")
await waitFor("ako-a to lead", () => cluster.leaseHolder() === "ako-a", 30_000)
await waitFor(
  "every VS",
  () => names.every((name) => cluster.avi.findByName("virtualservice", `${CLUSTER}--${NS}-${name}`)),
  60_000
)
let passive = await cluster.startReplica("ako-b")
await ready(passive)

interface Sample {
  readonly firstWriteMs: number
  readonly acquiredMs: number
  /** From the end of the old leader's last renew (not its release) to the new leader's acquire request. */
  readonly sinceLastRenewMs: number
}

const oneRun = async (signal: "SIGTERM" | "SIGKILL"): Promise<Sample> => {
  const vs = cluster.avi.findByName("virtualservice", vsName)!
  cluster.avi.remove("virtualservice", String(vs["uuid"]))
  const signalled = Date.now()
  leader.child.kill(signal)
  const firstWrite = await waitFor(
    `${passive.name}'s first write`,
    () => cluster.aviWritesOf(passive.name).find((entry) => entry.startMs >= signalled),
    30_000,
    5
  )
  const acquired = cluster.kubeWritesOf(passive.name).find((entry) =>
    entry.resource === "leases" && entry.code === 200 && entry.startMs >= signalled
  )
  const lastRenew = cluster.kubeWritesOf(leader.name).filter((entry) =>
    entry.resource === "leases" && entry.code === 200 && entry.startMs < signalled
  ).at(-1)
  await leader.exited
  await waitFor("the VS to be back", () => cluster.avi.findByName("virtualservice", vsName), 30_000)
  const next = await cluster.startReplica(leader.name)
  leader = passive
  passive = next
  await ready(passive)
  return {
    firstWriteMs: firstWrite.startMs - signalled,
    acquiredMs: (acquired?.endMs ?? Number.NaN) - signalled,
    sinceLastRenewMs: (acquired?.startMs ?? Number.NaN) - (lastRenew?.endMs ?? Number.NaN)
  }
}

const runAll = async (signal: "SIGTERM" | "SIGKILL", count: number) => {
  const samples: Array<Sample> = []
  for (let i = 0; i < count && Date.now() - started < budgetMs; i++) samples.push(await oneRun(signal))
  return samples
}

const term = await runAll("SIGTERM", termRuns)
const kill = await runAll("SIGKILL", killRuns)
await cluster.close()

const row = (signal: string, samples: ReadonlyArray<Sample>, floor: number) => {
  const writes = samples.map((sample) => sample.firstWriteMs)
  const acquires = samples.map((sample) => sample.acquiredMs)
  return {
    signal,
    runs: samples.length,
    "first write median ms": median(writes),
    "first write p95 ms": percentile(writes, 95),
    "first write min ms": Math.min(...writes),
    "first write max ms": Math.max(...writes),
    "lease acquired median ms": median(acquires),
    "acquire after old leader's last renew, min ms": Math.min(...samples.map((sample) => sample.sinceLastRenewMs)),
    "floor ms": floor
  }
}

printReport({
  name: "ha-takeover",
  parameters: {
    services: serviceCount,
    leaseDuration: "3s",
    renewDeadline: "2s",
    retryPeriod: "500ms",
    measured: "signal to the start of the new leader's first Avi write (simulator log)",
    floor: "SIGTERM: none (release + watch); SIGKILL: leaseDuration after the last renew the passive saw"
  },
  rows: [row("SIGTERM", term, 0), row("SIGKILL", kill, LEASE_DURATION_MS)]
})
