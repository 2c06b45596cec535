import { it as effectIt, layer } from "@effect/vitest"
import * as k8s from "@kubernetes/client-node"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  defineResource,
  type KubeSim,
  KubeSimService,
  makeKubeSim,
  type RunningKubeSim,
  startKubeSim
} from "../../../src/sim/kube/index.js"
import { eventually, kubeConfigFor, rawRequest } from "./_support.js"

describe("makeKubeSim", () => {
  effectIt.live("serves while its scope is open and closes with it", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const sim: KubeSim = yield* makeKubeSim().pipe(Scope.extend(scope))
      const core = kubeConfigFor(sim).makeApiClient(k8s.CoreV1Api)
      const listed = yield* Effect.promise(() => core.listNamespace())
      expect(listed.items.map((n) => n.metadata?.name)).toEqual([
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system"
      ])
      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.promise(() => core.listNamespace().then(() => "served", () => "refused"))
      expect(after).toBe("refused")
    }))
})

layer(KubeSimService.layer({ tokens: { t: "tester" } }))("KubeSimService.layer", (it) => {
  it.effect("provides a running simulator to the tests of a layer", () =>
    Effect.gen(function*() {
      const sim = yield* KubeSimService
      const core = kubeConfigFor(sim, "tester").makeApiClient(k8s.CoreV1Api)
      yield* Effect.promise(() => core.listNamespace())
      expect(sim.requestLog().map((e) => e.user)).toEqual(["tester"])
    }))
})

describe("kube sim direct store access", () => {
  let sim: RunningKubeSim
  beforeAll(async () => {
    sim = await startKubeSim({
      extraResources: [
        defineResource({
          group: "ako.vmware.com",
          version: "v1alpha1",
          kind: "HostRule",
          plural: "hostrules",
          namespaced: true,
          hasStatus: true,
          generationFields: ["spec"]
        })
      ]
    })
  })
  afterAll(() => sim.close())

  it("seeds objects with status, creating their namespace, and watchers see direct writes", async () => {
    const kc = kubeConfigFor(sim)
    const types: Array<string> = []
    const controller = await new k8s.Watch(kc).watch(
      "/api/v1/pods",
      { resourceVersion: String(sim.resourceVersion()) },
      (type) => types.push(type),
      () => undefined
    )
    const pod = sim.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-0", namespace: "shop", labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx" }] },
      status: { phase: "Running", podIP: "10.1.0.5" }
    })
    expect(pod.metadata?.uid).toBeDefined()
    expect(sim.get("namespaces", undefined, "shop")).toBeDefined()
    const read = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedPod({ name: "web-0", namespace: "shop" })
    expect(read.status?.podIP).toBe("10.1.0.5")

    sim.updateStatus({ ...pod, status: { phase: "Running", podIP: "10.1.0.6" } })
    sim.apply({
      ...sim.get("pods", "shop", "web-0")!,
      metadata: { name: "web-0", namespace: "shop", labels: { app: "api" } }
    })
    expect(sim.list("pods", "shop", { labelSelector: "app=api" })).toHaveLength(1)
    expect(sim.get("pods", "shop", "web-0")?.["status"]).toEqual({ phase: "Running", podIP: "10.1.0.6" })
    expect(sim.delete("pods", "shop", "web-0")?._tag).toBe("Deleted")
    expect(sim.delete("pods", "shop", "web-0")).toBeUndefined()
    await eventually(() => (types.length >= 4 ? true : undefined))
    expect(types).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"])
    controller.abort()
  })

  it("serves a resource type added with one defineResource call, in discovery and CRUD", async () => {
    const resources = (await rawRequest(sim, "GET", "/apis/ako.vmware.com/v1alpha1")).json<{
      resources: Array<{ name: string }>
    }>()
    expect(resources.resources.map((r) => r.name)).toEqual(["hostrules", "hostrules/status"])
    const created = await rawRequest(sim, "POST", "/apis/ako.vmware.com/v1alpha1/namespaces/default/hostrules", {
      apiVersion: "ako.vmware.com/v1alpha1",
      kind: "HostRule",
      metadata: { name: "hr" },
      spec: { virtualhost: { fqdn: "a.example.com" } }
    })
    expect(created.status).toBe(201)
    expect(created.json()).toMatchObject({ kind: "HostRule", metadata: { generation: 1 } })
    expect(sim.get("ako.vmware.com/v1alpha1/HostRule", "default", "hr")).toBeDefined()
  })

  it("resolves resource references in the forms tests use", () => {
    expect(sim.resource("coordination.k8s.io/v1/Lease").plural).toBe("leases")
    expect(sim.resource("ingresses.networking.k8s.io").kind).toBe("Ingress")
    expect(sim.resource("svc").kind).toBe("Service")
    expect(sim.resource("events").group).toBe("")
    expect(sim.resource("events.k8s.io/v1/Event").group).toBe("events.k8s.io")
  })
})

describe("kube sim options", () => {
  it("serves plain HTTP when asked, with a kubeconfig that client-node accepts", async () => {
    const sim = await startKubeSim({ tls: false })
    try {
      expect(sim.url.startsWith("http://")).toBe(true)
      expect(sim.caPem).toBeUndefined()
      const core = kubeConfigFor(sim).makeApiClient(k8s.CoreV1Api)
      expect((await core.listNamespace()).items.length).toBe(4)
    } finally {
      await sim.close()
    }
  })

  it("lets requests without a token through as system:anonymous only when allowed", async () => {
    const closed = await startKubeSim({ tls: false })
    const open = await startKubeSim({ tls: false, allowAnonymous: true })
    try {
      expect((await rawRequest(closed, "GET", "/api/v1/namespaces", undefined, {}, null)).status).toBe(401)
      expect((await rawRequest(open, "GET", "/api/v1/namespaces", undefined, {}, null)).status).toBe(200)
      expect(open.requestLog().map((e) => e.user)).toEqual(["system:anonymous"])
    } finally {
      await closed.close()
      await open.close()
    }
  })
})

describe("kube sim Lease race", () => {
  it("lets exactly one of two candidates win an update from the same resourceVersion", async () => {
    const sim = await startKubeSim({ tokens: { a: "ako-0", b: "ako-1" } })
    try {
      const leaseApi = (user: string) => kubeConfigFor(sim, user).makeApiClient(k8s.CoordinationV1Api)
      const [a, b] = [leaseApi("ako-0"), leaseApi("ako-1")]
      await a.createNamespacedLease({
        namespace: "default",
        body: { metadata: { name: "ako-lease-lock" }, spec: { holderIdentity: "", leaseDurationSeconds: 1 } }
      })
      const [seenA, seenB] = await Promise.all([
        a.readNamespacedLease({ name: "ako-lease-lock", namespace: "default" }),
        b.readNamespacedLease({ name: "ako-lease-lock", namespace: "default" })
      ])
      const take = (api: k8s.CoordinationV1Api, seen: k8s.V1Lease, holder: string) =>
        api.replaceNamespacedLease({
          name: "ako-lease-lock",
          namespace: "default",
          body: {
            ...seen,
            spec: {
              ...seen.spec,
              holderIdentity: holder,
              leaseDurationSeconds: 15,
              acquireTime: new k8s.V1MicroTime(Date.now()),
              renewTime: new k8s.V1MicroTime(Date.now()),
              leaseTransitions: (seen.spec?.leaseTransitions ?? 0) + 1
            }
          }
        }).then(() => 200, (error: k8s.ApiException<unknown>) => error.code)
      const codes = await Promise.all([take(a, seenA, "ako-0"), take(b, seenB, "ako-1")])
      expect([...codes].sort()).toEqual([200, 409])
      const winner = codes[0] === 200 ? "ako-0" : "ako-1"
      const lease = await a.readNamespacedLease({ name: "ako-lease-lock", namespace: "default" })
      expect(lease.spec?.holderIdentity).toBe(winner)
      expect((sim.get("leases", "default", "ako-lease-lock")?.["spec"] as { renewTime: string }).renewTime).toMatch(
        /\.\d{6}Z$/
      )
      const updates = sim.requestLog().filter((e) => e.verb === "update")
      expect(updates.map((e) => e.code).sort()).toEqual([200, 409])
      expect(new Set(updates.map((e) => e.user))).toEqual(new Set(["ako-0", "ako-1"]))
    } finally {
      await sim.close()
    }
  })
})
