/**
 * Reconciliation against Avi: the owned-object cache, the diff, the executor, status computation, the takeover
 * pass and deleteConfig, plus the keyed work queue.
 */
export * from "./cache.js"
export * from "./diff.js"
export * from "./executor.js"
export * as ReconcileMetrics from "./metrics.js"
export * from "./status.js"
export * from "./takeover.js"
export * from "./work-queue.js"
