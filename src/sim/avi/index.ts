/**
 * Avi Controller simulator: a stateful, client-compatible stand-in for the controller's REST API
 * (reference/avi-api.md). Start it in-process with `makeAviSim` (scoped) or `startAviSim` (Promise), or from the
 * command line with `ako-ts sim avi`. Default credentials: admin / `AVI_SIM_DEFAULT_PASSWORD`.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import * as fs from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo, Socket } from "node:net"
import { adminHandler, decodeSnapshot } from "./admin.js"
import { AviApiError, AviSimStartError } from "./errors.js"
import { type AviSimFaults, noFaults, type RequestMatch } from "./faults.js"
import {
  type CloudOptions,
  DEFAULT_VIP_NETWORK,
  type NetworkOptions,
  seedStore,
  type VipNetworkOptions
} from "./seed.js"
import { type AbortedRequests, type AviSimRequestLogEntry, AviSimServer, type AviSimUser } from "./server.js"
import { ADMIN_TENANT, type AviSimSnapshot } from "./store.js"
import { simulatorCertificate } from "./tls.js"
import type { Body } from "./types.js"

export { AviApiError, AviSimStartError } from "./errors.js"
export type { AviSimFaults, RequestMatch } from "./faults.js"
export type { CloudOptions, NetworkOptions, VipNetworkOptions } from "./seed.js"
export type { AbortedRequests, AviSimRequestLogEntry, AviSimUser } from "./server.js"
export type { AviSimSnapshot } from "./store.js"
export { DEFAULT_VIP_NETWORK }

export const AVI_SIM_DEFAULT_USER = "admin"
export const AVI_SIM_DEFAULT_PASSWORD = "avi-sim-admin"
/**
 * The version a fresh simulator reports in `/api/initial-data` and `/login` (avi-api.md §3): 22.1.3, the oldest
 * controller ako-ts supports (`MIN_CONTROLLER_VERSION` in src/config), so a default simulator is a supported one.
 */
export const AVI_SIM_DEFAULT_VERSION = "22.1.3"
/** `api_idle_timeout` of a real controller: 15 minutes. */
export const AVI_SIM_DEFAULT_IDLE_TIMEOUT_MS = 15 * 60_000

export interface AviSimOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number
  readonly host?: string
  /** Serve plain HTTP instead of HTTPS with a self-signed certificate. */
  readonly http?: boolean
  readonly users?: ReadonlyArray<AviSimUser>
  readonly sessionIdleTimeoutMs?: number
  /** Initial `systemconfiguration.portal_configuration.allow_basic_authentication` (a PUT can change it). */
  readonly basicAuth?: boolean
  readonly controllerVersion?: string
  readonly vipNetwork?: VipNetworkOptions
  /** Default-Cloud's type and NSX-T transport zone (default: a no-access cloud, `CLOUD_NONE`). */
  readonly cloud?: CloudOptions
  /** Further networks in Default-Cloud, e.g. node networks with known uuids. */
  readonly networks?: ReadonlyArray<NetworkOptions>
  /** Restored at start when the file exists (instead of seeding), written on close. */
  readonly snapshotFile?: string
  /** Seed the objects AKO needs to boot (default true). */
  readonly seed?: boolean
  /**
   * Wall clock in milliseconds for sessions, `_last_modified`, certificate expiry and the request log.
   * `makeAviSim` defaults to the Effect `Clock` (so `TestClock` drives session expiry); `startAviSim` to `Date.now`.
   */
  readonly clock?: () => number
  /** Request-log entries kept (oldest dropped first); default 100,000. */
  readonly requestLogLimit?: number
  /**
   * Refuse unsafe requests of cookie sessions over HTTPS that carry no `Referer` (403), as Django does. Off by
   * default: the public API overview says Referer is mandatory, but the status is unverified.
   */
  readonly strictReferer?: boolean
  /**
   * A request whose client disconnects before the answer: `apply` (default) processes it to completion, as a real
   * controller behind nginx does, so a write the client abandoned still lands; `drop` abandons it unprocessed. Either
   * way the request log marks it `aborted`.
   */
  readonly abortedRequests?: AbortedRequests
}

export interface AviSim {
  /** `https://127.0.0.1:<port>` (or `http://`). */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The self-signed certificate served (PEM), when HTTPS. */
  readonly caPem: string | undefined
  readonly users: ReadonlyArray<AviSimUser>
  readonly controllerVersion: string
  requestLog(): ReadonlyArray<AviSimRequestLogEntry>
  clearRequestLog(): void
  /** Completed requests per object type (`pool`, `login`, ...) and method. */
  counters(): Record<string, Record<string, number>>
  readonly faults: AviSimFaults
  /** Objects of a type as GET `?include_name` renders them; `tenant` is a tenant name, omitted = every tenant. */
  objects(type: string, tenant?: string): Array<Body>
  get(type: string, uuid: string): Body | undefined
  findByName(type: string, name: string, tenant?: string): Body | undefined
  /** Creates an object with the same envelope rules as POST (refs resolved, defaults, 409, VIP allocation). */
  insert(type: string, body: Body, tenant?: string): Body
  /** Out-of-band full replace (PUT semantics, no `_last_modified` check). */
  update(type: string, uuid: string, body: Body): Body
  /** Out-of-band delete; `force` skips the referenced-by and system-object checks. */
  remove(type: string, uuid: string, options?: { readonly force?: boolean }): void
  snapshot(): AviSimSnapshot
  restore(snapshot: AviSimSnapshot): void
}

interface Running {
  readonly sim: AviSim
  close(): Promise<void>
}

const start = async (options: AviSimOptions, clock: () => number): Promise<Running> => {
  const secure = options.http !== true
  const users = options.users ?? [{ username: AVI_SIM_DEFAULT_USER, password: AVI_SIM_DEFAULT_PASSWORD }]
  const controllerVersion = options.controllerVersion ?? AVI_SIM_DEFAULT_VERSION
  if (!/^\d+\.\d+\.\d+/.test(controllerVersion)) throw new Error(`controllerVersion ${controllerVersion} is not x.y.z`)
  const abortedRequests = options.abortedRequests ?? "apply"
  if (abortedRequests !== "apply" && abortedRequests !== "drop") {
    throw new Error(`abortedRequests ${String(abortedRequests)} is neither "apply" nor "drop"`)
  }
  const certificate = await simulatorCertificate()
  const server = new AviSimServer({
    users,
    idleTimeoutMs: options.sessionIdleTimeoutMs ?? AVI_SIM_DEFAULT_IDLE_TIMEOUT_MS,
    controllerVersion,
    nowMs: clock,
    secure,
    clusterUuid: `cluster-${randomUUID()}`,
    upSince: AviSimServer.upSince(clock()),
    requestLogLimit: options.requestLogLimit ?? 100_000,
    strictReferer: options.strictReferer ?? false,
    abortedRequests
  })
  const store = server.store
  let restored = false
  if (options.snapshotFile !== undefined && fs.existsSync(options.snapshotFile)) {
    const parsed: unknown = JSON.parse(await fs.promises.readFile(options.snapshotFile, "utf8"))
    server.restore(decodeSnapshot(parsed))
    restored = true
  }
  if (!restored && options.seed !== false) {
    seedStore(store, {
      cloud: options.cloud,
      networks: options.networks,
      vipNetwork: options.vipNetwork,
      basicAuth: options.basicAuth ?? false,
      defaultCertificate: certificate
    })
  } else if (!restored) {
    store.create("tenant", { name: ADMIN_TENANT }, { tenant: ADMIN_TENANT, system: true, slug: ADMIN_TENANT })
    store.create("systemconfiguration", {
      default_license_tier: "ENTERPRISE",
      portal_configuration: { allow_basic_authentication: options.basicAuth ?? false }
    }, { tenant: ADMIN_TENANT, system: true, slug: "default" })
  }

  const host = options.host ?? "127.0.0.1"
  let port = 0
  const base = () => `${secure ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`
  const scopeOf = (tenant: string | undefined): string => {
    if (tenant === undefined) return "*"
    const found = store.tenantByName(tenant) ?? store.get("tenant", tenant)
    if (!found) throw new AviApiError({ status: 403, body: { error: `Tenant '${tenant}' does not exist!` } })
    return found.uuid
  }
  const render = (obj: Parameters<typeof store.render>[0]) => store.render(obj, { base: base(), includeName: true })

  const faults: AviSimFaults = {
    latency: (ms: number, match: RequestMatch = {}) => {
      server.faults.latencies.push({ ...match, ms })
    },
    errorRate: (rate: number, status = 500) => {
      server.faults.errorRate = rate
      server.faults.errorStatus = status
    },
    expireSessions: () => server.sessions.clear(),
    status419: (count: number) => {
      server.faults.pending419 = count
    },
    resetConnections: (count: number) => {
      server.faults.pendingResets = count
    },
    slowBody: (ms: number) => {
      server.faults.slowBodyMs = ms
    },
    clear: () => {
      server.faults = noFaults()
    }
  }

  const sim: AviSim = {
    get url() {
      return base()
    },
    host,
    get port() {
      return port
    },
    caPem: secure ? certificate.cert : undefined,
    users,
    controllerVersion,
    requestLog: () => server.requestLog(),
    clearRequestLog: () => server.clearRequestLog(),
    counters: () => server.counters(),
    faults,
    objects: (type, tenant) => {
      const scope = scopeOf(tenant)
      return [...store.objectsOf(type)].filter((o) => scope === "*" || o.tenant === scope).map(render)
    },
    get: (type, uuid) => {
      const obj = store.get(type, uuid)
      return obj ? render(obj) : undefined
    },
    findByName: (type, name, tenant) => {
      const obj = store.byName(type, name, scopeOf(tenant))[0]
      return obj ? render(obj) : undefined
    },
    insert: (type, body, tenant) => render(store.create(type, body, { tenant: scopeOf(tenant ?? ADMIN_TENANT) })),
    update: (type, uuid, body) => render(store.replace(type, uuid, { ...body, _last_modified: undefined }, "*")),
    remove: (type, uuid, removeOptions) => {
      store.remove(type, uuid, "*", removeOptions)
    },
    snapshot: () => server.snapshot(),
    restore: (snapshot) => server.restore(snapshot)
  }

  const admin = adminHandler(sim, server)
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      server.handle(req, res, admin)
    } catch (cause) {
      // A throw here would be an uncaught exception and take the whole simulator, with its state, down.
      if (res.headersSent) res.destroy()
      else {
        res.statusCode = 500
        res.setHeader("Content-Type", "application/json")
        res.end(JSON.stringify({ error: cause instanceof Error ? cause.message : String(cause) }))
      }
    }
  }
  const listener = secure
    ? https.createServer({ cert: certificate.cert, key: certificate.key }, handler)
    : http.createServer(handler)
  // Over HTTPS this is the TCP socket under the TLS one, which is what a reset-connections fault must reset.
  listener.on("connection", (socket: Socket) => server.trackConnection(socket))
  listener.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject)
    listener.listen(options.port ?? 0, host, () => {
      listener.off("error", reject)
      resolve()
    })
  })
  port = (listener.address() as AddressInfo).port

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      server.cancelTimers()
      await new Promise<void>((resolve) => {
        listener.close(() => resolve())
        listener.closeAllConnections()
      })
      if (options.snapshotFile !== undefined) {
        await fs.promises.writeFile(options.snapshotFile, JSON.stringify(server.snapshot()))
      }
    })()
    return closing
  }
  return { sim, close }
}

/** Starts the simulator for the lifetime of the scope. */
export const makeAviSim = (options: AviSimOptions = {}): Effect.Effect<AviSim, AviSimStartError, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const now = options.clock ?? (() => clock.unsafeCurrentTimeMillis())
    const running = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => start(options, now),
        catch: (cause) =>
          new AviSimStartError({ reason: cause instanceof Error ? cause.message : String(cause), cause })
      }),
      (r) => Effect.promise(() => r.close())
    )
    yield* Effect.logDebug(`Avi simulator listening on ${running.sim.url}`)
    return running.sim
  })

/** Promise flavour for callers outside Effect. */
export const startAviSim = async (options: AviSimOptions = {}): Promise<AviSim & { close(): Promise<void> }> => {
  const running = await start(options, options.clock ?? Date.now).catch((cause: unknown) => {
    throw new AviSimStartError({ reason: cause instanceof Error ? cause.message : String(cause), cause })
  })
  return Object.assign(Object.create(running.sim) as AviSim, { close: running.close })
}
