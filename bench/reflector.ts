/**
 * Reflector cost against the Kubernetes simulator over loopback HTTPS with the real client-node: time to list N
 * Services in pages of 500 until ready, heap held by the store, and how long the store takes to catch up with a
 * burst of updates applied on the server.
 */
import { Effect, Ref, Stream } from "effect"
import { KubeClient, kubeClientFromString, kubeListWatchSource, makeReflector, Resources } from "../src/k8s/index.js"
import type { RunningKubeSim } from "../src/sim/kube/index.js"
import { startKubeSim } from "../src/sim/kube/index.js"
import { printReport } from "./_report.js"
import type { Cell } from "./_report.js"

const sizes = [1_000, 10_000, 30_000]
const burst = 2_000
const rows: Array<Record<string, Cell>> = []

const fullLists = (sim: RunningKubeSim) =>
  sim.requestLog().filter((e) => e.verb === "list" && e.query.continue === undefined).length

const heapMiB = () => {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc !== undefined) gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const measure = (sim: RunningKubeSim, size: number) =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const before = heapMiB()
    const reflector = yield* makeReflector({
      kind: "Service",
      schema: Resources.Service,
      pageSize: 500,
      source: kubeListWatchSource(client, "/api/v1/services")
    })
    const seen = yield* Ref.make(0)
    yield* reflector.changes.pipe(Stream.runForEach(() => Ref.update(seen, (n) => n + 1)), Effect.forkScoped)
    const started = performance.now()
    yield* Effect.forkScoped(reflector.run)
    yield* reflector.ready
    const listMs = performance.now() - started
    const storeMiB = heapMiB() - before
    // let the subscriber drain the keys the list published before counting the burst
    while ((yield* Ref.get(seen)) < size) yield* Effect.sleep("5 millis")
    yield* Ref.set(seen, 0)
    const count = Math.min(burst, size)
    const burstStarted = performance.now()
    for (let i = 0; i < count; i++) {
      sim.apply({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}` },
        spec: { type: "LoadBalancer", ports: [{ port: 81 + i, protocol: "TCP" }] }
      })
    }
    // done when the store holds every final version (a watcher that falls behind may be expired and relist)
    const caughtUp = Effect.map(reflector.snapshot, (store) => {
      for (let i = 0; i < count; i++) {
        if (store.get(`ns-${i % 50}/svc-${i}`)?.spec?.ports?.[0]?.port !== 81 + i) return false
      }
      return true
    })
    const deadline = performance.now() + 60_000
    while (!(yield* caughtUp) && performance.now() < deadline) yield* Effect.sleep("5 millis")
    const catchUpMs = performance.now() - burstStarted
    return {
      objects: size,
      list_ms: Math.round(listMs),
      listed_per_s: Math.round(size / (listMs / 1000)),
      store_heap_mib: Number(storeMiB.toFixed(1)),
      burst: count,
      catch_up_ms: Math.round(catchUpMs),
      changed_keys_seen: yield* Ref.get(seen),
      relists: fullLists(sim) - 1
    }
  })

for (const size of sizes) {
  const sim = await startKubeSim({ watchWindow: 10_000 })
  try {
    for (let i = 0; i < size; i++) {
      sim.create({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `svc-${i}`, namespace: `ns-${i % 50}`, labels: { app: `app-${i % 100}` } },
        spec: { type: "LoadBalancer", ports: [{ port: 80, protocol: "TCP", targetPort: 8080 }] }
      })
    }
    rows.push(
      await Effect.runPromise(
        Effect.scoped(measure(sim, size)).pipe(Effect.provide(kubeClientFromString(sim.kubeconfig())))
      )
    )
  } finally {
    await sim.close()
  }
}

printReport({ name: "reflector", parameters: { pageSize: 500, transport: "https loopback", burst }, rows })
