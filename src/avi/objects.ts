/**
 * Schemas of the Avi objects the controller writes and reads. Known fields are typed; every object (at every
 * depth) keeps the fields it does not know, so a read-modify-write PUT sends back everything the controller
 * returned, including fields of newer controller versions.
 *
 * Each type has two schemas: `body` (what a client sends: envelope fields optional) and `stored` (what the
 * controller returns: `uuid` present).
 */
import * as Schema from "effect/Schema"

const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** A struct that types `fields` and keeps any other property as it came. */
export const open = <F extends Schema.Struct.Fields>(fields: F) => Schema.Struct(fields, Rest)

const opt = Schema.optional
const Str = Schema.String
const Num = Schema.Number
const Bool = Schema.Boolean
const Strs = Schema.Array(Schema.String)
const Nums = Schema.Array(Schema.Number)
/** A reference: `https://host/api/<type>/<uuid>#<name>`, `/api/<type>/<uuid>` or `/api/<type>?name=<name>`. */
const Ref = Schema.String

export const IpAddr = open({ addr: Str, type: opt(Str) })
export const IpPrefix = open({ ip_addr: IpAddr, mask: Num })
export const Marker = open({ key: Str, values: opt(Strs) })
export const KeyValue = open({ key: Str, value: opt(Str) })
const Markers = Schema.Array(Marker)

const BodyEnvelope = {
  uuid: opt(Str),
  url: opt(Str),
  _last_modified: opt(Str),
  tenant_ref: opt(Ref)
}

const StoredEnvelope = {
  uuid: Str,
  url: opt(Str),
  _last_modified: opt(Str),
  tenant_ref: opt(Ref)
}

const Owned = {
  name: Str,
  created_by: opt(Str),
  markers: opt(Markers)
}

const defineType = <F extends Schema.Struct.Fields>(model: string, fields: F) => ({
  /** The controller's model name, as used in its error texts (`Pool object not found!`). */
  model,
  body: open({ ...BodyEnvelope, ...fields }),
  stored: open({ ...fields, ...StoredEnvelope })
})

const VsService = open({
  port: Num,
  port_range_end: opt(Num),
  enable_ssl: opt(Bool),
  enable_http2: opt(Bool),
  override_network_profile_ref: opt(Ref)
})

export const VirtualServiceType = defineType("VirtualService", {
  ...Owned,
  cloud_config_cksum: opt(Str),
  cloud_ref: opt(Ref),
  cloud_type: opt(Str),
  type: opt(Str),
  vh_type: opt(Str),
  vh_parent_vs_ref: opt(Ref),
  vh_domain_name: opt(Strs),
  vh_matches: opt(Schema.Array(open({ host: Str, path: opt(Schema.Array(Schema.Unknown)) }))),
  vh_child_vs_uuid: opt(Strs),
  application_profile_ref: opt(Ref),
  network_profile_ref: opt(Ref),
  se_group_ref: opt(Ref),
  vrf_context_ref: opt(Ref),
  vsvip_ref: opt(Ref),
  pool_ref: opt(Ref),
  pool_group_ref: opt(Ref),
  services: opt(Schema.Array(VsService)),
  http_policies: opt(Schema.Array(open({ index: Num, http_policy_set_ref: Ref }))),
  vs_datascripts: opt(Schema.Array(open({ index: Num, vs_datascript_set_ref: Ref }))),
  l4_policies: opt(Schema.Array(open({ index: Num, l4_policy_set_ref: Ref }))),
  ssl_key_and_certificate_refs: opt(Schema.Array(Ref)),
  ssl_profile_ref: opt(Ref),
  analytics_profile_ref: opt(Ref),
  waf_policy_ref: opt(Ref),
  error_page_profile_ref: opt(Ref),
  icap_request_profile_refs: opt(Schema.Array(Ref)),
  enabled: opt(Bool),
  traffic_enabled: opt(Bool),
  enable_rhi: opt(Bool),
  east_west_placement: opt(Bool),
  ign_pool_net_reach: opt(Bool),
  remove_listening_port_on_vs_down: opt(Bool),
  service_metadata: opt(Str)
})

export const Vip = open({
  vip_id: opt(Str),
  auto_allocate_ip: opt(Bool),
  auto_allocate_floating_ip: opt(Bool),
  auto_allocate_ip_type: opt(Str),
  ip_address: opt(IpAddr),
  ip6_address: opt(IpAddr),
  floating_ip: opt(IpAddr),
  ipam_network_subnet: opt(open({ network_ref: opt(Ref), subnet: opt(IpPrefix), subnet6: opt(IpPrefix) })),
  placement_networks: opt(Schema.Array(open({ network_ref: opt(Ref), subnet: opt(IpPrefix) }))),
  subnet_uuid: opt(Str),
  enabled: opt(Bool),
  avi_allocated_vip: opt(Bool),
  prefix_length: opt(Num)
})

export const VsVipType = defineType("VsVip", {
  ...Owned,
  cloud_ref: opt(Ref),
  east_west_placement: opt(Bool),
  dns_info: opt(Schema.Array(open({ fqdn: opt(Str) }))),
  vsvip_cloud_config_cksum: opt(Str),
  vrf_context_ref: opt(Ref),
  tier1_lr: opt(Str),
  bgp_peer_labels: opt(Strs),
  vip: opt(Schema.Array(Vip))
})

export const PoolServer = open({
  ip: IpAddr,
  port: opt(Num),
  external_uuid: opt(Str),
  enabled: opt(Bool),
  server_node: opt(Str),
  hostname: opt(Str),
  ratio: opt(Num)
})

export const PoolType = defineType("Pool", {
  ...Owned,
  cloud_config_cksum: opt(Str),
  cloud_ref: opt(Ref),
  vrf_ref: opt(Ref),
  tier1_lr: opt(Str),
  service_metadata: opt(Str),
  enabled: opt(Bool),
  sni_enabled: opt(Bool),
  ssl_profile_ref: opt(Ref),
  ssl_key_and_certificate_ref: opt(Ref),
  pki_profile_ref: opt(Ref),
  application_persistence_profile_ref: opt(Ref),
  host_check_enabled: opt(Bool),
  graceful_disable_timeout: opt(Num),
  default_server_port: opt(Num),
  placement_networks: opt(Schema.Array(open({ network_ref: opt(Ref), subnet: opt(IpPrefix) }))),
  domain_name: opt(Strs),
  lb_algorithm: opt(Str),
  lb_algorithm_hash: opt(Str),
  lb_algorithm_consistent_hash_hdr: opt(Str),
  enable_http2: opt(Bool),
  servers: opt(Schema.Array(PoolServer)),
  health_monitor_refs: opt(Schema.Array(Ref))
})

export const PoolGroupType = defineType("PoolGroup", {
  ...Owned,
  cloud_config_cksum: opt(Str),
  cloud_ref: opt(Ref),
  implicit_priority_labels: opt(Bool),
  members: opt(Schema.Array(open({ pool_ref: Ref, ratio: opt(Num), priority_label: opt(Str) })))
})

const HttpMatch = open({
  host_hdr: opt(open({ match_criteria: opt(Str), value: opt(Strs) })),
  path: opt(open({
    match_criteria: opt(Str),
    match_case: opt(Str),
    match_str: opt(Strs),
    string_group_refs: opt(Schema.Array(Ref))
  })),
  vs_port: opt(open({ match_criteria: opt(Str), ports: opt(Nums) }))
})

export const HttpRequestRule = open({
  name: Str,
  index: Num,
  enable: opt(Bool),
  match: opt(HttpMatch),
  switching_action: opt(open({ action: Str, pool_ref: opt(Ref), pool_group_ref: opt(Ref) })),
  redirect_action: opt(open({ protocol: opt(Str), port: opt(Num), status_code: opt(Str) }))
})

export const HttpPolicySetType = defineType("HTTPPolicySet", {
  ...Owned,
  cloud_config_cksum: opt(Str),
  http_request_policy: opt(open({ rules: opt(Schema.Array(HttpRequestRule)) })),
  http_security_policy: opt(open({
    rules: opt(Schema.Array(open({ name: Str, index: Num, enable: opt(Bool), match: opt(HttpMatch) })))
  }))
})

export const L4Rule = open({
  name: Str,
  index: Num,
  enable: opt(Bool),
  match: opt(open({
    port: opt(open({ match_criteria: opt(Str), ports: opt(Nums) })),
    protocol: opt(open({ match_criteria: opt(Str), protocol: opt(Str) }))
  })),
  action: opt(open({
    select_pool: opt(open({ action_type: Str, pool_ref: opt(Ref), pool_group_ref: opt(Ref) }))
  }))
})

export const L4PolicySetType = defineType("L4PolicySet", {
  ...Owned,
  l4_connection_policy: opt(open({ rules: opt(Schema.Array(L4Rule)) }))
})

export const VsDataScriptSetType = defineType("VSDataScriptSet", {
  ...Owned,
  datascript: opt(Schema.Array(open({ evt: Str, script: Str }))),
  pool_group_refs: opt(Schema.Array(Ref)),
  pool_refs: opt(Schema.Array(Ref)),
  string_group_refs: opt(Schema.Array(Ref))
})

export const SslKeyAndCertificateType = defineType("SSLKeyAndCertificate", {
  ...Owned,
  type: opt(Str),
  certificate: opt(open({
    certificate: opt(Str),
    subject: opt(open({ common_name: opt(Str) })),
    not_after: opt(Str),
    expiry_status: opt(Str),
    self_signed: opt(Bool)
  })),
  key: opt(Str),
  ca_certs: opt(Schema.Array(open({ ca_ref: opt(Ref), name: opt(Str) }))),
  status: opt(Str),
  format: opt(Str)
})

export const CloudType = defineType("Cloud", {
  name: Str,
  vtype: opt(Str),
  ipam_provider_ref: opt(Ref),
  dns_provider_ref: opt(Ref),
  vcenter_configuration: opt(open({ management_network: opt(Str) })),
  nsxt_configuration: opt(open({})),
  dhcp_enabled: opt(Bool),
  mtu: opt(Num)
})

export const NetworkType = defineType("Network", {
  ...Owned,
  cloud_ref: opt(Ref),
  vrf_context_ref: opt(Ref),
  configured_subnets: opt(Schema.Array(open({
    prefix: opt(IpPrefix),
    static_ranges: opt(Schema.Array(open({ begin: IpAddr, end: IpAddr })))
  }))),
  dhcp_enabled: opt(Bool),
  exclude_discovered_subnets: opt(Bool),
  vimgrnw_ref: opt(Ref)
})

export const StaticRoute = open({
  route_id: Str,
  prefix: IpPrefix,
  next_hop: IpAddr,
  labels: opt(Schema.Array(KeyValue))
})

export const VrfContextType = defineType("VrfContext", {
  name: Str,
  cloud_ref: opt(Ref),
  system_default: opt(Bool),
  static_routes: opt(Schema.Array(StaticRoute)),
  attrs: opt(Schema.Array(KeyValue))
})

export const ServiceEngineGroupType = defineType("ServiceEngineGroup", {
  name: Str,
  cloud_ref: opt(Ref),
  labels: opt(Schema.Array(KeyValue)),
  mgmt_network_ref: opt(Ref)
})

export const TenantType = defineType("Tenant", {
  name: Str,
  local: opt(Bool),
  attrs: opt(Schema.Array(KeyValue)),
  config_settings: opt(open({}))
})

export const IpamDnsProviderProfileType = defineType("IpamDnsProviderProfile", {
  name: Str,
  type: opt(Str),
  allocate_ip_in_vrf: opt(Bool),
  internal_profile: opt(open({
    usable_networks: opt(Schema.Array(open({ nw_ref: opt(Ref) }))),
    dns_service_domain: opt(
      Schema.Array(open({ domain_name: opt(Str), num_dns_ip: opt(Num), pass_through: opt(Bool) }))
    ),
    ttl: opt(Num)
  }))
})

export const SystemConfigurationType = defineType("SystemConfiguration", {
  name: opt(Str),
  default_license_tier: opt(Str),
  portal_configuration: opt(open({ allow_basic_authentication: opt(Bool) }))
})

/** Types the controller only references or that ako-crd-operator writes; typed as the common envelope. */
const genericType = (model: string) =>
  defineType(model, {
    ...Owned,
    type: opt(Str)
  })

/** Every object type the client knows, by its API path segment. */
export const AviTypes = {
  virtualservice: VirtualServiceType,
  vsvip: VsVipType,
  pool: PoolType,
  poolgroup: PoolGroupType,
  httppolicyset: HttpPolicySetType,
  l4policyset: L4PolicySetType,
  vsdatascriptset: VsDataScriptSetType,
  sslkeyandcertificate: SslKeyAndCertificateType,
  cloud: CloudType,
  network: NetworkType,
  vrfcontext: VrfContextType,
  serviceenginegroup: ServiceEngineGroupType,
  tenant: TenantType,
  ipamdnsproviderprofile: IpamDnsProviderProfileType,
  systemconfiguration: SystemConfigurationType,
  stringgroup: genericType("StringGroup"),
  pkiprofile: genericType("PKIProfile"),
  applicationpersistenceprofile: genericType("ApplicationPersistenceProfile"),
  applicationprofile: genericType("ApplicationProfile"),
  networkprofile: genericType("NetworkProfile"),
  healthmonitor: genericType("HealthMonitor"),
  sslprofile: genericType("SSLProfile"),
  analyticsprofile: genericType("AnalyticsProfile")
} as const

export type AviObjectType = keyof typeof AviTypes

/** What the controller returns for `type`: the typed fields plus `uuid` and any unknown fields. */
export type AviObject<K extends AviObjectType> = Schema.Schema.Type<(typeof AviTypes)[K]["stored"]>

/** What a client sends for `type`: envelope fields optional (a GET result is a valid body). */
export type AviBody<K extends AviObjectType> = Schema.Schema.Type<(typeof AviTypes)[K]["body"]>

export const isAviObjectType = (value: string): value is AviObjectType => Object.hasOwn(AviTypes, value)

export type VirtualService = AviObject<"virtualservice">
export type VsVip = AviObject<"vsvip">
export type Pool = AviObject<"pool">
export type PoolGroup = AviObject<"poolgroup">
export type HttpPolicySet = AviObject<"httppolicyset">
export type L4PolicySet = AviObject<"l4policyset">
export type VsDataScriptSet = AviObject<"vsdatascriptset">
export type SslKeyAndCertificate = AviObject<"sslkeyandcertificate">
export type Cloud = AviObject<"cloud">
export type Network = AviObject<"network">
export type VrfContext = AviObject<"vrfcontext">
export type ServiceEngineGroup = AviObject<"serviceenginegroup">
export type Tenant = AviObject<"tenant">
export type IpamDnsProviderProfile = AviObject<"ipamdnsproviderprofile">
export type SystemConfiguration = AviObject<"systemconfiguration">
