/**
 * Node networks, the global tier-1 router and VPC mode (reference/ako-objects.md §11.6, §11.8): what `nodeNetworkList`,
 * an AviInfraSetting's `nodeNetworks`, `nsxtT1LR` and `vpcMode` do to pools and VsVips, with AKO's checksums written
 * out from its formulas (pool: `H(join(":", [Protocol, Port, PortName, J(servers), J(SniEnabled), PriorityLabel,
 * J(NetworkPlacementSettings)]))` + … + `H(T1Lr)`; VsVip: … + `H(T1Lr)` + `CL`).
 */
import { describe, expect, it } from "vitest"
import type { AviInfraSetting, ModelSettings, NodeNetworkPlacement } from "../../src/model/index.js"
import { cidrPrefix, fnv1a32, makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, find, lbService, settings, slice } from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)
const ANNOTATION = "aviinfrasetting.ako.vmware.com/name"

const web = (annotations: Record<string, string> = {}) =>
  lbService("red", "web", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], { annotations })
const webSlice = slice("red", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.5", ready: true }])
const SERVERS = `[{"Ip":{"addr":"10.1.0.5","type":"V4"},"ServerNode":"","Port":0,"Enabled":true}]`

const infra = (name: string, spec: NonNullable<AviInfraSetting["spec"]>, extra: Partial<AviInfraSetting> = {}) => ({
  metadata: { name },
  spec,
  status: { status: "Accepted", error: "" },
  ...extra
})

const unitOf = (
  modelSettings: ModelSettings,
  annotations: Record<string, string> = {},
  settingsInEffect: ReadonlyArray<AviInfraSetting> = []
) =>
  translate(
    makeSnapshot({ services: [web(annotations)], endpointSlices: [webSlice], aviInfraSettings: settingsInEffect }),
    modelSettings
  ).desired.get("admin/c1--red-web")

const POOL = "c1--red-web-TCP-80"

/** The pool checksum's first term for this Service, with `J(NetworkPlacementSettings)` as given. */
const poolHead = (placementJson: string) => H(`TCP:8080:http:${SERVERS}:false::${placementJson}`)

// nodeNetworkList [{networkName: node-net, cidrs: [10.1.0.0/24, 10.2.0.7/16]}, {networkUUID: network-b, cidrs: [...]}]
// as AKO holds it on vCenter after looking node-net up (uuid network-a).
const globalNodes: ReadonlyArray<NodeNetworkPlacement> = [
  { key: "node-net", cidrs: ["10.1.0.0/24", "10.2.0.7/16"], networkUuid: "network-a" },
  { key: "network-b", cidrs: ["10.3.0.0/24"], networkUuid: "network-b" }
]
const GLOBAL_MAP = `{"network-b":{"Cidrs":["10.3.0.0/24"],"NetworkUUID":"network-b"},` +
  `"node-net":{"Cidrs":["10.1.0.0/24","10.2.0.7/16"],"NetworkUUID":"network-a"}}`

describe("nodeNetworkList on a vCenter cloud", () => {
  const vcenter = settings({ cloudType: "CLOUD_VCENTER", nodeNetworkPlacement: globalNodes })

  it("gives every pool a placement network per CIDR, by UUID, with the network address of the CIDR", () => {
    const pool = bodyOf(find(unitOf(vcenter), "pool", POOL))
    expect(pool["placement_networks"]).toEqual([
      { network_ref: "/api/network/network-b", subnet: { ip_addr: { addr: "10.3.0.0", type: "V4" }, mask: 24 } },
      { network_ref: "/api/network/network-a", subnet: { ip_addr: { addr: "10.1.0.0", type: "V4" }, mask: 24 } },
      { network_ref: "/api/network/network-a", subnet: { ip_addr: { addr: "10.2.0.0", type: "V4" }, mask: 16 } }
    ])
  })

  it("puts J(map) into the pool checksum instead of null, map keys sorted", () => {
    const placed = Number(find(unitOf(vcenter), "pool", POOL)?.checksum)
    const plain = Number(find(unitOf(settings({ cloudType: "CLOUD_VCENTER" })), "pool", POOL)?.checksum)
    expect(placed).toBe(add(plain, -poolHead("null") >>> 0, poolHead(GLOBAL_MAP)))
  })

  it("refers by name to a network AKO kept by name (no UUID)", () => {
    const byName = settings({
      cloudType: "CLOUD_VCENTER",
      nodeNetworkPlacement: [{ key: "node-net", cidrs: ["10.1.0.0/24"], networkUuid: "" }]
    })
    expect(bodyOf(find(unitOf(byName), "pool", POOL))["placement_networks"]).toEqual([
      { network_ref: "/api/network/?name=node-net", subnet: { ip_addr: { addr: "10.1.0.0", type: "V4" }, mask: 24 } }
    ])
  })

  it("an AviInfraSetting's node networks replace the global ones for its objects", () => {
    const resolved = infra("nodes", {
      network: { nodeNetworks: [{ networkName: "infra-net", cidrs: ["10.9.0.0/24"] }] }
    }, { resolvedNodeNetworks: [{ key: "infra-net", cidrs: ["10.9.0.0/24"], networkUuid: "network-i" }] })
    const unit = unitOf(vcenter, { [ANNOTATION]: "nodes" }, [resolved])
    const pool = find(unit, "pool", POOL)
    expect(bodyOf(pool)["placement_networks"]).toEqual([
      { network_ref: "/api/network/network-i", subnet: { ip_addr: { addr: "10.9.0.0", type: "V4" }, mask: 24 } }
    ])
    const plain = Number(find(unitOf(settings({ cloudType: "CLOUD_VCENTER" })), "pool", POOL)?.checksum)
    expect(Number(pool?.checksum)).toBe(add(
      plain,
      -poolHead("null") >>> 0,
      poolHead(`{"infra-net":{"Cidrs":["10.9.0.0/24"],"NetworkUUID":"network-i"}}`)
    ))
  })

  it("keeps the global node networks where AKO could not apply the setting's, or the setting has none", () => {
    const unusable = infra("unusable", {
      network: { nodeNetworks: [{ networkName: "missing", cidrs: ["10.9.0.0/24"] }] }
    }, { resolvedNodeNetworks: null })
    const seOnly = infra("se-only", { seGroup: { name: "Default-Group" } })
    const global = find(unitOf(vcenter), "pool", POOL)
    for (const [name, setting] of [["unusable", unusable], ["se-only", seOnly]] as const) {
      const pool = find(unitOf(vcenter, { [ANNOTATION]: name }, [setting]), "pool", POOL)
      expect(pool?.checksum).toBe(global?.checksum)
      expect(bodyOf(pool)["placement_networks"]).toEqual(bodyOf(global)["placement_networks"])
    }
  })

  it("stops at a CIDR Go cannot parse, as AKO's loop breaks there", () => {
    const broken = settings({
      cloudType: "CLOUD_VCENTER",
      nodeNetworkPlacement: [{ key: "node-net", cidrs: ["10.1.0.0/24", "10.1.0.0/33", "10.2.0.0/24"], networkUuid: "" }]
    })
    expect(bodyOf(find(unitOf(broken), "pool", POOL))["placement_networks"]).toHaveLength(1)
  })
})

describe("node networks on other clouds", () => {
  it("NSX-T VLAN: pools are placed; the VsVip's vip names the VIP network and its CIDR", () => {
    const vlan = settings({
      cloudType: "CLOUD_NSXT",
      nsxtTransportZone: "VLAN",
      vipNetworkList: [{ networkName: "vip-net", cidr: "10.10.0.9/24" }],
      nodeNetworkPlacement: [{ key: "node-net", cidrs: ["10.1.0.0/24"], networkUuid: "" }]
    })
    const unit = unitOf(vlan)
    expect(bodyOf(find(unit, "pool", POOL))["placement_networks"]).toEqual([
      { network_ref: "/api/network/?name=node-net", subnet: { ip_addr: { addr: "10.1.0.0", type: "V4" }, mask: 24 } }
    ])
    const vip = (bodyOf(find(unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(vip?.["placement_networks"]).toEqual([
      { network_ref: "/api/network/?name=vip-net", subnet: { ip_addr: { type: "V4", addr: "10.10.0.0" }, mask: 24 } }
    ])
    // The subnet the IPAM allocates from keeps the address as written.
    expect(vip?.["ipam_network_subnet"]).toMatchObject({ subnet: { ip_addr: { addr: "10.10.0.9" }, mask: 24 } })
    // Placement is not in the VsVip checksum: CL + H(J(["vip-net:10.10.0.9/24"])).
    expect(Number(find(unit, "vsvip", "c1--red-web")?.checksum)).toBe(
      add(H(`["vip-net:10.10.0.9/24"]`), H("clusternamec1"))
    )
  })

  it("NSX-T overlay and no-access clouds send no placement networks (the map stays in the checksum)", () => {
    for (const cloud of [{ cloudType: "CLOUD_NSXT", nsxtTransportZone: "OVERLAY" }, { cloudType: "CLOUD_NONE" }]) {
      const unit = unitOf(settings({ ...cloud, nodeNetworkPlacement: globalNodes }))
      expect(bodyOf(find(unit, "pool", POOL))).not.toHaveProperty("placement_networks")
      const vip = (bodyOf(find(unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
      expect(vip).not.toHaveProperty("placement_networks")
      const plain = Number(find(unitOf(settings(cloud)), "pool", POOL)?.checksum)
      expect(Number(find(unit, "pool", POOL)?.checksum)).toBe(add(plain, -poolHead("null") >>> 0, poolHead(GLOBAL_MAP)))
    }
  })
})

describe("nsxtT1LR and vpcMode", () => {
  const T1 = "/orgs/default/projects/proj-1/vpcs/vpc-7"
  const nsxt = settings({ cloudType: "CLOUD_NSXT", nsxtTransportZone: "OVERLAY", t1lr: T1 })

  it("the global tier-1 router replaces the VRF on VS, VsVip and pools and enters pool and VsVip checksums", () => {
    const unit = unitOf(nsxt)
    const plain = unitOf(settings({ cloudType: "CLOUD_NSXT", nsxtTransportZone: "OVERLAY" }))
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))).not.toHaveProperty("vrf_context_ref")
    const vsVip = bodyOf(find(unit, "vsvip", "c1--red-web"))
    expect(vsVip["tier1_lr"]).toBe(T1)
    expect(vsVip).not.toHaveProperty("vrf_context_ref")
    const pool = bodyOf(find(unit, "pool", POOL))
    expect(pool["tier1_lr"]).toBe(T1)
    expect(pool).not.toHaveProperty("vrf_ref")
    expect(Number(find(unit, "pool", POOL)?.checksum)).toBe(
      add(Number(find(plain, "pool", POOL)?.checksum), H(T1))
    )
    expect(Number(find(unit, "vsvip", "c1--red-web")?.checksum)).toBe(
      add(H(`["vip-net:10.10.0.0/24"]`), H(T1), H("clusternamec1"))
    )
  })

  it("an AviInfraSetting's t1lr overrides the global one", () => {
    const own = infra("own", { nsxSettings: { t1lr: "/infra/tier-1s/own" } })
    const unit = unitOf(nsxt, { [ANNOTATION]: "own" }, [own])
    expect(bodyOf(find(unit, "pool", POOL))["tier1_lr"]).toBe("/infra/tier-1s/own")
    expect(bodyOf(find(unit, "vsvip", "c1--red-web"))["tier1_lr"]).toBe("/infra/tier-1s/own")
  })

  it("vpcMode: the vip names <project>_AVISEPARATOR_<vpc>_AVISEPARATOR_PUBLIC instead of an IPAM network", () => {
    const unit = unitOf(settings({ ...nsxt, vpcMode: true }))
    const vsVip = find(unit, "vsvip", "c1--red-web")
    expect(bodyOf(vsVip)["vip"]).toEqual([
      { vip_id: "0", auto_allocate_ip: true, subnet_uuid: "proj-1_AVISEPARATOR_vpc-7_AVISEPARATOR_PUBLIC" }
    ])
    // Same checksum as without VPC mode: the VIP networks still count.
    expect(vsVip?.checksum).toBe(find(unitOf(nsxt), "vsvip", "c1--red-web")?.checksum)
    // Only on NSX-T clouds.
    const vcenter = bodyOf(find(unitOf(settings({ vpcMode: true })), "vsvip", "c1--red-web"))
    expect((vcenter["vip"] as ReadonlyArray<Record<string, unknown>>)[0]).toHaveProperty("ipam_network_subnet")
  })
})

describe("CIDRs as net.ParseCIDR reads them", () => {
  it.each([
    ["10.1.2.3/24", { addr: "10.1.2.0", type: "V4", mask: 24 }],
    ["10.1.2.3/0", { addr: "0.0.0.0", type: "V4", mask: 0 }],
    ["192.168.7.255/23", { addr: "192.168.6.0", type: "V4", mask: 23 }],
    ["fd00:10:0:0:0:0:0:1/64", { addr: "fd00:10::", type: "V6", mask: 64 }],
    ["FD00:0:0:1::5/48", { addr: "fd00::", type: "V6", mask: 48 }],
    ["2001:db8:0:0:1:0:0:1/128", { addr: "2001:db8::1:0:0:1", type: "V6", mask: 128 }]
  ])("%s", (cidr, expected) => {
    expect(cidrPrefix(cidr)).toEqual(expected)
  })

  it.each(["10.1.2.3", "10.1.2.3/33", "10.01.2.3/24", "fd00::1::2/64", "fd00::1/129", "node-net/24"])(
    "refuses %s",
    (cidr) => {
      expect(cidrPrefix(cidr)).toBeUndefined()
    }
  )
})
