/**
 * Requests and watches to the API server over Node's http/https. client-node sends through undici's `fetch`:
 * WHATWG streams and headers around every exchange, a web stream turned into a Node stream and then into lines for
 * every watch, and an HTTP parser in WebAssembly whose optimising compile took 22 MiB of malloc'd memory right after
 * start-up, about 10 MiB of which the allocator never gave back (an idle replica 105 MiB with it, 93 without;
 * bench/memory.ts, issue 19).
 * Who the client is still comes from client-node's KubeConfig (`applyToHTTPSOptions`, before every request): bearer
 * tokens re-read as they rotate, exec and OIDC plugins, client certificates, the CA, `tls-server-name`,
 * `insecure-skip-tls-verify`, and the proxy agents of `proxy-url`.
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import * as http from "node:http"
import * as https from "node:https"
import { StringDecoder } from "node:string_decoder"
import type * as tls from "node:tls"
import { Http1Pool } from "../http/http1.js"

/** An answer, whatever its status. */
export interface KubeExchange {
  readonly status: number
  readonly text: string
}

/** The TLS material of one client identity: one keep-alive pool per distinct set. */
const TLS_FIELDS = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const
type TlsField = (typeof TLS_FIELDS)[number]

const sameValue = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]))
  return false
}

interface Pool {
  readonly secure: boolean
  readonly tls: Readonly<Partial<Record<TlsField, unknown>>>
  /** Watches go through Node's http client, on this agent. */
  readonly agent: http.Agent
  /** Requests go over connections of our own, to this origin (made at the first request). */
  requests?: { readonly origin: string; readonly pool: Http1Pool }
}

/**
 * A pool no longer in use (the client certificate or CA changed on disk) closes each connection as its request ends,
 * so watches and requests in flight finish on the identity they started with.
 */
const retire = (agent: http.Agent): void => {
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy()
  agent.on("free", (socket: { destroy: () => void }) => socket.destroy())
}

export interface KubeTarget {
  readonly url: URL
  readonly options: https.RequestOptions
  readonly secure: boolean
  /**
   * The keep-alive connections a request (not a watch) goes over, with this identity's TLS settings; absent behind a
   * `proxy-url`, where Node's http client and client-node's tunnelling agent carry it.
   */
  readonly connections?: Http1Pool | undefined
}

/**
 * Where and how to send: client-node's options for the current user and cluster, with a keep-alive agent of our own
 * instead of client-node's cached one (which keeps no connection alive: a TLS handshake per request), except behind a
 * `proxy-url`, whose tunnelling agent client-node builds. One per KubeConfig, however many clients are made from it
 * (start-up reads the ConfigMap and Secret through clients of their own), so they all share one pool.
 */
export const makeKubeTargets = (kubeConfig: KubeConfig): KubeTargets => {
  let targets = targetsByConfig.get(kubeConfig)
  if (targets === undefined) {
    targets = newKubeTargets(kubeConfig)
    targetsByConfig.set(kubeConfig, targets)
  }
  return targets
}

type KubeTargets = (path: string, query: Readonly<Record<string, string>>) => Promise<KubeTarget>
const targetsByConfig = new WeakMap<KubeConfig, KubeTargets>()

const newKubeTargets = (kubeConfig: KubeConfig): KubeTargets => {
  let pool: Pool | undefined
  const agentFor = (secure: boolean, options: https.RequestOptions): http.Agent => {
    const tls: Partial<Record<TlsField, unknown>> = {}
    for (const field of TLS_FIELDS) if (options[field] !== undefined) tls[field] = options[field]
    if (
      pool !== undefined && pool.secure === secure &&
      TLS_FIELDS.every((field) => sameValue(pool!.tls[field], tls[field]))
    ) return pool.agent
    const previous = pool
    // 30 s between TCP keep-alive probes, as client-go: cloud load balancers drop connections idle for 60 s
    const agentOptions: https.AgentOptions = { ...(tls as https.AgentOptions), keepAlive: true, keepAliveMsecs: 30_000 }
    pool = { secure, tls, agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions) }
    if (previous !== undefined) {
      retire(previous.agent)
      previous.requests?.pool.retire()
    }
    return pool.agent
  }
  /** The current identity's connections to `origin` (a new set if the cluster's address changed). */
  const connectionsFor = (origin: string): Http1Pool | undefined => {
    const current = pool
    if (current === undefined) return undefined
    if (current.requests?.origin !== origin) {
      current.requests?.pool.retire()
      current.requests = {
        origin,
        pool: new Http1Pool({
          origin,
          tls: current.tls as tls.ConnectionOptions,
          // 30 s between TCP keep-alive probes, as the agent; idle for 30 s, closed (client-go keeps 90 s).
          keepAliveMillis: 30_000,
          idleTimeoutMillis: 30_000
        })
      }
    }
    return current.requests.pool
  }

  return async (path: string, query: Readonly<Record<string, string>>): Promise<KubeTarget> => {
    const cluster = kubeConfig.getCurrentCluster()
    if (cluster === null) throw new Error("the kubeconfig names no current cluster")
    const url = new URL(cluster.server + path)
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
    const options: https.RequestOptions = {}
    await kubeConfig.applyToHTTPSOptions(options)
    const secure = url.protocol === "https:"
    if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== "") return { url, options, secure }
    options.agent = agentFor(secure, options)
    return { url, options, secure, connections: connectionsFor(url.origin) }
  }
}

/**
 * The request's headers by lower-case name (a name given twice in two cases is one header, the request's own
 * winning, as Node's client does), or undefined if one is not a plain string (a list, say: only Node's client sends
 * it). The connections set `content-length` themselves.
 */
const stringHeaders = (
  options: https.RequestOptions,
  headers: Readonly<Record<string, string>>
): Record<string, string> | undefined => {
  const all: Record<string, string> = {}
  const given = options.headers
  if (Array.isArray(given)) return undefined
  for (const [name, value] of Object.entries(given ?? {})) {
    if (typeof value === "string") all[name.toLowerCase()] = value
    else if (typeof value === "number") all[name.toLowerCase()] = String(value)
    else if (value !== undefined) return undefined
  }
  for (const [name, value] of Object.entries(headers)) all[name.toLowerCase()] = value
  return all
}

/** One request, its body read whole; `abort` (when interrupted) destroys it on the wire. */
export const exchange = (
  target: KubeTarget,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
  done: (result: { readonly exchange: KubeExchange } | { readonly error: Error }) => void
): { readonly abort: () => void } => {
  let settled = false
  const settle = (result: { readonly exchange: KubeExchange } | { readonly error: Error }) => {
    if (settled) return
    settled = true
    done(result)
  }
  const own = target.connections === undefined ? undefined : stringHeaders(target.options, headers)
  if (target.connections !== undefined && own !== undefined) {
    const abandon = target.connections.request(
      { method, target: `${target.url.pathname}${target.url.search}`, headers: own, body },
      (error, answer) =>
        settle(
          answer === undefined ?
            { error: error ?? new Error("no answer") } :
            { exchange: { status: answer.status, text: answer.body.toString("utf8") } }
        )
    )
    return {
      abort: () => {
        settled = true
        abandon()
      }
    }
  }
  const outgoing = (target.secure ? https : http).request(target.url, {
    ...target.options,
    method,
    headers: {
      ...target.options.headers,
      ...headers,
      ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) })
    }
  }, (response) => {
    const chunks: Array<Buffer> = []
    response.on("data", (chunk: Buffer) => chunks.push(chunk))
    response.on("error", (error) => settle({ error }))
    response.on("close", () => {
      if (!response.complete) settle({ error: new Error("the connection closed before the response ended") })
    })
    response.on("end", () =>
      settle({
        exchange: {
          status: response.statusCode ?? 0,
          text: chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")
        }
      }))
  })
  outgoing.on("error", (error) => settle({ error }))
  outgoing.end(body)
  return {
    abort: () => {
      settled = true
      outgoing.destroy()
    }
  }
}

export interface WatchHandlers {
  /** One complete line of the stream (a JSON watch event), without its line break. */
  readonly line: (text: string) => void
  /** The server answered with another status than 200; `text` is its body. */
  readonly refused: (answer: KubeExchange) => void
  readonly failed: (error: Error) => void
  /** The server ended the stream, or it was silent for longer than `idleTimeoutMs`: the caller resumes. */
  readonly ended: () => void
}

/**
 * A watch: the response split into lines as bytes arrive. A stream silent for `idleTimeoutMs` is closed and
 * reported as ended (client-node's 30 s), so a connection a middlebox dropped without a reset is noticed.
 */
export const openWatch = (
  target: KubeTarget,
  headers: Readonly<Record<string, string>>,
  idleTimeoutMs: number,
  handlers: WatchHandlers
): { readonly close: () => void } => {
  let finished = false
  let idle: ReturnType<typeof setTimeout> | undefined
  const finish = (report: () => void) => {
    if (finished) return
    finished = true
    clearTimeout(idle)
    outgoing.destroy()
    report()
  }
  const resetIdle = () => {
    clearTimeout(idle)
    idle = setTimeout(() => finish(handlers.ended), idleTimeoutMs)
    idle.unref()
  }
  const outgoing = (target.secure ? https : http).request(target.url, {
    ...target.options,
    method: "GET",
    headers: { ...target.options.headers, ...headers }
  }, (response) => {
    if (response.statusCode !== 200) {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on(
        "end",
        () =>
          finish(() =>
            handlers.refused({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") })
          )
      )
      response.on("error", (error) => finish(() => handlers.failed(error)))
      return
    }
    resetIdle()
    const decoder = new StringDecoder("utf8")
    let partial = ""
    response.on("data", (chunk: Buffer) => {
      resetIdle()
      const text = partial + decoder.write(chunk)
      let start = 0
      let newline = text.indexOf("\n")
      while (newline !== -1 && !finished) {
        const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
        if (end > start) handlers.line(text.slice(start, end))
        start = newline + 1
        newline = text.indexOf("\n", start)
      }
      partial = start === 0 ? text : text.slice(start)
    })
    response.on("end", () => {
      const rest = (partial + decoder.end()).trim()
      if (rest.length > 0 && !finished) handlers.line(rest)
      finish(handlers.ended)
    })
    response.on("error", (error) => finish(() => handlers.failed(error)))
    response.on("close", () => {
      if (!response.complete) finish(() => handlers.failed(new Error("the watch connection closed mid-stream")))
    })
  })
  outgoing.on("error", (error) => finish(() => handlers.failed(error)))
  resetIdle()
  outgoing.end()
  return { close: () => finish(() => undefined) }
}
