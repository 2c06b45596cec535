/**
 * How the Avi client's exchanges reach the controller. The live client sends over its own HTTP/1.1 connections
 * (src/http/http1.ts): one request is one `Effect.async`, its deadline a Node timer. @effect/platform's HttpClient
 * cost about 400 fiber steps and 4 forked fibers per exchange (a scope, the abort wiring, the body stream, the
 * timeout race), roughly 1 ms of CPU each, and a burst of Services is four exchanges per Service
 * (bench/latency.ts); Node's own http client, about 0.3 ms more. An HttpClient can still be plugged in
 * (`httpClientTransport`): the unit tests script a controller behind one.
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Http1Pool } from "../http/http1.js"

export interface TransportRequest {
  readonly method: string
  /** Absolute URL. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** JSON text, sent as is. */
  readonly body?: string | undefined
}

export interface TransportResponse {
  readonly status: number
  readonly text: string
  readonly cookies: Cookies.Cookies
}

/** No answer: the connection failed or broke (`message` says how; never the request, which may hold a password). */
export interface TransportFailure {
  readonly _tag: "TransportFailure"
  readonly message: string
}

/** No answer within the deadline; the request was abandoned. */
export interface TransportTimeout {
  readonly _tag: "TransportTimeout"
}

export type TransportOutcome = TransportResponse | TransportFailure | TransportTimeout

export interface AviTransport {
  readonly send: (
    request: TransportRequest,
    timeout: Duration.Duration
  ) => Effect.Effect<TransportResponse, TransportFailure | TransportTimeout>
  /**
   * The same exchange without a fiber of its own, for a caller that already waits in an `Effect.async` (the client
   * starts it when its concurrency permit is granted): `done` is called once with the outcome, unless the returned
   * function abandons the exchange first. Absent, the caller uses `send`.
   */
  readonly start?: (
    request: TransportRequest,
    timeout: Duration.Duration,
    done: (outcome: TransportOutcome) => void
  ) => () => void
}

export interface NodeTransportOptions {
  /** PEM of the CA that signed the controller's certificate; absent, the certificate is not verified (as AKO). */
  readonly ca?: string | undefined
  /**
   * One client span per exchange (`http.client <METHOD>`: method, URL, status). No header is recorded, so the
   * session cookie and the CSRF token never reach a span.
   */
  readonly tracing?: boolean | undefined
}

/** `https://host:port/prefix/api/x?y` → origin `https://host:port`, target `/prefix/api/x?y`, without a URL parse. */
const splitUrl = (url: string): { readonly origin: string; readonly target: string } | undefined => {
  const scheme = /^https?:\/\//i.exec(url)
  if (scheme === null) return undefined
  const slash = url.indexOf("/", scheme[0].length)
  const query = url.indexOf("?", scheme[0].length)
  const cut = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query)
  if (cut < 0) return { origin: url, target: "/" }
  const target = url.slice(cut)
  return { origin: url.slice(0, cut), target: target.startsWith("/") ? target : `/${target}` }
}

const failure = (message: string): TransportFailure => ({ _tag: "TransportFailure", message })
const TIMEOUT: TransportTimeout = { _tag: "TransportTimeout" }

/** Keep-alive connections per origin (one in practice: the controller's), closed when the scope closes. */
export const nodeTransport = (options: NodeTransportOptions): Effect.Effect<AviTransport, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new Map<string, Http1Pool>()),
      (pools) =>
        Effect.sync(() => {
          for (const pool of pools.values()) pool.close()
        })
    ),
    (pools): AviTransport => {
      // No CA, no verification, as AKO.
      const tls = options.ca !== undefined && options.ca.length > 0 ? { ca: options.ca } : { rejectUnauthorized: false }
      const poolFor = (origin: string): Http1Pool => {
        let pool = pools.get(origin)
        if (pool === undefined) {
          pool = new Http1Pool({ origin, tls })
          pools.set(origin, pool)
        }
        return pool
      }
      // Avi repeats the same Set-Cookie on most answers: the last one parsed is reused, and being the same object
      // tells the session that nothing changed (parsing and merging it on every request cost 2 % of a bulk sync).
      let lastSetCookie: { readonly header: string; readonly cookies: Cookies.Cookies } | undefined
      const cookiesOf = (setCookie: ReadonlyArray<string> | undefined): Cookies.Cookies => {
        if (setCookie === undefined) return Cookies.empty
        const header = setCookie.join("\n")
        if (lastSetCookie?.header !== header) lastSetCookie = { header, cookies: Cookies.fromSetCookie(setCookie) }
        return lastSetCookie.cookies
      }
      const start: NonNullable<AviTransport["start"]> = (request, timeout, done) => {
        const split = splitUrl(request.url)
        if (split === undefined) {
          done(failure("RequestError: not an absolute http(s) URL"))
          return () => {}
        }
        let pool: Http1Pool
        try {
          pool = poolFor(split.origin)
        } catch (error) {
          done(failure(`RequestError: ${error instanceof Error ? error.message : String(error)}`))
          return () => {}
        }
        let settled = false
        let timer: ReturnType<typeof setTimeout> | undefined
        const abandon = pool.request(
          { method: request.method, target: split.target, headers: request.headers, body: request.body },
          (error, answer) => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            done(
              answer === undefined ?
                failure(`Transport: ${error?.message ?? "no answer"}`) :
                { status: answer.status, text: answer.body.toString("utf8"), cookies: cookiesOf(answer.setCookie) }
            )
          }
        )
        if (settled) return () => {}
        // Node fires a timer of more than 2^31-1 ms at once: such a deadline (or none) gets no timer
        const millis = Duration.toMillis(timeout)
        if (millis < 2 ** 31) {
          timer = setTimeout(() => {
            if (settled) return
            settled = true
            abandon()
            done(TIMEOUT)
          }, Math.max(1, millis))
        }
        return () => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          abandon()
        }
      }
      const send: AviTransport["send"] = (request, timeout) =>
        Effect.async<TransportResponse, TransportFailure | TransportTimeout>((resume) => {
          const abandon = start(
            request,
            timeout,
            (outcome) => resume("_tag" in outcome ? Effect.fail(outcome) : Effect.succeed(outcome))
          )
          // interrupted (a cut write, a lost lead): the request is aborted, not left to finish on its own
          return Effect.sync(abandon)
        })
      // Traced, each exchange is a span of its own, which only `send` opens.
      if (options.tracing !== true) return { send, start }
      return {
        send: (request, timeout) =>
          send(request, timeout).pipe(
            Effect.tap((response) => Effect.annotateCurrentSpan("http.response.status_code", response.status)),
            Effect.withSpan(`http.client ${request.method}`, {
              kind: "client",
              attributes: { "http.request.method": request.method, "url.full": request.url }
            })
          )
      }
    }
  )

/** Only the reason and the cause's message: the transport error itself holds the request (and a login body). */
const describeTransport = (error: HttpClientError.HttpClientError): string => {
  const cause = error.cause
  const detail = cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause)
  return detail.length > 0 ? `${error.reason}: ${detail}` : error.reason
}

const REDACTED_HEADERS = ["authorization", "cookie", "set-cookie", "x-api-key", "x-csrftoken"]

/**
 * Exchanges through an @effect/platform HttpClient (stubs, custom transports), its deadline on the Effect Clock.
 * With `tracing`, each request is a span; its attributes never carry the session cookie or the CSRF token.
 */
export const httpClientTransport = (client: HttpClient.HttpClient, tracing: boolean): AviTransport => {
  const traced = tracing ? client : HttpClient.withTracerDisabledWhen(client, () => true)
  const send: AviTransport["send"] = (request, timeout) => {
    let outgoing = HttpClientRequest.make(request.method as HttpClientRequest.HttpClientRequest["method"])(request.url)
      .pipe(HttpClientRequest.setHeaders(request.headers))
    if (request.body !== undefined) {
      outgoing = HttpClientRequest.bodyText(outgoing, request.body, "application/json")
    }
    return traced.execute(outgoing).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text): TransportResponse => ({
          status: response.status,
          text,
          cookies: response.cookies
        }))
      ),
      Effect.mapError((error): TransportFailure | TransportTimeout => failure(describeTransport(error))),
      Effect.timeoutFail({ duration: timeout, onTimeout: (): TransportFailure | TransportTimeout => TIMEOUT })
    )
  }
  return {
    send: tracing
      ? (request, timeout) => Effect.locally(send(request, timeout), Headers.currentRedactedNames, REDACTED_HEADERS)
      : send
  }
}
