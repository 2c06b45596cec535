/**
 * The Lease elector: client-go's algorithm (tryAcquireOrRenew), wire-compatible with it, plus what AKO lacks
 * (reference/ako-ha.md §8): the role flips to Candidate exactly at `lastRenew + renewDeadline` on the monotonic
 * clock, in-process, before any release; the release waits for guarded writes in flight and is time-boxed;
 * a watch on the Lease takes a release within one round trip; every call has a timeout well below the deadline.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { KubeClient } from "../k8s/client.js"
import { EventRecorder } from "../k8s/event-types.js"
import { WriteGuard } from "../k8s/write-guard.js"
import type { ElectionConfig } from "./config.js"
import type { LeadershipState } from "./leadership.js"
import {
  extendTerm,
  Leadership,
  makeLeadership,
  makeLeadershipState,
  makeWriteGuard,
  Role,
  setRole,
  startTerm,
  termOpen,
  untilExpired
} from "./leadership.js"
import { kubeLeaseApiLayer } from "./lease-api-kube.js"
import type { LeaseApiShape, LeaseRecord, LeaseWrite } from "./lease-api.js"
import { formatMicroTime, LeaseApi, LeaseApiError } from "./lease-api.js"
import type { ElectionMetrics } from "./metrics.js"
import { electionMetrics } from "./metrics.js"
import { sleepMillis } from "./sleep.js"

/** Annotation with the holder's ako-ts version; valid only while `VERSION_HOLDER_ANNOTATION` names the holder. */
export const VERSION_ANNOTATION = "ako-ts.io/version"
/** Names the holder that wrote `VERSION_ANNOTATION`: a Go elector keeps our annotations when it takes over. */
export const VERSION_HOLDER_ANNOTATION = "ako-ts.io/version-holder"

export class Elector extends Context.Tag("ako-ts/election/Elector")<Elector, {
  /** The election loop. Run it for the whole life of the process (also with one replica); interrupting it releases. */
  readonly run: Effect.Effect<never>
}>() {}

interface Observed {
  /** The latest version seen (for its resourceVersion). */
  readonly record: Option.Option<LeaseRecord>
  /** Monotonic nanos at which the spec was last seen to change: expiry is judged from here. */
  readonly at: bigint
}

const sameSpec = (a: LeaseRecord, b: LeaseRecord) =>
  a.holderIdentity === b.holderIdentity && a.renewTime === b.renewTime && a.acquireTime === b.acquireTime &&
  a.leaseTransitions === b.leaseTransitions && a.leaseDurationSeconds === b.leaseDurationSeconds

/** The version the holder recorded, if the annotations were written by that holder. */
export const holderVersion = (record: LeaseRecord): string | undefined =>
  record.annotations[VERSION_HOLDER_ANNOTATION] === record.holderIdentity
    ? record.annotations[VERSION_ANNOTATION]
    : undefined

export const makeElector = (
  config: ElectionConfig,
  api: LeaseApiShape,
  state: LeadershipState,
  metrics: ElectionMetrics
): Effect.Effect<never> =>
  Effect.gen(function*() {
    const me = config.identity
    const leaseSeconds = Math.round(Duration.toSeconds(config.leaseDuration))
    const observed = yield* Ref.make<Observed>({ record: Option.none(), at: 0n })
    const wake = yield* Queue.sliding<void>(1)
    // the watch saw another holder while we lead (someone overwrote the Lease): step down without waiting
    const overtaken = yield* Queue.sliding<void>(1)
    const term = yield* Ref.make(0)
    const reportedSkew = yield* Ref.make<string | undefined>(undefined)
    const events = yield* Effect.serviceOption(EventRecorder)
    const annotations = { [VERSION_ANNOTATION]: config.version, [VERSION_HOLDER_ANNOTATION]: me }
    const failing = yield* Ref.make(false)
    // export the series from the start, not only after the first change
    yield* Metric.set(metrics.leader, 0)
    yield* Metric.set(metrics.versionSkew, 0)
    yield* Metric.set(metrics.term, 0)

    // interruptible inside: the release runs in an (uninterruptible) finalizer and must still time out
    const isConflict = (error: unknown) =>
      typeof error === "object" && error !== null && "_tag" in error && error._tag === "LeaseConflict"
    const timed = <A, E>(op: string, call: Effect.Effect<A, E>) =>
      Effect.interruptible(call).pipe(
        Effect.timeoutFail({
          duration: config.callTimeout,
          onTimeout: () =>
            new LeaseApiError({ message: `lease ${op} timed out after ${Duration.format(config.callTimeout)}` })
        }),
        Effect.tapBoth({
          // The first failure after a success is a warning; repeats while the API stays unreachable are debug. A
          // conflict is the optimistic-concurrency answer to losing a race, not a fault: it is logged at info.
          onFailure: (error) =>
            isConflict(error) ?
              Effect.logInfo(`lease ${op} lost a race to another replica`) :
              Metric.increment(Metric.tagged(metrics.leaseErrors, "op", op)).pipe(
                Effect.zipRight(Ref.getAndSet(failing, true)),
                Effect.flatMap((already) =>
                  (already ? Effect.logDebug : Effect.logWarning)(`lease ${op} failed`).pipe(
                    Effect.annotateLogs("error", String(error))
                  )
                )
              ),
          onSuccess: () => Ref.set(failing, false)
        })
      )

    const recordElectionEvent = (type: "Normal" | "Warning", reason: string, message: string) =>
      Option.isNone(events) ? Effect.void : events.value.emitElection({
        involvedObject: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          namespace: config.namespace,
          name: config.leaseName
        },
        type,
        reason,
        message
      }).pipe(
        Effect.timeoutFail({ duration: config.callTimeout, onTimeout: () => "timed out" }),
        Effect.catchAll((e) => Effect.logWarning(`could not record the ${reason} Event`, e)),
        // an Event is best effort: it never holds up observing, acquiring or renewing
        Effect.fork,
        Effect.asVoid
      )

    const checkSkew = (record: LeaseRecord) =>
      Effect.gen(function*() {
        if (record.holderIdentity === "" || record.holderIdentity === me) {
          yield* Metric.set(metrics.versionSkew, 0)
          return
        }
        const version = holderVersion(record)
        if (version === config.version) {
          yield* Metric.set(metrics.versionSkew, 0)
          return
        }
        yield* Metric.set(metrics.versionSkew, 1)
        const key = `${record.holderIdentity}@${version ?? "unknown"}`
        if ((yield* Ref.getAndSet(reportedSkew, key)) === key) return
        const message = `leader ${record.holderIdentity} runs version ${
          version ?? "unknown"
        }; candidate ${me} runs ${config.version}`
        yield* Effect.logWarning("version skew between replicas").pipe(
          Effect.annotateLogs({ leader: record.holderIdentity, leaderVersion: version ?? "unknown" })
        )
        yield* recordElectionEvent("Warning", "VersionSkew", message)
      })

    const observe = (record: Option.Option<LeaseRecord>) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeNanos
        yield* Ref.update(observed, (o) => {
          const changed = Option.isNone(o.record) || Option.isNone(record) || !sameSpec(o.record.value, record.value)
          return { record, at: changed ? now : o.at }
        })
        if (Option.isSome(record)) yield* checkSkew(record.value)
      })

    const wallNow = Effect.map(Clock.currentTimeMillis, formatMicroTime)

    /** One acquire attempt; `Some` with the stored record and the monotonic send time on success. */
    const tryAcquire = Effect.gen(function*() {
      const current = yield* timed("get", api.get)
      const stamp = yield* wallNow
      if (Option.isNone(current)) {
        const sentAt = yield* Clock.currentTimeNanos
        const created = yield* timed(
          "create",
          api.create({
            holderIdentity: me,
            leaseDurationSeconds: leaseSeconds,
            acquireTime: stamp,
            renewTime: stamp,
            leaseTransitions: 0,
            annotations
          })
        )
        return { record: created, sentAt }
      }
      const record = current.value
      yield* observe(current)
      if (record.holderIdentity !== "" && record.holderIdentity !== me) {
        const o = yield* Ref.get(observed)
        const now = yield* Clock.currentTimeNanos
        const seconds = record.leaseDurationSeconds ?? leaseSeconds
        if (now < o.at + BigInt(seconds) * 1_000_000_000n) return yield* Effect.fail("held" as const)
      }
      const mine = record.holderIdentity === me
      const sentAt = yield* Clock.currentTimeNanos
      const stored = yield* timed(
        "replace",
        api.replace(record.resourceVersion, {
          holderIdentity: me,
          leaseDurationSeconds: leaseSeconds,
          acquireTime: mine ? record.acquireTime ?? stamp : stamp,
          renewTime: stamp,
          leaseTransitions: mine ? record.leaseTransitions : record.leaseTransitions + 1,
          annotations
        })
      )
      return { record: stored, sentAt }
    }).pipe(
      Effect.tap(({ record }) => observe(Option.some(record))),
      Effect.option
    )

    /** `expired`: the renew succeeded, but its answer came at or after the deadline, which ended the term. */
    type RenewOutcome = "renewed" | "failed" | "lost" | "expired"

    const renewWrite = (record: LeaseRecord): Effect.Effect<LeaseWrite> =>
      Effect.map(wallNow, (stamp) => ({
        holderIdentity: me,
        leaseDurationSeconds: leaseSeconds,
        acquireTime: record.acquireTime ?? stamp,
        renewTime: stamp,
        leaseTransitions: record.leaseTransitions,
        annotations
      }))

    // Optimistic update from the last version seen (client-go's fast path); on a conflict, re-read and retry once.
    const renewOnce: Effect.Effect<RenewOutcome> = Effect.gen(function*() {
      const known = (yield* Ref.get(observed)).record
      if (Option.isNone(known) || known.value.holderIdentity !== me) return "lost" as const
      const sentAt = yield* Clock.currentTimeNanos
      const first = yield* Effect.either(
        timed("replace", api.replace(known.value.resourceVersion, yield* renewWrite(known.value)))
      )
      if (first._tag === "Right") {
        yield* observe(Option.some(first.right))
        return (yield* extendTerm(state, sentAt)) ? "renewed" as const : "expired" as const
      }
      if (first.left._tag !== "LeaseConflict") return "failed" as const
      const fresh = yield* Effect.either(timed("get", api.get))
      if (fresh._tag === "Left") return "failed" as const
      yield* observe(fresh.right)
      if (Option.isNone(fresh.right) || fresh.right.value.holderIdentity !== me) return "lost" as const
      const retriedAt = yield* Clock.currentTimeNanos
      const second = yield* Effect.either(
        timed("replace", api.replace(fresh.right.value.resourceVersion, yield* renewWrite(fresh.right.value)))
      )
      if (second._tag === "Left") return "failed" as const
      yield* observe(Option.some(second.right))
      return (yield* extendTerm(state, retriedAt)) ? "renewed" as const : "expired" as const
    })

    // Ends the term the moment the deadline passes, however it is noticed: this timer, the guard refusing a write,
    // or a renew answered too late. Nothing a renew answers afterwards can reopen it.
    const deadlinePassed: Effect.Effect<"deadline"> = untilExpired(state).pipe(Effect.as("deadline" as const))

    const renewLoop: Effect.Effect<"lost" | "expired"> = Effect.sleep(config.retryPeriod).pipe(
      Effect.zipRight(renewOnce),
      Effect.flatMap((outcome) => outcome === "lost" || outcome === "expired" ? Effect.succeed(outcome) : renewLoop)
    )

    const lead = (record: LeaseRecord, sentAt: bigint) =>
      Effect.gen(function*() {
        yield* startTerm(state, sentAt)
        // an acquire answered only after its own deadline wins no term (a later attempt renews the Lease we hold)
        if (!(yield* termOpen(state))) {
          return yield* Effect.logWarning("lease acquired too late to lead; trying again")
        }
        const n = yield* Ref.updateAndGet(term, (t) => t + 1)
        const since = yield* Clock.currentTimeMillis
        yield* setRole(state, Role.Leader({ term: n, leaseTransitions: record.leaseTransitions, since }))
        yield* Metric.set(metrics.leader, 1)
        yield* Metric.set(metrics.term, n)
        yield* Metric.increment(Metric.tagged(metrics.transitions, "direction", "acquired"))
        yield* Effect.logInfo("became leader").pipe(
          Effect.annotateLogs({ term: n, leaseTransitions: record.leaseTransitions })
        )
        // observable in `kubectl describe lease`, like AKO's "AKO became a leader" Pod event; never delays leading
        yield* recordElectionEvent("Normal", "LeaderElection", `${me} became leader`)
        yield* Queue.takeAll(overtaken)
        const outcome = yield* Effect.raceAll([
          deadlinePassed,
          renewLoop,
          Queue.take(overtaken).pipe(Effect.as("lost" as const))
        ])
        yield* demote(
          outcome === "lost" ?
            "another replica holds the lease" :
            outcome === "expired" ?
            "a renew was answered only after the renew deadline" :
            "renew deadline passed"
        )
      })

    const demote = (reason: string) =>
      Effect.gen(function*() {
        const role = yield* SubscriptionRef.get(state.role)
        if (role._tag !== "Leader") return
        yield* setRole(state, Role.Candidate())
        yield* Metric.set(metrics.leader, 0)
        yield* Metric.increment(Metric.tagged(metrics.transitions, "direction", "lost"))
        const log = reason === "shutting down" ? Effect.logInfo : Effect.logWarning
        yield* log("leadership ended; staying a candidate").pipe(Effect.annotateLogs({ term: role.term, reason }))
      })

    // client-go's JitterUntil with factor 1.2: between retryPeriod and 2.2 × retryPeriod.
    const candidateWait = Effect.gen(function*() {
      const factor = yield* Random.next
      yield* Effect.raceFirst(
        sleepMillis(Duration.toMillis(config.retryPeriod) * (1 + 1.2 * factor)),
        Queue.take(wake)
      )
    })

    const candidacy: Effect.Effect<never> = Effect.forever(
      tryAcquire.pipe(
        Effect.flatMap(Option.match({
          onNone: () => candidateWait,
          onSome: ({ record, sentAt }) => Effect.zipRight(lead(record, sentAt), candidateWait)
        }))
      )
    )

    const watchLease: Effect.Effect<never> = api.watch.pipe(
      Stream.runForEach((event) =>
        event._tag === "Deleted"
          ? observe(Option.none()).pipe(Effect.zipRight(Queue.offer(wake, undefined)))
          : observe(Option.some(event.lease)).pipe(
            Effect.zipRight(
              event.lease.holderIdentity === ""
                ? Queue.offer(wake, undefined)
                : event.lease.holderIdentity !== me
                ? Queue.offer(overtaken, undefined)
                : Effect.void
            )
          )
      ),
      Effect.catchAll((error) =>
        Metric.increment(Metric.tagged(metrics.leaseErrors, "op", "watch")).pipe(
          Effect.zipRight(Effect.logDebug("lease watch ended with an error", error))
        )
      ),
      Effect.zipRight(
        Effect.flatMap(Random.next, (f) => sleepMillis(Duration.toMillis(config.retryPeriod) * (0.5 + f)))
      ),
      Effect.forever
    )

    const renewAge: Effect.Effect<never> = Effect.gen(function*() {
      const last = state.cells.renew.lastRenew
      const now = yield* Clock.currentTimeNanos
      if ((yield* Ref.get(term)) > 0) yield* Metric.set(metrics.lastRenewAge, Number(now - last) / 1e9)
    }).pipe(Effect.zipRight(Effect.sleep(config.retryPeriod)), Effect.forever)

    // On shutdown: stop admitting writes, let admitted ones finish (they are being interrupted), then hand the
    // lease over like client-go's ReleaseOnCancel (empty holder, leaseDurationSeconds 1), all time-boxed.
    const release = Effect.gen(function*() {
      yield* demote("shutting down")
      yield* state.inFlight.drained.pipe(
        Effect.interruptible,
        Effect.timeout(config.callTimeout),
        Effect.ignore
      )
      const known = (yield* Ref.get(observed)).record
      if (Option.isNone(known) || known.value.holderIdentity !== me) return
      const releaseFrom = (record: LeaseRecord) =>
        Effect.flatMap(wallNow, (stamp) =>
          timed(
            "release",
            api.replace(record.resourceVersion, {
              holderIdentity: "",
              leaseDurationSeconds: 1,
              acquireTime: stamp,
              renewTime: stamp,
              leaseTransitions: record.leaseTransitions,
              annotations
            })
          ))
      // a renew interrupted in flight may still have landed: on a conflict, re-read and release that version
      yield* releaseFrom(known.value).pipe(
        Effect.catchTag("LeaseConflict", () =>
          timed("get", api.get).pipe(
            Effect.flatMap((fresh) =>
              Option.isSome(fresh) && fresh.value.holderIdentity === me ? releaseFrom(fresh.value) : Effect.void
            )
          )),
        Effect.zipRight(Effect.logInfo("lease released")),
        Effect.catchAll((error) => Effect.logWarning("lease release failed", error))
      )
    })

    return yield* Effect.all([candidacy, watchLease, renewAge], { concurrency: "unbounded", discard: true }).pipe(
      Effect.zipRight(Effect.never),
      Effect.onInterrupt(() => release),
      Effect.annotateLogs({ identity: me, lease: `${config.namespace}/${config.leaseName}` })
    )
  })

/**
 * Provides `Leadership`, `WriteGuard` and `Elector` over a `LeaseApi`. The elector does not run until
 * `Elector.run` is run (by the app, next to the passive program and `runWhileLeader`).
 * An `EventRecorder`, if present where `Elector.run` runs, receives the version-skew Event.
 */
export const electionLayer = (
  config: ElectionConfig
): Layer.Layer<Leadership | WriteGuard | Elector, never, LeaseApi> =>
  Layer.scopedContext(Effect.gen(function*() {
    const api = yield* LeaseApi
    const metrics = electionMetrics(config.identity)
    const state = yield* makeLeadershipState(config.renewDeadline)
    return Context.make(Leadership, makeLeadership(state)).pipe(
      Context.add(WriteGuard, makeWriteGuard(state, metrics, yield* Effect.scope)),
      Context.add(Elector, { run: makeElector(config, api, state, metrics) })
    )
  }))

/** `electionLayer` over the Lease on the Kubernetes API. */
export const kubeElectionLayer = (
  config: ElectionConfig
): Layer.Layer<Leadership | WriteGuard | Elector, never, KubeClient> =>
  electionLayer(config).pipe(Layer.provide(kubeLeaseApiLayer(config)))
