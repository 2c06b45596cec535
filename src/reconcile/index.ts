/**
 * Reconciliation against Avi: the owned-object cache, the diff, the executor, status computation, the takeover
 * pass and deleteConfig, plus the keyed work queue and the changed-key batches fed by reflector listeners.
 *
 * How the app uses it (every write goes through the `WriteGuard`; the cache is one `AviCache.layer` per process,
 * kept across role changes):
 * - Always (passive and active): `runPeriodicRefresh(interval)` forked in a scope keeps the cache current with reads
 *   only; `AviCache.synced` feeds readiness.
 * - On taking the lead: `takeover(desired)` (full refresh, stale cleanup, every unit written where it differs), then
 *   the statuses of every handled object (`statusesFor`), then the work queue. Stop the passive refresh loop while
 *   leading if you like; a refresh racing writes is safe either way.
 * - Per work-queue key: `reconcileUnit(key, desired.get(key), { others: wantedBy(desired) })` (build `wantedBy`
 *   once per desired-state version), then `statusesFor(owners before ∪ owners after, desired.values(),
 *   cacheAddresses(cache.view), { controllerClusterUuid })`, writing only where `statusUpToDate` is false
 *   (`statusPatch` on /status, `annotationPatch` on the object), Events from `result.problems`, and
 *   `workQueueOutcome(result)` as the reconcile's result (fast retries fail into the queue's backoff, slow ones
 *   requeue after their delay).
 * - deleteConfig true: annotate the Deployment `AviObjectDeletionStatus: Started`, run `deleteAllOwned({ onProgress })`
 *   under a 30 min timeout, then `Done` (summary.done) or `Timeout`, Events from `summary.problems`; idle until it turns
 *   false, then remove the annotation and run `takeover` again.
 */
export * from "./cache.js"
export * from "./changed-keys.js"
export * from "./diff.js"
export * from "./executor.js"
export * as ReconcileMetrics from "./metrics.js"
export { shareStrings } from "./shared-strings.js"
export * from "./status.js"
export * from "./takeover-plan.js"
export * from "./takeover.js"
export * from "./unmodelled.js"
export * from "./work-queue.js"
