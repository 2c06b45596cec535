/**
 * Level 2, Ingress on shared L7 shards: SNI children are created after their parent and deleted before it, and the
 * in-memory controller refuses to delete anything still referenced, so every passing delete order is a safe one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { AviMemoryStore, AviValidationError } from "../../src/avi/index.js"
import type { SnapshotParts } from "../../src/model/index.js"
import type { UnitResult } from "../../src/reconcile/index.js"
import {
  AviCache,
  cacheAddresses,
  desiredStatuses,
  reconcileUnit,
  statusUpToDate,
  takeover,
  VS_UUID_MAP_ANNOTATION
} from "../../src/reconcile/index.js"
import { aviIngressClass, clusterIpService, ingress, slice, tlsSecret } from "../model/fixtures/builders.js"
import { clearCalls, desiredOf, memoryLayer, writes } from "./support.js"

// app.example.com → LARGE shard 3; secure.example.com → shard 7.
const SHARD_3 = "admin/c1--Shared-L7-3"
const SHARD_7 = "admin/c1--Shared-L7-7"
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const shop = ingress("default", "shop", [{ host: "app.example.com", paths: [{ path: "/", service: "web", port: 80 }] }])
const secureRules = [{
  host: "secure.example.com",
  paths: [{ path: "/", service: "web", port: 80 }, { path: "/api", service: "web", port: 80 }]
}]
const secure = ingress("default", "secure", secureRules, {
  tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }]
})
const base: SnapshotParts = {
  services: [web],
  endpointSlices: [webSlice],
  ingressClasses: [aviIngressClass("avi-lb")],
  secrets: [tlsSecret("default", "secure-tls")]
}

const opsOf = (result: UnitResult | undefined) =>
  (result?.applied ?? []).map((a) => `${a.operation.op} ${a.operation.type} ${a.operation.name}`)

describe("Ingress shards", () => {
  it.effect("creates both shards, then a second pass writes nothing", () =>
    Effect.gen(function*() {
      const desired = desiredOf({ ...base, ingresses: [shop, secure] })
      expect([...desired.keys()]).toEqual([SHARD_3, SHARD_7])
      const first = yield* takeover(desired)
      expect([...first.units.values()].map((r) => r.outcome._tag)).toEqual(["Synced", "Synced"])
      const created = opsOf(first.units.get(SHARD_7))
      expect(created.indexOf("create virtualservice c1--Shared-L7-7")).toBeLessThan(
        created.indexOf("create virtualservice c1--secure.example.com")
      )
      expect(created.length).toBe(desired.get(SHARD_7)?.objects.length)
      yield* clearCalls
      const second = yield* takeover(desired)
      expect([...second.units.values()].flatMap(opsOf)).toEqual([])
      expect(yield* writes).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a pool Avi refused: the pool group goes without it, and gets it back once the pool is created", () =>
    Effect.gen(function*() {
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "POST",
        type: "pool",
        error: new AviValidationError({ method: "POST", path: "/api/pool", message: "no", objName: undefined })
      })
      const desired = desiredOf({ ...base, ingresses: [shop] })
      const first = yield* takeover(desired)
      expect(first.units.get(SHARD_3)?.outcome._tag).toBe("Failed")
      const group = (yield* store.objects("poolgroup"))[0]
      expect(group?.members ?? []).toEqual([])
      const second = yield* takeover(desired)
      expect(opsOf(second.units.get(SHARD_3))).toEqual([
        "create pool c1--app.example.com_-default-shop",
        "update poolgroup c1--Shared-L7-3"
      ])
      expect((yield* store.objects("poolgroup"))[0]?.members).toHaveLength(1)
      const third = yield* takeover(desired)
      expect(opsOf(third.units.get(SHARD_3))).toEqual([])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("a host that loses TLS: parent updated, then child VS, certificate, policy, pool groups, pools deleted", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf({ ...base, ingresses: [shop, secure] }))
      const insecure = ingress("default", "secure", secureRules)
      const desired = desiredOf({ ...base, ingresses: [shop, insecure] })
      const result = yield* reconcileUnit(SHARD_7, desired.get(SHARD_7))
      expect(result.problems).toEqual([])
      expect(result.outcome._tag).toBe("Synced")
      const ops = opsOf(result)
      const deletes = ops.filter((op) => op.startsWith("delete"))
      expect(deletes).toEqual([
        "delete virtualservice c1--secure.example.com",
        "delete sslkeyandcertificate c1--secure.example.com",
        "delete httppolicyset c1--Shared-L7-7",
        "delete httppolicyset c1--default-secure.example.com",
        "delete poolgroup c1--default-secure.example.com_-secure",
        "delete poolgroup c1--default-secure.example.com_api-secure",
        "delete pool c1--default-secure.example.com_-secure",
        "delete pool c1--default-secure.example.com_api-secure"
      ])
      expect(ops.indexOf("update virtualservice c1--Shared-L7-7")).toBeLessThan(ops.indexOf(deletes[0]!))
      const store = yield* AviMemoryStore
      expect((yield* store.objects("virtualservice")).map((v) => v.name).sort()).toEqual([
        "c1--Shared-L7-3",
        "c1--Shared-L7-7"
      ])
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("an Ingress deleted: its shard unit is deleted whole, the other shard untouched", () =>
    Effect.gen(function*() {
      yield* takeover(desiredOf({ ...base, ingresses: [shop, secure] }))
      yield* clearCalls
      const result = yield* reconcileUnit(SHARD_7, undefined)
      expect(result.outcome._tag).toBe("Synced")
      expect(opsOf(result).slice(0, 3)).toEqual([
        "delete virtualservice c1--secure.example.com",
        "delete virtualservice c1--Shared-L7-7",
        "delete vsvip c1--Shared-L7-7"
      ])
      const cache = yield* AviCache
      expect(cache.view.objects().every((o) => !o.name.includes("secure") && !o.name.includes("-L7-7"))).toBe(true)
      expect(cache.view.get("virtualservice", "admin", "c1--Shared-L7-3")).toBeDefined()
    }).pipe(Effect.provide(memoryLayer())))

  it.effect("Ingress status: a VIP entry per host, and the host → VS uuid map (the SNI child for a TLS host)", () =>
    Effect.gen(function*() {
      const both = ingress("default", "both", [
        { host: "app.example.com", paths: [{ path: "/", service: "web", port: 80 }] },
        ...secureRules
      ], { tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }] })
      const desired = desiredOf({ ...base, ingresses: [both] })
      yield* takeover(desired)
      const cache = yield* AviCache
      const statuses = desiredStatuses(desired.values(), cacheAddresses(cache.view), { controllerClusterUuid: "cl-1" })
      expect(statuses).toHaveLength(1)
      const status = statuses[0]!
      const vip3 = cache.view.get("vsvip", "admin", "c1--Shared-L7-3")!
      const vip7 = cache.view.get("vsvip", "admin", "c1--Shared-L7-7")!
      const ip = (v: typeof vip3) => ((v.body["vip"] as Array<{ ip_address: { addr: string } }>)[0]!).ip_address.addr
      expect(status.ingress).toEqual([
        { ip: ip(vip3), hostname: "app.example.com" },
        { ip: ip(vip7), hostname: "secure.example.com" }
      ])
      expect(JSON.parse(status.annotations[VS_UUID_MAP_ANNOTATION]!)).toEqual({
        "app.example.com": cache.view.get("virtualservice", "admin", "c1--Shared-L7-3")?.uuid,
        "secure.example.com": cache.view.get("virtualservice", "admin", "c1--secure.example.com")?.uuid
      })
      expect(status.annotations["ako.vmware.com/tenant-name"]).toBe("admin")
      const written = {
        metadata: { annotations: Object.fromEntries(Object.entries(status.annotations)) as Record<string, string> },
        status: { loadBalancer: { ingress: [...status.ingress].reverse() } }
      }
      expect(statusUpToDate(written, status)).toBe(true)
      expect(statusUpToDate({ ...written, status: { loadBalancer: { ingress: [status.ingress[0]!] } } }, status))
        .toBe(false)
    }).pipe(Effect.provide(memoryLayer())))
})
