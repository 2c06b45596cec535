/**
 * The operational HTTP endpoints on AKO's `apiServerPort`: liveness (`/healthz`, and `/api/status` which AKO's
 * chart probes), readiness (`/readyz`) and Prometheus metrics (`/metrics`).
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createServer } from "node:http"
import { PROMETHEUS_CONTENT_TYPE, scrapeMetrics } from "./prometheus.js"
import { Readiness } from "./readiness.js"

const liveness = HttpServerResponse.text("ok")

export const healthRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", liveness),
  HttpRouter.get("/api/status", liveness),
  HttpRouter.get(
    "/readyz",
    Effect.gen(function*() {
      const readiness = yield* Readiness
      const report = yield* readiness.report
      return yield* HttpServerResponse.json(report, { status: report.ready ? 200 : 503 })
    })
  ),
  HttpRouter.get(
    "/metrics",
    scrapeMetrics.pipe(Effect.map((body) => HttpServerResponse.text(body, { contentType: PROMETHEUS_CONTENT_TYPE })))
  )
)

/**
 * Serves the router on `host:port` for as long as the layer lives; the address is logged once bound. The server
 * stays in the layer's output so callers (tests, port 0) can read the bound address.
 */
export const healthServerLayer = (options: { readonly port: number; readonly host?: string }) =>
  HttpServer.serve(healthRouter).pipe(
    HttpServer.withLogAddress,
    Layer.provideMerge(
      NodeHttpServer.layer(() => createServer(), { port: options.port, host: options.host ?? "0.0.0.0" })
    )
  )
