/**
 * One replica against both simulators: the life of a LoadBalancer Service as a user sees it (VIP in the status,
 * objects in Avi) and as the controllers' request logs see it (calls per object, zero writes when nothing changed).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CLUSTER, loadBalancerService, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

const owned = (type: string) =>
  cluster.avi.objects(type).map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))

const writes = () => cluster.aviWritesOf("ako-0").map((entry) => `${entry.method} ${entry.objectType}`)

beforeAll(async () => {
  cluster = await startCluster({ config: { fullSyncFrequency: "1" } })
  replica = await cluster.startReplica("ako-0")
  await waitFor("the replica to be ready", async () => (await replica.readyz()) === 200, 30_000)
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("LoadBalancer Service, one replica", () => {
  it("gets a VIP in its status with one Avi call per object", async () => {
    loadBalancerService(cluster.kube, "red", "web", { addresses: ["10.1.0.1", "10.1.0.2"] })
    const vips = await waitFor("a VIP in the Service status", () => {
      const current = serviceVips(cluster.kube, "red", "web")
      return current.length > 0 ? current : undefined
    })
    expect(vips[0]).toMatch(/^10\.50\./)
    expect(writes()).toEqual(["POST vsvip", "POST pool", "POST l4policyset", "POST virtualservice"])
    expect(owned("virtualservice")).toEqual([`${CLUSTER}--red-web`])
    expect(owned("pool")).toEqual([`${CLUSTER}--red-web-TCP-80`])
    const vsVip = cluster.avi.findByName("vsvip", `${CLUSTER}--red-web`)
    expect(JSON.stringify(vsVip)).toContain(vips[0])
  })

  it("makes no Avi or Kubernetes write while nothing changes, across periodic resyncs", async () => {
    const aviBefore = cluster.aviWritesOf("ako-0").length
    const kubeBefore = cluster.kubeWritesOf("ako-0").filter((entry) => entry.resource !== "leases").length
    const adds = (await replica.metric("ako_workqueue_adds_total")) ?? 0
    // fullSyncFrequency is 1 s: wait for three resyncs of the one unit.
    await waitFor(
      "three periodic resyncs",
      async () => ((await replica.metric("ako_workqueue_adds_total")) ?? 0) >= adds + 3
    )
    expect(cluster.aviWritesOf("ako-0").length).toBe(aviBefore)
    expect(cluster.kubeWritesOf("ako-0").filter((entry) => entry.resource !== "leases").length).toBe(kubeBefore)
  })

  it("updates only the pool when the endpoints change", async () => {
    const before = writes().length
    loadBalancerService(cluster.kube, "red", "web", { addresses: ["10.1.0.1", "10.1.0.3"] })
    await waitFor("the pool update", () => writes().length > before)
    await waitFor(
      "the new server in the pool",
      () => JSON.stringify(cluster.avi.findByName("pool", `${CLUSTER}--red-web-TCP-80`)).includes("10.1.0.3")
    )
    expect(writes().slice(before)).toEqual(["PUT pool"])
  })

  it("reports a Service whose port matches no endpoint port as an Event, while other Services sync", async () => {
    cluster.kube.ensureNamespace("blue")
    cluster.kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "broken", namespace: "blue" },
      spec: { type: "LoadBalancer", ports: [{ name: "http", port: 80, targetPort: "web", protocol: "TCP" }] }
    })
    cluster.kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "broken-slice", namespace: "blue", labels: { "kubernetes.io/service-name": "broken" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.2.0.1"], conditions: { ready: true } }],
      // Two named ports, neither called "web": AKO's single-port fallback does not apply.
      ports: [{ name: "metrics", port: 9090, protocol: "TCP" }, { name: "admin", port: 9091, protocol: "TCP" }]
    })
    loadBalancerService(cluster.kube, "blue", "healthy")
    await waitFor("a VIP for the healthy Service", () => serviceVips(cluster.kube, "blue", "healthy").length > 0)
    const event = await waitFor(
      "a Warning Event on the broken Service",
      () =>
        cluster.kube.list("v1/Event", "blue").find((candidate) => {
          const involved = (candidate as { involvedObject?: { name?: string } }).involvedObject
          return involved?.name === "broken" && (candidate as { type?: string }).type === "Warning"
        })
    )
    expect(JSON.stringify(event)).toContain("PortNotFound")
  })

  it("deletes every Avi object of a Service that is deleted", async () => {
    cluster.kube.delete("v1/Service", "red", "web")
    await waitFor("the VS to be gone", () => !owned("virtualservice").includes(`${CLUSTER}--red-web`))
    await waitFor(
      "the pool, policy and VsVip to be gone",
      () =>
        !owned("pool").includes(`${CLUSTER}--red-web-TCP-80`) &&
        !owned("l4policyset").includes(`${CLUSTER}--red-web`) &&
        !owned("vsvip").includes(`${CLUSTER}--red-web`)
    )
  })
})
