/**
 * The scripted demo (`--demo`): once everything is synced, stop the leader gracefully (SIGTERM: it releases the
 * Lease, a standby takes over at once), then kill the new leader outright (SIGKILL: nothing is released, the Lease
 * has to expire) with a fresh replica started in its place, and measure each takeover from the signal to the new
 * leader's "became leader" and "takeover complete" log lines.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import type { AviSim } from "../../sim/avi/index.js"
import type { KubeSim } from "../../sim/kube/index.js"
import { readCluster, readLease } from "./cluster-view.js"
import { PlaygroundError } from "./errors.js"
import type { ReplicaSet, StopSignal } from "./replicas.js"
import { LEASE_TIMINGS } from "./seed.js"

export interface Takeover {
  readonly signal: StopSignal
  readonly from: string
  readonly to: string
  /** The new leader was started after the signal, in place of the old one. */
  readonly replacement: boolean
  /** From the signal to the new leader's "became leader". */
  readonly leadMs: number
  /** From the signal to the new leader's "takeover complete" (Avi and statuses in sync). */
  readonly completeMs: number
  readonly oldLeaderExit: string
}

export interface DemoDependencies {
  readonly replicas: ReplicaSet
  readonly kube: KubeSim
  readonly avi: AviSim
}

class NotYet extends Data.TaggedError("NotYet") {}

const TAKEOVER_COMPLETE = "takeover complete; serving the work queue"

const waitUntil = <A>(what: string, check: Effect.Effect<Option.Option<A>>, timeout: Duration.Duration) =>
  check.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotYet()), onSome: Effect.succeed })),
    Effect.retry({ schedule: Schedule.spaced(Duration.millis(100)), while: (error) => error._tag === "NotYet" }),
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new PlaygroundError({ message: `timed out after ${Duration.format(timeout)} waiting for ${what}` })
    }),
    Effect.catchTag("NotYet", () => Effect.fail(new PlaygroundError({ message: `gave up waiting for ${what}` })))
  )

const liveLeader = (deps: DemoDependencies) =>
  Effect.gen(function*() {
    const holder = readLease(deps.kube).holder
    if (holder === undefined) return Option.none<string>()
    const views = yield* deps.replicas.views
    return views.some((view) => view.name === holder && view.status === "running") ?
      Option.some(holder) :
      Option.none<string>()
  })

export const waitForSync = (deps: DemoDependencies) =>
  waitUntil(
    "every demo Service and Ingress to get its VIP",
    Effect.gen(function*() {
      const events = yield* deps.replicas.events
      const tookOver = events.some((event) => event.message === TAKEOVER_COMPLETE)
      return tookOver && readCluster(deps.kube, deps.avi).demoSynced ? Option.some(true) : Option.none()
    }),
    Duration.seconds(90)
  )

const takeover = (deps: DemoDependencies, signal: StopSignal, replace: boolean) =>
  Effect.scoped(Effect.gen(function*() {
    const from = yield* waitUntil("a running leader", liveLeader(deps), Duration.seconds(60))
    const others = (yield* deps.replicas.views).filter((view) => view.name !== from && view.status !== "exited")
    const replacement = replace || others.length === 0
    const events = yield* deps.replicas.subscribe
    const signalledAt = yield* Clock.currentTimeMillis
    yield* deps.replicas.signal(from, signal)
    if (replacement) yield* deps.replicas.launch(yield* deps.replicas.freshName)
    let leader: { readonly name: string; readonly atMs: number } | undefined
    let completeAtMs: number | undefined
    const deadline = Duration.seconds(60)
    yield* Effect.gen(function*() {
      while (completeAtMs === undefined) {
        const event = yield* Queue.take(events)
        if (event.source === from || event.source === "playground") continue
        if (event.message === "became leader") leader = { name: event.source, atMs: event.atMs }
        if (event.message === TAKEOVER_COMPLETE && leader?.name === event.source) completeAtMs = event.atMs
      }
    }).pipe(Effect.timeoutFail({
      duration: deadline,
      onTimeout: () =>
        new PlaygroundError({ message: `no takeover within ${Duration.format(deadline)} after ${signal} to ${from}` })
    }))
    const exit = yield* deps.replicas.awaitExit(from, Duration.seconds(20))
    const result: Takeover = {
      signal,
      from,
      to: leader!.name,
      replacement,
      leadMs: leader!.atMs - signalledAt,
      completeMs: completeAtMs! - signalledAt,
      oldLeaderExit: Option.getOrElse(exit, () => "still running")
    }
    yield* deps.replicas.note(
      `${signal} ${from}: ${result.to} led after ${(result.leadMs / 1000).toFixed(2)} s, took over after ${
        (result.completeMs / 1000).toFixed(2)
      } s`
    )
    return result
  }))

export const describeTakeover = (index: number, takeover: Takeover) =>
  `takeover ${index}: ${takeover.signal} ${takeover.from} (exit: ${takeover.oldLeaderExit}) → ${takeover.to}${
    takeover.replacement ? " (started in its place)" : ""
  } leading after ${(takeover.leadMs / 1000).toFixed(2)} s, takeover complete after ${
    (takeover.completeMs / 1000).toFixed(2)
  } s`

/** Runs both takeovers and returns the summary lines. */
export const runDemo = (deps: DemoDependencies) =>
  Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    yield* waitForSync(deps)
    const syncedAfterMs = (yield* Clock.currentTimeMillis) - startedAt
    yield* deps.replicas.note(`demo: everything synced after ${(syncedAfterMs / 1000).toFixed(2)} s`)
    const graceful = yield* takeover(deps, "SIGTERM", false)
    const killed = yield* takeover(deps, "SIGKILL", true)
    return [
      "demo summary",
      `  synced after ${(syncedAfterMs / 1000).toFixed(2)} s`,
      `  ${describeTakeover(1, graceful)}`,
      `  ${describeTakeover(2, killed)}`,
      `  lease timings: leaseDuration ${LEASE_TIMINGS.leaseDuration}, renewDeadline ${LEASE_TIMINGS.renewDeadline}, ` +
      `retryPeriod ${LEASE_TIMINGS.retryPeriod} (a SIGKILLed leader's Lease must expire first)`
    ] as ReadonlyArray<string>
  })
