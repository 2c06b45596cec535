/**
 * Bodies shared by L4 and L7 units: the VsVip, the envelope every owned object carries, and FQDN helpers.
 */
import { desiredObject, GLOBAL_VRF, markers, ref } from "./avi-fields.js"
import { sortedStrings, vsVipChecksum } from "./checksum.js"
import type { DesiredAviObject } from "./desired.js"
import { akoUser } from "./names.js"
import { usesVpcVip, vipPlacementFields, vpcSubnetUuid } from "./node-networks.js"
import type { ModelSettings } from "./settings.js"

/** `name`, `created_by`, `tenant_ref` and markers: the envelope of every object AKO owns but the VsVip. */
export const owned = (settings: ModelSettings, name: string, markerList: ReturnType<typeof markers>) => ({
  name,
  created_by: akoUser(settings.clusterName),
  tenant_ref: ref.tenant(settings.tenantName),
  markers: markerList
})

/** The VRF context objects are placed in: the one the controller's configuration resolved, else `global`. */
export const vrfOf = (settings: ModelSettings): string => settings.vrfContext ?? GLOBAL_VRF

/**
 * What every parent virtual service (L4, shared L7, dedicated) starts with: the envelope, the cloud, SE group,
 * VsVip of the same name and the VRF.
 */
export const parentVsFields = (settings: ModelSettings, vsName: string, markerList: ReturnType<typeof markers>) => ({
  ...owned(settings, vsName, markerList),
  cloud_ref: ref.cloud(settings.cloudName),
  se_group_ref: ref.seGroup(settings.serviceEngineGroupName),
  vsvip_ref: ref.vsVip(vsName),
  // On an NSX-T tier-1 router AKO sends no VRF.
  ...(settings.t1lr === undefined ? { vrf_context_ref: ref.vrf(vrfOf(settings)) } : {}),
  // AKO sends RHI only when it is on.
  ...(settings.enableRhi === true ? { enable_rhi: true } : {})
})

const ipv4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const ipv6 = /^[0-9a-fA-F:.]+$/

export const isIpAddress = (value: string): boolean => ipv4.test(value) || (value.includes(":") && ipv6.test(value))

/**
 * Clouds where AKO gives each VIP network its own vip, by subnet (`IsPublicCloud` without GCP): AWS (the only cloud
 * that takes several networks), Azure and OpenStack.
 */
const SUBNET_VIP_CLOUDS: ReadonlySet<string> = new Set(["CLOUD_AWS", "CLOUD_AZURE", "CLOUD_OPENSTACK"])

/** AKO asks for IPv6 too where a VIP network has a v6cidr: both families with a cidr, else IPv6 alone. */
const ipTypeOf = (network: { readonly cidr?: string | undefined; readonly v6cidr?: string | undefined }) =>
  network.v6cidr === undefined ? {} : { auto_allocate_ip_type: network.cidr === undefined ? "V6_ONLY" : "V4_V6" }

/**
 * The vips of a VsVip. On AWS, Azure and OpenStack: one per VIP network, with vip_id 1, 2, … named by subnet and
 * without a static address (AKO's `networkNamesToVips`). Elsewhere one vip from `vipNetworkList[0]`, with an optional
 * static address (reference/ako-objects.md §8).
 */
const vips = (settings: ModelSettings, staticIp: string | undefined): ReadonlyArray<Record<string, unknown>> =>
  settings.cloudType !== undefined && SUBNET_VIP_CLOUDS.has(settings.cloudType) ?
    settings.vipNetworkList.map((network, index) => ({
      vip_id: String(index + 1),
      auto_allocate_ip: true,
      ...(settings.enablePublicIp === undefined ? {} : { auto_allocate_floating_ip: settings.enablePublicIp }),
      subnet_uuid: network.networkName ?? "",
      ...ipTypeOf(network)
    })) :
    [vip(settings, staticIp)]

const vip = (settings: ModelSettings, staticIp: string | undefined) => {
  const network = settings.vipNetworkList[0]
  const address = staticIp === undefined ?
    {} :
    staticIp.includes(":") ?
    { ip6_address: { type: "V6", addr: staticIp } } :
    { ip_address: { type: "V4", addr: staticIp } }
  // NSX-T VPC mode: the VPC of the tier-1 path names the subnet; no IPAM network, no IP type (AKO `AviVsVipBuild`).
  if (usesVpcVip(settings)) {
    return {
      vip_id: "0",
      auto_allocate_ip: true,
      ...(settings.enablePublicIp === undefined ? {} : { auto_allocate_floating_ip: settings.enablePublicIp }),
      ...address,
      subnet_uuid: vpcSubnetUuid(settings.t1lr)
    }
  }
  const networkRef = network.networkUUID !== undefined ?
    ref.networkByUuid(network.networkUUID) :
    ref.networkByName(network.networkName ?? "")
  const prefix = (cidr: string | undefined, type: "V4" | "V6") => {
    if (cidr === undefined) return undefined
    const [addr = "", mask = "0"] = cidr.split("/")
    return { ip_addr: { addr, type }, mask: Number(mask) }
  }
  const subnet = prefix(network.cidr, "V4")
  const subnet6 = prefix(network.v6cidr, "V6")
  return {
    vip_id: "0",
    auto_allocate_ip: true,
    ...(settings.enablePublicIp === undefined ? {} : { auto_allocate_floating_ip: settings.enablePublicIp }),
    // AKO never sends V4_ONLY; the controller fills it.
    ...ipTypeOf(network),
    ...address,
    ipam_network_subnet: {
      network_ref: networkRef,
      ...(subnet === undefined ? {} : { subnet }),
      ...(subnet6 === undefined ? {} : { subnet6 })
    },
    ...vipPlacementFields(settings, networkRef, network.cidr)
  }
}

/**
 * VsVip: no created_by (AKO finds VsVips by name prefix), clustername marker only. `dns_info` is in byte order
 * without duplicates: AKO's checksum sorts the FQDN list in place before the body is built.
 */
export const vsVipObject = (
  settings: ModelSettings,
  name: string,
  fqdns: ReadonlyArray<string>,
  staticIp: string | undefined
): DesiredAviObject => {
  const sorted = unique(sortedStrings(fqdns))
  const bgpPeerLabels = settings.enableRhi === true ? settings.bgpPeerLabels ?? [] : []
  const object = desiredObject(
    "vsvip",
    name,
    settings.tenantName,
    {
      name,
      tenant_ref: ref.tenant(settings.tenantName),
      cloud_ref: ref.cloud(settings.cloudName),
      east_west_placement: false,
      ...(settings.t1lr === undefined ? { vrf_context_ref: ref.vrf(vrfOf(settings)) } : { tier1_lr: settings.t1lr }),
      markers: markers(settings.clusterName),
      ...(sorted.length > 0 ? { dns_info: sorted.map((fqdn) => ({ fqdn })) } : {}),
      ...(bgpPeerLabels.length > 0 ? { bgp_peer_labels: bgpPeerLabels } : {}),
      vip: vips(settings, staticIp)
    },
    [],
    // Every VIP network: only AWS may have more than one (checked at start), and AKO's checksum takes them all.
    vsVipChecksum(settings.clusterName, sorted, staticIp, settings.vipNetworkList, {
      bgpPeerLabels,
      t1lr: settings.t1lr,
      enablePublicIp: settings.enablePublicIp
    })
  )
  return IPAM_OWNING_VIPS.has(settings.ipamType ?? "") ? { ...object, keptOnUpdate: ["vip"] } : object
}

/** IPAM types whose VIPs AKO never rewrites on an existing VsVip (`noVipUpdatesAllowedForIPAMTypes`). */
const IPAM_OWNING_VIPS: ReadonlySet<string> = new Set(["IPAMDNS_TYPE_INFOBLOX", "IPAMDNS_TYPE_CUSTOM"])

/** The cloud's DNS sub-domains in AKO's order (`GetDefaultSubDomain` sorts them). */
export const sortedSubDomains = (settings: ModelSettings): ReadonlyArray<string> =>
  [...settings.dnsSubDomains].sort((a, b) => a < b ? -1 : a > b ? 1 : 0)

/**
 * The sub-domain AKO uses for generated FQDNs: `defaultDomain` when the cloud has it, else the first one
 * (AKO `lib.GetFqdns`), without a leading dot.
 */
export const preferredSubDomain = (settings: ModelSettings): string | undefined => {
  const domains = sortedSubDomains(settings)
  if (domains.length === 0) return undefined
  const chosen = settings.defaultDomain !== undefined && domains.includes(settings.defaultDomain) ?
    settings.defaultDomain :
    domains[0] ?? ""
  return chosen.startsWith(".") ? chosen.slice(1) : chosen
}

/** `<name>.<middle>.<domain>` (default) or `<name>-<middle>.<domain>` (flat); undefined when autoFQDN is off. */
export const autoFqdn = (settings: ModelSettings, name: string, middle: string): string | undefined => {
  const domain = preferredSubDomain(settings)
  if (domain === undefined || settings.autoFQDN === "disabled") return undefined
  return settings.autoFQDN === "flat" ? `${name}-${middle}.${domain}` : `${name}.${middle}.${domain}`
}

/** Dedupes, keeps first-seen order. */
export const unique = <A>(values: Iterable<A>): Array<A> => [...new Set(values)]
