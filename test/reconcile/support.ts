/** Shared fixtures for the reconcile tests: settings matching the Avi fakes, layers, call counting. */
import { Effect, Layer } from "effect"
import type { AviMemoryCall, AviMemoryOptions } from "../../src/avi/index.js"
import { AviClient, AviMemoryStore } from "../../src/avi/index.js"
import { NotLeader, WriteGuard } from "../../src/election/index.js"
import type { DesiredState, DesiredUnit, ModelSettings, Service } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import type { SnapshotParts } from "../../src/model/index.js"
import { AviCache } from "../../src/reconcile/index.js"
import { lbService, settings as modelSettings, slice } from "../model/fixtures/builders.js"

export const CLUSTER = "c1"

/** Model settings whose VIP network exists in both fakes (`vip-network`). */
export const testSettings = (overrides: Partial<ModelSettings> = {}): ModelSettings =>
  modelSettings({ vipNetworkList: [{ networkName: "vip-network", cidr: "10.50.0.0/16" }], ...overrides })

export const desiredOf = (parts: SnapshotParts, overrides: Partial<ModelSettings> = {}): DesiredState =>
  translate(makeSnapshot(parts), testSettings(overrides)).desired

export const unitOf = (desired: DesiredState, key: string): DesiredUnit => {
  const unit = desired.get(key)
  if (unit === undefined) throw new Error(`no unit ${key}`)
  return unit
}

/** An L4 Service with one ready endpoint per port, and its EndpointSlice. */
export const l4Service = (
  namespace: string,
  name: string,
  ports: ReadonlyArray<{ port: number; protocol?: string }>,
  endpoints: ReadonlyArray<string> = ["10.1.0.5"]
): { service: Service; parts: SnapshotParts } => {
  const service = lbService(
    namespace,
    name,
    ports.map((p) => ({ name: `p${p.port}`, port: p.port, protocol: p.protocol ?? "TCP", targetPort: p.port + 8000 }))
  )
  const endpointSlice = slice(
    namespace,
    name,
    `${name}-1`,
    ports.map((p) => ({ name: `p${p.port}`, port: p.port + 8000, protocol: p.protocol ?? "TCP" })),
    endpoints.map((ip) => ({ ip, ready: true, node: "n1" }))
  )
  return { service, parts: { services: [service], endpointSlices: [endpointSlice] } }
}

export const merge = (...parts: ReadonlyArray<SnapshotParts>): SnapshotParts => ({
  services: parts.flatMap((p) => [...(p.services ?? [])]),
  endpointSlices: parts.flatMap((p) => [...(p.endpointSlices ?? [])]),
  ingresses: parts.flatMap((p) => [...(p.ingresses ?? [])]),
  ingressClasses: parts.flatMap((p) => [...(p.ingressClasses ?? [])]),
  secrets: parts.flatMap((p) => [...(p.secrets ?? [])])
})

export const admitAll = Layer.succeed(WriteGuard, { admit: (write) => write, check: Effect.void })

export const refuseAll = Layer.succeed(WriteGuard, {
  admit: () => Effect.fail(new NotLeader({ reason: "lease lost" })),
  check: Effect.fail(new NotLeader({ reason: "lease lost" }))
})

export const cacheConfig = { clusterName: CLUSTER, cloudName: "Default-Cloud" }

/** In-memory Avi, the cache over it, and a WriteGuard (admitting by default). */
export const memoryLayer = (
  options: AviMemoryOptions = {},
  guard: Layer.Layer<WriteGuard> = admitAll
): Layer.Layer<AviClient | AviMemoryStore | AviCache | WriteGuard> => {
  const avi = AviClient.layerTest(options)
  return Layer.mergeAll(AviCache.layer(cacheConfig).pipe(Layer.provideMerge(avi)), guard)
}

export const isWrite = (call: AviMemoryCall) => call.method !== "GET"

/** Writes made through the client since the last `clearCalls`, as `METHOD type target`. */
export const writes = Effect.gen(function*() {
  const store = yield* AviMemoryStore
  return (yield* store.calls).filter(isWrite).map((call) => `${call.method} ${call.type} ${call.target}`)
})

/** Clears the call log after setup, so a test counts only what the step under test does. */
export const clearCalls = Effect.flatMap(AviMemoryStore, (store) => store.clearCalls)
