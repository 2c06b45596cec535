import * as Effect from "effect/Effect"
import * as FiberHandle from "effect/FiberHandle"
import * as Stream from "effect/Stream"
import { Leadership, NotLeader } from "./leadership.js"

/**
 * Runs `active` while this replica leads: started once per term, interrupted (and its finalizers awaited)
 * when the term ends, started again in the next term. Never returns; fails with the active fiber's failure so
 * the supervisor sees it (interruption by demotion is not a failure).
 *
 * A `NotLeader` from the active fiber is not a failure either: the guard refuses a write only once the term is
 * over (not the leader, or past the renew deadline, which ends the term at that moment), so the fiber waits for
 * the interruption that follows instead of taking the process down.
 */
export const runWhileLeader = <A, E, R>(
  active: Effect.Effect<A, E, R>
): Effect.Effect<never, Exclude<E, NotLeader>, R | Leadership> =>
  Effect.scoped(Effect.gen(function*() {
    const leadership = yield* Leadership
    const handle = yield* FiberHandle.make<A, Exclude<E, NotLeader>>()
    const termBound = active.pipe(
      Effect.catchIf(
        (error): error is Extract<E, NotLeader> => error instanceof NotLeader,
        (error) =>
          Effect.logInfo("active work stopped: the write guard refused a write, the term is ending").pipe(
            Effect.annotateLogs("reason", error.reason),
            Effect.zipRight(Effect.never)
          )
      )
      // TypeScript cannot reduce Exclude<E, Extract<E, NotLeader>> to Exclude<E, NotLeader> for a generic E
    ) as Effect.Effect<A, Exclude<E, NotLeader>, R>
    const follow = leadership.changes.pipe(
      Stream.runForEach((role) =>
        // clear first: FiberHandle.run would interrupt the old fiber without awaiting its finalizers
        role._tag === "Leader"
          ? FiberHandle.clear(handle).pipe(
            Effect.zipRight(
              FiberHandle.run(
                handle,
                termBound.pipe(
                  Effect.annotateLogs("term", role.term),
                  Effect.onInterrupt(() => Effect.logInfo("active work interrupted: leadership ended"))
                )
              )
            ),
            Effect.zipRight(Effect.logInfo("active work started").pipe(Effect.annotateLogs("term", role.term)))
          )
          : FiberHandle.clear(handle)
      ),
      Effect.zipRight(Effect.never)
    )
    return yield* Effect.raceFirst(follow, FiberHandle.join(handle).pipe(Effect.zipRight(Effect.never)))
  }))
