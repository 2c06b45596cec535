/**
 * A request whose client goes away before the answer. A real controller sits behind nginx, which finishes a request
 * it has completely received even when the client is gone, so by default the simulator applies it too; the `drop`
 * option keeps the old behaviour for tests that need a write to vanish with its client. Either way the request log
 * records that the client aborted.
 */
import * as http from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import {
  type AbortedRequests,
  AVI_SIM_DEFAULT_PASSWORD,
  type AviSimRequestLogEntry,
  startAviSim
} from "../../../src/sim/avi/index.js"
import { waitFor as waitForCondition } from "../../support/process.js"
import { AviSession, request } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
const running: Array<Sim> = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()))
})

const start = async (abortedRequests?: AbortedRequests) => {
  const sim = await startAviSim({ http: true, ...(abortedRequests ? { abortedRequests } : {}) })
  running.push(sim)
  const avi = new AviSession(sim)
  expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
  return { sim, avi }
}

/** The shared deadline-scaled wait, with the probe first as these tests read it. */
const waitFor = <A>(probe: () => A | undefined | false, what: string, timeoutMs = 5000): Promise<A> =>
  waitForCondition(what, probe, timeoutMs, 10)

const entryOf = (sim: Sim, method: string, path: string): AviSimRequestLogEntry | undefined =>
  sim.requestLog().find((e) => e.method === method && e.path === path)

/** Sends a request and aborts it once the simulator has logged it; resolves when the client side is done. */
const abortInFlight = async (sim: Sim, avi: AviSession, method: string, path: string, body: unknown) => {
  const controller = new AbortController()
  const pending = request(sim, { method, path, headers: avi.headers(), body, signal: controller.signal }).then(
    () => "answered",
    (error: Error) => error.name
  )
  await waitFor(() => entryOf(sim, method, path), `${method} ${path} to reach the simulator`)
  controller.abort()
  expect(await pending).toBe("AbortError")
  return waitFor(() => entryOf(sim, method, path)?.endMs !== undefined && entryOf(sim, method, path), "the cut")
}

describe("aborted requests: apply (default)", () => {
  it("a create whose client aborted during processing still lands, and the log says the client aborted", async () => {
    const { avi, sim } = await start()
    sim.faults.latency(500, { method: "POST", path: "/api/pool" })
    const cut = await abortInFlight(sim, avi, "POST", "/api/pool", { name: "abandoned-pool" })
    expect(cut.aborted).toBe(true)

    const done = await waitFor(
      () => entryOf(sim, "POST", "/api/pool")?.processedMs !== undefined && entryOf(sim, "POST", "/api/pool"),
      "the abandoned create to be processed"
    )
    expect(done).toMatchObject({ aborted: true, status: 201 })
    expect(done.processedMs!).toBeGreaterThanOrEqual(done.endMs!)
    expect(sim.findByName("pool", "abandoned-pool")).toBeDefined()
    expect((await avi.get("/api/pool?name=abandoned-pool")).json.count).toBe(1)
  })

  it("an update whose client aborted is applied too, with the controller's usual checks", async () => {
    const { avi, sim } = await start()
    const pool = (await avi.post("/api/pool", { name: "to-update" })).json
    sim.faults.latency(500, { method: "PUT" })
    await abortInFlight(sim, avi, "PUT", `/api/pool/${pool.uuid}`, { ...pool, enabled: false })
    await waitFor(() => entryOf(sim, "PUT", `/api/pool/${pool.uuid}`)?.status === 200, "the abandoned update")
    expect((await avi.get(`/api/pool/${pool.uuid}`)).json.enabled).toBe(false)
  })

  it("a request whose body never fully arrived is not processed (nginx passes on complete requests only)", async () => {
    const { avi, sim } = await start()
    const url = new URL(sim.url)
    const body = JSON.stringify({ name: "half-sent" })
    const client = http.request({
      host: url.hostname,
      port: url.port,
      method: "POST",
      path: "/api/pool",
      agent: false,
      headers: { ...avi.headers(), "Content-Length": String(body.length + 100) }
    })
    client.on("error", () => {
      // the simulator never answers; destroying the request below is what ends it
    })
    client.write(body)
    await waitFor(() => entryOf(sim, "POST", "/api/pool"), "the request to reach the simulator")
    client.destroy()
    const cut = await waitFor(
      () => entryOf(sim, "POST", "/api/pool")?.endMs !== undefined && entryOf(sim, "POST", "/api/pool"),
      "the cut"
    )
    // a later request on another connection is answered after the cut one would have been processed
    expect((await avi.get("/api/pool?name=half-sent")).json.count).toBe(0)
    expect(cut).toMatchObject({ aborted: true, status: 0, processedMs: undefined })
    expect(sim.findByName("pool", "half-sent")).toBeUndefined()
  })
})

describe("aborted requests: drop", () => {
  it("abandons a request whose client went away before it was processed, and logs it as aborted", async () => {
    const { avi, sim } = await start("drop")
    sim.faults.latency(500, { path: "/api/pool" })
    const cut = await abortInFlight(sim, avi, "POST", "/api/pool", { name: "dropped-pool" })
    // Same latency, later start: when this GET is answered the dropped POST's delay has run out before it.
    const later = await avi.get("/api/pool?name=dropped-pool")
    expect(later.json.count).toBe(0)
    expect(entryOf(sim, "POST", "/api/pool")).toMatchObject({ aborted: true, status: 0, processedMs: undefined })
    expect(cut.aborted).toBe(true)
    expect(sim.findByName("pool", "dropped-pool")).toBeUndefined()
  })

  it("still applies a request the client stays for", async () => {
    const { avi, sim } = await start("drop")
    expect((await avi.post("/api/pool", { name: "kept" })).status).toBe(201)
    expect(entryOf(sim, "POST", "/api/pool")).toMatchObject({ aborted: false, status: 201 })
    expect(entryOf(sim, "POST", "/api/pool")?.processedMs).toBeDefined()
  })

  it("refuses an unknown mode at start", async () => {
    await expect(startAviSim({ http: true, abortedRequests: "keep" as AbortedRequests })).rejects.toThrow(
      /abortedRequests keep/
    )
  })
})
