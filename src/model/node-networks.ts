/**
 * Node networks and NSX-T placement (reference/ako-objects.md §11.6, §11.8): the networks and CIDRs of the nodes a
 * pool's servers live on (`nodeNetworkList`, an AviInfraSetting's `network.nodeNetworks`), the VsVip placement of an
 * NSX-T VLAN cloud, and the VPC form of an NSX-T VsVip.
 *
 * AKO keys its map (`lib.NodeNetworkMap`) by networkUUID when one is given, else by name; on vCenter it resolves a
 * name to the network's UUID at start (or when a setting is accepted) and keeps the name as key. That resolution is
 * a controller read and happens in the app; the model receives its result.
 */
import { ref } from "./avi-fields.js"
import type { NodeNetworkPlacement } from "./checksum.js"
import type { ModelSettings } from "./settings.js"

export const CLOUD_VCENTER = "CLOUD_VCENTER"
export const CLOUD_NSXT = "CLOUD_NSXT"
export const VLAN_TRANSPORT_ZONE = "VLAN"

const byteOrder = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

type CloudOf = Pick<ModelSettings, "cloudType" | "nsxtTransportZone">

/** AKO reads a cloud without `vtype` as vCenter (`lib.GetCloudType`). */
const cloudTypeOf = (settings: CloudOf): string => settings.cloudType ?? CLOUD_VCENTER

/** `lib.IsNodeNetworkAllowedCloud`: vCenter, and NSX-T with a VLAN transport zone. */
export const nodeNetworksAllowed = (settings: CloudOf): boolean => {
  const cloudType = cloudTypeOf(settings)
  return cloudType === CLOUD_VCENTER || (cloudType === CLOUD_NSXT && settings.nsxtTransportZone === VLAN_TRANSPORT_ZONE)
}

/** NSX-T with a VLAN transport zone: the VsVip's vip also names its network as placement network. */
export const isNsxtVlan = (settings: CloudOf): boolean =>
  cloudTypeOf(settings) === CLOUD_NSXT && settings.nsxtTransportZone === VLAN_TRANSPORT_ZONE

export interface NodeNetworkInput {
  readonly networkName?: string | undefined
  readonly networkUUID?: string | undefined
  readonly cidrs?: ReadonlyArray<string> | undefined
}

/**
 * The map AKO builds from a list as written (`GetNodeNetworkMapEnv`, `SetAviInfrasettingNodeNetworks`): keyed by UUID,
 * else by name; an entry with neither is dropped and a later entry with the same key replaces an earlier one.
 */
export const nodeNetworkPlacements = (
  networks: ReadonlyArray<NodeNetworkInput>
): ReadonlyArray<NodeNetworkPlacement> => {
  const byKey = new Map<string, NodeNetworkPlacement>()
  for (const network of networks) {
    const uuid = network.networkUUID ?? ""
    const key = uuid !== "" ? uuid : network.networkName ?? ""
    if (key !== "") byKey.set(key, { key, cidrs: network.cidrs, networkUuid: uuid })
  }
  return [...byKey.values()]
}

// ---- CIDRs as Go's net.ParseCIDR reads them ------------------------------------------------------------------------

export interface CidrPrefix {
  /** The network address (`ipnet.IP.String()`: the address with the host bits cleared). */
  readonly addr: string
  readonly type: "V4" | "V6"
  readonly mask: number
}

const parseV4 = (text: string): ReadonlyArray<number> | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const octets = parts.map((part) => /^(0|[1-9]\d{0,2})$/.test(part) ? Number(part) : Number.NaN)
  return octets.every((octet) => octet >= 0 && octet <= 255) ? octets : undefined
}

const parseV6 = (text: string): ReadonlyArray<number> | undefined => {
  if (!/^[0-9a-fA-F:]+$/.test(text)) return undefined
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const groups = (half: string | undefined) => half === undefined || half === "" ? [] : half.split(":")
  const head = groups(halves[0])
  const tail = groups(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail]
  if (!all.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined
  return all.map((group) => parseInt(group, 16))
}

/** Go's `IP.String()` for IPv6: lower-case groups, the first longest run of two or more zero groups as `::`. */
const formatV6 = (groups: ReadonlyArray<number>): string => {
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < groups.length && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart < 0) return hex.join(":")
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`
}

const maskBits = (values: ReadonlyArray<number>, width: number, mask: number): Array<number> =>
  values.map((value, index) => {
    const kept = Math.min(Math.max(mask - index * width, 0), width)
    return kept === 0 ? 0 : value & (((1 << width) - 1) ^ ((1 << (width - kept)) - 1))
  })

/** A CIDR's network address, family and mask; undefined where `net.ParseCIDR` fails. */
export const cidrPrefix = (cidr: string): CidrPrefix | undefined => {
  const slash = cidr.indexOf("/")
  if (slash < 0) return undefined
  const address = cidr.slice(0, slash)
  const maskText = cidr.slice(slash + 1)
  if (!/^\d{1,3}$/.test(maskText)) return undefined
  const mask = Number(maskText)
  const v4 = parseV4(address)
  if (v4 !== undefined) {
    return mask > 32 ? undefined : { addr: maskBits(v4, 8, mask).join("."), type: "V4", mask }
  }
  const v6 = parseV6(address)
  if (v6 === undefined || mask > 128) return undefined
  return { addr: formatV6(maskBits(v6, 16, mask)), type: "V6", mask }
}

const subnetOf = (prefix: CidrPrefix) => ({ ip_addr: { addr: prefix.addr, type: prefix.type }, mask: prefix.mask })

/**
 * A pool's `placement_networks` (AKO `AviPoolBuild`): on vCenter and NSX-T VLAN clouds, one per CIDR of every node
 * network, referring to the network by UUID when the map has one, else by name. A CIDR Go cannot parse ends that
 * network's list, as AKO's loop breaks there. AKO walks a Go map, whose order varies from run to run; ako-ts sends
 * the networks in key order (the checksum, which AKO compares, does not depend on it).
 */
export const poolPlacementFields = (
  settings: ModelSettings
): { readonly placement_networks?: ReadonlyArray<Record<string, unknown>> } => {
  const placements = settings.nodeNetworkPlacement ?? []
  if (placements.length === 0 || !nodeNetworksAllowed(settings)) return {}
  const networks: Array<Record<string, unknown>> = []
  for (const placement of [...placements].sort((a, b) => byteOrder(a.key, b.key))) {
    const networkRef = placement.networkUuid !== "" ?
      ref.networkByUuid(placement.networkUuid) :
      ref.networkByName(placement.key)
    for (const cidr of placement.cidrs ?? []) {
      const prefix = cidrPrefix(cidr)
      if (prefix === undefined) break
      networks.push({ network_ref: networkRef, subnet: subnetOf(prefix) })
    }
  }
  return networks.length === 0 ? {} : { placement_networks: networks }
}

/**
 * NSX-T VLAN: the vip's `placement_networks`, the VIP network with its IPv4 CIDR (AKO `setVipPlacementNetwork`,
 * called only when the network has a CIDR).
 */
export const vipPlacementFields = (
  settings: ModelSettings,
  networkRef: string,
  cidr: string | undefined
): { readonly placement_networks?: ReadonlyArray<Record<string, unknown>> } => {
  if (!isNsxtVlan(settings) || cidr === undefined) return {}
  const prefix = cidrPrefix(cidr)
  if (prefix === undefined) return {}
  return {
    placement_networks: [{
      network_ref: networkRef,
      subnet: { ip_addr: { type: "V4", addr: prefix.addr }, mask: prefix.mask }
    }]
  }
}

/** NSX-T VPC mode: the vip's subnet, from the tier-1 path `/orgs/<org>/projects/<project>/vpcs/<vpc>`. */
export const usesVpcVip = (settings: ModelSettings): boolean =>
  cloudTypeOf(settings) === CLOUD_NSXT && settings.vpcMode === true

export const vpcSubnetUuid = (t1lr: string | undefined): string => {
  const vpcParts = (t1lr ?? "").split("/vpcs/")
  const projectParts = (vpcParts[0] ?? "").split("/projects/")
  return `${projectParts[projectParts.length - 1] ?? ""}_AVISEPARATOR_${
    vpcParts[vpcParts.length - 1] ?? ""
  }_AVISEPARATOR_PUBLIC`
}
