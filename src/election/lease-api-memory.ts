/**
 * An in-memory Lease with the API server's rules that matter to election (resourceVersion conflicts,
 * AlreadyExists, watch), and per-client faults, for the level-2 tests.
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { LeaseApiShape, LeaseRecord, LeaseWrite } from "./lease-api.js"
import { LeaseApiError, LeaseConflict, LeaseEvent } from "./lease-api.js"

export interface LeaseClientFaults {
  /** Calls never answer (an unreachable API server); they end only when interrupted. */
  readonly blackhole: boolean
  /** Calls fail at once (HTTP 503). */
  readonly failing: boolean
  /**
   * Calls take effect on the Lease at once but answer only after this long on the Clock: a slow way back, so the
   * caller learns of a successful write late (or never, if it gives up first). Absent or zero: no delay.
   */
  readonly latency?: Duration.DurationInput | undefined
}

export interface InMemoryLeaseClient extends LeaseApiShape {
  readonly setFaults: (faults: Partial<LeaseClientFaults>) => Effect.Effect<void>
  /** Calls made by this client, in order: "get", "create", "replace". */
  readonly calls: Effect.Effect<ReadonlyArray<string>>
}

export interface InMemoryLease {
  readonly current: Effect.Effect<Option.Option<LeaseRecord>>
  /** Writes the Lease as another party would (no conflict check); `None` deletes it. */
  readonly put: (write: Option.Option<LeaseWrite>) => Effect.Effect<Option.Option<LeaseRecord>>
  /** Every stored version, oldest first, for assertions over history. */
  readonly history: Effect.Effect<ReadonlyArray<LeaseRecord>>
  readonly client: Effect.Effect<InMemoryLeaseClient>
}

interface State {
  readonly lease: Option.Option<LeaseRecord>
  readonly version: number
  readonly history: ReadonlyArray<LeaseRecord>
}

export const makeInMemoryLease: Effect.Effect<InMemoryLease> = Effect.gen(function*() {
  const state = yield* Ref.make<State>({ lease: Option.none(), version: 0, history: [] })
  const events = yield* PubSub.unbounded<LeaseEvent>()

  const store = (write: Option.Option<LeaseWrite>): Effect.Effect<Option.Option<LeaseRecord>> =>
    Ref.modify(state, (s): [Option.Option<LeaseRecord>, State] => {
      if (Option.isNone(write)) return [Option.none(), { ...s, lease: Option.none() }]
      const version = s.version + 1
      const previous = Option.match(s.lease, { onNone: () => ({}), onSome: (p) => p.annotations })
      const record: LeaseRecord = {
        resourceVersion: String(version),
        holderIdentity: write.value.holderIdentity,
        leaseDurationSeconds: write.value.leaseDurationSeconds,
        acquireTime: write.value.acquireTime,
        renewTime: write.value.renewTime,
        leaseTransitions: write.value.leaseTransitions,
        annotations: { ...previous, ...write.value.annotations }
      }
      return [Option.some(record), { lease: Option.some(record), version, history: [...s.history, record] }]
    }).pipe(
      Effect.tap((stored) =>
        PubSub.publish(
          events,
          Option.match(stored, {
            onNone: () => LeaseEvent.Deleted(),
            onSome: (lease) => LeaseEvent.Upserted({ lease })
          })
        )
      )
    )

  const storeSome = (write: LeaseWrite): Effect.Effect<LeaseRecord> =>
    Effect.flatMap(
      store(Option.some(write)),
      (stored) => Option.isSome(stored) ? Effect.succeed(stored.value) : Effect.die("lost write")
    )

  const client = Effect.gen(function*() {
    const faults = yield* Ref.make<LeaseClientFaults>({ blackhole: false, failing: false })
    const calls = yield* Ref.make<ReadonlyArray<string>>([])
    const call = <A, E>(name: string, op: Effect.Effect<A, E>): Effect.Effect<A, E | LeaseApiError> =>
      Effect.flatMap(
        Ref.get(faults),
        (f): Effect.Effect<A, E | LeaseApiError> =>
          Ref.update(calls, (c) => [...c, name]).pipe(
            Effect.zipRight<A, E | LeaseApiError, never>(
              f.blackhole
                ? Effect.never
                : f.failing
                ? Effect.fail(new LeaseApiError({ message: "service unavailable", status: 503 }))
                : f.latency === undefined
                ? op
                : Effect.flatten(Effect.zipLeft(Effect.exit(op), Effect.sleep(f.latency)))
            )
          )
      )
    const api: InMemoryLeaseClient = {
      get: call("get", Effect.map(Ref.get(state), (s) => s.lease)),
      create: (write) =>
        call(
          "create",
          Effect.flatMap(Ref.get(state), (s): Effect.Effect<LeaseRecord, LeaseConflict> =>
            Option.isSome(s.lease)
              ? Effect.fail(new LeaseConflict({ message: "leases already exists" }))
              : storeSome(write))
        ),
      replace: (resourceVersion, write) =>
        call(
          "replace",
          Effect.flatMap(Ref.get(state), (s): Effect.Effect<LeaseRecord, LeaseConflict | LeaseApiError> =>
            Option.isNone(s.lease)
              ? Effect.fail(new LeaseApiError({ message: "lease not found", status: 404 }))
              : s.lease.value.resourceVersion !== resourceVersion
              ? Effect.fail(new LeaseConflict({ message: "the object has been modified" }))
              : storeSome(write))
        ),
      watch: Stream.fromPubSub(events).pipe(
        Stream.filterEffect(() => Effect.map(Ref.get(faults), (f) => !f.blackhole && !f.failing))
      ),
      setFaults: (patch) => Ref.update(faults, (f) => ({ ...f, ...patch })),
      calls: Ref.get(calls)
    }
    return api
  })

  const lease: InMemoryLease = {
    current: Effect.map(Ref.get(state), (s) => s.lease),
    put: store,
    history: Effect.map(Ref.get(state), (s) => s.history),
    client
  }
  return lease
})
