/**
 * The live client over real HTTP(S) against the Avi simulator (level 3): login, CRUD of every type the controller
 * writes, pagination, session loss, 5xx bursts, typed 409/412, and interruption cutting the request on the wire.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Metric, Option, Redacted, Schedule, Tracer } from "effect"
import type { Duration } from "effect"
import { generate } from "selfsigned"
import type { AviClientConfig } from "../../src/avi/index.js"
import type { AviObjectType } from "../../src/avi/index.js"
import { AviClient, AviMetrics, AviRef, AviTypes } from "../../src/avi/index.js"
import type { AviSim, AviSimOptions, AviSimRequestLogEntry } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"

const IDENTITY = "ako-ts/test sim-client-0"

const configFor = (sim: AviSim, overrides: Partial<AviClientConfig> = {}): AviClientConfig => ({
  // host:port without scheme: the client defaults to HTTPS and verifies the simulator's certificate.
  controller: `127.0.0.1:${sim.port}`,
  username: AVI_SIM_DEFAULT_USER,
  password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
  caData: sim.caPem,
  clientIdentity: IDENTITY,
  retryBase: "20 millis",
  requestTimeout: "10 seconds",
  ...overrides
})

const withSim = <A, E>(
  body: (sim: AviSim) => Effect.Effect<A, E, AviClient>,
  options: {
    readonly sim?: AviSimOptions
    readonly client?: Partial<AviClientConfig> | ((sim: AviSim) => Partial<AviClientConfig>)
  } = {}
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim = yield* makeAviSim(options.sim)
      const overrides = typeof options.client === "function" ? options.client(sim) : options.client
      return yield* Effect.provide(body(sim), AviClient.layer(configFor(sim, overrides)))
    })
  )

/** Polls a condition on the simulator with a deadline (no fixed sleeps). */
const waitUntil = (what: string, condition: () => boolean, deadline: Duration.DurationInput = "5 seconds") =>
  Effect.suspend(() => condition() ? Effect.void : Effect.fail("not yet" as const)).pipe(
    Effect.retry({ schedule: Schedule.spaced("10 millis") }),
    Effect.timeoutFail({ duration: deadline, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

const apiLog = (sim: AviSim, predicate: (entry: AviSimRequestLogEntry) => boolean = () => true) =>
  sim.requestLog().filter(predicate)

const CLUSTER = "c1"
const CREATED_BY = `ako-${CLUSTER}`
const markers = [{ key: "clustername", values: [CLUSTER] }]

describe("AviClient against the simulator", () => {
  it.live("logs in over verified HTTPS, detects the version, and every request carries the client identity", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        expect(yield* avi.version).toBe(sim.controllerVersion)
        const cloud = yield* avi.findByName("cloud", "Default-Cloud")
        expect(Option.map(cloud, (c) => c.vtype)).toEqual(Option.some("CLOUD_NONE"))
        const ipam = Option.flatMap(cloud, (c) => AviRef.nameOf(c.ipam_provider_ref ?? ""))
        expect(Option.isSome(ipam)).toBe(true)
        const runtime = yield* avi.request({ method: "GET", path: "/api/cluster/runtime" })
        expect(runtime).toMatchObject({ cluster_state: { state: "CLUSTER_UP_NO_HA" } })
        const cloudGets = AviMetrics.requestsTotal.pipe(
          Metric.tagged("method", "GET"),
          Metric.tagged("type", "cloud"),
          Metric.tagged("status", "200")
        )
        const latency = AviMetrics.requestDuration.pipe(Metric.tagged("method", "GET"), Metric.tagged("type", "cloud"))
        const [countBefore, latencyBefore] = [
          (yield* Metric.value(cloudGets)).count,
          (yield* Metric.value(latency)).count
        ]
        yield* avi.listAll("cloud")
        expect((yield* Metric.value(cloudGets)).count - countBefore).toBe(1)
        expect((yield* Metric.value(latency)).count - latencyBefore).toBe(1)
        const log = apiLog(sim)
        expect(log.map((e) => e.path).slice(0, 2)).toEqual(["/login", "/api/initial-data"])
        expect(log.every((e) => e.clientIdentity === IDENTITY)).toBe(true)
        expect(log.filter((e) => e.path === "/login")).toHaveLength(1)
        expect(
          log.filter((e) => e.path !== "/login" && e.path !== "/api/initial-data").every((e) => e.user === "admin")
        )
          .toBe(true)
      })
    ))

  it.live("decodes every object the simulator seeds, for every type the client knows", () =>
    withSim(() =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        const counts: Record<string, number> = {}
        for (const type of Object.keys(AviTypes) as Array<AviObjectType>) {
          counts[type] = (yield* avi.listAll(type, {}, { tenant: "*" })).length
        }
        for (
          const type of ["tenant", "cloud", "network", "vrfcontext", "serviceenginegroup", "ipamdnsproviderprofile"]
        ) {
          expect(counts[type], type).toBeGreaterThan(0)
        }
        const system = yield* avi.get("systemconfiguration", "default")
        expect(system.default_license_tier).toBeDefined()
      })
    ))

  it.live(
    "creates, reads, updates, patches, lists and deletes every type the controller writes",
    () =>
      withSim(() =>
        Effect.gen(function*() {
          const avi = yield* AviClient
          const pems = yield* Effect.promise(() =>
            generate([{ name: "commonName", value: "shop.example" }], { keyType: "ec", curve: "P-256" })
          )
          const common = { created_by: CREATED_BY, markers }
          const vsvip = yield* avi.create("vsvip", {
            name: `${CLUSTER}--shop`,
            markers,
            cloud_ref: AviRef.byName("cloud", "Default-Cloud"),
            vrf_context_ref: AviRef.byName("vrfcontext", "global"),
            east_west_placement: false,
            vsvip_cloud_config_cksum: "1",
            dns_info: [{ fqdn: "shop.example" }],
            vip: [{
              vip_id: "0",
              auto_allocate_ip: true,
              ipam_network_subnet: { network_ref: AviRef.byName("network", "vip-network") }
            }]
          })
          expect(vsvip.uuid).toMatch(/^vsvip-/)
          expect(vsvip.url).toMatch(new RegExp(`/api/vsvip/${vsvip.uuid}#${CLUSTER}--shop$`))
          expect(vsvip.vip?.[0]?.ip_address?.addr).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
          const cert = yield* avi.create("sslkeyandcertificate", {
            name: `${CLUSTER}--shop-cert`,
            ...common,
            type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
            certificate: { certificate: pems.cert },
            key: pems.private
          })
          expect(cert.certificate?.subject?.common_name).toBe("shop.example")
          const pool = yield* avi.create("pool", {
            name: `${CLUSTER}--shop-pool`,
            ...common,
            cloud_config_cksum: "11",
            cloud_ref: AviRef.byName("cloud", "Default-Cloud"),
            vrf_ref: AviRef.byName("vrfcontext", "global"),
            servers: [{
              ip: { addr: "10.1.1.1", type: "V4" },
              port: 8080,
              external_uuid: "10.1.1.1:8080",
              enabled: true
            }],
            health_monitor_refs: [AviRef.byName("healthmonitor", "System-TCP")]
          })
          expect(pool.created_by).toBe(CREATED_BY)
          expect(pool.cloud_config_cksum).toBe("11")
          const group = yield* avi.create("poolgroup", {
            name: `${CLUSTER}--shop-pg`,
            ...common,
            cloud_config_cksum: "12",
            members: [{ pool_ref: AviRef.byName("pool", pool.name), ratio: 100 }]
          })
          expect(Option.getOrThrow(AviRef.uuidOf(group.members![0]!.pool_ref))).toBe(pool.uuid)
          expect(Option.getOrThrow(AviRef.nameOf(group.members![0]!.pool_ref))).toBe(pool.name)
          const httpPolicy = yield* avi.create("httppolicyset", {
            name: `${CLUSTER}--shop-httppolicy`,
            ...common,
            cloud_config_cksum: "13",
            http_request_policy: {
              rules: [{
                name: `${CLUSTER}--shop-httppolicy-0`,
                index: 0,
                enable: true,
                match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/"] } },
                switching_action: {
                  action: "HTTP_SWITCHING_SELECT_POOLGROUP",
                  pool_group_ref: AviRef.byName("poolgroup", group.name)
                }
              }]
            }
          })
          const l4Policy = yield* avi.create("l4policyset", {
            name: `${CLUSTER}--shop-l4`,
            ...common,
            l4_connection_policy: {
              rules: [{
                name: AviRef.byName("pool", pool.name),
                index: 0,
                match: {
                  port: { match_criteria: "IS_IN", ports: [443] },
                  protocol: { match_criteria: "IS_IN", protocol: "PROTOCOL_TCP" }
                },
                action: {
                  select_pool: { action_type: "L4_RULE_ACTION_SELECT_POOL", pool_ref: AviRef.byName("pool", pool.name) }
                }
              }]
            }
          })
          const script = yield* avi.create("vsdatascriptset", {
            name: `${CLUSTER}--shop-ds`,
            ...common,
            datascript: [{ evt: "VS_DATASCRIPT_EVT_HTTP_REQ", script: "avi.vs.log('hi')" }],
            pool_group_refs: [AviRef.byName("poolgroup", group.name)]
          })
          const vs = yield* avi.create("virtualservice", {
            name: `${CLUSTER}--shop`,
            ...common,
            cloud_config_cksum: "14",
            cloud_ref: AviRef.byName("cloud", "Default-Cloud"),
            se_group_ref: AviRef.byName("serviceenginegroup", "Default-Group"),
            vrf_context_ref: AviRef.byName("vrfcontext", "global"),
            vsvip_ref: AviRef.byName("vsvip", vsvip.name),
            application_profile_ref: AviRef.byName("applicationprofile", "System-Secure-HTTP"),
            network_profile_ref: AviRef.byName("networkprofile", "System-TCP-Proxy"),
            services: [{ port: 80 }, { port: 443, enable_ssl: true }],
            ssl_key_and_certificate_refs: [AviRef.byName("sslkeyandcertificate", cert.name)],
            http_policies: [{ index: 11, http_policy_set_ref: AviRef.byName("httppolicyset", httpPolicy.name) }],
            vs_datascripts: [{ index: 0, vs_datascript_set_ref: AviRef.byName("vsdatascriptset", script.name) }],
            error_page_profile_ref: "",
            service_metadata: "{\"namespace_svc_name\":[\"default/shop\"]}"
          })
          expect(vs.service_metadata).toBe("{\"namespace_svc_name\":[\"default/shop\"]}")
          expect(Option.getOrThrow(AviRef.uuidOf(vs.vsvip_ref ?? ""))).toBe(vsvip.uuid)
          // l4policyset on its own VS (an L4 VS carries l4_policies, not http policies).
          const l4vs = yield* avi.create("virtualservice", {
            name: `${CLUSTER}--shop-l4`,
            ...common,
            vsvip_ref: AviRef.byName("vsvip", vsvip.name),
            services: [{ port: 443 }],
            application_profile_ref: AviRef.byName("applicationprofile", "System-L4-Application"),
            l4_policies: [{ index: 0, l4_policy_set_ref: AviRef.byName("l4policyset", l4Policy.name) }]
          })

          // Reads: by uuid, by name, and as a filtered collection.
          const written = [
            ["vsvip", vsvip],
            ["sslkeyandcertificate", cert],
            ["pool", pool],
            ["poolgroup", group],
            ["httppolicyset", httpPolicy],
            ["l4policyset", l4Policy],
            ["vsdatascriptset", script],
            ["virtualservice", vs],
            ["virtualservice", l4vs]
          ] as const
          for (const [type, object] of written) {
            const byUuid = yield* avi.get(type, object.uuid)
            expect(byUuid.name).toBe(object.name)
            const byName = yield* avi.findByName(type, object.name)
            expect(Option.map(byName, (o) => o.uuid)).toEqual(Option.some(object.uuid))
          }
          const mine = yield* avi.listAll("pool", {
            created_by: CREATED_BY,
            "cloud_ref.name": "Default-Cloud"
          })
          expect(mine.map((p) => p.uuid)).toEqual([pool.uuid])

          // Read-modify-write PUT keeps everything the controller filled in, and moves _last_modified.
          const reread = yield* avi.get("vsvip", vsvip.uuid)
          const updated = yield* avi.update("vsvip", vsvip.uuid, { ...reread, dns_info: [{ fqdn: "shop2.example" }] })
          expect(updated.dns_info).toEqual([{ fqdn: "shop2.example" }])
          expect(updated.vip?.[0]?.ip_address?.addr).toBe(vsvip.vip?.[0]?.ip_address?.addr)
          expect(updated._last_modified).not.toBe(reread._last_modified)
          const patched = yield* avi.patch("pool", pool.uuid, "add", {
            servers: [{ ip: { addr: "10.1.1.2", type: "V4" }, port: 8080 }]
          })
          expect(patched.servers?.map((s) => s.ip.addr)).toEqual(["10.1.1.1", "10.1.1.2"])

          // Deletes in AKO's order; a second delete of the same object is a no-op.
          const order = [
            ["virtualservice", l4vs],
            ["virtualservice", vs],
            ["vsvip", vsvip],
            ["vsdatascriptset", script],
            ["sslkeyandcertificate", cert],
            ["httppolicyset", httpPolicy],
            ["l4policyset", l4Policy],
            ["poolgroup", group],
            ["pool", pool]
          ] as const
          for (const [type, object] of order) {
            yield* avi.delete(type, object.uuid)
            const gone = yield* Effect.flip(avi.get(type, object.uuid))
            expect(gone._tag).toBe("AviNotFound")
            yield* avi.delete(type, object.uuid)
          }
        })
      ),
    30_000
  )

  it.live("lists 1,000 objects by following next page by page", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        for (let i = 0; i < 1000; i++) {
          sim.insert("pool", { name: `${CLUSTER}--pool-${String(i).padStart(4, "0")}`, created_by: CREATED_BY })
        }
        sim.insert("pool", { name: "someone-else", created_by: "ako-other" })
        sim.clearRequestLog()
        const avi = yield* AviClient
        const pools = yield* avi.listAll("pool", { created_by: CREATED_BY })
        expect(pools).toHaveLength(1000)
        expect(new Set(pools.map((p) => p.uuid)).size).toBe(1000)
        expect(pools.every((p) => p.created_by === CREATED_BY)).toBe(true)
        const pages = apiLog(sim, (e) => e.path === "/api/pool" && e.method === "GET")
        expect(pages).toHaveLength(10)
        expect(pages.every((e) => e.query.includes("created_by=ako-c1"))).toBe(true)
      })
    ), 30_000)

  it.live("recovers from a session lost mid-run (401, then 419) with one re-login each", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.findByName("cloud", "Default-Cloud")
        const relogins = (yield* Metric.value(AviMetrics.reloginsTotal)).count
        sim.faults.expireSessions()
        const afterExpiry = yield* Effect.all(
          [avi.listAll("tenant"), avi.listAll("cloud"), avi.listAll("network"), avi.listAll("vrfcontext")],
          { concurrency: "unbounded" }
        )
        expect(afterExpiry.every((list) => list.length > 0)).toBe(true)
        expect(apiLog(sim, (e) => e.path === "/login")).toHaveLength(2)
        expect(apiLog(sim, (e) => e.status === 401).length).toBeGreaterThanOrEqual(1)
        sim.faults.status419(1)
        yield* avi.listAll("serviceenginegroup")
        expect(apiLog(sim, (e) => e.status === 419)).toHaveLength(1)
        expect(apiLog(sim, (e) => e.path === "/login")).toHaveLength(3)
        expect((yield* Metric.value(AviMetrics.reloginsTotal)).count - relogins).toBe(2)
      })
    ))

  it.live("a session that idled past the controller's api_idle_timeout is renewed by one re-login", () => {
    let now = Date.now()
    return withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.listAll("tenant")
        now += 16 * 60_000
        yield* avi.listAll("tenant")
        const tenantGets = apiLog(sim, (e) => e.path === "/api/tenant").map((e) => e.status)
        expect(tenantGets).toEqual([200, 401, 200])
        expect(apiLog(sim, (e) => e.path === "/login")).toHaveLength(2)
      }), { sim: { clock: () => now, sessionIdleTimeoutMs: 15 * 60_000 } })
  })

  it.live("rides out a 503 burst within the retry budget", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.version
        sim.clearRequestLog()
        sim.faults.errorRate(1, 503)
        const fiber = yield* Effect.fork(avi.findByName("cloud", "Default-Cloud"))
        yield* waitUntil("two refused attempts", () => apiLog(sim, (e) => e.status === 503).length >= 2)
        sim.faults.clear()
        const cloud = yield* Fiber.join(fiber)
        expect(Option.isSome(cloud)).toBe(true)
        const attempts = apiLog(sim, (e) => e.path === "/api/cloud")
        expect(attempts.length).toBeGreaterThanOrEqual(3)
        expect(attempts.length).toBeLessThanOrEqual(4)
        expect(attempts.at(-1)?.status).toBe(200)
      }), { client: { retries: 3, retryBase: "100 millis" } }))

  it.live("gives up on a persistent 503 after the retry budget, and does not retry 500", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.version
        sim.clearRequestLog()
        sim.faults.errorRate(1, 503)
        const unavailable = yield* Effect.flip(avi.findByName("cloud", "Default-Cloud"))
        expect(unavailable).toMatchObject({ _tag: "AviUnavailable", status: 503, attempts: 3 })
        expect(apiLog(sim, (e) => e.path === "/api/cloud")).toHaveLength(3)
        sim.clearRequestLog()
        sim.faults.errorRate(1, 500)
        const failed = yield* Effect.flip(avi.findByName("cloud", "Default-Cloud"))
        expect(failed).toMatchObject({ _tag: "AviUnavailable", status: 500, attempts: 1 })
        expect(apiLog(sim, (e) => e.path === "/api/cloud")).toHaveLength(1)
      }), { client: { retries: 2 } }))

  it.live("logs in with a user token, and scopes objects by tenant", () =>
    Effect.gen(function*() {
      const token = yield* withSim((sim) =>
        Effect.gen(function*() {
          const avi = yield* AviClient
          const created = yield* avi.request({ method: "POST", path: "/api/user-token", body: { hours: "240" } })
          const value = (created as { token?: unknown }).token
          expect(typeof value).toBe("string")
          const tokenClient = AviClient.layer(configFor(sim, {
            password: undefined,
            authToken: Redacted.make(String(value)),
            clientIdentity: "token-client"
          }))
          yield* Effect.gen(function*() {
            const viaToken = yield* AviClient
            yield* viaToken.create("tenant", { name: "team-a" })
            const teamA = viaToken.withTenant("team-a")
            const pool = yield* teamA.create("pool", { name: `${CLUSTER}--tenant-pool`, created_by: CREATED_BY })
            expect(Option.getOrThrow(AviRef.nameOf(pool.tenant_ref ?? ""))).toBe("team-a")
            expect(yield* viaToken.listAll("pool", { created_by: CREATED_BY })).toHaveLength(0)
            expect(yield* teamA.listAll("pool", { created_by: CREATED_BY })).toHaveLength(1)
            expect(yield* viaToken.listAll("pool", { created_by: CREATED_BY }, { tenant: "*" })).toHaveLength(1)
          }).pipe(Effect.provide(tokenClient))
          const tokenLogins = apiLog(sim, (e) => e.path === "/login" && e.clientIdentity === "token-client")
          expect(tokenLogins.map((e) => e.status)).toEqual([200])
          return value
        })
      )
      expect(token).toBeDefined()
    }))

  it.live("surfaces 409 and 412 as typed errors", () =>
    withSim(() =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        const pool = yield* avi.create("pool", { name: `${CLUSTER}--dup`, created_by: CREATED_BY })
        const conflict = yield* Effect.flip(avi.create("pool", { name: `${CLUSTER}--dup`, created_by: CREATED_BY }))
        expect(conflict._tag).toBe("AviConflict")
        expect(conflict.message).toContain("already exists")
        yield* avi.update("pool", pool.uuid, { ...pool, enabled: false })
        const stale = yield* Effect.flip(avi.update("pool", pool.uuid, { ...pool, enabled: true }))
        expect(stale._tag).toBe("AviPreconditionFailed")
        const current = yield* avi.get("pool", pool.uuid)
        expect(current.enabled).toBe(false)
      })
    ))

  it.live("interrupting a call cuts the HTTP request: the simulator logs it as aborted", () =>
    withSim(
      (sim) =>
        Effect.gen(function*() {
          const avi = yield* AviClient
          const pool = yield* avi.create("pool", { name: `${CLUSTER}--slow`, created_by: CREATED_BY })
          sim.faults.latency(30_000, { path: `/api/pool/${pool.uuid}`, method: "PUT" })
          const fiber = yield* Effect.fork(avi.update("pool", pool.uuid, { ...pool, enabled: false }))
          const inFlight = (e: AviSimRequestLogEntry) => e.method === "PUT" && e.path === `/api/pool/${pool.uuid}`
          yield* waitUntil("the PUT to reach the simulator", () => apiLog(sim, inFlight).length === 1)
          const started = Date.now()
          yield* Fiber.interrupt(fiber)
          expect(Date.now() - started).toBeLessThan(1000)
          yield* waitUntil("the simulator to see the connection cut", () => apiLog(sim, inFlight)[0]?.aborted === true)
          expect(apiLog(sim, inFlight)[0]?.status).toBe(0)
          sim.faults.clear()
          // The write never landed, and the client still works.
          expect((yield* avi.get("pool", pool.uuid)).enabled).not.toBe(false)
        }), // Asserts the cut PUT never lands, which only a dropping simulator guarantees (fencing: issue 13 item 6).
      { sim: { abortedRequests: "drop" } }
    ))

  it.live("interrupting while the body is still arriving cuts the connection too", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.version
        sim.faults.slowBody(30_000)
        const fiber = yield* Effect.fork(avi.listAll("cloud"))
        const slow = (e: AviSimRequestLogEntry) => e.method === "GET" && e.path === "/api/cloud"
        yield* waitUntil("the response headers to be sent", () => apiLog(sim, slow)[0]?.status === 200)
        yield* Fiber.interrupt(fiber)
        yield* waitUntil("the simulator to see the connection cut", () => apiLog(sim, slow)[0]?.aborted === true)
        sim.faults.clear()
        expect((yield* avi.listAll("cloud")).length).toBeGreaterThan(0)
      })
    ))

  it.live("a request not answered within requestTimeout fails as AviUnavailable(timeout) and is cut", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.version
        sim.faults.latency(30_000, { path: "/api/pool", method: "POST" })
        const started = Date.now()
        const error = yield* Effect.flip(avi.create("pool", { name: `${CLUSTER}--stuck`, created_by: CREATED_BY }))
        expect(error).toMatchObject({ _tag: "AviUnavailable", reason: "timeout", attempts: 1 })
        expect(error.message).toContain("no answer within")
        expect(Date.now() - started).toBeLessThan(10_000)
        const stuck = (e: AviSimRequestLogEntry) => e.method === "POST" && e.path === "/api/pool"
        yield* waitUntil("the simulator to see the connection cut", () => apiLog(sim, stuck)[0]?.aborted === true)
        sim.faults.clear()
        expect(Option.isNone(yield* avi.findByName("pool", `${CLUSTER}--stuck`))).toBe(true)
      }), { sim: { abortedRequests: "drop" }, client: { requestTimeout: "300 millis", retries: 0 } }))

  it.live("a connection reset before the answer is retried, and a body with non-ASCII text arrives whole", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const avi = yield* AviClient
        yield* avi.version
        sim.clearRequestLog()
        sim.faults.resetConnections(1)
        const description = "Zürich – 東京 ✓"
        const pool = yield* avi.create("pool", { name: `${CLUSTER}--reset`, created_by: CREATED_BY, description })
        expect(pool.description).toBe(description)
        expect((yield* avi.get("pool", pool.uuid)).description).toBe(description)
        expect(apiLog(sim, (e) => e.method === "POST" && e.path === "/api/pool").length).toBe(2)
      }), { client: { retries: 2 } }))

  it.live("tracing: true gives each exchange a client span with its status, and no header in it", () =>
    Effect.gen(function*() {
      const spans: Array<Tracer.Span> = []
      const native = yield* Effect.tracer
      const recording = Tracer.make({
        span: (...args) => {
          const span = native.span(...args)
          spans.push(span)
          return span
        },
        context: (f, fiber) => native.context(f, fiber)
      })
      yield* withSim(() => Effect.flatMap(AviClient, (avi) => avi.findByName("tenant", "admin")), {
        client: { tracing: true }
      }).pipe(Effect.withTracer(recording))
      const exchanges = spans.filter((span) => span.name.startsWith("http.client"))
      expect(exchanges.map((span) => span.name)).toEqual(
        expect.arrayContaining(["http.client POST", "http.client GET"])
      )
      expect(exchanges.find((span) => span.name === "http.client GET")?.attributes.get("http.response.status_code"))
        .toBe(200)
      // no header is recorded at all, so neither the session cookie nor the CSRF token can leak into a span
      const recorded = exchanges.flatMap((span) =>
        [...span.attributes.entries()].map(([key, value]) => `${key}=${value}`)
      )
      expect(recorded.filter((entry) => /cookie|csrf|sessionid|password/i.test(entry))).toEqual([])
    }))

  it.live("speaks plain HTTP when the controller is given as an http:// URL", () =>
    withSim((sim) =>
      Effect.flatMap(AviClient, (avi) => avi.findByName("tenant", "admin")).pipe(
        Effect.map((tenant) => {
          expect(sim.url.startsWith("http://")).toBe(true)
          expect(Option.map(tenant, (t) => t.uuid)).toEqual(Option.some("admin"))
        })
      ), { sim: { http: true }, client: (sim) => ({ controller: sim.url }) }))

  it.live("without a CA (insecure, as AKO) it still talks HTTPS; with the wrong CA it refuses", () =>
    Effect.gen(function*() {
      const insecure = yield* withSim(() => Effect.flatMap(AviClient, (avi) => avi.version), {
        client: { caData: undefined }
      })
      expect(insecure).toMatch(/^\d+\.\d+\.\d+$/)
      const other = yield* Effect.promise(() =>
        generate([{ name: "commonName", value: "other-ca" }], { keyType: "ec" })
      )
      const refused = yield* Effect.flip(
        withSim(() => Effect.flatMap(AviClient, (avi) => avi.version), { client: { caData: other.cert, retries: 0 } })
      )
      expect(refused).toMatchObject({ _tag: "AviUnavailable", reason: "transport" })
    }))
})
