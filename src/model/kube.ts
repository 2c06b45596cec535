/**
 * The Kubernetes objects the model reads, in their API JSON shape (field names as the API serves them), reduced to
 * the fields the translation uses. Everything the API may omit is optional, so objects decoded from API JSON by the
 * k8s layer are assignable as they are.
 */
import type { NodeNetworkPlacement } from "./checksum.js"

export interface ObjectMeta {
  readonly name?: string | undefined
  readonly namespace?: string | undefined
  readonly uid?: string | undefined
  readonly resourceVersion?: string | undefined
  readonly creationTimestamp?: string | undefined
  readonly deletionTimestamp?: string | undefined
  readonly annotations?: Readonly<Record<string, string>> | undefined
  readonly labels?: Readonly<Record<string, string>> | undefined
}

export interface ServicePort {
  readonly name?: string | undefined
  readonly protocol?: string | undefined
  readonly port: number
  readonly targetPort?: number | string | undefined
  readonly nodePort?: number | undefined
}

export interface Service {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly type?: string | undefined
    readonly ports?: ReadonlyArray<ServicePort> | undefined
    readonly loadBalancerIP?: string | undefined
    readonly loadBalancerClass?: string | undefined
    readonly externalTrafficPolicy?: string | undefined
    readonly ipFamilies?: ReadonlyArray<string> | undefined
  } | undefined
}

export interface EndpointSlice {
  readonly metadata?: ObjectMeta | undefined
  readonly addressType?: string | undefined
  readonly endpoints?:
    | ReadonlyArray<{
      readonly addresses?: ReadonlyArray<string> | undefined
      readonly conditions?: {
        readonly ready?: boolean | undefined
        readonly serving?: boolean | undefined
        readonly terminating?: boolean | undefined
      } | undefined
      readonly nodeName?: string | undefined
    }>
    | undefined
  readonly ports?:
    | ReadonlyArray<{
      readonly name?: string | undefined
      readonly port?: number | undefined
      readonly protocol?: string | undefined
    }>
    | undefined
}

export interface IngressBackend {
  readonly service?: {
    readonly name?: string | undefined
    readonly port?: { readonly number?: number | undefined; readonly name?: string | undefined } | undefined
  } | undefined
}

export interface Ingress {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly ingressClassName?: string | undefined
    readonly defaultBackend?: IngressBackend | undefined
    readonly tls?:
      | ReadonlyArray<{
        readonly hosts?: ReadonlyArray<string> | undefined
        readonly secretName?: string | undefined
      }>
      | undefined
    readonly rules?:
      | ReadonlyArray<{
        readonly host?: string | undefined
        readonly http?: {
          readonly paths?:
            | ReadonlyArray<{
              readonly path?: string | undefined
              readonly pathType?: string | undefined
              readonly backend?: IngressBackend | undefined
            }>
            | undefined
        } | undefined
      }>
      | undefined
  } | undefined
}

export interface IngressClass {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly controller?: string | undefined
    /** `{apiGroup: ako.vmware.com, kind: AviInfraSetting, name}` binds the class's Ingresses to an AviInfraSetting. */
    readonly parameters?: {
      readonly apiGroup?: string | undefined
      readonly kind?: string | undefined
      readonly name?: string | undefined
    } | undefined
  } | undefined
}

export interface Secret {
  readonly metadata?: ObjectMeta | undefined
  readonly type?: string | undefined
  /** Base64 values, as the API serves them. */
  readonly data?: Readonly<Record<string, string>> | undefined
}

export interface Namespace {
  readonly metadata?: ObjectMeta | undefined
}

export interface Node {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly unschedulable?: boolean | undefined
    readonly podCIDR?: string | undefined
    readonly podCIDRs?: ReadonlyArray<string> | undefined
  } | undefined
  readonly status?: {
    readonly addresses?:
      | ReadonlyArray<{ readonly type?: string | undefined; readonly address?: string | undefined }>
      | undefined
  } | undefined
}

/** Calico's `crd.projectcalico.org/v1` BlockAffinity (cluster-scoped): a block of pod addresses held by a node. */
export interface BlockAffinity {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly node?: string | undefined
    readonly cidr?: string | undefined
    readonly state?: string | undefined
    /** A string ("true"/"false"), as Calico defines it. */
    readonly deleted?: string | undefined
  } | undefined
}

/** OpenShift SDN's `network.openshift.io/v1` HostSubnet (cluster-scoped); its fields sit at the top level. */
export interface HostSubnet {
  readonly metadata?: ObjectMeta | undefined
  readonly host?: string | undefined
  readonly hostIP?: string | undefined
  readonly subnet?: string | undefined
}

/** Cilium's `cilium.io/v2` CiliumNode (cluster-scoped), named after its Node. */
export interface CiliumNode {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly ipam?: { readonly podCIDRs?: ReadonlyArray<string> | undefined } | undefined
  } | undefined
}

export interface RouteTargetReference {
  readonly kind?: string | undefined
  readonly name?: string | undefined
  readonly weight?: number | undefined
}

export interface Route {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly host?: string | undefined
    readonly subdomain?: string | undefined
    readonly path?: string | undefined
    readonly to?: RouteTargetReference | undefined
    readonly alternateBackends?: ReadonlyArray<RouteTargetReference> | undefined
    readonly port?: { readonly targetPort?: number | string | undefined } | undefined
    readonly tls?: {
      readonly termination?: string | undefined
      readonly certificate?: string | undefined
      readonly key?: string | undefined
      readonly caCertificate?: string | undefined
      readonly destinationCACertificate?: string | undefined
      readonly insecureEdgeTerminationPolicy?: string | undefined
    } | undefined
  } | undefined
}

/** AKO's CRD status (`status.status` is `Accepted` or `Rejected`; `error` says why). */
export interface CrdStatus {
  readonly status?: string | undefined
  readonly error?: string | undefined
}

export interface CertificateRef {
  readonly name?: string | undefined
  /** `ref`: an Avi sslkeyandcertificate by name; `secret`: a Secret in the rule's namespace. */
  readonly type?: string | undefined
}

export interface AnalyticsPolicySpec {
  readonly fullClientLogs?: {
    readonly enabled?: boolean | undefined
    readonly throttle?: string | undefined
    readonly duration?: number | undefined
  } | undefined
  readonly logAllHeaders?: boolean | undefined
}

/** `spec.virtualhost` of a HostRule (ako.vmware.com/v1beta1), reference/ako-crds.md §1.1. */
export interface HostRuleVirtualHost {
  readonly fqdn?: string | undefined
  readonly fqdnType?: string | undefined
  readonly enableVirtualHost?: boolean | undefined
  readonly tls?: {
    readonly sslKeyCertificate?:
      | CertificateRef & {
        readonly alternateCertificate?: CertificateRef | undefined
      }
      | undefined
    readonly sslProfile?: string | undefined
    readonly termination?: string | undefined
  } | undefined
  readonly httpPolicy?: {
    readonly policySets?: ReadonlyArray<string> | undefined
    readonly overwrite?: boolean | undefined
  } | undefined
  readonly wafPolicy?: string | undefined
  readonly applicationProfile?: string | undefined
  readonly analyticsProfile?: string | undefined
  readonly errorPageProfile?: string | undefined
  readonly networkSecurityPolicy?: string | undefined
  readonly l7Rule?: string | undefined
  readonly applicationRootPath?: string | undefined
  readonly icapProfile?: ReadonlyArray<string> | undefined
  readonly datascripts?: ReadonlyArray<string> | undefined
  readonly aliases?: ReadonlyArray<string> | undefined
  readonly useRegex?: boolean | undefined
  readonly gslb?: { readonly fqdn?: string | undefined; readonly includeAliases?: boolean | undefined } | undefined
  readonly analyticsPolicy?: AnalyticsPolicySpec | undefined
  readonly tcpSettings?: {
    readonly listeners?:
      | ReadonlyArray<{ readonly port?: number | undefined; readonly enableSSL?: boolean | undefined }>
      | undefined
    readonly loadBalancerIP?: string | undefined
  } | undefined
}

export interface HostRule {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: { readonly virtualhost?: HostRuleVirtualHost | undefined } | undefined
  readonly status?: CrdStatus | undefined
}

/** One `spec.paths[]` entry of an HTTPRule (ako.vmware.com/v1beta1), reference/ako-crds.md §2.1. */
export interface HTTPRulePath {
  readonly target?: string | undefined
  readonly loadBalancerPolicy?: {
    readonly algorithm?: string | undefined
    readonly hash?: string | undefined
    readonly hostHeader?: string | undefined
  } | undefined
  readonly healthMonitors?: ReadonlyArray<string> | undefined
  readonly applicationPersistence?: string | undefined
  readonly enableHTTP2?: boolean | undefined
  readonly tls?: {
    readonly type?: string | undefined
    readonly sslProfile?: string | undefined
    readonly pkiProfile?: string | undefined
    readonly destinationCA?: string | undefined
  } | undefined
}

export interface HTTPRule {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly fqdn?: string | undefined
    readonly paths?: ReadonlyArray<HTTPRulePath> | undefined
  } | undefined
  readonly status?: CrdStatus | undefined
}

/** One `spec.backendProperties[]` entry of an L4Rule: settings of the pool of one Service port and protocol. */
export interface L4RuleBackend {
  readonly port?: number | undefined
  readonly protocol?: string | undefined
  readonly enabled?: boolean | undefined
  readonly lbAlgorithm?: string | undefined
  readonly lbAlgorithmHash?: string | undefined
  readonly lbAlgorithmConsistentHashHdr?: string | undefined
  readonly applicationPersistenceProfileRef?: string | undefined
  readonly healthMonitorRefs?: ReadonlyArray<string> | undefined
  readonly healthMonitorCrdRefs?: ReadonlyArray<string> | undefined
  readonly minServersUp?: number | undefined
  readonly pkiProfileRef?: string | undefined
  readonly sslKeyAndCertificateRef?: string | undefined
  readonly sslProfileRef?: string | undefined
  readonly analyticsPolicy?: { readonly enableRealtimeMetrics?: boolean | undefined } | undefined
}

/**
 * An L4Rule (ako.vmware.com/v1alpha2), named by a LoadBalancer Service's `ako.vmware.com/l4rule` annotation
 * (reference/ako-crds.md §4). The API server fills the schema defaults, so they are present on stored objects.
 */
export interface L4Rule {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly analyticsProfileRef?: string | undefined
    readonly applicationProfileRef?: string | undefined
    readonly networkProfileRef?: string | undefined
    readonly analyticsPolicy?: {
      readonly fullClientLogs?: {
        readonly enabled?: boolean | undefined
        readonly duration?: number | undefined
        readonly throttle?: number | undefined
      } | undefined
    } | undefined
    readonly performanceLimits?: {
      readonly maxConcurrentConnections?: number | undefined
      readonly maxThroughput?: number | undefined
    } | undefined
    readonly loadBalancerIP?: string | undefined
    readonly networkSecurityPolicyRef?: string | undefined
    readonly securityPolicyRef?: string | undefined
    readonly sslProfileRef?: string | undefined
    readonly sslKeyAndCertificateRefs?: ReadonlyArray<string> | undefined
    readonly vsDatascriptRefs?: ReadonlyArray<string> | undefined
    readonly revokeVipRoute?: boolean | undefined
    readonly listenerProperties?:
      | ReadonlyArray<{
        readonly port?: number | undefined
        readonly protocol?: string | undefined
        readonly enableSsl?: boolean | undefined
      }>
      | undefined
    readonly backendProperties?: ReadonlyArray<L4RuleBackend> | undefined
  } | undefined
  readonly status?: CrdStatus | undefined
}

/** A VIP network of an AviInfraSetting (`networkUUID` wins over `networkName` when both are given). */
export interface InfraVipNetwork {
  readonly networkName?: string | undefined
  readonly networkUUID?: string | undefined
  readonly cidr?: string | undefined
  readonly v6cidr?: string | undefined
}

/** A node network of an AviInfraSetting: pool placement networks. */
export interface InfraNodeNetwork {
  readonly networkName?: string | undefined
  readonly networkUUID?: string | undefined
  readonly cidrs?: ReadonlyArray<string> | undefined
}

/**
 * An AviInfraSetting (ako.vmware.com/v1beta1, cluster-scoped; reference/ako-crds.md §3): SE group, networks, RHI and
 * shard size for the Ingresses of an IngressClass that names it, or for Services and Namespaces annotated with it.
 */
export interface AviInfraSetting {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: {
    readonly seGroup?: { readonly name?: string | undefined } | undefined
    readonly network?: {
      readonly vipNetworks?: ReadonlyArray<InfraVipNetwork> | undefined
      readonly nodeNetworks?: ReadonlyArray<InfraNodeNetwork> | undefined
      readonly enableRhi?: boolean | undefined
      readonly enablePublicIP?: boolean | undefined
      readonly bgpPeerLabels?: ReadonlyArray<string> | undefined
      readonly listeners?:
        | ReadonlyArray<{
          readonly port?: number | undefined
          readonly enableSSL?: boolean | undefined
          readonly enableHTTP2?: boolean | undefined
        }>
        | undefined
    } | undefined
    readonly l7Settings?: { readonly shardSize?: string | undefined } | undefined
    readonly nsxSettings?: { readonly t1lr?: string | undefined } | undefined
  } | undefined
  readonly status?: CrdStatus | undefined
  /**
   * Not from Kubernetes: `spec.network.nodeNetworks` as ako-ts resolved them on the controller (vCenter names to
   * UUIDs, as AKO's `SetAviInfrasettingNodeNetworks`); `null` where AKO would not apply them (a network or CIDR it
   * could not use), so the global node networks stay. Absent: used as written.
   */
  readonly resolvedNodeNetworks?: ReadonlyArray<NodeNetworkPlacement> | null | undefined
}

/** An L7Rule (ako.vmware.com/v1alpha2): only validated in SNI mode (reference/ako-crds.md §5), so its spec is opaque. */
export interface L7Rule {
  readonly metadata?: ObjectMeta | undefined
  readonly spec?: Readonly<Record<string, unknown>> | undefined
  readonly status?: CrdStatus | undefined
}

/** Every Kubernetes object the model reads, keyed `ns/name` (cluster-scoped kinds: `name`). */
export interface ClusterSnapshot {
  readonly services: ReadonlyMap<string, Service>
  readonly endpointSlices: ReadonlyMap<string, EndpointSlice>
  readonly ingresses: ReadonlyMap<string, Ingress>
  readonly ingressClasses: ReadonlyMap<string, IngressClass>
  readonly secrets: ReadonlyMap<string, Secret>
  readonly namespaces: ReadonlyMap<string, Namespace>
  readonly nodes: ReadonlyMap<string, Node>
  readonly routes: ReadonlyMap<string, Route>
  /**
   * HostRules and HTTPRules in effect: only those validation accepted, each with the spec it accepted (a rule
   * edited into something invalid keeps its previous spec in effect, as in AKO). Validation lives outside the model.
   */
  readonly hostRules: ReadonlyMap<string, HostRule>
  readonly httpRules: ReadonlyMap<string, HTTPRule>
  /** L4Rules in effect, as the HostRules. */
  readonly l4Rules: ReadonlyMap<string, L4Rule>
  /** AviInfraSettings in effect (keyed by name), as the HostRules. */
  readonly aviInfraSettings: ReadonlyMap<string, AviInfraSetting>
  /**
   * Every AviInfraSetting the cluster holds, accepted or not: an Ingress whose setting exists but is not in effect
   * keeps what Avi has instead of losing it (absent: none known).
   */
  readonly aviInfraSettingsStored?: ReadonlyMap<string, AviInfraSetting> | undefined
}

/** The AKO rules the model reads, each map holding only those in effect (validation decides which). */
export type RulesInEffect = Pick<ClusterSnapshot, "hostRules" | "httpRules" | "l4Rules" | "aviInfraSettings">

export type ObjectKind =
  | "Service"
  | "EndpointSlice"
  | "Ingress"
  | "IngressClass"
  | "Secret"
  | "Namespace"
  | "Node"
  | "Route"
  | "HostRule"
  | "HTTPRule"
  | "L7Rule"
  | "L4Rule"
  | "AviInfraSetting"

/** A Kubernetes object by kind and name (namespace absent for cluster-scoped kinds). */
export interface ObjectRef {
  readonly kind: ObjectKind
  readonly namespace?: string | undefined
  readonly name: string
}

const CLUSTER_SCOPED: ReadonlySet<ObjectKind> = new Set(["IngressClass", "Namespace", "Node", "AviInfraSetting"])

/** The snapshot key of an object: `ns/name`, or `name` for cluster-scoped kinds. */
export const keyOf = (kind: ObjectKind, namespace: string | undefined, name: string): string =>
  CLUSTER_SCOPED.has(kind) || namespace === undefined ? name : `${namespace}/${name}`

export const refKey = (ref: ObjectRef): string => `${ref.kind}/${keyOf(ref.kind, ref.namespace, ref.name)}`

/** The ref a `refKey` names (Kubernetes names and namespaces never contain a slash). */
export const refFromKey = (key: string): ObjectRef => {
  const slash = key.indexOf("/")
  const kind = key.slice(0, slash) as ObjectKind
  const rest = key.slice(slash + 1)
  const inner = rest.indexOf("/")
  return CLUSTER_SCOPED.has(kind) || inner < 0 ?
    { kind, name: rest } :
    { kind, namespace: rest.slice(0, inner), name: rest.slice(inner + 1) }
}

export const objectRef = (
  kind: ObjectKind,
  object: { readonly metadata?: ObjectMeta | undefined }
): ObjectRef => {
  const name = object.metadata?.name ?? ""
  return CLUSTER_SCOPED.has(kind) ? { kind, name } : { kind, namespace: object.metadata?.namespace ?? "", name }
}

export interface SnapshotParts {
  readonly services?: Iterable<Service>
  readonly endpointSlices?: Iterable<EndpointSlice>
  readonly ingresses?: Iterable<Ingress>
  readonly ingressClasses?: Iterable<IngressClass>
  readonly secrets?: Iterable<Secret>
  readonly namespaces?: Iterable<Namespace>
  readonly nodes?: Iterable<Node>
  readonly routes?: Iterable<Route>
  readonly hostRules?: Iterable<HostRule>
  readonly httpRules?: Iterable<HTTPRule>
  readonly l4Rules?: Iterable<L4Rule>
  readonly aviInfraSettings?: Iterable<AviInfraSetting>
}

const byKey = <T extends { readonly metadata?: ObjectMeta | undefined }>(
  kind: ObjectKind,
  objects: Iterable<T> | undefined
): ReadonlyMap<string, T> => {
  const map = new Map<string, T>()
  for (const object of objects ?? []) {
    map.set(keyOf(kind, object.metadata?.namespace, object.metadata?.name ?? ""), object)
  }
  return map
}

/** A snapshot from plain lists of objects (tests, and reflector stores that hold arrays). */
export const makeSnapshot = (parts: SnapshotParts): ClusterSnapshot => ({
  services: byKey("Service", parts.services),
  endpointSlices: byKey("EndpointSlice", parts.endpointSlices),
  ingresses: byKey("Ingress", parts.ingresses),
  ingressClasses: byKey("IngressClass", parts.ingressClasses),
  secrets: byKey("Secret", parts.secrets),
  namespaces: byKey("Namespace", parts.namespaces),
  nodes: byKey("Node", parts.nodes),
  routes: byKey("Route", parts.routes),
  hostRules: byKey("HostRule", parts.hostRules),
  httpRules: byKey("HTTPRule", parts.httpRules),
  l4Rules: byKey("L4Rule", parts.l4Rules),
  aviInfraSettings: byKey("AviInfraSetting", parts.aviInfraSettings)
})

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name"

/**
 * The Service a slice serves, as `<namespace>/<service>` of its `kubernetes.io/service-name` label: the value the
 * EndpointSlice store is indexed by (K8sConfig.endpointSliceIndex), and how a Service's slices are looked up.
 */
export const serviceKeyOfSlice = (slice: EndpointSlice): string | undefined => {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL]
  return service === undefined ? undefined : `${slice.metadata?.namespace ?? ""}/${service}`
}

/**
 * A store that keeps its objects indexed as they change (the reflectors' stores), each value's objects in store-key
 * order; the EndpointSlice store by `serviceKeyOfSlice`.
 */
export interface IndexedStore<A> extends ReadonlyMap<string, A> {
  readonly indexed: (value: string) => ReadonlyArray<A>
}

const isIndexed = <A>(store: ReadonlyMap<string, A>): store is IndexedStore<A> =>
  typeof (store as Partial<IndexedStore<A>>).indexed === "function"

const sliceIndexes = new WeakMap<
  ReadonlyMap<string, EndpointSlice>,
  ReadonlyMap<string, ReadonlyArray<EndpointSlice>>
>()

/** The slices of every Service, built once per plain slice map (snapshots made from lists: tests, the CLI's plan). */
const sliceIndexOf = (
  slices: ReadonlyMap<string, EndpointSlice>
): ReadonlyMap<string, ReadonlyArray<EndpointSlice>> => {
  let index = sliceIndexes.get(slices)
  if (index !== undefined) return index
  const built = new Map<string, Array<EndpointSlice>>()
  for (const slice of slices.values()) {
    const key = serviceKeyOfSlice(slice)
    if (key === undefined) continue
    const list = built.get(key)
    if (list === undefined) built.set(key, [slice])
    else list.push(slice)
  }
  // One namespace per list: the slice name orders them as the store key did.
  for (const list of built.values()) {
    if (list.length > 1) list.sort((a, b) => compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""))
  }
  index = built
  sliceIndexes.set(slices, index)
  return index
}

/**
 * The EndpointSlices of a Service (label `kubernetes.io/service-name`, as AKO indexes them), in slice-name order.
 * A reflector's store keeps them indexed as slices change; a plain map is indexed once (snapshots are immutable, so it
 * never goes stale). Rebuilding an index over every slice of the cluster for each new slice map made one endpoint
 * change cost the cluster size.
 */
export const slicesOfService = (
  snapshot: ClusterSnapshot,
  namespace: string,
  service: string
): ReadonlyArray<EndpointSlice> => {
  const slices = snapshot.endpointSlices
  const key = `${namespace}/${service}`
  if (isIndexed(slices)) return slices.indexed(key)
  return sliceIndexOf(slices).get(key) ?? []
}

/** Code-unit order, independent of locale, so output never depends on where ako-ts runs. */
export const compareStrings = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
