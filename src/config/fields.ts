/**
 * The configuration keys ako-ts understands, with AKO's names: the `avi-k8s-config` ConfigMap key and the environment
 * variable AKO's Helm chart injects for it (reference/ako-objects.md §1). Each key carries its own Schema, default,
 * and the sentence that tells a user what is allowed; the README's configuration table is generated from this list.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** A decoder from the raw string a user wrote to a typed value. */
export type FieldSchema<A> = Schema.Schema<A, string>

export interface FieldSpec<A> {
  /** ConfigMap `avi-k8s-config` key. */
  readonly key: string
  /** Environment variable (AKO's chart name); undefined where AKO reads the key from the ConfigMap only. */
  readonly env: string | undefined
  readonly schema: FieldSchema<A>
  /** Raw default, decoded by `schema` like a user value. Absent and not required: the value is `undefined`. */
  readonly defaultValue: string | undefined
  readonly required: boolean
  readonly allowed: string
  readonly description: string
  /** Re-read from the ConfigMap while running (AKO: logLevel, enableEvents, deleteConfig). */
  readonly live: boolean
}

type Options<A> = Omit<FieldSpec<A>, "required" | "defaultValue" | "live"> & { readonly live?: boolean }

/** A key that must be set, with no default. */
export const required = <A>(options: Options<A>): FieldSpec<A> => ({
  ...options,
  required: true,
  defaultValue: undefined,
  live: options.live ?? false
})

/** A key with a default, decoded by the same schema as user input so the default can never be invalid unnoticed. */
export const withDefault = <A>(defaultValue: string, options: Options<A>): FieldSpec<A> => ({
  ...options,
  required: false,
  defaultValue,
  live: options.live ?? false
})

/** A key that may stay unset. */
export const optional = <A>(options: Options<A>): FieldSpec<A | undefined> => ({
  ...options,
  schema: options.schema as FieldSchema<A | undefined>,
  required: false,
  defaultValue: undefined,
  live: options.live ?? false
})

// ---- value schemas -------------------------------------------------------------------------------------------------

/** Widens a schema whose encoded side is a string subtype (a literal union) to accept any user string. */
const fromString = <A, I extends string>(schema: Schema.Schema<A, I>): FieldSchema<A> =>
  Schema.compose(Schema.String, schema, { strict: false })

const caseInsensitiveLiteral = <const L extends ReadonlyArray<string>>(...literals: L) =>
  fromString(
    Schema.Trim.pipe(Schema.compose(Schema.Uppercase), Schema.compose(Schema.Literal(...literals), { strict: false }))
  )

const lowerCaseLiteral = <const L extends ReadonlyArray<string>>(...literals: L) =>
  fromString(
    Schema.Trim.pipe(Schema.compose(Schema.Lowercase), Schema.compose(Schema.Literal(...literals), { strict: false }))
  )

const exactLiteral = <const L extends ReadonlyArray<string>>(...literals: L) =>
  fromString(Schema.Trim.pipe(Schema.compose(Schema.Literal(...literals), { strict: false })))

const BooleanText = fromString(
  Schema.Trim.pipe(Schema.compose(Schema.Lowercase), Schema.compose(Schema.BooleanFromString, { strict: false }))
)

const NonNegativeInt = Schema.NumberFromString.pipe(Schema.int(), Schema.nonNegative())

const Port = Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 65535))

const ClusterName = Schema.String.pipe(Schema.pattern(/^[a-zA-Z0-9-_]+$/))

const NonEmptyTrimmed = Schema.Trim.pipe(Schema.nonEmptyString())

/** `host`, `host:port`, `[v6]:port`, optionally with an http(s) scheme as some users write it. */
const ControllerAddress = Schema.Trim.pipe(
  Schema.pattern(
    /^(https?:\/\/)?(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?)(:([1-9][0-9]{0,4}))?\/?$/
  ),
  Schema.filter((address) => {
    const port = /:(\d+)\/?$/.exec(address.replace(/^\[[^\]]*\]/, ""))?.[1]
    return port === undefined || Number(port) <= 65535
  })
)

const versionParts = (version: string): ReadonlyArray<number> => version.split(".").map(Number)

const compareVersions = (a: string, b: string): number => {
  const left = versionParts(a)
  const right = versionParts(b)
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}

/** The oldest controller AKO 2.2 supports (reference/ako-objects.md header); below it AKO refuses to start. */
export const MIN_CONTROLLER_VERSION = "22.1.3"

const ControllerVersion = Schema.Trim.pipe(
  Schema.pattern(/^\d+\.\d+(\.\d+){0,2}$/),
  Schema.filter((version) => compareVersions(version, MIN_CONTROLLER_VERSION) >= 0)
)

const Ipv4Cidr = Schema.String.pipe(Schema.pattern(
  /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/
))
const Ipv6Cidr = Schema.String.pipe(Schema.pattern(/^[0-9a-fA-F:]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/))

export const VipNetwork = Schema.Struct({
  networkName: Schema.optional(Schema.NonEmptyString),
  networkUUID: Schema.optional(Schema.NonEmptyString),
  cidr: Schema.optional(Ipv4Cidr),
  v6cidr: Schema.optional(Ipv6Cidr)
}).pipe(Schema.filter((network) => network.networkName !== undefined || network.networkUUID !== undefined))
export type VipNetwork = typeof VipNetwork.Type

const VipNetworkList = Schema.parseJson(Schema.NonEmptyArray(VipNetwork))

/** An IPv4 or IPv6 CIDR as Go's `net.ParseCIDR` takes it (AKO refuses to start on one it cannot parse). */
const NodeCidr = Schema.Union(Ipv4Cidr, Ipv6Cidr)

export const NodeNetwork = Schema.Struct({
  networkName: Schema.optional(Schema.String),
  networkUUID: Schema.optional(Schema.String),
  cidrs: Schema.optional(Schema.Array(NodeCidr))
}).pipe(Schema.filter((network) => (network.networkName ?? "") !== "" || (network.networkUUID ?? "") !== ""))
export type NodeNetwork = typeof NodeNetwork.Type

/** AKO's `NODE_NETWORK_MAX_ENTRIES`. */
export const NODE_NETWORK_MAX_ENTRIES = 5

/** `null` (an unset chart value) and `[]` mean none; more than five entries AKO refuses. */
const NodeNetworkList = Schema.parseJson(Schema.Union(Schema.Array(NodeNetwork), Schema.Null)).pipe(
  Schema.transform(Schema.Array(NodeNetwork).pipe(Schema.maxItems(NODE_NETWORK_MAX_ENTRIES)), {
    strict: true,
    decode: (list) => list ?? [],
    encode: (list) => list
  })
)

/** Helm renders an unset list as `null` with mustToJson; that means "no namespaces". */
const NamespaceList = Schema.parseJson(Schema.Union(Schema.Array(Schema.String), Schema.Null)).pipe(
  Schema.transform(Schema.Array(Schema.String), {
    strict: true,
    decode: (list) => list ?? [],
    encode: (list) => list
  })
)

/** BGP peer labels, a JSON list of strings; unset (`null`) means none. */
const LabelList = NamespaceList

/** Go-style durations as client-go flags take them ("15s", "1500ms", "1m") or plain seconds ("15"). */
const DurationText = Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (raw, _, ast) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(raw)
    if (match === null) return ParseResult.fail(new ParseResult.Type(ast, raw))
    const amount = Number(match[1])
    const unit = match[2] ?? "s"
    const millis = unit === "ms" ? amount : unit === "m" ? amount * 60_000 : amount * 1000
    return millis > 0 ? ParseResult.succeed(Duration.millis(millis)) : ParseResult.fail(
      new ParseResult.Type(ast, raw)
    )
  },
  encode: (duration) => ParseResult.succeed(`${Duration.toMillis(duration)}ms`)
})

// ---- the keys ------------------------------------------------------------------------------------------------------

export const SHARD_SIZES = { LARGE: 8, MEDIUM: 4, SMALL: 1, DEDICATED: 0 } as const
export type ShardSize = keyof typeof SHARD_SIZES

export const fields = {
  controllerIP: required({
    key: "controllerIP",
    env: "CTRL_IPADDRESS",
    schema: ControllerAddress,
    allowed: "the Avi Controller as host or host:port (port 1-65535)",
    description: "Avi Controller address."
  }),
  controllerVersion: optional({
    key: "controllerVersion",
    env: "CTRL_VERSION",
    schema: ControllerVersion,
    allowed: `an Avi API version such as 22.1.3 or 30.2.1, at least ${MIN_CONTROLLER_VERSION}`,
    description: "X-Avi-Version to send. Unset: read from the controller, capped at 30.2.1 as AKO does."
  }),
  clusterName: required({
    key: "clusterName",
    env: "CLUSTER_NAME",
    schema: ClusterName,
    allowed: "a non-empty name matching ^[a-zA-Z0-9-_]*$",
    description: "Names every Avi object `<clusterName>--…` and sets `created_by: ako-<clusterName>`."
  }),
  cloudName: required({
    key: "cloudName",
    env: "CLOUD_NAME",
    schema: NonEmptyTrimmed,
    allowed: "the name of an Avi cloud, e.g. Default-Cloud",
    description: "Avi cloud the virtual services are placed in."
  }),
  vipNetworkList: required({
    key: "vipNetworkList",
    env: "VIP_NETWORK_LIST",
    schema: VipNetworkList,
    allowed: "a non-empty JSON list like [{\"networkName\":\"vip-net\",\"cidr\":\"10.0.0.0/24\"}]",
    description:
      "IPAM networks VIPs are allocated from. One entry, except on AWS clouds, where every entry gives the VsVip " +
      "a vip in that subnet (on Azure and OpenStack too, by subnet name)."
  }),
  enableRhi: withDefault("false", {
    key: "enableRHI",
    env: "ENABLE_RHI",
    schema: BooleanText,
    allowed: "true or false",
    description: "Route health injection: every virtual service advertises its VIP over BGP (enable_rhi), as in AKO."
  }),
  bgpPeerLabels: withDefault("[]", {
    key: "bgpPeerLabels",
    env: "BGP_PEER_LABELS",
    schema: LabelList,
    allowed: "a JSON list of BGP peer labels, e.g. [\"peer1\"]",
    description: "With enableRHI: the BGP peers the VsVips are advertised to (bgp_peer_labels)."
  }),
  serviceEngineGroupName: withDefault("Default-Group", {
    key: "serviceEngineGroupName",
    env: "SEG_NAME",
    schema: NonEmptyTrimmed,
    allowed: "the name of an Avi service engine group",
    description: "Service engine group of the virtual services."
  }),
  tenantName: withDefault("admin", {
    key: "tenantName",
    env: "TENANT_NAME",
    schema: NonEmptyTrimmed,
    allowed: "the name of an Avi tenant",
    description: "Avi tenant objects are created in, unless their Namespace's ako.vmware.com/tenant-name " +
      "annotation names another (shared VIPs always stay here)."
  }),
  dedicatedTenantMode: withDefault("false", {
    key: "dedicatedTenantMode",
    env: "DEDICATED_TENANT_MODE",
    schema: BooleanText,
    allowed: "true or false",
    description: "Read and write only the tenantName tenant: the Avi cache lists with X-Avi-Tenant <tenantName> " +
      "instead of *, and Namespaces' ako.vmware.com/tenant-name annotations are not followed. false: a Namespace's " +
      "annotation names the tenant of its objects."
  }),
  vrfName: optional({
    key: "vrfName",
    env: "VRF_NAME",
    schema: NonEmptyTrimmed,
    allowed: "the name of an Avi VRF context",
    description: "VRF of the virtual services, VsVips, pools and static routes in ClusterIP mode on vCenter and " +
      "no-access clouds (and in NodePort mode); unset: the VIP network's VRF, as in AKO. Public clouds use global."
  }),
  nodeNetworkList: withDefault("[]", {
    key: "nodeNetworkList",
    env: "NODE_NETWORK_LIST",
    schema: NodeNetworkList,
    allowed: `a JSON list of at most ${NODE_NETWORK_MAX_ENTRIES} entries like ` +
      "[{\"networkName\":\"node-net\",\"cidrs\":[\"10.0.0.0/24\"]}] (networkUUID instead of networkName also works)",
    description: "ClusterIP mode on vCenter and NSX-T VLAN clouds (required there, as in AKO): the networks and " +
      "CIDRs of the nodes, sent as every pool's placement_networks. Names are resolved to UUIDs on vCenter at start."
  }),
  nsxtT1LR: optional({
    key: "nsxtT1LR",
    env: "NSXT_T1_LR",
    schema: NonEmptyTrimmed,
    allowed: "an NSX-T tier-1 router path such as /infra/tier-1s/avi-t1 (NSX-T clouds only)",
    description: "NSX-T: the tier-1 router virtual services, VsVips and pools use (tier1_lr) instead of a VRF. " +
      "Required on NSX-T overlay transport zones, refused on VLAN ones and on other clouds, as in AKO."
  }),
  vpcMode: withDefault("false", {
    key: "vpcMode",
    env: "VPC_MODE",
    schema: BooleanText,
    allowed: "true or false",
    description: "NSX-T VPC mode: a VsVip's vip names the VPC of its tier-1 path " +
      "(subnet_uuid <project>_AVISEPARATOR_<vpc>_AVISEPARATOR_PUBLIC) instead of an IPAM network."
  }),
  shardVSSize: withDefault("SMALL", {
    key: "shardVSSize",
    env: "SHARD_VS_SIZE",
    schema: caseInsensitiveLiteral("LARGE", "MEDIUM", "SMALL", "DEDICATED"),
    allowed: "one of LARGE (8), MEDIUM (4), SMALL (1), DEDICATED",
    description: "Number of shared L7 virtual services Ingress hosts are spread over (AKO's code default is SMALL)."
  }),
  passthroughShardSize: withDefault("SMALL", {
    key: "passthroughShardSize",
    env: "PASSTHROUGH_SHARD_SIZE",
    schema: caseInsensitiveLiteral("LARGE", "MEDIUM", "SMALL"),
    allowed: "one of LARGE, MEDIUM, SMALL",
    description: "Shard size for passthrough routes."
  }),
  noPGForSNI: withDefault("false", {
    key: "noPGForSNI",
    // AKO reads this one from the ConfigMap only (its chart injects no variable for it).
    env: undefined,
    schema: BooleanText,
    allowed: "true or false",
    description: "Ingress paths of SNI and dedicated virtual services switch to their pools directly, without pool " +
      "groups (pools are then named `<pool>--policy-to-pool`)."
  }),
  ipFamily: optional({
    key: "ipFamily",
    env: "IP_FAMILY",
    schema: exactLiteral("V4", "V6", "V4_V6"),
    allowed: "V4, V6 or V4_V6",
    description: "IP families of pool servers and VIPs. Honoured on vCenter, NSX-T and no-access clouds only, where " +
      "unset means dual stack (V4_V6), as in AKO; every other cloud uses V4."
  }),
  serviceType: withDefault("ClusterIP", {
    key: "serviceType",
    env: "SERVICE_TYPE",
    schema: exactLiteral("ClusterIP", "NodePort"),
    allowed: "ClusterIP or NodePort (NodePortLocal is not supported by ako-ts)",
    description: "Pool servers from EndpointSlices (ClusterIP) or node IPs and node ports (NodePort)."
  }),
  nodeKey: optional({
    key: "nodeKey",
    env: "NODE_KEY",
    schema: NonEmptyTrimmed,
    allowed: "a node label key",
    description: "NodePort mode: only nodes with this label (and NODE_VALUE) become pool servers."
  }),
  nodeValue: optional({
    key: "nodeValue",
    env: "NODE_VALUE",
    schema: Schema.String,
    allowed: "a node label value",
    description: "NodePort mode: the value of the NODE_KEY label."
  }),
  defaultDomain: optional({
    key: "defaultDomain",
    env: "DEFAULT_DOMAIN",
    schema: NonEmptyTrimmed,
    allowed: "a DNS sub-domain of the cloud's IPAM/DNS profile",
    description: "Preferred sub-domain for automatic L4 FQDNs."
  }),
  autoFQDN: withDefault("disabled", {
    key: "autoFQDN",
    env: "AUTO_L4_FQDN",
    schema: exactLiteral("default", "flat", "disabled"),
    allowed: "default (<svc>.<ns>.<domain>), flat (<svc>-<ns>.<domain>) or disabled",
    description: "Automatic FQDN for LoadBalancer Services."
  }),
  defaultLBController: withDefault("true", {
    key: "defaultLBController",
    env: "DEFAULT_LB_CONTROLLER",
    schema: BooleanText,
    allowed: "true or false",
    description: "Handle LoadBalancer Services without spec.loadBalancerClass."
  }),
  cniPlugin: optional({
    key: "cniPlugin",
    env: "CNI_PLUGIN",
    schema: lowerCaseLiteral("calico", "canal", "flannel", "openshift", "antrea", "ncp", "ovn-kubernetes", "cilium"),
    allowed: "one of calico, canal, flannel, openshift, antrea, ncp, ovn-kubernetes, cilium",
    description: "Where static route sync reads pod CIDRs and node IPs: Calico's BlockAffinities, OpenShift's " +
      "HostSubnets, CiliumNodes (watched only with that cniPlugin), OVN's node-subnets annotation, else the node's " +
      "ako.vmware.com/pod-cidrs annotation or spec.podCIDRs; node IPs from Calico's and Antrea's node address " +
      "annotations, else the InternalIPs."
  }),
  layer7Only: withDefault("false", {
    key: "layer7Only",
    env: "LAYER7_ONLY",
    schema: BooleanText,
    allowed: "true or false",
    description: "Ignore LoadBalancer Services; handle Ingresses and Routes only."
  }),
  disableStaticRouteSync: withDefault("false", {
    key: "disableStaticRouteSync",
    env: "DISABLE_STATIC_ROUTE_SYNC",
    schema: BooleanText,
    allowed: "true or false",
    description: "false (AKO's default) in ClusterIP mode: the leader keeps one static route per node pod CIDR " +
      "(next hop the node) in the VRF, and labels the SE group clustername=<clusterName> if it has no labels; " +
      "deleteConfig removes both."
  }),
  blockedNamespaceList: withDefault("[]", {
    key: "blockedNamespaceList",
    env: "BLOCKED_NS_LIST",
    schema: NamespaceList,
    allowed: "a JSON list of namespace names",
    description: "Namespaces whose objects are ignored."
  }),
  namespaceSyncLabelKey: optional({
    key: "nsSyncLabelKey",
    env: "NAMESPACE_SYNC_LABEL_KEY",
    schema: NonEmptyTrimmed,
    allowed: "a namespace label key",
    description: "Only namespaces with this label (and value) are handled."
  }),
  namespaceSyncLabelValue: optional({
    key: "nsSyncLabelValue",
    env: "NAMESPACE_SYNC_LABEL_VALUE",
    schema: Schema.String,
    allowed: "a namespace label value",
    description: "Value of the namespace sync label."
  }),
  fullSyncFrequency: withDefault("1800", {
    key: "fullSyncFrequency",
    env: "FULL_SYNC_INTERVAL",
    schema: NonNegativeInt,
    allowed: "a whole number of seconds, 0 to disable",
    description: "Seconds between periodic full resyncs of every object."
  }),
  apiServerPort: withDefault("8080", {
    key: "apiServerPort",
    env: "AKO_API_PORT",
    schema: Port,
    allowed: "a TCP port 1-65535",
    description: "Port of /healthz, /readyz and /metrics."
  }),
  logLevel: withDefault("INFO", {
    key: "logLevel",
    env: "LOG_LEVEL",
    schema: caseInsensitiveLiteral("DEBUG", "INFO", "WARN", "ERROR"),
    allowed: "one of DEBUG, INFO, WARN, ERROR",
    description: "Log level; changes in the ConfigMap apply without restart.",
    live: true
  }),
  enableEvents: withDefault("true", {
    key: "enableEvents",
    env: "ENABLE_EVENTS",
    schema: BooleanText,
    allowed: "true or false",
    description: "Write Kubernetes Events; changes apply without restart.",
    live: true
  }),
  deleteConfig: withDefault("false", {
    key: "deleteConfig",
    env: "DELETE_CONFIG",
    schema: BooleanText,
    allowed: "true or false",
    description: "true: delete every Avi object this cluster owns and stop syncing; false: sync again. Live.",
    live: true
  }),
  leaseDuration: withDefault("15s", {
    key: "leaseDuration",
    env: "LEASE_DURATION",
    schema: DurationText,
    allowed: "a positive duration such as 15s, 1500ms or 1m (plain numbers are seconds)",
    description: "ako-ts: how long a Lease is valid for other replicas after its last renewal (client-go default 15s)."
  }),
  renewDeadline: withDefault("10s", {
    key: "renewDeadline",
    env: "RENEW_DEADLINE",
    schema: DurationText,
    allowed: "a positive duration below leaseDuration",
    description: "ako-ts: the leader stops writing when it has not renewed for this long (client-go default 10s)."
  }),
  retryPeriod: withDefault("2s", {
    key: "retryPeriod",
    env: "RETRY_PERIOD",
    schema: DurationText,
    allowed: "a positive duration, at most renewDeadline / 1.2",
    description: "ako-ts: interval between acquire and renew attempts (client-go default 2s)."
  })
} as const

export type Fields = typeof fields
export type FieldValue<F> = F extends FieldSpec<infer A> ? A : never

/** Decodes one raw string with a field's schema; `undefined` on failure (the caller reports the issue). */
export const decodeField = <A>(spec: FieldSpec<A>, raw: string): Either.Either<A, void> =>
  Schema.decodeEither(spec.schema)(raw).pipe(Either.mapLeft(() => undefined))

export { compareVersions }
