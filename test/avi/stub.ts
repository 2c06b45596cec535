/**
 * A scripted controller behind a stub HttpClient: unit tests of the client's header, session, retry and error
 * logic without sockets. The default script is a well-behaved controller with one session.
 */
import { HttpClient, HttpClientError, HttpClientResponse } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import type { AviClientConfig } from "../../src/avi/index.js"

export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
}

export interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly setCookie?: ReadonlyArray<string>
  /** Fail with a transport error instead of answering. */
  readonly transportError?: boolean
  /** Never answer (for timeouts). */
  readonly hang?: boolean
  /** Answer after this long (on the Clock). */
  readonly delayMillis?: number
}

export type Script = (request: SeenRequest, controller: StubController) => Reply | undefined

export const PASSWORD = "s3cr3t-Pa55w0rd"

export const stubConfig = (overrides: Partial<AviClientConfig> = {}): AviClientConfig => ({
  controller: "avi.example:9443",
  username: "admin",
  password: Redacted.make(PASSWORD),
  clientIdentity: "ako-ts/test replica-0",
  retryBase: "100 millis",
  ...overrides
})

export class StubController {
  readonly requests: Array<SeenRequest> = []
  sessions = 0
  version = "22.1.3"
  scripts: Array<Script> = []

  get sessionId(): string {
    return `session-${this.sessions}`
  }

  /** Runs the first script that answers, else the default controller. */
  answer(request: SeenRequest): Reply {
    this.requests.push(request)
    for (const script of this.scripts) {
      const reply = script(request, this)
      if (reply !== undefined) return reply
    }
    return this.defaultReply(request)
  }

  defaultReply(request: SeenRequest): Reply {
    if (request.path === "/login") {
      const body = request.body as Record<string, unknown>
      if (body["password"] !== PASSWORD && body["token"] !== PASSWORD) {
        return { status: 401, body: { error: "Invalid credentials" } }
      }
      this.sessions++
      return {
        status: 200,
        body: { user_initialized: true, version: { Version: this.version } },
        setCookie: [
          `csrftoken=csrf-${this.sessions}; Max-Age=31449600; Path=/; Secure`,
          `avi-sessionid=${this.sessionId}; HttpOnly; Max-Age=86400; Path=/; Secure`,
          `sessionid=${this.sessionId}; HttpOnly; Max-Age=86400; Path=/; Secure`
        ]
      }
    }
    if (!this.authorised(request)) {
      return { status: 401, body: { detail: "Authentication credentials were not provided." } }
    }
    if (request.path === "/api/initial-data") return { status: 200, body: { version: { Version: this.version } } }
    if (request.path === "/logout") return { status: 200, body: {} }
    return { status: 404, body: { error: "Not found" } }
  }

  authorised(request: SeenRequest): boolean {
    return (request.headers["cookie"] ?? "").includes(`avi-sessionid=${this.sessionId}`) &&
      request.headers["x-csrftoken"] === `csrf-${this.sessions}`
  }

  count(predicate: (request: SeenRequest) => boolean): number {
    return this.requests.filter(predicate).length
  }

  readonly layer: Layer.Layer<HttpClient.HttpClient> = Layer.succeed(
    HttpClient.HttpClient,
    HttpClient.make((request, url) =>
      Effect.suspend(() => {
        const body = request.body._tag === "Uint8Array"
          ? JSON.parse(new TextDecoder().decode(request.body.body)) as unknown
          : undefined
        const seen: SeenRequest = {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body
        }
        const reply = this.answer(seen)
        if (reply.hang === true) return Effect.never
        if (reply.transportError === true) {
          return Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("connect ECONNREFUSED") })
          )
        }
        const headers = new Headers({ "content-type": "application/json" })
        for (const cookie of reply.setCookie ?? []) headers.append("set-cookie", cookie)
        const text = reply.body === undefined ? null : JSON.stringify(reply.body)
        const response = HttpClientResponse.fromWeb(
          request,
          new Response(reply.status === 204 ? null : text, { status: reply.status, headers })
        )
        return reply.delayMillis === undefined
          ? Effect.succeed(response)
          : Effect.as(Effect.sleep(reply.delayMillis), response)
      })
    )
  )
}
