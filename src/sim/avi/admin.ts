/**
 * The `/_sim/` admin endpoint: read the request log and counters, drive faults, reach into the store and
 * snapshot it, from another process. Bodies are decoded with Schema; a bad one answers 400.
 */
import * as Schema from "effect/Schema"
import type * as http from "node:http"
import { AviApiError } from "./errors.js"
import type { AviSim } from "./index.js"
import type { AviSimServer } from "./server.js"
import type { AviSimSnapshot } from "./store.js"

const SnapshotSchema = Schema.Struct({
  format: Schema.Literal("ako-ts-avi-sim/1"),
  objects: Schema.Array(Schema.Struct({
    type: Schema.String,
    uuid: Schema.String,
    tenant: Schema.String,
    system: Schema.Boolean,
    lastModified: Schema.String,
    body: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
    secrets: Schema.Record({ key: Schema.String, value: Schema.String }),
    owner: Schema.optionalWith(Schema.String, { exact: true })
  })),
  clusterUuid: Schema.optionalWith(Schema.String, { exact: true })
})

/** Validates a snapshot read from a file or an admin request; throws a readable error otherwise. */
export const decodeSnapshot = (value: unknown): AviSimSnapshot => {
  const decoded = Schema.decodeUnknownSync(SnapshotSchema)(value)
  return {
    ...decoded,
    objects: decoded.objects.map((o) => ({ ...o, body: { ...o.body }, secrets: { ...o.secrets } }))
  }
}

const NonNegative = Schema.Number.pipe(Schema.nonNegative())
const Latency = Schema.Struct({
  ms: NonNegative,
  path: Schema.optional(Schema.String),
  method: Schema.optional(Schema.String),
  clientIdentity: Schema.optional(Schema.String)
})
const ErrorRate = Schema.Struct({
  rate: Schema.Number.pipe(Schema.between(0, 1)),
  status: Schema.optionalWith(Schema.Int.pipe(Schema.between(100, 599)), { default: () => 500 })
})
const Count = Schema.Struct({ count: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 1 }) })
const Duration = Schema.Struct({ ms: NonNegative })
const ObjectBody = Schema.Record({ key: Schema.String, value: Schema.Unknown })

export const adminHandler = (sim: AviSim, server: AviSimServer) =>
async (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  url: URL,
  raw: string
): Promise<void> => {
  const method = (req.method ?? "GET").toUpperCase()
  const reply = (status: number, body?: unknown): void => {
    res.statusCode = status
    if (body === undefined) {
      res.end()
      return
    }
    res.setHeader("Content-Type", "application/json")
    res.end(JSON.stringify(body))
  }
  try {
    const body: unknown = raw.trim().length > 0 ? JSON.parse(raw) : {}
    const decode = <A, I>(schema: Schema.Schema<A, I>): A => Schema.decodeUnknownSync(schema)(body)
    const route = `${method} ${path}`
    switch (route) {
      case "GET /_sim/log": {
        const since = Number(url.searchParams.get("since") ?? 0)
        return reply(200, server.requestLogSince(Number.isFinite(since) ? since : 0))
      }
      case "DELETE /_sim/log":
        sim.clearRequestLog()
        return reply(204)
      case "GET /_sim/counters":
        return reply(200, sim.counters())
      case "DELETE /_sim/counters":
        server.clearCounters()
        return reply(204)
      case "GET /_sim/faults":
        return reply(200, {
          ...server.faults,
          latencies: server.faults.latencies.map((l) => ({ ...l, path: String(l.path ?? "") }))
        })
      case "DELETE /_sim/faults":
        sim.faults.clear()
        return reply(204)
      case "POST /_sim/faults/latency": {
        const { clientIdentity, method: only, ms, path: prefix } = decode(Latency)
        sim.faults.latency(ms, {
          ...(prefix !== undefined ? { path: prefix } : {}),
          ...(only ? { method: only } : {}),
          ...(clientIdentity !== undefined ? { clientIdentity } : {})
        })
        return reply(204)
      }
      case "POST /_sim/faults/error-rate": {
        const { rate, status } = decode(ErrorRate)
        sim.faults.errorRate(rate, status)
        return reply(204)
      }
      case "POST /_sim/faults/expire-sessions":
        sim.faults.expireSessions()
        return reply(204)
      case "POST /_sim/faults/status419":
        sim.faults.status419(decode(Count).count)
        return reply(204)
      case "POST /_sim/faults/reset-connections":
        sim.faults.resetConnections(decode(Count).count)
        return reply(204)
      case "POST /_sim/faults/slow-body":
        sim.faults.slowBody(decode(Duration).ms)
        return reply(204)
      case "GET /_sim/snapshot":
        return reply(200, sim.snapshot())
      case "POST /_sim/restore":
        sim.restore(decodeSnapshot(body))
        return reply(204)
    }
    const objects = /^\/_sim\/objects\/([^/]+)(?:\/([^/]+))?$/.exec(path)
    if (objects) {
      const [, type, uuid] = objects
      const tenant = url.searchParams.get("tenant") ?? undefined
      if (method === "GET" && uuid === undefined) return reply(200, sim.objects(type!, tenant))
      if (method === "GET") {
        const found = sim.get(type!, uuid!)
        return found ? reply(200, found) : reply(404, { error: "not found" })
      }
      if (method === "POST" && uuid === undefined) {
        return reply(201, sim.insert(type!, { ...decode(ObjectBody) }, tenant))
      }
      if (method === "PUT" && uuid !== undefined) return reply(200, sim.update(type!, uuid, { ...decode(ObjectBody) }))
      if (method === "DELETE" && uuid !== undefined) {
        sim.remove(type!, uuid, { force: url.searchParams.get("force") === "true" })
        return reply(204)
      }
    }
    return reply(404, { error: `unknown admin route ${route}` })
  } catch (error) {
    if (error instanceof AviApiError) return reply(error.status, error.body)
    return reply(400, { error: error instanceof Error ? error.message : String(error) })
  }
}
