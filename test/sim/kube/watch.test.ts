import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { eventually, kubeConfigFor } from "./_support.js"

let sim: RunningKubeSim
let kc: k8s.KubeConfig
let core: k8s.CoreV1Api

beforeAll(async () => {
  sim = await startKubeSim({ watchWindow: 50, bookmarkIntervalMs: 50 })
  kc = kubeConfigFor(sim)
  core = kc.makeApiClient(k8s.CoreV1Api)
})
afterAll(() => sim.close())

interface Seen {
  readonly events: Array<{ type: string; name: string | undefined; rv: string | undefined; code?: number }>
  done: Error | null | undefined
  controller: AbortController
}

const watch = async (path: string, query: Record<string, string | boolean | number>): Promise<Seen> => {
  const seen: Seen = { events: [], done: undefined, controller: undefined as unknown as AbortController }
  seen.controller = await new k8s.Watch(kc).watch(
    path,
    query,
    (type, object: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      seen.events.push({
        type,
        name: object.metadata?.name,
        rv: object.metadata?.resourceVersion,
        ...(object.code === undefined ? {} : { code: object.code })
      })
    },
    (error: Error | null) => {
      seen.done = error
    }
  )
  return seen
}

const namespace = async (name: string) => {
  await core.createNamespace({ body: { metadata: { name } } })
  return name
}

describe("kube sim watches through client-node", () => {
  it("streams ADDED, MODIFIED and DELETED from a resourceVersion", async () => {
    const ns = await namespace("w1")
    const start = sim.resourceVersion()
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(start) })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "a" }, data: { v: "1" } } })
    await core.patchNamespacedConfigMap(
      { name: "a", namespace: ns, body: { data: { v: "2" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
    )
    await core.deleteNamespacedConfigMap({ name: "a", namespace: ns })
    await eventually(() => (seen.events.length >= 3 ? true : undefined))
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED a", "MODIFIED a", "DELETED a"])
    const versions = seen.events.map((e) => Number(e.rv))
    expect(versions).toEqual([...versions].sort((x, y) => x - y))
    seen.controller.abort()
  })

  it("replays events after the given resourceVersion, and sends the current state without one", async () => {
    const ns = await namespace("w2")
    const before = sim.resourceVersion()
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "x" } } })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "y" } } })
    const replay = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(before + 1) })
    await eventually(() => (replay.events.length >= 1 ? true : undefined))
    expect(replay.events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED y"])
    const fresh = await watch(`/api/v1/namespaces/${ns}/configmaps`, {})
    await eventually(() => (fresh.events.length >= 2 ? true : undefined))
    expect(fresh.events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED x", "ADDED y"])
    replay.controller.abort()
    fresh.controller.abort()
  })

  it("answers 410 Gone at connect for a resourceVersion older than the retained window", async () => {
    const ns = await namespace("w3")
    const old = sim.resourceVersion()
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "c" } } })
    sim.compact()
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(old) })
    const done = await eventually(() => seen.done ?? undefined)
    expect((done as Error & { statusCode?: number }).statusCode).toBe(410)
    const current = await watch(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: String(sim.resourceVersion())
    })
    expect(current.done).toBeUndefined()
    current.controller.abort()
  })

  it("drops events beyond the window size on its own", async () => {
    const ns = await namespace("w4")
    const old = sim.resourceVersion()
    for (let i = 0; i < 120; i++) {
      sim.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `n${i}`, namespace: ns } })
    }
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(old) })
    const done = await eventually(() => seen.done ?? undefined)
    expect((done as Error & { statusCode?: number }).statusCode).toBe(410)
  })

  it("delivers a mid-stream 410 as an ERROR event, then ends the stream", async () => {
    const ns = await namespace("w5")
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(sim.resourceVersion()) })
    await eventually(() => (sim.openWatches() > 0 ? true : undefined))
    sim.compact({ expireOpenWatches: true })
    await eventually(() => (seen.done === null ? true : undefined))
    expect(seen.events).toEqual([{ type: "ERROR", name: undefined, rv: undefined, code: 410 }])
  })

  it("sends BOOKMARK events carrying the current resourceVersion when asked", async () => {
    const ns = await namespace("w6")
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: String(sim.resourceVersion()),
      allowWatchBookmarks: true
    })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "b" } } })
    const bookmark = await eventually(() =>
      seen.events.find((e) => e.type === "BOOKMARK" && Number(e.rv) >= sim.resourceVersion())
    )
    expect(Number(bookmark.rv)).toBe(sim.resourceVersion())
    const plain = await watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: String(sim.resourceVersion()) })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "b2" } } })
    await eventually(
      () => (plain.events.length > 0 && seen.events.filter((e) => e.type === "BOOKMARK").length > 2 ? true : undefined)
    )
    expect(plain.events.map((e) => e.type)).toEqual(["ADDED"])
    seen.controller.abort()
    plain.controller.abort()
  })

  it("closes the stream cleanly after timeoutSeconds", async () => {
    const ns = await namespace("w7")
    const started = Date.now()
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: String(sim.resourceVersion()),
      timeoutSeconds: 1
    })
    await eventually(() => (seen.done === null ? true : undefined), 5000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
  })

  it("turns a relabel out of a label selector into DELETED and back into ADDED", async () => {
    const ns = await namespace("w8")
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "l", labels: { app: "a" } } } })
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, {
      resourceVersion: String(sim.resourceVersion()),
      labelSelector: "app=a"
    })
    const relabel = (app: string) =>
      core.patchNamespacedConfigMap(
        { name: "l", namespace: ns, body: { metadata: { labels: { app } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
      )
    await relabel("b")
    await relabel("c")
    await relabel("a")
    await eventually(() => (seen.events.length >= 2 ? true : undefined))
    expect(seen.events.map((e) => e.type)).toEqual(["DELETED", "ADDED"])
    seen.controller.abort()
  })

  it("streams the initial state then an initial-events-end bookmark for sendInitialEvents", async () => {
    const ns = await namespace("w10")
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "i1" } } })
    const seen = await watch(`/api/v1/namespaces/${ns}/configmaps`, {
      sendInitialEvents: true,
      resourceVersionMatch: "NotOlderThan",
      allowWatchBookmarks: true
    })
    await eventually(() => (seen.events.length >= 2 ? true : undefined))
    expect(seen.events.slice(0, 2).map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED i1", "BOOKMARK undefined"])
    expect(Number(seen.events[1]!.rv)).toBe(sim.resourceVersion())
    seen.controller.abort()
  })

  it("watches one object by field selector, across namespaces", async () => {
    const ns = await namespace("w9")
    const seen = await watch("/api/v1/configmaps", {
      resourceVersion: String(sim.resourceVersion()),
      fieldSelector: "metadata.name=target"
    })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "other" } } })
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "target" } } })
    await eventually(() => (seen.events.length >= 1 ? true : undefined))
    expect(seen.events.map((e) => `${e.type} ${e.name}`)).toEqual(["ADDED target"])
    seen.controller.abort()
  })

  it("keeps a client-node informer in sync through list and watch", async () => {
    const ns = await namespace("w11")
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "pre" } } })
    const informer = k8s.makeInformer(
      kc,
      `/api/v1/namespaces/${ns}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace: ns })
    )
    const added: Array<string> = []
    informer.on("add", (object) => added.push(object.metadata!.name!))
    await informer.start()
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "post" } } })
    await eventually(() => (added.length >= 2 ? true : undefined))
    expect(added).toEqual(["pre", "post"])
    expect(informer.list(ns).map((o) => o.metadata?.name).sort()).toEqual(["post", "pre"])
    await informer.stop()
  })
})
