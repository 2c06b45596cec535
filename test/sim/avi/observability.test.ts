import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { waitFor as waitForCondition } from "../../support/process.js"
import { AviSession, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim

beforeAll(async () => {
  sim = await startAviSim({ http: true })
})
afterAll(() => sim.close())
afterEach(() => sim.faults.clear())

/** The shared deadline-scaled wait, with the probe first as these tests read it. */
const waitFor = <A>(probe: () => A | undefined | false, what: string, timeoutMs = 5000): Promise<A> =>
  waitForCondition(what, probe, timeoutMs, 10)

const session = async () => {
  const s = new AviSession(sim)
  expect((await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
  return s
}

describe("request log and counters", () => {
  it("records method, normalised path, query, tenant, type, status, user, client identity and times", async () => {
    sim.clearRequestLog()
    const s = await session()
    await s.get("//api/pool/?include_name=&name=x", { "X-Avi-UserAgent": "AKO", "X-Avi-Tenant": "*" })
    await s.post("/api/pool", { name: "logged" }, { "X-Avi-UserAgent": "AKO" })
    const log = sim.requestLog()
    expect(log.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      "POST /login 200",
      "GET /api/pool 200",
      "POST /api/pool 201"
    ])
    expect(log[1]).toMatchObject({
      query: "include_name=&name=x",
      tenant: "*",
      objectType: "pool",
      user: "admin",
      clientIdentity: "AKO",
      aborted: false
    })
    expect(log[0]!.user).toBe("admin")
    expect(log[0]!.clientIdentity).toBeUndefined()
    expect(log[2]!.tenant).toBe("admin")
    for (const e of log) {
      expect(e.endMs).toBeGreaterThanOrEqual(e.startMs)
    }
    sim.clearRequestLog()
    expect(sim.requestLog()).toEqual([])
  })

  it("counts requests per type and method", async () => {
    const s = await session()
    const before = sim.counters().pool?.GET ?? 0
    await s.get("/api/pool")
    await s.get("/api/pool?name=a")
    await waitFor(() => (sim.counters().pool?.GET ?? 0) === before + 2, "counters")
    expect(sim.counters().login?.POST).toBeGreaterThanOrEqual(1)
  })

  it("exposes log, counters and faults over the /_sim/ admin endpoint", async () => {
    sim.clearRequestLog()
    const s = await session()
    await s.get("/api/tenant", { "X-Avi-UserAgent": "ako-ts/replica-1" })
    const log = await request(sim, { path: "/_sim/log" })
    expect(log.status).toBe(200)
    expect(log.json.map((e: { path: string }) => e.path)).toEqual(["/login", "/api/tenant"])
    expect(log.json[1].clientIdentity).toBe("ako-ts/replica-1")
    const since = await request(sim, { path: `/_sim/log?since=${log.json[0].seq}` })
    expect(since.json.map((e: { path: string }) => e.path)).toEqual(["/api/tenant"])
    expect((await request(sim, { path: "/_sim/counters" })).json.tenant.GET).toBeGreaterThanOrEqual(1)
    expect((await request(sim, { method: "DELETE", path: "/_sim/log" })).status).toBe(204)
    expect((await request(sim, { path: "/_sim/log" })).json).toEqual([])

    const set = await request(sim, { method: "POST", path: "/_sim/faults/error-rate", body: { rate: 1, status: 503 } })
    expect(set.status).toBe(204)
    expect((await s.get("/api/tenant")).status).toBe(503)
    expect((await request(sim, { method: "DELETE", path: "/_sim/faults" })).status).toBe(204)
    expect((await s.get("/api/tenant")).status).toBe(200)

    const inserted = await request(sim, {
      method: "POST",
      path: "/_sim/objects/pool",
      body: { name: "admin-inserted" }
    })
    expect(inserted.status).toBe(201)
    expect((await s.get("/api/pool?name=admin-inserted")).json.count).toBe(1)
    const listed = await request(sim, { path: "/_sim/objects/pool?tenant=admin" })
    expect(listed.json.map((p: { name: string }) => p.name)).toContain("admin-inserted")
    expect(sim.requestLog().some((e) => e.path.startsWith("/_sim"))).toBe(false)
  })
})

describe("faults over the admin endpoint", () => {
  it("latency, status419, reset-connections, slow-body and expire-sessions can be set from another process", async () => {
    const s = await session()
    const admin = (path: string, body: unknown = {}) =>
      request(sim, { method: "POST", path: `/_sim/faults/${path}`, body })
    expect((await admin("latency", { ms: 200, path: "/api/tenant" })).status).toBe(204)
    const started = Date.now()
    expect((await s.get("/api/tenant")).status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    const faults = await request(sim, { path: "/_sim/faults" })
    expect(faults.json.latencies).toEqual([{ ms: 200, path: "/api/tenant" }])
    await request(sim, { method: "DELETE", path: "/_sim/faults" })

    expect((await admin("status419", { count: 1 })).status).toBe(204)
    expect((await s.get("/api/tenant")).status).toBe(419)

    await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)
    expect((await admin("reset-connections", { count: 1 })).status).toBe(204)
    await expect(s.get("/api/tenant")).rejects.toThrow()

    expect((await admin("slow-body", { ms: 200 })).status).toBe(204)
    const slowStart = Date.now()
    expect((await s.get("/api/tenant")).status).toBe(200)
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(150)
    await request(sim, { method: "DELETE", path: "/_sim/faults" })

    expect((await admin("expire-sessions")).status).toBe(204)
    expect((await s.get("/api/tenant")).status).toBe(401)
    const bad = await admin("latency", { ms: "soon" })
    expect(bad.status).toBe(400)
    expect(bad.json.error).toContain("ms")
    expect((await admin("error-rate", { rate: 2 })).status).toBe(400)
    expect((await request(sim, { method: "POST", path: "/_sim/restore", body: { format: "other" } })).status).toBe(400)
    const snapshot = await request(sim, { path: "/_sim/snapshot" })
    expect((await request(sim, { method: "POST", path: "/_sim/restore", body: snapshot.json })).status).toBe(204)
  })
})

describe("request log bound", () => {
  it("drops the oldest entries beyond requestLogLimit", async () => {
    const small = await startAviSim({ http: true, requestLogLimit: 10 })
    try {
      for (let i = 0; i < 30; i++) await request(small, { path: `/api/cluster/status?i=${i}` })
      const log = small.requestLog()
      expect(log.length).toBeLessThanOrEqual(11)
      expect(log.at(-1)!.query).toBe("i=29")
    } finally {
      await small.close()
    }
  })
})

describe("direct store access", () => {
  it("insert applies the envelope rules; get, findByName, objects, update and remove", async () => {
    const vip = sim.insert("vsvip", { name: "stale--vip", vip: [{ vip_id: "0", auto_allocate_ip: true }] })
    expect(vip.uuid).toMatch(/^vsvip-/)
    expect((vip.vip as Array<{ ip_address: { addr: string } }>)[0]!.ip_address.addr).toMatch(/^10\.50\./)
    const vs = sim.insert("virtualservice", {
      name: "stale--vs",
      vsvip_ref: "/api/vsvip/?name=stale--vip",
      created_by: "ako-c1"
    })
    expect(vs.vsvip_ref).toBe(`${vip.url}`)
    expect(() => sim.insert("virtualservice", { name: "stale--vs" })).toThrow(/already exists/)
    expect(sim.get("virtualservice", String(vs.uuid))?.name).toBe("stale--vs")
    expect(sim.findByName("virtualservice", "stale--vs", "admin")?.uuid).toBe(vs.uuid)
    expect(sim.objects("virtualservice").map((o) => o.name)).toContain("stale--vs")
    const updated = sim.update("virtualservice", String(vs.uuid), { ...vs, enabled: false })
    expect(updated.enabled).toBe(false)
    expect(() => sim.remove("vsvip", String(vip.uuid))).toThrow(/referred by/)
    sim.remove("virtualservice", String(vs.uuid))
    sim.remove("vsvip", String(vip.uuid))
    expect(sim.get("vsvip", String(vip.uuid))).toBeUndefined()
  })
})

describe("faults", () => {
  it("latency delays matching requests only", async () => {
    const s = await session()
    sim.faults.latency(300, { path: "/api/virtualservice", method: "GET" })
    sim.clearRequestLog()
    await s.get("/api/virtualservice")
    await s.get("/api/pool")
    const [vs, pool] = sim.requestLog()
    expect(vs!.endMs! - vs!.startMs).toBeGreaterThanOrEqual(290)
    expect(pool!.endMs! - pool!.startMs).toBeLessThan(290)
  })

  it("errorRate answers the chosen status", async () => {
    const s = await session()
    sim.faults.errorRate(1, 502)
    const res = await s.get("/api/pool")
    expect(res.status).toBe(502)
    sim.faults.errorRate(0)
    expect((await s.get("/api/pool")).status).toBe(200)
  })

  it("expireSessions forces a new login", async () => {
    const s = await session()
    sim.faults.expireSessions()
    expect((await s.get("/api/pool")).status).toBe(401)
    await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)
    expect((await s.get("/api/pool")).status).toBe(200)
  })

  it("status419 answers 419 with fresh csrftoken and session cookies that work", async () => {
    const s = await session()
    sim.faults.status419(1)
    const res = await s.get("/api/pool")
    expect(res.status).toBe(419)
    const csrf = res.cookies.get("csrftoken")
    const id = res.cookies.get("avi-sessionid")
    expect(csrf).toBeDefined()
    expect(res.cookies.get("sessionid")).toBe(id)
    expect((await s.get("/api/pool")).status).toBe(401)
    s.csrf = csrf!
    s.sessionId = id!
    expect((await s.post("/api/pool", { name: "after-419" })).status).toBe(201)
  })

  it("resetConnections cuts the next requests without a response", async () => {
    const s = await session()
    sim.faults.resetConnections(1)
    sim.clearRequestLog()
    await expect(s.get("/api/pool")).rejects.toThrow(/ECONNRESET|socket hang up/)
    expect((await s.get("/api/pool")).status).toBe(200)
    const [cut] = sim.requestLog()
    await waitFor(() => sim.requestLog()[0]!.endMs !== undefined, "reset logged")
    expect(cut!.status).toBe(0)
    expect(sim.requestLog()[0]!.aborted).toBe(true)
  })

  it("slowBody spreads the body over time", async () => {
    const s = await session()
    sim.faults.slowBody(300)
    const started = Date.now()
    const res = await s.get("/api/cloud")
    expect(res.status).toBe(200)
    expect(res.json.count).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })

  it("marks a request the client cut before the response as aborted, and does not process it", async () => {
    // Asserts the cut POST is never processed, which only a dropping simulator does (aborted-requests.test.ts has both).
    const sim = await startAviSim({ http: true, abortedRequests: "drop" })
    onTestFinished(() => sim.close())
    const s = new AviSession(sim)
    expect((await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
    sim.faults.latency(5000, { path: "/api/pool", method: "POST" })
    sim.clearRequestLog()
    const controller = new AbortController()
    const pending = request(sim, {
      method: "POST",
      path: "/api/pool",
      headers: s.headers(),
      body: { name: "cut-pool" },
      signal: controller.signal
    }).catch((e: unknown) => e)
    await waitFor(() => sim.requestLog().find((e) => e.method === "POST"), "request in flight")
    controller.abort()
    await pending
    const entry = await waitFor(
      () => sim.requestLog().find((e) => e.method === "POST" && e.endMs !== undefined),
      "aborted entry"
    )
    expect(entry.aborted).toBe(true)
    expect(entry.status).toBe(0)
    expect(sim.findByName("pool", "cut-pool")).toBeUndefined()
  })
})
