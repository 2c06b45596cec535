/**
 * AviInfraSetting (ako.vmware.com/v1beta1, cluster-scoped): which SE group, VIP networks, RHI and BGP peers, and NSX-T
 * tier-1 router an object's virtual service uses (reference/ako-crds.md §3.3, §3.4; AKO `buildWithInfraSetting`).
 * Only settings validation accepted are in the snapshot, each with the spec it accepted.
 */
import type { ShardSize, VipNetwork } from "../config/index.js"
import type { Problem } from "./desired.js"
import { AVI_INGRESS_CONTROLLER, DEFAULT_CLASS_ANNOTATION } from "./filters.js"
import type {
  AviInfraSetting,
  ClusterSnapshot,
  InfraVipNetwork,
  Ingress,
  IngressClass,
  ObjectRef,
  Route,
  Service
} from "./kube.js"
import { objectRef } from "./kube.js"
import { nodeNetworkPlacements } from "./node-networks.js"
import type { ModelSettings } from "./settings.js"

/** On a Service, Route or Namespace: the AviInfraSetting its virtual services use. */
export const INFRA_SETTING_ANNOTATION = "aviinfrasetting.ako.vmware.com/name"

/**
 * The setting an object's own annotation names, else its Namespace's (how Services and Routes bind; Ingresses bind
 * through their class first). Undefined: none.
 */
export const annotatedInfraSetting = (
  snapshot: ClusterSnapshot,
  object: {
    readonly metadata?: {
      readonly namespace?: string | undefined
      readonly annotations?: Readonly<Record<string, string>> | undefined
    } | undefined
  }
): string | undefined => {
  const own = object.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
  if (own !== undefined && own !== "") return own
  const inherited = snapshot.namespaces.get(object.metadata?.namespace ?? "")?.metadata?.annotations?.[
    INFRA_SETTING_ANNOTATION
  ]
  return inherited === "" ? undefined : inherited
}

export interface BoundInfraSetting {
  readonly name: string
  readonly setting: AviInfraSetting
  /** Bound through the object's Namespace (its name then stays out of L7 object names). */
  readonly namespaceScoped: boolean
}

export interface InfraSettingBinding {
  /** The setting in effect for the object; undefined: the global configuration. */
  readonly bound: BoundInfraSetting | undefined
  readonly problems: ReadonlyArray<Problem>
}

const NO_BINDING: InfraSettingBinding = { bound: undefined, problems: [] }

/** The Namespace annotation's setting, as AKO falls back to it (`getNamespaceAviInfraSetting`). */
const namespaceBinding = (
  snapshot: ClusterSnapshot,
  namespace: string,
  owner: ObjectRef
): InfraSettingBinding => {
  const name = snapshot.namespaces.get(namespace)?.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
  if (name === undefined || name === "") return NO_BINDING
  const setting = snapshot.aviInfraSettings.get(name)
  if (setting !== undefined) return { bound: { name, setting, namespaceScoped: true }, problems: [] }
  return {
    bound: undefined,
    problems: [{
      object: owner,
      field: `Namespace ${namespace} metadata.annotations[${INFRA_SETTING_ANNOTATION}]`,
      reason: "InvalidConfiguration",
      message: `AviInfraSetting ${name} (named by Namespace ${namespace}) does not exist or is not Accepted; ` +
        `the global configuration is used`
    }]
  }
}

/**
 * The setting of a LoadBalancer Service: its own annotation, else its Namespace's. One that does not exist or is not
 * accepted leaves the Service on the global configuration, as in AKO (which only logs it); ako-ts says so on the
 * Service.
 */
export const infraSettingForService = (snapshot: ClusterSnapshot, service: Service): InfraSettingBinding => {
  const owner = objectRef("Service", service)
  const name = service.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
  if (name === undefined || name === "") {
    return namespaceBinding(snapshot, service.metadata?.namespace ?? "", owner)
  }
  const setting = snapshot.aviInfraSettings.get(name)
  if (setting !== undefined) return { bound: { name, setting, namespaceScoped: false }, problems: [] }
  return {
    bound: undefined,
    problems: [{
      object: owner,
      field: `metadata.annotations[${INFRA_SETTING_ANNOTATION}]`,
      reason: "InvalidConfiguration",
      message: `AviInfraSetting ${name} does not exist or is not Accepted; the virtual service uses the global ` +
        `configuration`
    }]
  }
}

const vipNetwork = (n: InfraVipNetwork): VipNetwork => ({
  ...(n.networkName === undefined ? {} : { networkName: n.networkName }),
  ...(n.networkUUID === undefined ? {} : { networkUUID: n.networkUUID }),
  ...(n.cidr === undefined ? {} : { cidr: n.cidr }),
  ...(n.v6cidr === undefined ? {} : { v6cidr: n.v6cidr })
})

/**
 * The settings an object's virtual service is built with under a setting: its SE group (or the global one), its
 * VIP networks (or the global list), RHI (or the global flag) with its BGP peer labels, and its tier-1 router.
 */
export const settingsUnder = (settings: ModelSettings, bound: BoundInfraSetting | undefined): ModelSettings => {
  if (bound === undefined) return settings
  const network = bound.setting.spec?.network
  const seGroup = bound.setting.spec?.seGroup?.name
  const vipNetworks = network?.vipNetworks ?? []
  const enableRhi = network?.enableRhi ?? settings.enableRhi ?? false
  const t1lr = bound.setting.spec?.nsxSettings?.t1lr
  return {
    ...settings,
    serviceEngineGroupName: seGroup === undefined || seGroup === "" ? settings.serviceEngineGroupName : seGroup,
    globalServiceEngineGroupName: settings.serviceEngineGroupName,
    ...(network?.listeners === undefined || network.listeners.length === 0 ? {} : {
      infraListeners: network.listeners.flatMap((l) =>
        l.port === undefined
          ? []
          : [{ port: l.port, enableSsl: l.enableSSL ?? false, enableHttp2: l.enableHTTP2 ?? false }]
      )
    }),
    vipNetworkList: vipNetworks.length > 0 ?
      [vipNetwork(vipNetworks[0]!), ...vipNetworks.slice(1).map(vipNetwork)] :
      settings.vipNetworkList,
    enableRhi,
    // AKO gives the VsVip BGP peer labels only while RHI is on: the setting's, else the global ones.
    bgpPeerLabels: enableRhi ? network?.bgpPeerLabels ?? settings.bgpPeerLabels ?? [] : [],
    ...(t1lr === undefined || t1lr === "" ? {} : { t1lr }),
    shardVSSize: shardSizeOf(bound.setting) ?? settings.shardVSSize,
    ...placementOf(bound.setting),
    // AKO takes the flag only on public clouds (`lib.IsPublicCloud`).
    ...(network?.enablePublicIP !== undefined && PUBLIC_CLOUDS.has(settings.cloudType ?? "") ?
      { enablePublicIp: network.enablePublicIP } :
      {}),
    // Bound through a Namespace, the setting stays out of names and markers (AKO `IsInfraSettingNSScoped`).
    infraName: bound.namespaceScoped ? undefined : bound.name
  }
}

/**
 * The setting's node networks as AKO holds them for its pools (`buildPoolWithInfraSetting`): the map it built when it
 * accepted the setting (names resolved to UUIDs on vCenter, see `resolvedNodeNetworks`), else the global node
 * networks, also where the setting has none or AKO could not apply them.
 */
const placementOf = (setting: AviInfraSetting): Pick<ModelSettings, "nodeNetworkPlacement"> => {
  const nodeNetworks = setting.spec?.network?.nodeNetworks ?? []
  if (nodeNetworks.length === 0 || setting.resolvedNodeNetworks === null) return {}
  return { nodeNetworkPlacement: setting.resolvedNodeNetworks ?? nodeNetworkPlacements(nodeNetworks) }
}

const PUBLIC_CLOUDS: ReadonlySet<string> = new Set(["CLOUD_AWS", "CLOUD_AZURE", "CLOUD_GCP"])

const SHARD_SIZES: ReadonlySet<string> = new Set(["SMALL", "MEDIUM", "LARGE", "DEDICATED"])

const shardSizeOf = (setting: AviInfraSetting): ShardSize | undefined => {
  const size = setting.spec?.l7Settings?.shardSize
  return size !== undefined && SHARD_SIZES.has(size) ? size as ShardSize : undefined
}

/** Where an Ingress's or Route's AviInfraSetting comes from, and whether its objects can be built at all. */
export interface L7InfraBinding extends InfraSettingBinding {
  /**
   * The object names a setting that does not exist or is not accepted: AKO then builds nothing for it (its hosts
   * leave Avi, as if it were deleted).
   */
  readonly dropped: boolean
  /**
   * Set with `dropped` when the setting exists but is not in effect (Rejected, its accepted spec unknown here): what
   * Avi has for the object's hosts is kept as it is, as AKO keeps the previous config, rather than removed.
   */
  readonly held?: BoundInfraSetting | undefined
}

const L7_NONE: L7InfraBinding = { bound: undefined, problems: [], dropped: false }

const lookup = (
  snapshot: ClusterSnapshot,
  name: string,
  namespaceScoped: boolean,
  owner: ObjectRef,
  field: string,
  via: string
): L7InfraBinding => {
  const setting = snapshot.aviInfraSettings.get(name)
  if (setting !== undefined) return { bound: { name, setting, namespaceScoped }, problems: [], dropped: false }
  const stored = snapshot.aviInfraSettingsStored?.get(name)
  if (stored !== undefined) {
    return {
      bound: undefined,
      dropped: true,
      held: { name, setting: stored, namespaceScoped },
      problems: [{
        object: owner,
        field,
        reason: "InvalidConfiguration",
        message: `AviInfraSetting ${name} (named by ${via}) is not Accepted; as in AKO, this ${owner.kind}'s ` +
          `objects on Avi are kept as they are until it is`
      }]
    }
  }
  return {
    bound: undefined,
    dropped: true,
    problems: [{
      object: owner,
      field,
      reason: "InvalidConfiguration",
      message: `AviInfraSetting ${name} (named by ${via}) does not exist or is not Accepted; as in AKO, nothing is ` +
        `built for this ${owner.kind} and its hosts are removed from Avi`
    }]
  }
}

const namespaceL7Binding = (snapshot: ClusterSnapshot, namespace: string, owner: ObjectRef): L7InfraBinding => {
  const name = snapshot.namespaces.get(namespace)?.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
  if (name === undefined || name === "") return L7_NONE
  return lookup(
    snapshot,
    name,
    true,
    owner,
    `Namespace ${namespace} metadata.annotations[${INFRA_SETTING_ANNOTATION}]`,
    `Namespace ${namespace}`
  )
}

/** The Avi IngressClass of an Ingress: the one it names, else the AKO class marked default. */
export const ingressClassOf = (snapshot: ClusterSnapshot, ingress: Ingress): IngressClass | undefined => {
  const name = ingress.spec?.ingressClassName
  if (name !== undefined && name !== "") return snapshot.ingressClasses.get(name)
  for (const ingressClass of [...snapshot.ingressClasses.values()]) {
    if (
      ingressClass.spec?.controller === AVI_INGRESS_CONTROLLER &&
      ingressClass.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true"
    ) return ingressClass
  }
  return undefined
}

/** The setting an IngressClass's `spec.parameters` names (`ako.vmware.com`, kind AviInfraSetting), if any. */
export const ingressClassInfraSetting = (ingressClass: IngressClass | undefined): string | undefined => {
  const parameters = ingressClass?.spec?.parameters
  return parameters?.apiGroup === "ako.vmware.com" && parameters.kind === "AviInfraSetting" &&
      parameters.name !== undefined && parameters.name !== "" ?
    parameters.name :
    undefined
}

/** An Ingress's setting: its IngressClass's parameters, else its Namespace's annotation (AKO `getInfraSetting`). */
export const infraSettingForIngress = (snapshot: ClusterSnapshot, ingress: Ingress): L7InfraBinding => {
  const owner = objectRef("Ingress", ingress)
  const ingressClass = ingressClassOf(snapshot, ingress)
  const name = ingressClassInfraSetting(ingressClass)
  if (name === undefined) return namespaceL7Binding(snapshot, ingress.metadata?.namespace ?? "", owner)
  const className = ingressClass?.metadata?.name ?? ""
  return lookup(snapshot, name, false, owner, "spec.ingressClassName", `IngressClass ${className}`)
}

/** A Route's setting: its own annotation, else its Namespace's. */
export const infraSettingForRoute = (snapshot: ClusterSnapshot, route: Route): L7InfraBinding => {
  const owner = objectRef("Route", route)
  const name = route.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
  if (name === undefined || name === "") return namespaceL7Binding(snapshot, route.metadata?.namespace ?? "", owner)
  return lookup(snapshot, name, false, owner, `metadata.annotations[${INFRA_SETTING_ANNOTATION}]`, "the Route")
}
