/**
 * Level 3: the reconciler with the real Avi client over HTTPS against the Avi simulator. Calls are counted from
 * the simulator's request log, so they are what a controller would see.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { generate } from "selfsigned"
import { AviClient } from "../../src/avi/index.js"
import type { WriteGuard } from "../../src/election/index.js"
import { CHECKSUM_FIELD } from "../../src/model/index.js"
import type { DesiredState } from "../../src/model/index.js"
import type { UnitResult } from "../../src/reconcile/index.js"
import { AviCache, reconcileUnit, takeover } from "../../src/reconcile/index.js"
import type { AviSim, AviSimRequestLogEntry } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"
import { aviIngressClass, clusterIpService, ingress, slice, tlsSecret } from "../model/fixtures/builders.js"
import { admitAll, cacheConfig, desiredOf, l4Service, merge, unitOf } from "./support.js"

const IDENTITY = "ako-ts/test reconcile-0"

const withSim = <A, E>(body: (sim: AviSim) => Effect.Effect<A, E, AviClient | AviCache | WriteGuard>) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim = yield* makeAviSim()
      const client = AviClient.layer({
        controller: `127.0.0.1:${sim.port}`,
        username: AVI_SIM_DEFAULT_USER,
        password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
        caData: sim.caPem,
        clientIdentity: IDENTITY,
        retryBase: "20 millis",
        requestTimeout: "10 seconds"
      })
      const layer = Layer.mergeAll(AviCache.layer(cacheConfig).pipe(Layer.provideMerge(client)), admitAll)
      return yield* Effect.provide(body(sim), layer)
    })
  )

const isObjectWrite = (entry: AviSimRequestLogEntry) =>
  entry.method !== "GET" && entry.objectType !== "login" && entry.objectType !== "logout"

const objectWrites = (sim: AviSim) =>
  sim.requestLog().filter(isObjectWrite).map((e) => `${e.method} ${e.objectType} ${e.status}`)

const opsOf = (result: UnitResult | undefined) =>
  (result?.applied ?? []).map((a) => `${a.operation.op} ${a.operation.type} ${a.operation.name}`)

const web = l4Service("red", "web", [{ port: 80 }, { port: 53, protocol: "UDP" }])
const api = l4Service("blue", "api", [{ port: 443 }])
const WEB = "admin/c1--red-web"

/** Seeds what AKO would have created for `desired`: same bodies, AKO's own checksum values. */
const seedAsAko = (sim: AviSim, desired: DesiredState) => {
  for (const unit of desired.values()) {
    for (const object of unit.objects) {
      const field = CHECKSUM_FIELD[object.type]
      sim.insert(object.type, field === undefined ? { ...object.body } : { ...object.body, [field]: "1876543210" })
    }
  }
}

describe("reconcile against the Avi simulator", () => {
  it.live("an L4 Service costs one POST per object; a steady state costs zero writes", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const desired = desiredOf(web.parts)
        const cache = yield* AviCache
        yield* cache.refresh
        sim.clearRequestLog()
        const result = yield* reconcileUnit(WEB, unitOf(desired, WEB))
        expect(result.outcome._tag).toBe("Synced")
        // VsVip, a pool per port, L4PolicySet, VS: 5 objects, 5 calls, and no reads in between.
        const log = sim.requestLog().filter((e) => e.objectType !== "login")
        expect(log.map((e) => `${e.method} ${e.objectType} ${e.status}`)).toEqual([
          "POST vsvip 201",
          "POST pool 201",
          "POST pool 201",
          "POST l4policyset 201",
          "POST virtualservice 201"
        ])
        expect(log.every((e) => e.clientIdentity === IDENTITY)).toBe(true)
        const vip = result.vips.get("c1--red-web")?.[0]
        expect(vip).toMatch(/^10\.50\./)
        expect(sim.findByName("vsvip", "c1--red-web")?.["vip"]).toMatchObject([{ ip_address: { addr: vip } }])

        sim.clearRequestLog()
        const again = yield* takeover(desired)
        expect([...again.units.values()].flatMap(opsOf)).toEqual([])
        expect(objectWrites(sim)).toEqual([])
        // The takeover re-listed every owned type (reads only, with tenant `*`).
        const lists = sim.requestLog().filter((e) => e.method === "GET")
        expect(new Set(lists.map((e) => e.objectType))).toEqual(
          new Set([
            "vsvip",
            "sslkeyandcertificate",
            "pkiprofile",
            "pool",
            "poolgroup",
            "stringgroup",
            "httppolicyset",
            "vsdatascriptset",
            "l4policyset",
            "virtualservice"
          ])
        )
        expect(lists.every((e) => e.tenant === "*")).toBe(true)
        expect(lists.find((e) => e.objectType === "pool")?.query).toContain("created_by=ako-c1")
      })
    ))

  it.live("objects AKO created are adopted with zero writes; stale ones go, shard VsVips stay", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const desired = desiredOf(merge(web.parts, api.parts))
        seedAsAko(sim, desired)
        sim.insert("pool", {
          name: "c1--gone-svc-TCP-80",
          created_by: "ako-c1",
          cloud_ref: "/api/cloud?name=Default-Cloud"
        })
        sim.insert("vsvip", { name: "c1--Shared-L7-2", cloud_ref: "/api/cloud?name=Default-Cloud" })
        sim.insert("pool", {
          name: "c2--other-TCP-80",
          created_by: "ako-c2",
          cloud_ref: "/api/cloud?name=Default-Cloud"
        })
        sim.clearRequestLog()
        const result = yield* takeover(desired)
        expect(opsOf(result.stale)).toEqual(["delete pool c1--gone-svc-TCP-80"])
        expect([...result.units.values()].flatMap(opsOf)).toEqual([])
        expect(objectWrites(sim)).toEqual(["DELETE pool 204"])
        expect(sim.findByName("vsvip", "c1--Shared-L7-2")).toBeDefined()
        expect(sim.findByName("pool", "c2--other-TCP-80")).toBeDefined()
      })
    ))

  it.live("a removed Service: everything deleted over HTTP in an order the controller accepts", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        yield* takeover(desiredOf(merge(web.parts, api.parts)))
        sim.clearRequestLog()
        const result = yield* takeover(desiredOf(api.parts))
        expect(result.units.get(WEB)?.outcome._tag).toBe("Synced")
        expect(objectWrites(sim)).toEqual([
          "DELETE virtualservice 204",
          "DELETE vsvip 204",
          "DELETE l4policyset 204",
          "DELETE pool 204",
          "DELETE pool 204"
        ])
        expect(sim.objects("pool").map((p) => p["name"])).toEqual(["c1--blue-api-TCP-443"])
      })
    ))

  it.live("a VS the previous leader created after our last refresh: the 409 is resolved by reading it", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const desired = desiredOf(web.parts)
        const cache = yield* AviCache
        yield* cache.refresh
        seedAsAko(sim, desired)
        sim.clearRequestLog()
        const result = yield* reconcileUnit(WEB, unitOf(desired, WEB))
        expect(result.outcome._tag).toBe("Synced")
        expect(result.applied.map((a) => a.result)).toEqual(["adopted", "adopted", "adopted", "adopted", "adopted"])
        expect(objectWrites(sim).every((w) => w.endsWith(" 409"))).toBe(true)
        expect(result.vsUuids.get("c1--red-web")).toBe(sim.findByName("virtualservice", "c1--red-web")?.["uuid"])
      })
    ))

  it.live("an Ingress shard: created, steady with zero writes, and deleted whole in an order the controller accepts", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
        const parts = {
          services: [web],
          endpointSlices: [slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1" }])],
          ingressClasses: [aviIngressClass("avi-lb")],
          ingresses: [
            ingress("default", "shop", [{ host: "app.example.com", paths: [{ path: "/", service: "web", port: 80 }] }])
          ]
        }
        const desired = desiredOf(parts)
        const created = yield* takeover(desired)
        expect(created.units.get("admin/c1--Shared-L7-3")?.outcome._tag).toBe("Synced")
        sim.clearRequestLog()
        const steady = yield* takeover(desired)
        expect([...steady.units.values()].flatMap(opsOf)).toEqual([])
        expect(objectWrites(sim)).toEqual([])
        const gone = yield* takeover(desiredOf({ ...parts, ingresses: [] }))
        expect(gone.units.get("admin/c1--Shared-L7-3")?.outcome._tag).toBe("Synced")
        expect(objectWrites(sim).every((w) => w.startsWith("DELETE") && w.endsWith(" 204"))).toBe(true)
        for (const type of ["virtualservice", "vsvip", "pool", "poolgroup", "vsdatascriptset"]) {
          expect(sim.objects(type).filter((o) => String(o["name"]).startsWith("c1--"))).toEqual([])
        }
      })
    ))

  it.live("a TLS host (SNI child, certificate): steady state writes nothing, and the child goes before its parent", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const pems = yield* Effect.promise(() =>
          generate([{ name: "commonName", value: "secure.example.com" }], { keyType: "ec", curve: "P-256" })
        )
        const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
        const rules = [{ host: "secure.example.com", paths: [{ path: "/", service: "web", port: 80 }] }]
        const parts = {
          services: [web],
          endpointSlices: [slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1" }])],
          ingressClasses: [aviIngressClass("avi-lb")],
          secrets: [tlsSecret("default", "tls", pems.cert, pems.private)],
          ingresses: [
            ingress("default", "secure", rules, { tls: [{ hosts: ["secure.example.com"], secretName: "tls" }] })
          ]
        }
        const desired = desiredOf(parts)
        const created = yield* takeover(desired)
        expect(created.units.get("admin/c1--Shared-L7-7")?.outcome).toEqual({ _tag: "Synced" })
        sim.clearRequestLog()
        const steady = yield* takeover(desired)
        expect([...steady.units.values()].flatMap(opsOf)).toEqual([])
        expect(objectWrites(sim)).toEqual([])
        const insecure = yield* takeover(desiredOf({ ...parts, ingresses: [ingress("default", "secure", rules)] }))
        const ops = opsOf(insecure.units.get("admin/c1--Shared-L7-7"))
        expect(insecure.units.get("admin/c1--Shared-L7-7")?.outcome).toEqual({ _tag: "Synced" })
        expect(ops.filter((op) => op.startsWith("delete"))[0]).toBe("delete virtualservice c1--secure.example.com")
        expect(sim.findByName("sslkeyandcertificate", "c1--secure.example.com")).toBeUndefined()
      })
    ))
})
