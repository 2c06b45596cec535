/**
 * Kubernetes access over client-node's KubeConfig (auth, CA, token rotation) with raw JSON in and out: typed
 * client-node results carry `Date`s (effect-k8s.md P7), and every object here is decoded with Schema instead.
 * Each request takes Effect's interruption signal, so interrupting a fiber aborts its HTTP request (P3).
 */
// Deep imports: the package's index loads its whole generated API (see client-node-config-deps.ts).
import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import type { Cluster } from "@kubernetes/client-node/dist/config_types.js"
import { RequestContext } from "@kubernetes/client-node/dist/gen/http/http.js"
import { IsomorphicFetchHttpLibrary } from "@kubernetes/client-node/dist/gen/http/isomorphic-fetch.js"
import { Watch } from "@kubernetes/client-node/dist/watch.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { KubeApiError, KubeTransportError } from "./errors.js"
import type { KubeError } from "./errors.js"

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** Absolute API path, e.g. `/api/v1/namespaces/default/services`. */
  readonly path: string
  readonly query?: Query | undefined
  readonly body?: unknown
  /** Defaults to `application/json`; merge patches use `application/merge-patch+json`. */
  readonly contentType?: string | undefined
}

/** One line of a watch stream, as the server sent it (the object is raw JSON). */
export interface RawWatchEvent {
  readonly type: string
  readonly object: unknown
}

export interface KubeClientShape {
  readonly kubeConfig: KubeConfig
  /** A request whose 2xx JSON body is returned as-is (undecoded); other statuses fail with `KubeApiError`. */
  readonly request: (request: KubeRequest) => Effect.Effect<unknown, KubeError>
  /**
   * A watch through client-node's `Watch`; the stream ends when the server closes it cleanly. Interruption aborts
   * the request (once it is connected; a connect in progress is abandoned and aborted when it answers).
   */
  readonly watch: (path: string, query: Query) => Stream.Stream<RawWatchEvent, KubeError>
}

export class KubeClient extends Context.Tag("ako-ts/k8s/KubeClient")<KubeClient, KubeClientShape>() {}

const statusReason = (body: unknown): { reason: string; message: string } => {
  if (typeof body === "object" && body !== null) {
    const b = body as { reason?: unknown; message?: unknown }
    return {
      reason: typeof b.reason === "string" ? b.reason : "",
      message: typeof b.message === "string" ? b.message : ""
    }
  }
  return { reason: "", message: "" }
}

const buildUrl = (server: string, path: string, query: Query | undefined): string => {
  const url = new URL(server + path)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value))
  }
  return url.toString()
}

const toKubeError = (method: string, path: string, error: unknown): KubeError => {
  if (error instanceof KubeApiError || error instanceof KubeTransportError) return error
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  if (typeof status === "number") {
    return new KubeApiError({ status, reason: "", message: String((error as Error).message), method, path })
  }
  return new KubeTransportError({
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    method,
    path,
    cause: error
  })
}

interface DispatcherFactory {
  createDispatcher: (cluster: Cluster | null, agentOptions: object) => { close: () => Promise<void> } | undefined
}

/**
 * client-node builds a new undici Agent for every request and every watch, so each one opened (and kept alive) its
 * own TLS connection: a handshake per status write and a socket per request left open until its keep-alive ran
 * out, which cost most of the CPU of a burst and much of the memory. One dispatcher per distinct set of TLS
 * options is shared instead; when they change (a rotated client certificate) the old one closes once its requests
 * finish. Credentials (headers, tokens) are still applied per request by client-node.
 */
const sharing = new WeakSet<KubeConfig>()
const shareDispatchers = (kubeConfig: KubeConfig): void => {
  if (sharing.has(kubeConfig)) return
  sharing.add(kubeConfig)
  const factory = kubeConfig as unknown as DispatcherFactory
  const create = factory.createDispatcher.bind(kubeConfig)
  let current:
    | { readonly key: string; readonly dispatcher: ReturnType<DispatcherFactory["createDispatcher"]> }
    | undefined
  factory.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([cluster?.server, kubeConfig.createDispatcherOptions(cluster, agentOptions)])
    if (current?.key === key) return current.dispatcher
    const previous = current?.dispatcher
    current = { key, dispatcher: create(cluster, agentOptions) }
    if (previous !== undefined) void previous.close().catch(() => undefined)
    return current.dispatcher
  }
}

export const makeKubeClient = (kubeConfig: KubeConfig): KubeClientShape => {
  shareDispatchers(kubeConfig)
  const http = new IsomorphicFetchHttpLibrary()
  const server = () => {
    const cluster = kubeConfig.getCurrentCluster()
    if (cluster === null) throw new Error("kubeconfig has no current cluster")
    return cluster.server
  }

  const request = (req: KubeRequest): Effect.Effect<unknown, KubeError> =>
    Effect.tryPromise({
      try: async (signal) => {
        const context = new RequestContext(buildUrl(server(), req.path, req.query), req.method)
        await kubeConfig.applySecurityAuthentication(context)
        context.setHeaderParam("Accept", "application/json")
        if (req.body !== undefined) {
          context.setHeaderParam("Content-Type", req.contentType ?? "application/json")
          context.setBody(JSON.stringify(req.body))
        }
        context.setSignal(signal)
        const response = await http.send(context).toPromise()
        const text = await response.body.text()
        let body: unknown = undefined
        if (text.length > 0) {
          try {
            body = JSON.parse(text)
          } catch {
            body = text
          }
        }
        if (response.httpStatusCode < 200 || response.httpStatusCode >= 300) {
          const { message, reason } = statusReason(body)
          throw new KubeApiError({
            status: response.httpStatusCode,
            reason,
            message: message || (typeof body === "string" ? body : ""),
            method: req.method,
            path: req.path
          })
        }
        return body
      },
      catch: (error) => toKubeError(req.method, req.path, error)
    })

  const watch = (path: string, query: Query): Stream.Stream<RawWatchEvent, KubeError> =>
    Stream.asyncPush<RawWatchEvent, KubeError>((emit) =>
      Effect.gen(function*() {
        const watcher = new Watch(kubeConfig)
        const pending = watcher.watch(
          path,
          { ...query },
          (type, object) => void emit.single({ type, object }),
          (error: unknown) => {
            // client-node cuts a watch after 30 s without bytes (TimeoutError); like a server-side close, the
            // caller resumes from its last resourceVersion, so it is a clean end, not an error
            if (error === null || error === undefined || (error as { name?: unknown }).name === "TimeoutError") {
              void emit.end()
            } else void emit.fail(toKubeError("GET", path, error))
          }
        )
        pending.catch((error: unknown) => void emit.fail(toKubeError("GET", path, error)))
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            pending.then((controller) => controller.abort(), () => undefined)
          })
        )
      }), { bufferSize: "unbounded" })

  return { kubeConfig, request, watch }
}

/** The client from an explicit KubeConfig. */
export const kubeClientLayer = (kubeConfig: KubeConfig): Layer.Layer<KubeClient> =>
  Layer.succeed(KubeClient, makeKubeClient(kubeConfig))

/** `$KUBECONFIG`, `~/.kube/config`, then in-cluster (ServiceAccount token, re-read as it rotates). */
export const kubeClientFromDefault: Layer.Layer<KubeClient, KubeTransportError> = Layer.effect(
  KubeClient,
  Effect.try({
    try: () => {
      const kc = new KubeConfig()
      kc.loadFromDefault()
      return makeKubeClient(kc)
    },
    catch: (cause) =>
      new KubeTransportError({ message: `cannot load kubeconfig: ${String(cause)}`, method: "", path: "", cause })
  })
)

/** From kubeconfig YAML (tests, simulators). */
export const kubeClientFromString = (yaml: string): Layer.Layer<KubeClient, KubeTransportError> =>
  Layer.effect(
    KubeClient,
    Effect.try({
      try: () => {
        const kc = new KubeConfig()
        kc.loadFromString(yaml)
        return makeKubeClient(kc)
      },
      catch: (cause) =>
        new KubeTransportError({ message: `cannot parse kubeconfig: ${String(cause)}`, method: "", path: "", cause })
    })
  )
