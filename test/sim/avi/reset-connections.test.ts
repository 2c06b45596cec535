/**
 * The documented `reset-connections` fault over HTTPS, the simulator's default. Resetting a TLS socket directly
 * throws ERR_INVALID_HANDLE_TYPE, which used to crash the simulator and lose its state; these tests pin that the
 * client sees a reset and the simulator keeps serving what it had.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { waitFor as waitForCondition } from "../../support/process.js"
import { AviSession, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim

beforeAll(async () => {
  sim = await startAviSim()
})
afterAll(() => sim.close())

/** The shared deadline-scaled wait, with the probe first as these tests read it. */
const waitFor = <A>(probe: () => A | undefined | false, what: string, timeoutMs = 5000): Promise<A> =>
  waitForCondition(what, probe, timeoutMs, 10)

describe("reset-connections over HTTPS", () => {
  it("injected over the admin endpoint: the client's connection is reset, then the simulator serves on with its state", async () => {
    expect(sim.url.startsWith("https://")).toBe(true)
    const avi = new AviSession(sim)
    expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
    const pool = await avi.post("/api/pool", { name: "survives-reset" })
    expect(pool.status, pool.text).toBe(201)

    const inject = await request(sim, { method: "POST", path: "/_sim/faults/reset-connections", body: { count: 1 } })
    expect(inject.status).toBe(204)
    sim.clearRequestLog()
    await expect(avi.get(`/api/pool/${pool.json.uuid}`)).rejects.toMatchObject({ code: "ECONNRESET" })

    // Same session (sessions are state too), same object, and the fault was used up by one request.
    const after = await avi.get(`/api/pool/${pool.json.uuid}`)
    expect(after.status).toBe(200)
    expect(after.json.name).toBe("survives-reset")
    expect((await avi.post("/api/pool", { name: "after-reset" })).status).toBe(201)
    expect((await avi.get("/api/pool?name.in=survives-reset,after-reset")).json.count).toBe(2)
    expect((await request(sim, { path: "/_sim/faults" })).json.pendingResets).toBe(0)

    const cut = await waitFor(() => sim.requestLog()[0]?.endMs !== undefined && sim.requestLog()[0], "reset logged")
    expect(cut).toMatchObject({ method: "GET", path: `/api/pool/${pool.json.uuid}`, status: 0, aborted: true })
  })

  it("resets each of several requests in flight at once and none of the others", async () => {
    const avi = new AviSession(sim)
    expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
    sim.faults.resetConnections(2)
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => avi.get("/api/tenant")))
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(2)
    const served = outcomes.flatMap((o) => o.status === "fulfilled" ? [o.value.status] : [])
    expect(served).toEqual([200])
    expect((await avi.get("/api/cloud?name=Default-Cloud")).json.count).toBe(1)
  })
})
