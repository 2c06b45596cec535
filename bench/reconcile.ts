/**
 * Takeover cost against the in-memory Avi controller: N L4 Services created from empty, then the same desired state
 * again (the steady state a new leader meets: a full refresh, every unit diffed, zero writes), then one pass of pure
 * planning over the cache. Measures the reconciler, not HTTP (see bench/avi-client.ts for that).
 */
import { Effect, Layer } from "effect"
import { AviClient, AviMemoryStore } from "../src/avi/index.js"
import { WriteGuard } from "../src/election/index.js"
import type { EndpointSlice, ModelSettings, Service } from "../src/model/index.js"
import { makeSnapshot, translate } from "../src/model/index.js"
import { AviCache, planUnit, takeover, unitView, wantedBy } from "../src/reconcile/index.js"
import { printReport } from "./_report.js"

const settings: ModelSettings = {
  clusterName: "c1",
  cloudName: "Default-Cloud",
  tenantName: "admin",
  serviceEngineGroupName: "Default-Group",
  vipNetworkList: [{ networkName: "vip-network", cidr: "10.50.0.0/16" }],
  shardVSSize: "LARGE",
  passthroughShardSize: "SMALL",
  serviceType: "ClusterIP",
  nodeKey: undefined,
  nodeValue: undefined,
  defaultDomain: undefined,
  autoFQDN: "disabled",
  defaultLBController: true,
  layer7Only: false,
  blockedNamespaceList: [],
  namespaceSyncLabelKey: undefined,
  namespaceSyncLabelValue: undefined,
  noPGForSNI: false,
  ipFamily: undefined,
  cniPlugin: undefined,
  dnsSubDomains: [],
  enterpriseLicense: true,
  akoNamespace: "avi-system"
}

const services = (count: number) => {
  const list: Array<Service> = []
  const slices: Array<EndpointSlice> = []
  for (let i = 0; i < count; i++) {
    const name = `svc${i}`
    list.push({
      metadata: { name, namespace: "bench" },
      spec: { type: "LoadBalancer", ports: [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }] }
    })
    slices.push({
      metadata: { name: `${name}-1`, namespace: "bench", labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      endpoints: [0, 1, 2].map((j) => ({
        addresses: [`10.${(i >> 8) & 255}.${i & 255}.${j + 1}`],
        conditions: { ready: true }
      }))
    })
  }
  return makeSnapshot({ services: list, endpointSlices: slices })
}

const admitAll = Layer.succeed(WriteGuard, { admit: (write) => write, check: Effect.void })

const seconds = (start: number) => (performance.now() - start) / 1000

const run = (count: number) =>
  Effect.gen(function*() {
    const desired = translate(services(count), settings).desired
    const store = yield* AviMemoryStore
    const cache = yield* AviCache
    let start = performance.now()
    yield* takeover(desired)
    const createSeconds = seconds(start)
    const createWrites = (yield* store.calls).filter((c) => c.method !== "GET").length
    yield* store.clearCalls
    start = performance.now()
    yield* takeover(desired)
    const steadySeconds = seconds(start)
    const steadyWrites = (yield* store.calls).filter((c) => c.method !== "GET").length
    start = performance.now()
    const others = wantedBy(desired)
    let planned = 0
    for (const [key, unit] of desired) planned += planUnit(unit, unitView(cache.view, key, others)).operations.length
    const planSeconds = seconds(start)
    return {
      services: count,
      objects: cache.view.objects().length,
      createSeconds,
      createWrites,
      steadyTakeoverSeconds: steadySeconds,
      steadyWrites,
      planAllUnitsMillis: planSeconds * 1000,
      plannedOps: planned
    }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        AviCache.layer({ clusterName: "c1", cloudName: "Default-Cloud" }).pipe(
          Layer.provideMerge(AviClient.layerTest({ vipRange: { first: "10.250.0.1", size: 60_000 } }))
        ),
        admitAll
      )
    )
  )

const rows = []
for (const count of [100, 500, 2000]) rows.push(await Effect.runPromise(run(count)))
printReport({ name: "reconcile-takeover", parameters: { portsPerService: 1, endpoints: 3, avi: "in-memory" }, rows })
