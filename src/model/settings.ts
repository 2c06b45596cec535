/**
 * The part of the configuration the translation reads, plus what the app learns from the controller at boot.
 */
import type { AkoSettings } from "../config/index.js"
import type { NodeNetworkPlacement } from "./checksum.js"
import type { Listener } from "./hostrule.js"

export type ModelSettings =
  & Pick<
    AkoSettings,
    | "clusterName"
    | "cloudName"
    | "tenantName"
    | "serviceEngineGroupName"
    | "vipNetworkList"
    | "shardVSSize"
    | "passthroughShardSize"
    | "serviceType"
    | "nodeKey"
    | "nodeValue"
    | "defaultDomain"
    | "autoFQDN"
    | "defaultLBController"
    | "layer7Only"
    | "blockedNamespaceList"
    | "namespaceSyncLabelKey"
    | "namespaceSyncLabelValue"
    | "noPGForSNI"
    | "ipFamily"
    | "cniPlugin"
  >
  & {
    /**
     * DNS sub-domains of the cloud's IPAM/DNS profile (`GET /api/ipamdnsproviderprofiledomainlist`). They give
     * auto-FQDNs, names for host-less Ingress rules, and the only domains Ingress hosts may use; empty: none of that.
     */
    readonly dnsSubDomains: ReadonlyArray<string>
    /** License tier ENTERPRISE*: TCP-only L4 Services get `System-TCP-Proxy` instead of `System-TCP-Fast-Path`. */
    readonly enterpriseLicense: boolean
    /** Namespace ako-ts runs in: the `ako.vmware.com/enable-tls` annotation uses its Secret `router-certs-default`. */
    readonly akoNamespace: string
    /** RHI on the virtual services (AKO `enableRHI`, or an AviInfraSetting's `network.enableRhi`); absent: off. */
    readonly enableRhi?: boolean | undefined
    /** BGP peer labels of the VsVips while RHI is on. */
    readonly bgpPeerLabels?: ReadonlyArray<string> | undefined
    /** NSX-T tier-1 router path: VsVips and pools carry it instead of a VRF. */
    readonly t1lr?: string | undefined
    /**
     * The AviInfraSetting an L7 unit is built under when bound through an IngressClass or a Route's annotation: it
     * enters the names (`<cluster>--<infra>-…`, `Shared-L7-<infra>-<n>`) and the `InfrasettingName` marker.
     */
    readonly infraName?: string | undefined
    /** The configured SE group while an AviInfraSetting names another: AKO's SNI children keep it. */
    readonly globalServiceEngineGroupName?: string | undefined
    /** The cloud's `vtype` (`CLOUD_NONE`, `CLOUD_VCENTER`, …), when the controller said. */
    readonly cloudType?: string | undefined
    /**
     * The node networks as AKO's pool model holds them (`NetworkPlacementSettings`, keyed by UUID, else by name, with
     * the UUID AKO resolved on vCenter): `nodeNetworkList` (read at start; only in ClusterIP mode on vCenter and NSX-T
     * VLAN clouds) or an AviInfraSetting's. In every pool checksum; sent as `placement_networks` where AKO sends them.
     */
    readonly nodeNetworkPlacement?: ReadonlyArray<NodeNetworkPlacement> | undefined
    /**
     * The type of the cloud's IPAM profile (`IPAMDNS_TYPE_INTERNAL`, `IPAMDNS_TYPE_INFOBLOX`, …), when the cloud has
     * one. With Infoblox or a custom IPAM the address belongs to that IPAM once allocated: AKO never rewrites an
     * existing VsVip's `vip` list there (`noVipUpdatesAllowedForIPAMTypes`).
     */
    readonly ipamType?: string | undefined
    /** The NSX-T cloud's transport zone type (`VLAN`, `OVERLAY`), when the controller said. */
    readonly nsxtTransportZone?: string | undefined
    /** NSX-T VPC mode (`vpcMode`): VsVips name the VPC of their tier-1 path instead of an IPAM network. */
    readonly vpcMode?: boolean | undefined
    /** An AviInfraSetting's `enablePublicIP` on a public cloud: the VIP's floating IP (absent: not sent). */
    readonly enablePublicIp?: boolean | undefined
    /** The VRF context of VSes, VsVips, pools and static routes (AKO `lib.GetVrf`); absent: `global`. */
    readonly vrfContext?: string | undefined
    /** Only `tenantName` is read and written: Namespaces' tenant annotations are not followed. */
    readonly dedicatedTenantMode?: boolean | undefined
    /** An AviInfraSetting's listeners for shared parents and dedicated VSes. */
    readonly infraListeners?: ReadonlyArray<Listener> | undefined
  }
