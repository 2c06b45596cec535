import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { apiError, eventually, kubeConfigFor, rawRequest } from "./_support.js"

let sim: RunningKubeSim
let kc: k8s.KubeConfig
let core: k8s.CoreV1Api
let networking: k8s.NetworkingV1Api

beforeAll(async () => {
  sim = await startKubeSim()
  kc = kubeConfigFor(sim)
  core = kc.makeApiClient(k8s.CoreV1Api)
  networking = kc.makeApiClient(k8s.NetworkingV1Api)
})
afterAll(() => sim.close())

const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
const strategic = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch)

const ingress = (name: string): k8s.V1Ingress => ({
  metadata: { name, namespace: "default" },
  spec: {
    ingressClassName: "avi",
    rules: [{
      host: `${name}.example.com`,
      http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] }
    }]
  }
})

describe("kube sim status subresource and patches", () => {
  it("merge-patches Ingress status through /status without touching spec or generation", async () => {
    const created = await networking.createNamespacedIngress({ namespace: "default", body: ingress("status") })
    const patched = await networking.patchNamespacedIngressStatus(
      { name: "status", namespace: "default", body: { status: { loadBalancer: { ingress: [{ ip: "10.0.0.7" }] } } } },
      merge
    )
    expect(patched.status?.loadBalancer?.ingress?.[0]?.ip).toBe("10.0.0.7")
    expect(patched.metadata?.generation).toBe(1)
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion))
    expect(patched.spec).toEqual(created.spec)
  })

  it("ignores status in writes to the main resource and spec in writes to /status", async () => {
    await networking.createNamespacedIngress({ namespace: "default", body: ingress("split") })
    const current = await networking.readNamespacedIngress({ name: "split", namespace: "default" })
    current.status = { loadBalancer: { ingress: [{ ip: "1.1.1.1" }] } }
    current.spec!.ingressClassName = "other"
    const updated = await networking.replaceNamespacedIngress({ name: "split", namespace: "default", body: current })
    expect(updated.status?.loadBalancer?.ingress ?? []).toEqual([])
    expect(updated.spec?.ingressClassName).toBe("other")
    expect(updated.metadata?.generation).toBe(2)

    updated.spec!.ingressClassName = "ignored"
    updated.status = { loadBalancer: { ingress: [{ ip: "2.2.2.2" }] } }
    const statusWrite = await networking.replaceNamespacedIngressStatus({
      name: "split",
      namespace: "default",
      body: updated
    })
    expect(statusWrite.spec?.ingressClassName).toBe("other")
    expect(statusWrite.status?.loadBalancer?.ingress?.[0]?.ip).toBe("2.2.2.2")
    expect(statusWrite.metadata?.generation).toBe(2)
  })

  it("strips status on create, as the real server does for types with a status subresource", async () => {
    const body = { ...ingress("born"), status: { loadBalancer: { ingress: [{ ip: "9.9.9.9" }] } } }
    const created = await networking.createNamespacedIngress({ namespace: "default", body })
    expect(created.status?.loadBalancer?.ingress ?? []).toEqual([])
  })

  it("applies JSON patches (client-node's default patch type), and fails a failed test op with 422", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "jp" }, data: { a: "1" } } })
    const patched = await core.patchNamespacedConfigMap({
      name: "jp",
      namespace: "default",
      body: [
        { op: "add", path: "/metadata/annotations", value: { "ako.vmware.com/x": "y" } },
        { op: "replace", path: "/data/a", value: "2" },
        { op: "add", path: "/data/b", value: "3" }
      ]
    })
    expect(patched.data).toEqual({ a: "2", b: "3" })
    expect(patched.metadata?.annotations).toEqual({ "ako.vmware.com/x": "y" })
    const failed = await apiError(core.patchNamespacedConfigMap({
      name: "jp",
      namespace: "default",
      body: [{ op: "test", path: "/data/a", value: "1" }, { op: "remove", path: "/data/a" }]
    }))
    expect(failed.code).toBe(422)
    expect((await core.readNamespacedConfigMap({ name: "jp", namespace: "default" })).data?.["a"]).toBe("2")
  })

  it("strategic-merge-patches maps key by key and deletes keys set to null", async () => {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "smp", labels: { keep: "1", drop: "1" } }, data: { a: "1" } }
    })
    const patched = await core.patchNamespacedConfigMap(
      { name: "smp", namespace: "default", body: { metadata: { labels: { drop: null, add: "2" } }, data: { b: "2" } } },
      strategic
    )
    expect(patched.metadata?.labels).toEqual({ keep: "1", add: "2" })
    expect(patched.data).toEqual({ a: "1", b: "2" })
  })

  it("rejects a merge patch carrying a stale resourceVersion with 409", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "rv" } } })
    await core.patchNamespacedConfigMap({ name: "rv", namespace: "default", body: { data: { a: "1" } } }, merge)
    const stale = await apiError(core.patchNamespacedConfigMap(
      {
        name: "rv",
        namespace: "default",
        body: { metadata: { resourceVersion: created.metadata?.resourceVersion }, data: { a: "2" } }
      },
      merge
    ))
    expect(stale.code).toBe(409)
    expect(stale.body["reason"]).toBe("Conflict")
  })

  it("keeps the resourceVersion on a write that changes nothing", async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "noop" }, data: { a: "1" } }
    })
    const same = await core.replaceNamespacedConfigMap({ name: "noop", namespace: "default", body: created })
    expect(same.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion)
  })

  it("refuses unknown patch media types with 415", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "media" } } })
    const response = await rawRequest(sim, "PATCH", "/api/v1/namespaces/default/configmaps/media", { data: {} })
    expect(response.status).toBe(415)
    expect(response.json()["reason"]).toBe("UnsupportedMediaType")
  })

  it("creates on server-side apply when the object is missing, then merges", async () => {
    const path = "/api/v1/namespaces/default/configmaps/applied?fieldManager=test"
    const headers = { "content-type": "application/apply-patch+yaml" }
    const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied" }, data: { a: "1" } }
    expect((await rawRequest(sim, "PATCH", path, body, headers)).status).toBe(201)
    const second = await rawRequest(sim, "PATCH", path, { ...body, data: { b: "2" } }, headers)
    expect(second.status).toBe(200)
    expect(second.json()["data"]).toEqual({ a: "1", b: "2" })
  })
})

describe("kube sim finalizers", () => {
  it("marks an object with finalizers for deletion and deletes it when the last finalizer goes", async () => {
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "fin", finalizers: ["ako.vmware.com/a", "ako.vmware.com/b"] } }
    })
    const events: Array<string> = []
    const controller = await new k8s.Watch(kc).watch(
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: String(sim.resourceVersion()), fieldSelector: "metadata.name=fin" },
      (type) => events.push(type),
      () => undefined
    )
    await core.deleteNamespacedConfigMap({ name: "fin", namespace: "default" })
    const marked = await core.readNamespacedConfigMap({ name: "fin", namespace: "default" })
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date)

    const added = await apiError(core.patchNamespacedConfigMap(
      {
        name: "fin",
        namespace: "default",
        body: { metadata: { finalizers: ["ako.vmware.com/a", "ako.vmware.com/b", "new"] } }
      },
      merge
    ))
    expect(added.code).toBe(422)

    await core.patchNamespacedConfigMap(
      { name: "fin", namespace: "default", body: { metadata: { finalizers: ["ako.vmware.com/b"] } } },
      merge
    )
    expect((await core.readNamespacedConfigMap({ name: "fin", namespace: "default" })).metadata?.finalizers).toEqual([
      "ako.vmware.com/b"
    ])
    await core.patchNamespacedConfigMap(
      { name: "fin", namespace: "default", body: { metadata: { finalizers: null } } },
      merge
    )
    expect((await apiError(core.readNamespacedConfigMap({ name: "fin", namespace: "default" }))).code).toBe(404)
    await eventually(() => (events.includes("DELETED") ? true : undefined))
    expect(events).toEqual(["MODIFIED", "MODIFIED", "DELETED"])
    controller.abort()
  })

  it("deletes a namespace together with its contents", async () => {
    await core.createNamespace({ body: { metadata: { name: "doomed" } } })
    await core.createNamespacedConfigMap({ namespace: "doomed", body: { metadata: { name: "c" } } })
    await core.deleteNamespace({ name: "doomed" })
    expect(sim.get("configmaps", "doomed", "c")).toBeUndefined()
    expect((await apiError(core.readNamespace({ name: "doomed" }))).code).toBe(404)
  })
})
