/**
 * The Avi client's Node transport against a bare HTTP server that misbehaves in ways the simulator does not: a body
 * cut off half way, and deadlines Node's timers cannot hold.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { AviClient } from "../../src/avi/index.js"
import { nodeTransport } from "../../src/avi/transport.js"

const withServer = <A, E>(
  handler: http.RequestListener,
  body: (url: string) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.acquireUseRelease(
    Effect.async<http.Server>((resume) => {
      const server = http.createServer(handler)
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    (server) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

describe("the Avi client's Node transport", () => {
  it.live("a connection closed half way through the body fails at once, not at the deadline", () =>
    withServer(
      (_request, response) => {
        response.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
        response.write("{\"results\": [")
        setTimeout(() => response.socket?.destroy(), 20)
      },
      (url) =>
        Effect.gen(function*() {
          const transport = yield* nodeTransport({})
          const started = Date.now()
          const error = yield* Effect.flip(
            transport.send({ method: "GET", url: `${url}/api/pool`, headers: {} }, Duration.seconds(30))
          )
          expect(error).toMatchObject({ _tag: "TransportFailure" })
          expect(Date.now() - started).toBeLessThan(10_000)
        }).pipe(Effect.scoped)
    ))

  it.live("a deadline beyond what a Node timer holds (or none) does not fire at once", () =>
    withServer(
      (_request, response) => {
        setTimeout(() => response.end("{\"count\": 0}"), 50)
      },
      (url) =>
        Effect.gen(function*() {
          const transport = yield* nodeTransport({})
          for (const deadline of [Duration.infinity, Duration.days(30)]) {
            const answer = yield* transport.send({ method: "GET", url: `${url}/api/pool`, headers: {} }, deadline)
            expect(answer).toMatchObject({ status: 200, text: "{\"count\": 0}" })
          }
        }).pipe(Effect.scoped)
    ))

  it.live("an interrupted call aborts its request and frees its permit; one interrupted while waiting frees nothing", () => {
    // Requests to /api/pool/hang are never answered; the server counts the connections that close under them.
    const hanging = new Set<http.ServerResponse>()
    const requested: Array<string | undefined> = []
    let abortedHanging = 0
    return withServer(
      (request, response) => {
        const path = (request.url ?? "").split("?")[0]
        requested.push(path)
        if (path === "/api/pool/hang") {
          hanging.add(response)
          response.on("close", () => {
            if (!response.writableEnded) abortedHanging++
          })
          return
        }
        const body = path === "/api/initial-data" ?
          { version: { Version: "22.1.3" } } :
          { uuid: "pool-x", name: "pool-x", url: "https://avi/api/pool/pool-x" }
        response.writeHead(200, { "content-type": "application/json", "set-cookie": ["csrftoken=t; Path=/"] })
        response.end(JSON.stringify(body))
      },
      (url) =>
        Effect.gen(function*() {
          const avi = yield* AviClient
          // One permit: the first hanging call holds it, the second waits for it.
          yield* avi.get("pool", "warm-up")
          const holder = yield* Effect.fork(avi.get("pool", "hang"))
          while (hanging.size < 1) yield* Effect.sleep("5 millis")
          const waiter = yield* Effect.fork(avi.get("pool", "waiting"))
          yield* Effect.sleep("20 millis")
          yield* Fiber.interrupt(waiter)
          yield* Fiber.interrupt(holder)
          // The hanging request was aborted on the wire, and the permit is free again: the next call is answered.
          const next = yield* avi.get("pool", "after").pipe(Effect.timeout("10 seconds"))
          expect(next.uuid).toBe("pool-x")
          while (abortedHanging < 1) yield* Effect.sleep("5 millis")
          // The waiting call never reached the server.
          expect(hanging.size).toBe(1)
          expect(requested).not.toContain("/api/pool/waiting")
        }).pipe(
          Effect.provide(AviClient.layer({
            controller: url,
            username: "admin",
            password: Redacted.make("secret"),
            clientIdentity: "ako-ts/test transport",
            maxConcurrentRequests: 1
          }))
        )
    )
  })

  it.live("over Node's transport, a Set-Cookie repeated on every answer still lets a renewed csrftoken through", () => {
    // Every answer repeats the session's cookies, as Avi does; /api/pool/renew and /api/pool/restore change the token.
    let csrf = "csrf-login"
    const seen: Array<string | undefined> = []
    return withServer(
      (request, response) => {
        const path = (request.url ?? "").split("?")[0]
        if (path === "/api/pool/renew") csrf = "csrf-renewed"
        if (path === "/api/pool/restore") csrf = "csrf-login"
        if (path?.startsWith("/api/pool/")) seen.push(request.headers["x-csrftoken"] as string | undefined)
        const body = path === "/api/initial-data"
          ? { version: { Version: "22.1.3" } }
          : path?.startsWith("/api/pool/")
          ? { uuid: "pool-x", name: "pool-x", url: "https://avi/api/pool/pool-x" }
          : {}
        response.writeHead(200, {
          "content-type": "application/json",
          "set-cookie": [`csrftoken=${csrf}; Path=/`, "sessionid=session-1; HttpOnly; Path=/"]
        })
        response.end(JSON.stringify(body))
      },
      (url) =>
        Effect.flatMap(
          AviClient,
          (avi) => Effect.forEach(["a", "renew", "b", "c", "restore", "d", "e"], (name) => avi.get("pool", name))
        ).pipe(
          Effect.provide(AviClient.layer({
            controller: url,
            username: "admin",
            password: Redacted.make("secret"),
            clientIdentity: "ako-ts/test transport"
          })),
          Effect.map(() => {
            // Each request carries the token of the answer before it.
            expect(seen).toEqual([
              "csrf-login",
              "csrf-login",
              "csrf-renewed",
              "csrf-renewed",
              "csrf-renewed",
              "csrf-login",
              "csrf-login"
            ])
          })
        )
    )
  })
})
