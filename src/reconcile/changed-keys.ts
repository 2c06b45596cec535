/**
 * Keys reported from synchronous callbacks (a reflector's listeners) for one consumer that handles them in batches:
 * a key reported twice before the consumer comes back is handled once (level-triggered, as the work queue).
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

export interface ChangedKeys<K> {
  /** Report a key; never blocks, and wakes the consumer if it waits. */
  readonly offer: (key: K) => void
  /** Every key reported since the last take, waiting for the first one if there is none. One consumer at a time. */
  readonly takeAll: Effect.Effect<ReadonlyArray<K>>
}

/**
 * A Set and a wake-up rather than an Effect Queue: its `takeBetween` was about forty fiber steps per batch, and a burst
 * of new Services brought a batch or two per Service (their own status writes coming back).
 */
export const makeChangedKeys = <K>(): Effect.Effect<ChangedKeys<K>, never, Scope.Scope> =>
  Effect.gen(function*() {
    let pending = new Set<K>()
    let wake: (() => void) | undefined
    let closed = false
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        closed = true
        pending = new Set()
        wake?.()
      })
    )
    const offer = (key: K) => {
      if (closed) return
      pending.add(key)
      if (wake !== undefined) {
        const waiting = wake
        wake = undefined
        waiting()
      }
    }
    // The keys stay in `pending` until the consumer itself takes them, so a wake-up that finds the consumer
    // interrupted loses nothing.
    const takeAll: Effect.Effect<ReadonlyArray<K>> = Effect.suspend(() => {
      if (pending.size > 0) {
        const keys = [...pending]
        pending.clear()
        return Effect.succeed(keys)
      }
      if (closed) return Effect.interrupt
      return Effect.zipRight(
        Effect.async<void>((resume) => {
          wake = () => resume(Effect.void)
        }),
        takeAll
      )
    })
    return { offer, takeAll }
  })
