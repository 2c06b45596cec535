/**
 * TLS passthrough (reference/ako-objects.md §11.2; AKO `nodes/avi_model_tls_passthrough.go`,
 * `validator.go:ParseHostPathFor{Ingress,Route}`): Routes with `spec.tls.termination: passthrough` and Ingresses
 * with `passthrough.ako.vmware.com/enabled: "true"` land on `<cluster>--Shared-Passthrough-[<infra>-]<n>`, an L4 VS on
 * port 443 whose datascript reads the TLS SNI and selects the pool group `<cluster>--[<infra>-]<host>`. Hosts that
 * redirect plain HTTP get a companion VS `<vs>-insecure` on port 80, sharing the VsVip, with the redirect policy.
 */
import * as Either from "effect/Either"
import { desiredObject, markers, ref, serviceMetadata } from "./avi-fields.js"
import type { MarkerFields } from "./checksum.js"
import {
  dataScriptChecksum,
  poolChecksum,
  poolGroupChecksum,
  sortedMembers,
  sortedStrings,
  virtualServiceChecksum
} from "./checksum.js"
import { owned, parentVsFields, vrfOf, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, ObjectId, Problem, StatusIntent } from "./desired.js"
import { namespaceAccepted } from "./filters.js"
import type { BoundInfraSetting } from "./infra-setting.js"
import { namedServicePort, PASSTHROUGH_ANNOTATION, ruleHost } from "./ingress.js"
import type { ClusterSnapshot, Ingress, ObjectRef, Route } from "./kube.js"
import { compareStrings, objectRef, refKey } from "./kube.js"
import { redirectPolicy } from "./l7.js"
import { fnv1a32, infraInfix, namePrefix, shardIndex, unitKey } from "./names.js"
import { poolPlacementFields } from "./node-networks.js"
import { routePort } from "./route.js"
import type { PoolServer } from "./servers.js"
import { checksumServers, poolPort, poolServers } from "./servers.js"
import type { ModelSettings } from "./settings.js"

// ---- names ---------------------------------------------------------------------------------------------------------

/** AKO `lib.PassthroughInsecure`: the companion VS of a passthrough shard is `<vs>-insecure`. */
export const PASSTHROUGH_INSECURE_SUFFIX = "-insecure"

const SHARDS: Readonly<Record<string, number>> = { LARGE: 8, MEDIUM: 4, SMALL: 1, DEDICATED: 0 }

/**
 * How many passthrough shards a host's object spreads over: `passthroughShardSize`, or the shard size of the
 * AviInfraSetting it is bound to, which AKO applies to passthrough shards too (`DerivePassthroughVS`).
 */
export const passthroughShards = (settings: ModelSettings, bound?: BoundInfraSetting): number => {
  const size = bound?.setting.spec?.l7Settings?.shardSize
  return size !== undefined && size in SHARDS ? SHARDS[size]! : SHARDS[settings.passthroughShardSize] ?? 1
}

/**
 * `<cluster>--Shared-Passthrough-[<infra>-]<n>`, n = FNV-1a(host) & (shards - 1) (AKO `lib.GetPassthroughShardVSName`,
 * `utils.Bkt`): with a DEDICATED setting (0 shards) that mask keeps the whole hash, as in AKO.
 */
export const passthroughVsName = (settings: ModelSettings, host: string, bound?: BoundInfraSetting): string => {
  const shards = passthroughShards(settings, bound)
  const index = shards === 0 ? fnv1a32(host) : shardIndex(host, shards)
  return `${namePrefix(settings.clusterName)}Shared-Passthrough-${infraInfix(settings.infraName)}${index}`
}

/** `<cluster>--[<infra>-]<host>` (AKO `lib.GetPassthroughPGName`): no namespace, one per host. */
export const passthroughPoolGroupName = (clusterName: string, host: string, infra?: string): string =>
  `${namePrefix(clusterName)}${infraInfix(infra)}${host}`

/** `<cluster>--[<infra>-]<host>-<svc>` (AKO `lib.GetPassthroughPoolName`). */
export const passthroughPoolName = (clusterName: string, host: string, service: string, infra?: string): string =>
  `${passthroughPoolGroupName(clusterName, host, infra)}-${service}`

/** A passthrough shard of this cluster (`<cluster>--Shared-Passthrough-[<infra>-]<n>`), not its companion. */
export const isPassthroughVsName = (clusterName: string, vsName: string): boolean =>
  new RegExp(`^${escapeRegExp(namePrefix(clusterName))}Shared-Passthrough-(?:.+-)?\\d+$`).test(vsName)

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * AKO `lib.PassthroughDatascript`, byte for byte, with its first `CLUSTER` replaced by the cluster name and its first
 * `AVIINFRA` by `<infra>-` (or nothing), as `ConstructL4DataScript` and `BuildGraphForPassthrough` do.
 */
export const passthroughDataScript = (clusterName: string, infra?: string): string =>
  [
    `local avi_tls = require "Default-TLS"`,
    `\tbuffered = avi.l4.collect(20)`,
    `\tpayload = avi.l4.read()`,
    `\tlen = avi_tls.get_req_buffer_size(payload)`,
    `\tif ( buffered < len ) then`,
    `\t  avi.l4.collect(len)`,
    `\tend`,
    `\tif ( avi_tls.sanity_check(payload) ) then`,
    `\t   local h = avi_tls.parse_record(payload)`,
    `\t   local sname = avi_tls.get_sni(h)`,
    `\t   if sname == nil then`,
    `\t\t  avi.vs.log('SNI not present')`,
    `\t\t  avi.vs.close_conn()`,
    `\t   else`,
    `\t\t  avi.vs.log("SNI=".. sname)`,
    `\t\t  pg_name = "${clusterName}--${infraInfix(infra)}"..sname`,
    `\t\t  avi.poolgroup.select(pg_name)`,
    `\t   end`,
    `\telse`,
    `\t   avi.vs.close_conn()`,
    `\tend`,
    `\tavi.l4.ds_done()`,
    `\tavi_tls = nil`
  ].join("\n")

/** The protocol parser the datascript requires; a System object every Avi Controller has. */
export const DEFAULT_TLS_PARSER_REF = "/api/protocolparser/?name=Default-TLS"

// ---- parsing -------------------------------------------------------------------------------------------------------

export interface PassthroughBackend {
  readonly serviceName: string
  readonly servers: ReadonlyArray<PoolServer>
  readonly portName: string
  /** The port the servers use, as AKO's pool model holds it. */
  readonly backendPort: number
  readonly ratio: number
}

/** One passthrough host of one Route or Ingress. */
export interface PassthroughHost {
  readonly source: ObjectRef
  readonly namespace: string
  readonly objectName: string
  readonly host: string
  readonly backends: ReadonlyArray<PassthroughBackend>
  /** Plain HTTP for the host is redirected to HTTPS by the insecure companion VS. */
  readonly redirect: boolean
  readonly created: string
}

export interface ParsedPassthrough {
  readonly hosts: ReadonlyArray<PassthroughHost>
  readonly problems: ReadonlyArray<Problem>
}

const NONE: ParsedPassthrough = { hosts: [], problems: [] }

export const isPassthroughRoute = (route: Route): boolean => route.spec?.tls?.termination === "passthrough"

export const isPassthroughIngress = (ingress: Ingress): boolean =>
  ingress.metadata?.annotations?.[PASSTHROUGH_ANNOTATION] === "true"

/** A passthrough Route's host and backends (`to` and `alternateBackends`, each with its weight as pool ratio). */
export const parsePassthroughRoute = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  route: Route,
  hostFilter: (host: string) => boolean = () => true
): ParsedPassthrough => {
  if (!isPassthroughRoute(route)) return NONE
  const source = objectRef("Route", route)
  const namespace = source.namespace ?? ""
  if (route.metadata?.deletionTimestamp !== undefined || !namespaceAccepted(snapshot, settings, namespace)) return NONE
  const subdomain = route.spec?.subdomain ?? ""
  const host = route.spec?.host !== undefined && route.spec.host !== "" ?
    route.spec.host :
    subdomain !== "" && settings.defaultDomain !== undefined ?
    `${subdomain}.${settings.defaultDomain.replace(/^\./, "")}` :
    ""
  if (host === "") {
    return {
      hosts: [],
      problems: [{ object: source, field: "spec.host", reason: "HostMissing", message: "the Route has no host" }]
    }
  }
  if (!hostFilter(host)) return NONE
  const problems: Array<Problem> = []
  const backends: Array<PassthroughBackend> = []
  const targets = [
    ...(route.spec?.to === undefined ? [] : [{ ...route.spec.to, field: "spec.to" }]),
    ...(route.spec?.alternateBackends ?? []).map((b, i) => ({ ...b, field: `spec.alternateBackends[${i}]` }))
  ]
  for (const target of targets) {
    const ratio = target.weight ?? 100
    // As for edge Routes: a backend of weight 0 gets no pool.
    if (ratio === 0) continue
    const serviceName = target.name ?? ""
    const service = snapshot.services.get(`${namespace}/${serviceName}`)
    const wanted = route.spec?.port?.targetPort
    if (service === undefined) {
      problems.push({
        object: source,
        field: `${target.field}.name`,
        reason: "ServiceNotFound",
        message: `Service ${namespace}/${serviceName} does not exist; its pool has no servers`
      })
      backends.push({
        serviceName,
        servers: [],
        portName: "",
        backendPort: typeof wanted === "number" ? wanted : 80,
        ratio
      })
      continue
    }
    const port = routePort(service.spec?.ports ?? [], wanted)
    if (port === undefined) {
      problems.push({
        object: source,
        field: "spec.port.targetPort",
        reason: "PortNotFound",
        message: `Service ${namespace}/${serviceName} has no port ${String(wanted)}`
      })
      backends.push({
        serviceName,
        servers: [],
        portName: "",
        backendPort: typeof wanted === "number" ? wanted : 80,
        ratio
      })
      continue
    }
    const servers = poolServers(snapshot, settings, service, port, true)
    backends.push({ serviceName, servers, portName: port.name ?? "", backendPort: poolPort(servers, port), ratio })
  }
  return {
    hosts: [{
      source,
      namespace,
      objectName: source.name,
      host,
      backends,
      redirect: route.spec?.tls?.insecureEdgeTerminationPolicy === "Redirect",
      created: route.metadata?.creationTimestamp ?? ""
    }],
    problems
  }
}

/**
 * A passthrough Ingress's hosts: every backend of a rule's paths (paths themselves mean nothing to an L4 VS), weight
 * 100, and always the redirect (AKO: "for secure ingress redirect is enabled, hence enabling this for passthrough").
 * Two rules of one host: the later one wins, as AKO keeps one entry per host.
 */
export const parsePassthroughIngress = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  ingress: Ingress,
  hostFilter: (host: string) => boolean = () => true
): ParsedPassthrough => {
  if (!isPassthroughIngress(ingress)) return NONE
  const source = objectRef("Ingress", ingress)
  const namespace = source.namespace ?? ""
  const problems: Array<Problem> = []
  const byHost = new Map<string, PassthroughHost>()
  for (const [ruleIndex, rule] of (ingress.spec?.rules ?? []).entries()) {
    const ruled = ruleHost(settings, source, ruleIndex, rule, hostFilter)
    if (ruled === undefined) continue
    if (Either.isLeft(ruled)) {
      problems.push(ruled.left)
      continue
    }
    const host = ruled.right
    const backends: Array<PassthroughBackend> = []
    for (const [pathIndex, entry] of (rule.http?.paths ?? []).entries()) {
      const backend = entry.backend?.service
      const serviceName = backend?.name ?? ""
      const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}].backend.service`
      const requested = backend?.port?.number === undefined || backend.port.number === 0 ? 80 : backend.port.number
      const service = snapshot.services.get(`${namespace}/${serviceName}`)
      const port = service === undefined ? undefined : namedServicePort(service.spec?.ports ?? [], backend?.port)
      if (service === undefined || port === undefined) {
        problems.push(
          service === undefined ?
            {
              object: source,
              field: `${field}.name`,
              reason: "ServiceNotFound",
              message: `Service ${namespace}/${serviceName} does not exist; pool for ${host} has no servers`
            } :
            {
              object: source,
              field: `${field}.port`,
              reason: "PortNotFound",
              message: `Service ${namespace}/${serviceName} has no port ${
                backend?.port?.name ?? String(requested)
              }; pool for ${host} has no servers`
            }
        )
        backends.push({ serviceName, servers: [], portName: "", backendPort: requested, ratio: 100 })
        continue
      }
      const servers = poolServers(snapshot, settings, service, port, true)
      backends.push({
        serviceName,
        servers,
        portName: port.name ?? "",
        backendPort: poolPort(servers, port),
        ratio: 100
      })
    }
    byHost.set(host, {
      source,
      namespace,
      objectName: source.name,
      host,
      backends,
      redirect: true,
      created: ingress.metadata?.creationTimestamp ?? ""
    })
  }
  return { hosts: [...byHost.values()], problems }
}

// ---- translation ---------------------------------------------------------------------------------------------------

const L4_APP_PROFILE = "System-L4-Application"
const HTTP_PROFILE = "System-HTTP"
const TCP_PROXY = "System-TCP-Proxy"

const objectId = (object: DesiredAviObject): ObjectId => ({ type: object.type, name: object.name })

const byName = (a: { readonly name: string }, b: { readonly name: string }) => compareStrings(a.name, b.name)

/**
 * Which object's backends a host gets when several claim it. AKO resets the host's pool group to the last object it
 * processes, and at start it processes them oldest first: the newest claim wins.
 */
const newestFirst = (a: PassthroughHost, b: PassthroughHost): number =>
  compareStrings(b.created, a.created) || compareStrings(refKey(a.source), refKey(b.source))

/** The claims of one shard, one per host, and a problem on every object whose claim lost. */
const settleClaims = (
  entries: ReadonlyArray<PassthroughHost>
): { readonly hosts: ReadonlyArray<PassthroughHost>; readonly problems: ReadonlyArray<Problem> } => {
  const byHost = new Map<string, Array<PassthroughHost>>()
  for (const entry of entries) {
    const list = byHost.get(entry.host)
    if (list === undefined) byHost.set(entry.host, [entry])
    else list.push(entry)
  }
  const hosts: Array<PassthroughHost> = []
  const problems: Array<Problem> = []
  for (const [host, claims] of [...byHost].sort(([a], [b]) => compareStrings(a, b))) {
    const [winner, ...losers] = [...claims].sort(newestFirst)
    if (winner === undefined) continue
    hosts.push(winner)
    for (const loser of losers) {
      problems.push({
        object: loser.source,
        field: "spec",
        reason: "HostPathConflict",
        message: `passthrough host ${host} is also claimed by ${winner.source.kind} ${
          winner.source.namespace ?? ""
        }/${winner.source.name}, which is served instead`
      })
    }
  }
  return { hosts, problems }
}

const passthroughService = (port: number) => ({ port, port_range_end: port, enable_ssl: false, enable_http2: false })

export interface PassthroughUnit {
  readonly unit: DesiredUnit
  readonly problems: ReadonlyArray<Problem>
}

/**
 * One passthrough shard: VsVip (every host's FQDN), a pool per backend and a pool group per host, the TLS-SNI
 * datascript over all pool groups, the secure VS, and for redirecting hosts the insecure companion with its policy.
 * `settings` is the shard's placement (its AviInfraSetting's, if any).
 */
export const translatePassthroughShard = (
  settings: ModelSettings,
  vsName: string,
  entries: ReadonlyArray<PassthroughHost>
): PassthroughUnit => {
  const cluster = settings.clusterName
  const tenant = settings.tenantName
  const infra = settings.infraName
  const { hosts, problems } = settleClaims(entries)

  const pools: Array<DesiredAviObject> = []
  const poolGroups: Array<DesiredAviObject> = []
  for (const entry of hosts) {
    const members: Array<{ pool_ref: string; ratio: number }> = []
    const seen = new Set<string>()
    for (const backend of entry.backends) {
      const name = passthroughPoolName(cluster, entry.host, backend.serviceName, infra)
      if (seen.has(name)) continue
      seen.add(name)
      const markerFields: MarkerFields = {
        Host: [entry.host],
        InfrasettingName: infra,
        ServiceName: backend.serviceName
      }
      pools.push({
        ...desiredObject(
          "pool",
          name,
          tenant,
          {
            ...owned(settings, name, markers(cluster, markerFields)),
            cloud_ref: ref.cloud(settings.cloudName),
            ...(settings.t1lr === undefined ? { vrf_ref: ref.vrf(vrfOf(settings)) } : { tier1_lr: settings.t1lr }),
            ...poolPlacementFields(settings),
            service_metadata: serviceMetadata({
              ingressName: entry.objectName,
              namespace: entry.namespace,
              hostnames: [entry.host],
              poolRatio: backend.ratio
            }),
            sni_enabled: false,
            graceful_disable_timeout: 1,
            servers: backend.servers,
            health_monitor_refs: [ref.healthMonitor("System-TCP")]
          },
          [],
          poolChecksum({
            clusterName: cluster,
            protocol: "",
            port: backend.backendPort,
            portName: backend.portName,
            servers: checksumServers(backend.servers),
            sniEnabled: false,
            priorityLabel: "",
            namespaceServiceNames: [],
            hostnames: [entry.host],
            markers: markerFields,
            t1lr: settings.t1lr,
            networkPlacement: settings.nodeNetworkPlacement
          })
        ),
        sources: [entry.source]
      })
      members.push({ pool_ref: ref.pool(name), ratio: backend.ratio })
    }
    const pgName = passthroughPoolGroupName(cluster, entry.host, infra)
    const pgMarkers: MarkerFields = { Host: [entry.host], InfrasettingName: infra }
    const sorted = sortedMembers(members)
    poolGroups.push({
      ...desiredObject(
        "poolgroup",
        pgName,
        tenant,
        {
          ...owned(settings, pgName, markers(cluster, pgMarkers)),
          cloud_ref: ref.cloud(settings.cloudName),
          implicit_priority_labels: false,
          ...(sorted.length > 0 ? { members: sorted } : {})
        },
        sorted.map((m) => ({ type: "pool" as const, name: m.pool_ref.slice("/api/pool?name=".length) })),
        poolGroupChecksum(cluster, sorted, pgMarkers)
      ),
      sources: [entry.source]
    })
  }
  pools.sort(byName)
  poolGroups.sort(byName)

  const vsVip = vsVipObject(settings, vsName, hosts.map((h) => h.host), undefined)

  // AKO's model hashes the HTTP script here (a quirk that re-PUTs the datascript at every AKO start); the value it
  // reads back is this one, and only this one lets a takeover of AKO's datascript write nothing.
  const script = passthroughDataScript(cluster, infra)
  const pgNames = sortedStrings(poolGroups.map((pg) => pg.name))
  const dataScript = desiredObject(
    "vsdatascriptset",
    vsName,
    tenant,
    {
      ...owned(settings, vsName, markers(cluster)),
      datascript: [{ evt: "VS_DATASCRIPT_EVT_L4_REQUEST", script }],
      protocol_parser_refs: [DEFAULT_TLS_PARSER_REF],
      pool_group_refs: pgNames.map(ref.poolGroup)
    },
    poolGroups.map(objectId),
    dataScriptChecksum(cluster, pgNames, script)
  )

  const redirectHosts = hosts.filter((h) => h.redirect).map((h) => h.host)
  const insecureName = `${vsName}${PASSTHROUGH_INSECURE_SUFFIX}`
  const insecure = redirectHosts.length > 0 ?
    insecureObjects(settings, vsName, insecureName, redirectHosts) :
    undefined

  const secure = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(settings, vsName, markers(cluster)),
      application_profile_ref: ref.applicationProfile(L4_APP_PROFILE),
      network_profile_ref: ref.networkProfile(TCP_PROXY),
      services: [passthroughService(443)],
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: ref.dataScript(vsName) }],
      // AKO takes a passthrough VS down when all its pools are (`rest/avi_obj_vs.go`).
      remove_listening_port_on_vs_down: true,
      error_page_profile_ref: "",
      service_metadata: serviceMetadata({ passthroughChildRef: insecure === undefined ? undefined : insecureName })
    },
    [{ type: "vsvip", name: vsName }, objectId(dataScript)],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        `HTTPDS${vsName}`,
        `VSVIP${vsName}`,
        ...(insecure === undefined ? [] : [`PassthroughChild${insecureName}`])
      ],
      applicationProfile: L4_APP_PROFILE,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: [{ port: 443, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" }],
      hostnames: [],
      trafficEnabled: undefined,
      enableRhi: settings.enableRhi ?? false,
      markers: {}
    })
  )

  const statuses: Array<StatusIntent> = hosts.map((h) => ({
    object: h.source,
    vsVip: vsName,
    virtualService: vsName,
    hosts: [h.host]
  })).sort((a, b) =>
    compareStrings(`${refKey(a.object)} ${a.hosts[0] ?? ""}`, `${refKey(b.object)} ${b.hosts[0] ?? ""}`)
  )
  const owners = new Map<string, ObjectRef>()
  for (const entry of entries) owners.set(refKey(entry.source), entry.source)

  return {
    unit: {
      key: unitKey(tenant, vsName),
      kind: "Passthrough",
      tenant,
      virtualService: vsName,
      owners: [...owners].sort(([a], [b]) => compareStrings(a, b)).map(([, owner]) => owner),
      objects: [vsVip, ...pools, ...poolGroups, dataScript, secure, ...(insecure ?? [])],
      statuses
    },
    problems
  }
}

/** The companion on port 80: the shard's VsVip, and the redirect policy of its hosts (clustername marker only). */
const insecureObjects = (
  settings: ModelSettings,
  vsName: string,
  insecureName: string,
  redirectHosts: ReadonlyArray<string>
): ReadonlyArray<DesiredAviObject> => {
  const cluster = settings.clusterName
  const policy = redirectPolicy(settings, insecureName, redirectHosts, {})
  const vs = desiredObject(
    "virtualservice",
    insecureName,
    settings.tenantName,
    {
      ...parentVsFields(settings, insecureName, markers(cluster)),
      vsvip_ref: ref.vsVip(vsName),
      application_profile_ref: ref.applicationProfile(HTTP_PROFILE),
      network_profile_ref: ref.networkProfile(TCP_PROXY),
      services: [passthroughService(80)],
      http_policies: [{ index: 11, http_policy_set_ref: ref.httpPolicySet(policy.name) }],
      error_page_profile_ref: "",
      service_metadata: serviceMetadata({ passthroughParentRef: vsName })
    },
    [{ type: "vsvip", name: vsName }, objectId(policy), { type: "virtualservice", name: vsName }],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [`HttpPolicy${policy.name}`, `VSVIP${vsName}`],
      applicationProfile: HTTP_PROFILE,
      serviceEngineGroup: settings.serviceEngineGroupName,
      networkProfile: TCP_PROXY,
      ports: [{ port: 80, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" }],
      hostnames: [],
      trafficEnabled: undefined,
      // AKO's companion model carries no RHI flag of its own; an AviInfraSetting in effect sets one (even when bound
      // through the Namespace, which `globalServiceEngineGroupName` tells).
      enableRhi: settings.globalServiceEngineGroupName === undefined ? undefined : settings.enableRhi ?? false,
      markers: {}
    })
  )
  return [policy, vs]
}
