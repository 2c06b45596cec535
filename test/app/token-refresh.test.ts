/**
 * The leader's auth-token check on the clock (AKO: at boot and every 12 hours): driven with TestClock against a
 * controller that lists the user's tokens, creates new ones and deletes old ones, and a Secret writer.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Redacted, SubscriptionRef, TestClock } from "effect"
import { AviLogins } from "../../src/app/avi-credentials.js"
import { renewAuthTokenWhileLeading } from "../../src/app/token-refresh.js"
import type { AviClientService, AviLogin, AviRequest } from "../../src/avi/index.js"
import { AviClient } from "../../src/avi/index.js"
import type { KubeClientShape, KubeRequest } from "../../src/k8s/index.js"
import { KubeClient, WriteGuard } from "../../src/k8s/index.js"

const HOUR = 3_600_000

/** A controller holding one user's tokens, on the test clock's time. */
const fakeController = () => {
  let next = 1
  const tokens = new Map<string, { token: string; expires_at: string }>()
  const requests: Array<string> = []
  const add = (hours: number) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const uuid = `usertoken-${next}`
      const token = `token-${next++}`
      tokens.set(uuid, { token, expires_at: new Date(now + hours * HOUR).toISOString() })
      return token
    })
  const request = (call: AviRequest) =>
    Effect.gen(function*() {
      requests.push(`${call.method} ${call.path}`)
      if (call.method === "GET") {
        return { count: tokens.size, results: [...tokens].map(([uuid, t]) => ({ uuid, ...t })) }
      }
      if (call.method === "POST") return { token: yield* add(Number((call.body as { hours: string }).hours)) }
      tokens.delete(call.path.slice(call.path.lastIndexOf("/") + 1))
      return {}
    })
  return { tokens, requests, add, client: { request } as unknown as AviClientService }
}

describe("auth-token renewal on the clock", () => {
  it.effect("checks at the start of the term and every 12 hours, renewing once less than 120 hours are left", () =>
    Effect.gen(function*() {
      const avi = fakeController()
      const first = yield* avi.add(240)
      const secretWrites: Array<KubeRequest> = []
      const kube = {
        request: (request: KubeRequest) => Effect.sync(() => void secretWrites.push(request))
      } as unknown as KubeClientShape
      const logins = yield* SubscriptionRef.make<AviLogin>({ username: "admin", authToken: Redacted.make(first) })
      const layer = Layer.mergeAll(
        Layer.succeed(AviClient, avi.client),
        Layer.succeed(KubeClient, kube),
        Layer.succeed(WriteGuard, { admit: (write) => write, check: Effect.void }),
        Layer.succeed(AviLogins, logins)
      )
      const fiber = yield* Effect.fork(renewAuthTokenWhileLeading("avi-system").pipe(Effect.provide(layer)))
      yield* TestClock.adjust("1 millis")
      // Start of the term: 240 hours left, nothing to do.
      expect(avi.requests).toEqual(["GET /api/user-token"])
      // Every 12 hours a look; at 120 hours left (after ten looks) the token is replaced.
      for (let check = 1; check <= 9; check++) yield* TestClock.adjust("12 hours")
      expect(avi.requests.filter((r) => r.startsWith("POST"))).toEqual([])
      yield* TestClock.adjust("12 hours")
      expect(avi.requests.slice(-3)).toEqual([
        "GET /api/user-token",
        "POST /api/user-token",
        "DELETE /api/user-token/usertoken-1"
      ])
      const renewed = Redacted.value((yield* SubscriptionRef.get(logins)).authToken!)
      expect(renewed).toBe("token-2")
      expect(secretWrites).toHaveLength(1)
      expect(secretWrites[0]).toMatchObject({
        method: "PATCH",
        path: "/api/v1/namespaces/avi-system/secrets/avi-secret",
        body: { data: { authtoken: Buffer.from("token-2").toString("base64") } }
      })
      expect([...avi.tokens.keys()]).toEqual(["usertoken-2"])
      yield* Fiber.interrupt(fiber)
    }))
})
