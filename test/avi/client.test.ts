/**
 * Session, header, retry and error-mapping behaviour of the live client, against a scripted controller behind a
 * stub HttpClient. Retry timing runs on TestClock.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Effect,
  Exit,
  Fiber,
  Layer,
  Logger,
  LogLevel,
  Metric,
  Option,
  Redacted,
  Stream,
  TestClock
} from "effect"
import type { AviClientConfig } from "../../src/avi/index.js"
import { AviClient, AviMetrics } from "../../src/avi/index.js"
import { PASSWORD, stubConfig, StubController } from "./stub.js"

const withClient = <A, E>(
  controller: StubController,
  body: Effect.Effect<A, E, AviClient>,
  config: Partial<AviClientConfig> = {}
) =>
  Effect.scoped(
    Effect.provide(body, AviClient.layerWith(stubConfig(config)).pipe(Layer.provide(controller.layer)))
  )

/** Runs `effect` in a fiber and moves the TestClock far enough for every retry to fire. */
const withTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 20; i++) yield* TestClock.adjust("1 second")
    return yield* Fiber.join(fiber)
  })

const pool = (uuid: string, extra: Record<string, unknown> = {}) => ({
  uuid,
  name: `pool-${uuid}`,
  url: `https://avi.example/api/pool/${uuid}#pool-${uuid}`,
  _last_modified: "1700000000000000",
  ...extra
})

describe("AviClient session", () => {
  it.effect("logs in once, learns the version from initial-data and sends AKO's headers on every call", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path === "/api/pool/pool-1" ? { status: 200, body: pool("pool-1") } : undefined
      )
      const got = yield* withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "pool-1")))
      expect(got.uuid).toBe("pool-1")

      const [login, initialData, get] = controller.requests
      expect(login?.path).toBe("/login")
      expect(login?.body).toEqual({ username: "admin", password: PASSWORD })
      expect(login?.headers["x-csrftoken"]).toBeUndefined()
      expect(initialData?.path).toBe("/api/initial-data")
      expect(get?.query.get("include_name")).toBe("true")
      expect(get?.headers).toMatchObject({
        "x-avi-version": "22.1.3",
        "x-avi-tenant": "admin",
        "x-avi-useragent": "ako-ts/test replica-0",
        referer: "https://avi.example:9443/",
        "x-csrftoken": "csrf-1",
        "content-type": "application/json"
      })
      expect(get?.headers["cookie"]).toContain("avi-sessionid=session-1")
      expect(get?.headers["cookie"]).toContain("csrftoken=csrf-1")
      // The scope closed: the session was given back.
      expect(controller.requests.at(-1)?.path).toBe("/logout")
      expect(controller.sessions).toBe(1)
    }))

  it.effect("a csrftoken the controller renews on any answer is sent from the next request on, an earlier one too", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      const renewedBy: Record<string, string> = { "/api/pool/pool-1": "csrf-renewed", "/api/pool/pool-2": "csrf-1" }
      controller.scripts.push((request) => {
        if (!request.path.startsWith("/api/pool/")) return undefined
        const renewed = renewedBy[request.path]
        return {
          status: 200,
          body: pool(request.path.slice("/api/pool/".length)),
          ...(renewed === undefined ? {} : { setCookie: [`csrftoken=${renewed}; Max-Age=31449600; Path=/; Secure`] })
        }
      })
      yield* withClient(
        controller,
        Effect.flatMap(
          AviClient,
          (avi) => Effect.forEach(["pool-1", "pool-2", "pool-3"], (name) => avi.get("pool", name))
        )
      )
      const pools = controller.requests.filter((request) => request.path.startsWith("/api/pool/"))
      expect(pools.map((request) => request.headers["x-csrftoken"])).toEqual(["csrf-1", "csrf-renewed", "csrf-1"])
      expect(pools.map((request) => /csrftoken=([^;]*)/.exec(request.headers["cookie"] ?? "")?.[1])).toEqual([
        "csrf-1",
        "csrf-renewed",
        "csrf-1"
      ])
      // The session cookie survived every renewal.
      for (const request of pools) expect(request.headers["cookie"]).toContain("avi-sessionid=session-1")
    }))

  it.effect("caps a newer controller's version at 30.2.1 and keeps a configured version without asking", () =>
    Effect.gen(function*() {
      const newer = new StubController()
      newer.version = "31.1.1"
      const detected = yield* withClient(newer, Effect.flatMap(AviClient, (avi) => avi.version))
      expect(detected).toBe("30.2.1")

      const configured = new StubController()
      const version = yield* withClient(
        configured,
        Effect.flatMap(
          AviClient,
          (avi) => Effect.zipRight(avi.request({ method: "GET", path: "/logout" }), avi.version)
        ),
        { version: "22.1.1" }
      )
      expect(version).toBe("22.1.1")
      expect(configured.count((r) => r.path === "/api/initial-data")).toBe(0)
      expect(configured.requests.at(-1)?.headers["x-avi-version"]).toBe("22.1.1")
    }))

  it.effect("token mode logs in with the token", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      yield* withClient(controller, Effect.flatMap(AviClient, (avi) => avi.version), {
        password: undefined,
        authToken: Redacted.make(PASSWORD)
      })
      expect(controller.requests[0]?.body).toEqual({ username: "admin", token: PASSWORD })
    }))

  it.effect("an expired session (401) costs exactly one re-login, counted in the metric", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path.startsWith("/api/pool/") && controller.authorised(request)
          ? { status: 200, body: pool(request.path.split("/")[3]!) }
          : undefined
      )
      const before = (yield* Metric.value(AviMetrics.reloginsTotal)).count
      yield* withClient(
        controller,
        Effect.gen(function*() {
          const avi = yield* AviClient
          yield* avi.get("pool", "pool-1")
          controller.sessions++ // the controller forgets every session
          yield* Effect.all([avi.get("pool", "pool-2"), avi.get("pool", "pool-3"), avi.get("pool", "pool-4")], {
            concurrency: "unbounded"
          })
        })
      )
      const logins = controller.count((r) => r.path === "/login")
      expect(logins).toBe(2)
      expect((yield* Metric.value(AviMetrics.reloginsTotal)).count - before).toBe(1)
    }))

  it.effect("419 (session invalidated) also re-logs in; a second refusal is an AviAuthError, not a loop", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      let refusals = 0
      controller.scripts.push((request) => {
        if (request.path === "/api/pool/pool-419" && refusals === 0) {
          refusals++
          return { status: 419, body: { error: "session invalidated" } }
        }
        if (request.path === "/api/pool/pool-419") return { status: 200, body: pool("pool-419") }
        if (request.path === "/api/pool/pool-never") return { status: 401, body: { detail: "nope" } }
        return undefined
      })
      const result = yield* withClient(
        controller,
        Effect.gen(function*() {
          const avi = yield* AviClient
          const ok = yield* avi.get("pool", "pool-419")
          const refused = yield* Effect.flip(avi.get("pool", "pool-never"))
          return { ok, refused }
        })
      )
      expect(result.ok.uuid).toBe("pool-419")
      expect(result.refused._tag).toBe("AviAuthError")
      expect(controller.count((r) => r.path === "/api/pool/pool-never")).toBe(2)
      expect(controller.count((r) => r.path === "/login")).toBe(3)
    }))

  it.effect("wrong credentials fail with AviAuthError at once (no retry of the login)", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      const error = yield* Effect.flip(
        withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "x")), {
          password: Redacted.make("wrong")
        })
      )
      expect(error._tag).toBe("AviAuthError")
      expect(error.message).toBe("Invalid credentials")
      expect(controller.count((r) => r.path === "/login")).toBe(1)
    }))
})

describe("AviClient retries", () => {
  it.effect("a 503 burst within the retry budget is invisible to the caller", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      let failures = 0
      controller.scripts.push((request) => {
        if (request.path !== "/api/pool/pool-1") return undefined
        if (failures < 2) {
          failures++
          return { status: 503, body: { error: "busy" } }
        }
        return { status: 200, body: pool("pool-1") }
      })
      const got = yield* withTime(withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "pool-1"))))
      expect(got.uuid).toBe("pool-1")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(3)
    }))

  it.effect("waits between retries (jittered exponential, not a hot loop)", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path === "/api/pool/pool-1" ? { status: 502, body: { error: "bad gateway" } } : undefined
      )
      const fiber = yield* Effect.fork(
        withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "pool-1")))
      )
      yield* TestClock.adjust("10 millis")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(1)
      yield* TestClock.adjust("200 millis")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(2)
      // the waits double (2nd 160-240 ms, 3rd 320-480 ms): a fixed wait would have made all 4 attempts by 360 ms
      yield* TestClock.adjust("20 millis")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(2)
      yield* TestClock.adjust("140 millis")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(3)
      yield* TestClock.adjust("180 millis")
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(3)
      yield* TestClock.adjust("10 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error).toMatchObject({ _tag: "AviUnavailable", status: 502, reason: "status", attempts: 4 })
      expect(controller.count((r) => r.path === "/api/pool/pool-1")).toBe(4)
    }))

  it.effect("500 is returned at once (the SDKs do not retry it); 4xx are never retried", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) => {
        if (request.path === "/api/pool/p500") return { status: 500, body: { error: "Import error" } }
        if (request.path === "/api/pool/p403") return { status: 403, body: { error: "Tenant 'x' does not exist!" } }
        return undefined
      })
      const [e500, e403] = yield* withClient(
        controller,
        Effect.flatMap(AviClient, (avi) =>
          Effect.all([Effect.flip(avi.get("pool", "p500")), Effect.flip(avi.get("pool", "p403"))]))
      )
      expect(e500).toMatchObject({ _tag: "AviUnavailable", status: 500, message: "Import error", attempts: 1 })
      expect(e403).toMatchObject({ _tag: "AviRequestFailed", status: 403, message: "Tenant 'x' does not exist!" })
      expect(controller.count((r) =>
        r.path === "/api/pool/p500"
      )).toBe(1)
      expect(controller.count((r) => r.path === "/api/pool/p403")).toBe(1)
    }))

  it.effect("transport errors are retried, then reported as AviUnavailable(transport)", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path === "/api/pool/p" ? { status: 0, transportError: true } : undefined
      )
      const error = yield* withTime(
        Effect.flip(withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "p")), { retries: 2 }))
      )
      expect(error).toMatchObject({ _tag: "AviUnavailable", reason: "transport", attempts: 3 })
      expect(error.message).toContain("ECONNREFUSED")
    }))

  it.effect("never has more than maxConcurrentRequests exchanges in flight", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path.startsWith("/api/pool/")
          ? { status: 200, body: pool(request.path.split("/")[3]!), delayMillis: 1000 }
          : undefined
      )
      const pools = (c: StubController) => c.count((r) => r.path.startsWith("/api/pool/"))
      const fiber = yield* Effect.fork(withClient(
        controller,
        Effect.flatMap(AviClient, (avi) =>
          Effect.all(
            Array.from({ length: 5 }, (_, i) => avi.get("pool", `pool-${i}`)),
            { concurrency: "unbounded" }
          )),
        { maxConcurrentRequests: 2 }
      ))
      yield* TestClock.adjust("10 millis")
      expect(pools(controller)).toBe(2)
      yield* TestClock.adjust("1 second")
      expect(pools(controller)).toBe(4)
      yield* TestClock.adjust("2 seconds")
      expect((yield* Fiber.join(fiber)).map((p) => p.uuid)).toEqual(["pool-0", "pool-1", "pool-2", "pool-3", "pool-4"])
    }))

  it.effect("a request that gets no answer fails after requestTimeout as AviUnavailable(timeout)", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) => request.path === "/api/pool/slow" ? { status: 0, hang: true } : undefined)
      const fiber = yield* Effect.fork(
        Effect.flip(withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "slow")), {
          requestTimeout: "5 seconds"
        }))
      )
      yield* TestClock.adjust("4 seconds")
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "AviUnavailable", reason: "timeout" })
    }))
})

describe("AviClient errors and CRUD", () => {
  const errorScript = (status: number, body: unknown) => (request: { path: string }) =>
    request.path === "/api/vsvip" ? { status, body } : undefined

  it.effect("maps 400/404/409/412 onto typed errors with the controller's message and object name", () =>
    Effect.gen(function*() {
      const cases = [
        [400, { error: "No available free IPs", obj_name: "c1--vip" }, "AviNoFreeIp"],
        [400, { error: "Invalid vip_id", obj_name: "c1--vip" }, "AviValidationError"],
        [404, { error: "Network object not found!" }, "AviNotFound"],
        [409, { error: "Vs vip with this Name and Tenant ref already exists." }, "AviConflict"],
        [412, { error: "Need to reload object data VsVip" }, "AviPreconditionFailed"]
      ] as const
      for (const [status, body, tag] of cases) {
        const controller = new StubController()
        controller.scripts.push(errorScript(status, body))
        const error = yield* Effect.flip(
          withClient(controller, Effect.flatMap(AviClient, (avi) => avi.create("vsvip", { name: "c1--vip" })))
        )
        expect(error._tag).toBe(tag)
        expect(error.message).toBe(body.error)
        expect(error).toMatchObject({ method: "POST", path: "/api/vsvip" })
        if (error._tag === "AviValidationError") expect(error.objName).toBe("c1--vip")
        expect(controller.count((r) => r.path === "/api/vsvip")).toBe(1)
      }
    }))

  it.effect("delete treats 404 as done; patch wraps the body under the op", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) => {
        if (request.method === "DELETE") return { status: 404, body: { error: "Pool object not found!" } }
        if (request.method === "PATCH") return { status: 200, body: pool("pool-1", { servers: [] }) }
        return undefined
      })
      yield* withClient(
        controller,
        Effect.gen(function*() {
          const avi = yield* AviClient
          yield* avi.delete("pool", "pool-gone")
          yield* avi.patch("pool", "pool-1", "add", { servers: [{ ip: { addr: "10.0.0.1", type: "V4" }, port: 80 }] })
        })
      )
      const patch = controller.requests.find((r) => r.method === "PATCH")
      expect(patch?.body).toEqual({ add: { servers: [{ ip: { addr: "10.0.0.1", type: "V4" }, port: 80 }] } })
    }))

  it.effect("a read-modify-write PUT sends back fields the schema does not know, at every depth", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      const stored = {
        uuid: "vsvip-1",
        name: "c1--vip",
        _last_modified: "42",
        future_field: { nested: [1, 2] },
        vip: [{ vip_id: "0", ip_address: { addr: "10.0.0.9", type: "V4" }, prefix_length: 32, new_vip_flag: true }]
      }
      controller.scripts.push((request) => {
        if (request.path === "/api/vsvip/vsvip-1" && request.method === "GET") return { status: 200, body: stored }
        if (request.path === "/api/vsvip/vsvip-1" && request.method === "PUT") {
          return { status: 200, body: { ...(request.body as object), _last_modified: "43" } }
        }
        return undefined
      })
      const updated = yield* withClient(
        controller,
        Effect.gen(function*() {
          const avi = yield* AviClient
          const vip = yield* avi.get("vsvip", "vsvip-1")
          return yield* avi.update("vsvip", vip.uuid, { ...vip, dns_info: [{ fqdn: "a.example" }] })
        })
      )
      const put = controller.requests.find((r) => r.method === "PUT")
      expect(put?.body).toEqual({ ...stored, dns_info: [{ fqdn: "a.example" }] })
      expect(updated._last_modified).toBe("43")
    }))

  it.effect("list follows next across pages, whatever host the controller names in it", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) => {
        if (request.path !== "/api/pool") return undefined
        const page = Number(request.query.get("page") ?? "1")
        const next = page < 3
          ? `https://controller.internal/api/pool?created_by=ako-c1&include_name=true&page_size=2&page=${page + 1}`
          : undefined
        return {
          status: 200,
          body: { count: 6, results: [pool(`pool-${page}a`), pool(`pool-${page}b`)], ...(next ? { next } : {}) }
        }
      })
      const names = yield* withClient(
        controller,
        Effect.flatMap(AviClient, (avi) =>
          avi.list("pool", { created_by: "ako-c1", page_size: 2 }, { tenant: "*" }).pipe(
            Stream.map((p) => p.uuid),
            Stream.runCollect
          ))
      )
      expect(Chunk.toReadonlyArray(names)).toEqual(["pool-1a", "pool-1b", "pool-2a", "pool-2b", "pool-3a", "pool-3b"])
      const pages = controller.requests.filter((r) => r.path === "/api/pool")
      expect(pages.map((r) => r.query.get("page"))).toEqual([null, "2", "3"])
      expect(pages.every((r) => r.query.get("created_by") === "ako-c1" && r.headers["x-avi-tenant"] === "*")).toBe(true)
    }))

  it.effect("findByName returns None for an empty collection, and withTenant changes X-Avi-Tenant", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path === "/api/vsvip" ? { status: 200, body: { count: 0, results: [] } } : undefined
      )
      const found = yield* withClient(
        controller,
        Effect.flatMap(AviClient, (avi) => avi.withTenant("team-a").findByName("vsvip", "c1--x"))
      )
      expect(Option.isNone(found)).toBe(true)
      const lookup = controller.requests.find((r) => r.path === "/api/vsvip")
      expect(lookup?.headers["x-avi-tenant"]).toBe("team-a")
      expect(lookup?.query.get("name")).toBe("c1--x")
    }))

  it.effect("a 2xx body of the wrong shape is an AviDecodeError", () =>
    Effect.gen(function*() {
      const controller = new StubController()
      controller.scripts.push((request) =>
        request.path === "/api/pool/pool-1" ? { status: 200, body: { name: "no-uuid" } } : undefined
      )
      const error = yield* Effect.flip(
        withClient(controller, Effect.flatMap(AviClient, (avi) => avi.get("pool", "pool-1")))
      )
      expect(error._tag).toBe("AviDecodeError")
      expect(error.message).toContain("uuid")
    }))
})

describe("AviClient secrets", () => {
  it.effect("neither the password nor the token appears in errors, logs or metrics", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ annotations, message }) => {
        lines.push(JSON.stringify({ message, annotations: [...annotations] }))
      })
      const controller = new StubController()
      controller.scripts.push((request) => {
        if (request.path === "/login" && controller.sessions >= 1) return { status: 0, transportError: true }
        if (request.path === "/api/pool/p") return { status: 401, body: { detail: "expired" } }
        return undefined
      })
      const failures: Array<unknown> = []
      const program = Effect.gen(function*() {
        const avi = yield* AviClient
        failures.push(yield* Effect.flip(avi.get("pool", "p")))
      })
      yield* withTime(
        withClient(controller, program, { retries: 1 }).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All)
        )
      )
      const wrong = yield* Effect.flip(
        withClient(new StubController(), Effect.flatMap(AviClient, (avi) => avi.version), {
          password: Redacted.make(`${PASSWORD}-wrong`)
        })
      )
      failures.push(wrong)
      const config = stubConfig()
      const metrics = JSON.stringify(Metric.unsafeSnapshot().map((pair) => [pair.metricKey, pair.metricState]))
      const rendered = [
        ...failures.flatMap((failure) => [String(failure), JSON.stringify(failure), Exit.fail(failure).toString()]),
        ...lines,
        metrics,
        JSON.stringify(config),
        String(config.password)
      ]
      expect(failures.map((failure) => (failure as { _tag: string })._tag)).toEqual(["AviUnavailable", "AviAuthError"])
      // Debug lines included: the login, the re-login and each retry were logged.
      expect(lines.some((line) => line.includes("avi login"))).toBe(true)
      expect(lines.some((line) => line.includes("retrying"))).toBe(true)
      for (const text of rendered) expect(text).not.toContain(PASSWORD)
    }))
})
