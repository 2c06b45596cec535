import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { afterAll, beforeAll } from "vitest"
import {
  AVI_SIM_DEFAULT_PASSWORD,
  AVI_SIM_DEFAULT_VERSION,
  makeAviSim,
  startAviSim
} from "../../../src/sim/avi/index.js"
import { AviSession, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let now = Date.now()

beforeAll(async () => {
  sim = await startAviSim({
    http: true,
    users: [{ username: "admin", password: "secret" }, { username: "ako", password: "ako-pw" }],
    sessionIdleTimeoutMs: 60_000,
    clock: () => now
  })
})
afterAll(() => sim.close())

const loggedIn = async (user = "admin", password = "secret") => {
  const s = new AviSession(sim)
  expect((await s.login(user, password)).status).toBe(200)
  return s
}

describe("login", () => {
  it("accepts JSON and sets csrftoken, avi-sessionid and sessionid together", async () => {
    const res = await request(sim, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/json", "X-Avi-Version": "18.2.6", "X-Avi-UserAgent": "AKO" },
      body: { username: "admin", password: "secret" }
    })
    expect(res.status).toBe(200)
    expect(res.cookies.get("csrftoken")).toMatch(/^[0-9a-f]{32}$/)
    expect(res.cookies.get("avi-sessionid")).toBeDefined()
    expect(res.cookies.get("sessionid")).toBe(res.cookies.get("avi-sessionid"))
    expect(res.setCookie.find((c) => c.startsWith("csrftoken="))).toContain("Max-Age=31449600; Path=/")
    expect(res.setCookie.find((c) => c.startsWith("avi-sessionid="))).toContain("HttpOnly; Max-Age=86400; Path=/")
    expect(res.json).toMatchObject({
      user_initialized: true,
      version: { Version: AVI_SIM_DEFAULT_VERSION },
      user: { username: "admin", is_superuser: true },
      session_cookie_name: "avi-sessionid",
      system_config: { default_license_tier: "ENTERPRISE", portal_configuration: { allow_basic_authentication: false } }
    })
    expect(res.json.tenants).toContainEqual(expect.objectContaining({ uuid: "admin", name: "admin" }))
    // over plain HTTP the cookies are not Secure, or a Python requests session would never send them back
    expect(res.setCookie.some((c) => c.includes("Secure"))).toBe(false)
  })

  it("accepts form-encoded bodies (Python SDK)", async () => {
    const res = await request(sim, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "username=ako&password=ako-pw"
    })
    expect(res.status).toBe(200)
    expect(res.json.user.username).toBe("ako")
  })

  it("answers 401 Invalid credentials on a bad password or unknown user", async () => {
    for (const body of [{ username: "admin", password: "wrong" }, { username: "ghost", password: "secret" }]) {
      const res = await request(sim, {
        method: "POST",
        path: "/login",
        body,
        headers: { "Content-Type": "application/json" }
      })
      expect(res.status).toBe(401)
      expect(res.json).toEqual({ error: "Invalid credentials" })
      expect(res.setCookie).toHaveLength(0)
    }
  })

  it("logs in with a user token created through /api/user-token", async () => {
    const s = await loggedIn()
    const created = await s.post("/api/user-token", { hours: "240" })
    expect(created.status).toBe(201)
    expect(created.json.token).toMatch(/^[0-9a-f]{40}$/)
    expect(Date.parse(created.json.expires_at)).toBeGreaterThan(now + 239 * 3_600_000)
    const listed = await s.get("/api/user-token")
    expect(listed.json.results.map((t: { uuid: string }) => t.uuid)).toContain(created.json.uuid)
    const viaToken = await request(sim, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/json" },
      body: { username: "admin", token: created.json.token }
    })
    expect(viaToken.status).toBe(200)
    const otherUser = await request(sim, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/json" },
      body: { username: "ako", token: created.json.token }
    })
    expect(otherUser.status).toBe(401)
    expect((await s.delete(`/api/user-token/${created.json.uuid}`)).status).toBe(204)
    const revoked = await request(sim, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/json" },
      body: { username: "admin", token: created.json.token }
    })
    expect(revoked.status).toBe(401)
  })
})

describe("session and CSRF", () => {
  it("requires a session: 401 without cookies", async () => {
    const res = await request(sim, { path: "/api/pool", headers: { "Content-Type": "application/json" } })
    expect(res.status).toBe(401)
  })

  it("serves /api/cluster/status and /api/initial-data without auth", async () => {
    const status = await request(sim, { path: "//api/cluster/status" })
    expect(status.status).toBe(200)
    expect(status.json.cluster_state.state).toBe("CLUSTER_UP_NO_HA")
    expect((await request(sim, { path: "/api/initial-data" })).json.version.Version).toBe(AVI_SIM_DEFAULT_VERSION)
  })

  it("enforces X-CSRFToken on unsafe methods with the real plain-text 401", async () => {
    const s = await loggedIn()
    for (const csrf of [undefined, "not-the-token"]) {
      const headers = s.headers()
      if (csrf === undefined) delete headers["X-CSRFToken"]
      else headers["X-CSRFToken"] = csrf
      const res = await request(sim, { method: "POST", path: "/api/pool", headers, body: { name: "csrf" } })
      expect(res.status).toBe(401)
      expect(res.text).toBe("CSRF token missing or incorrect.")
      expect(res.headers["content-type"]).toBe("application/json")
    }
    const headers = s.headers()
    delete headers["X-CSRFToken"]
    expect((await request(sim, { path: "/api/pool", headers })).status).toBe(200)
    expect((await s.post("/api/pool", { name: "csrf-ok" })).status).toBe(201)
  })

  it("re-sets the session cookies (not csrftoken) on every authenticated response", async () => {
    const s = await loggedIn()
    const res = await s.get("/api/tenant")
    expect(res.cookies.get("avi-sessionid")).toBe(s.sessionId)
    expect(res.cookies.get("sessionid")).toBe(s.sessionId)
    expect(res.cookies.has("csrftoken")).toBe(false)
  })

  it("expires a session after the idle timeout, and activity slides it", async () => {
    const s = await loggedIn()
    now += 50_000
    expect((await s.get("/api/tenant")).status).toBe(200)
    now += 50_000
    expect((await s.get("/api/tenant")).status).toBe(200)
    now += 60_001
    const expired = await s.get("/api/tenant")
    expect(expired.status).toBe(401)
    expect((await s.login("admin", "secret")).status).toBe(200)
    expect((await s.get("/api/tenant")).status).toBe(200)
  })

  it("/logout invalidates the session", async () => {
    const s = await loggedIn()
    const out = await s.post("/logout", {})
    expect(out.status).toBe(200)
    expect((await s.get("/api/tenant")).status).toBe(401)
  })
})

describe("basic auth", () => {
  const basic = (user: string, pw: string) => ({
    Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`,
    "Content-Type": "application/json"
  })

  it("is refused unless allow_basic_authentication is on; a systemconfiguration PUT switches it", async () => {
    expect((await request(sim, { path: "/api/tenant", headers: basic("admin", "secret") })).status).toBe(401)
    const s = await loggedIn()
    const config = (await s.get("/api/systemconfiguration")).json
    expect(config.uuid).toBe("default")
    const put = await s.put("/api/systemconfiguration", {
      ...config,
      portal_configuration: { ...config.portal_configuration, allow_basic_authentication: true }
    })
    expect(put.status).toBe(200)
    const ok = await request(sim, { path: "/api/tenant", headers: basic("admin", "secret") })
    expect(ok.status).toBe(200)
    const write = await request(sim, {
      method: "POST",
      path: "/api/pool",
      headers: basic("admin", "secret"),
      body: { name: "basic-no-csrf" }
    })
    expect(write.status).toBe(201)
    expect((await request(sim, { path: "/api/tenant", headers: basic("admin", "nope") })).status).toBe(401)
  })

  it("can be switched on at start", async () => {
    const other = await startAviSim({ http: true, basicAuth: true })
    try {
      const res = await request(other, { path: "/api/cloud", headers: basic("admin", AVI_SIM_DEFAULT_PASSWORD) })
      expect(res.status).toBe(200)
      expect(res.json.count).toBe(1)
    } finally {
      await other.close()
    }
  })
})

describe("strict Referer", () => {
  it("refuses unsafe HTTPS requests without Referer when switched on", async () => {
    const strict = await startAviSim({ strictReferer: true })
    try {
      const s = new AviSession(strict)
      await s.login("admin", AVI_SIM_DEFAULT_PASSWORD)
      const headers = s.headers()
      delete headers.Referer
      const refused = await request(strict, { method: "POST", path: "/api/pool", headers, body: { name: "r" } })
      expect(refused.status).toBe(403)
      expect(refused.json.detail).toContain("Referer")
      expect((await request(strict, { path: "/api/pool", headers })).status).toBe(200)
      expect((await s.post("/api/pool", { name: "r" })).status).toBe(201)
    } finally {
      await strict.close()
    }
  })
})

describe("makeAviSim", () => {
  it.scoped("reads time from the Effect Clock, so TestClock expires idle sessions", () =>
    Effect.gen(function*() {
      const scoped = yield* makeAviSim({ http: true, sessionIdleTimeoutMs: 1000 })
      const s = new AviSession(scoped)
      const login = yield* Effect.promise(() => s.login("admin", AVI_SIM_DEFAULT_PASSWORD))
      expect(login.status).toBe(200)
      expect((yield* Effect.promise(() => s.get("/api/tenant"))).status).toBe(200)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Effect.promise(() => s.get("/api/tenant"))).status).toBe(401)
    }))
})
