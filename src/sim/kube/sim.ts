/**
 * Starting and stopping a simulator, and the handle tests hold: URL, CA, kubeconfigs, request log, faults and
 * direct store access that bypasses HTTP (and authentication) but still produces watch events.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { writeFileSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import type { AddressInfo } from "node:net"
import { crdResource, installCrdController } from "./crd.js"
import { renderKubeconfig } from "./kubeconfig.js"
import { builtinResources, type KubeObject, Registry, type ResourceType } from "./registry.js"
import { parseFieldSelector, parseLabelSelector } from "./selectors.js"
import { type AdminFault, KubeSimServer, type RequestLogEntry } from "./server.js"
import { ApiError } from "./status.js"
import { type DeleteOutcome, Store } from "./store.js"
import { generateCertificate } from "./tls.js"

/** Token every simulator accepts unless `tokens` replaces the defaults; maps to the user `admin`. */
export const ADMIN_TOKEN = "ako-ts-sim-admin-token"
export const ADMIN_USER = "admin"

export interface KubeSimOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number
  readonly host?: string
  /** Bearer token → user name. Default `{ [ADMIN_TOKEN]: "admin" }`; given tokens are added to the default. */
  readonly tokens?: Readonly<Record<string, string>>
  /** Requests without a token run as `system:anonymous` instead of getting 401. */
  readonly allowAnonymous?: boolean
  /** Change events retained for watch resumption (default 1000); older resourceVersions get 410 Gone. */
  readonly watchWindow?: number
  /** Interval of BOOKMARK events for watches that allow them (default 1000 ms; the real server uses ~1 min). */
  readonly bookmarkIntervalMs?: number
  /** HTTPS with a generated self-signed certificate (default true). */
  readonly tls?: boolean
  /** Create the namespaces a fresh cluster has: default, kube-system, kube-public, kube-node-lease (default true). */
  readonly seedNamespaces?: boolean
  /** Request log entries kept (default 100,000); older ones are dropped. */
  readonly requestLogLimit?: number
  /** Additional resource types to serve (see `defineResource`). */
  readonly extraResources?: ReadonlyArray<ResourceType>
}

export class KubeSimStartError extends Data.TaggedError("KubeSimStartError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

export interface KubeSimFaults {
  /**
   * Requests of `user` hang without an answer until `untilMs` (epoch ms), for `forMs`, or until cleared; then their
   * connections reset. Open watches of the user go silent and are reset when the partition heals.
   */
  blackhole(user: string, options?: { readonly untilMs?: number; readonly forMs?: number }): void
  latency(user: string, ms: number): void
  errorRate(user: string, rate: number, code?: 500 | 503): void
  /** Ends open watches (clean end of stream); returns how many. All users when `user` is omitted. */
  cutWatches(user?: string): number
  /** The next watch request answers 410: `connect` as a Status response (default), `stream` as an ERROR event. */
  forceGoneOnNextWatch(user?: string, mode?: "connect" | "stream"): void
  /** Sends a 410 ERROR event to open watches and ends them; returns how many. */
  expireWatches(user?: string): number
  /** Removes the faults of one user, or all faults. */
  clear(user?: string): void
}

export interface ListFilter {
  readonly labelSelector?: string
  readonly fieldSelector?: string
}

export interface KubeSim {
  readonly url: string
  readonly host: string
  readonly port: number
  /** The self-signed certificate (also the CA); undefined with `tls: false`. */
  readonly caPem: string | undefined
  readonly adminToken: string
  /** Current token → user table. */
  tokens(): Readonly<Record<string, string>>
  addToken(token: string, user: string): void
  /** Kubeconfig YAML for a token, or for a user name that some token maps to. Default: the admin token. */
  kubeconfig(userOrToken?: string, namespace?: string): string
  writeKubeconfig(path: string, userOrToken?: string, namespace?: string): void
  requestLog(): ReadonlyArray<RequestLogEntry>
  clearRequestLog(): void
  readonly faults: KubeSimFaults
  /** Forgets retained events: any watch from an older resourceVersion gets 410. Optionally expires open watches. */
  compact(options?: { readonly expireOpenWatches?: boolean }): void
  resourceVersion(): number
  openWatches(): number
  /** TCP connections accepted since start: how many a client opened (a real API server's connection metrics). */
  connectionsAccepted(): number
  /** Resource type by "group/version/Kind", "v1/Kind", plural, kind or short name. */
  resource(ref: string): ResourceType
  get(ref: string, namespace: string | undefined, name: string): KubeObject | undefined
  list(ref: string, namespace?: string, filter?: ListFilter): ReadonlyArray<KubeObject>
  /** Creates from `apiVersion`/`kind`; keeps `status` (seeding), creating a missing namespace first. */
  create(object: KubeObject): KubeObject
  /** Create or unconditionally replace, including `status`. */
  apply(object: KubeObject): KubeObject
  /** Replaces only the status (bumps resourceVersion, emits MODIFIED). */
  updateStatus(object: KubeObject): KubeObject
  delete(ref: string, namespace: string | undefined, name: string): DeleteOutcome | undefined
  ensureNamespace(name: string): void
}

export type RunningKubeSim = KubeSim & { close(): Promise<void> }

const typeOfObject = (registry: Registry, object: KubeObject): ResourceType => {
  const type = registry.resolve(`${object.apiVersion ?? ""}/${object.kind ?? ""}`)
  if (type === undefined) throw new Error(`kube sim: no resource for ${object.apiVersion}/${object.kind}`)
  return type
}

const listen = (server: http.Server, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      resolve(server.address() as AddressInfo)
    })
  })

/** Starts a simulator outside Effect; `close()` stops it. */
export const startKubeSim = async (options: KubeSimOptions = {}): Promise<RunningKubeSim> => {
  const host = options.host ?? "127.0.0.1"
  const tlsEnabled = options.tls ?? true
  const tokens = new Map<string, string>(Object.entries({ [ADMIN_TOKEN]: ADMIN_USER, ...options.tokens }))
  const registry = new Registry([...builtinResources, crdResource, ...(options.extraResources ?? [])])
  const store = new Store({ registry, watchWindow: options.watchWindow ?? 1000 })
  installCrdController(store, registry)
  let address = ""
  const core = new KubeSimServer(store, {
    tokens,
    allowAnonymous: options.allowAnonymous ?? false,
    requestLogLimit: options.requestLogLimit ?? 100_000,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
    serverAddress: () => address
  })
  const certificate = tlsEnabled ? await generateCertificate(host) : undefined
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => core.handle(request, response)
  const server = certificate === undefined
    ? http.createServer(handler)
    : https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, handler)
  // Watches are long-lived; Node's default request timeout would cut them after five minutes.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  server.keepAliveTimeout = 5_000
  let connectionsAccepted = 0
  server.on("connection", () => void connectionsAccepted++)
  const bound = await listen(server, options.port ?? 0, host)
  address = `${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`
  const url = `${certificate === undefined ? "http" : "https"}://${address}`

  const namespaces = registry.resolve("v1/Namespace")!
  const ensureNamespace = (name: string) => {
    if (store.find(namespaces, undefined, name) === undefined) {
      store.create(namespaces, undefined, { metadata: { name } })
    }
  }
  if (options.seedNamespaces ?? true) {
    for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) ensureNamespace(name)
  }

  const resource = (ref: string): ResourceType => {
    const type = registry.resolve(ref)
    if (type === undefined) throw new Error(`kube sim: unknown resource ${ref}`)
    return type
  }
  const tokenFor = (userOrToken: string | undefined): { token: string; user: string } => {
    if (userOrToken === undefined) return { token: ADMIN_TOKEN, user: tokens.get(ADMIN_TOKEN) ?? ADMIN_USER }
    const direct = tokens.get(userOrToken)
    if (direct !== undefined) return { token: userOrToken, user: direct }
    for (const [token, user] of tokens) if (user === userOrToken) return { token, user }
    throw new Error(`kube sim: no token for ${userOrToken}`)
  }
  const kubeconfig = (userOrToken?: string, namespace?: string) => {
    const { token, user } = tokenFor(userOrToken)
    return renderKubeconfig({
      server: url,
      caPem: certificate?.certPem,
      user,
      token,
      ...(namespace === undefined ? {} : { namespace })
    })
  }
  const namespaceOf = (type: ResourceType, object: KubeObject) =>
    type.namespaced ? (object.metadata?.namespace ?? "default") : undefined

  const sim: RunningKubeSim = {
    url,
    host,
    port: bound.port,
    caPem: certificate?.certPem,
    adminToken: ADMIN_TOKEN,
    tokens: () => Object.fromEntries(tokens),
    addToken: (token, user) => void tokens.set(token, user),
    kubeconfig,
    writeKubeconfig: (path, userOrToken, namespace) =>
      writeFileSync(path, kubeconfig(userOrToken, namespace), { mode: 0o600 }),
    requestLog: () => core.requestLog(),
    clearRequestLog: () => core.clearRequestLog(),
    faults: {
      blackhole: (user, o) =>
        void core.applyAdminFault({
          action: "blackhole",
          user,
          ...(o?.untilMs === undefined ? {} : { untilMs: o.untilMs }),
          ...(o?.forMs === undefined ? {} : { forMs: o.forMs })
        }),
      latency: (user, ms) => void core.applyAdminFault({ action: "latency", user, ms }),
      errorRate: (user, rate, code = 503) => void core.applyAdminFault({ action: "errorRate", user, rate, code }),
      cutWatches: (user) => core.cutWatches(user),
      forceGoneOnNextWatch: (user, mode = "connect") =>
        void core.applyAdminFault(
          { action: "forceGoneOnNextWatch", mode, ...(user === undefined ? {} : { user }) } satisfies AdminFault
        ),
      expireWatches: (user) => core.expireWatches(user),
      clear: (user) => core.faults.clear(user)
    },
    compact: (o) => {
      store.compact()
      if (o?.expireOpenWatches) core.expireWatches()
    },
    resourceVersion: () => store.resourceVersion,
    openWatches: () => core.openWatches(),
    connectionsAccepted: () => connectionsAccepted,
    resource,
    get: (ref, namespace, name) => store.find(resource(ref), namespace, name),
    list: (ref, namespace, filter) => {
      const type = resource(ref)
      return store.list(type, namespace, {
        labelSelector: parseLabelSelector(filter?.labelSelector),
        fieldSelector: parseFieldSelector(filter?.fieldSelector, type.fieldLabels)
      }).items
    },
    create: (object) => {
      const type = typeOfObject(registry, object)
      const namespace = namespaceOf(type, object)
      if (namespace !== undefined) ensureNamespace(namespace)
      return store.create(type, namespace, object, { keepStatus: true })
    },
    apply: (object) => {
      const type = typeOfObject(registry, object)
      const namespace = namespaceOf(type, object)
      const name = object.metadata?.name ?? ""
      if (namespace !== undefined) ensureNamespace(namespace)
      if (store.find(type, namespace, name) === undefined) {
        return store.create(type, namespace, object, { keepStatus: true })
      }
      const { resourceVersion: _rv, ...metadata } = object.metadata ?? {}
      return store.replace(type, namespace, name, { ...object, metadata }, undefined, { keepStatus: true })
    },
    updateStatus: (object) => {
      const type = typeOfObject(registry, object)
      return store.replace(type, namespaceOf(type, object), object.metadata?.name ?? "", object, "status")
    },
    delete: (ref, namespace, name) => {
      try {
        return store.delete(resource(ref), namespace, name)
      } catch (error) {
        if (error instanceof ApiError && error.code === 404) return undefined
        throw error
      }
    },
    ensureNamespace,
    close: () =>
      new Promise<void>((resolve) => {
        core.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
  return sim
}

/** A simulator that lives as long as the enclosing scope. */
export const makeKubeSim = (options: KubeSimOptions = {}): Effect.Effect<KubeSim, KubeSimStartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startKubeSim(options),
      catch: (cause) => new KubeSimStartError({ message: `kube sim failed to start: ${String(cause)}`, cause })
    }),
    (sim) => Effect.promise(() => sim.close())
  )

/** The simulator as a service, for tests that build layers (`it.layer(KubeSimService.layer())`). */
export class KubeSimService extends Context.Tag("ako-ts/sim/kube/KubeSimService")<KubeSimService, KubeSim>() {
  static readonly layer = (options: KubeSimOptions = {}): Layer.Layer<KubeSimService, KubeSimStartError> =>
    Layer.scoped(KubeSimService, makeKubeSim(options))
}
