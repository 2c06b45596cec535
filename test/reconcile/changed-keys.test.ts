import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Scope } from "effect"
import { makeChangedKeys } from "../../src/reconcile/changed-keys.js"

const settle = Effect.repeatN(Effect.yieldNow(), 50)

describe("changed keys", () => {
  it.scoped("hands every key reported since the last take once, and wakes a consumer that waits", () =>
    Effect.gen(function*() {
      const changed = yield* makeChangedKeys<string>()
      changed.offer("Service/web/a")
      changed.offer("Service/web/b")
      changed.offer("Service/web/a")
      expect(yield* changed.takeAll).toEqual(["Service/web/a", "Service/web/b"])
      const waiting = yield* Effect.fork(changed.takeAll)
      yield* settle
      expect(waiting.unsafePoll()).toBeNull()
      changed.offer("Ingress/web/c")
      changed.offer("Ingress/web/c")
      expect(yield* Fiber.join(waiting)).toEqual(["Ingress/web/c"])
    }))

  it.effect("keeps a key reported while its consumer was interrupted for the next take", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const changed = yield* makeChangedKeys<string>().pipe(Scope.extend(scope))
      const first = yield* Effect.fork(changed.takeAll)
      yield* settle
      yield* Fiber.interruptFork(first)
      changed.offer("Service/web/a")
      yield* settle
      expect(Exit.isInterrupted(yield* Fiber.await(first))).toBe(true)
      expect(yield* changed.takeAll).toEqual(["Service/web/a"])
      const last = yield* Effect.forkDaemon(changed.takeAll)
      yield* settle
      yield* Scope.close(scope, Exit.void)
      yield* settle
      expect(Exit.isInterrupted(yield* Fiber.await(last))).toBe(true)
    }))
})
