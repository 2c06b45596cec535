/**
 * The object-type table. Everything the store does differently per type is data here, so adding a type is a few
 * lines: its model name (error texts), whether admin's objects are shared with every tenant, whether it lives in
 * a cloud (cloud_ref default, name uniqueness per cloud), its known ref fields, defaults and behaviour hooks.
 */
import { pkiProfileHooks, poolHooks, sslHooks, virtualServiceHooks, vrfContextHooks, vsVipHooks } from "./behaviour.js"

export type Body = Record<string, unknown>

/** One stored object. Refs inside `body` are kept in the internal canonical form `/api/<type>/<uuid>`. */
export interface StoredObject {
  readonly type: string
  readonly uuid: string
  readonly tenant: string
  body: Body
  lastModified: string
  /** Seeded system defaults (System-*, Default-Cloud, admin, ...) cannot be deleted. */
  readonly system: boolean
  /** Sensitive fields (private keys) never rendered; the body shows `<sensitive>`. */
  secrets: Record<string, string>
  /** The user a user-token belongs to. */
  readonly owner?: string
}

/** What hooks may look at while an object is being written. */
export interface StoreView {
  getRef(ref: unknown): StoredObject | undefined
  /** The vsvip holding an address, if any. */
  ipOwner(addr: string): string | undefined
  allocationHint(network: string): number | undefined
  setAllocationHint(network: string, next: number): void
  /** Virtual services whose `vh_parent_vs_ref` points at this one. */
  childrenOf(uuid: string): ReadonlyArray<string>
  touch(type: string, uuid: string): void
}

export interface WriteContext {
  readonly op: "create" | "update"
  readonly uuid: string
  readonly tenant: string
  readonly previous: StoredObject | undefined
  readonly nowMs: number
  readonly store: StoreView
}

export interface TypeHooks {
  /** Fill controller-side fields and validate; refs in `body` are already canonical. May throw AviApiError. */
  readonly prepare?: (body: Body, ctx: WriteContext) => Record<string, string> | void
  /** Claims this object holds in a shared namespace (allocated IP addresses). */
  readonly claims?: (body: Body) => ReadonlyArray<string>
  /** Called after a create, update or delete with the object before and after. */
  readonly afterChange?: (before: StoredObject | undefined, after: StoredObject | undefined, store: StoreView) => void
  /** Adds derived read-only fields to a rendered copy. */
  readonly render?: (out: Body, obj: StoredObject, store: StoreView) => void
}

export interface TypeSpec {
  readonly type: string
  /** Model name as the controller spells it in `<Model> object not found!`. */
  readonly model: string
  /** Admin's objects of this type are readable and referable from every tenant. */
  readonly shared: boolean
  /** Has a `cloud_ref` (defaulted to Default-Cloud); names are unique per tenant and cloud when `nameScope` says so. */
  readonly hasCloud: boolean
  readonly nameScope: "tenant" | "tenant-cloud" | "none"
  /** Known ref fields (top level) and their target type; used for `<field>.name` filters and type checks. */
  readonly refs: Readonly<Record<string, string>>
  readonly defaults?: Readonly<Body>
  /** Ref defaults in input form, resolved in the object's tenant and cloud; skipped if the target is absent. */
  readonly defaultRefs?: Readonly<Record<string, string>>
  readonly required?: ReadonlyArray<string>
  /** Input fields the controller computes itself and ignores on write. */
  readonly readOnly?: ReadonlyArray<string>
  /** Status of "<Model> object not found!" when a ref to this type does not resolve. */
  readonly missingRefStatus?: number
  readonly uuidPrefix?: string
  readonly hooks?: TypeHooks
}

/** Django's verbose name: CamelCase split into lower-case words, first letter capitalised (VrfContext -> Vrf context). */
export const verboseName = (model: string): string => {
  const spaced = model.replace(/((?<=[a-z])[A-Z])|([A-Z](?![A-Z]|$))/g, " $&").toLowerCase().trim()
  return spaced.charAt(0).toUpperCase() + spaced.slice(1)
}

const common = { cloud_ref: "cloud", tenant_ref: "tenant" } as const

const spec = (s: Omit<TypeSpec, "refs"> & { readonly refs?: Readonly<Record<string, string>> }): TypeSpec => ({
  ...s,
  refs: { tenant_ref: "tenant", ...(s.hasCloud ? { cloud_ref: "cloud" } : {}), ...s.refs }
})

const table: ReadonlyArray<TypeSpec> = [
  spec({
    type: "virtualservice",
    model: "VirtualService",
    shared: false,
    hasCloud: true,
    nameScope: "tenant",
    refs: {
      ...common,
      vsvip_ref: "vsvip",
      pool_ref: "pool",
      pool_group_ref: "poolgroup",
      se_group_ref: "serviceenginegroup",
      vrf_context_ref: "vrfcontext",
      application_profile_ref: "applicationprofile",
      network_profile_ref: "networkprofile",
      analytics_profile_ref: "analyticsprofile",
      ssl_profile_ref: "sslprofile",
      vh_parent_vs_ref: "virtualservice",
      waf_policy_ref: "wafpolicy",
      error_page_profile_ref: "errorpageprofile",
      ssl_key_and_certificate_refs: "sslkeyandcertificate"
    },
    defaults: {
      type: "VS_TYPE_NORMAL",
      enabled: true,
      traffic_enabled: true,
      weight: 1,
      flow_dist: "LOAD_AWARE",
      enable_rhi: false,
      east_west_placement: false,
      delay_fairness: false,
      close_client_conn_on_config_update: false,
      ign_pool_net_reach: false,
      remove_listening_port_on_vs_down: false,
      max_cps_per_client: 0,
      limit_doser: false,
      active_standby_se_tag: "ACTIVE_STANDBY_SE_1"
    },
    defaultRefs: {
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      se_group_ref: "/api/serviceenginegroup/?name=Default-Group",
      vrf_context_ref: "/api/vrfcontext/?name=global",
      analytics_profile_ref: "/api/analyticsprofile/?name=System-Analytics-Profile"
    },
    readOnly: ["vh_child_vs_uuid", "cloud_type"],
    hooks: virtualServiceHooks
  }),
  spec({
    type: "vsvip",
    model: "VsVip",
    shared: false,
    hasCloud: true,
    nameScope: "tenant",
    refs: { vrf_context_ref: "vrfcontext" },
    defaults: { east_west_placement: false },
    defaultRefs: { vrf_context_ref: "/api/vrfcontext/?name=global" },
    hooks: vsVipHooks
  }),
  spec({
    type: "pool",
    model: "Pool",
    shared: false,
    hasCloud: true,
    nameScope: "tenant",
    refs: {
      vrf_ref: "vrfcontext",
      ssl_profile_ref: "sslprofile",
      ssl_key_and_certificate_ref: "sslkeyandcertificate",
      pki_profile_ref: "pkiprofile",
      application_persistence_profile_ref: "applicationpersistenceprofile",
      health_monitor_refs: "healthmonitor"
    },
    defaults: {
      default_server_port: 80,
      lb_algorithm: "LB_ALGORITHM_LEAST_CONNECTIONS",
      lb_algorithm_hash: "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS",
      inline_health_monitor: true,
      sni_enabled: true,
      enabled: true,
      connection_ramp_duration: 10,
      request_queue_depth: 128,
      graceful_disable_timeout: 1
    },
    defaultRefs: { vrf_ref: "/api/vrfcontext/?name=global" },
    hooks: poolHooks
  }),
  spec({
    type: "poolgroup",
    model: "PoolGroup",
    shared: false,
    hasCloud: true,
    nameScope: "tenant",
    defaults: { implicit_priority_labels: false, min_servers: 0 }
  }),
  spec({ type: "httppolicyset", model: "HTTPPolicySet", shared: false, hasCloud: false, nameScope: "tenant" }),
  spec({ type: "l4policyset", model: "L4PolicySet", shared: false, hasCloud: false, nameScope: "tenant" }),
  spec({
    type: "vsdatascriptset",
    model: "VSDataScriptSet",
    shared: false,
    hasCloud: false,
    nameScope: "tenant",
    refs: {
      pool_group_refs: "poolgroup",
      pool_refs: "pool",
      string_group_refs: "stringgroup",
      protocol_parser_refs: "protocolparser"
    }
  }),
  // Lua protocol parsers an L4 datascript can `require` (a controller ships Default-TLS and others).
  spec({
    type: "protocolparser",
    model: "ProtocolParser",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["parser_code"]
  }),
  spec({
    type: "sslkeyandcertificate",
    model: "SSLKeyAndCertificate",
    shared: false,
    hasCloud: false,
    nameScope: "tenant",
    required: ["certificate"],
    hooks: sslHooks
  }),
  spec({
    type: "pkiprofile",
    model: "PKIProfile",
    shared: false,
    hasCloud: false,
    nameScope: "tenant",
    defaults: { crl_check: true, ignore_peer_chain: false, validate_only_leaf_crl: true },
    hooks: pkiProfileHooks
  }),
  spec({
    type: "stringgroup",
    model: "StringGroup",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    defaults: { type: "SG_TYPE_STRING", longest_match: false }
  }),
  spec({
    type: "applicationprofile",
    model: "ApplicationProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["type"]
  }),
  spec({
    type: "networkprofile",
    model: "NetworkProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["profile"]
  }),
  spec({
    type: "healthmonitor",
    model: "HealthMonitor",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["type"],
    defaults: { send_interval: 10, receive_timeout: 4, failed_checks: 2, successful_checks: 2, is_federated: false }
  }),
  spec({
    type: "applicationpersistenceprofile",
    model: "ApplicationPersistenceProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["persistence_type"]
  }),
  spec({ type: "sslprofile", model: "SSLProfile", shared: true, hasCloud: false, nameScope: "tenant" }),
  spec({ type: "analyticsprofile", model: "AnalyticsProfile", shared: true, hasCloud: false, nameScope: "tenant" }),
  spec({ type: "errorpageprofile", model: "ErrorPageProfile", shared: true, hasCloud: false, nameScope: "tenant" }),
  spec({ type: "errorpagebody", model: "ErrorPageBody", shared: true, hasCloud: false, nameScope: "tenant" }),
  spec({
    type: "wafpolicy",
    model: "WafPolicy",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    refs: { waf_profile_ref: "wafprofile" },
    defaults: { mode: "WAF_MODE_DETECTION_ONLY" }
  }),
  spec({ type: "wafprofile", model: "WafProfile", shared: true, hasCloud: false, nameScope: "tenant" }),
  // The rest of what AKO's CRDs name (ako-crds.md §0.4); a fresh controller has none of them.
  spec({
    type: "icapprofile",
    model: "ICAPProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    refs: { pool_group_ref: "poolgroup" }
  }),
  spec({ type: "securitypolicy", model: "SecurityPolicy", shared: true, hasCloud: false, nameScope: "tenant" }),
  spec({
    type: "networksecuritypolicy",
    model: "NetworkSecurityPolicy",
    shared: true,
    hasCloud: false,
    nameScope: "tenant"
  }),
  spec({
    type: "botdetectionpolicy",
    model: "BotDetectionPolicy",
    shared: true,
    hasCloud: false,
    nameScope: "tenant"
  }),
  spec({
    type: "trafficcloneprofile",
    model: "TrafficCloneProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant"
  }),
  spec({
    type: "cloud",
    model: "Cloud",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    refs: { ipam_provider_ref: "ipamdnsproviderprofile", dns_provider_ref: "ipamdnsproviderprofile" },
    defaults: { vtype: "CLOUD_NONE", dhcp_enabled: false, mtu: 1500, prefer_static_routes: false }
  }),
  spec({
    type: "serviceenginegroup",
    model: "ServiceEngineGroup",
    shared: true,
    hasCloud: true,
    nameScope: "tenant-cloud",
    refs: { mgmt_network_ref: "network" }
  }),
  spec({
    type: "vrfcontext",
    model: "VrfContext",
    shared: true,
    hasCloud: true,
    nameScope: "tenant-cloud",
    missingRefStatus: 400,
    defaults: { system_default: false },
    hooks: vrfContextHooks
  }),
  spec({
    type: "network",
    model: "Network",
    shared: true,
    hasCloud: true,
    nameScope: "tenant-cloud",
    missingRefStatus: 400,
    refs: { vrf_context_ref: "vrfcontext" },
    defaults: {
      dhcp_enabled: false,
      exclude_discovered_subnets: false,
      synced_from_se: false,
      ip6_autocfg_enabled: false
    },
    defaultRefs: { vrf_context_ref: "/api/vrfcontext/?name=global" }
  }),
  spec({
    type: "ipamdnsproviderprofile",
    model: "IpamDnsProviderProfile",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    required: ["type"],
    defaults: { allocate_ip_in_vrf: false }
  }),
  spec({
    type: "tenant",
    model: "Tenant",
    shared: true,
    hasCloud: false,
    nameScope: "tenant",
    defaults: { local: true }
  }),
  spec({ type: "systemconfiguration", model: "SystemConfiguration", shared: true, hasCloud: false, nameScope: "none" }),
  spec({
    type: "user-token",
    model: "UserToken",
    shared: false,
    hasCloud: false,
    nameScope: "none",
    uuidPrefix: "usertoken"
  })
]

export const typeSpecs: ReadonlyMap<string, TypeSpec> = new Map(table.map((s) => [s.type, s]))

export const specOf = (type: string): TypeSpec | undefined => typeSpecs.get(type)

export const isRefField = (key: string): boolean => key.endsWith("_ref") || key.endsWith("_refs")
