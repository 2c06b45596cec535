/**
 * Client metrics. Counted per HTTP exchange (a retried request counts each attempt), so the status mix shows
 * what the controller actually answered.
 */
import type * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

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

// Each label set's labels are one array, made once and passed as the update's labels: Effect finds the series of an
// array it has seen by the array itself. A tagged metric (`Metric.taggedWithLabels`) joins its labels into a new
// array on every update, so Effect built and hashed a metric key per request (profiles showed it).
const durationLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()
const countLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

/** Counts one exchange and its latency; synchronous, so the client records it inside the step that saw the answer. */
export const recordRequest = (method: string, type: string, status: string, seconds: number): void => {
  const durationKey = `${method} ${type}`
  let duration = durationLabels.get(durationKey)
  if (duration === undefined) {
    duration = [MetricLabel.make("method", method), MetricLabel.make("type", type)]
    durationLabels.set(durationKey, duration)
  }
  const countKey = `${durationKey} ${status}`
  let count = countLabels.get(countKey)
  if (count === undefined) {
    count = [...duration, MetricLabel.make("status", status)]
    countLabels.set(countKey, count)
  }
  // In place: `Metric.update` reads the fiber's metric labels (ako-ts sets none) in two steps per metric.
  requestDuration.unsafeUpdate(seconds, duration)
  requestsTotal.unsafeUpdate(1, count)
}

export const recordRelogin: Effect.Effect<void> = Metric.increment(reloginsTotal)
