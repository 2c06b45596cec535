/**
 * Level 3: the elector with the real client-node against the Kubernetes simulator over loopback HTTPS.
 * Short timings (3 s / 2 s / 300 ms) keep it quick; assertions wait on conditions, never on fixed sleeps.
 */
import { describe, expect, it } from "@effect/vitest"
import * as k8s from "@kubernetes/client-node"
import { Clock, Context, Effect, Either, Fiber, Layer, Option, Ref, Schedule, Stream } from "effect"
import type { Scope } from "effect"
import type { LeadershipShape, Role } from "../../src/election/index.js"
import {
  electionLayer,
  Elector,
  holderVersion,
  kubeLeaseApiLayer,
  Leadership,
  makeElectionConfig,
  WriteGuard
} from "../../src/election/index.js"
import { kubeClientFromString } from "../../src/k8s/index.js"
import type { KubeSim } from "../../src/sim/kube/index.js"
import { makeKubeSim } from "../../src/sim/kube/index.js"

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/
const NAMESPACE = "avi-system"
const TOKENS = { "token-0": "ako-0", "token-1": "ako-1", "token-go": "go-elector" }

const fastConfig = (identity: string, version = "1.0.0") =>
  Either.getOrThrow(makeElectionConfig({
    namespace: NAMESPACE,
    identity,
    version,
    leaseDuration: "3 seconds",
    renewDeadline: "2 seconds",
    retryPeriod: "300 millis",
    callTimeout: "500 millis"
  }))

const eventually = <A, E, R>(check: Effect.Effect<Option.Option<A>, E, R>, what: string, timeoutMs = 10_000) =>
  check.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail("not yet" as const), onSome: Effect.succeed })),
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

interface LiveReplica {
  readonly identity: string
  readonly leadership: LeadershipShape
  readonly guard: Context.Tag.Service<WriteGuard>
  readonly elector: Fiber.RuntimeFiber<never>
  readonly timeline: Effect.Effect<ReadonlyArray<{ readonly at: number; readonly role: Role }>>
}

const startReplica = (sim: KubeSim, token: string, identity: string, version = "1.0.0") =>
  Effect.gen(function*() {
    const config = fastConfig(identity, version)
    const context = yield* Layer.build(
      electionLayer(config).pipe(
        Layer.provide(kubeLeaseApiLayer(config)),
        Layer.provide(kubeClientFromString(sim.kubeconfig(token)))
      )
    )
    const leadership = Context.get(context, Leadership)
    const entries = yield* Ref.make<ReadonlyArray<{ at: number; role: Role }>>([])
    yield* leadership.changes.pipe(
      Stream.runForEach((role) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) => Ref.update(entries, (all) => [...all, { at, role }]))
      ),
      Effect.forkScoped
    )
    const elector = yield* Effect.forkScoped(Context.get(context, Elector).run)
    const replica: LiveReplica = {
      identity,
      leadership,
      guard: Context.get(context, WriteGuard),
      elector,
      timeline: Ref.get(entries)
    }
    return replica
  })

const leaderOf = (replica: LiveReplica) => Effect.map(replica.leadership.role.get, (r) => r._tag === "Leader")
const rawLease = (sim: KubeSim) =>
  sim.get("coordination.k8s.io/v1/Lease", NAMESPACE, "ako-lease-lock") as
    | { metadata: { resourceVersion: string; annotations?: Record<string, string> }; spec: Record<string, unknown> }
    | undefined

const withSim = <A, E>(body: (sim: KubeSim) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.scoped(Effect.flatMap(makeKubeSim({ tokens: TOKENS, bookmarkIntervalMs: 500 }), (sim) => {
    sim.ensureNamespace(NAMESPACE)
    return body(sim)
  }))

describe("election against the Kubernetes simulator (client-node)", () => {
  it.live(
    "two electors contend: at most one leads at every observed instant, and a release hands over at once",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const a = yield* startReplica(sim, "token-0", "ako-0")
          const b = yield* startReplica(sim, "token-1", "ako-1")
          const samples = yield* Ref.make({ total: 0, withLeader: 0, both: 0 })
          const sample = Effect.gen(function*() {
            const la = yield* a.guard.check.pipe(Effect.isSuccess)
            const lb = yield* b.guard.check.pipe(Effect.isSuccess)
            const ra = yield* leaderOf(a)
            const rb = yield* leaderOf(b)
            yield* Ref.update(samples, (s) => ({
              total: s.total + 1,
              withLeader: s.withLeader + (ra || rb ? 1 : 0),
              both: s.both + ((la && lb) || (ra && rb) ? 1 : 0)
            }))
          })
          const sampler = yield* Effect.forkScoped(Effect.repeat(sample, Schedule.spaced("5 millis")))
          const first = yield* eventually(
            Effect.map(
              Effect.all([leaderOf(a), leaderOf(b)]),
              ([ra, rb]) => ra ? Option.some(a) : rb ? Option.some(b) : Option.none()
            ),
            "a first leader"
          )
          const other = first === a ? b : a
          // hold it through several renewals
          yield* eventually(
            Effect.map(
              Effect.sync(() => rawLease(sim)),
              (lease) =>
                Number(lease?.metadata.resourceVersion ?? 0) > 0 &&
                  (sim.requestLog().filter((e) => e.verb === "update" && e.user === first.identity).length >= 5)
                  ? Option.some(true)
                  : Option.none()
            ),
            "five renewals"
          )
          expect(yield* leaderOf(other)).toBe(false)
          // graceful shutdown of the leader: release, seen on the watch by the other
          const releasedAt = yield* Clock.currentTimeMillis
          yield* Fiber.interrupt(first.elector)
          yield* eventually(Effect.map(leaderOf(other), (l) => l ? Option.some(true) : Option.none()), "takeover")
          const tookOverAt = yield* Clock.currentTimeMillis
          expect(tookOverAt - releasedAt).toBeLessThan(1000) // far less than leaseDuration (3 s)
          yield* Fiber.interrupt(sampler)
          const s = yield* Ref.get(samples)
          expect(s.total).toBeGreaterThan(100)
          expect(s.both).toBe(0)
          const lease = rawLease(sim)!
          expect(lease.spec.holderIdentity).toBe(other.identity)
          expect(lease.spec.leaseTransitions).toBe(1)
        })
      ),
    30_000
  )

  it.live(
    "a black-holed leader stops admitting writes before the other acquires",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const a = yield* startReplica(sim, "token-0", "ako-0")
          yield* eventually(Effect.map(leaderOf(a), (l) => l ? Option.some(true) : Option.none()), "ako-0 leads")
          const b = yield* startReplica(sim, "token-1", "ako-1")
          const overlap = yield* Ref.make(0)
          const lastAdmitted = yield* Ref.make(0)
          const watchOverlap = Effect.gen(function*() {
            const admitted = yield* a.guard.admit(Effect.void).pipe(Effect.isSuccess)
            const now = yield* Clock.currentTimeMillis
            if (admitted) yield* Ref.set(lastAdmitted, now)
            if (admitted && (yield* leaderOf(b))) yield* Ref.update(overlap, (n) => n + 1)
          })
          const sampler = yield* Effect.forkScoped(Effect.repeat(watchOverlap, Schedule.spaced("5 millis")))
          sim.faults.blackhole("ako-0")
          const cutAt = yield* Clock.currentTimeMillis
          yield* eventually(Effect.map(leaderOf(b), (l) => l ? Option.some(true) : Option.none()), "ako-1 takes over")
          yield* Fiber.interrupt(sampler)
          const gained = (yield* b.timeline).find((e) => e.role._tag === "Leader")!
          const lost = (yield* a.timeline).find((e, i) => i > 0 && e.role._tag === "Candidate")!
          expect(yield* Ref.get(overlap)).toBe(0)
          expect(lost.at).toBeLessThan(gained.at)
          expect(yield* Ref.get(lastAdmitted)).toBeLessThan(gained.at)
          // demotion at the renew deadline (2 s after the last renew, which was before the cut)
          expect(lost.at - cutAt).toBeLessThanOrEqual(2_500)
          // the other waited a full leaseDuration (3 s) after it last saw the lease change
          expect(gained.at - cutAt).toBeGreaterThanOrEqual(2_500)
          sim.faults.clear("ako-0")
        })
      ),
    30_000
  )

  it.live(
    "honours a Lease written the way client-go writes it, and writes one client-go can read",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const goLease = (renewTime: string) => ({
            apiVersion: "coordination.k8s.io/v1",
            kind: "Lease",
            metadata: { name: "ako-lease-lock", namespace: NAMESPACE },
            spec: {
              holderIdentity: "go-elector",
              leaseDurationSeconds: 3,
              acquireTime: "2026-11-25T00:00:00.123456Z",
              renewTime,
              leaseTransitions: 4
            }
          })
          sim.apply(goLease("2026-11-25T00:00:00.123456Z"))
          const a = yield* startReplica(sim, "token-0", "ako-0", "2.0.0")
          // the Go holder keeps renewing for a while: no takeover
          for (let i = 1; i <= 8; i++) {
            yield* Effect.sleep("400 millis")
            sim.apply(goLease(`2026-11-25T00:00:0${i}.000001Z`))
            expect(yield* leaderOf(a)).toBe(false)
          }
          const stoppedAt = yield* Clock.currentTimeMillis
          yield* eventually(Effect.map(leaderOf(a), (l) => l ? Option.some(true) : Option.none()), "takeover")
          expect((yield* Clock.currentTimeMillis) - stoppedAt).toBeGreaterThanOrEqual(2_900)
          const raw = rawLease(sim)!
          expect(raw.spec.holderIdentity).toBe("ako-0")
          expect(raw.spec.leaseTransitions).toBe(5)
          expect(raw.spec.leaseDurationSeconds).toBe(3)
          expect(raw.spec.acquireTime).toMatch(MICRO_TIME)
          expect(raw.spec.renewTime).toMatch(MICRO_TIME)
          expect(raw.metadata.annotations?.["ako-ts.io/version"]).toBe("2.0.0")
          // client-node's typed API (the same OpenAPI types client-go uses) parses it
          const kc = new k8s.KubeConfig()
          kc.loadFromString(sim.kubeconfig("token-go"))
          const typed = yield* Effect.promise(() =>
            kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({
              name: "ako-lease-lock",
              namespace: NAMESPACE
            })
          )
          expect(typed.spec?.holderIdentity).toBe("ako-0")
          // client-node 2.0.1 hands MicroTime back as the wire string, not a Date (P7 does not hold for it)
          const renewTime: unknown = typed.spec?.renewTime
          expect(Math.abs(new Date(renewTime as string).getTime() - Date.now())).toBeLessThan(60_000)
          // a Go elector taking over keeps our annotations but the version belongs to ako-0 only
          expect(holderVersion({
            resourceVersion: "1",
            holderIdentity: "go-elector",
            leaseDurationSeconds: 3,
            acquireTime: undefined,
            renewTime: undefined,
            leaseTransitions: 6,
            annotations: raw.metadata.annotations ?? {}
          })).toBeUndefined()
          // graceful release, as client-go's ReleaseOnCancel writes it
          yield* Fiber.interrupt(a.elector)
          const released = rawLease(sim)!
          expect(released.spec.holderIdentity).toBe("")
          expect(released.spec.leaseDurationSeconds).toBe(1)
          expect(released.spec.leaseTransitions).toBe(5)
        })
      ),
    30_000
  )
})
