/**
 * A status that drifts after it was written is put back at once, by the change itself rather than by the next
 * resync (off here): someone clears it or edits it by hand, or our own write comes back through the watch after the
 * unit settled against an older copy. Statuses of Services another controller owns are never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../src/sim/kube/index.js"
import { loadBalancerService, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

beforeAll(async () => {
  cluster = await startCluster()
  replica = await cluster.startReplica("ako-0")
  await waitFor("the replica to be ready", async () => (await replica.readyz()) === 200, 30_000)
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

const setServiceStatus = (namespace: string, name: string, ingress: ReadonlyArray<{ readonly ip: string }>) => {
  const service = cluster.kube.get("v1/Service", namespace, name)!
  cluster.kube.updateStatus({ ...service, status: { loadBalancer: { ingress } } } as KubeObject)
}

const statusWritesOn = (name: string) =>
  cluster.kubeWritesOf("ako-0").filter((entry) => entry.resource === "services" && entry.name === name).length

describe("statuses that drift", () => {
  it("a VIP cleared or replaced by hand is written back without a reconcile of its unit", async () => {
    loadBalancerService(cluster.kube, "red", "web")
    const [vip] = await waitFor("a VIP in the Service status", () => {
      const current = serviceVips(cluster.kube, "red", "web")
      return current.length > 0 ? current : undefined
    })
    const unitRuns = await replica.metric("ako_workqueue_adds_total")
    const aviWrites = cluster.aviWritesOf("ako-0").length

    setServiceStatus("red", "web", [])
    await waitFor("the VIP back after it was cleared", () => serviceVips(cluster.kube, "red", "web")[0] === vip)

    setServiceStatus("red", "web", [{ ip: "192.0.2.9" }])
    await waitFor("the VIP back after it was replaced", () => serviceVips(cluster.kube, "red", "web")[0] === vip)

    expect(serviceVips(cluster.kube, "red", "web")).toEqual([vip])
    // Put back by the status check alone: no unit ran again and Avi was not written.
    expect(await replica.metric("ako_workqueue_adds_total")).toBe(unitRuns)
    expect(cluster.aviWritesOf("ako-0").length).toBe(aviWrites)
  })

  it("leaves the status of a Service of another load-balancer class alone, however it changes", async () => {
    loadBalancerService(cluster.kube, "red", "other", { loadBalancerClass: "example.com/other-lb" })
    setServiceStatus("red", "other", [{ ip: "198.51.100.7" }])
    setServiceStatus("red", "other", [{ ip: "198.51.100.8" }])
    // A Service ako-ts handles, changed after the other one: once its VIP shows, the other's changes were seen too.
    loadBalancerService(cluster.kube, "red", "after")
    await waitFor("a VIP for the Service created after", () => serviceVips(cluster.kube, "red", "after").length > 0)
    expect(serviceVips(cluster.kube, "red", "other")).toEqual(["198.51.100.8"])
    expect(statusWritesOn("other")).toBe(0)
  })
})
