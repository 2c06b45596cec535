/**
 * L7 units from host paths: the shared `Shared-L7-<n>` parent with its insecure pools, SNI children for secure hosts
 * (reference/ako-objects.md §3.4–3.6), and DEDICATED virtual services (one per host).
 */
import { desiredObject, markers, ref, serviceMetadata } from "./avi-fields.js"
import type { MarkerFields, PortProtoInput } from "./checksum.js"
import {
  certificateChecksum,
  dataScriptChecksum,
  hostRewritePolicySetChecksum,
  httpPolicySetChecksum,
  pkiProfileChecksum,
  poolChecksum,
  poolGroupChecksum,
  sortedMembers,
  sortedStrings,
  stringGroupChecksum,
  virtualServiceChecksum
} from "./checksum.js"
import { autoFqdn, owned, parentVsFields, unique, vrfOf, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, ObjectId, StatusIntent } from "./desired.js"
import type { HostRuleSettings, HostRuleTarget, Listener } from "./hostrule.js"
import { dataScriptEntries, hostRuleSettings, hostRuleVsFields, httpPolicyEntries } from "./hostrule.js"
import type { PoolRuleSettings } from "./httprule.js"
import { httpRuleForPool } from "./httprule.js"
import type { HostPath } from "./ingress.js"
import type { HostRule, HTTPRule, ObjectRef } from "./kube.js"
import { compareStrings, refKey } from "./kube.js"
import {
  akoUser,
  caCertName,
  defaultRouterCertName,
  l7InsecurePoolName,
  priorityLabel,
  refName,
  routeInsecurePoolName,
  routeSniPoolName,
  sharedDataScriptName,
  sharedPoolGroupName,
  sharedRedirectPolicyName,
  sniChildVsName,
  sniHttpPolicySetName,
  sniPoolGroupName,
  sniPoolName,
  unitKey
} from "./names.js"
import { poolPlacementFields } from "./node-networks.js"
import { ROUTE_POOL_OWNED_FIELDS, withReencrypt } from "./route-reencrypt.js"
import { checksumServers } from "./servers.js"
import type { ModelSettings } from "./settings.js"
import { sha1Hex } from "./sha1.js"

/**
 * AKO `utils.HTTP_DS_SCRIPT_MODIFIED`, byte for byte: the Host header without its `:port` plus the first path token
 * select the shared pool group's member by priority label.
 */
export const sharedDataScript = (poolGroup: string): string =>
  "host = avi.http.get_host_tokens(\"MODIFIED\", 1)\npath = avi.http.get_path_tokens(1)\n" +
  "if string.contains(host, \":\") then\nfor match in string.gmatch(host, \".*:\") do\n" +
  "host = string.sub(match,0,-2)\nend\nend\n" +
  "if host and path then\nlbl = host..\"/\"..path\nelse\nlbl = host..\"/\"\nend\n" +
  `avi.poolgroup.select("${poolGroup}", string.lower(lbl) )`

const HTTP_PROFILE = "System-HTTP"
const SECURE_HTTP_PROFILE = "System-Secure-HTTP"
const TCP_PROXY = "System-TCP-Proxy"

const service = (port: number, ssl: boolean, http2 = false) => ({
  port,
  port_range_end: port,
  enable_ssl: ssl,
  enable_http2: http2
})

/** The listeners of an L7 VS as AKO's model holds them (they enter the VS checksum). */
const HTTP_LISTENER: PortProtoInput = { port: 80, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" }
const HTTPS_LISTENER: PortProtoInput = { port: 443, targetPort: 0, protocol: "HTTP", enableSsl: true, name: "" }
const HTTP_SERVICE: Listener = { port: 80, enableSsl: false }
const HTTPS_SERVICE: Listener = { port: 443, enableSsl: true }

/** The rules in effect that shape L7 objects. */
export interface L7Rules {
  readonly hostRules: ReadonlyMap<string, HostRule>
  readonly httpRules: ReadonlyMap<string, HTTPRule>
}

export const NO_RULES: L7Rules = { hostRules: new Map(), httpRules: new Map() }

/**
 * The listeners of a parent or dedicated VS: a HostRule's, else AKO's defaults; then an AviInfraSetting's, which
 * replace the one on the same port and add the others (AKO `buildListenerPortsWithInfraSetting`, run after the
 * HostRule on every Ingress pass).
 */
const listenersOf = (
  settings: ModelSettings,
  hostRule: HostRuleSettings,
  defaults: ReadonlyArray<Listener>
): ReadonlyArray<Listener> => {
  const merged = [...(hostRule.listeners ?? defaults)]
  for (const listener of settings.infraListeners ?? []) {
    const at = merged.findIndex((l) => l.port === listener.port)
    if (at >= 0) merged[at] = listener
    else merged.push(listener)
  }
  return merged
}

const servicesOf = (listeners: ReadonlyArray<Listener>) =>
  listeners.map((l) => service(l.port, l.enableSsl, l.enableHttp2 ?? false))

const portProtosOf = (listeners: ReadonlyArray<Listener>): ReadonlyArray<PortProtoInput> =>
  listeners.map((l) => ({
    port: l.port,
    targetPort: 0,
    protocol: "HTTP",
    enableSsl: l.enableSsl,
    name: "",
    ...(l.enableHttp2 === true ? { enableHttp2: true } : {})
  }))

/** The `SslKeyAndCertificate<ref>` entries a HostRule's Avi certificates add to the VS checksum's ref list. */
const certificateRefEntries = (hostRule: HostRuleSettings) =>
  hostRule.certificateRefs.map((r) => `SslKeyAndCertificate${r}`)

/** The HostRule settings for each VS kind, looked up once per VS. */
export const vsHostRule = (rules: L7Rules, host: string, target: HostRuleTarget): HostRuleSettings =>
  hostRuleSettings(rules.hostRules, host, target)

const byName = (a: { readonly name: string }, b: { readonly name: string }) => compareStrings(a.name, b.name)

const ownersOf = (paths: ReadonlyArray<HostPath>): ReadonlyArray<ObjectRef> => {
  const owners = new Map<string, ObjectRef>()
  for (const p of paths) owners.set(refKey(p.source), p.source)
  return [...owners.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, ref]) => ref)
}

/** Path entries sorted so equal input gives equal output whatever the order Ingresses were listed in. */
const sortPaths = (paths: ReadonlyArray<HostPath>): ReadonlyArray<HostPath> =>
  [...paths].sort((a, b) =>
    compareStrings(a.host, b.host) || compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.objectName, b.objectName) || compareStrings(a.path, b.path) ||
    compareStrings(a.serviceName, b.serviceName)
  )

/**
 * A pool of a host path. `priorityLabel` is the label AKO's model holds (lower-cased on a shared VS, as sent; as
 * written on an SNI or dedicated VS, where it is never sent but enters the checksum).
 */
const poolObject = (
  settings: ModelSettings,
  name: string,
  p: HostPath,
  markerFields: MarkerFields,
  priorityLabel: string,
  rule: PoolRuleSettings,
  pki: DesiredAviObject | undefined
): DesiredAviObject =>
  desiredObject(
    "pool",
    name,
    settings.tenantName,
    {
      ...owned(settings, name, markers(settings.clusterName, markerFields)),
      cloud_ref: ref.cloud(settings.cloudName),
      ...(settings.t1lr === undefined ? { vrf_ref: ref.vrf(vrfOf(settings)) } : { tier1_lr: settings.t1lr }),
      ...poolPlacementFields(settings),
      service_metadata: serviceMetadata({
        ingressName: p.objectName,
        namespace: p.namespace,
        hostnames: [p.host],
        poolRatio: p.ratio,
        insecureEdgeTermAllow: p.insecureEdgeAllow,
        crdStatus: rule.crdStatus
      }),
      sni_enabled: rule.sniEnabled,
      ...rule.fields,
      ...(pki === undefined ? {} : { pki_profile_ref: `/api/pkiprofile?name=${pki.name}` }),
      graceful_disable_timeout: 1,
      servers: p.servers,
      // AKO gives every pool without a CRD health monitor the protocol default; L7 backends are TCP.
      health_monitor_refs: rule.healthMonitorRefs.length > 0 ?
        rule.healthMonitorRefs :
        [ref.healthMonitor("System-TCP")]
    },
    pki === undefined ? [] : [{ type: "pkiprofile", name: pki.name }],
    (pki === undefined ? 0 : Number(pki.checksum)) + poolChecksum({
      clusterName: settings.clusterName,
      protocol: "",
      port: p.backendPort,
      portName: p.portName,
      servers: checksumServers(p.servers),
      sniEnabled: rule.sniEnabled,
      priorityLabel,
      namespaceServiceNames: [],
      hostnames: [p.host],
      markers: markerFields,
      crd: rule.crd,
      t1lr: settings.t1lr,
      networkPlacement: settings.nodeNetworkPlacement
    })
  )

/**
 * A pool with, for an HTTPRule `destinationCA`, the PKI profile AKO builds for it (`<pool>-pkiprofile`, the pool's
 * markers), which the pool refers to and which is written first.
 */
const poolObjects = (
  settings: ModelSettings,
  name: string,
  p: HostPath,
  markerFields: MarkerFields,
  priorityLabel: string,
  rule: PoolRuleSettings,
  /** The pool's own name when a regex HostRule renamed it; the PKI profile keeps the name the rule matched. */
  poolName = name
): { readonly pki: DesiredAviObject | undefined; readonly pool: DesiredAviObject } => {
  const ca = rule.destinationCA
  const pkiName = `${name}-pkiprofile`
  // AKO marks an HTTPRule's profile with the rule's target as its path, not the pool's, and with no AviInfraSetting;
  // a Route's with the pool's own markers.
  const pkiMarkers: MarkerFields = rule.destinationCAMarkers === "pool" ?
    markerFields :
    { ...markerFields, InfrasettingName: undefined, Path: [rule.destinationCATarget] }
  const pki = ca === undefined ? undefined : from(
    desiredObject(
      "pkiprofile",
      pkiName,
      settings.tenantName,
      {
        ...owned(settings, pkiName, markers(settings.clusterName, pkiMarkers)),
        crl_check: false,
        ca_certs: [{ certificate: ca }]
      },
      [],
      pkiProfileChecksum(settings.clusterName, pkiName, ca, pkiMarkers)
    ),
    [p.source]
  )
  return { pki, pool: poolObject(settings, poolName, p, markerFields, priorityLabel, rule, pki) }
}

/** The HTTPRule settings of a host path's pool. */
const poolRule = (settings: ModelSettings, rules: L7Rules, p: HostPath, poolName: string, secure: boolean) =>
  httpRuleForPool(rules.httpRules, {
    clusterName: settings.clusterName,
    namespace: p.namespace,
    host: p.host,
    objectName: p.objectName,
    poolName,
    path: p.path,
    secure,
    infraName: settings.infraName
  })

/** The pool a host path becomes on its VS (insecure shared, SNI, or dedicated). */
export const poolNameOf = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  p.certificate === undefined && !dedicated ? insecurePoolName(settings, p) : securePoolName(settings, p, dedicated)

const insecurePoolName = (settings: ModelSettings, p: HostPath): string =>
  p.poolNameHasService ?
    routeInsecurePoolName(
      settings.clusterName,
      p.host,
      p.path,
      p.namespace,
      p.objectName,
      p.serviceName,
      settings.infraName
    ) :
    l7InsecurePoolName(settings.clusterName, p.host, p.path, p.namespace, p.objectName, settings.infraName)

/**
 * With `noPGForSNI`, an Ingress path on an SNI child or dedicated VS switches to its pool directly (AKO leaves Routes
 * on pool groups). AKO then names the pool apart, so that a pool still held by the old pool group is never reused.
 */
const switchesToPool = (settings: ModelSettings, p: HostPath): boolean =>
  settings.noPGForSNI && p.source.kind === "Ingress"

const POLICY_TO_POOL_SUFFIX = "--policy-to-pool"

const securePoolName = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  switchesToPool(settings, p) ?
    `${groupedSecurePoolName(settings, p, dedicated)}${POLICY_TO_POOL_SUFFIX}` :
    groupedSecurePoolName(settings, p, dedicated)

const groupedSecurePoolName = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  p.poolNameHasService ?
    routeSniPoolName(
      settings.clusterName,
      p.namespace,
      p.host,
      p.path,
      p.objectName,
      p.serviceName,
      dedicated,
      settings.infraName
    ) :
    sniPoolName(settings.clusterName, p.namespace, p.host, p.path, p.objectName, dedicated, settings.infraName)

/** The insecure pool of a shared VS: Ingress pools carry no ServiceName marker, Route pools do. */
const insecurePoolMarkers = (settings: ModelSettings, p: HostPath): MarkerFields => ({
  Namespace: p.namespace,
  Host: [p.host],
  InfrasettingName: settings.infraName,
  ...(p.poolNameHasService ? { ServiceName: p.serviceName } : {}),
  Path: [p.path],
  IngressName: [p.objectName]
})

/** The redirect policy of secure hosts: port 80 requests for them go to HTTPS with a 302. */
export const redirectPolicy = (
  settings: ModelSettings,
  name: string,
  hosts: ReadonlyArray<string>,
  markerFields: MarkerFields
): DesiredAviObject => {
  const sortedHosts = sortedStrings(hosts)
  return desiredObject(
    "httppolicyset",
    name,
    settings.tenantName,
    {
      ...owned(settings, name, markers(settings.clusterName, markerFields)),
      http_security_policy: {},
      http_request_policy: {
        rules: [{
          name: `${name}-0`,
          index: 0,
          enable: true,
          match: {
            host_hdr: { match_criteria: "HDR_EQUALS", value: sortedHosts },
            vs_port: { match_criteria: "IS_IN", ports: [80] }
          },
          redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
        }]
      }
    },
    [],
    httpPolicySetChecksum(settings.clusterName, [], [sortedHosts], markerFields)
  )
}

/** `<vs>--host-hdr-re-write--<host>`: the Host header of requests for `gslbFqdn` becomes `host`. */
const hostRewritePolicy = (
  settings: ModelSettings,
  vsName: string,
  gslbFqdn: string,
  host: string
): DesiredAviObject => {
  const name = `${vsName}--host-hdr-re-write--${host}`
  return desiredObject(
    "httppolicyset",
    name,
    settings.tenantName,
    {
      ...owned(settings, name, markers(settings.clusterName)),
      http_security_policy: {},
      http_request_policy: {
        rules: [{
          name: `${name}-0`,
          index: 0,
          enable: true,
          match: { host_hdr: { match_criteria: "HDR_EQUALS", value: [gslbFqdn] } },
          hdr_action: [{ action: "HTTP_REPLACE_HDR", hdr: { name: "Host", value: { val: host } } }]
        }]
      }
    },
    [],
    hostRewritePolicySetChecksum(settings.clusterName, gslbFqdn, host)
  )
}

/** AKO's name for a pool or pool group of a host with regex paths (`GetEncodedSniPGPoolNameforRegex`). */
export const regexObjectName = (clusterName: string, name: string): string => `${clusterName}--${sha1Hex(name)}`

/** AKO's string group of one regex path (`GetEncodedStringGroupName`): `ako-<cluster>-<sha1 of host+path>`. */
export const stringGroupName = (clusterName: string, host: string, path: string): string =>
  `${akoUser(clusterName)}-${sha1Hex(host + path)}`

const stringGroupRef = (name: string) => `/api/stringgroup?name=${name}`

/** One regex path as AKO writes it: no `created_by` field, but a `created_by` marker (how AKO lists them). */
const stringGroupObject = (settings: ModelSettings, name: string, path: string): DesiredAviObject => {
  const kv = [{ key: path }]
  return desiredObject(
    "stringgroup",
    name,
    settings.tenantName,
    {
      name,
      tenant_ref: ref.tenant(settings.tenantName),
      kv,
      type: "SG_TYPE_STRING",
      longest_match: true,
      markers: [...markers(settings.clusterName), { key: "created_by", values: [akoUser(settings.clusterName)] }]
    },
    [],
    stringGroupChecksum(settings.clusterName, kv, true)
  )
}

interface PathRule {
  readonly path: string
  readonly exact: boolean
  /** The pool group the rule switches to, or `""` when it switches to `pool` (noPGForSNI). */
  readonly poolGroup: string
  readonly pool: string
  /** The path map's name (AKO's `hppMap.Name`): the pool group's name before any regex renaming. */
  readonly mapName: string
  readonly objectName: string
  readonly servicePort: number
}

/** AKO orders a host's path rules by path length, longest first; path-less rules come last. */
const byPathLength = (a: PathRule, b: PathRule): number => {
  if (a.path === "" || b.path === "") return (a.path === "" ? 1 : 0) - (b.path === "" ? 1 : 0)
  return b.path.length - a.path.length || compareStrings(a.path, b.path) ||
    compareStrings(a.poolGroup || a.pool, b.poolGroup || b.pool)
}

/**
 * Per-path pools and pool groups of a secure (or dedicated) host, and one HTTPPolicySet per namespace switching on
 * the path.
 */
const pathSwitching = (
  settings: ModelSettings,
  host: string,
  paths: ReadonlyArray<HostPath>,
  dedicated: boolean,
  crdRules: L7Rules,
  /**
   * The host's domains when a HostRule adds aliases or a GSLB FQDN: AKO then records them in the host match of its
   * path maps (the checksum) and in the policy sets' Host marker; the rules themselves do not match on them.
   */
  domains: ReadonlyArray<string> = [host],
  /** A HostRule's `applicationRootPath` and the listeners of the VS, whose ports get its redirects. */
  appRoot?: { readonly path: string; readonly listeners: ReadonlyArray<Listener> },
  /** A HostRule's `useRegex`: paths match as case-insensitive regexes, through string groups. */
  regex = false
) => {
  // With regex paths AKO renames the host's pools and pool groups `<cluster>--<sha1 of the name>`.
  const named = (name: string) => regex ? regexObjectName(settings.clusterName, name) : name
  const stringGroups: Array<DesiredAviObject> = []
  // A dedicated VS always records its domains (AKO calls this for every dedicated host); an SNI child only when a
  // HostRule added some.
  const hostMatch = dedicated || domains.length > 1 ? domains : undefined
  const cluster = settings.clusterName
  const pkiProfiles: Array<DesiredAviObject> = []
  const pools: Array<DesiredAviObject> = []
  const poolGroups: Array<DesiredAviObject> = []
  const policies: Array<{ readonly policy: DesiredAviObject; readonly firstPath: string }> = []
  const namespaces = unique(paths.map((p) => p.namespace)).sort(compareStrings)
  for (const namespace of namespaces) {
    const inNamespace = paths.filter((p) => p.namespace === namespace)
    const rules: Array<PathRule> = []
    // One pool group per path; a Route's alternate backends are more members of it (AKO `BuildPolicyPGPoolsForSNI`).
    const groups = new Map<string, { first: HostPath; members: Array<{ pool_ref: string; ratio: number }> }>()
    for (const p of inNamespace) {
      const name = securePoolName(settings, p, dedicated)
      const poolName = named(name)
      if (pools.some((pool) => pool.name === poolName)) continue
      const built = poolObjects(
        settings,
        name,
        p,
        {
          Namespace: namespace,
          Host: [host],
          InfrasettingName: settings.infraName,
          ServiceName: p.serviceName,
          Path: [p.path],
          IngressName: [p.objectName]
        },
        priorityLabel(host, p.path),
        withReencrypt(poolRule(settings, crdRules, p, name, true), p.reencrypt),
        poolName
      )
      if (built.pki !== undefined) pkiProfiles.push(built.pki)
      pools.push(from(p.poolNameHasService ? { ...built.pool, ownedFields: ROUTE_POOL_OWNED_FIELDS } : built.pool, [
        p.source
      ]))
      const mapName = sniPoolGroupName(cluster, namespace, host, p.path, p.objectName, dedicated, settings.infraName)
      if (switchesToPool(settings, p)) {
        rules.push({
          path: p.path,
          exact: p.pathType === "Exact",
          poolGroup: "",
          pool: poolName,
          mapName,
          objectName: p.objectName,
          servicePort: p.servicePort
        })
        continue
      }
      const pgName = named(mapName)
      const group = groups.get(pgName)
      if (group === undefined) {
        groups.set(pgName, { first: p, members: [{ pool_ref: ref.pool(poolName), ratio: p.ratio }] })
        rules.push({
          path: p.path,
          exact: p.pathType === "Exact",
          poolGroup: pgName,
          pool: "",
          mapName,
          objectName: p.objectName,
          servicePort: p.servicePort
        })
      } else {
        group.members.push({ pool_ref: ref.pool(poolName), ratio: p.ratio })
      }
    }
    for (const [pgName, { first, members }] of groups) {
      const pgMarkers: MarkerFields = {
        Namespace: namespace,
        Host: [host],
        InfrasettingName: settings.infraName,
        Path: [first.path],
        IngressName: [first.objectName]
      }
      const sorted = sortedMembers(members)
      poolGroups.push(desiredObject(
        "poolgroup",
        pgName,
        settings.tenantName,
        {
          ...owned(settings, pgName, markers(cluster, pgMarkers)),
          cloud_ref: ref.cloud(settings.cloudName),
          implicit_priority_labels: false,
          members: sorted
        },
        sorted.map((m): ObjectId => ({ type: "pool", name: refName(m.pool_ref) })),
        poolGroupChecksum(cluster, sorted, pgMarkers)
      ))
    }
    // Application root (`crd_translator.go` BuildRegexAppRootForHostRule): `/` is matched as the root path, and a
    // request for `/` is redirected (302) to it, one rule per listener port.
    const rootRedirects: Array<Listener> = []
    if (appRoot !== undefined) {
      const hostHasRoot = paths.some((p) => p.path === "/")
      for (const [i, rule] of rules.entries()) {
        if (rule.path === "/") {
          rootRedirects.push(...appRoot.listeners)
          rules[i] = { ...rule, path: appRoot.path }
        } else if (rule.path === appRoot.path && hostHasRoot) {
          rootRedirects.push(...appRoot.listeners)
        }
      }
    }
    rules.sort(byPathLength)
    // A regex path is matched through a string group of its own, `ako-<cluster>-<sha1 of host and path>`.
    const groupOf = (rule: PathRule) =>
      regex && rule.path !== "" ? stringGroupName(settings.clusterName, host, rule.path) : undefined
    for (const rule of rules) {
      const group = groupOf(rule)
      if (group !== undefined && !stringGroups.some((sg) => sg.name === group)) {
        stringGroups.push(stringGroupObject(settings, group, rule.path))
      }
    }
    const name = sniHttpPolicySetName(cluster, namespace, host, settings.infraName)
    // The REST layer recomputes these two markers from the rules it sends: paths present, and the Ingress names.
    const policyMarkers: MarkerFields = {
      Namespace: namespace,
      Host: hostMatch ?? [host],
      InfrasettingName: settings.infraName,
      Path: unique(rules.map((r) => r.path).filter((p) => p !== "")),
      IngressName: unique(rules.map((r) => r.objectName))
    }
    const policy = desiredObject(
      "httppolicyset",
      name,
      settings.tenantName,
      {
        ...owned(settings, name, markers(cluster, policyMarkers)),
        http_security_policy: {},
        http_request_policy: {
          rules: rules.map((rule, index): Record<string, unknown> => ({
            name: `${name}-${index}`,
            index,
            enable: true,
            // A path-less rule matches everything: AKO sends an empty match.
            match: rule.path === "" ?
              {} :
              groupOf(rule) !== undefined ?
              {
                path: {
                  match_criteria: "REGEX_MATCH",
                  match_case: "INSENSITIVE",
                  string_group_refs: [stringGroupRef(groupOf(rule) ?? "")]
                }
              } :
              {
                path: {
                  match_criteria: rule.exact ? "EQUALS" : "BEGINS_WITH",
                  match_case: "SENSITIVE",
                  match_str: [rule.path]
                }
              },
            switching_action: rule.poolGroup === "" ?
              { action: "HTTP_SWITCHING_SELECT_POOL", pool_ref: policyPoolRef(rule.pool) } :
              { action: "HTTP_SWITCHING_SELECT_POOLGROUP", pool_group_ref: ref.poolGroup(rule.poolGroup) }
          })).concat(rootRedirects.map((listener, i) => {
            const index = rules.length + i
            return {
              name: `${name}-${index}`,
              index,
              enable: true,
              // Where AKO records the VS's domains in the policy set, its redirects carry them as a host match.
              match: {
                ...(hostMatch === undefined ?
                  {} :
                  { host_hdr: { match_criteria: "HDR_EQUALS", value: sortedStrings(hostMatch) } }),
                path: { match_criteria: "EQUALS", match_case: "SENSITIVE", match_str: ["/"] },
                vs_port: { match_criteria: "IS_IN", ports: [listener.port] }
              },
              redirect_action: {
                protocol: listener.enableSsl ? "HTTPS" : "HTTP",
                port: listener.port,
                status_code: "HTTP_REDIRECT_STATUS_CODE_302",
                path: {
                  type: "URI_PARAM_TYPE_TOKENIZED",
                  tokens: [{ type: "URI_TOKEN_TYPE_STRING", str_value: (appRoot?.path ?? "/").slice(1) }]
                }
              }
            }
          }))
        }
      },
      [
        ...unique(rules.flatMap((r) => r.poolGroup === "" ? [] : [r.poolGroup]))
          .map((pg): ObjectId => ({ type: "poolgroup", name: pg })),
        ...unique(rules.flatMap((r) => r.pool === "" ? [] : [r.pool]))
          .map((pool): ObjectId => ({ type: "pool", name: pool })),
        ...unique(rules.flatMap((r) => groupOf(r) ?? [])).map((sg): ObjectId => ({ type: "stringgroup", name: sg }))
      ],
      httpPolicySetChecksum(
        cluster,
        rules.map((rule) => {
          const group = groupOf(rule)
          return {
            name: rule.mapName,
            paths: [rule.path],
            poolGroup: rule.poolGroup,
            pool: rule.pool,
            matchCriteria: group !== undefined ? "REGEX_MATCH" : rule.exact ? "EQUALS" : "BEGINS_WITH",
            ingressName: rule.objectName,
            servicePort: rule.servicePort,
            hosts: hostMatch,
            ...(group === undefined ? {} : { matchCase: "INSENSITIVE", stringGroupRefs: [stringGroupRef(group)] })
          }
        }),
        rootRedirects.map(() => hostMatch ?? null),
        policyMarkers
      )
    )
    policies.push({ policy, firstPath: rules[0]?.path ?? "" })
  }
  return { pkiProfiles, stringGroups, pools, poolGroups, policies }
}

/** AKO's HTTP policy sets name a pool with `/api/pool/?name=` (a slash its pool groups' member refs lack). */
const policyPoolRef = (pool: string): string => `/api/pool/?name=${pool}`

/**
 * The order AKO attaches a host's policy sets to its SNI child (`AviVsHttpPSAdd`): those whose first rule has no
 * path first, then by their first path.
 */
const childPolicyOrder = (
  policies: ReadonlyArray<{ readonly policy: DesiredAviObject; readonly firstPath: string }>
): ReadonlyArray<DesiredAviObject> =>
  [...policies].sort((a, b) =>
    (a.firstPath === "" ? 0 : 1) - (b.firstPath === "" ? 0 : 1) || compareStrings(a.firstPath, b.firstPath) ||
    byName(a.policy, b.policy)
  ).map(({ policy }) => policy)

/** The certificates a host's VS serves, as AKO builds them from one certificate (`BuildTlsCertNode`). */
interface HostCertificates {
  /** In the order AKO writes them (`CACertCU` before `SSLKeyCertCU`): the CA the certificate refers to first. */
  readonly objects: ReadonlyArray<DesiredAviObject>
  /** `ssl_key_and_certificate_refs` of the VS: the certificate, then its alternate. */
  readonly refs: ReadonlyArray<string>
  /** Their entries in the VS checksum's ref list (`CACert<name>`, `SSLKeyCert<name>`). */
  readonly checksumRefs: ReadonlyArray<string>
}

const certificateObjects = (settings: ModelSettings, host: string, p: HostPath): HostCertificates | undefined => {
  const cert = p.certificate
  // A HostRule's Avi certificate (type `ref`) is the controller's object, not one ako-ts writes.
  if (cert === undefined || cert.aviRef !== undefined) return undefined
  const cluster = settings.clusterName
  // The shared router-certs-default certificate serves many hosts, so AKO gives it no Host marker.
  const isDefault = cert.name === defaultRouterCertName(cluster)
  const certMarkers: MarkerFields = isDefault ? {} : { Host: [host], InfrasettingName: settings.infraName }
  const caName = caCertName(cluster, host, settings.infraName)
  // A CA certificate has no key; AKO still sends the field, empty.
  const ca = cert.caCertificate === undefined ? undefined : desiredObject(
    "sslkeyandcertificate",
    caName,
    settings.tenantName,
    {
      ...owned(settings, caName, markers(cluster, { Host: [host], InfrasettingName: settings.infraName })),
      type: "SSL_CERTIFICATE_TYPE_CA",
      certificate: { certificate: cert.caCertificate },
      key: ""
    },
    [],
    certificateChecksum(cluster, caName, cert.caCertificate, "", { Host: [host], InfrasettingName: settings.infraName })
  )
  const served = (name: string, certificate: string, key: string, caOf: DesiredAviObject | undefined) =>
    desiredObject(
      "sslkeyandcertificate",
      name,
      settings.tenantName,
      {
        ...owned(settings, name, markers(cluster, certMarkers)),
        type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
        certificate: { certificate },
        key,
        ...(caOf === undefined ? {} : { ca_certs: [{ ca_ref: ref.certificate(caOf.name), name: caOf.name }] })
      },
      caOf === undefined ? [] : [objectId(caOf)],
      certificateChecksum(cluster, name, certificate, caOf?.name ?? "", certMarkers)
    )
  const main = served(cert.name, cert.certificate, cert.key, ca)
  const alt = cert.alt === undefined ? undefined : served(cert.alt.name, cert.alt.certificate, cert.alt.key, undefined)
  const vsCertificates = alt === undefined ? [main] : [main, alt]
  return {
    objects: [...(ca === undefined ? [] : [ca]), ...vsCertificates],
    refs: vsCertificates.map((c) => ref.certificate(c.name)),
    checksumRefs: [
      ...(ca === undefined ? [] : [`CACert${ca.name}`]),
      ...vsCertificates.map((c) => `SSLKeyCert${c.name}`)
    ]
  }
}

const objectId = (o: DesiredAviObject): ObjectId => ({ type: o.type, name: o.name })

/** The object with the Kubernetes objects its input came from (a refusal is reported on them alone). */
const from = (object: DesiredAviObject, sources: ReadonlyArray<ObjectRef>): DesiredAviObject => ({
  ...object,
  sources
})

const groupBy = <A>(values: ReadonlyArray<A>, key: (a: A) => string): ReadonlyMap<string, ReadonlyArray<A>> => {
  const groups = new Map<string, Array<A>>()
  for (const value of values) {
    const k = key(value)
    const group = groups.get(k)
    if (group === undefined) groups.set(k, [value])
    else group.push(value)
  }
  return groups
}

const namespaceIngressNames = (paths: ReadonlyArray<HostPath>): ReadonlyArray<string> =>
  unique(paths.map((p) => `${p.namespace}/${p.objectName}`)).sort(compareStrings)

/** A shared parent VS with everything on it: the hosts that hash to `vsName`. */
export const translateShard = (
  settings: ModelSettings,
  vsName: string,
  hostPaths: ReadonlyArray<HostPath>,
  rules: L7Rules = NO_RULES
): DesiredUnit => {
  const tenant = settings.tenantName
  const cluster = settings.clusterName
  const childSeGroup = settings.globalServiceEngineGroupName ?? settings.serviceEngineGroupName
  const paths = sortPaths(hostPaths)
  const insecure = paths.filter((p) => p.certificate === undefined)
  const secure = paths.filter((p) => p.certificate !== undefined)
  const secureHosts = unique(secure.map((p) => p.host))
  const childRules = new Map(secureHosts.map((host) => [host, vsHostRule(rules, host, "child")]))
  const domainsOf = (host: string): ReadonlyArray<string> => {
    const hostRule = childRules.get(host)
    return unique([
      host,
      ...(hostRule?.aliases ?? []),
      ...(hostRule?.gslbFqdn === undefined ? [] : [hostRule.gslbFqdn])
    ])
  }
  const redirectHosts = unique(secure.filter((p) => p.redirect).flatMap((p) => domainsOf(p.host)))

  const auto = autoFqdn(settings, vsName, tenant)
  // A HostRule reaches the parent through the parent's FQDN (or its name without one), `Contains` through any part.
  const parentRule = vsHostRule(rules, auto ?? vsName, "parent")
  const vsVip = vsVipObject(
    settings,
    vsName,
    [
      ...(auto === undefined ? [] : [auto]),
      ...paths.map((p) => p.host),
      ...secureHosts.flatMap((host) => childRules.get(host)?.aliases ?? [])
    ],
    parentRule.loadBalancerIP
  )

  const pkiProfiles: Array<DesiredAviObject> = []
  const pools: Array<DesiredAviObject> = []
  const members: Array<{ pool_ref: string; priority_label: string; ratio: number }> = []
  const seen = new Set<string>()
  for (const p of insecure) {
    const name = insecurePoolName(settings, p)
    if (seen.has(name)) continue
    seen.add(name)
    const label = priorityLabel(p.host, p.path).toLowerCase()
    const rule = poolRule(settings, rules, p, name, false)
    const built = poolObjects(settings, name, p, insecurePoolMarkers(settings, p), label, rule)
    if (built.pki !== undefined) pkiProfiles.push(built.pki)
    pools.push(from(built.pool, [p.source]))
    members.push({ pool_ref: ref.pool(name), priority_label: label, ratio: p.ratio })
  }
  pools.sort(byName)
  pkiProfiles.sort(byName)
  const sortedPoolMembers = sortedMembers(members)

  const pgName = sharedPoolGroupName(vsName)
  const poolGroup = desiredObject(
    "poolgroup",
    pgName,
    tenant,
    {
      ...owned(settings, pgName, markers(cluster)),
      cloud_ref: ref.cloud(settings.cloudName),
      implicit_priority_labels: true,
      // An empty shard sends no `members` at all (a nil slice in AKO), not `[]`.
      ...(sortedPoolMembers.length > 0 ? { members: sortedPoolMembers } : {})
    },
    pools.map(objectId),
    poolGroupChecksum(cluster, sortedPoolMembers, {})
  )

  const redirect = redirectHosts.length > 0 ?
    redirectPolicy(settings, sharedRedirectPolicyName(vsName), redirectHosts, {}) :
    undefined

  // An insecure host with a HostRule GSLB FQDN: requests for the GSLB name reach it with its own Host header.
  const rewrites = unique(insecure.filter((p) => !p.insecureEdgeAllow).map((p) => p.host)).sort(compareStrings)
    .flatMap((host) => {
      const gslb = vsHostRule(rules, host, "child").gslbFqdn
      return gslb === undefined ? [] : [hostRewritePolicy(settings, vsName, gslb, host)]
    })

  const dsName = sharedDataScriptName(vsName)
  const script = sharedDataScript(pgName)
  const dataScript = desiredObject(
    "vsdatascriptset",
    dsName,
    tenant,
    {
      ...owned(settings, dsName, markers(cluster)),
      datascript: [{ evt: "VS_DATASCRIPT_EVT_HTTP_REQ", script }],
      pool_group_refs: [ref.poolGroup(pgName)]
    },
    [{ type: "poolgroup", name: pgName }],
    dataScriptChecksum(cluster, [pgName], script)
  )

  const children: Array<DesiredAviObject> = []
  const childNames: Array<string> = []
  const statuses: Array<StatusIntent> = []
  const secureByHost = groupBy(secure, (p) => p.host)
  for (const host of secureHosts) {
    const hostPaths = secureByHost.get(host) ?? []
    const first = hostPaths[0]
    if (first === undefined) continue
    const hostRule = childRules.get(host) ?? vsHostRule(rules, host, "child")
    // A HostRule's Avi certificates replace the one from the Secret.
    const certificates = hostRule.certificateRefs.length > 0 ? undefined : certificateObjects(settings, host, first)
    const switching = pathSwitching(
      settings,
      host,
      hostPaths,
      false,
      rules,
      domainsOf(host),
      hostRule.applicationRootPath === undefined ?
        undefined :
        { path: hostRule.applicationRootPath, listeners: [HTTP_SERVICE, HTTPS_SERVICE] },
      hostRule.useRegex
    )
    const policies = hostRule.overwrite ? [] : childPolicyOrder(switching.policies)
    const childName = sniChildVsName(cluster, host, settings.infraName)
    const childMarkers: MarkerFields = {
      Namespace: first.namespace,
      Host: [host],
      InfrasettingName: settings.infraName
    }
    const domains = domainsOf(host)
    const dataScripts = dataScriptEntries(hostRule)
    const child = desiredObject(
      "virtualservice",
      childName,
      tenant,
      {
        name: childName,
        type: "VS_TYPE_VH_CHILD",
        vh_parent_vs_ref: ref.virtualService(vsName),
        vh_domain_name: domains,
        created_by: akoUser(cluster),
        cloud_ref: ref.cloud(settings.cloudName),
        // AKO gives an SNI child the global SE group, whatever its parent's AviInfraSetting says.
        se_group_ref: ref.seGroup(childSeGroup),
        // AKO gives the child the global VRF even where its parent's AviInfraSetting names a tier-1 router.
        vrf_context_ref: ref.vrf(vrfOf(settings)),
        application_profile_ref: hostRule.crd.applicationProfileRef ?? ref.applicationProfile(SECURE_HTTP_PROFILE),
        network_profile_ref: ref.networkProfile(TCP_PROXY),
        east_west_placement: false,
        ign_pool_net_reach: false,
        ...hostRuleVsFields(hostRule, "child"),
        ssl_key_and_certificate_refs: hostRule.certificateRefs.length > 0 ?
          hostRule.certificateRefs :
          certificates?.refs ?? [],
        http_policies: httpPolicyEntries(policies.map((policy) => ref.httpPolicySet(policy.name)), hostRule),
        ...(dataScripts.length > 0 ? { vs_datascripts: dataScripts } : {}),
        service_metadata: serviceMetadata({
          namespaceIngressName: namespaceIngressNames(hostPaths),
          namespace: first.namespace,
          hostnames: [host],
          crdStatus: hostRule.crdStatus
        }),
        markers: markers(cluster, childMarkers)
      },
      [
        { type: "virtualservice", name: vsName },
        ...(certificates?.refs ?? []).map((r): ObjectId => ({ type: "sslkeyandcertificate", name: refName(r) })),
        ...policies.map(objectId)
      ],
      // AKO's child model has no profiles (the REST layer adds them) and no traffic or RHI flags.
      virtualServiceChecksum({
        clusterName: cluster,
        refs: [
          ...policies.map((policy) => `HttpPolicy${policy.name}`),
          ...(certificates?.checksumRefs ?? []),
          ...certificateRefEntries(hostRule),
          ...domains.map((domain) => `VHDomain${domain}`)
        ],
        applicationProfile: "",
        serviceEngineGroup: childSeGroup,
        networkProfile: "",
        ports: [HTTP_LISTENER, HTTPS_LISTENER],
        hostnames: [host],
        trafficEnabled: undefined,
        enableRhi: undefined,
        markers: childMarkers,
        crd: hostRule.crd
      })
    )
    childNames.push(childName)
    // Everything of one secure host comes from the Ingresses (or Routes) of that host, not from the whole shard.
    const hostSources = ownersOf(hostPaths)
    children.push(
      ...[
        ...(certificates?.objects ?? []),
        ...switching.pkiProfiles,
        ...switching.pools,
        ...switching.poolGroups,
        ...switching.stringGroups,
        ...policies,
        child
      ].map((object) => object.sources === undefined ? from(object, hostSources) : object)
    )
    for (const source of ownersOf(hostPaths)) {
      statuses.push({ object: source, vsVip: vsName, virtualService: childName, hosts: [host] })
    }
  }
  // A Route's `Allow` companion is served in plain HTTP too, but its status comes from the SNI child alone.
  for (const [host, hostPaths] of groupBy(insecure.filter((p) => !p.insecureEdgeAllow), (p) => p.host)) {
    for (const source of ownersOf(hostPaths)) {
      statuses.push({ object: source, vsVip: vsName, virtualService: vsName, hosts: [host] })
    }
  }
  const sortedStatuses = statuses
    .map((status) => ({ key: `${refKey(status.object)} ${status.hosts[0] ?? ""}`, status }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ status }) => status)

  const parentListeners = listenersOf(settings, parentRule, [HTTP_SERVICE, HTTPS_SERVICE])
  const parentOwnPolicies = parentRule.overwrite ?
    [] :
    [...(redirect === undefined ? [] : [redirect]), ...rewrites]
  const parentPolicies = httpPolicyEntries(parentOwnPolicies.map((p) => ref.httpPolicySet(p.name)), parentRule)
  const parentDataScripts = dataScriptEntries(parentRule)
  const parent = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(settings, vsName, markers(cluster)),
      type: "VS_TYPE_VH_PARENT",
      application_profile_ref: parentRule.crd.applicationProfileRef ?? ref.applicationProfile(HTTP_PROFILE),
      network_profile_ref: ref.networkProfile(TCP_PROXY),
      services: servicesOf(parentListeners),
      // A HostRule's datascripts replace the shard's own (which stays, unused, for when the rule goes).
      vs_datascripts: parentDataScripts.length > 0 ?
        parentDataScripts :
        [{ index: 0, vs_datascript_set_ref: ref.dataScript(dsName) }],
      ...(parentPolicies.length === 0 ? {} : { http_policies: parentPolicies }),
      ...(parentRule.certificateRefs.length === 0 ? {} : { ssl_key_and_certificate_refs: parentRule.certificateRefs }),
      ...hostRuleVsFields(parentRule, "parent"),
      service_metadata: serviceMetadata({ crdStatus: parentRule.crdStatus })
    },
    [
      { type: "vsvip", name: vsName },
      ...parentOwnPolicies.map(objectId),
      objectId(dataScript)
    ],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        `HTTPDS${dsName}`,
        ...parentOwnPolicies.map((policy) => `HttpPolicy${policy.name}`),
        ...certificateRefEntries(parentRule),
        `VSVIP${vsName}`,
        ...childNames.map((child) => `SNINode${child}`)
      ],
      applicationProfile: HTTP_PROFILE,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: portProtosOf(parentListeners),
      hostnames: [],
      trafficEnabled: undefined,
      // AKO's parents carry the RHI flag in effect (global, or the AviInfraSetting's), on or off.
      enableRhi: settings.enableRhi ?? false,
      markers: {},
      crd: parentRule.crd
    })
  )

  return {
    key: unitKey(tenant, vsName),
    kind: "L7Shard",
    tenant,
    virtualService: vsName,
    owners: ownersOf(paths),
    objects: [
      vsVip,
      ...pkiProfiles,
      ...pools,
      poolGroup,
      ...parentOwnPolicies,
      dataScript,
      parent,
      ...children
    ],
    statuses: sortedStatuses
  }
}

/** DEDICATED: a normal VS of its own for one host, paths switched by an HTTPPolicySet. */
export const translateDedicated = (
  settings: ModelSettings,
  vsName: string,
  host: string,
  hostPaths: ReadonlyArray<HostPath>,
  rules: L7Rules = NO_RULES
): DesiredUnit => {
  const tenant = settings.tenantName
  const cluster = settings.clusterName
  const paths = sortPaths(hostPaths)
  const first = paths[0]
  const namespace = first?.namespace ?? ""
  const securePath = paths.find((p) => p.certificate !== undefined)
  const secure = securePath !== undefined
  const hostRule = vsHostRule(rules, host, "dedicated")
  const statuses = ownersOf(paths.filter((p) => !p.insecureEdgeAllow)).map((source) => ({
    object: source,
    vsVip: vsName,
    virtualService: vsName,
    hosts: [host]
  }))
  const domains = unique([host, ...hostRule.aliases])
  const vsVip = vsVipObject(settings, vsName, domains, hostRule.loadBalancerIP)
  const certificates = securePath === undefined || hostRule.certificateRefs.length > 0 ?
    undefined :
    certificateObjects(settings, host, securePath)
  const certificateRefs = hostRule.certificateRefs.length > 0 ? hostRule.certificateRefs : certificates?.refs ?? []
  const vsMarkers: MarkerFields = { Namespace: namespace, Host: [host], InfrasettingName: settings.infraName }
  // The dedicated redirect policy carries the host's markers, unlike the shared one (AKO re-appends it last).
  const redirect = securePath !== undefined && securePath.redirect ?
    redirectPolicy(
      settings,
      sharedRedirectPolicyName(vsName),
      unique([...domains, ...(hostRule.gslbFqdn === undefined ? [] : [hostRule.gslbFqdn])]),
      vsMarkers
    ) :
    undefined
  const listeners = listenersOf(settings, hostRule, secure ? [HTTP_SERVICE, HTTPS_SERVICE] : [HTTP_SERVICE])
  // AKO switches regex paths and an application root on a secure dedicated VS only.
  const switching = pathSwitching(
    settings,
    host,
    paths,
    true,
    rules,
    domains,
    hostRule.applicationRootPath === undefined || !secure
      ? undefined
      : { path: hostRule.applicationRootPath, listeners },
    hostRule.useRegex && secure
  )
  const allPolicies = hostRule.overwrite ?
    [] :
    [...switching.policies.map(({ policy }) => policy), ...(redirect === undefined ? [] : [redirect])]
  const applicationProfile = secure ? SECURE_HTTP_PROFILE : HTTP_PROFILE
  const dataScripts = dataScriptEntries(hostRule)
  const virtualService = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(settings, vsName, markers(cluster, vsMarkers)),
      type: "VS_TYPE_NORMAL",
      east_west_placement: false,
      application_profile_ref: hostRule.crd.applicationProfileRef ?? ref.applicationProfile(applicationProfile),
      network_profile_ref: ref.networkProfile(TCP_PROXY),
      services: servicesOf(listeners),
      ...(certificateRefs.length === 0 ? {} : { ssl_key_and_certificate_refs: certificateRefs }),
      http_policies: httpPolicyEntries(allPolicies.map((policy) => ref.httpPolicySet(policy.name)), hostRule),
      ...(dataScripts.length > 0 ? { vs_datascripts: dataScripts } : {}),
      ...hostRuleVsFields(hostRule, "dedicated"),
      service_metadata: serviceMetadata({
        namespaceIngressName: namespaceIngressNames(paths),
        namespace,
        hostnames: [host],
        crdStatus: hostRule.crdStatus
      })
    },
    [
      { type: "vsvip", name: vsName },
      ...(certificates?.refs ?? []).map((r): ObjectId => ({ type: "sslkeyandcertificate", name: refName(r) })),
      ...allPolicies.map(objectId)
    ],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        ...allPolicies.map((policy) => `HttpPolicy${policy.name}`),
        ...(certificates?.checksumRefs ?? []),
        ...certificateRefEntries(hostRule),
        `VSVIP${vsName}`
      ],
      applicationProfile,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: portProtosOf(listeners),
      hostnames: [host],
      trafficEnabled: undefined,
      // AKO's parents carry the RHI flag in effect (global, or the AviInfraSetting's), on or off.
      enableRhi: settings.enableRhi ?? false,
      markers: vsMarkers,
      crd: hostRule.crd
    })
  )
  return {
    key: unitKey(tenant, vsName),
    kind: "L7Dedicated",
    tenant,
    virtualService: vsName,
    owners: ownersOf(paths),
    objects: [
      vsVip,
      ...(certificates?.objects ?? []),
      ...switching.pkiProfiles,
      ...switching.pools,
      ...switching.poolGroups,
      ...switching.stringGroups,
      ...allPolicies,
      virtualService
    ],
    statuses
  }
}
