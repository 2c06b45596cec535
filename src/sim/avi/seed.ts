/**
 * The objects a fresh controller has and AKO needs to boot (avi-api.md §5): tenant admin, Default-Cloud with an
 * internal IPAM profile whose usable network has free addresses, VRFs global and management, Default-Group
 * without labels, the System-* profiles and health monitors, System-Default-Cert and the system configuration.
 */
import { ipToInt } from "./behaviour.js"
import type { AviStore } from "./store.js"
import { ADMIN_TENANT } from "./store.js"
import type { CertificatePair } from "./tls.js"

export interface VipNetworkOptions {
  readonly name?: string
  /** e.g. `10.50.0.0/16` */
  readonly cidr?: string
  /** First and last address handed out by the IPAM. */
  readonly staticRange?: readonly [string, string]
}

export const DEFAULT_VIP_NETWORK = {
  name: "vip-network",
  cidr: "10.50.0.0/16",
  staticRange: ["10.50.0.10", "10.50.255.250"] as const
}

export interface SeedOptions {
  readonly vipNetwork?: VipNetworkOptions | undefined
  readonly basicAuth: boolean
  readonly defaultCertificate: CertificatePair
}

export const seedStore = (store: AviStore, options: SeedOptions): void => {
  const add = (type: string, body: Record<string, unknown>, slug?: string) =>
    store.create(type, body, { tenant: ADMIN_TENANT, system: true, slug })

  add("tenant", { name: ADMIN_TENANT, local: true, description: "Default tenant" }, ADMIN_TENANT)
  add("systemconfiguration", {
    default_license_tier: "ENTERPRISE",
    portal_configuration: {
      allow_basic_authentication: options.basicAuth,
      enable_https: true,
      redirect_to_https: true,
      sslkeyandcertificate_refs: []
    },
    dns_configuration: { server_list: [] },
    ntp_configuration: { ntp_servers: [] },
    welcome_workflow_complete: true
  }, "default")

  const cloud = add("cloud", { name: "Default-Cloud", vtype: "CLOUD_NONE", dhcp_enabled: false, mtu: 1500 })
  add("vrfcontext", { name: "global", system_default: true, cloud_ref: "/api/cloud/?name=Default-Cloud" })
  add("vrfcontext", { name: "management", system_default: true, cloud_ref: "/api/cloud/?name=Default-Cloud" })

  const vip = { ...DEFAULT_VIP_NETWORK, ...options.vipNetwork }
  const [base, maskText] = vip.cidr.split("/")
  if (base === undefined || ipToInt(base) === undefined) throw new Error(`vipNetwork.cidr ${vip.cidr} is not IPv4 CIDR`)
  add("network", {
    name: vip.name,
    cloud_ref: "/api/cloud/?name=Default-Cloud",
    vrf_context_ref: "/api/vrfcontext/?name=global",
    dhcp_enabled: false,
    configured_subnets: [{
      prefix: { ip_addr: { addr: base, type: "V4" }, mask: Number(maskText ?? 24) },
      static_ranges: [{
        begin: { addr: vip.staticRange[0], type: "V4" },
        end: { addr: vip.staticRange[1], type: "V4" }
      }],
      static_ip_ranges: [{
        type: "STATIC_IPS_FOR_VIP_AND_SE",
        range: { begin: { addr: vip.staticRange[0], type: "V4" }, end: { addr: vip.staticRange[1], type: "V4" } }
      }]
    }]
  })
  add("ipamdnsproviderprofile", {
    name: "Default-IPAM",
    type: "IPAMDNS_TYPE_INTERNAL",
    internal_profile: { ttl: 30, usable_networks: [{ nw_ref: `/api/network/?name=${vip.name}` }] }
  })
  store.replace("cloud", cloud.uuid, {
    ...cloud.body,
    ipam_provider_ref: "/api/ipamdnsproviderprofile/?name=Default-IPAM"
  }, ADMIN_TENANT)
  add("serviceenginegroup", {
    name: "Default-Group",
    cloud_ref: "/api/cloud/?name=Default-Cloud",
    labels: [],
    ha_mode: "HA_MODE_SHARED",
    max_se: 10,
    max_vs_per_se: 10
  })

  const appProfiles: Array<[string, string]> = [
    ["System-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"],
    ["System-Secure-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"],
    ["System-L4-Application", "APPLICATION_PROFILE_TYPE_L4"],
    ["System-SSL-Application", "APPLICATION_PROFILE_TYPE_SSL"],
    ["System-DNS", "APPLICATION_PROFILE_TYPE_DNS"],
    ["System-Syslog", "APPLICATION_PROFILE_TYPE_SYSLOG"]
  ]
  for (const [name, type] of appProfiles) {
    add("applicationprofile", {
      name,
      type,
      ...(type === "APPLICATION_PROFILE_TYPE_HTTP" ? { http_profile: { connection_multiplexing_enabled: true } } : {})
    })
  }
  const netProfiles: Array<[string, string]> = [
    ["System-TCP-Proxy", "PROTOCOL_TYPE_TCP_PROXY"],
    ["System-TCP-Fast-Path", "PROTOCOL_TYPE_TCP_FAST_PATH"],
    ["System-UDP-Fast-Path", "PROTOCOL_TYPE_UDP_FAST_PATH"],
    ["System-UDP-Per-Pkt", "PROTOCOL_TYPE_UDP_FAST_PATH"],
    ["System-SCTP-Proxy", "PROTOCOL_TYPE_SCTP_PROXY"]
  ]
  for (const [name, type] of netProfiles) add("networkprofile", { name, profile: { type } })
  const monitors: Array<[string, string, Record<string, unknown>]> = [
    ["System-TCP", "HEALTH_MONITOR_TCP", { tcp_monitor: { tcp_half_open: false } }],
    ["System-UDP", "HEALTH_MONITOR_UDP", { udp_monitor: {} }],
    ["System-SCTP", "HEALTH_MONITOR_SCTP", { sctp_monitor: {} }],
    ["System-Ping", "HEALTH_MONITOR_PING", {}],
    ["System-HTTP", "HEALTH_MONITOR_HTTP", {
      http_monitor: { http_request: "HEAD / HTTP/1.0", http_response_code: ["HTTP_2XX", "HTTP_3XX"] }
    }],
    ["System-HTTPS", "HEALTH_MONITOR_HTTPS", {
      https_monitor: { http_request: "HEAD / HTTP/1.0", http_response_code: ["HTTP_2XX", "HTTP_3XX"] }
    }]
  ]
  for (const [name, type, extra] of monitors) add("healthmonitor", { name, type, ...extra })
  add("sslprofile", { name: "System-Standard", accepted_versions: [{ type: "SSL_VERSION_TLS1_2" }] })
  add("analyticsprofile", { name: "System-Analytics-Profile" })
  add("applicationpersistenceprofile", {
    name: "System-Persistence-Client-IP",
    persistence_type: "PERSISTENCE_TYPE_CLIENT_IP_ADDRESS"
  })
  add("applicationpersistenceprofile", {
    name: "System-Persistence-Http-Cookie",
    persistence_type: "PERSISTENCE_TYPE_HTTP_COOKIE"
  })
  add("sslkeyandcertificate", {
    name: "System-Default-Cert",
    type: "SSL_CERTIFICATE_TYPE_SYSTEM",
    certificate: { certificate: options.defaultCertificate.cert },
    key: options.defaultCertificate.key
  })
}
