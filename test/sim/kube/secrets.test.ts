import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { eventually, kubeConfigFor, rawRequest } from "./_support.js"

let sim: RunningKubeSim
let kc: k8s.KubeConfig
let core: k8s.CoreV1Api

beforeAll(async () => {
  sim = await startKubeSim()
  kc = kubeConfigFor(sim)
  core = kc.makeApiClient(k8s.CoreV1Api)
})
afterAll(() => sim.close())

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

describe("Secret stringData in the kube sim", () => {
  it("folds stringData into base64 data on create, overriding data, and never stores or returns it", async () => {
    const seen: Array<Record<string, unknown>> = []
    const controller = await new k8s.Watch(kc).watch(
      "/api/v1/namespaces/default/secrets",
      { resourceVersion: String(sim.resourceVersion()) },
      (_type, object: Record<string, unknown>) => seen.push(object),
      () => undefined
    )
    const created = await core.createNamespacedSecret({
      namespace: "default",
      body: {
        metadata: { name: "avi-secret" },
        data: { username: b64("old"), keep: b64("kept") },
        stringData: { username: "admin", password: "pässword" }
      }
    })
    expect(created.data).toEqual({ username: b64("admin"), password: b64("pässword"), keep: b64("kept") })
    expect(created.stringData).toBeUndefined()
    expect(created.type).toBe("Opaque")
    expect(sim.get("v1/Secret", "default", "avi-secret")?.["stringData"]).toBeUndefined()
    const read = await rawRequest(sim, "GET", "/api/v1/namespaces/default/secrets/avi-secret")
    expect(read.json()["stringData"]).toBeUndefined()
    await eventually(() => (seen.length >= 1 ? true : undefined))
    expect(seen[0]!["stringData"]).toBeUndefined()
    expect(seen[0]!["data"]).toMatchObject({ password: b64("pässword") })
    controller.abort()
  })

  it("folds stringData on replace and on merge, strategic and JSON patches", async () => {
    const current = await core.readNamespacedSecret({ name: "avi-secret", namespace: "default" })
    const replaced = await core.replaceNamespacedSecret({
      name: "avi-secret",
      namespace: "default",
      body: { ...current, stringData: { password: "rotated" } }
    })
    expect(replaced.data?.["password"]).toBe(b64("rotated"))
    expect(replaced.stringData).toBeUndefined()

    const merged = await core.patchNamespacedSecret(
      { name: "avi-secret", namespace: "default", body: { stringData: { token: "t1" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
    )
    expect(merged.data).toMatchObject({ password: b64("rotated"), token: b64("t1") })

    const strategic = await core.patchNamespacedSecret(
      { name: "avi-secret", namespace: "default", body: { stringData: { token: "t2" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch)
    )
    expect(strategic.data?.["token"]).toBe(b64("t2"))

    const jsonPatched = await core.patchNamespacedSecret({
      name: "avi-secret",
      namespace: "default",
      body: [{ op: "add", path: "/stringData", value: { token: "t3" } }]
    })
    expect(jsonPatched.data?.["token"]).toBe(b64("t3"))
    expect(jsonPatched.stringData).toBeUndefined()
    expect(sim.get("v1/Secret", "default", "avi-secret")?.["stringData"]).toBeUndefined()

    // Writing the same value again through stringData changes nothing, so no new resourceVersion.
    const again = await core.patchNamespacedSecret(
      { name: "avi-secret", namespace: "default", body: { stringData: { token: "t3" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)
    )
    expect(again.metadata?.resourceVersion).toBe(jsonPatched.metadata?.resourceVersion)
  })
})
