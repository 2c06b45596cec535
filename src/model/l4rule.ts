/**
 * L4Rule (ako.vmware.com/v1alpha2): per-Service virtual service and pool settings, named by the Service's
 * `ako.vmware.com/l4rule` annotation (reference/ako-crds.md §4.3, §4.4; AKO `getL4Rule`, `buildWithL4Rule`,
 * `buildPoolWithL4Rule`). Only rules validation accepted are in the snapshot; the checks AKO makes only while
 * building (listener ports against the Service's ports) are made here.
 */
import { ref } from "./avi-fields.js"
import type { PoolCrdFields, PoolGeneratedFields, VirtualServiceCrdFields, VsGeneratedFields } from "./checksum.js"
import type { DesiredUnit, Problem } from "./desired.js"
import type { ClusterSnapshot, L4Rule, L4RuleBackend, ObjectRef, Service } from "./kube.js"
import { objectRef } from "./kube.js"

export const L4RULE_ANNOTATION = "ako.vmware.com/l4rule"

const DEFAULT_L4_APPLICATION_PROFILE = "System-L4-Application"
const DEFAULT_L4_SSL_APPLICATION_PROFILE = "System-SSL-Application"
const TCP_PROXY = "System-TCP-Proxy"
const CUSTOM_HEADER_HASH = "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"

/**
 * The VS fields an L4Rule sets. AKO marks nothing on an object an L4Rule shaped (no `crd_status`), so where a
 * Service names an L4Rule these fields are ako-ts's: taken away when the rule goes, as AKO's rebuilt body drops them.
 */
export const L4RULE_VS_FIELDS: ReadonlyArray<string> = [
  "analytics_profile_ref",
  "analytics_policy",
  "network_security_policy_ref",
  "security_policy_ref",
  "performance_limits",
  "ssl_key_and_certificate_refs",
  "ssl_profile_ref",
  "vs_datascripts",
  "revoke_vip_route",
  "pool_ref"
]

/** The pool fields an L4Rule's `backendProperties` set (see `L4RULE_VS_FIELDS`). */
export const L4RULE_POOL_FIELDS: ReadonlyArray<string> = [
  "enabled",
  "min_servers_up",
  "analytics_policy",
  "lb_algorithm",
  "lb_algorithm_hash",
  "lb_algorithm_consistent_hash_hdr",
  "application_persistence_profile_ref",
  "pki_profile_ref",
  "ssl_profile_ref",
  "ssl_key_and_certificate_ref"
]

/** What an L4Rule does to a Service's virtual service. */
export interface L4RuleVirtualService {
  /** A listener enables SSL: the VS serves its last pool directly (no L4 policy set). */
  readonly sslEnabled: boolean
  readonly fields: Readonly<Record<string, unknown>>
  readonly crd: VirtualServiceCrdFields
  readonly generated: VsGeneratedFields
  /** `ssl_key_and_certificate_refs` as AKO's model holds them (they enter the checksum's ref list). */
  readonly certificateRefs: ReadonlyArray<string>
}

/** What an L4Rule does to one pool. */
export interface L4RulePool {
  readonly fields: Readonly<Record<string, unknown>>
  readonly crd: PoolCrdFields
  readonly generated: PoolGeneratedFields
  /** Replaces the protocol's default health monitor when non-empty. */
  readonly healthMonitorRefs: ReadonlyArray<string>
}

export interface ServiceL4Rule {
  /** The Service names an L4Rule (in effect or not): the L4Rule fields of its objects are ako-ts's. */
  readonly annotated: boolean
  /** The rule in effect for the pools (undefined: none applies). */
  readonly rule: L4Rule | undefined
  /** The rule's effect on the VS; undefined when it does not apply there. */
  readonly virtualService: L4RuleVirtualService | undefined
  readonly problems: ReadonlyArray<Problem>
}

const NO_L4RULE: ServiceL4Rule = { annotated: false, rule: undefined, virtualService: undefined, problems: [] }

/** `<name>` or `<namespace>/<name>`; no namespace means the Service's own. */
const ruleKey = (value: string, serviceNamespace: string): string => {
  const slash = value.indexOf("/")
  return slash < 0 ? `${serviceNamespace}/${value}` : value
}

const dedupe = (values: ReadonlyArray<string>): Array<string> => [...new Set(values)]

const listenersOf = (rule: L4Rule) => rule.spec?.listenerProperties ?? []

/**
 * AKO's build-time checks (`getL4Rule`): listeners, when given, must be one per Service port, name each port and
 * protocol, and enable SSL only on a single-port Service. A rule failing them is not applied at all.
 */
const listenerMismatch = (rule: L4Rule, service: Service, ruleName: string): string | undefined => {
  const listeners = listenersOf(rule)
  if (listeners.length === 0) return undefined
  const ports = service.spec?.ports ?? []
  const name = service.metadata?.name ?? ""
  if (listeners.length !== ports.length) {
    return `Number of port definitions in ${ruleName} l4rule listener spec does not match with the port ` +
      `definitons in ${name} service`
  }
  const declared = new Set<string>()
  for (const listener of listeners) {
    if (listener.enableSsl === true && ports.length > 1) {
      return `Port ${
        listener.port ?? 0
      } requires enabling SSL for L4 but there are multiple ports defined in ${name} ` +
        `service definition`
    }
    declared.add(`${listener.port ?? 0}${listener.protocol ?? ""}`)
  }
  for (const port of ports) {
    if (!declared.has(`${port.port}${port.protocol ?? "TCP"}`)) {
      return `Port ${port.port} defined in ${name} service definition is not present in ${ruleName} l4rule listener spec`
    }
  }
  return undefined
}

/**
 * The L4Rule a Service names, as AKO applies it: not at all when it is not in effect or its listeners do not fit
 * the Service; to the pools only when a listener enables SSL but the VS's network profile is not TCP Proxy.
 */
export const l4RuleForService = (
  snapshot: ClusterSnapshot,
  service: Service,
  computedNetworkProfile: string
): ServiceL4Rule => {
  const annotation = service.metadata?.annotations?.[L4RULE_ANNOTATION]
  if (annotation === undefined) return NO_L4RULE
  const owner: ObjectRef = objectRef("Service", service)
  const field = `metadata.annotations[${L4RULE_ANNOTATION}]`
  const key = ruleKey(annotation, service.metadata?.namespace ?? "")
  const rule = snapshot.l4Rules.get(key)
  const notApplied = (message: string): ServiceL4Rule => ({
    annotated: true,
    rule: undefined,
    virtualService: undefined,
    problems: [{ object: owner, field, reason: "InvalidConfiguration", message }]
  })
  if (rule === undefined) {
    return notApplied(
      `L4Rule ${key} does not exist or is not Accepted; the virtual service is built without it`
    )
  }
  const mismatch = listenerMismatch(rule, service, annotation)
  if (mismatch !== undefined) return notApplied(`${mismatch}; L4Rule ${key} is not applied`)
  const sslEnabled = listenersOf(rule).some((listener) => listener.enableSsl === true)
  if (sslEnabled && computedNetworkProfile !== TCP_PROXY) {
    return {
      annotated: true,
      rule,
      virtualService: undefined,
      problems: [{
        object: owner,
        field,
        reason: "InvalidConfiguration",
        message: `L4Rule ${key} enables SSL, which needs the network profile ${TCP_PROXY} (the Service gets ` +
          `${computedNetworkProfile}); it is applied to the pools only`
      }]
    }
  }
  return { annotated: true, rule, virtualService: virtualServiceOf(rule, sslEnabled), problems: [] }
}

/** A ref by name when the rule names the object. */
const optionalRef = (type: string, name: string | undefined): string | undefined =>
  name === undefined ? undefined : ref.byName(type, name)

/** The fields whose value is set: what AKO's omitempty marshalling of the rule's pointers sends. */
const sent = (fields: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))

const virtualServiceOf = (rule: L4Rule, sslEnabled: boolean): L4RuleVirtualService => {
  const spec = rule.spec ?? {}
  const applicationProfileRef = optionalRef(
    "applicationprofile",
    sslEnabled && spec.applicationProfileRef === DEFAULT_L4_APPLICATION_PROFILE ?
      DEFAULT_L4_SSL_APPLICATION_PROFILE :
      spec.applicationProfileRef
  )
  const analyticsProfileRef = optionalRef("analyticsprofile", spec.analyticsProfileRef)
  const sslProfileRef = optionalRef("sslprofile", spec.sslProfileRef)
  const networkProfileRef = optionalRef("networkprofile", spec.networkProfileRef)
  const networkSecurityPolicyRef = optionalRef("networksecuritypolicy", spec.networkSecurityPolicyRef)
  const securityPolicyRef = optionalRef("securitypolicy", spec.securityPolicyRef)
  const certificateRefs = dedupe(
    (spec.sslKeyAndCertificateRefs ?? []).map((n) => ref.byName("sslkeyandcertificate", n))
  )
  const datascriptRefs = dedupe((spec.vsDatascriptRefs ?? []).map((n) => ref.byName("vsdatascriptset", n)))
  const logs = spec.analyticsPolicy?.fullClientLogs
  // The avi-sdk AnalyticsPolicy AKO copies the rule's into: only full client logs, fields in Go's order.
  const analyticsPolicy = logs === undefined ?
    undefined :
    { full_client_logs: sent({ duration: logs.duration, enabled: logs.enabled ?? false, throttle: logs.throttle }) }
  const limits = spec.performanceLimits
  const listeners = listenersOf(rule)
  return {
    sslEnabled,
    certificateRefs,
    fields: sent({
      application_profile_ref: applicationProfileRef,
      network_profile_ref: networkProfileRef,
      analytics_profile_ref: analyticsProfileRef,
      analytics_policy: analyticsPolicy,
      network_security_policy_ref: networkSecurityPolicyRef,
      security_policy_ref: securityPolicyRef,
      performance_limits: limits === undefined ? undefined : sent({
        max_concurrent_connections: limits.maxConcurrentConnections,
        max_throughput: limits.maxThroughput
      }),
      ssl_key_and_certificate_refs: certificateRefs.length === 0 ? undefined : certificateRefs,
      ssl_profile_ref: sslProfileRef,
      vs_datascripts: datascriptRefs.length === 0 ?
        undefined :
        datascriptRefs.map((script, index) => ({ index, vs_datascript_set_ref: script })),
      revoke_vip_route: spec.revokeVipRoute ?? false,
      // AKO copies the listeners over its own services: each keeps only its port and SSL flag.
      services: listeners.length === 0 ?
        undefined :
        listeners.map((l) => ({ port: l.port ?? 0, enable_ssl: l.enableSsl ?? false }))
    }),
    crd: {
      applicationProfileRef,
      analyticsProfileRef,
      errorPageProfileRef: "",
      sslProfileRef,
      datascriptRefs,
      httpPolicySetRefs: [],
      icapProfileRefs: [],
      analyticsPolicy
    },
    generated: {
      loadBalancerIP: spec.loadBalancerIP,
      networkProfileRef,
      networkSecurityPolicyRef,
      performanceLimits: limits === undefined ?
        undefined :
        sent({ maxConcurrentConnections: limits.maxConcurrentConnections, maxThroughput: limits.maxThroughput }),
      securityPolicyRef,
      services: listeners.length === 0 ? undefined : listeners.map((l) => ({
        enableSsl: l.enableSsl ?? false,
        port: l.port ?? 0,
        protocol: l.protocol ?? ""
      }))
    }
  }
}

/** The backend entry for a pool: the first one naming the Service port and protocol (AKO's match). */
const backendFor = (rule: L4Rule, port: number, protocol: string): L4RuleBackend | undefined =>
  (rule.spec?.backendProperties ?? []).find((b) => b.port === port && b.protocol === protocol)

/** An L4Rule's `backendProperties` on the pool of one Service port; undefined when no entry names it. */
export const l4RulePool = (rule: L4Rule | undefined, port: number, protocol: string): L4RulePool | undefined => {
  if (rule === undefined) return undefined
  const backend = backendFor(rule, port, protocol)
  if (backend === undefined) return undefined
  const healthMonitorRefs = dedupe((backend.healthMonitorRefs ?? []).map((n) => ref.byName("healthmonitor", n)))
  const persistence = optionalRef("applicationpersistenceprofile", backend.applicationPersistenceProfileRef)
  const pki = optionalRef("pkiprofile", backend.pkiProfileRef)
  const certificate = optionalRef("sslkeyandcertificate", backend.sslKeyAndCertificateRef)
  const sslProfile = optionalRef("sslprofile", backend.sslProfileRef)
  const realtime = backend.analyticsPolicy?.enableRealtimeMetrics
  return {
    healthMonitorRefs,
    crd: {
      lbAlgorithm: backend.lbAlgorithm,
      lbAlgorithmHash: backend.lbAlgorithmHash,
      lbAlgorithmConsistentHashHdr: backend.lbAlgorithmConsistentHashHdr,
      sslProfileRef: sslProfile,
      pkiProfileRef: pki,
      sslKeyAndCertificateRef: certificate,
      ...(healthMonitorRefs.length === 0 ? {} : { healthMonitorRefs }),
      applicationPersistenceProfileRef: persistence
    },
    generated: {
      analyticsPolicy: backend.analyticsPolicy === undefined ? undefined : sent({ enableRealtimeMetrics: realtime }),
      enabled: backend.enabled,
      minServersUp: backend.minServersUp
    },
    fields: sent({
      enabled: backend.enabled,
      min_servers_up: backend.minServersUp,
      analytics_policy: backend.analyticsPolicy === undefined ?
        undefined :
        sent({ enable_realtime_metrics: realtime }),
      lb_algorithm: backend.lbAlgorithm,
      lb_algorithm_hash: backend.lbAlgorithmHash,
      // AKO sends the header only with the custom-header hash.
      lb_algorithm_consistent_hash_hdr: backend.lbAlgorithmHash === CUSTOM_HEADER_HASH ?
        backend.lbAlgorithmConsistentHashHdr :
        undefined,
      application_persistence_profile_ref: persistence,
      pki_profile_ref: pki,
      ssl_profile_ref: sslProfile,
      ssl_key_and_certificate_ref: certificate
    })
  }
}

/** The Services whose unit an L4Rule (by key `ns/name`) shapes: those naming it, in its namespace or by full name. */
export const servicesNamingL4Rule = (snapshot: ClusterSnapshot, key: string): ReadonlyArray<Service> =>
  [...snapshot.services.values()].filter((service) => {
    const annotation = service.metadata?.annotations?.[L4RULE_ANNOTATION]
    return annotation !== undefined && ruleKey(annotation, service.metadata?.namespace ?? "") === key
  })

/**
 * A unit recomputed after its Service stopped naming an L4Rule keeps owning the rule's fields on the objects that
 * had them, so the next write still takes what the rule set away (AKO rebuilds these bodies whole). Known only
 * within one process: after a restart, fields a removed annotation left behind stay until a write by hand or AKO.
 */
export const keepOwnedFields = (previous: DesiredUnit | undefined, next: DesiredUnit): DesiredUnit => {
  if (previous === undefined) return next
  const owned = new Map<string, ReadonlyArray<string>>()
  for (const object of previous.objects) {
    if (object.ownedFields !== undefined) owned.set(`${object.type}|${object.name}`, object.ownedFields)
  }
  if (owned.size === 0) return next
  let changed = false
  const objects = next.objects.map((object) => {
    const fields = owned.get(`${object.type}|${object.name}`)
    if (object.ownedFields !== undefined || fields === undefined) return object
    changed = true
    return { ...object, ownedFields: fields }
  })
  return changed ? { ...next, objects } : next
}
