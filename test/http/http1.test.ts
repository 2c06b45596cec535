/**
 * The Avi client's HTTP/1.1 connections against a server that writes exact bytes: every framing an answer can come
 * in (length, chunked, until close), split at any byte; connections reused only when the answer allows it; idle
 * ones closed; broken or hostile answers refused; TLS verified against the configured CA.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as net from "node:net"
import * as tls from "node:tls"
import { nodeTransport } from "../../src/avi/transport.js"
import type { Http1Answer, Http1Request } from "../../src/http/http1.js"
import { Http1Error, Http1Pool } from "../../src/http/http1.js"
import { simulatorCertificate } from "../../src/sim/avi/tls.js"

interface Received {
  readonly connection: number
  readonly head: string
  readonly body: string
}

/** What the server does with one request: bytes to write (each piece in its own write), then maybe close. */
interface Reply {
  readonly pieces: ReadonlyArray<string>
  readonly close?: boolean
}

interface RawServer {
  readonly port: number
  readonly received: Array<Received>
  /** Connections accepted, and how many of them have closed. */
  readonly connections: () => { readonly opened: number; readonly closed: number }
  readonly closeIdle: () => void
}

const byteByByte = (text: string): ReadonlyArray<string> => [...text]

const withRawServer = <A, E>(
  reply: (request: Received) => Reply,
  body: (server: RawServer) => Effect.Effect<A, E>,
  secure?: { readonly cert: string; readonly key: string }
): Effect.Effect<A, E> =>
  Effect.acquireUseRelease(
    Effect.async<{ readonly server: net.Server; readonly handle: RawServer; readonly sockets: Set<net.Socket> }>(
      (resume) => {
        const received: Array<Received> = []
        const sockets = new Set<net.Socket>()
        let opened = 0
        let closed = 0
        const onSocket = (socket: net.Socket) => {
          const connection = opened++
          sockets.add(socket)
          socket.on("close", () => {
            closed++
            sockets.delete(socket)
          })
          socket.on("error", () => {})
          let buffered = ""
          socket.on("data", (chunk: Buffer) => {
            buffered += chunk.toString("latin1")
            for (;;) {
              const end = buffered.indexOf("\r\n\r\n")
              if (end < 0) return
              const head = buffered.slice(0, end)
              const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0)
              if (buffered.length < end + 4 + length) return
              const request = { connection, head, body: buffered.slice(end + 4, end + 4 + length) }
              buffered = buffered.slice(end + 4 + length)
              received.push(request)
              const { close, pieces } = reply(request)
              const writeFrom = (index: number) => {
                if (socket.destroyed) return
                if (index >= pieces.length) {
                  if (close === true) socket.end()
                  return
                }
                socket.write(pieces[index]!, "latin1")
                setImmediate(() => writeFrom(index + 1))
              }
              writeFrom(0)
            }
          })
        }
        const server = secure === undefined ?
          net.createServer(onSocket) :
          tls.createServer({ cert: secure.cert, key: secure.key }, onSocket)
        server.listen(0, "127.0.0.1", () =>
          resume(Effect.succeed({
            server,
            sockets,
            handle: {
              port: (server.address() as net.AddressInfo).port,
              received,
              connections: () => ({ opened, closed }),
              closeIdle: () => {
                for (const socket of sockets) socket.end()
              }
            }
          })))
      }
    ),
    ({ handle }) => body(handle),
    ({ server, sockets }) =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resume(Effect.void))
      })
  )

const send = (pool: Http1Pool, request: Http1Request): Effect.Effect<Http1Answer, Http1Error> =>
  Effect.async<Http1Answer, Http1Error>((resume) => {
    const abandon = pool.request(
      request,
      (error, answer) =>
        resume(answer === undefined ? Effect.fail(error ?? new Http1Error("no answer")) : Effect.succeed(answer))
    )
    return Effect.sync(abandon)
  })

const get = (target = "/api/pool"): Http1Request => ({ method: "GET", target, headers: { accept: "application/json" } })

/** Polls `condition` until it holds; the deadline is generous, since a loaded machine delays socket events. */
const eventually = (condition: () => boolean, what: string): Effect.Effect<void> =>
  Effect.gen(function*() {
    const deadline = Date.now() + 20_000
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
    }
  })

const answer = (status: string, headers: ReadonlyArray<string>, body = "") =>
  `HTTP/1.1 ${status}\r\n${headers.map((header) => `${header}\r\n`).join("")}\r\n${body}`

interface PoolOptions {
  readonly idleTimeoutMillis?: number
  /** https, with these TLS settings. */
  readonly tls?: tls.ConnectionOptions
}

const withPool = <A, E>(port: number, body: (pool: Http1Pool) => Effect.Effect<A, E>, options: PoolOptions = {}) =>
  Effect.acquireUseRelease(
    Effect.sync(() =>
      new Http1Pool({
        origin: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
        tls: options.tls,
        idleTimeoutMillis: options.idleTimeoutMillis
      })
    ),
    body,
    (pool) => Effect.sync(() => pool.close())
  )

/** A pool on a raw server answering with `reply`, both closed afterwards. */
const withServedPool = <A, E>(
  reply: (request: Received) => Reply,
  body: (pool: Http1Pool, server: RawServer) => Effect.Effect<A, E>,
  options?: PoolOptions
): Effect.Effect<A, E> => withRawServer(reply, (server) => withPool(server.port, (pool) => body(pool, server), options))

describe("the Avi client's HTTP/1.1 connections", () => {
  it.live("a Content-Length answer sent a byte at a time is read whole, and the connection serves the next", () =>
    withServedPool(
      (request) => {
        const body = `{"n": "${request.connection}${request.body.length}"}`
        return { pieces: byteByByte(answer("200 OK", [`content-length: ${body.length}`], body)) }
      },
      (pool, server) =>
        Effect.gen(function*() {
          const first = yield* send(pool, { method: "POST", target: "/api/pool", headers: {}, body: "{\"é\":1}" })
          expect(first.status).toBe(200)
          // The body's length is in bytes: "é" is two.
          expect(JSON.parse(first.body.toString("utf8"))).toEqual({ n: "08" })
          const second = yield* send(pool, get())
          expect(JSON.parse(second.body.toString("utf8"))).toEqual({ n: "00" })
          expect(server.connections().opened).toBe(1)
          expect(server.received[0]!.head).toMatch(/^POST \/api\/pool HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/)
          expect(server.received[0]!.head).toContain("\r\ncontent-length: 8")
        })
    ))

  it.live("a chunked answer with extensions and trailers, split at every byte, is joined; so is one in one piece", () =>
    withServedPool(
      (request) => {
        const text = answer("200 OK", ["Transfer-Encoding: chunked", "Set-Cookie: a=1"], "") +
          "5;ext=1\r\n{\"a\":\r\n" + "A\r\n \"chunked\"\r\n" + "1\r\n}\r\n" + "0\r\nx-trailer: yes\r\n\r\n"
        return { pieces: request.head.includes("/whole") ? [text] : byteByByte(text) }
      },
      (pool, server) =>
        Effect.gen(function*() {
          for (const target of ["/split", "/whole", "/split"]) {
            const result = yield* send(pool, get(target))
            expect(JSON.parse(result.body.toString("utf8"))).toEqual({ a: "chunked" })
            expect(result.setCookie).toEqual(["a=1"])
          }
          expect(server.connections().opened).toBe(1)
        })
    ))

  it.live("an answer without length or chunks ends with its connection, which is not used again", () =>
    withServedPool(
      () => ({
        pieces: [answer("200 OK", ["content-type: application/json"], "{\"until\":"), "\"close\"}"],
        close: true
      }),
      (pool, server) =>
        Effect.gen(function*() {
          for (let i = 0; i < 2; i++) {
            const result = yield* send(pool, get())
            expect(JSON.parse(result.body.toString("utf8"))).toEqual({ until: "close" })
          }
          expect(server.connections().opened).toBe(2)
        })
    ))

  it.live("Connection: close and HTTP/1.0 answers are not reused; a keep-alive HTTP/1.0 answer is", () =>
    withServedPool(
      (request) => ({
        pieces: [
          request.head.startsWith("GET /close ") ?
            answer("200 OK", ["Connection: close", "content-length: 2"], "{}") :
            request.head.startsWith("GET /old ") ?
            "HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}" :
            "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 2\r\n\r\n{}"
        ]
      }),
      (pool, server) =>
        Effect.gen(function*() {
          yield* send(pool, get("/close"))
          yield* send(pool, get("/old"))
          yield* send(pool, get("/kept"))
          yield* send(pool, get("/kept"))
          expect(server.received.map((request) => request.connection)).toEqual([0, 1, 2, 2])
        })
    ))

  it.live("interim 1xx answers are skipped; 204, 304 and HEAD answers have no body even with a length", () =>
    withServedPool(
      (request) => ({
        pieces: [
          request.head.startsWith("HEAD ") ?
            answer("200 OK", ["content-length: 120"]) :
            request.head.startsWith("GET /gone ") ?
            answer("204 No Content", []) :
            request.head.startsWith("GET /same ") ?
            answer("304 Not Modified", ["content-length: 50"]) :
            answer("100 Continue", []) + answer("103 Early Hints", ["link: </x>"]) +
            answer("201 Created", ["content-length: 2"], "{}")
        ]
      }),
      (pool, server) =>
        Effect.gen(function*() {
          const created = yield* send(pool, { method: "POST", target: "/api/pool", headers: {}, body: "{}" })
          expect(created.status).toBe(201)
          expect(created.body.toString()).toBe("{}")
          for (
            const [request, status] of [[{ ...get(), method: "HEAD" }, 200], [get("/gone"), 204], [
              get("/same"),
              304
            ]] as const
          ) {
            const result = yield* send(pool, request)
            expect(result.status).toBe(status)
            expect(result.body.length).toBe(0)
          }
          // Nothing was left unread on the connection: all four went over it.
          expect(server.connections().opened).toBe(1)
        })
    ))

  it.live("several Set-Cookie lines arrive in order, each whole", () =>
    withServedPool(
      () => ({
        pieces: [
          answer("200 OK", [
            "Set-Cookie: csrftoken=abc; Path=/",
            "content-length: 0",
            "set-cookie: sessionid=xyz; HttpOnly; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"
          ])
        ]
      }),
      (pool) =>
        Effect.map(send(pool, get()), (result) =>
          expect(result.setCookie).toEqual([
            "csrftoken=abc; Path=/",
            "sessionid=xyz; HttpOnly; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT"
          ]))
    ))

  it.live("a connection the server closed while idle is not used: the next request opens another", () =>
    withServedPool(
      () => ({ pieces: [answer("200 OK", ["content-length: 2"], "{}")] }),
      (pool, server) =>
        Effect.gen(function*() {
          yield* send(pool, get())
          server.closeIdle()
          yield* eventually(() => server.connections().closed === 1, "the server to close its side")
          // The close reached the pool before this request, so it is not sent over a dead connection.
          yield* eventually(() => (pool as unknown as { idle: Array<unknown> }).idle.length === 0, "the pool")
          const result = yield* send(pool, get())
          expect(result.status).toBe(200)
          expect(server.connections().opened).toBe(2)
        })
    ))

  it.live("an idle connection is closed by the client after the idle timeout", () =>
    withServedPool(
      () => ({ pieces: [answer("200 OK", ["content-length: 2"], "{}")] }),
      (pool, server) =>
        Effect.gen(function*() {
          yield* send(pool, get())
          yield* eventually(() => server.connections().closed === 1, "the idle connection to close")
        }),
      { idleTimeoutMillis: 20 }
    ))

  it.live("a retired pool closes its idle connections, and serves what still comes on connections it then closes", () =>
    withServedPool(
      () => ({ pieces: [answer("200 OK", ["content-length: 2"], "{}")] }),
      (pool, server) =>
        Effect.gen(function*() {
          yield* send(pool, get())
          pool.retire()
          yield* eventually(() => server.connections().closed === 1, "the idle connection to close")
          const late = yield* send(pool, get())
          expect(late.status).toBe(200)
          expect(server.connections().opened).toBe(2)
          yield* eventually(() => server.connections().closed === 2, "the late exchange's connection to close")
        })
    ))

  it.live("an abandoned exchange closes its connection and never calls back", () =>
    withServedPool(
      () => ({ pieces: [] }),
      (pool, server) =>
        Effect.gen(function*() {
          let called = false
          const abandon = pool.request(get(), () => {
            called = true
          })
          yield* eventually(() => server.received.length === 1, "the request to arrive")
          abandon()
          yield* eventually(() => server.connections().closed === 1, "the connection to close")
          expect(called).toBe(false)
        })
    ))

  it.live("a connection that breaks before the answer ends fails the exchange with the reason", () =>
    withServedPool(
      () => ({ pieces: [answer("200 OK", ["content-length: 100"], "{\"cut")], close: true }),
      (pool) =>
        Effect.map(Effect.flip(send(pool, get())), (error) => {
          expect(error).toBeInstanceOf(Http1Error)
          expect(error.message).toBe("connection closed before the answer ended")
        })
    ))

  it.live("a header value or target that would end its line is refused before anything is sent", () =>
    withServedPool(
      () => ({ pieces: [answer("200 OK", ["content-length: 2"], "{}")] }),
      (pool, server) =>
        Effect.gen(function*() {
          const injected = yield* Effect.flip(
            send(pool, { method: "GET", target: "/api/pool", headers: { cookie: "a=1\r\nx-admin: yes" } })
          )
          expect(injected.message).toBe("invalid character in header cookie")
          const target = yield* Effect.flip(send(pool, { method: "GET", target: "/api/pool\r\nx: y", headers: {} }))
          expect(target.message).toBe("invalid request target")
          const method = yield* Effect.flip(send(pool, { method: "GET /x", target: "/", headers: {} }))
          expect(method.message).toContain("invalid method")
          expect(server.connections().opened).toBe(0)
        })
    ))

  it.live("malformed answers fail with what is wrong, and their connection is not reused", () =>
    withServedPool(
      (request) => ({
        pieces: [
          request.head.startsWith("GET /status ") ?
            "HTTP/2 200\r\n\r\n" :
            request.head.startsWith("GET /length ") ?
            answer("200 OK", ["content-length: 2", "content-length: 3"], "{}") :
            request.head.startsWith("GET /chunk ") ?
            answer("200 OK", ["transfer-encoding: chunked"], "zz\r\n") :
            request.head.startsWith("GET /chunk-end ") ?
            answer("200 OK", ["transfer-encoding: chunked"], "2\r\n{}XX0\r\n\r\n") :
            request.head.startsWith("GET /big ") ?
            answer("200 OK", [`x-filler: ${"a".repeat(20_000)}`, "content-length: 2"], "{}") :
            request.head.startsWith("GET /extra ") ?
            answer("200 OK", ["content-length: 2"], "{}") + "HTTP/1.1 200 OK\r\n" :
            answer("200 OK", ["content-length: 2"], "{}")
        ]
      }),
      (pool, server) =>
        Effect.gen(function*() {
          const messages: Array<string> = []
          for (const target of ["/status", "/length", "/chunk", "/chunk-end", "/big"]) {
            messages.push((yield* Effect.flip(send(pool, get(target)))).message)
          }
          expect(messages).toEqual([
            "malformed status line",
            "malformed content-length",
            "malformed chunk size",
            "malformed chunk",
            "answer head too large"
          ])
          // Bytes past the end of an answer: this answer stands, the connection is not trusted again.
          const extra = yield* send(pool, get("/extra"))
          expect(extra.body.toString()).toBe("{}")
          yield* send(pool, get("/fine"))
          expect(server.received.map((request) => request.connection)).toEqual([0, 1, 2, 3, 4, 5, 6])
        })
    ))

  it.live("over TLS the certificate is verified against the configured CA; without one it is not checked", () =>
    Effect.flatMap(Effect.promise(() => simulatorCertificate()), (pair) =>
      withRawServer(
        () => ({ pieces: [answer("200 OK", ["content-length: 2"], "{}")] }),
        (server) =>
          Effect.gen(function*() {
            const url = `https://127.0.0.1:${server.port}/api/pool`
            const trusted = yield* withPool(server.port, (pool) => send(pool, get()), { tls: { ca: pair.cert } })
            expect(trusted.status).toBe(200)
            // The pool verifies unless told otherwise (Node's defaults: the system's CAs).
            const byDefault = yield* Effect.flip(withPool(server.port, (pool) => send(pool, get()), { tls: {} }))
            expect(byDefault.message).toMatch(/certificate/i)
            // The Avi client without a CA does not check, as AKO.
            const transport = yield* nodeTransport({})
            const unchecked = yield* transport.send({ method: "GET", url, headers: {} }, Duration.seconds(30))
            expect(unchecked.status).toBe(200)
            // A CA that did not sign the server's certificate: refused.
            const other = yield* Effect.promise(() =>
              import("selfsigned").then(({ generate }) =>
                generate([{ name: "commonName", value: "another-ca" }], { keyType: "ec", curve: "P-256" })
              )
            )
            const refused = yield* Effect.flip(
              withPool(server.port, (pool) => send(pool, get()), { tls: { ca: other.cert } })
            )
            expect(refused.message).toMatch(/certificate/i)
            const refusedByClient = yield* Effect.flip(
              Effect.flatMap(
                nodeTransport({ ca: other.cert }),
                (client) => client.send({ method: "GET", url, headers: {} }, Duration.seconds(30))
              )
            )
            expect(refusedByClient).toMatchObject({
              _tag: "TransportFailure",
              message: expect.stringMatching(/certificate/i)
            })
          }).pipe(Effect.scoped),
        pair
      )))
})
