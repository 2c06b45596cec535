/**
 * Kubernetes access with client-node's KubeConfig (auth, CA, token rotation) and raw JSON in and out: typed
 * client-node results carry `Date`s (effect-k8s.md P7), and every object here is decoded with Schema instead. The
 * bytes go over Node's http/https (transport.ts). Interrupting a fiber destroys its HTTP request on the wire (P3).
 */
// Deep imports: the package's index loads its whole generated API (see client-node-config-deps.ts).
import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { KubeApiError, KubeTransportError } from "./errors.js"
import type { KubeError } from "./errors.js"
import { exchange, makeKubeTargets, openWatch } from "./transport.js"
import type { KubeExchange } from "./transport.js"

export type Query = Readonly<Record<string, string | number | boolean | undefined>>

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  /** Absolute API path, e.g. `/api/v1/namespaces/default/services`. */
  readonly path: string
  readonly query?: Query | undefined
  readonly body?: unknown
  /** Defaults to `application/json`; merge patches use `application/merge-patch+json`. */
  readonly contentType?: string | undefined
  /**
   * The caller does not read a successful answer: it resolves to undefined, unparsed. A status write's answer is the
   * whole object, and parsing a thousand of them in a burst was CPU for nothing.
   */
  readonly ignoreAnswer?: boolean | undefined
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
   * A watch, one event per line; the stream ends when the server closes it cleanly or it is silent for 30 s (the
   * caller resumes from its last resourceVersion). A line that is not JSON fails it. Interruption destroys it.
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

/** client-node's inactivity limit for a watch, kept: a stream silent this long is closed and resumed. */
const WATCH_IDLE_TIMEOUT_MS = 30_000

const queryStrings = (query: Query | undefined): Record<string, string> => {
  const strings: Record<string, string> = {}
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) strings[key] = String(value)
  return strings
}

const parseBody = (text: string): unknown => {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const apiError = (method: string, path: string, answer: KubeExchange): KubeApiError => {
  const body = parseBody(answer.text)
  const { message, reason } = statusReason(body)
  return new KubeApiError({
    status: answer.status,
    reason,
    message: message || (typeof body === "string" ? body : ""),
    method,
    path
  })
}

const JSON_ACCEPT = { accept: "application/json" } as const

export const makeKubeClient = (kubeConfig: KubeConfig): KubeClientShape => {
  const targetOf = makeKubeTargets(kubeConfig)

  const request = (req: KubeRequest): Effect.Effect<unknown, KubeError> =>
    Effect.async<unknown, KubeError>((resume) => {
      let abort: (() => void) | undefined
      let interrupted = false
      const fail = (error: unknown) => resume(Effect.fail(toKubeError(req.method, req.path, error)))
      targetOf(req.path, queryStrings(req.query)).then((target) => {
        if (interrupted) return
        const body = req.body === undefined ? undefined : JSON.stringify(req.body)
        const headers = body === undefined ?
          JSON_ACCEPT :
          { ...JSON_ACCEPT, "content-type": req.contentType ?? "application/json" }
        abort = exchange(target, req.method, headers, body, (result) => {
          if ("error" in result) return fail(result.error)
          const answer = result.exchange
          if (answer.status < 200 || answer.status >= 300) {
            return resume(Effect.fail(apiError(req.method, req.path, answer)))
          }
          resume(Effect.succeed(req.ignoreAnswer === true ? undefined : parseBody(answer.text)))
        }).abort
        // a request Node refuses to send (a header it cannot carry, an unsupported URL) throws here
      }).catch(fail)
      // interrupted (a cut write, a lost lead): the request is destroyed on the wire, not left to finish
      return Effect.sync(() => {
        interrupted = true
        abort?.()
      })
    })

  const watch = (path: string, query: Query): Stream.Stream<RawWatchEvent, KubeError> =>
    Stream.asyncPush<RawWatchEvent, KubeError>((emit) =>
      Effect.gen(function*() {
        let close: (() => void) | undefined
        let closed = false
        const fail = (error: unknown) => void emit.fail(toKubeError("GET", path, error))
        targetOf(path, { ...queryStrings(query), watch: "true" }).then((target) => {
          if (closed) return
          close = openWatch(target, JSON_ACCEPT, WATCH_IDLE_TIMEOUT_MS, {
            line: (text) => {
              let event: { type?: unknown; object?: unknown }
              try {
                event = JSON.parse(text) as { type?: unknown; object?: unknown }
              } catch {
                // resuming from the last resourceVersion gets the event again, whole
                close?.()
                return fail(new Error(`a watch line is not JSON: ${text.slice(0, 80)}`))
              }
              if (typeof event.type === "string") void emit.single({ type: event.type, object: event.object })
            },
            refused: (answer) => void emit.fail(apiError("GET", path, answer)),
            failed: fail,
            ended: () => void emit.end()
          }).close
        }).catch(fail)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            closed = true
            close?.()
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
