/**
 * The part of the configuration the translation reads, plus what the app learns from the controller at boot.
 */
import type { AkoSettings } from "../config/index.js"

export type ModelSettings =
  & Pick<
    AkoSettings,
    | "clusterName"
    | "cloudName"
    | "tenantName"
    | "serviceEngineGroupName"
    | "vipNetworkList"
    | "shardVSSize"
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
  }
