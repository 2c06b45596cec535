import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { AVI_SIM_DEFAULT_PASSWORD, makeAviSim, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, request } from "./raw-client.js"

describe("lifecycle", () => {
  it.live("makeAviSim serves while its scope is open and closes with it", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const sim = yield* makeAviSim({ http: true }).pipe(Scope.extend(scope))
      const s = new AviSession(sim)
      expect((yield* Effect.promise(() => s.login("admin", AVI_SIM_DEFAULT_PASSWORD))).status).toBe(200)
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.promise(() =>
        request(sim, { path: "/api/cluster/status" }).then(() => "served", (e: Error) => e.message)
      )
      expect(after).toMatch(/ECONNREFUSED/)
    }))

  it.live("fails with AviSimStartError when the port is taken", () =>
    Effect.gen(function*() {
      const first = yield* Effect.promise(() => startAviSim({ http: true }))
      const error = yield* Effect.scoped(makeAviSim({ http: true, port: first.port })).pipe(Effect.flip)
      expect(error._tag).toBe("AviSimStartError")
      expect(error.message).toContain("EADDRINUSE")
      yield* Effect.promise(() => first.close())
    }))

  it.live("rejects a controllerVersion that is not x.y.z", () =>
    Effect.gen(function*() {
      const error = yield* Effect.scoped(makeAviSim({ http: true, controllerVersion: "latest" })).pipe(Effect.flip)
      expect(error._tag).toBe("AviSimStartError")
    }))

  it.live("is a 22.1.3 controller by default: initial-data, login and cluster runtime say so and the header is capped there", () =>
    Effect.gen(function*() {
      const sim = yield* makeAviSim({ http: true })
      expect(sim.controllerVersion).toBe("22.1.3")
      expect((yield* Effect.promise(() => request(sim, { path: "//api/initial-data" }))).json.version.Version).toBe(
        "22.1.3"
      )
      const s = new AviSession(sim)
      s.version = "22.1.3"
      const login = yield* Effect.promise(() => s.login("admin", AVI_SIM_DEFAULT_PASSWORD))
      expect(login.json.version).toMatchObject({ Version: "22.1.3", Tag: expect.stringMatching(/^22\.1\.3-/) })
      expect((yield* Effect.promise(() => s.get("/api/cluster/runtime"))).json.node_info.version).toBe("22.1.3")
      expect((yield* Effect.promise(() => s.get("/api/tenant"))).status).toBe(200)
      const newer = yield* Effect.promise(() => s.get("/api/tenant", { "X-Avi-Version": "22.1.4" }))
      expect(newer.status).toBe(400)
      expect(newer.json.error).toContain("up to 22.1.3")
    }).pipe(Effect.scoped))

  it.live("reports the configured controller version in initial-data and login", () =>
    Effect.gen(function*() {
      const sim = yield* makeAviSim({ http: true, controllerVersion: "30.2.1" })
      const data = yield* Effect.promise(() => request(sim, { path: "//api/initial-data" }))
      expect(data.json.version.Version).toBe("30.2.1")
      const s = new AviSession(sim)
      s.version = "30.2.1"
      const login = yield* Effect.promise(() => s.login("admin", AVI_SIM_DEFAULT_PASSWORD))
      expect(login.json.version.Version).toBe("30.2.1")
      expect((yield* Effect.promise(() => s.get("/api/tenant"))).status).toBe(200)
    }).pipe(Effect.scoped))
})
