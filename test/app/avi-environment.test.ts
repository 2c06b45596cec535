/**
 * The start-up reads of the controller (cloud, DNS sub-domains, license tier) and AKO's refusals that depend on the
 * cloud: a v6cidr outside vCenter, NSX-T and no-access clouds, and several VIP networks outside AWS.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { readAviEnvironment } from "../../src/app/avi-environment.js"
import { vrfContextOf } from "../../src/app/controller.js"
import { AviClient } from "../../src/avi/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"

const withCloudType = <A, E>(vtype: string, body: Effect.Effect<A, E, AviClient>) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim: AviSim = yield* makeAviSim({})
      const cloud = sim.findByName("cloud", "Default-Cloud") as Record<string, unknown>
      sim.update("cloud", String(cloud["uuid"]), { ...cloud, vtype })
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
