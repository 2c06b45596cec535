/**
 * Node networks as AKO resolves them on the controller (reference/ako-objects.md §11.8; AKO `checkNodeNetwork`,
 * `FetchNodeNetworks`, `SetAviInfrasettingNodeNetworks`). AKO keys its map by networkUUID when given, else by name; on
 * vCenter it looks a name up (in the cloud, and in the VRF `vrfName` names) and records the network's UUID under the
 * name, which then enters every pool checksum and the pools' `placement_networks`. The model stays pure: this module
 * does the reads, at start for `nodeNetworkList` and whenever an AviInfraSetting with node networks is in effect.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import { AviClient } from "../avi/index.js"
import type { AviError, Network } from "../avi/index.js"
import type { AviInfraSetting, NodeNetworkInput, NodeNetworkPlacement, RulesInEffect } from "../model/index.js"
import { cidrPrefix, CLOUD_VCENTER, nodeNetworkPlacements } from "../model/index.js"
import type { RuleSource } from "./desired-graph.js"

/** AKO refuses to start in ClusterIP mode on vCenter and NSX-T VLAN clouds without node networks. */
export class NodeNetworkListRequired extends Data.TaggedError("NodeNetworkListRequired")<{
  readonly cloud: string
  readonly cloudType: string
}> {
  override get message(): string {
    return `nodeNetworkList is empty, but the Avi cloud ${JSON.stringify(this.cloud)} is of type ${this.cloudType}: ` +
      "in ClusterIP mode AKO (and ako-ts) need the nodes' networks there to place the pools " +
      "([{\"networkName\":\"<network>\",\"cidrs\":[\"<node CIDR>\"]}]), as AKO refuses to start without them"
  }
}

/** A node network that the controller does not have (or a CIDR Go cannot parse): AKO does not start either. */
export class NodeNetworkUnusable extends Data.TaggedError("NodeNetworkUnusable")<{
  /** Where the network is named: `nodeNetworkList` or `AviInfraSetting <name> spec.network.nodeNetworks`. */
  readonly field: string
  readonly network: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.field}: node network ${JSON.stringify(this.network)} ${this.reason}`
  }
}

export interface NodeNetworkContext {
  readonly cloudName: string
  readonly cloudUuid: string
  readonly cloudType: string
  /** `vrfName`: on vCenter, names are looked for in this VRF only. */
  readonly vrfName?: string | undefined
  /** The network whose hosts decide between several networks of one name (AKO `findHostWithMaxOverlapping`). */
  readonly managementNetwork?: string | undefined
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

/** The uuid at the end of a ref (`…/network/<uuid>#<name>`). */
export const refUuid = (ref: string | undefined): string | undefined => {
  if (ref === undefined || ref === "") return undefined
  const last = ref.slice(ref.lastIndexOf("/") + 1)
  const hash = last.indexOf("#")
  return hash < 0 ? last : last.slice(0, hash)
}

const hostRefs = (uuid: string | undefined) =>
  Effect.gen(function*() {
    if (uuid === undefined) return new Set<string>()
    const avi = yield* AviClient
    const runtime = yield* avi.request({ method: "GET", path: `/api/vimgrnwruntime/${encodeURIComponent(uuid)}` })
      .pipe(Effect.orElseSucceed(() => undefined))
    const refs = record(runtime)["host_refs"]
    return new Set(Array.isArray(refs) ? refs.filter((r): r is string => typeof r === "string") : [])
  })

/**
 * Of several networks with one name, the one sharing most hosts with the management network, preferring among those
 * that share any the first with configured subnets; none shares a host: the first (AKO `findHostWithMaxOverlapping`).
 */
const byHostOverlap = (networks: ReadonlyArray<Network>, managementNetwork: string | undefined) =>
  Effect.gen(function*() {
    const management = yield* hostRefs(managementNetwork)
    const overlapping: Array<{ readonly network: Network; readonly shared: number }> = []
    for (const network of networks) {
      const hosts = yield* hostRefs(network.uuid)
      const shared = [...hosts].filter((host) => management.has(host)).length
      if (shared > 0) overlapping.push({ network, shared })
    }
    const ranked = overlapping.sort((a, b) => b.shared - a.shared).map((entry) => entry.network)
    return ranked.find((network) => network.configured_subnets !== undefined) ?? ranked[0] ?? networks[0]!
  })

/**
 * AKO's `FetchNodeNetworks` for one list: every CIDR must parse, every network exist (by UUID in the cloud, else by
 * name in the cloud); on vCenter a name gets the UUID of its network.
 */
export const resolveNodeNetworks = (
  networks: ReadonlyArray<NodeNetworkInput>,
  context: NodeNetworkContext,
  field: string
): Effect.Effect<ReadonlyArray<NodeNetworkPlacement>, NodeNetworkUnusable | AviError, AviClient> =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const vcenter = context.cloudType === CLOUD_VCENTER
    const resolved: Array<NodeNetworkPlacement> = []
    for (const placement of nodeNetworkPlacements(networks)) {
      const badCidr = (placement.cidrs ?? []).find((cidr) => cidrPrefix(cidr) === undefined)
      if (badCidr !== undefined) {
        return yield* new NodeNetworkUnusable({
          field,
          network: placement.key,
          reason: `has a CIDR that cannot be parsed: ${JSON.stringify(badCidr)}`
        })
      }
      if (placement.networkUuid !== "") {
        const found = yield* avi.request({
          method: "GET",
          path: `/api/network/${encodeURIComponent(placement.networkUuid)}`,
          query: { cloud_uuid: context.cloudUuid, include_name: true }
        }).pipe(Effect.catchTag("AviNotFound", () => Effect.succeed(undefined)))
        if (found === undefined || found === null) {
          return yield* new NodeNetworkUnusable({ field, network: placement.key, reason: "does not exist" })
        }
        resolved.push(placement)
        continue
      }
      const inVrf = vcenter && context.vrfName !== undefined
      const found = yield* avi.listAll("network", {
        name: placement.key,
        "cloud_ref.name": context.cloudName,
        ...(inVrf ? { "vrf_context_ref.name": context.vrfName } : {})
      })
      if (found.length === 0) {
        return yield* new NodeNetworkUnusable({
          field,
          network: placement.key,
          reason: `does not exist in the cloud ${context.cloudName}` + (inVrf ? ` and VRF ${context.vrfName}` : "")
        })
      }
      if (!vcenter) {
        resolved.push(placement)
        continue
      }
      const chosen = found.length === 1 ? found[0]! : yield* byHostOverlap(found, context.managementNetwork)
      resolved.push({ ...placement, networkUuid: chosen.uuid })
    }
    return resolved
  })

/** What an AviInfraSetting's node networks are to AKO once it accepted the setting. */
const settingNodeNetworks = (
  name: string,
  setting: AviInfraSetting,
  context: NodeNetworkContext
): Effect.Effect<ReadonlyArray<NodeNetworkPlacement> | null, AviError, AviClient> =>
  resolveNodeNetworks(
    setting.spec?.network?.nodeNetworks ?? [],
    context,
    `AviInfraSetting ${name} spec.network.nodeNetworks`
  ).pipe(
    Effect.catchTag("NodeNetworkUnusable", (error) =>
      // AKO logs "Infrasetting … is not applied" and its pools keep the global node networks.
      Effect.logWarning(`${error.message}; as in AKO, its objects keep the global node networks`).pipe(
        Effect.as(null)
      ))
  )

/** Where AKO checks (and on vCenter resolves) a setting's node networks before it applies them. */
const RESOLVING_CLOUDS: ReadonlySet<string> = new Set([CLOUD_VCENTER, "CLOUD_NONE"])

/**
 * The rules in effect with every AviInfraSetting's node networks as AKO applies them: on vCenter and no-access clouds
 * checked (and on vCenter resolved) first; elsewhere AKO keeps them as written. A resolution is kept while the setting object is the same; one the controller could not
 * answer is tried again on the next read, and its setting's units are translated again a little later.
 */
export const withResolvedNodeNetworks = (source: RuleSource, context: NodeNetworkContext) =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const retries = yield* PubSub.unbounded<string>()
    const memo = new WeakMap<AviInfraSetting, AviInfraSetting>()

    const resolveOne = (name: string, setting: AviInfraSetting) =>
      Effect.gen(function*() {
        const known = memo.get(setting)
        if (known !== undefined) return known
        const outcome = yield* settingNodeNetworks(name, setting, context).pipe(
          Effect.provideService(AviClient, avi),
          Effect.option
        )
        if (Option.isNone(outcome)) {
          yield* Effect.logWarning(
            `cannot read AviInfraSetting ${name}'s node networks from the controller yet; retrying`
          )
          yield* PubSub.publish(retries, `AviInfraSetting/${name}`).pipe(
            Effect.delay("5 seconds"),
            Effect.forkDaemon
          )
          return { ...setting, resolvedNodeNetworks: null }
        }
        const resolved: AviInfraSetting = { ...setting, resolvedNodeNetworks: outcome.value }
        memo.set(setting, resolved)
        return resolved
      })

    // The last complete resolution: the same settings map in gives the same map out (the translation keys on it).
    let last:
      | { readonly input: RulesInEffect["aviInfraSettings"]; readonly output: Map<string, AviInfraSetting> }
      | undefined
    const effective: Effect.Effect<RulesInEffect> = Effect.gen(function*() {
      const rules = yield* source.effective
      if (!RESOLVING_CLOUDS.has(context.cloudType)) return rules
      if (last?.input === rules.aviInfraSettings) return { ...rules, aviInfraSettings: last.output }
      let complete = true
      let changed = false
      const settings = new Map<string, AviInfraSetting>()
      for (const [name, setting] of rules.aviInfraSettings) {
        const nodeNetworks = setting.spec?.network?.nodeNetworks ?? []
        const next = nodeNetworks.length === 0 ? setting : yield* resolveOne(name, setting)
        complete = complete && (next === setting || memo.get(setting) === next)
        changed = changed || next !== setting
        settings.set(name, next)
      }
      // Without node networks in any setting the rules pass through untouched.
      if (!changed) return rules
      if (complete) last = { input: rules.aviInfraSettings, output: settings }
      return { ...rules, aviInfraSettings: settings }
    })

    return {
      effective,
      subscribe: Effect.map(
        Effect.zip(source.subscribe, PubSub.subscribe(retries)),
        ([changes, retried]) => Stream.merge(changes, Stream.fromQueue(retried))
      )
    } satisfies RuleSource
  })
