import * as k8s from "@kubernetes/client-node"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { apiError, eventually, kubeConfigFor, rawRequest } from "./_support.js"

let sim: RunningKubeSim
let replicaA: k8s.CoreV1Api
let replicaB: k8s.CoreV1Api

beforeAll(async () => {
  sim = await startKubeSim({ tokens: { "token-a": "ako-0", "token-b": "ako-1" } })
  replicaA = kubeConfigFor(sim, "ako-0").makeApiClient(k8s.CoreV1Api)
  replicaB = kubeConfigFor(sim, "ako-1").makeApiClient(k8s.CoreV1Api)
})
afterEach(() => sim.faults.clear())
afterAll(() => sim.close())

const settle = <A>(promise: Promise<A>) => {
  const state: { outcome?: "ok" | "error"; error?: unknown } = {}
  promise.then(() => (state.outcome = "ok"), (error: unknown) => {
    state.outcome = "error"
    state.error = error
  })
  return state
}

const watchAs = async (user: string, path: string) => {
  const seen: { events: Array<string>; done: Error | null | undefined } = { events: [], done: undefined }
  const controller = await new k8s.Watch(kubeConfigFor(sim, user)).watch(
    path,
    { resourceVersion: String(sim.resourceVersion()) },
    (type, object: { metadata?: { name?: string } }) => seen.events.push(`${type} ${object.metadata?.name}`),
    (error: Error | null) => (seen.done = error)
  )
  return { seen, controller }
}

describe("kube sim fault injection", () => {
  it("black-holes one user's requests while the other keeps working, then resets them on heal", async () => {
    sim.faults.blackhole("ako-0")
    sim.clearRequestLog()
    const hung = settle(replicaA.listNamespace())
    await eventually(() => (sim.requestLog().some((e) => e.user === "ako-0") ? true : undefined))
    expect((await replicaB.listNamespace()).items.length).toBeGreaterThan(0)
    expect(hung.outcome).toBeUndefined()
    expect(sim.requestLog().find((e) => e.user === "ako-0")?.code).toBeNull()
    sim.faults.clear("ako-0")
    await eventually(() => hung.outcome)
    expect(hung.outcome).toBe("error")
    expect(sim.requestLog().find((e) => e.user === "ako-0")?.code).toBe(0)
    expect((await replicaA.listNamespace()).items.length).toBeGreaterThan(0)
  })

  it("ends a black-hole at its deadline", async () => {
    const until = Date.now() + 300
    sim.faults.blackhole("ako-0", { forMs: 300 })
    const hung = settle(replicaA.listNamespace())
    await eventually(() => hung.outcome, 5000)
    expect(Date.now()).toBeGreaterThanOrEqual(until)
    expect((await replicaA.listNamespace()).items.length).toBeGreaterThan(0)
  })

  it("silences a partitioned user's watch and breaks it when the partition heals", async () => {
    await replicaB.createNamespace({ body: { metadata: { name: "fault-watch" } } })
    const watchA = await watchAs("ako-0", "/api/v1/namespaces/fault-watch/configmaps")
    const watchB = await watchAs("ako-1", "/api/v1/namespaces/fault-watch/configmaps")
    await eventually(() => (sim.openWatches() >= 2 ? true : undefined))
    sim.faults.blackhole("ako-0")
    await replicaB.createNamespacedConfigMap({ namespace: "fault-watch", body: { metadata: { name: "during" } } })
    await eventually(() => (watchB.seen.events.length > 0 ? true : undefined))
    expect(watchA.seen.events).toEqual([])
    sim.faults.clear("ako-0")
    await eventually(() => (watchA.seen.done !== undefined ? true : undefined))
    expect(watchA.seen.events).toEqual([])
    expect(watchB.seen.done).toBeUndefined()
    watchB.controller.abort()
  })

  it("adds latency for one user only", async () => {
    sim.faults.latency("ako-0", 250)
    const started = Date.now()
    await replicaA.listNamespace()
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    const fast = Date.now()
    await replicaB.listNamespace()
    expect(Date.now() - fast).toBeLessThan(250)
  })

  it("fails a user's requests at the given error rate with 500 or 503 Status bodies", async () => {
    sim.faults.errorRate("ako-0", 1, 503)
    const failure = await apiError(replicaA.listNamespace())
    expect(failure.code).toBe(503)
    sim.faults.errorRate("ako-0", 1, 500)
    expect((await apiError(replicaA.listNamespace())).code).toBe(500)
    expect((await replicaB.listNamespace()).items.length).toBeGreaterThan(0)
    sim.faults.errorRate("ako-0", 0, 500)
    expect((await replicaA.listNamespace()).items.length).toBeGreaterThan(0)
  })

  it("cuts one user's open watches cleanly", async () => {
    const watchA = await watchAs("ako-0", "/api/v1/namespaces/default/configmaps")
    const watchB = await watchAs("ako-1", "/api/v1/namespaces/default/configmaps")
    await eventually(() => (sim.openWatches() >= 2 ? true : undefined))
    expect(sim.faults.cutWatches("ako-0")).toBe(1)
    await eventually(() => (watchA.seen.done === null ? true : undefined))
    expect(watchB.seen.done).toBeUndefined()
    watchB.controller.abort()
  })

  it("forces 410 on the next watch only, at connect or mid-stream", async () => {
    sim.faults.forceGoneOnNextWatch("ako-0")
    const first = await watchAs("ako-0", "/api/v1/namespaces/default/configmaps")
    await eventually(() => first.seen.done ?? undefined)
    expect((first.seen.done as Error & { statusCode: number }).statusCode).toBe(410)
    const second = await watchAs("ako-0", "/api/v1/namespaces/default/configmaps")
    await eventually(() => (sim.openWatches() >= 1 ? true : undefined))
    expect(second.seen.done).toBeUndefined()
    second.controller.abort()

    sim.faults.forceGoneOnNextWatch("ako-0", "stream")
    const third = await watchAs("ako-0", "/api/v1/namespaces/default/configmaps")
    await eventually(() => (third.seen.done === null ? true : undefined))
    expect(third.seen.events).toEqual(["ERROR undefined"])
  })
})

describe("kube sim admin endpoint", () => {
  it("drives faults, the request log and compaction over HTTP", async () => {
    const set = await rawRequest(sim, "POST", "/_sim/faults", {
      action: "errorRate",
      user: "ako-1",
      rate: 1,
      code: 500
    })
    expect(set.status).toBe(200)
    expect((await apiError(replicaB.listNamespace())).code).toBe(500)
    expect((await rawRequest(sim, "GET", "/_sim/faults")).json()).toMatchObject({
      "ako-1": { error: { rate: 1, code: 500 } }
    })
    await rawRequest(sim, "POST", "/_sim/faults", { action: "clear", user: "ako-1" })
    expect((await replicaB.listNamespace()).items.length).toBeGreaterThan(0)

    const log = (await rawRequest(sim, "GET", "/_sim/requests")).json<
      Array<{ user: string; code: number; verb: string }>
    >()
    expect(log.slice(-2).map((e) => [e.user, e.verb, e.code])).toEqual([["ako-1", "list", 500], ["ako-1", "list", 200]])
    const filtered = (await rawRequest(sim, "GET", "/_sim/requests?user=ako-1&verb=list")).json<Array<unknown>>()
    expect(filtered.length).toBeGreaterThanOrEqual(2)
    expect((await rawRequest(sim, "GET", "/_sim/requests?user=nobody")).json()).toEqual([])
    await rawRequest(sim, "DELETE", "/_sim/requests")
    expect(sim.requestLog()).toEqual([])

    const before = sim.resourceVersion()
    await replicaB.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "admin-compact" } } })
    expect((await rawRequest(sim, "POST", "/_sim/compact")).status).toBe(200)
    const response = await rawRequest(
      sim,
      "GET",
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`
    )
    expect(response.status).toBe(410)
    expect(response.json()).toMatchObject({ reason: "Expired", code: 410 })
  })
})
