/**
 * A counting semaphore that hands a released permit straight to the longest waiter (first come, first served).
 *
 * Effect's semaphore wakes every waiter on each release and lets them race for the permit; a loser waits again one
 * level deeper on its own fiber's stack. With more workers than concurrent Avi requests that happens on every
 * request: a leader filling Avi with 16 workers and 10 permits held 3 MiB of such frames per worker at 10,000
 * Services, and a worker could lose the race for as long as the others kept winning it.
 */
import * as Effect from "effect/Effect"

export interface Permits {
  /** Runs `effect` holding one permit; waits (interruptibly, in arrival order) while none is free. */
  readonly withPermit: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * Calls `granted` holding a permit: at once if one is free and nobody waits, else when one is handed over (in
   * arrival order). The holder gives it back with `release`. The returned function withdraws a request still
   * waiting; it does nothing once `granted` has been called.
   */
  readonly request: (granted: () => void) => () => void
  /** Gives back a permit `request` granted. */
  readonly release: () => void
  /** Permits free now (0 while anyone waits). */
  readonly free: () => number
  /** Fibers waiting for a permit now. */
  readonly waiting: () => number
}

export const makePermits = (count: number): Permits => {
  let free = Math.max(1, Math.floor(count))
  // A waiter is called once, with the permit already its own.
  const waiters: Array<() => void> = []

  const release = () => {
    const next = waiters.shift()
    if (next === undefined) free++
    else next()
  }

  const request = (granted: () => void): () => void => {
    if (free > 0 && waiters.length === 0) {
      free--
      granted()
      return () => {}
    }
    waiters.push(granted)
    return () => {
      const index = waiters.indexOf(granted)
      if (index >= 0) waiters.splice(index, 1)
    }
  }

  const wait = Effect.async<void>((resume) => {
    let granted = false
    const withdraw = request(() => {
      granted = true
      resume(Effect.void)
    })
    // Runs only when the wait is interrupted. A permit handed over in the same instant was never seen by this
    // fiber (its resume came after the interruption's), so it goes on to the next waiter.
    return Effect.sync(() => {
      if (granted) release()
      else withdraw()
    })
  })

  const acquire = Effect.suspend(() => {
    if (free > 0 && waiters.length === 0) {
      free--
      return Effect.void
    }
    return wait
  })
  return {
    // Released in the step that sees the outcome, inside the region already uninterruptible: `Effect.ensuring` would
    // open a second one, and this runs on every Avi request.
    withPermit: (effect) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(restore(acquire), () =>
          Effect.matchCauseEffect(restore(effect), {
            onFailure: (cause) => {
              release()
              return Effect.failCause(cause)
            },
            onSuccess: (value) => {
              release()
              return Effect.succeed(value)
            }
          }))
      ),
    request,
    release,
    free: () => free,
    waiting: () => waiters.length
  }
}
