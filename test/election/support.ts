import { Clock, Context, Effect, Either, Layer, Random, Ref, Stream, TestClock } from "effect"
import type { Fiber, Scope } from "effect"
import type { ElectionConfigInput, InMemoryLease, InMemoryLeaseClient, Role } from "../../src/election/index.js"
import {
  electionLayer,
  Elector,
  Leadership,
  LeaseApi,
  makeElectionConfig,
  WriteGuard
} from "../../src/election/index.js"
import { EventRecorder } from "../../src/k8s/event-types.js"
import type { EventSpec } from "../../src/k8s/event-types.js"

export const configFor = (identity: string, extra: Partial<ElectionConfigInput> = {}) =>
  Either.getOrThrow(makeElectionConfig({ namespace: "avi-system", identity, version: "1.0.0", ...extra }))

/** Lets forked fibers run after a clock change. */
export const settle = Effect.repeatN(Effect.yieldNow(), 60)

/** Advances the TestClock in small steps so every timer fires close to its due time. */
export const advance = (millis: number, stepMillis = 50) =>
  Effect.gen(function*() {
    let left = millis
    while (left > 0) {
      const step = Math.min(stepMillis, left)
      yield* TestClock.adjust(step)
      yield* settle
      left -= step
    }
  })

export interface Timeline {
  readonly entries: Effect.Effect<ReadonlyArray<{ readonly at: number; readonly role: Role }>>
}

export interface Replica {
  readonly identity: string
  readonly client: InMemoryLeaseClient
  readonly leadership: Context.Tag.Service<Leadership>
  readonly guard: Context.Tag.Service<WriteGuard>
  readonly elector: Fiber.RuntimeFiber<never>
  readonly timeline: Timeline
  readonly events: Effect.Effect<ReadonlyArray<EventSpec>>
  readonly context: Context.Context<Leadership | WriteGuard | Elector>
}

export const startReplica = (
  lease: InMemoryLease,
  identity: string,
  extra: Partial<ElectionConfigInput> = {},
  options: { readonly eventsHang?: boolean } = {}
): Effect.Effect<Replica, never, Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* lease.client
    const context = yield* Layer.build(
      electionLayer(configFor(identity, extra)).pipe(Layer.provide(Layer.succeed(LeaseApi, client)))
    )
    const recorded = yield* Ref.make<ReadonlyArray<EventSpec>>([])
    const record = (event: EventSpec) =>
      options.eventsHang === true ? Effect.never : Ref.update(recorded, (all) => [...all, event])
    const leadership = Context.get(context, Leadership)
    const entries = yield* Ref.make<ReadonlyArray<{ at: number; role: Role }>>([])
    yield* leadership.changes.pipe(
      Stream.runForEach((role) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) => Ref.update(entries, (all) => [...all, { at, role }]))
      ),
      Effect.forkScoped
    )
    const elector = yield* Context.get(context, Elector).run.pipe(
      Effect.withRandom(Random.make(identity)),
      Effect.provideService(EventRecorder, { emit: record, emitElection: record }),
      Effect.forkScoped
    )
    // Teardown releases the lease with time-boxed calls; TestClock does not move then, so lift faults first.
    yield* Effect.addFinalizer(() => client.setFaults({ blackhole: false, failing: false, latency: undefined }))
    yield* settle
    return {
      identity,
      client,
      leadership,
      guard: Context.get(context, WriteGuard),
      elector,
      timeline: { entries: Ref.get(entries) },
      events: Ref.get(recorded),
      context
    }
  })

export const roleOf = (replica: Replica) => replica.leadership.role.get
export const isLeader = (replica: Replica) => Effect.map(roleOf(replica), (r) => r._tag === "Leader")
