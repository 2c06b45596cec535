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

// Tagged metrics are built once per label set, their labels in one array: building them per request, or nesting
// `Metric.tagged` (which joins the labels into a new array on every update), showed up in profiles (key hashing).
const taggedDuration = (method: string, type: string) =>
  Metric.taggedWithLabels(requestDuration, [MetricLabel.make("method", method), MetricLabel.make("type", type)])
const taggedCount = (method: string, type: string, status: string) =>
  Metric.taggedWithLabels(requestsTotal, [
    MetricLabel.make("method", method),
    MetricLabel.make("type", type),
    MetricLabel.make("status", status)
  ])
const durationByLabels = new Map<string, ReturnType<typeof taggedDuration>>()
const countByLabels = new Map<string, ReturnType<typeof taggedCount>>()

/** Counts one exchange and its latency; synchronous, so the client records it inside the step that saw the answer. */
export const recordRequest = (method: string, type: string, status: string, seconds: number): void => {
  const durationKey = `${method} ${type}`
  let duration = durationByLabels.get(durationKey)
  if (duration === undefined) {
    duration = taggedDuration(method, type)
    durationByLabels.set(durationKey, duration)
  }
  const countKey = `${durationKey} ${status}`
  let count = countByLabels.get(countKey)
  if (count === undefined) {
    count = taggedCount(method, type, status)
    countByLabels.set(countKey, count)
  }
  // Updated in place: `Metric.update` reads the fiber's metric labels (ako-ts sets none) in two steps per metric,
  // on every exchange. The labels are the metric's own, so the series are the same.
  duration.unsafeUpdate(seconds, NO_EXTRA_LABELS)
  count.unsafeUpdate(1, NO_EXTRA_LABELS)
}

const NO_EXTRA_LABELS: ReadonlyArray<MetricLabel.MetricLabel> = []

export const recordRelogin: Effect.Effect<void> = Metric.increment(reloginsTotal)
