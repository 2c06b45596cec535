/**
 * Client metrics. Counted per HTTP exchange (a retried request counts each attempt), so the status mix shows
 * what the controller actually answered.
 */
import { Effect, Metric, MetricBoundaries } from "effect"

/** Requests by `method`, object `type` (path segment after /api/, or `login`) and `status` (code or error kind). */
export const requestsTotal = Metric.counter("ako_avi_requests_total", {
  description: "HTTP requests sent to the Avi controller",
  incremental: true
})

/** Latency of each exchange, headers to full body, in seconds. */
export const requestDuration = Metric.histogram(
  "ako_avi_request_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "Latency of HTTP requests to the Avi controller"
)

/** Logins after the first one: session expiry (401) or invalidation (419). */
export const reloginsTotal = Metric.counter("ako_avi_relogins_total", {
  description: "Re-logins to the Avi controller after 401/419",
  incremental: true
})

export const recordRequest = (method: string, type: string, status: string, seconds: number): Effect.Effect<void> =>
  Effect.zipRight(
    Metric.update(requestDuration.pipe(Metric.tagged("method", method), Metric.tagged("type", type)), seconds),
    Metric.update(
      requestsTotal.pipe(Metric.tagged("method", method), Metric.tagged("type", type), Metric.tagged("status", status)),
      1
    )
  )

export const recordRelogin: Effect.Effect<void> = Metric.increment(reloginsTotal)
