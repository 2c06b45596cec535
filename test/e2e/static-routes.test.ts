/**
 * Static route sync end to end: in ClusterIP mode with AKO's default the leader labels the SE group, adds a route per
 * node pod CIDR to the VRF, follows nodes coming and going, never touches other clusters' or unlabelled routes, and a
 * replica that takes over finds nothing to write.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CLUSTER, handOver, startCluster } from "../support/e2e.js"
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
