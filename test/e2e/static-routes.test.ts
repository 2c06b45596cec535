/**
 * Static route sync end to end: in ClusterIP mode with AKO's default the leader labels the SE group, adds a route per
 * node pod CIDR to the VRF, follows nodes coming and going, never touches other clusters' or unlabelled routes, and a
 * replica that takes over finds nothing to write. With cniPlugin calico the pod CIDRs come from BlockAffinities, and
 * deleteConfig takes this cluster's routes and SE group label away again.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { cniCrds } from "../support/crds.js"
import { CLUSTER, handOver, QUICK_REPAIR_ENV, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

const OTHER_CLUSTER_ROUTE = {
  route_id: "other-1111-0",
  prefix: { ip_addr: { addr: "10.9.0.0", type: "V4" }, mask: 24 },
  next_hop: { addr: "192.168.9.1", type: "V4" },
  labels: [{ key: "clustername", value: "other" }]
}
const ADMIN_ROUTE = {
  route_id: "default-gw",
  prefix: { ip_addr: { addr: "0.0.0.0", type: "V4" }, mask: 0 },
  next_hop: { addr: "192.168.0.1", type: "V4" }
}

type Route = { route_id: string; prefix: { ip_addr: { addr: string } }; next_hop: { addr: string } }

const vrfRoutes = (): ReadonlyArray<
  Route
> => ((cluster.avi.findByName("vrfcontext", "global") as { static_routes?: Array<Route> }).static_routes ?? [])

const ownRoutes = () =>
  vrfRoutes().filter((route) => route.route_id.startsWith(`${CLUSTER}-`))
    .map((route) => `${route.prefix.ip_addr.addr} via ${route.next_hop.addr}`)

const applyNode = (name: string, ip: string, podCIDR: string) =>
  cluster.kube.apply({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }] }
  })

beforeAll(async () => {
  cluster = await startCluster({ config: { disableStaticRouteSync: "false" } })
  const vrf = cluster.avi.findByName("vrfcontext", "global") as Record<string, unknown>
  cluster.avi.update("vrfcontext", String(vrf["uuid"]), { ...vrf, static_routes: [OTHER_CLUSTER_ROUTE, ADMIN_ROUTE] })
  applyNode("node-b", "192.168.1.2", "10.1.2.0/24")
  applyNode("node-a", "192.168.1.1", "10.1.1.0/24")
  replica = await cluster.startReplica("ako-0")
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("static route sync", () => {
  it("labels the SE group and routes each node's pod CIDR to the node, keeping the VRF's other routes", async () => {
    await waitFor("both nodes' routes", () => ownRoutes().length === 2)
    expect(ownRoutes()).toEqual(["10.1.1.0 via 192.168.1.1", "10.1.2.0 via 192.168.1.2"])
    expect(vrfRoutes().slice(0, 2)).toMatchObject([OTHER_CLUSTER_ROUTE, ADMIN_ROUTE])
    const group = cluster.avi.findByName("serviceenginegroup", "Default-Group") as { labels?: unknown }
    expect(group.labels).toEqual([{ key: "clustername", value: CLUSTER }])
  })

  it("adds a node's route when it joins and removes it when it leaves, in one VRF write each", async () => {
    const vrfWrites = () => cluster.aviWritesOf("ako-0").filter((entry) => entry.objectType === "vrfcontext").length
    const before = vrfWrites()
    applyNode("node-c", "192.168.1.3", "10.1.3.0/24")
    await waitFor("the new node's route", () => ownRoutes().includes("10.1.3.0 via 192.168.1.3"))
    expect(vrfWrites()).toBe(before + 1)
    cluster.kube.delete("v1/Node", undefined, "node-b")
    await waitFor("the removed node's route gone", () => !ownRoutes().includes("10.1.2.0 via 192.168.1.2"))
    expect(ownRoutes()).toEqual(["10.1.1.0 via 192.168.1.1", "10.1.3.0 via 192.168.1.3"])
    expect(vrfWrites()).toBe(before + 2)
    expect(vrfRoutes().slice(0, 2)).toMatchObject([OTHER_CLUSTER_ROUTE, ADMIN_ROUTE])
  })

  it("picks up a change someone else made to the VRF meanwhile, without losing it", async () => {
    const vrf = cluster.avi.findByName("vrfcontext", "global") as Record<string, unknown> & {
      static_routes: Array<unknown>
    }
    const added = { ...ADMIN_ROUTE, route_id: "backup-gw", next_hop: { addr: "192.168.0.2", type: "V4" } }
    cluster.avi.update("vrfcontext", String(vrf["uuid"]), { ...vrf, static_routes: [...vrf.static_routes, added] })
    applyNode("node-d", "192.168.1.4", "10.1.4.0/24")
    await waitFor("the new node's route", () => ownRoutes().includes("10.1.4.0 via 192.168.1.4"))
    expect(vrfRoutes().map((route) => route.route_id)).toContain("backup-gw")
  })

  it("lets a replica that takes over find nothing to write", async () => {
    const routes = JSON.stringify(vrfRoutes())
    replica = await handOver(cluster, replica, "ako-1")
    expect(cluster.aviWritesOf("ako-1").map((entry) => `${entry.method} ${entry.path}`)).toEqual([])
    expect(JSON.stringify(vrfRoutes())).toBe(routes)
  })
})

describe("static route sync with cniPlugin calico", () => {
  let calico: E2eCluster
  let leader: Replica

  const AKO_ROUTE = {
    route_id: `${CLUSTER}-0b0e7c66-1b3c-4d6e-9a55-aaaaaaaaaaaa-0`,
    prefix: { ip_addr: { addr: "10.20.1.0", type: "V4" }, mask: 26 },
    next_hop: { addr: "172.16.0.1", type: "V4" },
    labels: [{ key: "clustername", value: CLUSTER }]
  }
  const routesIn = (c: E2eCluster) =>
    (c.avi.findByName("vrfcontext", "global") as { static_routes?: Array<Route> }).static_routes ?? []
  const calicoRoutes = () =>
    routesIn(calico).filter((route) => route.route_id.startsWith(`${CLUSTER}-`))
      .map((route) => `${route.prefix.ip_addr.addr} via ${route.next_hop.addr}`)
  const groupLabels = () =>
    (calico.avi.findByName("serviceenginegroup", "Default-Group") as { labels?: ReadonlyArray<unknown> }).labels ?? []
  const vrfWritesOf = (replica: string) =>
    calico.aviWritesOf(replica).filter((entry) => entry.objectType === "vrfcontext").length

  const applyCalicoNode = (name: string, calicoIp: string) =>
    calico.kube.apply({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, annotations: { "projectcalico.org/IPv4Address": `${calicoIp}/24` } },
      // What Calico ignores: the node's own pod CIDR and InternalIP are not where its routes come from.
      spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] },
      status: { addresses: [{ type: "InternalIP", address: "192.168.50.50" }] }
    })
  const applyBlockAffinity = (name: string, nodeName: string, cidr: string) =>
    calico.kube.apply({
      apiVersion: "crd.projectcalico.org/v1",
      kind: "BlockAffinity",
      metadata: { name },
      spec: { node: nodeName, cidr, state: "confirmed", deleted: "false" }
    })

  beforeAll(async () => {
    calico = await startCluster({ config: { disableStaticRouteSync: "false", cniPlugin: "calico" } })
    const vrf = calico.avi.findByName("vrfcontext", "global") as Record<string, unknown>
    calico.avi.update("vrfcontext", String(vrf["uuid"]), {
      ...vrf,
      static_routes: [OTHER_CLUSTER_ROUTE, ADMIN_ROUTE, AKO_ROUTE]
    })
    applyCalicoNode("node-a", "172.16.0.1")
    applyCalicoNode("node-b", "172.16.0.2")
    // No BlockAffinity CRD yet, as on a cluster whose Calico does not use the Kubernetes datastore.
    leader = await calico.startReplica("ako-0")
  }, scaled(60_000))

  afterAll(async () => {
    await calico?.close()
  })

  it("starts without the BlockAffinity CRD, says why, and leaves every node's routes as they are", async () => {
    await waitFor(
      "the warning about the missing BlockAffinities",
      () =>
        leader.logs().some((line) =>
          line["message"] === "node left out of static route sync" &&
          JSON.stringify(line).includes("crd.projectcalico.org/v1 blockaffinities not listed")
        ),
      20_000
    )
    expect(await leader.readyz()).toBe(200)
    expect(routesIn(calico)).toMatchObject([OTHER_CLUSTER_ROUTE, ADMIN_ROUTE, AKO_ROUTE])
    expect(vrfWritesOf("ako-0")).toBe(0)
  })

  it("routes each node's BlockAffinities to its Calico address; deleting one removes only its route", async () => {
    for (const document of cniCrds("blockaffinities.yaml")) calico.kube.apply(document as never)
    applyBlockAffinity("node-a-10-20-1-0-26", "node-a", "10.20.1.0/26")
    applyBlockAffinity("node-b-10-20-2-0-26", "node-b", "10.20.2.0/26")
    // A new leader lists them at once (the one running looks for the CRD again within a minute).
    await leader.stop("SIGTERM")
    leader = await calico.startReplica("ako-1", QUICK_REPAIR_ENV)
    await waitFor("both nodes' block routes", () => calicoRoutes().length === 2)
    expect(calicoRoutes()).toEqual(["10.20.1.0 via 172.16.0.1", "10.20.2.0 via 172.16.0.2"])
    expect(routesIn(calico).map((route) => route.route_id)).toContain(AKO_ROUTE.route_id)
    expect(vrfWritesOf("ako-1")).toBe(1)
    calico.kube.delete("crd.projectcalico.org/v1/BlockAffinity", undefined, "node-b-10-20-2-0-26")
    await waitFor("node-b's block route gone", () => calicoRoutes().length === 1)
    expect(calicoRoutes()).toEqual(["10.20.1.0 via 172.16.0.1"])
    expect(routesIn(calico).slice(0, 2)).toMatchObject([OTHER_CLUSTER_ROUTE, ADMIN_ROUTE])
  })

  it("deleteConfig removes this cluster's routes and SE group label and keeps the other routes", async () => {
    expect(groupLabels()).toEqual([{ key: "clustername", value: CLUSTER }])
    calico.setConfig({ ...calico.configMap, deleteConfig: "true" })
    await waitFor(
      "this cluster's routes and label gone",
      () => calicoRoutes().length === 0 && groupLabels().length === 0
    )
    expect(routesIn(calico)).toMatchObject([OTHER_CLUSTER_ROUTE, ADMIN_ROUTE])
    // A block added meanwhile is routed once deleteConfig is false again, with the routes and the label that went.
    applyBlockAffinity("node-b-10-20-3-0-26", "node-b", "10.20.3.0/26")
    calico.setConfig({ ...calico.configMap, deleteConfig: "false" })
    await waitFor("routes and label back after deleteConfig false", () => calicoRoutes().length === 2)
    expect(calicoRoutes()).toEqual(["10.20.1.0 via 172.16.0.1", "10.20.3.0 via 172.16.0.2"])
    expect(groupLabels()).toEqual([{ key: "clustername", value: CLUSTER }])
  })
})
