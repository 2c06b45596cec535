/**
 * `/readyz` answers 200 only when every registered condition holds (caches synced, in the election, configuration
 * loaded). Conditions are registered by the parts that own them, so readiness cannot be declared by one part on
 * behalf of another.
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"

export interface ReadinessReport {
  readonly ready: boolean
  readonly conditions: Readonly<Record<string, boolean>>
}

export class Readiness extends Effect.Service<Readiness>()("ako-ts/app/Readiness", {
  effect: Effect.gen(function*() {
    const conditions = yield* Ref.make<ReadonlyMap<string, boolean>>(new Map())
    const set = (name: string, ready: boolean) =>
      Ref.update(conditions, (current) => new Map([...current, [name, ready]]))
    return {
      /** Declares a condition, initially not met; readiness waits for it from now on. */
      register: (name: string) =>
        Ref.update(conditions, (current) => current.has(name) ? current : new Map([...current, [name, false]])),
      set,
      report: Ref.get(conditions).pipe(Effect.map((current): ReadinessReport => ({
        ready: current.size > 0 && [...current.values()].every(Boolean),
        conditions: Object.fromEntries(current)
      })))
    }
  })
}) {}

export const ReadinessLive: Layer.Layer<Readiness> = Readiness.Default
