/**
 * Rotating credentials (`AviClientConfig.credentials`) against the Avi simulator: a refused password is replaced
 * by a corrected one without rebuilding the client, and a change of user logs in again at the next call. The
 * passwords never show in errors.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, SubscriptionRef } from "effect"
import type { AviLogin } from "../../src/avi/index.js"
import { AviClient } from "../../src/avi/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { makeAviSim } from "../../src/sim/avi/index.js"

const GOOD = "rotation-good-9b1d"
const WRONG = "rotation-wrong-4c2a"
const OTHER = "rotation-other-6e7f"

const logins = (sim: AviSim) =>
  sim.requestLog().filter((entry) => entry.path === "/login").map((entry) => [entry.user, entry.status])

const clientOver = (sim: AviSim, credentials: SubscriptionRef.SubscriptionRef<AviLogin>) =>
  AviClient.layer({
    controller: `127.0.0.1:${sim.port}`,
    caData: sim.caPem,
    credentials: SubscriptionRef.get(credentials),
    clientIdentity: "ako-ts/test rotation",
    retryBase: "20 millis",
    requestTimeout: "10 seconds"
  })

describe("AviClient with rotating credentials", () => {
  it.live("a refused password is replaced by the corrected one at the next call, in the same client", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeAviSim({
        users: [{ username: "admin", password: GOOD }, { username: "ops", password: OTHER }]
      })
      const credentials = yield* SubscriptionRef.make<AviLogin>({
        username: "admin",
        password: Redacted.make(WRONG)
      })
      yield* Effect.gen(function*() {
        const avi = yield* AviClient
        const refused = yield* avi.listAll("cloud").pipe(Effect.flip)
        expect(refused._tag).toBe("AviAuthError")
        expect(`${String(refused)} ${JSON.stringify(refused)} ${refused.message}`).not.toContain(WRONG)
        expect(logins(sim)).toEqual([["admin", 401]])

        yield* SubscriptionRef.set(credentials, { username: "admin", password: Redacted.make(GOOD) })
        expect((yield* avi.listAll("cloud")).length).toBeGreaterThan(0)
        expect(logins(sim)).toEqual([["admin", 401], ["admin", 200]])
        // unchanged credentials: the session is reused
        yield* avi.listAll("cloud")
        expect(logins(sim)).toHaveLength(2)

        // another user: the next call logs in as that user
        yield* SubscriptionRef.set(credentials, { username: "ops", password: Redacted.make(OTHER) })
        yield* avi.listAll("cloud")
        expect(logins(sim)).toEqual([["admin", 401], ["admin", 200], ["ops", 200]])
        const last = sim.requestLog().at(-1)!
        expect(last.user).toBe("ops")
      }).pipe(Effect.provide(clientOver(sim, credentials)))
    })))
})
