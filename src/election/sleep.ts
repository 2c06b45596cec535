import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

// Whole milliseconds, rounded up: a deadline is never reported early, and TestClock rejects fractional millis.
export const sleepMillis = (millis: number): Effect.Effect<void> => Effect.sleep(Duration.millis(Math.ceil(millis)))

export const sleepNanos = (nanos: bigint): Effect.Effect<void> =>
  Effect.sleep(Duration.millis(Number((nanos + 999_999n) / 1_000_000n)))
