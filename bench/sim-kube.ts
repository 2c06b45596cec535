/**
 * Kubernetes API simulator throughput: a list of 10,000 objects (whole and paged, through client-node and raw
 * HTTPS), and watch fan-out of a burst of changes to 10 client-node watchers. Server and clients share one process.
 */
import * as k8s from "@kubernetes/client-node"
import * as https from "node:https"
import { startKubeSim } from "../src/sim/kube/index.js"
import { type Cell, percentile, printReport } from "./_report.js"

const OBJECTS = 10_000
const LIST_ROUNDS = 10
const WATCHERS = 10
const EVENTS = 5_000
const TIME_LIMIT_MS = 60_000

const sim = await startKubeSim({ watchWindow: EVENTS * 2 })
const kc = new k8s.KubeConfig()
kc.loadFromString(sim.kubeconfig())
const core = kc.makeApiClient(k8s.CoreV1Api)
sim.ensureNamespace("bench")
for (let i = 0; i < OBJECTS; i++) {
  sim.create({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `cm-${String(i).padStart(5, "0")}`, namespace: "bench", labels: { app: `a${i % 10}` } },
    data: { index: String(i), payload: "x".repeat(64) }
  })
}

const rawList = (path: string): Promise<number> =>
  new Promise((resolve, reject) => {
    https.get(
      new URL(path, sim.url),
      { ca: sim.caPem, headers: { authorization: `Bearer ${sim.adminToken}` } },
      (res) => {
        let bytes = 0
        res.on("data", (chunk: Buffer) => (bytes += chunk.length))
        res.on("end", () => resolve(bytes))
        res.on("error", reject)
      }
    ).on("error", reject)
  })

const rows: Array<Record<string, Cell>> = []
const deadline = Date.now() + TIME_LIMIT_MS

const measure = async (name: string, run: () => Promise<number>) => {
  const samples: Array<number> = []
  let items = 0
  for (let i = 0; i < LIST_ROUNDS && Date.now() < deadline; i++) {
    const start = performance.now()
    items = await run()
    samples.push(performance.now() - start)
  }
  const p50 = percentile(samples, 50)
  rows.push({
    case: name,
    rounds: samples.length,
    items,
    p50_ms: p50,
    p95_ms: percentile(samples, 95),
    objects_per_s: Math.round((items / p50) * 1000)
  })
}

await measure(
  "list 10k, client-node",
  async () => (await core.listNamespacedConfigMap({ namespace: "bench" })).items.length
)
await measure("list 10k, raw HTTPS", async () => {
  await rawList("/api/v1/namespaces/bench/configmaps")
  return OBJECTS
})
await measure("list 10k, client-node, limit=500 pages", async () => {
  let token: string | undefined
  let count = 0
  do {
    const page = await core.listNamespacedConfigMap({
      namespace: "bench",
      limit: 500,
      ...(token ? { _continue: token } : {})
    })
    count += page.items.length
    token = page.metadata?._continue
  } while (token)
  return count
})
await measure(
  "list 1k of 10k by label, client-node",
  async () => (await core.listNamespacedConfigMap({ namespace: "bench", labelSelector: "app=a3" })).items.length
)

// Watch fan-out: every watcher must see every change.
const received = new Array<number>(WATCHERS).fill(0)
const start = String(sim.resourceVersion())
const controllers: Array<AbortController> = []
for (let w = 0; w < WATCHERS; w++) {
  controllers.push(
    await new k8s.Watch(kc).watch(
      "/api/v1/namespaces/bench/configmaps",
      { resourceVersion: start },
      () => void (received[w] = received[w]! + 1),
      () => undefined
    )
  )
}
while (sim.openWatches() < WATCHERS) await new Promise((resolve) => setTimeout(resolve, 5))
const fanStart = performance.now()
for (let i = 0; i < EVENTS; i++) {
  const name = `cm-${String(i % OBJECTS).padStart(5, "0")}`
  const current = sim.get("v1/ConfigMap", "bench", name)!
  sim.apply({ ...current, data: { index: String(i), payload: "y".repeat(64), round: String(i) } })
  // Yield now and then so sockets drain while the writer runs, as with a real stream of API writes.
  if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve))
}
const writesDone = performance.now()
while (received.some((n) => n < EVENTS) && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 2))
}
const fanMs = performance.now() - fanStart
for (const controller of controllers) controller.abort()
const delivered = received.reduce((a, b) => a + b, 0)
rows.push({
  case: `watch fan-out ${EVENTS} changes to ${WATCHERS} watchers`,
  rounds: 1,
  items: delivered,
  p50_ms: fanMs,
  p95_ms: fanMs,
  objects_per_s: Math.round((delivered / fanMs) * 1000),
  write_ms: writesDone - fanStart,
  complete: delivered === EVENTS * WATCHERS
})

printReport({
  name: "sim-kube",
  parameters: { objects: OBJECTS, listRounds: LIST_ROUNDS, watchers: WATCHERS, events: EVENTS, tls: true },
  rows
})
await sim.close()
