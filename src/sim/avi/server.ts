/**
 * The HTTP face of the simulated controller: URL normalisation, login/session/CSRF, version and tenant headers,
 * routing to the store, the request log, counters, faults and the `/_sim/` admin endpoint.
 */
import { randomBytes } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { isRecord } from "./behaviour.js"
import { flagSet, queryCollection } from "./collection.js"
import { apiError, AviApiError } from "./errors.js"
import { type FaultState, latencyFor, noFaults } from "./faults.js"
import { type Session, SESSION_MAX_AGE_MS, Sessions } from "./sessions.js"
import { ADMIN_TENANT, type AviSimSnapshot, AviStore, type TenantScope } from "./store.js"
import { type Body, specOf, type StoredObject } from "./types.js"

export interface AviSimUser {
  readonly username: string
  readonly password: string
}

export interface AviSimRequestLogEntry {
  readonly seq: number
  readonly method: string
  /** Path after slash normalisation (`//api/pool/` is logged as `/api/pool`). */
  readonly path: string
  /** Raw query string without `?`. */
  readonly query: string
  /** Tenant scope: a tenant name, `*`, or `admin` when no header was sent. */
  tenant: string
  /** `virtualservice`, `pool`, ..., `login`, `logout`, `cluster`, `initial-data`. */
  readonly objectType: string
  /**
   * Status of the controller's answer; 0 when it gave none (connection reset, request dropped, body never complete,
   * or still being processed). With `aborted` the client did not receive it.
   */
  status: number
  user: string | undefined
  /** The `X-Avi-UserAgent` request header, if sent. */
  readonly clientIdentity: string | undefined
  readonly startMs: number
  /** When the exchange with the client ended: response written, or connection closed. */
  endMs: number | undefined
  /**
   * When the controller finished processing the request, so its effects (a write) are visible from then on;
   * undefined while in progress and when it was never processed. For an aborted request that was applied anyway
   * this is after `endMs`.
   */
  processedMs: number | undefined
  /** The client closed the connection before the response was completely written. */
  aborted: boolean
}

/**
 * What happens to a request whose client went away before the answer: `apply` finishes it, as a real controller
 * does (nginx in front of it completes a request once it has the whole body, client or not); `drop` abandons it
 * before it is processed, which no real controller does.
 */
export type AbortedRequests = "apply" | "drop"

export interface ServerConfig {
  readonly users: ReadonlyArray<AviSimUser>
  readonly idleTimeoutMs: number
  readonly controllerVersion: string
  readonly nowMs: () => number
  readonly secure: boolean
  readonly clusterUuid: string
  readonly upSince: string
  /** Oldest entries are dropped beyond this many, so a long-running simulator does not grow without bound. */
  readonly requestLogLimit: number
  /** Django's HTTPS Referer check on unsafe methods of cookie sessions (both SDKs always send Referer). */
  readonly strictReferer: boolean
  readonly abortedRequests: AbortedRequests
}

type Auth = { readonly user: string; readonly session: Session | undefined }

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"])
const CSRF_FAILURE = "CSRF token missing or incorrect."
const NOT_AUTHENTICATED = { detail: "Authentication credentials were not provided." }
const SESSION_EXPIRED = { detail: "Invalid session: session expired or logged out." }

export const normalisePath = (pathname: string): string => {
  const collapsed = pathname.replace(/\/{2,}/g, "/")
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

const parseCookies = (req: IncomingMessage): Map<string, string> => {
  const out = new Map<string, string>()
  for (const part of (header(req, "cookie") ?? "").split(";")) {
    const eq = part.indexOf("=")
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim())
  }
  return out
}

const versionParts = (version: string): Array<number> | undefined => {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim())
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined
}

const compareVersions = (a: Array<number>, b: Array<number>): number => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}

/** The whole request body; fails when the client goes away before sending all of it, so it is never processed. */
const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
    req.on("close", () => {
      if (!req.complete) reject(new Error("the client closed the connection before the request body was complete"))
    })
  })

/** Both ends of a connection; the same for a TLSSocket and the TCP socket under it. */
const connectionKey = (socket: Socket): string | undefined =>
  socket.remoteAddress === undefined || socket.remotePort === undefined
    ? undefined
    : `${socket.remoteAddress}|${socket.remotePort}|${socket.localAddress}|${socket.localPort}`

const aviDate = (ms: number): string => new Date(ms).toISOString().replace("T", " ").slice(0, 19)

interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string | Array<string>>
}

export class AviSimServer {
  readonly store: AviStore
  readonly sessions: Sessions
  faults: FaultState = noFaults()
  clusterUuid: string
  private log: Array<AviSimRequestLogEntry> = []
  private seq = 0
  private readonly counts = new Map<string, Map<string, number>>()
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  /** Open TCP connections by their address pair; see `trackConnection`. */
  private readonly tcpSockets = new Map<string, Socket>()

  constructor(readonly config: ServerConfig) {
    this.clusterUuid = config.clusterUuid
    this.store = new AviStore(config.nowMs)
    this.sessions = new Sessions(config.nowMs, config.idleTimeoutMs)
  }

  requestLog(): ReadonlyArray<AviSimRequestLogEntry> {
    return this.log.map((e) => ({ ...e }))
  }

  clearRequestLog(): void {
    this.log = []
  }

  counters(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {}
    for (const [type, methods] of this.counts) out[type] = Object.fromEntries(methods)
    return out
  }

  clearCounters(): void {
    this.counts.clear()
  }

  /** Cancels injected delays so closing does not wait for them. */
  cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  /**
   * Remembers the TCP socket of every connection. Over HTTPS `req.socket` is a TLSSocket, whose handle is not a TCP
   * handle: `resetAndDestroy()` on it throws ERR_INVALID_HANDLE_TYPE (which used to kill the process), so a reset
   * has to go to the TCP socket beneath it. The listener's `connection` event is the documented way to get that one.
   */
  trackConnection(socket: Socket): void {
    const key = connectionKey(socket)
    if (key === undefined) return
    this.tcpSockets.set(key, socket)
    socket.once("close", () => {
      if (this.tcpSockets.get(key) === socket) this.tcpSockets.delete(key)
    })
  }

  /** TCP reset (RST, no response) of the connection a request came on, over HTTP and HTTPS alike. */
  private resetConnection(socket: Socket): void {
    const key = connectionKey(socket)
    const tcp = (key === undefined ? undefined : this.tcpSockets.get(key)) ?? socket
    try {
      tcp.resetAndDestroy()
    } catch {
      // Not a TCP handle after all (e.g. a connection handed in by a test harness): closing is the nearest thing.
      tcp.destroy()
    }
    // Over TLS this tears down the TLS layer too; it cannot send a close_notify any more, the TCP socket is gone.
    socket.destroy()
  }

  private later(ms: number, f: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      f()
    }, ms)
    this.timers.add(timer)
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve))
  }

  // ------------------------------------------------------------ entry point

  handle(
    req: IncomingMessage,
    res: ServerResponse,
    adminHandler: (req: IncomingMessage, res: ServerResponse, path: string, url: URL, body: string) => Promise<void>
  ): void {
    // Not `new URL(req.url)`: the Go SDK's `//api/...` would parse as a host named "api".
    const rawUrl = req.url ?? "/"
    const queryAt = rawUrl.indexOf("?")
    const path = normalisePath(queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt))
    const url = new URL(`http://sim${path}${queryAt < 0 ? "" : rawUrl.slice(queryAt)}`)
    if (path === "/_sim" || path.startsWith("/_sim/")) {
      readBody(req).then((body) => adminHandler(req, res, path, url, body)).catch((cause: unknown) => {
        if (!res.headersSent) this.write(res, { status: 500, body: { error: String(cause) } }, undefined)
      })
      return
    }
    const method = (req.method ?? "GET").toUpperCase()
    const segments = path.split("/").filter((s) => s.length > 0)
    const objectType = segments[0] === "api" ? segments[1] ?? "api" : segments[0] ?? ""
    const entry: AviSimRequestLogEntry = {
      seq: ++this.seq,
      method,
      path,
      query: url.search.replace(/^\?/, ""),
      tenant: header(req, "x-avi-tenant") ?? header(req, "x-avi-tenant-uuid") ?? ADMIN_TENANT,
      objectType,
      status: 0,
      user: undefined,
      clientIdentity: header(req, "x-avi-useragent"),
      startMs: this.config.nowMs(),
      endMs: undefined,
      processedMs: undefined,
      aborted: false
    }
    this.log.push(entry)
    if (this.log.length > this.config.requestLogLimit * 1.1) {
      this.log.splice(0, this.log.length - this.config.requestLogLimit)
    }
    let closed = false
    res.on("close", () => {
      closed = true
      entry.endMs = this.config.nowMs()
      entry.aborted = !res.writableFinished
      if (entry.aborted) entry.status = res.headersSent ? entry.status : 0
      const methods = this.counts.get(objectType) ?? new Map<string, number>()
      methods.set(method, (methods.get(method) ?? 0) + 1)
      this.counts.set(objectType, methods)
    })
    if (this.faults.pendingResets > 0) {
      this.faults.pendingResets--
      this.resetConnection(req.socket)
      return
    }
    const run = async () => {
      const raw = await readBody(req)
      const latency = latencyFor(this.faults, method, path, entry.clientIdentity)
      if (latency > 0) await this.delay(latency)
      if (closed && this.config.abortedRequests === "drop") return
      if (this.faults.errorRate > 0 && Math.random() < this.faults.errorRate) {
        return this.answer(
          res,
          { status: this.faults.errorStatus, body: { error: "Simulated controller failure" } },
          entry,
          closed
        )
      }
      const reply = this.route(req, method, path, segments, url, raw, entry)
      this.answer(res, reply, entry, closed)
    }
    run().catch((cause: unknown) => {
      if (!res.headersSent && !closed) {
        this.write(res, { status: 500, body: { error: cause instanceof Error ? cause.message : String(cause) } }, entry)
      }
    })
  }

  /** Records that the request was processed and sends the answer, unless nobody is left to receive it. */
  private answer(res: ServerResponse, reply: Reply, entry: AviSimRequestLogEntry, clientGone: boolean): void {
    entry.processedMs = this.config.nowMs()
    if (clientGone) entry.status = reply.status
    else this.write(res, reply, entry)
  }

  private write(res: ServerResponse, reply: Reply, entry: AviSimRequestLogEntry | undefined): void {
    if (entry) entry.status = reply.status
    const payload = reply.body === undefined
      ? ""
      : typeof reply.body === "string"
      ? reply.body
      : JSON.stringify(reply.body)
    const bytes = Buffer.from(payload, "utf8")
    res.statusCode = reply.status
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value)
    if (reply.status !== 204) {
      res.setHeader("Content-Type", "application/json")
      res.setHeader("Content-Length", bytes.length)
    }
    const slow = entry ? this.faults.slowBodyMs : 0
    if (slow <= 0 || bytes.length < 2 || reply.status === 204) {
      res.end(reply.status === 204 ? undefined : bytes)
      return
    }
    const pieces = Math.min(10, bytes.length)
    const size = Math.ceil(bytes.length / pieces)
    res.flushHeaders()
    let index = 0
    const step = () => {
      if (res.destroyed) return
      const chunk = bytes.subarray(index * size, (index + 1) * size)
      index++
      if (index * size >= bytes.length) res.end(chunk)
      else {
        res.write(chunk)
        this.later(slow / pieces, step)
      }
    }
    this.later(slow / pieces, step)
  }

  // ------------------------------------------------------------ routing

  private route(
    req: IncomingMessage,
    method: string,
    path: string,
    segments: ReadonlyArray<string>,
    url: URL,
    raw: string,
    entry: AviSimRequestLogEntry
  ): Reply {
    try {
      if (path === "/login") {
        if (method !== "POST") throw apiError(405, `Method "${method}" not allowed.`)
        return this.login(req, raw, entry)
      }
      if (path === "/logout" || path === "/api/logout") return this.logout(req, entry)
      if (segments[0] !== "api") throw apiError(404, `Resource ${path} not found`)
      if (path === "/api/cluster/status") return { status: 200, body: this.clusterStatus() }
      if (path === "/api/initial-data") return { status: 200, body: this.initialData() }

      const auth = this.authenticate(req, method)
      if (auth instanceof AviApiError) return { status: auth.status, body: auth.body }
      entry.user = auth.user
      const cookies = auth.session ? this.sessionCookies(auth.session, false) : []
      const withCookies = (reply: Reply): Reply =>
        cookies.length === 0 ? reply : { ...reply, headers: { ...reply.headers, "Set-Cookie": cookies } }

      if (this.faults.pending419 > 0) {
        this.faults.pending419--
        if (!auth.session) return { status: 419, body: { error: "Session invalidated" } }
        this.sessions.delete(auth.session.id)
        const fresh = this.sessions.create(auth.user)
        return {
          status: 419,
          body: { error: "Session invalidated, please log in again" },
          headers: { "Set-Cookie": this.sessionCookies(fresh, true) }
        }
      }
      try {
        this.checkVersion(req)
        const scope = this.tenantScope(req)
        entry.tenant = scope === "*" ? "*" : String(this.store.get("tenant", scope)?.body.name ?? scope)
        return withCookies(this.api(req, method, segments, url, raw, scope, auth))
      } catch (error) {
        if (error instanceof AviApiError) return withCookies({ status: error.status, body: error.body })
        throw error
      }
    } catch (error) {
      if (error instanceof AviApiError) return { status: error.status, body: error.body }
      throw error
    }
  }

  private api(
    req: IncomingMessage,
    method: string,
    segments: ReadonlyArray<string>,
    url: URL,
    raw: string,
    scope: TenantScope,
    auth: Auth
  ): Reply {
    const type = segments[1] ?? ""
    const id = segments[2]
    const base = this.base(req)
    const params = url.searchParams
    const includeName = flagSet(params, "include_name")
    const render = (obj: StoredObject, include: boolean) =>
      this.store.render(obj, { base, includeName: include, fields: fieldsOf(params) })
    const parse = (): unknown => {
      if (raw.trim().length === 0) return {}
      try {
        return JSON.parse(raw)
      } catch {
        throw apiError(400, "JSON parse error - request body is not valid JSON")
      }
    }
    const onlyGet = () => {
      if (method !== "GET") throw apiError(405, `Method "${method}" not allowed.`)
    }

    switch (type) {
      case "cluster":
        onlyGet()
        if (id === "runtime") return { status: 200, body: this.clusterRuntime() }
        if (id !== undefined && id !== "status") throw apiError(404, `Resource /api/cluster/${id} not found`)
        return { status: 200, body: this.cluster(base, includeName) }
      case "ipamdnsproviderprofiledomainlist":
        onlyGet()
        return { status: 200, body: this.domainList(params.get("cloud_uuid"), scope) }
      case "systemconfiguration": {
        if (id !== undefined && id !== "default") throw apiError(404, "SystemConfiguration object not found!")
        const current = this.store.get("systemconfiguration", "default")
        if (!current) throw apiError(404, "SystemConfiguration object not found!")
        if (method === "GET") return { status: 200, body: render(current, includeName) }
        if (method === "PUT") {
          return { status: 200, body: render(this.store.replace(type, "default", parse(), ADMIN_TENANT), true) }
        }
        if (method === "PATCH") {
          return { status: 200, body: render(this.store.patch(type, "default", parse(), ADMIN_TENANT), true) }
        }
        throw apiError(405, `Method "${method}" not allowed.`)
      }
    }
    const spec = specOf(type)
    if (!spec) throw apiError(404, `Resource /api/${type} not found`)
    const ownTokens = type === "user-token" ? (o: StoredObject) => o.owner === auth.user : undefined
    if (id === undefined) {
      if (method === "GET") {
        return { status: 200, body: queryCollection(this.store, type, scope, params, { base }, ownTokens) }
      }
      if (method === "POST") {
        let input = parse()
        if (type === "user-token") input = this.newToken(input)
        const obj = this.store.create(type, input, {
          tenant: scope,
          slug: header(req, "slug"),
          ...(type === "user-token" ? { owner: auth.user } : {})
        })
        const body = render(obj, true)
        return { status: 201, body, headers: { Location: String(body.url) } }
      }
      throw apiError(405, `Method "${method}" not allowed.`)
    }
    if (segments.length > 3) throw apiError(404, `Resource /api/${segments.slice(1).join("/")} not found`)
    const found = this.store.get(type, id)
    if (!found || !this.store.visible(found, scope) || (ownTokens && !ownTokens(found))) {
      throw apiError(404, `${spec.model} object not found!`, { obj_name: id })
    }
    switch (method) {
      case "GET":
        return { status: 200, body: render(found, includeName) }
      case "PUT":
        return { status: 200, body: render(this.store.replace(type, id, parse(), scope), true) }
      case "PATCH":
        return { status: 200, body: render(this.store.patch(type, id, parse(), scope), true) }
      case "DELETE":
        this.store.remove(type, id, scope)
        return { status: 204 }
      default:
        throw apiError(405, `Method "${method}" not allowed.`)
    }
  }

  // ------------------------------------------------------------ auth

  private login(req: IncomingMessage, raw: string, entry: AviSimRequestLogEntry): Reply {
    const contentType = header(req, "content-type") ?? ""
    let fields: Record<string, unknown> = {}
    if (contentType.includes("json") || raw.trim().startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(raw)
        if (isRecord(parsed)) fields = parsed
      } catch {
        throw apiError(400, "JSON parse error - request body is not valid JSON")
      }
    } else {
      fields = Object.fromEntries(new URLSearchParams(raw))
    }
    const username = typeof fields.username === "string" ? fields.username : undefined
    entry.user = username
    const user = this.config.users.find((u) => u.username === username)
    const password = typeof fields.password === "string" ? fields.password : undefined
    const token = typeof fields.token === "string" ? fields.token : undefined
    const ok = user !== undefined && (
      (password !== undefined && password === user.password) ||
      (token !== undefined && this.tokenValid(user.username, token))
    )
    if (!ok || user === undefined) return { status: 401, body: { error: "Invalid credentials" } }
    const session = this.sessions.create(user.username)
    return {
      status: 200,
      body: this.loginBody(this.base(req), user.username),
      headers: { "Set-Cookie": this.sessionCookies(session, true) }
    }
  }

  private logout(req: IncomingMessage, entry: AviSimRequestLogEntry): Reply {
    const cookies = parseCookies(req)
    const id = cookies.get("avi-sessionid") ?? cookies.get("sessionid")
    const found = this.sessions.lookup(id)
    if (found._tag === "Valid") {
      entry.user = found.session.user
      this.sessions.delete(found.session.id)
    }
    return { status: 200, body: {} }
  }

  private authenticate(req: IncomingMessage, method: string): Auth | AviApiError {
    const cookies = parseCookies(req)
    const id = cookies.get("avi-sessionid") ?? cookies.get("sessionid")
    const found = this.sessions.lookup(id)
    if (found._tag === "Valid") {
      if (UNSAFE.has(method) && header(req, "x-csrftoken") !== found.session.csrf) {
        return new AviApiError({ status: 401, body: CSRF_FAILURE })
      }
      if (UNSAFE.has(method) && this.config.strictReferer && this.config.secure && !header(req, "referer")) {
        return new AviApiError({ status: 403, body: { detail: "CSRF Failed: Referer checking failed - no Referer." } })
      }
      return { user: found.session.user, session: found.session }
    }
    const authorization = header(req, "authorization")
    if (authorization?.startsWith("Basic ")) {
      if (!this.basicAuthAllowed()) {
        return new AviApiError({ status: 401, body: { detail: "Basic authentication is not enabled." } })
      }
      const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8")
      const colon = decoded.indexOf(":")
      const user = this.config.users.find((u) => u.username === decoded.slice(0, colon))
      if (colon < 0 || !user || user.password !== decoded.slice(colon + 1)) {
        return new AviApiError({ status: 401, body: { detail: "Invalid username/password." } })
      }
      return { user: user.username, session: undefined }
    }
    return new AviApiError({ status: 401, body: found._tag === "Expired" ? SESSION_EXPIRED : NOT_AUTHENTICATED })
  }

  private basicAuthAllowed(): boolean {
    const config = this.store.get("systemconfiguration", "default")?.body.portal_configuration
    return isRecord(config) && config.allow_basic_authentication === true
  }

  private sessionCookies(session: Session, withCsrf: boolean): Array<string> {
    const secure = this.config.secure ? "; Secure" : ""
    const maxAge = Math.floor(SESSION_MAX_AGE_MS / 1000)
    return [
      ...(withCsrf ? [`csrftoken=${session.csrf}; Max-Age=31449600; Path=/${secure}`] : []),
      `avi-sessionid=${session.id}; HttpOnly; Max-Age=${maxAge}; Path=/${secure}`,
      `sessionid=${session.id}; HttpOnly; Max-Age=${maxAge}; Path=/${secure}`
    ]
  }

  private tokenValid(username: string, token: string): boolean {
    for (const obj of this.store.objectsOf("user-token")) {
      if (obj.owner === username && obj.body.token === token) {
        return Date.parse(String(obj.body.expires_at)) > this.config.nowMs()
      }
    }
    return false
  }

  private newToken(input: unknown): Body {
    const body = isRecord(input) ? { ...input } : {}
    const hours = Number(body.hours ?? 24)
    if (!Number.isFinite(hours) || hours <= 0) throw apiError(400, `Invalid hours ${String(body.hours)}`)
    return {
      ...body,
      hours,
      token: randomBytes(20).toString("hex"),
      expires_at: new Date(this.config.nowMs() + hours * 3_600_000).toISOString()
    }
  }

  private checkVersion(req: IncomingMessage): void {
    const requested = header(req, "x-avi-version")
    if (requested === undefined) return
    const parts = versionParts(requested)
    const own = versionParts(this.config.controllerVersion)!
    if (!parts || compareVersions(parts, own) > 0) {
      throw apiError(
        400,
        `Invalid version ${requested}; this controller supports versions up to ${this.config.controllerVersion}`
      )
    }
  }

  private tenantScope(req: IncomingMessage): TenantScope {
    const byUuid = header(req, "x-avi-tenant-uuid")
    if (byUuid !== undefined && byUuid !== "") {
      if (!this.store.get("tenant", byUuid)) throw apiError(403, `Tenant '${byUuid}' does not exist!`)
      return byUuid
    }
    const byName = header(req, "x-avi-tenant")
    if (byName === undefined || byName === "") return ADMIN_TENANT
    if (byName === "*") return "*"
    const tenant = this.store.tenantByName(byName)
    if (!tenant) throw apiError(403, `Tenant '${byName}' does not exist!`)
    return tenant.uuid
  }

  // ------------------------------------------------------------ singletons

  private base(req: IncomingMessage): string {
    return `${this.config.secure ? "https" : "http"}://${header(req, "host") ?? "avi-controller"}`
  }

  versionBlock(): Body {
    const v = this.config.controllerVersion
    return {
      Version: v,
      build: 9046,
      Tag: `${v}-9046-20240101.000000`,
      Date: "2024-01-01T00:00:00+00:00",
      min_version: 15.2,
      ProductName: "Avi Cloud Controller",
      Product: "controller",
      patch: ""
    }
  }

  private initialData(): Body {
    return {
      version: this.versionBlock(),
      user_initialized: true,
      setup_failed: false,
      banner: "",
      sso: false,
      email_configuration_is_set: false,
      current_time: new Date(this.config.nowMs()).toISOString()
    }
  }

  private loginBody(base: string, username: string): Body {
    const index = this.config.users.findIndex((u) => u.username === username)
    const system = this.store.get("systemconfiguration", "default")
    const tenants = [...this.store.objectsOf("tenant")].map((t) => ({
      url: `${base}/api/tenant/${t.uuid}`,
      uuid: t.uuid,
      name: t.body.name,
      local: t.body.local ?? true
    }))
    return {
      user_initialized: true,
      version: this.versionBlock(),
      user: {
        username,
        name: username,
        uuid: `user-${index + 1}`,
        is_superuser: true,
        local: true,
        default_tenant_ref: `${base}/api/tenant/${ADMIN_TENANT}`
      },
      tenants,
      system_config: {
        url: `${base}/api/systemconfiguration`,
        uuid: "default",
        default_license_tier: system?.body.default_license_tier ?? "ENTERPRISE",
        portal_configuration: system?.body.portal_configuration ?? { allow_basic_authentication: false }
      },
      controller: { api_idle_timeout: Math.max(1, Math.round(this.config.idleTimeoutMs / 60_000)) },
      session_cookie_name: "avi-sessionid"
    }
  }

  private nodeStates(): Array<Body> {
    return [{
      name: "127.0.0.1",
      role: "CLUSTER_LEADER",
      state: "CLUSTER_ACTIVE",
      up_since: this.config.upSince,
      mgmt_ip: "127.0.0.1"
    }]
  }

  private clusterStatus(): Body {
    return {
      cluster_state: { state: "CLUSTER_UP_NO_HA", progress: 100, up_since: this.config.upSince },
      node_states: this.nodeStates()
    }
  }

  private clusterRuntime(): Body {
    return {
      cluster_state: { state: "CLUSTER_UP_NO_HA", progress: 100, up_since: this.config.upSince },
      node_states: this.nodeStates(),
      node_info: { uuid: this.clusterUuid, mgmt_ip: "127.0.0.1", version: this.config.controllerVersion }
    }
  }

  private cluster(base: string, includeName: boolean): Body {
    const ref = `/api/cluster/${this.clusterUuid}`
    return {
      url: `${base}${ref}${includeName ? "#cluster-0-1" : ""}`,
      uuid: this.clusterUuid,
      name: "cluster-0-1",
      nodes: [{ name: "127.0.0.1", ip: { addr: "127.0.0.1", type: "V4" } }],
      tenant_ref: `${base}/api/tenant/${ADMIN_TENANT}${includeName ? "#admin" : ""}`,
      _last_modified: "1700000000000000"
    }
  }

  private domainList(cloudUuid: string | null, scope: TenantScope): Body {
    const cloud = cloudUuid
      ? this.store.get("cloud", cloudUuid)
      : this.store.byName("cloud", "Default-Cloud", scope)[0]
    if (!cloud) throw apiError(404, "Cloud object not found!")
    const domains: Array<string> = []
    for (const field of ["ipam_provider_ref", "dns_provider_ref"]) {
      const profile = this.store.getRef(cloud.body[field])
      const internal = profile && isRecord(profile.body.internal_profile) ? profile.body.internal_profile : undefined
      const entries = Array.isArray(internal?.dns_service_domain) ? internal.dns_service_domain : []
      for (const entry of entries) {
        if (isRecord(entry) && typeof entry.domain_name === "string") domains.push(entry.domain_name)
      }
    }
    return { domains }
  }

  snapshot(): AviSimSnapshot {
    return { ...this.store.snapshot(), clusterUuid: this.clusterUuid }
  }

  restore(snapshot: AviSimSnapshot): void {
    this.store.restore(snapshot)
    if (snapshot.clusterUuid !== undefined) this.clusterUuid = snapshot.clusterUuid
  }

  /** Log entries after sequence number `since` (for incremental reads over the admin endpoint). */
  requestLogSince(since: number): ReadonlyArray<AviSimRequestLogEntry> {
    return this.log.filter((e) => e.seq > since).map((e) => ({ ...e }))
  }

  static upSince(nowMs: number): string {
    return aviDate(nowMs)
  }
}

const fieldsOf = (params: URLSearchParams): ReadonlySet<string> | undefined => {
  const value = params.get("fields")
  return value === null ? undefined : new Set(value.split(",").map((s) => s.trim()))
}
