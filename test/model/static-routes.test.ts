/**
 * Static routes (AKO `avi_vrf_translator.go`, `rest/avi_obj_vrf.go`): one route per node pod CIDR, next hop the
 * node, labelled with the cluster; other routes in the VRF stay; an unchanged set writes nothing.
 */
import { describe, expect, it } from "vitest"
import type { BlockAffinity, CiliumNode, HostSubnet, Node, StaticRouteSettings } from "../../src/model/index.js"
import { clusterRoutes, cniPodCidrs, mergedVrfRoutes, nodeAddresses, podCidrsOf } from "../../src/model/index.js"

const settings: StaticRouteSettings = { clusterName: "c1", cniPlugin: undefined, ipFamily: "V4_V6" }

const node = (
  name: string,
  internal: ReadonlyArray<string>,
  podCIDRs: ReadonlyArray<string> | undefined,
  annotations: Record<string, string> = {}
): Node => ({
  metadata: { name, annotations },
  spec: podCIDRs === undefined ? {} : { podCIDR: podCIDRs[0], podCIDRs },
  status: { addresses: internal.map((address) => ({ type: "InternalIP", address })) }
})

const OTHER_CLUSTER = {
  route_id: "c2-1111-0",
  prefix: { ip_addr: { addr: "10.9.0.0", type: "V4" }, mask: 24 },
  next_hop: { addr: "192.168.9.1", type: "V4" },
  labels: [{ key: "clustername", value: "c2" }]
}
const ADMIN_ROUTE = {
  route_id: "default-gw",
  prefix: { ip_addr: { addr: "0.0.0.0", type: "V4" }, mask: 0 },
  next_hop: { addr: "192.168.0.1", type: "V4" }
}

describe("pod CIDRs and node addresses", () => {
  it("takes the ako.vmware.com/pod-cidrs annotation before spec.podCIDRs, and refuses a bad CIDR in it", () => {
    expect(podCidrsOf(node("n1", [], ["10.1.0.0/24"]), settings)).toEqual({ cidrs: ["10.1.0.0/24"] })
    expect(
      podCidrsOf(
        node("n1", [], ["10.1.0.0/24"], { "ako.vmware.com/pod-cidrs": " 10.7.0.0/24, 10.8.0.0/24" }),
        settings
      )
    ).toEqual({ cidrs: ["10.7.0.0/24", "10.8.0.0/24"] })
    expect(podCidrsOf(node("n1", [], undefined, { "ako.vmware.com/pod-cidrs": "10.7.0.0" }), settings))
      .toEqual({ error: expect.stringContaining("incorrect format") })
    expect(podCidrsOf(node("n1", [], undefined), settings)).toEqual({ error: "node n1 has no spec.podCIDR" })
  })

  it("reads OVN's node-subnets annotation, as a string or a list", () => {
    const ovn = { ...settings, cniPlugin: "ovn-kubernetes" }
    expect(
      podCidrsOf(
        node("n1", [], undefined, { "k8s.ovn.org/node-subnets": "{\"default\":\"10.128.2.0/23\"}" }),
        ovn
      )
    )
      .toEqual({ cidrs: ["10.128.2.0/23"] })
    expect(
      podCidrsOf(
        node("n1", [], undefined, { "k8s.ovn.org/node-subnets": "{\"default\":[\"10.128.2.0/23\",\"fd01::/64\"]}" }),
        ovn
      )
    ).toEqual({ cidrs: ["10.128.2.0/23", "fd01::/64"] })
  })

  it("takes Calico's and Antrea's node addresses before the InternalIPs", () => {
    const calico = { ...settings, cniPlugin: "calico" }
    expect(nodeAddresses(node("n1", ["192.168.1.1"], [], { "projectcalico.org/IPv4Address": "172.16.0.5/24" }), calico))
      .toEqual({ v4: "172.16.0.5", v6: undefined })
    const antrea = { ...settings, cniPlugin: "antrea" }
    expect(
      nodeAddresses(
        node("n1", ["192.168.1.1"], [], { "node.antrea.io/transport-addresses": "172.16.0.6,fd00::6" }),
        antrea
      )
    ).toEqual({ v4: "172.16.0.6", v6: "fd00::6" })
    expect(nodeAddresses(node("n1", ["fd00::1", "192.168.1.1"], []), { ...settings, ipFamily: "V4" }))
      .toEqual({ v4: "192.168.1.1", v6: undefined })
  })
})

describe("this cluster's routes in the VRF", () => {
  const nodes = [
    node("n2", ["192.168.1.2"], ["10.1.2.0/24"]),
    node("n1", ["192.168.1.1"], ["10.1.1.0/24", "fd00:1::/64"])
  ]

  it("routes every pod CIDR to its node, nodes by name, labelled with the cluster", () => {
    const { problems, routes } = clusterRoutes(nodes, settings, [])
    expect(problems).toEqual([])
    expect(routes.map((r) => [r.prefix.ip_addr.addr, r.prefix.mask, r.next_hop.addr])).toEqual([
      ["10.1.1.0", 24, "192.168.1.1"],
      ["10.1.2.0", 24, "192.168.1.2"]
    ])
    expect(routes[0]?.route_id).toMatch(/^c1-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-0$/)
    expect(routes[0]?.labels).toEqual([{ key: "clustername", value: "c1" }])
    // The IPv6 CIDR is skipped: n1 has no IPv6 address, as AKO skips it.
  })

  it("keeps the route ids a node's routes already have (AKO's random uuid), so a switch rewrites nothing", () => {
    const akoRoutes = [
      {
        route_id: "c1-0b0e7c66-1b3c-4d6e-9a55-aaaaaaaaaaaa-0",
        prefix: { ip_addr: { addr: "10.1.1.0", type: "V4" }, mask: 24 },
        next_hop: { addr: "192.168.1.1", type: "V4" },
        labels: [{ key: "clustername", value: "c1" }]
      },
      {
        route_id: "c1-5d1e9a0b-2c3d-4e5f-8a9b-bbbbbbbbbbbb-0",
        prefix: { ip_addr: { addr: "10.1.2.0", type: "V4" }, mask: 24 },
        next_hop: { addr: "192.168.1.2", type: "V4" },
        labels: [{ key: "clustername", value: "c1" }]
      }
    ]
    const existing = [OTHER_CLUSTER, ...akoRoutes, ADMIN_ROUTE]
    const { routes } = clusterRoutes(nodes, settings, existing)
    expect(routes.map((r) => r.route_id)).toEqual(akoRoutes.map((r) => r.route_id))
    expect(mergedVrfRoutes(existing, "c1", routes)).toBeUndefined()
  })

  it("replaces only this cluster's routes: a removed node's route goes, other clusters' and unlabelled ones stay", () => {
    const before = clusterRoutes(nodes, settings, []).routes
    const existing = [OTHER_CLUSTER, ...before, ADMIN_ROUTE]
    const after = clusterRoutes([nodes[1]!], settings, existing).routes
    expect(mergedVrfRoutes(existing, "c1", after)).toEqual([OTHER_CLUSTER, ADMIN_ROUTE, ...after])
    expect(after.map((r) => r.route_id)).toEqual([before[0]!.route_id])
  })

  it("keeps the routes of a node whose pod CIDRs cannot be read (AKO drops them), and says why", () => {
    const had = clusterRoutes([node("n4", ["192.168.1.4"], ["10.1.4.0/24"])], settings, []).routes
    expect(clusterRoutes([node("n4", ["192.168.1.4"], undefined)], settings, had).routes).toEqual(had)
  })

  it("leaves a node without an address or pod CIDR out, and says why", () => {
    const { problems, routes } = clusterRoutes(
      [node("n3", [], ["10.1.3.0/24"]), node("n4", ["192.168.1.4"], undefined)],
      settings,
      []
    )
    expect(routes).toEqual([])
    expect(problems).toEqual([
      { node: "n3", message: "no node IP for node n3" },
      { node: "n4", message: "node n4 has no spec.podCIDR" }
    ])
  })
})

const blockAffinity = (
  name: string,
  nodeName: string | undefined,
  cidr: string,
  state = "confirmed"
): BlockAffinity => ({
  metadata: { name },
  spec: { ...(nodeName === undefined ? {} : { node: nodeName }), cidr, state, deleted: "false" }
})
const hostSubnet = (name: string, host: string | undefined, subnet: string | undefined): HostSubnet => ({
  metadata: { name },
  ...(host === undefined ? {} : { host }),
  ...(subnet === undefined ? {} : { subnet })
})
const ciliumNode = (name: string, podCIDRs: ReadonlyArray<string> | undefined): CiliumNode => ({
  metadata: { name },
  spec: { ipam: podCIDRs === undefined ? {} : { podCIDRs } }
})

describe("pod CIDRs from the CNI's own resources (AKO lib.GetPodCIDR)", () => {
  const calico = { ...settings, cniPlugin: "calico" }
  const openshift = { ...settings, cniPlugin: "openshift" }
  const cilium = { ...settings, cniPlugin: "cilium" }

  it("calico: every BlockAffinity whose spec.node is the node, in name order, each CIDR once, whatever its state", () => {
    const lookup = cniPodCidrs({
      cni: "calico",
      blockAffinities: [
        blockAffinity("n1-10-1-1-64-26", "n1", "10.1.1.64/26", "pendingDeletion"),
        blockAffinity("n2-10-1-2-0-26", "n2", "10.1.2.0/26"),
        blockAffinity("n1-10-1-1-0-26", "n1", "10.1.1.0/26"),
        blockAffinity("n1-copy", "n1", "10.1.1.0/26"),
        blockAffinity("orphan", undefined, "10.1.9.0/26")
      ]
    })
    // The node's own spec.podCIDRs do not count with Calico.
    expect(podCidrsOf(node("n1", [], ["10.244.0.0/24"]), calico, lookup)).toEqual({
      cidrs: ["10.1.1.0/26", "10.1.1.64/26"]
    })
    expect(lookup("n2")).toEqual({ cidrs: ["10.1.2.0/26"] })
    expect(lookup("n3")).toEqual({ cidrs: [] })
    expect(cniPodCidrs({ cni: "calico", blockAffinities: [blockAffinity("bad", "n1", "")] })("n1"))
      .toEqual({ error: "BlockAffinity bad of node n1 has no cidr" })
  })

  it("openshift: the HostSubnet whose host is the node; one without a host leaves every node unknown", () => {
    const lookup = cniPodCidrs({
      cni: "openshift",
      hostSubnets: [hostSubnet("n1", "n1", "10.128.0.0/23"), hostSubnet("n2", "n2", undefined)]
    })
    expect(podCidrsOf(node("n1", [], undefined), openshift, lookup)).toEqual({ cidrs: ["10.128.0.0/23"] })
    expect(lookup("n2")).toEqual({ error: "HostSubnet n2 of node n2 has no subnet" })
    expect(lookup("n3")).toEqual({ cidrs: [] })
    const broken = cniPodCidrs({
      cni: "openshift",
      hostSubnets: [hostSubnet("n1", "n1", "10.128.0.0/23"), hostSubnet("x", undefined, "10.128.4.0/23")]
    })
    expect(broken("n1")).toEqual({ error: "the pod CIDRs of node n1 cannot be read: HostSubnet x has no host" })
  })

  it("cilium: spec.ipam.podCIDRs of the CiliumNode named after the node", () => {
    const lookup = cniPodCidrs({
      cni: "cilium",
      ciliumNodes: [ciliumNode("n1", ["10.0.1.0/24", "fd00:1::/96"]), ciliumNode("n2", undefined)]
    })
    expect(podCidrsOf(node("n1", [], undefined), cilium, lookup)).toEqual({ cidrs: ["10.0.1.0/24", "fd00:1::/96"] })
    expect(lookup("n2")).toEqual({ error: "CiliumNode n2 has no spec.ipam.podCIDRs" })
    expect(lookup("n3")).toEqual({ cidrs: [] })
  })

  it("without the resources (not listed, or their CRD not served) no node's pod CIDRs are known", () => {
    expect(podCidrsOf(node("n1", [], ["10.244.0.0/24"]), calico)).toEqual({
      error: "the pod CIDRs of node n1 are in crd.projectcalico.org/v1 blockaffinities, not read"
    })
    const missing = cniPodCidrs({ cni: "unavailable", reason: "not served" })
    expect(podCidrsOf(node("n1", [], ["10.244.0.0/24"]), cilium, missing)).toEqual({
      error: "the pod CIDRs of node n1 cannot be read: not served"
    })
  })

  it("routes Calico's blocks to the nodes' Calico addresses; a node whose blocks are gone loses its routes", () => {
    const calicoNode = (name: string, ip: string) =>
      node(name, ["192.168.9.9"], undefined, { "projectcalico.org/IPv4Address": `${ip}/24` })
    const nodes = [calicoNode("n1", "172.16.0.1"), calicoNode("n2", "172.16.0.2")]
    const both = clusterRoutes(nodes, calico, [], {
      cni: "calico",
      blockAffinities: [blockAffinity("b1", "n1", "10.1.1.0/26"), blockAffinity("b2", "n2", "10.1.2.0/26")]
    })
    expect(both.problems).toEqual([])
    expect(both.routes.map((r) => `${r.prefix.ip_addr.addr}/${r.prefix.mask} via ${r.next_hop.addr}`)).toEqual([
      "10.1.1.0/26 via 172.16.0.1",
      "10.1.2.0/26 via 172.16.0.2"
    ])
    const one = clusterRoutes(nodes, calico, both.routes, {
      cni: "calico",
      blockAffinities: [blockAffinity("b1", "n1", "10.1.1.0/26")]
    })
    expect(one.routes).toEqual([both.routes[0]])
    // Unreadable (the CRD went away): every node keeps what it has.
    const unknown = clusterRoutes(nodes, calico, both.routes, { cni: "unavailable", reason: "not served" })
    expect(unknown.routes).toEqual(both.routes)
    expect(unknown.problems.map((p) => p.node)).toEqual(["n1", "n2"])
  })
})
