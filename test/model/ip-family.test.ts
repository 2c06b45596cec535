/**
 * ipFamily (AKO `lib.GetIPFamily`, `PopulateServers*`): which endpoint and node addresses become pool servers. The
 * configured family counts on vCenter, NSX-T and no-access clouds, where unset means dual stack; every other cloud
 * runs V4. A Service takes the families in its `ipFamilies` (two: both; else the first; none: IPv4).
 */
import { describe, expect, it } from "vitest"
import type { EndpointSlice, Node, Service } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, find, lbService, settings, slice } from "./fixtures/builders.js"

const withFamilies = (service: Service, ipFamilies: ReadonlyArray<string>): Service => ({
  ...service,
  spec: { ...service.spec, ipFamilies }
})

const v6Slice = (base: EndpointSlice, name: string, ip: string): EndpointSlice => ({
  ...base,
  metadata: { ...base.metadata, name },
  addressType: "IPv6",
  endpoints: [{ addresses: [ip], conditions: { ready: true } }]
})

const web = lbService("red", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const v4Slice = slice("red", "web", "web-v4", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const sixSlice = v6Slice(v4Slice, "web-v6", "fd00:2::1")

const serversOf = (service: Service, overrides: Parameters<typeof settings>[0] = {}) => {
  const { desired } = translate(
    makeSnapshot({ services: [service], endpointSlices: [v4Slice, sixSlice] }),
    settings(overrides)
  )
  return bodyOf(find(desired.get("admin/c1--red-web"), "pool", "c1--red-web-TCP-80"))["servers"]
}

const V4_SERVER = { ip: { addr: "10.2.0.1", type: "V4" }, port: 8080, external_uuid: "10.2.0.1:8080", enabled: true }
const V6_SERVER = { ip: { addr: "fd00:2::1", type: "V6" }, port: 8080, external_uuid: "fd00:2::1:8080", enabled: true }

describe("pool servers by IP family", () => {
  it("takes both families of a dual-stack Service where dual stack is the default (no-access cloud, unset)", () => {
    expect(serversOf(withFamilies(web, ["IPv4", "IPv6"]), { cloudType: "CLOUD_NONE" })).toEqual([V4_SERVER, V6_SERVER])
  })

  it("takes IPv4 only from a Service without ipFamilies, and from any Service when ipFamily is V4", () => {
    expect(serversOf(web, { cloudType: "CLOUD_NONE" })).toEqual([V4_SERVER])
    expect(serversOf(withFamilies(web, ["IPv4", "IPv6"]), { cloudType: "CLOUD_VCENTER", ipFamily: "V4" }))
      .toEqual([V4_SERVER])
  })

  it("takes IPv6 only from an IPv6 Service, or from a dual-stack one when ipFamily is V6", () => {
    expect(serversOf(withFamilies(web, ["IPv6"]), { cloudType: "CLOUD_NSXT" })).toEqual([V6_SERVER])
    expect(serversOf(withFamilies(web, ["IPv4", "IPv6"]), { cloudType: "CLOUD_NONE", ipFamily: "V6" }))
      .toEqual([V6_SERVER])
  })

  it("runs V4 on other clouds whatever ipFamily says: an IPv6 Service gets no servers there", () => {
    expect(serversOf(withFamilies(web, ["IPv4", "IPv6"]), { cloudType: "CLOUD_AWS", ipFamily: "V6" }))
      .toEqual([V4_SERVER])
    expect(serversOf(withFamilies(web, ["IPv6"]), { cloudType: "CLOUD_AZURE" })).toEqual([])
  })

  it("changes the pool checksum when IPv6 servers join", () => {
    const { desired: dual } = translate(
      makeSnapshot({ services: [withFamilies(web, ["IPv4", "IPv6"])], endpointSlices: [v4Slice, sixSlice] }),
      settings({ cloudType: "CLOUD_NONE" })
    )
    const { desired: single } = translate(
      makeSnapshot({ services: [withFamilies(web, ["IPv4", "IPv6"])], endpointSlices: [v4Slice, sixSlice] }),
      settings({ cloudType: "CLOUD_NONE", ipFamily: "V4" })
    )
    expect(find(dual.get("admin/c1--red-web"), "pool", "c1--red-web-TCP-80")?.checksum).not.toBe(
      find(single.get("admin/c1--red-web"), "pool", "c1--red-web-TCP-80")?.checksum
    )
  })
})

describe("NodePort servers by IP family", () => {
  const dualNode: Node = {
    metadata: { name: "n1" },
    status: {
      addresses: [
        { type: "InternalIP", address: "fd00:9::1" },
        { type: "InternalIP", address: "192.168.9.1" },
        { type: "InternalIP", address: "192.168.9.2" }
      ]
    }
  }
  const nodePortWeb = lbService("red", "web", [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080 }])
  const nodeServers = (service: Service, ipFamily: "V4" | "V6" | "V4_V6" | undefined) => {
    const { desired } = translate(
      makeSnapshot({ services: [service], nodes: [dualNode] }),
      settings({ serviceType: "NodePort", cloudType: "CLOUD_VCENTER", ipFamily })
    )
    return bodyOf(find(desired.get("admin/c1--red-web"), "pool", "c1--red-web-TCP-80"))["servers"]
  }

  it("takes the node's first InternalIP of the family, preferring IPv4", () => {
    expect(nodeServers(withFamilies(nodePortWeb, ["IPv4", "IPv6"]), undefined)).toEqual([
      { ip: { addr: "192.168.9.1", type: "V4" }, port: 30080, enabled: true }
    ])
    expect(nodeServers(withFamilies(nodePortWeb, ["IPv6"]), "V4_V6")).toEqual([
      { ip: { addr: "fd00:9::1", type: "V6" }, port: 30080, enabled: true }
    ])
    expect(nodeServers(withFamilies(nodePortWeb, ["IPv6"]), "V4")).toEqual([])
  })
})

describe("VsVip with an IPv6 VIP network", () => {
  it("asks for both families with cidr and v6cidr, for IPv6 alone with v6cidr only, and takes a static IPv6", () => {
    const unitWith = (network: Record<string, string>, service: Service = web) =>
      translate(makeSnapshot({ services: [service] }), settings({ vipNetworkList: [network as never] })).desired
        .get("admin/c1--red-web")
    const dual = bodyOf(
      find(unitWith({ networkName: "vip-net", cidr: "10.10.0.0/24", v6cidr: "fd00:10::/64" }), "vsvip", "c1--red-web")
    )
    expect(dual["vip"]).toEqual([{
      vip_id: "0",
      auto_allocate_ip: true,
      auto_allocate_ip_type: "V4_V6",
      ipam_network_subnet: {
        network_ref: "/api/network/?name=vip-net",
        subnet: { ip_addr: { addr: "10.10.0.0", type: "V4" }, mask: 24 },
        subnet6: { ip_addr: { addr: "fd00:10::", type: "V6" }, mask: 64 }
      }
    }])
    const v6Only = bodyOf(find(unitWith({ networkName: "vip-net", v6cidr: "fd00:10::/64" }), "vsvip", "c1--red-web"))
    expect((v6Only["vip"] as Array<Record<string, unknown>>)[0]?.["auto_allocate_ip_type"]).toBe("V6_ONLY")
    const fixed = bodyOf(find(
      unitWith({ networkName: "vip-net", v6cidr: "fd00:10::/64" }, {
        ...web,
        spec: { ...web.spec, loadBalancerIP: "fd00:10::99" }
      }),
      "vsvip",
      "c1--red-web"
    ))
    expect((fixed["vip"] as Array<Record<string, unknown>>)[0]?.["ip6_address"]).toEqual({
      type: "V6",
      addr: "fd00:10::99"
    })
  })
})

describe("NodePort servers with a CNI's node addresses", () => {
  it("takes Calico's node address annotation before the InternalIP, as AKO's GetIPFromNode does", () => {
    const calicoNode: Node = {
      metadata: { name: "n1", annotations: { "projectcalico.org/IPv4Address": "172.16.0.5/24" } },
      status: { addresses: [{ type: "InternalIP", address: "192.168.9.1" }] }
    }
    const nodePortWeb = lbService("red", "web", [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080 }])
    const servers = (cniPlugin: string | undefined) =>
      bodyOf(
        find(
          translate(
            makeSnapshot({ services: [nodePortWeb], nodes: [calicoNode] }),
            settings({ serviceType: "NodePort", cniPlugin: cniPlugin as never })
          ).desired.get("admin/c1--red-web"),
          "pool",
          "c1--red-web-TCP-80"
        )
      )["servers"]
    expect(servers("calico")).toEqual([{ ip: { addr: "172.16.0.5", type: "V4" }, port: 30080, enabled: true }])
    expect(servers(undefined)).toEqual([{ ip: { addr: "192.168.9.1", type: "V4" }, port: 30080, enabled: true }])
  })
})
