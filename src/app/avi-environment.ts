/**
 * What the translation needs to know about the controller, read once at start as AKO's boot checks do
 * (reference/avi-api.md §5): the cloud exists, its DNS sub-domains (auto-FQDNs and allowed Ingress hosts), the
 * license tier (network profile of TCP Services) and the controller cluster uuid (an annotation on statuses).
 * Reads only, so every replica does it; it is retried until the controller answers.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { AviClient } from "../avi/index.js"
import type { NodeNetworkInput, NodeNetworkPlacement } from "../model/index.js"
import { CLOUD_NSXT, nodeNetworksAllowed, VLAN_TRANSPORT_ZONE } from "../model/index.js"
import { NodeNetworkListRequired, refUuid, resolveNodeNetworks } from "./node-networks.js"

export interface AviEnvironment {
  readonly dnsSubDomains: ReadonlyArray<string>
  readonly enterpriseLicense: boolean
  readonly controllerClusterUuid: string | undefined
  /** The cloud's uuid and `vtype` (`CLOUD_NONE`, `CLOUD_VCENTER`, `CLOUD_AWS`, …): AviInfraSetting network checks. */
  readonly cloudUuid: string
  readonly cloudType: string | undefined
  /** The VRF context of the first VIP network (AKO's VRF when no vrfName applies); undefined when not found. */
  readonly vipNetworkVrf: string | undefined
  /** NSX-T: the transport zone type of the cloud's data network (`VLAN`, `OVERLAY`). */
  readonly nsxtTransportZone?: string | undefined
  /** The type of the cloud's IPAM profile (`ipam_provider_ref`); undefined when the cloud has none. */
  readonly ipamType?: string | undefined
  /**
   * `nodeNetworkList` as AKO holds it after its start-up checks (names resolved to UUIDs on vCenter); undefined where
   * AKO keeps none (NodePort mode, clouds other than vCenter and NSX-T VLAN).
   */
  readonly nodeNetworks?: ReadonlyArray<NodeNetworkPlacement> | undefined
  /** vCenter: the management network of the SE group (else of the cloud), for telling same-named networks apart. */
  readonly managementNetwork?: string | undefined
  /** NSX-T overlay in ClusterIP mode: the VRF whose `tier1path` attribute is nsxtT1LR (AKO `fetchAndSetVrf`). */
  readonly t1lrVrf?: string | undefined
}

/** The settings AKO checks against the cloud at start besides the VIP networks. */
export interface EnvironmentChecks {
  readonly serviceType: "ClusterIP" | "NodePort"
  readonly nodeNetworkList: ReadonlyArray<NodeNetworkInput>
  readonly nsxtT1LR: string | undefined
  readonly vrfName: string | undefined
  readonly serviceEngineGroupName: string
  readonly cniPlugin?: string | undefined
}

/** AKO refuses an NSX-T overlay cloud without a tier-1 router (`checkAndSetCloudType`). */
export class T1lrRequired extends Data.TaggedError("T1lrRequired")<{ readonly cloud: string }> {
  override get message(): string {
    return `the Avi cloud ${JSON.stringify(this.cloud)} is an NSX-T cloud with an overlay transport zone, but ` +
      "nsxtT1LR is not set; AKO and ako-ts need the tier-1 router path there (e.g. /infra/tier-1s/<name>)"
  }
}

/** AKO refuses nsxtT1LR on any cloud but NSX-T, and on NSX-T VLAN transport zones. */
export class T1lrNotAllowed extends Data.TaggedError("T1lrNotAllowed")<{
  readonly cloud: string
  readonly cloudType: string
  readonly transportZone: string | undefined
}> {
  override get message(): string {
    const where = this.cloudType === CLOUD_NSXT ?
      `an NSX-T cloud with a ${this.transportZone ?? "VLAN"} transport zone` :
      `of type ${this.cloudType}, not NSX-T`
    return `nsxtT1LR is set, but the Avi cloud ${JSON.stringify(this.cloud)} is ${where}; as in AKO, remove nsxtT1LR`
  }
}

export class CloudNotFound extends Data.TaggedError("CloudNotFound")<{ readonly cloud: string }> {
  override get message(): string {
    return `the Avi cloud ${JSON.stringify(this.cloud)} (cloudName) does not exist on the controller`
  }
}

/**
 * AKO refuses a `v6cidr` in vipNetworkList outside the clouds where it programs IPv6 (`lib.IsValidV6Config`): the
 * VIPs would not get the addresses the user asked for.
 */
export class V6CidrNotSupported extends Data.TaggedError("V6CidrNotSupported")<{
  readonly cloud: string
  readonly cloudType: string
  readonly networks: ReadonlyArray<string>
}> {
  override get message(): string {
    return `vipNetworkList gives an IPv6 CIDR (v6cidr) for ${this.networks.join(", ")}, but the Avi cloud ` +
      `${JSON.stringify(this.cloud)} is of type ${this.cloudType}; AKO and ako-ts program IPv6 VIPs only on vCenter, ` +
      "NSX-T and no-access clouds. Remove v6cidr or use such a cloud."
  }
}

/** AKO refuses more than one VIP network outside AWS (`lib.GetVipNetworkListEnv`): it would use only the first. */
export class SeveralVipNetworksNotSupported extends Data.TaggedError("SeveralVipNetworksNotSupported")<{
  readonly cloud: string
  readonly cloudType: string
  readonly count: number
}> {
  override get message(): string {
    return `vipNetworkList names ${this.count} networks, but the Avi cloud ${JSON.stringify(this.cloud)} is of type ` +
      `${this.cloudType}; only AWS clouds take more than one VIP network (as in AKO). Keep one entry.`
  }
}

const V6_ENABLED_CLOUDS: ReadonlySet<string> = new Set(["CLOUD_VCENTER", "CLOUD_NONE", "CLOUD_NSXT"])

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

/** The name of the VRF context a network is in (`vrf_context_ref` as `…#<name>`, or looked up by uuid). */
const networkVrf = (
  network: { readonly networkName?: string | undefined; readonly networkUUID?: string | undefined } | undefined
) =>
  Effect.gen(function*() {
    if (network === undefined) return undefined
    const avi = yield* AviClient
    const found = network.networkUUID !== undefined ?
      yield* avi.get("network", network.networkUUID).pipe(Effect.option) :
      yield* avi.findByName("network", network.networkName ?? "").pipe(Effect.orElseSucceed(() => Option.none()))
    if (Option.isNone(found)) return undefined
    const ref = record(found.value)["vrf_context_ref"]
    if (typeof ref !== "string") return undefined
    const hash = ref.indexOf("#")
    if (hash >= 0) return ref.slice(hash + 1)
    const vrf = yield* avi.get("vrfcontext", ref.slice(ref.lastIndexOf("/") + 1)).pipe(Effect.option)
    const name = Option.isSome(vrf) ? record(vrf.value)["name"] : undefined
    return typeof name === "string" && name !== "" ? name : undefined
  })

/** The SE group's management network uuid (AKO `GetCMSEGManagementNetwork`); undefined when it has none. */
const seGroupManagementNetwork = (cloudName: string, seGroup: string) =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const found = yield* avi.listAll("serviceenginegroup", { name: seGroup, "cloud_ref.name": cloudName }, {
      tenant: "admin"
    }).pipe(Effect.orElseSucceed(() => []))
    return found.length === 1 ? refUuid(found[0]?.mgmt_network_ref) : undefined
  })

export const readAviEnvironment = (
  cloudName: string,
  vipNetworkList: ReadonlyArray<
    {
      readonly networkName?: string | undefined
      readonly networkUUID?: string | undefined
      readonly v6cidr?: string | undefined
    }
  > = [],
  checks?: EnvironmentChecks
) =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const cloud = yield* avi.findByName("cloud", cloudName, { tenant: "admin" })
    if (Option.isNone(cloud)) return yield* new CloudNotFound({ cloud: cloudName })
    const cloudUuid = String(record(cloud.value)["uuid"] ?? "")
    const vtype = record(cloud.value)["vtype"]
    // AKO takes a cloud without a type for a vCenter cloud.
    const cloudType = typeof vtype === "string" && vtype !== "" ? vtype : "CLOUD_VCENTER"
    if (cloudType !== "CLOUD_AWS" && vipNetworkList.length > 1) {
      return yield* new SeveralVipNetworksNotSupported({
        cloud: cloudName,
        cloudType,
        count: vipNetworkList.length
      })
    }
    const v6Networks = vipNetworkList.filter((network) => network.v6cidr !== undefined)
    if (typeof vtype === "string" && !V6_ENABLED_CLOUDS.has(vtype) && v6Networks.length > 0) {
      return yield* new V6CidrNotSupported({
        cloud: cloudName,
        cloudType: vtype,
        networks: v6Networks.map((network) => network.networkName ?? "(unnamed network)")
      })
    }
    const dataNetwork = record(record(record(cloud.value)["nsxt_configuration"])["data_network_config"])
    const nsxtTransportZone = cloudType === CLOUD_NSXT && typeof dataNetwork["tz_type"] === "string" ?
      dataNetwork["tz_type"] :
      undefined
    const t1lr = checks?.nsxtT1LR ?? ""
    if (cloudType === CLOUD_NSXT && nsxtTransportZone === "OVERLAY") {
      if (checks !== undefined && t1lr === "") return yield* new T1lrRequired({ cloud: cloudName })
    } else if (t1lr !== "" && (cloudType !== CLOUD_NSXT || nsxtTransportZone === VLAN_TRANSPORT_ZONE)) {
      return yield* new T1lrNotAllowed({ cloud: cloudName, cloudType, transportZone: nsxtTransportZone })
    }
    const managementNetwork = cloudType === "CLOUD_VCENTER" && checks !== undefined ?
      yield* seGroupManagementNetwork(cloudName, checks.serviceEngineGroupName).pipe(
        Effect.map((network) => {
          const cloudNetwork = record(record(cloud.value)["vcenter_configuration"])["management_network"]
          return network ?? (typeof cloudNetwork === "string" ? refUuid(cloudNetwork) : undefined)
        })
      ) :
      undefined
    // AKO's `checkNodeNetwork`: not in NodePort mode, only where placement networks apply.
    const nodeNetworks = checks === undefined || checks.serviceType === "NodePort" ||
        !nodeNetworksAllowed({ cloudType, nsxtTransportZone }) ?
      undefined :
      checks.nodeNetworkList.length === 0 ?
      yield* new NodeNetworkListRequired({ cloud: cloudName, cloudType }) :
      yield* resolveNodeNetworks(checks.nodeNetworkList, {
        cloudName,
        cloudUuid,
        cloudType,
        vrfName: checks.vrfName,
        managementNetwork
      }, "nodeNetworkList")
    const domains = record(
      yield* avi.request({
        method: "GET",
        path: "/api/ipamdnsproviderprofiledomainlist",
        query: { cloud_uuid: cloudUuid }
      })
    )["domains"]
    const vipNetworkVrf = yield* networkVrf(vipNetworkList[0])
    // AKO `checkAndSetVRFFromNetwork`: on NSX-T (not VLAN, not NCP) in ClusterIP mode the VRF is the one attributed
    // to the tier-1 router, else the VIP network's.
    const t1lrVrf = cloudType === CLOUD_NSXT && checks?.serviceType === "ClusterIP" && checks.cniPlugin !== "ncp" &&
        nsxtTransportZone !== VLAN_TRANSPORT_ZONE ?
      (yield* avi.listAll("vrfcontext", { "cloud_ref.name": cloudName }).pipe(Effect.orElseSucceed(() => [])))
        .find((vrf) => (vrf.attrs ?? []).some((attr) => attr.key === "tier1path" && attr.value === t1lr))?.name :
      undefined
    const ipamRef = record(cloud.value)["ipam_provider_ref"]
    const ipamType = typeof ipamRef === "string" && refUuid(ipamRef) !== "" ?
      record(
        yield* avi.request({ method: "GET", path: `/api/ipamdnsproviderprofile/${refUuid(ipamRef)}` })
      )["type"] :
      undefined
    const system = record(yield* avi.request({ method: "GET", path: "/api/systemconfiguration" }))
    const cluster = record(yield* avi.request({ method: "GET", path: "/api/cluster" }))
    const tier = String(system["default_license_tier"] ?? "")
    return {
      dnsSubDomains: Array.isArray(domains) ? domains.filter((d): d is string => typeof d === "string") : [],
      enterpriseLicense: isEnterpriseTier(tier),
      controllerClusterUuid: typeof cluster["uuid"] === "string" ? cluster["uuid"] : undefined,
      cloudUuid,
      cloudType: typeof vtype === "string" ? vtype : undefined,
      vipNetworkVrf,
      nsxtTransportZone,
      ipamType: typeof ipamType === "string" ? ipamType : undefined,
      nodeNetworks,
      managementNetwork,
      t1lrVrf
    } satisfies AviEnvironment
  })

/**
 * AKO picks `System-TCP-Proxy` for TCP-only Services on exactly these two tiers; every other tier (ESSENTIALS,
 * BASIC, an unknown one, or none read) gets `System-TCP-Fast-Path`.
 */
export const isEnterpriseTier = (tier: string): boolean =>
  tier === "ENTERPRISE" || tier === "ENTERPRISE_WITH_CLOUD_SERVICES"

/** Retries until the controller answers; each failure is logged with what went wrong. */
export const awaitAviEnvironment = (
  cloudName: string,
  vipNetworkList: Parameters<typeof readAviEnvironment>[1] = [],
  checks?: EnvironmentChecks
) =>
  readAviEnvironment(cloudName, vipNetworkList, checks).pipe(
    Effect.tapError((error) =>
      Effect.logWarning("cannot read the Avi controller's cloud and system settings yet; retrying").pipe(
        Effect.annotateLogs({ error: error._tag, detail: error.message })
      )
    ),
    Effect.retry(
      Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("30 seconds")), Schedule.jittered)
    ),
    Effect.tap((environment) =>
      Effect.logInfo("Avi controller settings read").pipe(
        Effect.annotateLogs({
          dnsSubDomains: environment.dnsSubDomains.join(","),
          enterpriseLicense: environment.enterpriseLicense
        })
      )
    )
  )
