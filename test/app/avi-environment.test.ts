/**
 * The start-up reads of the controller (cloud, DNS sub-domains, license tier) and AKO's refusals that depend on the
 * cloud: a v6cidr outside vCenter, NSX-T and no-access clouds, several VIP networks outside AWS, node networks that
 * are missing or unknown to the controller, and a tier-1 router where AKO requires or refuses one.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { readAviEnvironment } from "../../src/app/avi-environment.js"
import type { EnvironmentChecks } from "../../src/app/avi-environment.js"
import { vrfContextOf } from "../../src/app/controller.js"
import { AviClient } from "../../src/avi/index.js"
import type { AviSim, AviSimOptions } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"

/** A simulator seeded with this cloud and these networks, and a client for it. */
const withSim = <A, E>(
  options: AviSimOptions,
  body: Effect.Effect<A, E, AviClient>,
  prepare: (sim: AviSim) => void = () => undefined
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim: AviSim = yield* makeAviSim(options)
      prepare(sim)
      return yield* Effect.provide(
        body,
        AviClient.layer({
          controller: `127.0.0.1:${sim.port}`,
          username: AVI_SIM_DEFAULT_USER,
          password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
          caData: sim.caPem,
          clientIdentity: "ako-ts/test environment-0",
          retryBase: "20 millis",
          requestTimeout: "10 seconds"
        })
      )
    })
  )

/** The default simulator with its cloud turned into `vtype` (and `cloudFields` added), and a client for it. */
const withCloudType = <A, E>(
  vtype: string,
  body: Effect.Effect<A, E, AviClient>,
  cloudFields: (sim: AviSim) => Record<string, unknown> = () => ({})
) =>
  withSim({}, body, (sim) => {
    const cloud = sim.findByName("cloud", "Default-Cloud") as Record<string, unknown>
    sim.update("cloud", String(cloud["uuid"]), { ...cloud, vtype, ...cloudFields(sim) })
  })

describe("readAviEnvironment", () => {
  it.effect("reads the cloud's type and the license tier", () =>
    withCloudType(
      "CLOUD_NONE",
      Effect.gen(function*() {
        const environment = yield* readAviEnvironment("Default-Cloud", [{ networkName: "vip-network" }])
        expect(environment.cloudType).toBe("CLOUD_NONE")
        expect(environment.enterpriseLicense).toBe(true)
      })
    ))

  it.effect("reads the type of the cloud's IPAM profile (Infoblox: AKO keeps an existing VsVip's vip list)", () =>
    Effect.gen(function*() {
      const internal = yield* withCloudType("CLOUD_VCENTER", readAviEnvironment("Default-Cloud", []))
      expect(internal.ipamType).toBe("IPAMDNS_TYPE_INTERNAL")
      const infoblox = yield* withCloudType(
        "CLOUD_VCENTER",
        readAviEnvironment("Default-Cloud", []),
        (sim) => {
          const profile = sim.insert("ipamdnsproviderprofile", { name: "Infoblox-IPAM", type: "IPAMDNS_TYPE_INFOBLOX" })
          return { ipam_provider_ref: `/api/ipamdnsproviderprofile/${String(profile["uuid"])}` }
        }
      )
      expect(infoblox.ipamType).toBe("IPAMDNS_TYPE_INFOBLOX")
    }))

  it.effect("refuses an IPv6 VIP network on a cloud where AKO programs no IPv6, naming the network", () =>
    withCloudType(
      "CLOUD_AZURE",
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          readAviEnvironment("Default-Cloud", [{ networkName: "vip-network", v6cidr: "fd00::/64" }])
        )
        expect(error._tag).toBe("V6CidrNotSupported")
        expect(error.message).toContain("vip-network")
        expect(error.message).toContain("CLOUD_AZURE")
      })
    ))

  it.effect("accepts an IPv6 VIP network on vCenter, and several VIP networks on AWS only", () =>
    Effect.gen(function*() {
      const v6 = yield* withCloudType(
        "CLOUD_VCENTER",
        readAviEnvironment("Default-Cloud", [{ networkName: "vip-network", v6cidr: "fd00::/64" }])
      )
      expect(v6.cloudType).toBe("CLOUD_VCENTER")
      const two = [{ networkName: "subnet-a" }, { networkName: "subnet-b" }]
      const aws = yield* withCloudType("CLOUD_AWS", readAviEnvironment("Default-Cloud", two))
      expect(aws.cloudType).toBe("CLOUD_AWS")
      const refused = yield* Effect.flip(withCloudType("CLOUD_AZURE", readAviEnvironment("Default-Cloud", two)))
      expect(refused._tag).toBe("SeveralVipNetworksNotSupported")
      expect(refused.message).toContain("only AWS clouds take more than one VIP network")
    }))
})

describe("the VRF objects are placed in (AKO lib.GetVrf)", () => {
  const clusterIp = { serviceType: "ClusterIP" as const, vrfName: undefined }

  it.effect("reads the VIP network's VRF from the controller", () =>
    withCloudType(
      "CLOUD_NONE",
      Effect.gen(function*() {
        const environment = yield* readAviEnvironment("Default-Cloud", [{ networkName: "vip-network" }])
        expect(environment.vipNetworkVrf).toBe("global")
        const missing = yield* readAviEnvironment("Default-Cloud", [{ networkName: "no-such-network" }])
        expect(missing.vipNetworkVrf).toBeUndefined()
      })
    ))

  it("takes vrfName in ClusterIP mode on vCenter and no-access clouds, else the VIP network's VRF", () => {
    const vrfNamed = { ...clusterIp, vrfName: "blue" }
    expect(vrfContextOf(vrfNamed, { cloudType: "CLOUD_VCENTER", vipNetworkVrf: "red" })).toBe("blue")
    expect(vrfContextOf(vrfNamed, { cloudType: "CLOUD_NONE", vipNetworkVrf: "red" })).toBe("blue")
    expect(vrfContextOf(vrfNamed, { cloudType: "CLOUD_NSXT", vipNetworkVrf: "red" })).toBe("red")
    expect(vrfContextOf(clusterIp, { cloudType: "CLOUD_VCENTER", vipNetworkVrf: "red" })).toBe("red")
    expect(vrfContextOf(clusterIp, { cloudType: "CLOUD_VCENTER", vipNetworkVrf: undefined })).toBe("global")
  })

  it("uses global on public clouds, and vrfName or global in NodePort mode", () => {
    expect(vrfContextOf({ ...clusterIp, vrfName: "blue" }, { cloudType: "CLOUD_AWS", vipNetworkVrf: "red" }))
      .toBe("global")
    expect(
      vrfContextOf({ serviceType: "NodePort", vrfName: "blue" }, { cloudType: "CLOUD_NSXT", vipNetworkVrf: "red" })
    )
      .toBe("blue")
    expect(
      vrfContextOf({ serviceType: "NodePort", vrfName: undefined }, { cloudType: "CLOUD_NONE", vipNetworkVrf: "red" })
    )
      .toBe("global")
  })
})

const checks = (overrides: Partial<EnvironmentChecks> = {}): EnvironmentChecks => ({
  serviceType: "ClusterIP",
  nodeNetworkList: [],
  nsxtT1LR: undefined,
  vrfName: undefined,
  serviceEngineGroupName: "Default-Group",
  ...overrides
})

const VIP = [{ networkName: "vip-network" }]
const NETWORKS = [
  { name: "node-net", uuid: "network-node", cidr: "10.1.0.0/16" },
  { name: "node-net-b", uuid: "network-node-b", cidr: "10.2.0.0/16", vrf: "management" }
]

describe("node networks at start (AKO checkNodeNetwork)", () => {
  const vcenter = { cloud: { vtype: "CLOUD_VCENTER" }, networks: NETWORKS }

  it.effect("on vCenter, a name gets its network's UUID under the name; a UUID is kept as given", () =>
    withSim(
      vcenter,
      Effect.gen(function*() {
        const environment = yield* readAviEnvironment(
          "Default-Cloud",
          VIP,
          checks({
            nodeNetworkList: [
              { networkName: "node-net", cidrs: ["10.1.0.0/16"] },
              { networkUUID: "network-node-b", cidrs: ["10.2.0.0/16"] }
            ]
          })
        )
        expect(environment.nodeNetworks).toEqual([
          { key: "node-net", cidrs: ["10.1.0.0/16"], networkUuid: "network-node" },
          { key: "network-node-b", cidrs: ["10.2.0.0/16"], networkUuid: "network-node-b" }
        ])
      })
    ))

  it.effect("refuses a network the controller does not have (in vrfName's VRF on vCenter), naming it", () =>
    withSim(
      vcenter,
      Effect.gen(function*() {
        const missing = yield* Effect.flip(readAviEnvironment(
          "Default-Cloud",
          VIP,
          checks({
            nodeNetworkList: [{ networkName: "no-such-net", cidrs: ["10.1.0.0/16"] }]
          })
        ))
        expect(missing._tag).toBe("NodeNetworkUnusable")
        expect(missing.message).toBe(
          "nodeNetworkList: node network \"no-such-net\" does not exist in the cloud Default-Cloud"
        )
        const otherVrf = yield* Effect.flip(readAviEnvironment(
          "Default-Cloud",
          VIP,
          checks({
            vrfName: "global",
            nodeNetworkList: [{ networkName: "node-net-b", cidrs: ["10.2.0.0/16"] }]
          })
        ))
        expect(otherVrf.message).toContain("node-net-b\" does not exist in the cloud Default-Cloud and VRF global")
        const byUuid = yield* Effect.flip(readAviEnvironment(
          "Default-Cloud",
          VIP,
          checks({
            nodeNetworkList: [{ networkUUID: "network-gone", cidrs: ["10.1.0.0/16"] }]
          })
        ))
        expect(byUuid.message).toBe("nodeNetworkList: node network \"network-gone\" does not exist")
      })
    ))

  it.effect("refuses an empty list in ClusterIP mode on vCenter; NodePort mode and other clouds keep none", () =>
    Effect.gen(function*() {
      const empty = yield* Effect.flip(withSim(vcenter, readAviEnvironment("Default-Cloud", VIP, checks())))
      expect(empty._tag).toBe("NodeNetworkListRequired")
      expect(empty.message).toContain("nodeNetworkList is empty")
      const list = [{ networkName: "node-net", cidrs: ["10.1.0.0/16"] }]
      const nodePort = yield* withSim(
        vcenter,
        readAviEnvironment("Default-Cloud", VIP, checks({ serviceType: "NodePort", nodeNetworkList: list }))
      )
      expect(nodePort.nodeNetworks).toBeUndefined()
      const noAccess = yield* withSim(
        { networks: NETWORKS },
        readAviEnvironment("Default-Cloud", VIP, checks({ nodeNetworkList: list }))
      )
      expect(noAccess.nodeNetworks).toBeUndefined()
    }))

  it.effect("on NSX-T VLAN, checks the names but keeps them as written (no UUID)", () =>
    withSim(
      { cloud: { vtype: "CLOUD_NSXT", nsxtTransportZone: "VLAN" }, networks: NETWORKS },
      Effect.gen(function*() {
        const environment = yield* readAviEnvironment(
          "Default-Cloud",
          VIP,
          checks({
            nodeNetworkList: [{ networkName: "node-net", cidrs: ["10.1.0.0/16"] }]
          })
        )
        expect(environment.nsxtTransportZone).toBe("VLAN")
        expect(environment.nodeNetworks).toEqual([{ key: "node-net", cidrs: ["10.1.0.0/16"], networkUuid: "" }])
      })
    ))
})

describe("nsxtT1LR at start (AKO checkAndSetCloudType)", () => {
  const T1 = "/infra/tier-1s/avi-t1"

  it.effect("requires it on an NSX-T overlay cloud and takes it there", () =>
    Effect.gen(function*() {
      const overlay = { cloud: { vtype: "CLOUD_NSXT", nsxtTransportZone: "OVERLAY" as const } }
      const missing = yield* Effect.flip(withSim(overlay, readAviEnvironment("Default-Cloud", VIP, checks())))
      expect(missing._tag).toBe("T1lrRequired")
      expect(missing.message).toContain("nsxtT1LR is not set")
      const environment = yield* withSim(overlay, readAviEnvironment("Default-Cloud", VIP, checks({ nsxtT1LR: T1 })))
      expect(environment.nsxtTransportZone).toBe("OVERLAY")
    }))

  it.effect("refuses it on NSX-T VLAN and on other clouds", () =>
    Effect.gen(function*() {
      const vlan = yield* Effect.flip(withSim(
        { cloud: { vtype: "CLOUD_NSXT", nsxtTransportZone: "VLAN" }, networks: NETWORKS },
        readAviEnvironment("Default-Cloud", VIP, checks({ nsxtT1LR: T1 }))
      ))
      expect(vlan._tag).toBe("T1lrNotAllowed")
      expect(vlan.message).toContain("NSX-T cloud with a VLAN transport zone")
      const none = yield* Effect.flip(withSim({}, readAviEnvironment("Default-Cloud", VIP, checks({ nsxtT1LR: T1 }))))
      expect(none._tag).toBe("T1lrNotAllowed")
      expect(none.message).toContain("of type CLOUD_NONE, not NSX-T")
    }))
})

describe("the VRF of an NSX-T overlay cloud (AKO fetchAndSetVrf)", () => {
  it.effect("is the VRF whose tier1path attribute is nsxtT1LR, else the VIP network's", () =>
    Effect.gen(function*() {
      const T1 = "/infra/tier-1s/avi-t1"
      const overlay = { cloud: { vtype: "CLOUD_NSXT", nsxtTransportZone: "OVERLAY" as const } }
      const attributed = yield* withSim(
        overlay,
        readAviEnvironment("Default-Cloud", VIP, checks({ nsxtT1LR: T1 })),
        (sim) => {
          sim.insert("vrfcontext", {
            name: "t1-vrf",
            cloud_ref: "/api/cloud/?name=Default-Cloud",
            attrs: [{ key: "tier1path", value: T1 }]
          })
        }
      )
      expect(attributed.t1lrVrf).toBe("t1-vrf")
      expect(vrfContextOf({ serviceType: "ClusterIP", vrfName: undefined }, attributed)).toBe("t1-vrf")
      const plain = yield* withSim(overlay, readAviEnvironment("Default-Cloud", VIP, checks({ nsxtT1LR: T1 })))
      expect(plain.t1lrVrf).toBeUndefined()
      expect(vrfContextOf({ serviceType: "ClusterIP", vrfName: undefined }, plain)).toBe("global")
    }))
})
