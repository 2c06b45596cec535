import { HttpServer } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Context, Effect, Layer, Metric } from "effect"
import { healthServerLayer } from "../../src/app/health-server.js"
import { Readiness } from "../../src/app/readiness.js"

const withServer = <A, E>(use: (baseUrl: string) => Effect.Effect<A, E, Readiness>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(healthServerLayer({ port: 0, host: "127.0.0.1" }))
    const { address } = Context.get(context, HttpServer.HttpServer)
    if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
    return yield* use(`http://127.0.0.1:${address.port}`)
  }).pipe(Effect.scoped)

const get = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })

describe("health server", () => {
  it.live("answers liveness, holds readiness at 503 until every condition is met, and serves metrics", () =>
    withServer((base) =>
      Effect.gen(function*() {
        expect((yield* get(`${base}/healthz`)).status).toBe(200)
        expect((yield* get(`${base}/api/status`)).status).toBe(200)

        const readiness = yield* Readiness
        expect((yield* get(`${base}/readyz`)).status).toBe(503)
        yield* readiness.register("caches")
        yield* readiness.register("election")
        yield* readiness.set("caches", true)
        const partial = yield* get(`${base}/readyz`)
        expect(partial.status).toBe(503)
        expect(JSON.parse(partial.body)).toEqual({ ready: false, conditions: { caches: true, election: false } })
        yield* readiness.set("election", true)
        expect((yield* get(`${base}/readyz`)).status).toBe(200)

        yield* Metric.increment(Metric.counter("ako_test_health_scrapes_total"))
        const metrics = yield* get(`${base}/metrics`)
        expect(metrics.status).toBe(200)
        expect(metrics.type).toContain("text/plain; version=0.0.4")
        expect(metrics.body).toContain("# TYPE ako_test_health_scrapes_total counter")
        expect((yield* get(`${base}/nothing-here`)).status).toBe(404)
      })
    ).pipe(Effect.provide(Readiness.Default)))
})
