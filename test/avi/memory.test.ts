/**
 * The in-memory controller that other modules' tests use in place of the live client: it must keep the rules a
 * reconciler depends on, or those tests would pass against behaviour no controller has.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { AviClient, AviConflict, AviMemoryStore, AviRef } from "../../src/avi/index.js"

const layer = AviClient.layerTest()

describe("AviClient.layerTest", () => {
  it.effect("creates with <type>- uuids, resolves refs by name to URL#name, and refuses duplicate names", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const pool = yield* avi.create("pool", {
        name: "c1--pool",
        created_by: "ako-c1",
        cloud_ref: "/api/cloud?name=Default-Cloud"
      })
      expect(pool.uuid).toMatch(/^pool-/)
      expect(pool.cloud_ref).toMatch(/^https:\/\/avi\.test\/api\/cloud\/cloud-.*#Default-Cloud$/)
      expect(pool.tenant_ref).toBe("https://avi.test/api/tenant/admin#admin")
      const group = yield* avi.create("poolgroup", {
        name: "c1--pg",
        members: [{ pool_ref: AviRef.byName("pool", "c1--pool") }]
      })
      expect(Option.getOrThrow(AviRef.uuidOf(group.members![0]!.pool_ref))).toBe(pool.uuid)
      const duplicate = yield* Effect.flip(avi.create("pool", { name: "c1--pool" }))
      expect(duplicate).toBeInstanceOf(AviConflict)
      const missing = yield* Effect.flip(
        avi.create("poolgroup", { name: "pg2", members: [{ pool_ref: "/api/pool?name=nope" }] })
      )
      expect(missing).toMatchObject({ _tag: "AviNotFound", message: "Pool object not found!" })
      // Same name in another tenant is fine.
      yield* avi.withTenant("team-a").create("pool", { name: "c1--pool" })
    }).pipe(Effect.provide(layer)))

  it.effect("PUT with a stale _last_modified is 412; delete of a referenced object is refused, of a missing one is fine", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const pool = yield* avi.create("pool", { name: "p" })
      const first = yield* avi.update("pool", pool.uuid, { ...pool, enabled: false })
      expect(first._last_modified).not.toBe(pool._last_modified)
      const stale = yield* Effect.flip(avi.update("pool", pool.uuid, { ...pool, enabled: true }))
      expect(stale._tag).toBe("AviPreconditionFailed")
      yield* avi.create("poolgroup", { name: "pg", members: [{ pool_ref: AviRef.byName("pool", "p") }] })
      const refused = yield* Effect.flip(avi.delete("pool", pool.uuid))
      expect(refused).toMatchObject({
        _tag: "AviValidationError",
        message: "Cannot delete, object is referred by: ['PoolGroup pg']"
      })
      yield* avi.delete("pool", "pool-does-not-exist")
    }).pipe(Effect.provide(layer)))

  it.effect("allocates VIPs, keeps them across PUTs, fails with AviNoFreeIp when the range is spent", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const body = (name: string) => ({
        name,
        vip: [{
          vip_id: "0",
          auto_allocate_ip: true,
          ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
        }]
      })
      const a = yield* avi.create("vsvip", body("a"))
      const b = yield* avi.create("vsvip", body("b"))
      expect(a.vip?.[0]?.ip_address?.addr).toBe("10.1.0.1")
      expect(b.vip?.[0]?.ip_address?.addr).toBe("10.1.0.2")
      const again = yield* avi.update("vsvip", a.uuid, { ...body("a"), dns_info: [{ fqdn: "x.example" }] })
      expect(again.vip?.[0]?.ip_address?.addr).toBe("10.1.0.1")
      const none = yield* Effect.flip(avi.create("vsvip", body("c")))
      expect(none._tag).toBe("AviNoFreeIp")
      yield* avi.delete("vsvip", b.uuid)
      const c = yield* avi.create("vsvip", body("c"))
      expect(c.vip?.[0]?.ip_address?.addr).toBe("10.1.0.2")
    }).pipe(Effect.provide(AviClient.layerTest({ vipRange: { first: "10.1.0.1", size: 2 } }))))

  it.effect("lists by created_by, cloud_ref.name and tenant; parents list their SNI children", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const parent = yield* avi.create("virtualservice", {
        name: "c1--Shared-L7-0",
        type: "VS_TYPE_VH_PARENT",
        created_by: "ako-c1",
        cloud_ref: "/api/cloud?name=Default-Cloud"
      })
      yield* avi.create("virtualservice", {
        name: "c1--child",
        type: "VS_TYPE_VH_CHILD",
        created_by: "ako-c1",
        vh_parent_vs_ref: "/api/virtualservice/?name=c1--Shared-L7-0"
      })
      yield* avi.withTenant("team-a").create("virtualservice", { name: "c1--other", created_by: "ako-c1" })
      yield* avi.create("virtualservice", { name: "c2--vs", created_by: "ako-c2" })
      const mine = yield* avi.listAll("virtualservice", { created_by: "ako-c1" })
      expect(mine.map((vs) => vs.name).sort()).toEqual(["c1--Shared-L7-0", "c1--child"])
      const everywhere = yield* avi.listAll("virtualservice", { created_by: "ako-c1" }, { tenant: "*" })
      expect(everywhere).toHaveLength(3)
      const inCloud = yield* avi.listAll("virtualservice", { "cloud_ref.name": "Default-Cloud" })
      expect(inCloud.map((vs) => vs.name)).toEqual(["c1--Shared-L7-0"])
      const reread = yield* avi.get("virtualservice", parent.uuid)
      expect(reread.vh_child_vs_uuid).toHaveLength(1)
      // Shared admin objects are visible from other tenants.
      expect(Option.isSome(yield* avi.withTenant("team-a").findByName("cloud", "Default-Cloud"))).toBe(true)
    }).pipe(Effect.provide(layer)))

  it.effect("injected faults and latency: an interrupted write never lands, and the call log says so", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const store = yield* AviMemoryStore
      yield* store.failNext({
        method: "POST",
        type: "pool",
        error: new AviConflict({ method: "POST", path: "/api/pool", message: "x" })
      })
      expect((yield* Effect.flip(avi.create("pool", { name: "p" })))._tag).toBe("AviConflict")
      yield* store.setLatency("5 seconds")
      const fiber = yield* Effect.fork(avi.create("pool", { name: "p" }))
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      expect(yield* store.objects("pool")).toHaveLength(0)
      const calls = yield* store.calls
      expect(calls.map((call) => `${call.method} ${call.type} ${call.outcome}`)).toEqual([
        "POST pool AviConflict",
        "POST pool interrupted"
      ])
    }).pipe(Effect.provide(layer)))

  it.effect("answers the singletons AKO reads at boot", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      expect(yield* avi.request({ method: "GET", path: "/api/cluster/runtime" })).toMatchObject({
        cluster_state: { state: "CLUSTER_UP_NO_HA" }
      })
      expect(yield* avi.request({ method: "GET", path: "/api/systemconfiguration" })).toMatchObject({
        uuid: "default",
        default_license_tier: "ENTERPRISE"
      })
      const cloud = yield* avi.findByName("cloud", "Default-Cloud")
      const ipamName = Option.flatMap(cloud, (c) => AviRef.nameOf(c.ipam_provider_ref ?? ""))
      expect(Option.getOrThrow(ipamName)).toBe("ipam-internal")
    }).pipe(Effect.provide(layer)))

  it.effect("answers raw GETs of a collection (with filters) and of an object, as reference checks send them", () =>
    Effect.gen(function*() {
      const avi = yield* AviClient
      const found = yield* avi.request({
        method: "GET",
        path: "/api/serviceenginegroup",
        query: { name: "Default-Group", fields: "name,type,labels,created_by" }
      })
      expect(found).toMatchObject({ count: 1, results: [{ name: "Default-Group" }] })
      const elsewhere = yield* avi.request({
        method: "GET",
        path: "/api/serviceenginegroup/",
        query: { include_name: true, name: "Default-Group", "cloud_ref.name": "Other-Cloud" }
      })
      expect(elsewhere).toEqual({ count: 0, results: [] })
      const network = Option.getOrThrow(yield* avi.findByName("network", "vip-network"))
      const byUuid = yield* avi.request({
        method: "GET",
        path: `/api/network/${network.uuid}`,
        query: { cloud_uuid: "cloud-1" }
      })
      expect(byUuid).toMatchObject({ name: "vip-network", uuid: network.uuid })
      const missing = yield* Effect.flip(avi.request({ method: "GET", path: "/api/network/network-nope" }))
      expect(missing).toMatchObject({ _tag: "AviNotFound", message: "Network object not found!" })
    }).pipe(Effect.provide(layer)))
})

describe("AviRef", () => {
  it("parses every ref form the controller and AKO use", () => {
    expect(Option.getOrThrow(AviRef.parse("https://10.0.0.1:9443/api/pool/pool-1#c1--p"))).toEqual({
      type: "pool",
      uuid: "pool-1",
      name: "c1--p"
    })
    expect(Option.getOrThrow(AviRef.parse("/api/vsvip/?name=c1--v"))).toEqual({
      type: "vsvip",
      uuid: undefined,
      name: "c1--v"
    })
    expect(Option.getOrThrow(AviRef.parse("/api/cloud?name=Default-Cloud"))).toMatchObject({ name: "Default-Cloud" })
    expect(Option.getOrThrow(AviRef.parse("/api/network/network-9"))).toMatchObject({
      uuid: "network-9",
      name: undefined
    })
    expect(Option.isNone(AviRef.parse(""))).toBe(true)
    expect(Option.isNone(AviRef.parse("/api/pool"))).toBe(true)
    expect(AviRef.byName("pool", "a b")).toBe("/api/pool?name=a%20b")
    expect(Option.getOrThrow(AviRef.nameOf(AviRef.byName("pool", "a b")))).toBe("a b")
  })
})
