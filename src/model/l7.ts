/**
 * L7 units from host paths: the shared `Shared-L7-<n>` parent with its insecure pools, SNI children for secure hosts
 * (reference/ako-objects.md §3.4–3.6), and DEDICATED virtual services (one per host).
 */
import { desiredObject, GLOBAL_VRF, markers, ref, refName, serviceMetadata } from "./avi-fields.js"
import { autoFqdn, owned, unique, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, ObjectId, StatusIntent } from "./desired.js"
import type { HostPath } from "./ingress.js"
import type { ObjectRef } from "./kube.js"
import { compareStrings, refKey } from "./kube.js"
import {
  akoUser,
  defaultRouterCertName,
  l7InsecurePoolName,
  priorityLabel,
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
import type { ModelSettings } from "./settings.js"

/** AKO `utils.HTTP_DS_SCRIPT_MODIFIED`: host (port stripped) + first path token → the shared PG's priority label. */
export const sharedDataScript = (poolGroup: string): string =>
  "host = avi.http.get_host_tokens(\"MODIFIED\", 1)\npath = avi.http.get_path_tokens(1)\nif host and path then\n" +
  "lbl = host..\"/\"..path\nelse\nlbl = host..\"/\"\nend\n" +
  `avi.poolgroup.select("${poolGroup}", string.lower(lbl) )`

const HTTP_PROFILE = "System-HTTP"
const SECURE_HTTP_PROFILE = "System-Secure-HTTP"
const TCP_PROXY = "System-TCP-Proxy"
/** AKO attaches its own HTTP policy sets from index 11 on. */
const FIRST_POLICY_INDEX = 11

const service = (port: number, ssl: boolean) => ({ port, port_range_end: port, enable_ssl: ssl, enable_http2: false })

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

const poolBody = (settings: ModelSettings, name: string, p: HostPath, withService: boolean) => ({
  ...owned(
    settings,
    name,
    markers(settings.clusterName, {
      Namespace: p.namespace,
      Host: [p.host],
      Path: p.path === "" ? [] : [p.path],
      IngressName: [p.objectName],
      ...(withService ? { ServiceName: p.serviceName } : {})
    })
  ),
  cloud_ref: ref.cloud(settings.cloudName),
  vrf_ref: ref.vrf(GLOBAL_VRF),
  service_metadata: serviceMetadata({
    ingressName: p.objectName,
    namespace: p.namespace,
    hostnames: [p.host],
    poolRatio: p.ratio
  }),
  sni_enabled: false,
  graceful_disable_timeout: 1,
  servers: p.servers,
  // AKO gives every pool without a CRD health monitor the protocol default; L7 backends are TCP.
  health_monitor_refs: [ref.healthMonitor("System-TCP")]
})

const insecurePoolName = (settings: ModelSettings, p: HostPath): string =>
  p.poolNameHasService ?
    routeInsecurePoolName(settings.clusterName, p.host, p.path, p.namespace, p.objectName, p.serviceName) :
    l7InsecurePoolName(settings.clusterName, p.host, p.path, p.namespace, p.objectName)

const securePoolName = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  p.poolNameHasService && !dedicated ?
    routeSniPoolName(settings.clusterName, p.namespace, p.host, p.path, p.objectName, p.serviceName) :
    sniPoolName(settings.clusterName, p.namespace, p.host, p.path, p.objectName, dedicated)

/** The redirect policy of secure hosts: port 80 requests for them go to HTTPS with a 302. */
const redirectPolicy = (settings: ModelSettings, name: string, hosts: ReadonlyArray<string>): DesiredAviObject =>
  desiredObject("httppolicyset", name, settings.tenantName, {
    ...owned(settings, name, markers(settings.clusterName)),
    http_security_policy: {},
    http_request_policy: {
      rules: [{
        name: `${name}-0`,
        index: 0,
        enable: true,
        match: {
          host_hdr: { match_criteria: "HDR_EQUALS", value: [...hosts] },
          vs_port: { match_criteria: "IS_IN", ports: [80] }
        },
        redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
      }]
    }
  }, [])

/**
 * Per-path pools and pool groups of a secure (or dedicated) host, and one HTTPPolicySet per namespace switching on
 * the path: longest path first, a path-less entry last as the catch-all.
 */
const pathSwitching = (
  settings: ModelSettings,
  host: string,
  paths: ReadonlyArray<HostPath>,
  dedicated: boolean
) => {
  const pools: Array<DesiredAviObject> = []
  const poolGroups: Array<DesiredAviObject> = []
  const policies: Array<DesiredAviObject> = []
  const namespaces = unique(paths.map((p) => p.namespace)).sort(compareStrings)
  for (const namespace of namespaces) {
    const inNamespace = paths.filter((p) => p.namespace === namespace)
    const rules: Array<{ path: string; exact: boolean; poolGroup: string }> = []
    // One pool group per path; a Route's alternate backends are more members of it (AKO `BuildPolicyPGPoolsForSNI`).
    const groups = new Map<string, { first: HostPath; members: Array<{ pool_ref: string; ratio: number }> }>()
    for (const p of inNamespace) {
      const name = securePoolName(settings, p, dedicated)
      if (pools.some((pool) => pool.name === name)) continue
      pools.push(desiredObject("pool", name, settings.tenantName, poolBody(settings, name, p, true), []))
      const pgName = sniPoolGroupName(settings.clusterName, namespace, host, p.path, p.objectName, dedicated)
      const group = groups.get(pgName)
      if (group === undefined) {
        groups.set(pgName, { first: p, members: [{ pool_ref: ref.pool(name), ratio: p.ratio }] })
        rules.push({ path: p.path, exact: p.pathType === "Exact", poolGroup: pgName })
      } else {
        group.members.push({ pool_ref: ref.pool(name), ratio: p.ratio })
      }
    }
    for (const [pgName, { first, members }] of groups) {
      poolGroups.push(desiredObject("poolgroup", pgName, settings.tenantName, {
        ...owned(
          settings,
          pgName,
          markers(settings.clusterName, {
            Namespace: namespace,
            Host: [host],
            Path: first.path === "" ? [] : [first.path],
            IngressName: [first.objectName]
          })
        ),
        cloud_ref: ref.cloud(settings.cloudName),
        implicit_priority_labels: false,
        members
      }, members.map((m): ObjectId => ({ type: "pool", name: refName(m.pool_ref) }))))
    }
    rules.sort((a, b) => {
      if (a.path === "" || b.path === "") return (a.path === "" ? 1 : 0) - (b.path === "" ? 1 : 0)
      return b.path.length - a.path.length || compareStrings(a.path, b.path) || compareStrings(a.poolGroup, b.poolGroup)
    })
    const name = sniHttpPolicySetName(settings.clusterName, namespace, host)
    policies.push(desiredObject("httppolicyset", name, settings.tenantName, {
      ...owned(
        settings,
        name,
        markers(settings.clusterName, {
          Namespace: namespace,
          Host: [host],
          IngressName: unique(inNamespace.map((p) => p.objectName)),
          Path: unique(inNamespace.map((p) => p.path).filter((p) => p !== ""))
        })
      ),
      http_security_policy: {},
      http_request_policy: {
        rules: rules.map((rule, index) => ({
          name: `${name}-${index}`,
          index,
          enable: true,
          // A path-less rule matches everything: AKO sends an empty match.
          match: rule.path === "" ?
            {} :
            {
              path: {
                match_criteria: rule.exact ? "EQUALS" : "BEGINS_WITH",
                match_case: "SENSITIVE",
                match_str: [rule.path]
              }
            },
          switching_action: { action: "HTTP_SWITCHING_SELECT_POOLGROUP", pool_group_ref: ref.poolGroup(rule.poolGroup) }
        }))
      }
    }, unique(rules.map((r) => r.poolGroup)).map((pg): ObjectId => ({ type: "poolgroup", name: pg }))))
  }
  return { pools, poolGroups, policies }
}

const certificateObject = (settings: ModelSettings, host: string, p: HostPath): DesiredAviObject | undefined => {
  const cert = p.certificate
  if (cert === undefined) return undefined
  // The shared router-certs-default certificate serves many hosts, so AKO gives it no Host marker.
  const isDefault = cert.name === defaultRouterCertName(settings.clusterName)
  return desiredObject("sslkeyandcertificate", cert.name, settings.tenantName, {
    ...owned(settings, cert.name, markers(settings.clusterName, isDefault ? {} : { Host: [host] })),
    type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
    certificate: { certificate: cert.certificate },
    key: cert.key
  }, [])
}

const objectId = (o: DesiredAviObject): ObjectId => ({ type: o.type, name: o.name })

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
  hostPaths: ReadonlyArray<HostPath>
): DesiredUnit => {
  const tenant = settings.tenantName
  const cluster = settings.clusterName
  const paths = sortPaths(hostPaths)
  const insecure = paths.filter((p) => p.certificate === undefined)
  const secure = paths.filter((p) => p.certificate !== undefined)
  const secureHosts = unique(secure.map((p) => p.host))
  const redirectHosts = unique(secure.filter((p) => p.redirect).map((p) => p.host))

  const auto = autoFqdn(settings, vsName, tenant)
  const fqdns = [...(auto === undefined ? [] : [auto]), ...unique(paths.map((p) => p.host)).sort(compareStrings)]
  const vsVip = vsVipObject(settings, vsName, unique(fqdns), undefined)

  const pools: Array<DesiredAviObject> = []
  const members: Array<{ pool_ref: string; priority_label: string; ratio: number }> = []
  const seen = new Set<string>()
  for (const p of insecure) {
    const name = insecurePoolName(settings, p)
    if (seen.has(name)) continue
    seen.add(name)
    pools.push(desiredObject("pool", name, tenant, poolBody(settings, name, p, true), []))
    members.push({ pool_ref: ref.pool(name), priority_label: priorityLabel(p.host, p.path), ratio: p.ratio })
  }
  pools.sort(byName)
  members.sort((a, b) => compareStrings(a.pool_ref, b.pool_ref))

  const pgName = sharedPoolGroupName(vsName)
  const poolGroup = desiredObject("poolgroup", pgName, tenant, {
    ...owned(settings, pgName, markers(cluster)),
    cloud_ref: ref.cloud(settings.cloudName),
    implicit_priority_labels: true,
    members
  }, pools.map(objectId))

  const redirect = redirectHosts.length > 0 ?
    redirectPolicy(settings, sharedRedirectPolicyName(vsName), redirectHosts) :
    undefined

  const dsName = sharedDataScriptName(vsName)
  const dataScript = desiredObject("vsdatascriptset", dsName, tenant, {
    ...owned(settings, dsName, markers(cluster)),
    datascript: [{ evt: "VS_DATASCRIPT_EVT_HTTP_REQ", script: sharedDataScript(pgName) }],
    pool_group_refs: [ref.poolGroup(pgName)]
  }, [{ type: "poolgroup", name: pgName }])

  const parent = desiredObject("virtualservice", vsName, tenant, {
    ...owned(settings, vsName, markers(cluster)),
    cloud_ref: ref.cloud(settings.cloudName),
    se_group_ref: ref.seGroup(settings.serviceEngineGroupName),
    vsvip_ref: ref.vsVip(vsName),
    vrf_context_ref: ref.vrf(GLOBAL_VRF),
    type: "VS_TYPE_VH_PARENT",
    application_profile_ref: ref.applicationProfile(HTTP_PROFILE),
    network_profile_ref: ref.networkProfile(TCP_PROXY),
    services: [service(80, false), service(443, true)],
    vs_datascripts: [{ index: 0, vs_datascript_set_ref: ref.dataScript(dsName) }],
    ...(redirect === undefined ?
      {} :
      { http_policies: [{ index: FIRST_POLICY_INDEX, http_policy_set_ref: ref.httpPolicySet(redirect.name) }] }),
    error_page_profile_ref: "",
    service_metadata: serviceMetadata({})
  }, [
    { type: "vsvip", name: vsName },
    ...(redirect === undefined ? [] : [objectId(redirect)]),
    objectId(dataScript)
  ])

  const children: Array<DesiredAviObject> = []
  const statuses: Array<StatusIntent> = []
  const secureByHost = groupBy(secure, (p) => p.host)
  for (const host of secureHosts) {
    const hostPaths = secureByHost.get(host) ?? []
    const first = hostPaths[0]
    if (first === undefined) continue
    const certificate = certificateObject(settings, host, first)
    const { policies, poolGroups, pools: childPools } = pathSwitching(settings, host, hostPaths, false)
    const childName = sniChildVsName(cluster, host)
    const child = desiredObject("virtualservice", childName, tenant, {
      name: childName,
      type: "VS_TYPE_VH_CHILD",
      vh_parent_vs_ref: ref.virtualService(vsName),
      vh_domain_name: [host],
      created_by: akoUser(cluster),
      cloud_ref: ref.cloud(settings.cloudName),
      se_group_ref: ref.seGroup(settings.serviceEngineGroupName),
      vrf_context_ref: ref.vrf(GLOBAL_VRF),
      application_profile_ref: ref.applicationProfile(SECURE_HTTP_PROFILE),
      network_profile_ref: ref.networkProfile(TCP_PROXY),
      east_west_placement: false,
      ign_pool_net_reach: false,
      error_page_profile_ref: "",
      ssl_key_and_certificate_refs: certificate === undefined ? [] : [ref.certificate(certificate.name)],
      http_policies: policies.map((policy, i) => ({
        index: FIRST_POLICY_INDEX + i,
        http_policy_set_ref: ref.httpPolicySet(policy.name)
      })),
      service_metadata: serviceMetadata({
        namespaceIngressName: namespaceIngressNames(hostPaths),
        namespace: first.namespace,
        hostnames: [host]
      }),
      markers: markers(cluster, { Namespace: first.namespace, Host: [host] })
    }, [
      { type: "virtualservice", name: vsName },
      ...(certificate === undefined ? [] : [objectId(certificate)]),
      ...policies.map(objectId)
    ])
    children.push(...(certificate === undefined ? [] : [certificate]), ...childPools, ...poolGroups, ...policies, child)
    for (const source of ownersOf(hostPaths)) {
      statuses.push({ object: source, vsVip: vsName, virtualService: childName, hosts: [host] })
    }
  }
  for (const [host, hostPaths] of groupBy(insecure, (p) => p.host)) {
    for (const source of ownersOf(hostPaths)) {
      statuses.push({ object: source, vsVip: vsName, virtualService: vsName, hosts: [host] })
    }
  }
  const sortedStatuses = statuses
    .map((status) => ({ key: `${refKey(status.object)} ${status.hosts[0] ?? ""}`, status }))
    .sort((a, b) => compareStrings(a.key, b.key))
    .map(({ status }) => status)

  return {
    key: unitKey(tenant, vsName),
    kind: "L7Shard",
    tenant,
    virtualService: vsName,
    owners: ownersOf(paths),
    objects: [
      vsVip,
      ...pools,
      poolGroup,
      ...(redirect === undefined ? [] : [redirect]),
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
  hostPaths: ReadonlyArray<HostPath>
): DesiredUnit => {
  const tenant = settings.tenantName
  const cluster = settings.clusterName
  const paths = sortPaths(hostPaths)
  const securePath = paths.find((p) => p.certificate !== undefined)
  const vsVip = vsVipObject(settings, vsName, [host], undefined)
  const certificate = securePath === undefined ? undefined : certificateObject(settings, host, securePath)
  const redirect = securePath !== undefined && securePath.redirect ?
    redirectPolicy(settings, sharedRedirectPolicyName(vsName), [host]) :
    undefined
  const { policies, poolGroups, pools } = pathSwitching(settings, host, paths, true)
  const allPolicies = [...(redirect === undefined ? [] : [redirect]), ...policies]
  const first = paths[0]
  const virtualService = desiredObject("virtualservice", vsName, tenant, {
    ...owned(settings, vsName, markers(cluster, { Namespace: first?.namespace ?? "", Host: [host] })),
    cloud_ref: ref.cloud(settings.cloudName),
    se_group_ref: ref.seGroup(settings.serviceEngineGroupName),
    vsvip_ref: ref.vsVip(vsName),
    vrf_context_ref: ref.vrf(GLOBAL_VRF),
    type: "VS_TYPE_NORMAL",
    east_west_placement: false,
    application_profile_ref: ref.applicationProfile(certificate === undefined ? HTTP_PROFILE : SECURE_HTTP_PROFILE),
    network_profile_ref: ref.networkProfile(TCP_PROXY),
    services: certificate === undefined ? [service(80, false)] : [service(80, false), service(443, true)],
    ...(certificate === undefined ? {} : { ssl_key_and_certificate_refs: [ref.certificate(certificate.name)] }),
    http_policies: allPolicies.map((policy, i) => ({
      index: FIRST_POLICY_INDEX + i,
      http_policy_set_ref: ref.httpPolicySet(policy.name)
    })),
    error_page_profile_ref: "",
    service_metadata: serviceMetadata({
      namespaceIngressName: namespaceIngressNames(paths),
      namespace: first?.namespace ?? "",
      hostnames: [host]
    })
  }, [
    { type: "vsvip", name: vsName },
    ...(certificate === undefined ? [] : [objectId(certificate)]),
    ...allPolicies.map(objectId)
  ])
  return {
    key: unitKey(tenant, vsName),
    kind: "L7Dedicated",
    tenant,
    virtualService: vsName,
    owners: ownersOf(paths),
    objects: [
      vsVip,
      ...(certificate === undefined ? [] : [certificate]),
      ...pools,
      ...poolGroups,
      ...allPolicies,
      virtualService
    ],
    statuses: ownersOf(paths).map((source) => ({
      object: source,
      vsVip: vsName,
      virtualService: vsName,
      hosts: [host]
    }))
  }
}
