/**
 * L7 units from host paths: the shared `Shared-L7-<n>` parent with its insecure pools, SNI children for secure hosts
 * (reference/ako-objects.md §3.4–3.6), and DEDICATED virtual services (one per host).
 */
import { desiredObject, GLOBAL_VRF, markers, ref, serviceMetadata } from "./avi-fields.js"
import type { MarkerFields, PortProtoInput } from "./checksum.js"
import {
  certificateChecksum,
  dataScriptChecksum,
  httpPolicySetChecksum,
  poolChecksum,
  poolGroupChecksum,
  sortedMembers,
  sortedStrings,
  virtualServiceChecksum
} from "./checksum.js"
import { autoFqdn, owned, parentVsFields, unique, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, ObjectId, StatusIntent } from "./desired.js"
import type { HostPath } from "./ingress.js"
import type { ObjectRef } from "./kube.js"
import { compareStrings, refKey } from "./kube.js"
import {
  akoUser,
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
import { checksumServers } from "./servers.js"
import type { ModelSettings } from "./settings.js"

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
/** AKO attaches its own HTTP policy sets from index 11 on. */
const FIRST_POLICY_INDEX = 11

const service = (port: number, ssl: boolean) => ({ port, port_range_end: port, enable_ssl: ssl, enable_http2: false })

/** The listeners of an L7 VS as AKO's model holds them (they enter the VS checksum). */
const HTTP_LISTENER: PortProtoInput = { port: 80, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" }
const HTTPS_LISTENER: PortProtoInput = { port: 443, targetPort: 0, protocol: "HTTP", enableSsl: true, name: "" }

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
  priorityLabel: string
): DesiredAviObject =>
  desiredObject(
    "pool",
    name,
    settings.tenantName,
    {
      ...owned(settings, name, markers(settings.clusterName, markerFields)),
      cloud_ref: ref.cloud(settings.cloudName),
      vrf_ref: ref.vrf(GLOBAL_VRF),
      service_metadata: serviceMetadata({
        ingressName: p.objectName,
        namespace: p.namespace,
        hostnames: [p.host],
        poolRatio: p.ratio,
        insecureEdgeTermAllow: p.insecureEdgeAllow
      }),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers: p.servers,
      // AKO gives every pool without a CRD health monitor the protocol default; L7 backends are TCP.
      health_monitor_refs: [ref.healthMonitor("System-TCP")]
    },
    [],
    poolChecksum({
      clusterName: settings.clusterName,
      protocol: "",
      port: p.backendPort,
      portName: p.portName,
      servers: checksumServers(p.servers),
      sniEnabled: false,
      priorityLabel,
      namespaceServiceNames: [],
      hostnames: [p.host],
      markers: markerFields
    })
  )

/** The pool a host path becomes on its VS (insecure shared, SNI, or dedicated). */
export const poolNameOf = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  p.certificate === undefined && !dedicated ? insecurePoolName(settings, p) : securePoolName(settings, p, dedicated)

const insecurePoolName = (settings: ModelSettings, p: HostPath): string =>
  p.poolNameHasService ?
    routeInsecurePoolName(settings.clusterName, p.host, p.path, p.namespace, p.objectName, p.serviceName) :
    l7InsecurePoolName(settings.clusterName, p.host, p.path, p.namespace, p.objectName)

const securePoolName = (settings: ModelSettings, p: HostPath, dedicated: boolean): string =>
  p.poolNameHasService ?
    routeSniPoolName(settings.clusterName, p.namespace, p.host, p.path, p.objectName, p.serviceName, dedicated) :
    sniPoolName(settings.clusterName, p.namespace, p.host, p.path, p.objectName, dedicated)

/** The insecure pool of a shared VS: Ingress pools carry no ServiceName marker, Route pools do. */
const insecurePoolMarkers = (p: HostPath): MarkerFields => ({
  Namespace: p.namespace,
  Host: [p.host],
  ...(p.poolNameHasService ? { ServiceName: p.serviceName } : {}),
  Path: [p.path],
  IngressName: [p.objectName]
})

/** The redirect policy of secure hosts: port 80 requests for them go to HTTPS with a 302. */
const redirectPolicy = (
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

interface PathRule {
  readonly path: string
  readonly exact: boolean
  readonly poolGroup: string
  readonly objectName: string
  readonly servicePort: number
}

/** AKO orders a host's path rules by path length, longest first; path-less rules come last. */
const byPathLength = (a: PathRule, b: PathRule): number => {
  if (a.path === "" || b.path === "") return (a.path === "" ? 1 : 0) - (b.path === "" ? 1 : 0)
  return b.path.length - a.path.length || compareStrings(a.path, b.path) || compareStrings(a.poolGroup, b.poolGroup)
}

/**
 * Per-path pools and pool groups of a secure (or dedicated) host, and one HTTPPolicySet per namespace switching on
 * the path.
 */
const pathSwitching = (
  settings: ModelSettings,
  host: string,
  paths: ReadonlyArray<HostPath>,
  dedicated: boolean
) => {
  const cluster = settings.clusterName
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
      if (pools.some((pool) => pool.name === name)) continue
      pools.push(from(
        poolObject(
          settings,
          name,
          p,
          {
            Namespace: namespace,
            Host: [host],
            ServiceName: p.serviceName,
            Path: [p.path],
            IngressName: [p.objectName]
          },
          priorityLabel(host, p.path)
        ),
        [p.source]
      ))
      const pgName = sniPoolGroupName(cluster, namespace, host, p.path, p.objectName, dedicated)
      const group = groups.get(pgName)
      if (group === undefined) {
        groups.set(pgName, { first: p, members: [{ pool_ref: ref.pool(name), ratio: p.ratio }] })
        rules.push({
          path: p.path,
          exact: p.pathType === "Exact",
          poolGroup: pgName,
          objectName: p.objectName,
          servicePort: p.servicePort
        })
      } else {
        group.members.push({ pool_ref: ref.pool(name), ratio: p.ratio })
      }
    }
    for (const [pgName, { first, members }] of groups) {
      const pgMarkers: MarkerFields = {
        Namespace: namespace,
        Host: [host],
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
    rules.sort(byPathLength)
    const name = sniHttpPolicySetName(cluster, namespace, host)
    // The REST layer recomputes these two markers from the rules it sends: paths present, and the Ingress names.
    const policyMarkers: MarkerFields = {
      Namespace: namespace,
      Host: [host],
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
            switching_action: {
              action: "HTTP_SWITCHING_SELECT_POOLGROUP",
              pool_group_ref: ref.poolGroup(rule.poolGroup)
            }
          }))
        }
      },
      unique(rules.map((r) => r.poolGroup)).map((pg): ObjectId => ({ type: "poolgroup", name: pg })),
      httpPolicySetChecksum(
        cluster,
        rules.map((rule) => ({
          name: rule.poolGroup,
          paths: [rule.path],
          poolGroup: rule.poolGroup,
          matchCriteria: rule.exact ? "EQUALS" : "BEGINS_WITH",
          ingressName: rule.objectName,
          servicePort: rule.servicePort
        })),
        [],
        policyMarkers
      )
    )
    policies.push({ policy, firstPath: rules[0]?.path ?? "" })
  }
  return { pools, poolGroups, policies }
}

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

const certificateObject = (settings: ModelSettings, host: string, p: HostPath): DesiredAviObject | undefined => {
  const cert = p.certificate
  if (cert === undefined) return undefined
  // The shared router-certs-default certificate serves many hosts, so AKO gives it no Host marker.
  const isDefault = cert.name === defaultRouterCertName(settings.clusterName)
  const certMarkers: MarkerFields = isDefault ? {} : { Host: [host] }
  return desiredObject(
    "sslkeyandcertificate",
    cert.name,
    settings.tenantName,
    {
      ...owned(settings, cert.name, markers(settings.clusterName, certMarkers)),
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: cert.certificate },
      key: cert.key
    },
    [],
    certificateChecksum(settings.clusterName, cert.name, cert.certificate, "", certMarkers)
  )
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
  const vsVip = vsVipObject(
    settings,
    vsName,
    [...(auto === undefined ? [] : [auto]), ...paths.map((p) => p.host)],
    undefined
  )

  const pools: Array<DesiredAviObject> = []
  const members: Array<{ pool_ref: string; priority_label: string; ratio: number }> = []
  const seen = new Set<string>()
  for (const p of insecure) {
    const name = insecurePoolName(settings, p)
    if (seen.has(name)) continue
    seen.add(name)
    const label = priorityLabel(p.host, p.path).toLowerCase()
    pools.push(from(poolObject(settings, name, p, insecurePoolMarkers(p), label), [p.source]))
    members.push({ pool_ref: ref.pool(name), priority_label: label, ratio: p.ratio })
  }
  pools.sort(byName)
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
    const certificate = certificateObject(settings, host, first)
    const switching = pathSwitching(settings, host, hostPaths, false)
    const policies = childPolicyOrder(switching.policies)
    const childName = sniChildVsName(cluster, host)
    const childMarkers: MarkerFields = { Namespace: first.namespace, Host: [host] }
    const child = desiredObject(
      "virtualservice",
      childName,
      tenant,
      {
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
        markers: markers(cluster, childMarkers)
      },
      [
        { type: "virtualservice", name: vsName },
        ...(certificate === undefined ? [] : [objectId(certificate)]),
        ...policies.map(objectId)
      ],
      // AKO's child model has no profiles (the REST layer adds them) and no traffic or RHI flags.
      virtualServiceChecksum({
        clusterName: cluster,
        refs: [
          ...policies.map((policy) => `HttpPolicy${policy.name}`),
          ...(certificate === undefined ? [] : [`SSLKeyCert${certificate.name}`]),
          `VHDomain${host}`
        ],
        applicationProfile: "",
        serviceEngineGroup: settings.serviceEngineGroupName,
        networkProfile: "",
        ports: [HTTP_LISTENER, HTTPS_LISTENER],
        hostnames: [host],
        trafficEnabled: undefined,
        enableRhi: undefined,
        markers: childMarkers
      })
    )
    childNames.push(childName)
    // Everything of one secure host comes from the Ingresses (or Routes) of that host, not from the whole shard.
    const hostSources = ownersOf(hostPaths)
    children.push(
      ...[
        ...(certificate === undefined ? [] : [certificate]),
        ...switching.pools,
        ...switching.poolGroups,
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

  const parent = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(settings, vsName, markers(cluster)),
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
    },
    [
      { type: "vsvip", name: vsName },
      ...(redirect === undefined ? [] : [objectId(redirect)]),
      objectId(dataScript)
    ],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        `HTTPDS${dsName}`,
        ...(redirect === undefined ? [] : [`HttpPolicy${redirect.name}`]),
        `VSVIP${vsName}`,
        ...childNames.map((child) => `SNINode${child}`)
      ],
      applicationProfile: HTTP_PROFILE,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: [HTTP_LISTENER, HTTPS_LISTENER],
      hostnames: [],
      trafficEnabled: undefined,
      enableRhi: false,
      markers: {}
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
  const first = paths[0]
  const namespace = first?.namespace ?? ""
  const securePath = paths.find((p) => p.certificate !== undefined)
  const vsVip = vsVipObject(settings, vsName, [host], undefined)
  const certificate = securePath === undefined ? undefined : certificateObject(settings, host, securePath)
  const vsMarkers: MarkerFields = { Namespace: namespace, Host: [host] }
  // The dedicated redirect policy carries the host's markers, unlike the shared one (AKO re-appends it last).
  const redirect = securePath !== undefined && securePath.redirect ?
    redirectPolicy(settings, sharedRedirectPolicyName(vsName), [host], vsMarkers) :
    undefined
  const switching = pathSwitching(settings, host, paths, true)
  const allPolicies = [...switching.policies.map(({ policy }) => policy), ...(redirect === undefined ? [] : [redirect])]
  const applicationProfile = certificate === undefined ? HTTP_PROFILE : SECURE_HTTP_PROFILE
  const virtualService = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(settings, vsName, markers(cluster, vsMarkers)),
      type: "VS_TYPE_NORMAL",
      east_west_placement: false,
      application_profile_ref: ref.applicationProfile(applicationProfile),
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
        namespace,
        hostnames: [host]
      })
    },
    [
      { type: "vsvip", name: vsName },
      ...(certificate === undefined ? [] : [objectId(certificate)]),
      ...allPolicies.map(objectId)
    ],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        ...allPolicies.map((policy) => `HttpPolicy${policy.name}`),
        ...(certificate === undefined ? [] : [`SSLKeyCert${certificate.name}`]),
        `VSVIP${vsName}`
      ],
      applicationProfile,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: certificate === undefined ? [HTTP_LISTENER] : [HTTP_LISTENER, HTTPS_LISTENER],
      hostnames: [host],
      trafficEnabled: undefined,
      enableRhi: false,
      markers: vsMarkers
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
      ...(certificate === undefined ? [] : [certificate]),
      ...switching.pools,
      ...switching.poolGroups,
      ...allPolicies,
      virtualService
    ],
    statuses: ownersOf(paths.filter((p) => !p.insecureEdgeAllow)).map((source) => ({
      object: source,
      vsVip: vsName,
      virtualService: vsName,
      hosts: [host]
    }))
  }
}
