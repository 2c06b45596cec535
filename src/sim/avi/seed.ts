/**
 * The objects a fresh controller has and AKO needs to boot (avi-api.md §5): tenant admin, Default-Cloud with an
 * internal IPAM profile whose usable network has free addresses, VRFs global and management, Default-Group
 * without labels, System-Default-Cert and the system configuration; plus the system objects of every type AKO's
 * CRDs refer to by name (ako-crds.md §0.4, §6), after the controller's initial data: the System-* string groups,
 * application, network, SSL and persistence profiles, health monitors, analytics profile and WAF policy,
 * Custom-Error-Page-Profile and the Default-*-FTP datascripts.
 */
import { bigIntToIp6, ip6ToBigInt, ipToInt } from "./behaviour.js"
import type { AviStore } from "./store.js"
import { ADMIN_TENANT } from "./store.js"
import type { CertificatePair } from "./tls.js"

export interface VipNetworkOptions {
  readonly name?: string
  /** e.g. `10.50.0.0/16` */
  readonly cidr?: string
  /** First and last address handed out by the IPAM. */
  readonly staticRange?: readonly [string, string]
  /** An IPv6 subnet of the same network, e.g. `fd00:50::/64`, for dual-stack and IPv6-only VIPs. */
  readonly v6cidr?: string
  /** First and last IPv6 address handed out; default: the subnet's `::10` to `::ffff`. */
  readonly v6StaticRange?: readonly [string, string]
}

export const DEFAULT_VIP_NETWORK = {
  name: "vip-network",
  cidr: "10.50.0.0/16",
  staticRange: ["10.50.0.10", "10.50.255.250"] as const
}

/**
 * The kind of cloud Default-Cloud is. A vCenter cloud has a management network; an NSX-T cloud says which transport
 * zone its data network is on (`nsxt_configuration.data_network_config.tz_type`, `VLAN` or `OVERLAY`).
 */
export interface CloudOptions {
  readonly vtype?: string
  readonly nsxtTransportZone?: "VLAN" | "OVERLAY"
}

/** A further network in Default-Cloud (node networks, a second VIP network), with the uuid a test wants to see. */
export interface NetworkOptions {
  readonly name: string
  readonly uuid?: string
  readonly cidr?: string
  /** VRF context name; default `global`. */
  readonly vrf?: string
}

export interface SeedOptions {
  readonly cloud?: CloudOptions | undefined
  readonly networks?: ReadonlyArray<NetworkOptions> | undefined
  readonly vipNetwork?: VipNetworkOptions | undefined
  readonly basicAuth: boolean
  readonly defaultCertificate: CertificatePair
}

const v6Subnet = (vip: VipNetworkOptions): ReadonlyArray<Record<string, unknown>> => {
  if (vip.v6cidr === undefined) return []
  const [base, maskText] = vip.v6cidr.split("/")
  const value = ip6ToBigInt(base ?? "")
  if (base === undefined || value === undefined) throw new Error(`vipNetwork.v6cidr ${vip.v6cidr} is not IPv6 CIDR`)
  const [begin, end] = vip.v6StaticRange ?? [bigIntToIp6(value + 0x10n), bigIntToIp6(value + 0xffffn)]
  return [{
    prefix: { ip_addr: { addr: base, type: "V6" }, mask: Number(maskText ?? 64) },
    static_ip_ranges: [{
      type: "STATIC_IPS_FOR_VIP_AND_SE",
      range: { begin: { addr: begin, type: "V6" }, end: { addr: end, type: "V6" } }
    }]
  }]
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

  const vtype = options.cloud?.vtype ?? "CLOUD_NONE"
  const cloud = add("cloud", {
    name: "Default-Cloud",
    vtype,
    dhcp_enabled: false,
    mtu: 1500,
    ...(vtype === "CLOUD_NSXT" && options.cloud?.nsxtTransportZone !== undefined ?
      { nsxt_configuration: { data_network_config: { tz_type: options.cloud.nsxtTransportZone } } } :
      {})
  })
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
    }, ...v6Subnet(vip)]
  })
  for (const network of options.networks ?? []) {
    const [address, bits] = (network.cidr ?? "").split("/")
    add("network", {
      name: network.name,
      cloud_ref: "/api/cloud/?name=Default-Cloud",
      vrf_context_ref: `/api/vrfcontext/?name=${network.vrf ?? "global"}`,
      dhcp_enabled: false,
      ...(address === undefined || address === "" ?
        {} :
        { configured_subnets: [{ prefix: { ip_addr: { addr: address, type: "V4" }, mask: Number(bits ?? 24) } }] })
    }, network.uuid)
  }
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

  // What a fresh controller creates at first boot (its initial data), as far as AKO's CRDs can name it
  // (ako-crds.md §0.4, §6): every System-* object of these types, and the few system objects not named System-*.
  const stringGroups: Array<[string, Array<string>]> = [
    ["System-Compressible-Content-Types", [
      "text/html",
      "text/xml",
      "text/plain",
      "text/css",
      "text/javascript",
      "application/javascript",
      "application/x-javascript",
      "application/xml",
      "application/pdf"
    ]],
    ["System-Cacheable-Resource-Types", [
      "image/.*",
      "text/css",
      ".*/javascript",
      "application/x-javascript",
      "application/pdf"
    ]],
    ["System-Rewritable-Content-Types", ["text/html", "text/plain", "text/javascript", "text/uri-list", "text/xml"]],
    ["System-Devices-Mobile", [
      "iPhone",
      "iPod",
      "Android",
      "BB10",
      "BlackBerry",
      "webOS",
      "IEMobile",
      "iPad",
      "PlayBook",
      "Xoom",
      "P160U",
      "SCH-I800",
      "Nexus 7",
      "Touch"
    ]]
  ]
  for (const [name, keys] of stringGroups) {
    add("stringgroup", { name, type: "SG_TYPE_STRING", kv: keys.map((key) => ({ key })) })
  }

  const httpProfile = (extra: Record<string, unknown>) => ({
    connection_multiplexing_enabled: true,
    ...extra,
    compression_profile: {
      compression: false,
      type: "AUTO_COMPRESSION",
      remove_accept_encoding_header: true,
      compressible_content_ref: "/api/stringgroup/?name=System-Compressible-Content-Types"
    },
    cache_config: {
      enabled: false,
      mime_types_group_refs: ["/api/stringgroup/?name=System-Cacheable-Resource-Types"]
    }
  })
  const secure = {
    ssl_everywhere_enabled: true,
    hsts_enabled: true,
    secure_cookie_enabled: true,
    httponly_enabled: true,
    http_to_https: true,
    server_side_redirect_to_https: true,
    x_forwarded_proto_enabled: true
  }
  const appProfiles: Array<[string, string, Record<string, unknown>?]> = [
    ["System-HTTP", "APPLICATION_PROFILE_TYPE_HTTP", httpProfile({})],
    ["System-Secure-HTTP", "APPLICATION_PROFILE_TYPE_HTTP", httpProfile(secure)],
    ["System-Secure-HTTP-VDI", "APPLICATION_PROFILE_TYPE_HTTP", httpProfile(secure)],
    ["System-L4-Application", "APPLICATION_PROFILE_TYPE_L4"],
    ["System-SSL-Application", "APPLICATION_PROFILE_TYPE_SSL"],
    ["System-DNS", "APPLICATION_PROFILE_TYPE_DNS"],
    ["System-Syslog", "APPLICATION_PROFILE_TYPE_SYSLOG"]
  ]
  for (const [name, type, http] of appProfiles) {
    add("applicationprofile", { name, type, ...(http ? { http_profile: http } : {}) })
  }

  const netProfiles: Array<[string, Record<string, unknown>]> = [
    ["System-TCP-Proxy", { type: "PROTOCOL_TYPE_TCP_PROXY", tcp_proxy_profile: { automatic: true } }],
    ["System-TCP-Fast-Path", {
      type: "PROTOCOL_TYPE_TCP_FAST_PATH",
      tcp_fast_path_profile: { session_idle_timeout: 300, enable_syn_protection: false }
    }],
    ["System-UDP-Fast-Path", {
      type: "PROTOCOL_TYPE_UDP_FAST_PATH",
      udp_fast_path_profile: { per_pkt_loadbalance: false, snat: true }
    }],
    ["System-UDP-Fast-Path-VDI", {
      type: "PROTOCOL_TYPE_UDP_FAST_PATH",
      udp_fast_path_profile: { per_pkt_loadbalance: false, snat: true }
    }],
    ["System-UDP-Per-Pkt", {
      type: "PROTOCOL_TYPE_UDP_FAST_PATH",
      udp_fast_path_profile: { per_pkt_loadbalance: true, snat: true }
    }],
    ["System-UDP-No-SNAT", { type: "PROTOCOL_TYPE_UDP_FAST_PATH", udp_fast_path_profile: { snat: false } }],
    ["System-SCTP-Proxy", { type: "PROTOCOL_TYPE_SCTP_PROXY" }]
  ]
  for (const [name, profile] of netProfiles) add("networkprofile", { name, profile })

  add("sslprofile", {
    name: "System-Standard",
    type: "SSL_PROFILE_TYPE_APPLICATION",
    accepted_versions: [{ type: "SSL_VERSION_TLS1_2" }]
  })
  add("sslprofile", {
    name: "System-Standard-PFS",
    type: "SSL_PROFILE_TYPE_APPLICATION",
    accepted_versions: [{ type: "SSL_VERSION_TLS1_2" }]
  })
  // What an L4 datascript `require`s to read TLS records (AKO's passthrough datascript names Default-TLS).
  add("protocolparser", {
    name: "Default-TLS",
    description: "Parses TLS records: buffer size, sanity check, SNI",
    parser_code: "local M = {}\n-- get_req_buffer_size, sanity_check, parse_record, get_sni\nreturn M\n"
  })
  add("sslprofile", {
    name: "System-Standard-Portal",
    type: "SSL_PROFILE_TYPE_SYSTEM",
    accepted_versions: [{ type: "SSL_VERSION_TLS1_2" }]
  })

  const httpCodes = ["HTTP_2XX", "HTTP_3XX"]
  const external = (command_code: string) => ({
    receive_timeout: 10,
    send_interval: 30,
    external_monitor: { command_code }
  })
  const monitors: Array<[string, string, Record<string, unknown>]> = [
    ["System-TCP", "HEALTH_MONITOR_TCP", { tcp_monitor: { tcp_half_open: false } }],
    ["System-UDP", "HEALTH_MONITOR_UDP", { udp_monitor: { udp_request: "EnterYourRequestDataHere" } }],
    ["System-SCTP", "HEALTH_MONITOR_SCTP", { sctp_monitor: {} }],
    ["System-Ping", "HEALTH_MONITOR_PING", {}],
    ["System-HTTP", "HEALTH_MONITOR_HTTP", {
      http_monitor: { http_request: "HEAD / HTTP/1.0", http_response_code: httpCodes }
    }],
    ["System-HTTPS", "HEALTH_MONITOR_HTTPS", {
      https_monitor: { http_request: "HEAD / HTTP/1.0", http_response_code: httpCodes }
    }],
    ["System-DNS", "HEALTH_MONITOR_DNS", { send_interval: 6, dns_monitor: { query_name: "www.google.com" } }],
    ["System-Xternal-Perl", "HEALTH_MONITOR_EXTERNAL", external("#!/usr/bin/perl -w\n")],
    ["System-Xternal-Shell", "HEALTH_MONITOR_EXTERNAL", external("#!/bin/bash\ncurl -v $IP:$PORT\n")],
    ["System-Xternal-Python", "HEALTH_MONITOR_EXTERNAL", external("#!/usr/bin/python\n")],
    ["System-PingAccessAgent", "HEALTH_MONITOR_HTTPS", {
      monitor_port: 3000,
      https_monitor: {
        http_request: "GET /pa/heartbeat.ping HTTP/1.1",
        http_response_code: ["HTTP_2XX"],
        ssl_attributes: { ssl_profile_ref: "/api/sslprofile/?name=System-Standard" }
      }
    }]
  ]
  for (const [name, type, extra] of monitors) add("healthmonitor", { name, type, ...extra })

  add("analyticsprofile", {
    name: "System-Analytics-Profile",
    exclude_tcp_reset_as_error: true,
    exclude_client_close_before_request_as_error: true,
    exclude_http_error_codes: [475]
  })
  const persistence: Array<[string, string, Record<string, unknown>?]> = [
    ["System-Persistence-Client-IP", "PERSISTENCE_TYPE_CLIENT_IP_ADDRESS", {
      ip_persistence_profile: { ip_persistent_timeout: 5 }
    }],
    ["System-Persistence-Http-Cookie", "PERSISTENCE_TYPE_HTTP_COOKIE"],
    ["System-Persistence-Custom-Http-Header", "PERSISTENCE_TYPE_CUSTOM_HTTP_HEADER", {
      hdr_persistence_profile: { prst_hdr_name: "customhttphdrname" }
    }],
    ["System-Persistence-App-Cookie", "PERSISTENCE_TYPE_APP_COOKIE", {
      app_cookie_persistence_profile: { prst_hdr_name: "customhttpcookiename" }
    }],
    ["System-Persistence-TLS", "PERSISTENCE_TYPE_TLS"]
  ]
  for (const [name, persistence_type, extra] of persistence) {
    add("applicationpersistenceprofile", { name, persistence_type, ...extra })
  }

  add("wafprofile", { name: "System-WAF-Profile", config: { client_request_max_body_size: 32 } })
  add("wafpolicy", {
    name: "System-WAF-Policy",
    mode: "WAF_MODE_DETECTION_ONLY",
    waf_profile_ref: "/api/wafprofile/?name=System-WAF-Profile"
  })
  add("errorpagebody", { name: "Custom-Error-Page" })
  add("errorpageprofile", { name: "Custom-Error-Page-Profile" })
  // Their scripts are not the controller's (the simulator runs none); names and events are.
  for (const name of ["Default-PASV-FTP", "Default-ACTIVE-FTP", "Default-FULL-FTP"]) {
    add("vsdatascriptset", {
      name,
      datascript: [{ evt: "VS_DATASCRIPT_EVT_L4_REQUEST", script: `-- ${name}: FTP helper (not simulated)` }]
    })
  }
  add("sslkeyandcertificate", {
    name: "System-Default-Cert",
    // the default certificate of virtual services; the controller's portal certificates are the SYSTEM ones
    type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
    certificate: { certificate: options.defaultCertificate.cert },
    key: options.defaultCertificate.key
  })
}
