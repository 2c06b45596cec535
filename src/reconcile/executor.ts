/**
 * Runs a unit's plan: one write at a time through the WriteGuard and the Avi client, the cache updated from each
 * response, errors classified as AKO does (reference/ako-objects.md §6). The result says what the app does next:
 * nothing, retry soon (work-queue backoff), retry after a long delay, or report problems as Events.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import type { AviError } from "../avi/index.js"
import { AviClient, AviTypes } from "../avi/index.js"
import type { NotLeader } from "../election/index.js"
import { WriteGuard } from "../election/index.js"
import type { AviBody, AviObjectType, DesiredUnit, ObjectRef } from "../model/index.js"
import { canonicalJson, CHECKSUM_FIELD } from "../model/index.js"
import { AviCache } from "./cache.js"
import type { CachedObject, CacheView } from "./cache.js"
import type { Operation, UnitPlan } from "./diff.js"
import { planUnit, unitView, upToDate } from "./diff.js"
import { countOperation, recordOperation, unitDuration } from "./metrics.js"
import { holdUnmodelled } from "./unmodelled.js"
import type { Outcome } from "./work-queue.js"

export interface ExecutorConfig {
  /** Delay of a slow retry (no free IP, controller upgrade, missing network/VRF). AKO: 90 s. */
  readonly slowRetryDelay: Duration.DurationInput
  /** Immediate re-tries of one write after a 409, 412 or 404-on-PUT before the unit goes back to the queue. */
  readonly maxAttempts: number
}

export const defaultExecutorConfig: ExecutorConfig = { slowRetryDelay: "90 seconds", maxAttempts: 3 }

/** A write the controller refused for good (a 4xx that retrying will not fix); the app emits it as an Event. */
export interface UnitProblem {
  readonly unit: string
  readonly type: AviObjectType
  readonly name: string
  readonly op: Operation["op"]
  /** The client's error tag (`AviValidationError`, `AviRequestFailed`, ...). */
  readonly reason: string
  readonly message: string
  /** The Kubernetes objects of the unit, where the Event goes. */
  readonly owners: ReadonlyArray<ObjectRef>
}

export type UnitOutcome =
  | { readonly _tag: "Synced" }
  | { readonly _tag: "RetryFast"; readonly reason: string }
  | { readonly _tag: "RetrySlow"; readonly delay: Duration.Duration; readonly reason: string }
  | { readonly _tag: "Failed"; readonly problems: ReadonlyArray<UnitProblem> }

export type AppliedResult = "ok" | "already-gone" | "adopted" | "failed"

export interface AppliedOperation {
  /** The operation as sent (a create that met a 409 and became an update is reported as an update). */
  readonly operation: Operation
  readonly result: AppliedResult
}

export interface UnitResult {
  readonly key: string
  readonly applied: ReadonlyArray<AppliedOperation>
  readonly outcome: UnitOutcome
  /** Every problem met, also when the outcome is a retry. */
  readonly problems: ReadonlyArray<UnitProblem>
  /** VIPs per VsVip name of the unit (floating IPs when there are any, else v4 then v6 addresses). */
  readonly vips: ReadonlyMap<string, ReadonlyArray<string>>
  /** Uuid per VS name of the unit (parent and SNI children). */
  readonly vsUuids: ReadonlyMap<string, string>
}

/** A reconcile that wants the work queue's per-key backoff (its failure channel). */
export class UnitRetry extends Data.TaggedError("UnitRetry")<{ readonly key: string; readonly reason: string }> {}

/** Maps a result onto the work queue: fast retries fail (per-key backoff), slow ones requeue after their delay. */
export const workQueueOutcome = (result: UnitResult): Effect.Effect<Outcome, UnitRetry> => {
  switch (result.outcome._tag) {
    case "RetryFast":
      return Effect.fail(new UnitRetry({ key: result.key, reason: result.outcome.reason }))
    case "RetrySlow":
      return Effect.succeed({ requeueAfter: result.outcome.delay })
    default:
      return Effect.succeed(undefined)
  }
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : undefined

const addrOf = (value: unknown): string | undefined => {
  const addr = asRecord(value)?.["addr"]
  return typeof addr === "string" && addr !== "" ? addr : undefined
}

/** The addresses a VsVip publishes (AKO's status code): floating IPs if any, else the v4 and v6 VIPs. */
export const vipAddresses = (vsVip: AviBody): ReadonlyArray<string> => {
  const entries = Array.isArray(vsVip["vip"]) ? vsVip["vip"] as ReadonlyArray<unknown> : []
  const records = entries.map(asRecord).filter((r): r is Record<string, unknown> => r !== undefined)
  const floating = records.map((r) => addrOf(r["floating_ip"])).filter((a): a is string => a !== undefined)
  if (floating.length > 0) return floating
  return [
    ...records.map((r) => addrOf(r["ip_address"])),
    ...records.map((r) => addrOf(r["ip6_address"]))
  ].filter((a): a is string => a !== undefined)
}

/** VIPs and VS uuids of a unit's objects, read from the cache. */
export const unitAddresses = (
  view: CacheView,
  unit: DesiredUnit | undefined
): Pick<UnitResult, "vips" | "vsUuids"> => {
  const vips = new Map<string, ReadonlyArray<string>>()
  const vsUuids = new Map<string, string>()
  for (const object of unit?.objects ?? []) {
    const cached = view.get(object.type, object.tenant, object.name)
    if (cached === undefined) continue
    if (object.type === "vsvip") vips.set(object.name, vipAddresses(cached.body))
    if (object.type === "virtualservice") vsUuids.set(object.name, cached.uuid)
  }
  return { vips, vsUuids }
}

// ---- error classes -------------------------------------------------------------------------------------------------

type ErrorClass = "slow" | "fast" | "problem"

const SLOW_MESSAGES = [
  "No available free IPs",
  "VrfContext object not found",
  "Network object not found",
  "Configuration is disallowed during upgrade",
  "does not exist"
]

export const classifyError = (error: AviError): ErrorClass => {
  if (SLOW_MESSAGES.some((text) => error.message.includes(text))) return "slow"
  // A certificate the controller cannot import (its 500 or 400 "Import error") stays refused until the Secret
  // changes: a problem of that host, not a reason to retry the whole unit.
  if (error.message.includes("Import error")) return "problem"
  switch (error._tag) {
    case "AviNoFreeIp":
      return "slow"
    case "AviUnavailable":
    case "AviDecodeError":
    case "AviAuthError":
    case "AviConflict":
    case "AviPreconditionFailed":
      return "fast"
    case "AviRequestFailed":
      return error.status === 408 || error.status === 429 ? "fast" : "problem"
    default:
      return "problem"
  }
}

/** The VIP network has no address left: the Service waits for one, and its owner hears why. */
export const isNoFreeIp = (error: AviError): boolean =>
  error._tag === "AviNoFreeIp" || error.message.includes("No available free IPs")

/**
 * The tenant the write was sent to does not exist (a Namespace's `ako.vmware.com/tenant-name` names a tenant nobody
 * created yet): the controller's 403 "Tenant '<name>' does not exist!". Retried slowly, as AKO does, and reported.
 */
export const isMissingTenant = (error: AviError): boolean =>
  error._tag === "AviRequestFailed" && error.status === 403 && /Tenant .* does not exist/i.test(error.message)

/** A 404 on a PUT means the object itself is gone, unless the text names another model (a missing ref). */
const objectItselfGone = (type: AviObjectType, error: AviError) =>
  error._tag === "AviNotFound" && (error.message === "" || error.message.includes(`${AviTypes[type].model} object`))

const refersTo = (ref: string, type: AviObjectType, name: string): boolean =>
  (ref.includes(`/api/${type}/`) || ref.includes(`/api/${type}?`)) &&
  (ref.endsWith(`#${name}`) || ref.endsWith(`name=${name}`) || ref.endsWith(`name=${encodeURIComponent(name)}`))

const mentions = (node: unknown, type: AviObjectType, name: string, key: string | undefined): boolean => {
  if (typeof node === "string") {
    return key !== undefined && (key.endsWith("_ref") || key.endsWith("_refs")) && refersTo(node, type, name)
  }
  if (Array.isArray(node)) return node.some((item) => mentions(item, type, name, key))
  const record = asRecord(node)
  return record !== undefined && Object.entries(record).some(([k, v]) => mentions(v, type, name, k))
}

/** The body without references to an object whose creation failed: list entries holding one go, ref fields too. */
export const stripRefs = (body: AviBody, type: AviObjectType, name: string): AviBody => {
  const strip = (node: unknown, key: string | undefined): unknown => {
    if (Array.isArray(node)) {
      return node.filter((item) => !mentions(item, type, name, key)).map((item) => strip(item, key))
    }
    const record = asRecord(node)
    if (record === undefined) return node
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(record)) {
      if (typeof v === "string" && mentions(v, type, name, k)) continue
      out[k] = strip(v, k)
    }
    return out
  }
  return strip(body, undefined) as AviBody
}

// ---- execution -----------------------------------------------------------------------------------------------------

type Step =
  | { readonly _tag: "Done"; readonly applied: AppliedOperation }
  | { readonly _tag: "Problem"; readonly applied: AppliedOperation; readonly problem: UnitProblem }
  | {
    readonly _tag: "Stop"
    readonly applied: AppliedOperation
    readonly outcome: UnitOutcome
    /** A stop the user must hear about (no free VIP address): reported as well as retried. */
    readonly problem?: UnitProblem
  }

/** Model bodies are plain records; the client types them per object type. They agree by construction. */
const asBody = (body: AviBody): never => body as never

/**
 * A unit Avi already matches: synced, its addresses read from the cache. Most units of a takeover pass and of every
 * resync are such, and at 10,000 units the general path's fiber steps for nothing to write were a large share of
 * what a pass allocated (issue 19).
 */
const alreadySynced = (plan: UnitPlan): Effect.Effect<UnitResult, never, AviCache> =>
  Effect.map(AviCache, (cache) => {
    unitDuration.unsafeUpdate(0, [])
    return {
      key: plan.key,
      applied: [],
      outcome: { _tag: "Synced" },
      problems: [],
      ...unitAddresses(cache.view, plan.desired)
    }
  })

/** A unit with writes to make: each in order, stopping or reporting as its error says. */
const writeUnit = (
  plan: UnitPlan,
  config: ExecutorConfig
): Effect.Effect<UnitResult, NotLeader, AviClient | AviCache | WriteGuard> =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const cache = yield* AviCache
    const guard = yield* WriteGuard
    const owners = plan.desired?.owners ?? []
    const slowDelay = Duration.decode(config.slowRetryDelay)

    const desiredOf = (operation: Operation) =>
      plan.desired?.objects.find((o) => o.type === operation.type && o.name === operation.name)

    // Reported on the Kubernetes objects the Avi object came from, the whole unit's only when it came from all.
    const problemOf = (operation: Operation, error: AviError): UnitProblem => ({
      unit: plan.key,
      type: operation.type,
      name: operation.name,
      op: operation.op,
      reason: error._tag,
      message: error.message,
      owners: desiredOf(operation)?.sources ?? owners
    })

    const record = (operation: Operation, result: string) => recordOperation(operation.type, operation.op, result)

    const failure = (operation: Operation, error: AviError): Effect.Effect<Step> => {
      const kind = classifyError(error)
      const applied: AppliedOperation = { operation, result: "failed" }
      const reason = `${operation.op} ${operation.type} ${operation.name}: ${error._tag}: ${error.message}`
      return Effect.zipRight(
        Effect.logWarning("Avi write failed").pipe(
          Effect.annotateLogs({ unit: plan.key, op: operation.op, type: operation.type, name: operation.name }),
          Effect.annotateLogs({ error: error._tag, detail: error.message, class: kind })
        ),
        Effect.succeed<Step>(
          kind === "slow"
            ? {
              _tag: "Stop",
              applied,
              outcome: { _tag: "RetrySlow", delay: slowDelay, reason },
              ...(isNoFreeIp(error) ? { problem: problemOf(operation, error) } : {}),
              ...(isMissingTenant(error) ?
                {
                  problem: {
                    ...problemOf(operation, error),
                    reason: "AviTenantNotFound",
                    message: `the Avi tenant ${operation.tenant} does not exist (named by the Namespace annotation ` +
                      `ako.vmware.com/tenant-name, or tenantName); ${operation.type} ${operation.name} is not ` +
                      `written until it does: ${error.message}`
                  }
                } :
                {})
            }
            : kind === "fast"
            ? { _tag: "Stop", applied, outcome: { _tag: "RetryFast", reason } }
            : { _tag: "Problem", applied, problem: problemOf(operation, error) }
        )
      )
    }

    const written = (operation: Operation, body: unknown, result: AppliedResult = "ok"): Effect.Effect<Step> =>
      Effect.map(cache.applyWriteResult(operation.type, body as AviBody), (): Step => {
        countOperation(operation.type, operation.op, result)
        return { _tag: "Done", applied: { operation, result } }
      })

    /**
     * A 404 naming another model: a referenced object is missing (deleted out of band while the cache kept it).
     * Re-read the dependencies by name and forget the missing ones, so the retry creates them first (AKO refreshes
     * the cache the same way). If all of them exist, the missing ref is not ours (a profile, say): a problem.
     */
    const missingReference = (operation: Operation, error: AviError): Effect.Effect<Step, NotLeader> => {
      const dependencies = desiredOf(operation)?.dependsOn ?? []
      if (error._tag !== "AviNotFound" || dependencies.length === 0) return failure(operation, error)
      return Effect.forEach(dependencies, (dependency) =>
        avi.findByName(dependency.type, dependency.name, { tenant: operation.tenant }).pipe(
          Effect.flatMap(Option.match({
            onNone: () =>
              Effect.as(cache.remove(dependency.type, operation.tenant, dependency.name), true),
            onSome: (found) => Effect.as(cache.applyWriteResult(dependency.type, found as unknown as AviBody), false)
          }))
        )).pipe(
          Effect.flatMap((missing) =>
            missing.some((m) =>
                m
              )
              ? Effect.succeed<Step>({
                _tag: "Stop",
                applied: { operation, result: "failed" },
                outcome: {
                  _tag: "RetryFast",
                  reason: `${operation.op} ${operation.type} ${operation.name}: a dependency was missing in Avi`
                }
              })
              : failure(operation, error)
          ),
          Effect.catchAll((readError) => failure(operation, readError))
        )
    }

    const run = (operation: Operation, attempt: number): Effect.Effect<Step, NotLeader> => {
      const options = { tenant: operation.tenant }
      const again = (next: Operation) =>
        attempt + 1 < config.maxAttempts ? run(next, attempt + 1) : Effect.succeed<Step>({
          _tag: "Stop",
          applied: { operation, result: "failed" },
          outcome: { _tag: "RetryFast", reason: `${operation.op} ${operation.type} ${operation.name}: retries spent` }
        })
      switch (operation.op) {
        case "create":
          return guard.admit(avi.create(operation.type, asBody(operation.body), options)).pipe(
            Effect.flatMap((stored) => written(operation, stored)),
            Effect.catchAll((error): Effect.Effect<Step, NotLeader> => {
              if (error._tag === "NotLeader") return Effect.fail(error)
              if (error._tag === "AviConflict") {
                // The object exists but the cache missed it (a write by the previous leader): read it, then adopt
                // it as it is or overwrite it.
                return avi.findByName(operation.type, operation.name, options).pipe(
                  Effect.flatMap(Option.match({
                    onNone: () => again(operation),
                    onSome: (found) =>
                      cache.applyWriteResult(operation.type, found as unknown as AviBody).pipe(
                        Effect.flatMap((cached): Effect.Effect<Step, NotLeader> => {
                          const desired = desiredOf(operation)
                          if (cached === undefined) return again(operation)
                          if (desired !== undefined && upToDate(desired, cached)) {
                            return Effect.as(record(operation, "adopted"), {
                              _tag: "Done",
                              applied: { operation, result: "adopted" }
                            })
                          }
                          return again({ ...operation, op: "update", uuid: cached.uuid })
                        })
                      )
                  })),
                  Effect.catchAll((readError) =>
                    readError._tag === "NotLeader" ? Effect.fail(readError) : failure(operation, readError)
                  )
                )
              }
              if (error._tag === "AviPreconditionFailed") return again(operation)
              return Effect.zipRight(record(operation, "error"), missingReference(operation, error))
            })
          )
        case "update":
          return guard.admit(avi.update(operation.type, operation.uuid, asBody(operation.body), options)).pipe(
            Effect.flatMap((stored) => written(operation, stored)),
            Effect.catchAll((error): Effect.Effect<Step, NotLeader> => {
              if (error._tag === "NotLeader") return Effect.fail(error)
              if (objectItselfGone(operation.type, error)) {
                const { uuid: _gone, ...rest } = operation
                // Create from the desired body: an update body may carry the vanished object's envelope.
                const body = desiredOf(operation)?.body ?? rest.body
                return Effect.zipRight(
                  cache.remove(operation.type, operation.tenant, operation.name),
                  again({ ...rest, body, op: "create" })
                )
              }
              if (error._tag === "AviPreconditionFailed") return again(operation)
              return Effect.zipRight(record(operation, "error"), missingReference(operation, error))
            })
          )
        case "delete":
          return guard.admit(avi.delete(operation.type, operation.uuid, options)).pipe(
            Effect.as<AppliedResult>("ok"),
            Effect.catchTag("AviNotFound", () => Effect.succeed<AppliedResult>("already-gone")),
            Effect.flatMap((result) =>
              cache.remove(operation.type, operation.tenant, operation.name).pipe(
                Effect.zipRight(record(operation, result)),
                Effect.as<Step>({ _tag: "Done", applied: { operation, result } })
              )
            ),
            Effect.catchAll((error): Effect.Effect<Step, NotLeader> => {
              if (error._tag === "NotLeader") return Effect.fail(error)
              if (error._tag === "AviPreconditionFailed") return again(operation)
              return Effect.zipRight(record(operation, "error"), failure(operation, error))
            })
          )
      }
    }

    const started = yield* Clock.currentTimeMillis
    const applied: Array<AppliedOperation> = []
    const problems: Array<UnitProblem> = []
    const failedCreates: Array<{ readonly type: AviObjectType; readonly name: string }> = []
    let stop: UnitOutcome | undefined
    for (const planned of plan.operations) {
      let operation = planned
      if (operation.op !== "delete" && failedCreates.length > 0) {
        let body = operation.body
        for (const failed of failedCreates) body = stripRefs(body, failed.type, failed.name)
        // A stripped body must not carry the full body's checksum, or the next pass would take it as up to date:
        // without one, only the full content can count as current.
        const field = CHECKSUM_FIELD[operation.type]
        if (body !== operation.body && field !== undefined && canonicalJson(body) !== canonicalJson(operation.body)) {
          const { [field]: _full, ...rest } = body
          body = rest
        }
        operation = { ...operation, body }
      }
      // A host whose certificate the controller refused is not served at all (no SNI child without its
      // certificate); its problem is already reported on the objects it came from.
      const refusedCertificate = desiredOf(operation)?.dependsOn.find((dependency) =>
        dependency.type === "sslkeyandcertificate" &&
        failedCreates.some((failed) => failed.type === dependency.type && failed.name === dependency.name)
      )
      if (operation.op === "create" && refusedCertificate !== undefined) {
        yield* Effect.logWarning("not created: its certificate was refused").pipe(
          Effect.annotateLogs({ unit: plan.key, type: operation.type, name: operation.name })
        )
        failedCreates.push({ type: operation.type, name: operation.name })
        continue
      }
      const step = yield* run(operation, 0)
      applied.push(step.applied)
      if (step._tag === "Stop") {
        stop = step.outcome
        if (step.problem !== undefined) problems.push(step.problem)
        break
      }
      if (step._tag === "Problem") {
        problems.push(step.problem)
        const isParent = operation.type === "virtualservice" && operation.name === plan.virtualService
        if (operation.op === "create" && (operation.type === "vsvip" || isParent)) {
          // Nothing of the unit can serve without its VIP or parent VS: stop here, as AKO aborts the batch.
          break
        }
        if (operation.op === "create") failedCreates.push({ type: operation.type, name: operation.name })
      }
    }
    const outcome: UnitOutcome = stop ?? (problems.length > 0 ? { _tag: "Failed", problems } : { _tag: "Synced" })
    const elapsed = (yield* Clock.currentTimeMillis) - started
    yield* Metric.update(unitDuration, elapsed / 1000)
    return { key: plan.key, applied, outcome, problems, ...unitAddresses(cache.view, plan.desired) }
  })

export const executeUnit = (
  plan: UnitPlan,
  config: ExecutorConfig = defaultExecutorConfig
): Effect.Effect<UnitResult, NotLeader, AviClient | AviCache | WriteGuard> =>
  plan.operations.length === 0 ?
    alreadySynced(plan) :
    // Admitted as a whole, so its writes share one fenced fiber: each is still checked against the term before it
    // is sent (the guard admits a write inside an admitted one in place), and the term's end cuts whichever runs.
    Effect.flatMap(WriteGuard, (guard) => guard.admit(writeUnit(plan, config)))

/**
 * One work-queue item: plan the unit from the cache and execute it. `others` tells which cached objects other units
 * still want (see `wantedBy`), so a unit never deletes them.
 */
export const reconcileUnit = (
  key: string,
  desired: DesiredUnit | undefined,
  options: { readonly others?: (object: CachedObject) => boolean; readonly config?: ExecutorConfig } = {}
): Effect.Effect<UnitResult, NotLeader, AviClient | AviCache | WriteGuard> =>
  Effect.gen(function*() {
    const cache = yield* AviCache
    const plan = planUnit(desired, unitView(cache.view, key, options.others, holdUnmodelled(cache.config)))
    return yield* executeUnit(plan, options.config)
  })
