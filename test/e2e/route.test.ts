/**
 * On a cluster that serves route.openshift.io/v1 (the simulator does), Routes are watched and translated like
 * Ingress hosts, and the Route's status shows it admitted.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CLUSTER, loadBalancerService, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster

interface RouteView {
  readonly status?: {
    readonly ingress?: ReadonlyArray<{ host?: string; conditions?: ReadonlyArray<{ type?: string }> }>
  }
}

beforeAll(async () => {
  cluster = await startCluster()
  loadBalancerService(cluster.kube, "web", "frontend", { type: "ClusterIP", addresses: ["10.9.0.1"] })
  await cluster.startReplica("ako-0")
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("OpenShift Route", () => {
  it("is programmed on the shard and admitted in its status", async () => {
    cluster.kube.apply({
      apiVersion: "route.openshift.io/v1",
      kind: "Route",
      metadata: { name: "frontend", namespace: "web" },
      spec: { host: "frontend.apps.example.com", to: { kind: "Service", name: "frontend", weight: 100 } }
    })
    const route = await waitFor("the Route admitted", () => {
      const current = cluster.kube.get("route.openshift.io/v1/Route", "web", "frontend") as RouteView | undefined
      return (current?.status?.ingress ?? []).length > 0 ? current : undefined
    }, 30_000)
    expect(route!.status!.ingress![0]!.host).toBe("frontend.apps.example.com")
    expect(route!.status!.ingress![0]!.conditions?.[0]?.type).toBe("Admitted")
    const pools = cluster.avi.objects("pool").map((pool) => String(pool["name"]))
    expect(pools.some((name) => name.startsWith(`${CLUSTER}--`) && name.includes("frontend"))).toBe(true)
    const shard = cluster.avi.findByName("virtualservice", `${CLUSTER}--Shared-L7-0`)
    expect(shard).toBeDefined()
  })
})
