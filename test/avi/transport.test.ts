/**
 * The Avi client's Node transport against a bare HTTP server that misbehaves in ways the simulator does not: a body
 * cut off half way, and deadlines Node's timers cannot hold.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
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
})
