/**
 * Bulk sync from empty with real processes: one `ako-ts run` leader, N LB Services (one run) and N Ingress hosts
 * (another run) already in the Kubernetes simulator, an empty Avi simulator answering every request after a
 * simulated latency. Measures wall time until every object has its address in its status, Avi calls per object
 * (writes and reads apart) and the controller's peak RSS.
 *
 * Options (`--name value`, or env HA_BENCH_<NAME> with npm run bench): services (1000), hosts (1000),
 * latency-ms (5), workers (8).
 */
import type { RunningKubeSim } from "../src/sim/kube/index.js"
import { isAviWrite, numberArg, seedServices, startBenchCluster, waitFor, withStatus } from "./_ha-harness.js"
import type { BenchCluster } from "./_ha-harness.js"
import { printReport } from "./_report.js"

const services = numberArg("services", 1000)
const hosts = numberArg("hosts", 1000)
const latencyMs = numberArg("latency-ms", 5)
const workers = numberArg("workers", 8)
const NS = "bench"
const BACKENDS = 20

const seedIngresses = (kube: RunningKubeSim, count: number) => {
  kube.ensureNamespace(NS)
  kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "avi-lb" },
    spec: { controller: "ako.vmware.com/avi-lb" }
  })
  for (let b = 0; b < BACKENDS; b++) {
    const name = `web-${b}`
    kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: NS },
      spec: { type: "ClusterIP", selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: 8080 }] }
    })
    kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-slice`, namespace: NS, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: [`10.2.0.${b + 1}`], conditions: { ready: true } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }]
    })
  }
  const names: Array<string> = []
  for (let i = 0; i < count; i++) {
    const name = `ing-${i}`
    names.push(name)
    kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace: NS },
      spec: {
        ingressClassName: "avi-lb",
        rules: [{
          host: `host-${i}.bench.example.com`,
          http: {
            paths: [{
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: `web-${i % BACKENDS}`, port: { number: 80 } } }
            }]
          }
        }]
      }
    })
  }
  return names
}

const measure = async (
  label: string,
  objects: number,
  seed: (cluster: BenchCluster) => { readonly ref: string; readonly names: ReadonlyArray<string> }
) => {
  const cluster = await startBenchCluster()
  const { names, ref } = seed(cluster)
  cluster.avi.faults.latency(latencyMs)
  const spawned = Date.now()
  const replica = await cluster.startReplica("ako-0", { AKO_TS_WORKERS: String(workers) })
  await waitFor("the lease", () => cluster.leaseHolder() === "ako-0", 30_000)
  const led = Date.now()
  let peak = 0
  await waitFor(
    `status on ${objects} objects`,
    () => {
      peak = Math.max(peak, replica.peakRssMiB() ?? 0)
      return withStatus(cluster.kube, ref, NS, names) === objects
    },
    300_000,
    100
  )
  const done = Date.now()
  const calls = cluster.aviRequestsOf("ako-0")
  const writes = calls.filter(isAviWrite)
  const row = {
    objects: label,
    count: objects,
    "wall s (process start)": (done - spawned) / 1000,
    "wall s (lease acquired)": (done - led) / 1000,
    "Avi writes / object": writes.length / objects,
    "Avi reads / object": calls.filter((entry) => entry.method === "GET").length / objects,
    "Avi calls": calls.length,
    "peak RSS MiB": Math.round(Math.max(peak, replica.peakRssMiB() ?? 0))
  }
  await cluster.close()
  return row
}

const rows = [
  await measure("LB Services", services, (cluster) => ({
    ref: "v1/Service",
    names: seedServices(cluster.kube, NS, services)
  })),
  await measure("Ingress hosts", hosts, (cluster) => ({
    ref: "networking.k8s.io/v1/Ingress",
    names: seedIngresses(cluster.kube, hosts)
  }))
]

printReport({
  name: "ha-bulk-sync",
  parameters: {
    services,
    hosts,
    aviLatencyMs: latencyMs,
    workers,
    shardVSSize: "SMALL",
    ingressBackends: BACKENDS,
    from: "empty Avi; objects already in Kubernetes when the controller starts"
  },
  rows
})
