/**
 * What a new leader does when nothing changed: N LB Services already programmed by the old leader, a warm passive,
 * then the leader leaves (SIGTERM, then SIGKILL of the next one). Counts the new leader's Avi calls (reads and writes
 * apart) and Kubernetes object writes from the signal until its takeover pass completes. Target: zero writes.
 *
 * Options (`--name value`, or env HA_BENCH_<NAME> with npm run bench): services (1000).
 */
import { NAMESPACE, numberArg, seedServices, startBenchCluster, waitFor, withStatus } from "./_ha-harness.js"
import type { BenchReplica } from "./_ha-harness.js"
import { printReport } from "./_report.js"

const count = numberArg("services", 1000)
const NS = "bench"

const cluster = await startBenchCluster({ config: { retryPeriod: "500ms" } })
const names = seedServices(cluster.kube, NS, count)

const warm = (replica: BenchReplica) =>
  waitFor(`${replica.name} warm`, async () =>
    (await replica.readyz()) === 200 &&
    (await replica.metric("ako_avi_cache_objects", { type: "virtualservice" })) === count &&
    (await replica.metric("ako_desired_units")) === count, 180_000)

const first = await cluster.startReplica("ako-a")
await waitFor("ako-a to lead", () => cluster.leaseHolder() === "ako-a", 30_000)
await waitFor(`VIPs on ${count} Services`, () => withStatus(cluster.kube, "v1/Service", NS, names) === count, 300_000)
const second = await cluster.startReplica("ako-b")
await warm(second)

const handOver = async (from: BenchReplica, to: BenchReplica, signal: "SIGTERM" | "SIGKILL") => {
  const signalled = Date.now()
  from.child.kill(signal)
  await waitFor(`${to.name}'s takeover`, async () => ((await to.metric("ako_takeovers_total")) ?? 0) >= 1, 120_000)
  const doneAt = Date.now()
  const calls = cluster.aviRequestsOf(to.name).filter((entry) => entry.startMs >= signalled && entry.startMs <= doneAt)
  const writes = calls.filter((entry) => entry.method !== "GET" && entry.objectType !== "login")
  const kubeWrites = cluster.kubeWritesOf(to.name).filter((entry) =>
    entry.startMs >= signalled && entry.resource !== "leases" && entry.resource !== "events"
  )
  return {
    signal,
    objects: count,
    "Avi reads": calls.filter((entry) => entry.method === "GET").length,
    "Avi writes": writes.length,
    "Avi logins": calls.filter((entry) => entry.objectType === "login").length,
    "Kubernetes object writes": kubeWrites.length,
    "takeover pass s": (await to.metric("ako_takeover_duration_seconds")) ?? Number.NaN,
    "signal to takeover done ms": doneAt - signalled
  }
}

const rows = [await handOver(first, second, "SIGTERM")]
await first.exited
const third = await cluster.startReplica("ako-a")
await warm(third)
rows.push(await handOver(second, third, "SIGKILL"))
await cluster.close()

printReport({
  name: "ha-takeover-work",
  parameters: {
    objects: `${count} LB Services (4 Avi objects each), unchanged`,
    namespace: NAMESPACE,
    leaseDuration: "3s",
    counted: "the new leader's calls from the signal until ako_takeovers_total increments (polled)"
  },
  rows
})
