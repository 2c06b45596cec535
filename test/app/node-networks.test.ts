/**
 * AviInfraSettings' node networks as AKO applies them after accepting a setting (`SetAviInfrasettingNodeNetworks`):
 * on vCenter names resolved to their networks' UUIDs, a network the controller does not have leaves the global node
 * networks in place, and a resolution is kept while the setting is the same object.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { withResolvedNodeNetworks } from "../../src/app/node-networks.js"
import { AviClient } from "../../src/avi/index.js"
import type { AviInfraSetting, RulesInEffect } from "../../src/model/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"

const setting = (name: string, networkName: string): AviInfraSetting => ({
  metadata: { name },
  spec: { network: { nodeNetworks: [{ networkName, cidrs: ["10.1.0.0/24"] }] } },
  status: { status: "Accepted" }
})

const racks = setting("racks", "node-net")
const broken = setting("broken", "no-such-net")
const plain: AviInfraSetting = { metadata: { name: "plain" }, spec: { seGroup: { name: "Default-Group" } } }

const rules: RulesInEffect = {
  hostRules: new Map(),
  httpRules: new Map(),
  l4Rules: new Map(),
  aviInfraSettings: new Map([["racks", racks], ["broken", broken], ["plain", plain]])
}

const withCloud = <A, E>(
  cloudType: string,
  body: (source: { readonly effective: Effect.Effect<RulesInEffect> }) => Effect.Effect<A, E>
) =>
  Effect.scoped(
    Effect.gen(function*() {
      const sim = yield* makeAviSim({
        cloud: { vtype: cloudType },
        networks: [{ name: "node-net", uuid: "network-node", cidr: "10.1.0.0/16" }]
      })
      const cloud = sim.findByName("cloud", "Default-Cloud") as Record<string, unknown>
      const source = yield* withResolvedNodeNetworks(
        { effective: Effect.succeed(rules), subscribe: Effect.succeed(Stream.never) },
        { cloudName: "Default-Cloud", cloudUuid: String(cloud["uuid"]), cloudType }
      ).pipe(Effect.provide(AviClient.layer({
        controller: `127.0.0.1:${sim.port}`,
        username: AVI_SIM_DEFAULT_USER,
        password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
        caData: sim.caPem,
        clientIdentity: "ako-ts/test node-networks-0",
        retryBase: "20 millis",
        requestTimeout: "10 seconds"
      })))
      return yield* body(source)
    })
  )

describe("AviInfraSetting node networks on the controller", () => {
  it.effect("vCenter: a name gets its UUID; a missing network keeps the global ones; the same object each time", () =>
    withCloud("CLOUD_VCENTER", (source) =>
      Effect.gen(function*() {
        const first = yield* source.effective
        expect(first.aviInfraSettings.get("racks")?.resolvedNodeNetworks).toEqual([
          { key: "node-net", cidrs: ["10.1.0.0/24"], networkUuid: "network-node" }
        ])
        expect(first.aviInfraSettings.get("broken")?.resolvedNodeNetworks).toBeNull()
        expect(first.aviInfraSettings.get("plain")).toBe(plain)
        const second = yield* source.effective
        expect(second.aviInfraSettings).toBe(first.aviInfraSettings)
      })))

  it.effect("no-access clouds: names are checked, not resolved; other clouds take them as written", () =>
    Effect.gen(function*() {
      const none = yield* withCloud("CLOUD_NONE", (source) => source.effective)
      expect(none.aviInfraSettings.get("racks")?.resolvedNodeNetworks).toEqual([
        { key: "node-net", cidrs: ["10.1.0.0/24"], networkUuid: "" }
      ])
      expect(none.aviInfraSettings.get("broken")?.resolvedNodeNetworks).toBeNull()
      const nsxt = yield* withCloud("CLOUD_NSXT", (source) => source.effective)
      expect(nsxt.aviInfraSettings).toBe(rules.aviInfraSettings)
    }))
})
