import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { KubeError } from "./errors.js"
import type { NotLeader } from "./write-guard.js"

/** The object an Event is about (core/v1 ObjectReference). */
export interface ObjectReference {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  readonly namespace?: string | undefined
  readonly uid?: string | undefined
}

export interface EventSpec {
  readonly involvedObject: ObjectReference
  readonly reason: string
  readonly message: string
  readonly type: "Normal" | "Warning"
}

export interface EventRecorderShape {
  /** An Event about a managed object; goes through the WriteGuard. Repeats bump count and lastTimestamp. */
  readonly emit: (event: EventSpec) => Effect.Effect<void, KubeError | NotLeader>
  /**
   * An Event about the election itself (e.g. version skew seen by a candidate). Not guarded: it cannot
   * conflict with the leader's work, it is written to the Lease and deduplicated, and a candidate is the
   * replica that notices the problem while the leader (possibly an older version) may not.
   */
  readonly emitElection: (event: EventSpec) => Effect.Effect<void, KubeError>
}

export class EventRecorder extends Context.Tag("ako-ts/k8s/EventRecorder")<EventRecorder, EventRecorderShape>() {}

/**
 * Events inform; they are not the work. One that cannot be written is logged and the caller goes on, but a lost
 * lead (`NotLeader`) still ends the caller.
 */
export const bestEffort = <R>(emit: Effect.Effect<void, KubeError | NotLeader, R>): Effect.Effect<void, NotLeader, R> =>
  Effect.catchIf(
    emit,
    (error): error is KubeError => error._tag !== "NotLeader",
    (error) => Effect.logWarning("could not write Event").pipe(Effect.annotateLogs("error", error.message))
  )
