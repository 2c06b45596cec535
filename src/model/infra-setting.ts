/**
 * AviInfraSetting (ako.vmware.com/v1beta1, cluster-scoped): which SE group, VIP networks, RHI and BGP peers, and NSX-T
 * tier-1 router an object's virtual service uses (reference/ako-crds.md §3.3, §3.4; AKO `buildWithInfraSetting`).
 * Only settings validation accepted are in the snapshot, each with the spec it accepted.
 */
import type { VipNetwork } from "../config/index.js"
import type { Problem } from "./desired.js"
import type { AviInfraSetting, ClusterSnapshot, InfraVipNetwork, ObjectRef, Service } from "./kube.js"
import { objectRef } from "./kube.js"
import type { ModelSettings } from "./settings.js"

/** On a Service, Route or Namespace: the AviInfraSetting its virtual services use. */
export const INFRA_SETTING_ANNOTATION = "aviinfrasetting.ako.vmware.com/name"

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
    vipNetworkList: vipNetworks.length > 0 ?
      [vipNetwork(vipNetworks[0]!), ...vipNetworks.slice(1).map(vipNetwork)] :
      settings.vipNetworkList,
    enableRhi,
    // AKO gives the VsVip BGP peer labels only while RHI is on: the setting's, else the global ones.
    bgpPeerLabels: enableRhi ? network?.bgpPeerLabels ?? settings.bgpPeerLabels ?? [] : [],
    ...(t1lr === undefined || t1lr === "" ? {} : { t1lr })
  }
}
