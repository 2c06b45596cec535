import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { rawRequest } from "./_support.js"

let sim: RunningKubeSim

beforeAll(async () => {
  sim = await startKubeSim()
})
afterAll(() => sim.close())

describe("kube sim discovery", () => {
  it("serves APIVersions, APIGroupList and APIResourceList with status subresources", async () => {
    expect((await rawRequest(sim, "GET", "/api")).json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] })
    const groups = (await rawRequest(sim, "GET", "/apis")).json<{ kind: string; groups: Array<{ name: string }> }>()
    expect(groups.kind).toBe("APIGroupList")
    expect(groups.groups.map((g) => g.name).sort()).toEqual([
      "apiextensions.k8s.io",
      "apps",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "networking.k8s.io",
      "route.openshift.io"
    ])
    const networking = (await rawRequest(sim, "GET", "/apis/networking.k8s.io/v1")).json<{
      groupVersion: string
      resources: Array<{ name: string; namespaced: boolean; kind: string; verbs: Array<string> }>
    }>()
    expect(networking.groupVersion).toBe("networking.k8s.io/v1")
    expect(networking.resources.map((r) => r.name)).toEqual(["ingresses", "ingresses/status", "ingressclasses"])
    expect(networking.resources[0]).toMatchObject({ kind: "Ingress", namespaced: true })
    expect(networking.resources[0]!.verbs).toContain("watch")
    expect((await rawRequest(sim, "GET", "/apis/apps")).json()).toMatchObject({
      kind: "APIGroup",
      preferredVersion: { groupVersion: "apps/v1", version: "v1" }
    })
    expect((await rawRequest(sim, "GET", "/version")).json()).toMatchObject({ major: "1", minor: "34" })
  })

  it("answers unknown paths and resources with a NotFound Status", async () => {
    const response = await rawRequest(sim, "GET", "/apis/example.com/v1/widgets")
    expect(response.status).toBe(404)
    expect(response.json()).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 })
  })

  it("refuses protobuf bodies of kinds it has no protobuf message for with 415 instead of misreading them", async () => {
    const response = await rawRequest(
      sim,
      "POST",
      "/apis/coordination.k8s.io/v1/namespaces/default/leases",
      "k8s\u0000",
      {
        "content-type": "application/vnd.kubernetes.protobuf"
      }
    )
    expect(response.status).toBe(415)
  })
})
