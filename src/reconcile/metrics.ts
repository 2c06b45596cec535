/**
 * Reconciliation metrics: Avi writes by type, operation and result; time per unit; the owned-object cache.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"

/** Avi writes the reconciler attempted, by object `type`, `op` (create/update/delete) and `result`. */
export const operationsTotal = Metric.counter("ako_reconcile_operations_total", {
  description: "Avi write operations issued by the reconciler",
  incremental: true
})

/** Wall time of one unit's plan and execution, in seconds. */
export const unitDuration = Metric.histogram(
  "ako_reconcile_unit_duration_seconds",
  MetricBoundaries.exponential({ start: 0.001, factor: 2, count: 16 }),
  "Time to plan and execute one unit against Avi"
)

/** Owned objects in the Avi cache, by `type`. */
export const cacheObjects = Metric.gauge("ako_avi_cache_objects", {
  description: "Avi objects owned by this cluster held in the cache"
})

/** Time of one full cache refresh (every owned type listed page by page), in seconds. */
export const cacheRefreshDuration = Metric.histogram(
  "ako_avi_cache_refresh_duration_seconds",
  MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 14 }),
  "Time to re-list every owned Avi object"
)

// Each label set's labels are one array, made once and passed as the update's labels: a tagged counter joins its
// labels into a new array on every update, and Effect then builds and hashes a metric key for it each time.
const operationLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>()

/** Counts one Avi write, in place (for a caller already in a synchronous step). */
export const countOperation = (type: string, op: string, result: string): void => {
  const key = `${type} ${op} ${result}`
  let labels = operationLabels.get(key)
  if (labels === undefined) {
    labels = [MetricLabel.make("type", type), MetricLabel.make("op", op), MetricLabel.make("result", result)]
    operationLabels.set(key, labels)
  }
  // In place, as the Avi client's request metrics (src/avi/metrics.ts): no fiber labels to read.
  operationsTotal.unsafeUpdate(1, labels)
}

export const recordOperation = (type: string, op: string, result: string): Effect.Effect<void> =>
  Effect.sync(() => countOperation(type, op, result))

/** Owned Avi objects kept because they belong to a feature ako-ts does not model yet, by `type` and `reason`. */
export const unmanagedObjects = Metric.gauge("ako_unmanaged_objects", {
  description: "Owned Avi objects of features ako-ts does not model, kept as they are"
})
