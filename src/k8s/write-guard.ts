/**
 * The WriteGuard contract (DESIGN.md). It is declared here, in the Kubernetes layer, because the writers in
 * src/k8s need it and src/k8s may not import src/election; src/election implements it from the Lease and
 * re-exports both names.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"

/** A write was refused, or cut off, because this replica does not hold a live lease in the current term. */
export class NotLeader extends Data.TaggedError("NotLeader")<{
  readonly reason: string
}> {
  override get message(): string {
    return `write refused: this replica is not the leader (${this.reason})`
  }
}

export interface WriteGuardShape {
  /**
   * Runs `write` only if this replica may write now, and interrupts it (aborting its request) if the renew
   * deadline of the term it started in passes before it finishes. A write admitted inside another admitted write
   * (a unit's writes, admitted together) is checked the same way and cut with the enclosing one.
   */
  readonly admit: <A, E, R>(write: Effect.Effect<A, E, R>) => Effect.Effect<A, E | NotLeader, R>
  /** Fails with `NotLeader` unless a write started now would be admitted. */
  readonly check: Effect.Effect<void, NotLeader>
}

export class WriteGuard extends Context.Tag("ako-ts/WriteGuard")<WriteGuard, WriteGuardShape>() {}
