import { Effect, FiberHandle, Stream } from "effect"
import { Leadership } from "./leadership.js"

/**
 * Runs `active` while this replica leads: started once per term, interrupted (and its finalizers awaited)
 * when the term ends, started again in the next term. Never returns; fails with the active fiber's failure so
 * the supervisor sees it (interruption by demotion is not a failure).
 */
export const runWhileLeader = <A, E, R>(active: Effect.Effect<A, E, R>): Effect.Effect<never, E, R | Leadership> =>
  Effect.scoped(Effect.gen(function*() {
    const leadership = yield* Leadership
    const handle = yield* FiberHandle.make<A, E>()
    const follow = leadership.changes.pipe(
      Stream.runForEach((role) =>
        // clear first: FiberHandle.run would interrupt the old fiber without awaiting its finalizers
        role._tag === "Leader"
          ? FiberHandle.clear(handle).pipe(
            Effect.zipRight(
              FiberHandle.run(
                handle,
                active.pipe(
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
