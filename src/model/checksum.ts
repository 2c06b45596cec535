/**
 * AKO 2.2.1's checksums, formula for formula (reference/ako-objects.md §10, AKO `nodes/avi_model_nodes.go`
 * `*CalculateCheckSum`, `lib.GetMarkersChecksum`, `lib.ObjectLabelChecksum`). AKO compares them with the stored
 * `cloud_config_cksum` / `vsvip_cloud_config_cksum` (or, for types without such a field, with the value it recomputes
 * from the object it reads) and rewrites every object whose value differs: the same numbers here are what makes a
 * switch between AKO and ako-ts write nothing in either direction.
 *
 * Every sum is uint32 arithmetic that wraps, as Go's; `H` is FNV-1a 32 over UTF-8; `J` is Go's `json.Marshal`.
 */
import { fnv1a32, refName } from "./names.js"

/** FNV-1a 32 over the UTF-8 bytes of `text` (AKO `utils.Hash`). */
export const H = fnv1a32

/** uint32 sum, wrapping like Go's. */
export const sum32 = (...values: ReadonlyArray<number>): number => {
  let total = 0
  for (const value of values) total = (total + value) >>> 0
  return total
}

const GO_ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029"
}

/**
 * Go's `json.Marshal` of a value built in Go's field order: compact, and HTML-safe escapes (`<`, `>`, `&`) that
 * `JSON.stringify` does not make. Those characters only ever appear inside strings, so replacing them in the output
 * is exact. `undefined` stands for a nil slice or map and marshals as `null`.
 */
export const goJson = (value: unknown): string =>
  (JSON.stringify(value, (_key, v: unknown) => v === undefined ? null : v) ?? "null")
    .replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c)

const byteOrder = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/** A sorted copy in Go's byte order (code-unit order equals it for the BMP, which is all names here use). */
export const sortedStrings = (values: Iterable<string>): Array<string> => [...values].sort(byteOrder)

/** `lib.SetClusterLabelChecksum`: every owned object's checksum includes its cluster's label. */
export const clusterLabelChecksum = (clusterName: string): number => H(`clustername${clusterName}`)

/** The fields of AKO's `utils.AviObjectMarkers` that ako-ts sets, in the Go struct's order. */
export interface MarkerFields {
  readonly Namespace?: string | undefined
  readonly Host?: ReadonlyArray<string> | undefined
  readonly InfrasettingName?: string | undefined
  readonly ServiceName?: string | undefined
  readonly Path?: ReadonlyArray<string> | undefined
  readonly Port?: string | undefined
  readonly Protocol?: string | undefined
  readonly IngressName?: ReadonlyArray<string> | undefined
  readonly GatewayName?: string | undefined
}

/**
 * `lib.GetMarkersChecksum`: every non-empty string field and every list field (sorted, joined by `-`), sorted and
 * concatenated; hashed when non-empty; plus the cluster label.
 */
export const markersChecksum = (clusterName: string, fields: MarkerFields): number => {
  const parts: Array<string> = []
  for (const value of Object.values(fields) as ReadonlyArray<string | ReadonlyArray<string> | undefined>) {
    if (value === undefined) continue
    if (typeof value === "string") {
      if (value !== "") parts.push(value)
    } else {
      parts.push(sortedStrings(value).join("-"))
    }
  }
  const concat = sortedStrings(parts).join("")
  return sum32(concat === "" ? 0 : H(concat), clusterLabelChecksum(clusterName))
}

interface WireMarker {
  readonly key?: unknown
  readonly values?: unknown
}

/** `lib.ObjectLabelChecksum`: the same value computed from the markers of an object read from Avi. */
export const observedMarkersChecksum = (clusterName: string, markers: unknown): number => {
  let total = 0
  const values: Array<string> = []
  for (const marker of Array.isArray(markers) ? markers as ReadonlyArray<WireMarker> : []) {
    const first = Array.isArray(marker.values) && typeof marker.values[0] === "string" ? marker.values[0] : undefined
    if (marker.key === "clustername") {
      if (first === clusterName) total = sum32(total, clusterLabelChecksum(clusterName))
    } else if (first !== undefined) {
      values.push(first)
    }
  }
  const concat = sortedStrings(values).join("")
  return concat === "" ? total : sum32(total, H(concat))
}

// ---- per type ------------------------------------------------------------------------------------------------------

/** A pool server as AKO's model holds it (`AviPoolMetaServer`); endpoint servers carry port 0. */
export interface ChecksumServer {
  readonly addr: string
  readonly type: "V4" | "V6"
  readonly serverNode: string
  readonly port: number
  readonly enabled: boolean
}

export interface PoolChecksumInput {
  readonly clusterName: string
  /** `TCP`/`UDP`/`SCTP` for L4 pools, `""` for Ingress and Route pools. */
  readonly protocol: string
  /** The backend port the servers use (EndpointSlice port, or node port). */
  readonly port: number
  /** The Service port's name. */
  readonly portName: string
  readonly servers: ReadonlyArray<ChecksumServer>
  readonly sniEnabled: boolean
  readonly priorityLabel: string
  readonly namespaceServiceNames: ReadonlyArray<string>
  readonly hostnames: ReadonlyArray<string>
  readonly markers: MarkerFields
  /** What an HTTPRule or an L4Rule set on the pool model (absent: nothing). */
  readonly crd?: PoolCrdFields | undefined
  readonly generated?: PoolGeneratedFields | undefined
  /** NSX-T tier-1 router path of the pool. */
  readonly t1lr?: string | undefined
  readonly networkPlacement?: ReadonlyArray<NodeNetworkPlacement> | undefined
}

/** One entry of AKO's `NetworkPlacementSettings` map (`lib.NodeNetworkMap`), under its key. */
export interface NodeNetworkPlacement {
  readonly key: string
  readonly cidrs: ReadonlyArray<string> | undefined
  readonly networkUuid: string
}

/** `J(NetworkPlacementSettings)`: Go marshals the map with its keys sorted; `null` when there is none. */
const placementJson = (entries: ReadonlyArray<NodeNetworkPlacement> | undefined): string => {
  if (entries === undefined || entries.length === 0) return "null"
  const sorted = [...entries].sort((a, b) => byteOrder(a.key, b.key))
  return `{${
    sorted.map((e) => `${goJson(e.key)}:${goJson({ Cidrs: e.cidrs ?? null, NetworkUUID: e.networkUuid })}`).join(",")
  }}`
}

/** The pool model fields an HTTPRule sets (refs as `/api/<type>?name=<name>`). */
export interface PoolCrdFields {
  readonly lbAlgorithm?: string | undefined
  readonly lbAlgorithmHash?: string | undefined
  readonly lbAlgorithmConsistentHashHdr?: string | undefined
  readonly sslProfileRef?: string | undefined
  readonly pkiProfileRef?: string | undefined
  readonly healthMonitorRefs?: ReadonlyArray<string> | undefined
  readonly applicationPersistenceProfileRef?: string | undefined
  readonly enableHttp2?: boolean | undefined
  readonly sslKeyAndCertificateRef?: string | undefined
}

/**
 * AKO's generated pool fields (`AviPoolGeneratedFields`, set by an L4Rule's backend properties); the analytics policy
 * as the CRD's Go type marshals it (`{"enableRealtimeMetrics":…}`).
 */
export interface PoolGeneratedFields {
  readonly analyticsPolicy?: { readonly enableRealtimeMetrics?: boolean } | undefined
  readonly enabled?: boolean | undefined
  readonly minServersUp?: number | undefined
}

/** `CalculateCheckSumOfGeneratedCode` of the pool: the set fields in declaration order, joined by `:`. */
const poolGeneratedChecksum = (generated: PoolGeneratedFields | undefined): number =>
  H(
    [
      ...(generated?.analyticsPolicy === undefined ? [] : [goJson(generated.analyticsPolicy)]),
      ...(generated?.enabled === undefined ? [] : [goJson(generated.enabled)]),
      ...(generated?.minServersUp === undefined ? [] : [String(generated.minServersUp)])
    ].join(":")
  )

/** `AviPoolNode.CalculateCheckSum`; optional fields enter only when set, as AKO skips nil and empty ones. */
export const poolChecksum = (input: PoolChecksumInput): number => {
  const servers = input.servers.length === 0 ?
    undefined :
    [...input.servers].sort((a, b) => byteOrder(a.addr, b.addr)).map((s) => ({
      Ip: { addr: s.addr, type: s.type },
      ServerNode: s.serverNode,
      Port: s.port,
      Enabled: s.enabled
    }))
  const crd = input.crd
  const optional = (value: string | undefined) => value === undefined || value === "" ? [] : [value]
  const fields = [
    input.protocol,
    String(input.port),
    input.portName,
    goJson(servers),
    ...optional(crd?.lbAlgorithm),
    ...optional(crd?.lbAlgorithmHash),
    ...optional(crd?.lbAlgorithmConsistentHashHdr),
    goJson(input.sniEnabled),
    ...optional(crd?.sslProfileRef),
    input.priorityLabel,
    placementJson(input.networkPlacement),
    ...optional(crd?.pkiProfileRef),
    ...optional(crd?.sslKeyAndCertificateRef),
    ...(input.namespaceServiceNames.length > 0 ? [goJson(sortedStrings(input.namespaceServiceNames))] : []),
    ...(input.hostnames.length > 0 ? [goJson(sortedStrings(input.hostnames))] : []),
    ...(crd?.enableHttp2 === undefined ? [] : [goJson(crd.enableHttp2)])
  ]
  const monitors = crd?.healthMonitorRefs ?? []
  const persistence = crd?.applicationPersistenceProfileRef ?? ""
  return sum32(
    H(fields.join(":")),
    monitors.length === 0 ? 0 : H(goJson(monitors)),
    persistence === "" ? 0 : H(persistence),
    markersChecksum(input.clusterName, input.markers),
    input.t1lr === undefined || input.t1lr === "" ? 0 : H(input.t1lr),
    poolGeneratedChecksum(input.generated)
  )
}

export interface PoolGroupMemberInput {
  readonly pool_ref: string
  readonly priority_label?: string | undefined
  readonly ratio?: number | undefined
}

/** `AviPoolGroupNode.CalculateCheckSum`: members sorted by pool ref, in the avi-sdk's field order. */
export const poolGroupChecksum = (
  clusterName: string,
  members: ReadonlyArray<PoolGroupMemberInput>,
  markerFields: MarkerFields
): number => {
  const sorted = members.length === 0 ? undefined : sortedMembers(members).map((m) => ({
    pool_ref: m.pool_ref,
    ...(m.priority_label === undefined || m.priority_label === "" ? {} : { priority_label: m.priority_label }),
    ...(m.ratio === undefined || m.ratio === 0 ? {} : { ratio: m.ratio })
  }))
  return sum32(H(goJson(sorted)), markersChecksum(clusterName, markerFields))
}

/** Pool-group members in the order AKO sends them (its checksum sorts the slice in place). */
export const sortedMembers = <A extends { readonly pool_ref: string }>(members: ReadonlyArray<A>): Array<A> =>
  [...members].sort((a, b) => byteOrder(a.pool_ref, b.pool_ref))

export interface VipNetworkInput {
  readonly networkName?: string | undefined
  readonly networkUUID?: string | undefined
  readonly cidr?: string | undefined
  readonly v6cidr?: string | undefined
}

/** `AviVSVIPNode.CalculateCheckSum`. */
export const vsVipChecksum = (
  clusterName: string,
  fqdns: ReadonlyArray<string>,
  staticIp: string | undefined,
  networks: ReadonlyArray<VipNetworkInput>,
  placement: {
    readonly bgpPeerLabels?: ReadonlyArray<string>
    readonly t1lr?: string | undefined
    readonly enablePublicIp?: boolean | undefined
  } = {}
): number => {
  const networkKeys = networks.map((n) =>
    `${n.networkName ?? ""}:${n.cidr ?? ""}` + (n.v6cidr !== undefined && n.v6cidr !== "" ? `:${n.v6cidr}` : "") +
    (n.networkUUID !== undefined && n.networkUUID !== "" ? `:${n.networkUUID}` : "")
  )
  return sum32(
    fqdns.length > 0 ? H(goJson(sortedStrings(fqdns))) : 0,
    staticIp !== undefined && staticIp !== "" ? H(staticIp) : 0,
    networkKeys.length > 0 ? H(goJson(sortedStrings(networkKeys))) : 0,
    placement.enablePublicIp === undefined ? 0 : H(goJson(placement.enablePublicIp)),
    placement.bgpPeerLabels !== undefined && placement.bgpPeerLabels.length > 0 ?
      H(goJson(sortedStrings(placement.bgpPeerLabels))) :
      0,
    placement.t1lr === undefined || placement.t1lr === "" ? 0 : H(placement.t1lr),
    clusterLabelChecksum(clusterName)
  )
}

/** One listener of AKO's VS model (`utils.AviPortHostProtocol`), marshalled in its field order. */
export interface PortProtoInput {
  readonly port: number
  /** The Service's targetPort as the Service has it (number or name); 0 for L7 listeners. */
  readonly targetPort: number | string
  readonly protocol: string
  readonly enableSsl: boolean
  readonly name: string
  readonly enableHttp2?: boolean | undefined
}

const portProtoJson = (ports: ReadonlyArray<PortProtoInput>): string =>
  goJson(
    [...ports].sort((a, b) => byteOrder(a.name, b.name)).map((p) => ({
      PortMap: null,
      Port: p.port,
      TargetPort: p.targetPort,
      Protocol: p.protocol,
      Hosts: null,
      Secret: "",
      Passthrough: false,
      Redirect: false,
      EnableSSL: p.enableSsl,
      EnableHTTP2: p.enableHttp2 ?? false,
      Name: p.name
    }))
  )

export interface VirtualServiceChecksumInput {
  readonly clusterName: string
  /** The VS model's references: `HTTPDS<ds>`, `HttpPolicy<ps>`, `SSLKeyCert<cert>`, `VSVIP<vip>`, `L4Policy<ps>`, … */
  readonly refs: ReadonlyArray<string>
  readonly applicationProfile: string
  readonly serviceEngineGroup: string
  readonly networkProfile: string
  readonly ports: ReadonlyArray<PortProtoInput>
  /** service_metadata hostnames (FQDNs of an L4 VS, the host of an SNI child). */
  readonly hostnames: ReadonlyArray<string>
  readonly trafficEnabled: boolean | undefined
  readonly enableRhi: boolean | undefined
  readonly markers: MarkerFields
  /** What a HostRule or an L4Rule set on the VS model (absent: nothing). */
  readonly crd?: VirtualServiceCrdFields | undefined
  readonly generated?: VsGeneratedFields | undefined
}

/**
 * AKO's generated VS fields an L4Rule sets (`AviVsNodeGeneratedFields`), refs as `/api/<type>?name=<name>`; the
 * performance limits and listeners as the CRD's Go types marshal them.
 */
export interface VsGeneratedFields {
  readonly loadBalancerIP?: string | undefined
  readonly networkProfileRef?: string | undefined
  readonly networkSecurityPolicyRef?: string | undefined
  readonly performanceLimits?: {
    readonly maxConcurrentConnections?: number
    readonly maxThroughput?: number
  } | undefined
  readonly securityPolicyRef?: string | undefined
  readonly services?:
    | ReadonlyArray<{ readonly enableSsl: boolean; readonly port: number; readonly protocol: string }>
    | undefined
}

/**
 * `CalculateCheckSumOfGeneratedCode` of the VS: the set fields joined by `:`, in the order AKO's generated code
 * appends them (the listeners come after the SSL session cache size there, not in declaration order).
 */
const vsGeneratedChecksum = (generated: VsGeneratedFields | undefined): number => {
  const present = (value: string | undefined) => value === undefined ? [] : [value]
  return H(
    [
      ...present(generated?.loadBalancerIP),
      ...present(generated?.networkProfileRef),
      ...present(generated?.networkSecurityPolicyRef),
      ...(generated?.performanceLimits === undefined ? [] : [goJson(generated.performanceLimits)]),
      ...present(generated?.securityPolicyRef),
      ...(generated?.services === undefined ? [] : [goJson(generated.services)])
    ].join(":")
  )
}

/** The VS model fields a HostRule sets, as AKO's model holds them (refs as `/api/<type>?name=<name>`). */
export interface VirtualServiceCrdFields {
  readonly wafPolicyRef?: string | undefined
  readonly applicationProfileRef?: string | undefined
  readonly analyticsProfileRef?: string | undefined
  readonly errorPageProfileRef: string
  readonly sslProfileRef?: string | undefined
  readonly datascriptRefs: ReadonlyArray<string>
  readonly httpPolicySetRefs: ReadonlyArray<string>
  readonly icapProfileRefs: ReadonlyArray<string>
  readonly enabled?: boolean | undefined
  /** The avi-sdk `AnalyticsPolicy`, already in Go's field order. */
  readonly analyticsPolicy?: unknown
}

/**
 * `AviVsNode.CalculateCheckSum`: the sorted ref names, profiles and listeners, plus the CRD refs (`R`: WAF, app,
 * analytics, error-page and SSL profile refs, then the non-empty lists of datascripts, policy sets, ICAP profiles and
 * hostnames), `enabled`, traffic, markers, RHI and the analytics policy.
 */
export const virtualServiceChecksum = (input: VirtualServiceChecksumInput): number => {
  const refs = sortedStrings(input.refs).join(":")
  const crd = input.crd
  const list = (values: ReadonlyArray<string> | undefined) =>
    values === undefined || values.length === 0 ? "" : goJson(values)
  const crdRefs = (crd?.wafPolicyRef ?? "") + (crd?.applicationProfileRef ?? "") + (crd?.analyticsProfileRef ?? "") +
    (crd?.errorPageProfileRef ?? "") + (crd?.sslProfileRef ?? "") + list(crd?.datascriptRefs) +
    list(crd?.httpPolicySetRefs) + list(crd?.icapProfileRefs) +
    (input.hostnames.length > 0 ? goJson(sortedStrings(input.hostnames)) : "")
  return sum32(
    H(refs + input.applicationProfile + input.serviceEngineGroup + input.networkProfile + portProtoJson(input.ports)),
    crdRefs === "" ? 0 : H(crdRefs),
    crd?.enabled === undefined ? 0 : H(goJson(crd.enabled)),
    input.trafficEnabled === undefined ? 0 : H(goJson(input.trafficEnabled)),
    markersChecksum(input.clusterName, input.markers),
    input.enableRhi === undefined ? 0 : H(goJson(input.enableRhi)),
    crd?.analyticsPolicy === undefined
      ? 0
      : sum32(H(goJson(crd.analyticsPolicy)), clusterLabelChecksum(input.clusterName)),
    vsGeneratedChecksum(input.generated)
  )
}

/** One path map of an HTTPPolicySet (`AviHostPathPortPoolPG`). */
export interface PathMapInput {
  readonly name: string
  readonly paths: ReadonlyArray<string>
  readonly poolGroup: string
  /** The pool a rule switches to without a pool group (noPGForSNI); absent: `""`. */
  readonly pool?: string | undefined
  readonly matchCriteria: "BEGINS_WITH" | "EQUALS" | "REGEX_MATCH"
  /** Regex paths: `INSENSITIVE`; absent otherwise (`""`). */
  readonly matchCase?: string | undefined
  readonly stringGroupRefs?: ReadonlyArray<string> | undefined
  readonly ingressName: string
  readonly servicePort: number
  /** The VS's domains when a HostRule gave the host aliases or a GSLB FQDN (checksum only; absent: `null`). */
  readonly hosts?: ReadonlyArray<string> | undefined
}

const pathMapJson = (map: PathMapInput, checksum: number): string =>
  goJson({
    Name: map.name,
    Checksum: checksum,
    Host: map.hosts === undefined || map.hosts.length === 0 ? null : sortedStrings(map.hosts),
    Path: map.paths.length === 0 ? null : sortedStrings(map.paths),
    Port: 0,
    Pool: map.pool ?? "",
    PoolGroup: map.poolGroup,
    MatchCriteria: map.matchCriteria,
    Protocol: "",
    IngName: map.ingressName,
    MatchCase: map.matchCase ?? "",
    StringGroupRefs: map.stringGroupRefs === undefined ? null : map.stringGroupRefs,
    SvcPort: map.servicePort
  })

/**
 * `AviHttpPolicySetNode.CalculateCheckSum`. A path map carries its own checksum, computed once on the fresh map
 * (with 0 in it), and the set hashes the map with that value in place.
 */
export const httpPolicySetChecksum = (
  clusterName: string,
  pathMaps: ReadonlyArray<PathMapInput>,
  /** The hosts of each redirect; `null` for a redirect without hosts (an application root's). */
  redirectHosts: ReadonlyArray<ReadonlyArray<string> | null>,
  markerFields: MarkerFields
): number =>
  sum32(
    ...pathMaps.map((map) => H(pathMapJson(map, H(pathMapJson(map, 0))))),
    ...redirectHosts.map((hosts) => H(hosts === null ? "null" : goJson(sortedStrings(hosts)))),
    markersChecksum(clusterName, markerFields)
  )

/** An HTTPPolicySet that rewrites the Host header (`AviHostHeaderRewrite`, a HostRule's GSLB FQDN), no markers. */
export const hostRewritePolicySetChecksum = (clusterName: string, sourceHost: string, targetHost: string): number =>
  sum32(H(goJson({ SourceHost: sourceHost, TargetHost: targetHost })), markersChecksum(clusterName, {}))

/** `AviL4PolicyNode.CalculateCheckSum`: ports, protocols and pools of the rules, each sorted. */
export const l4PolicySetChecksum = (
  clusterName: string,
  rules: ReadonlyArray<{ readonly port: number; readonly protocol: string; readonly pool: string }>,
  markerFields: MarkerFields
): number =>
  sum32(
    H(goJson([...rules.map((r) => r.port)].sort((a, b) => a - b))),
    H(goJson(sortedStrings(rules.map((r) => r.protocol)))),
    H(goJson(sortedStrings(rules.map((r) => r.pool)))),
    markersChecksum(clusterName, markerFields)
  )

/** `AviHTTPDataScriptNode.CalculateCheckSum`: the pool groups, and the script when there is one pool group. */
export const dataScriptChecksum = (
  clusterName: string,
  poolGroups: ReadonlyArray<string>,
  script: string
): number =>
  sum32(
    H(goJson(sortedStrings(poolGroups))),
    clusterLabelChecksum(clusterName),
    poolGroups.length === 1 ? H(script) : 0
  )

/** `AviTLSKeyCertNode.CalculateCheckSum`: name, certificate and CA name; the key is not part of it. */
export const certificateChecksum = (
  clusterName: string,
  name: string,
  certificate: string,
  caName: string,
  markerFields: MarkerFields
): number => sum32(H(name + certificate + caName), markersChecksum(clusterName, markerFields))

/** `AviPkiProfileNode` (nodes.go:1587): the name and the CA certificate. */
export const pkiProfileChecksum = (
  clusterName: string,
  name: string,
  caCertificate: string,
  markerFields: MarkerFields
): number => sum32(H(name + "" + caCertificate), markersChecksum(clusterName, markerFields))

// ---- the GET side: what AKO recomputes from an object it reads (types without a checksum field) -------------------

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : {}
const asArray = (value: unknown): ReadonlyArray<unknown> => Array.isArray(value) ? value : []
const asString = (value: unknown): string => typeof value === "string" ? value : ""

/** AKO's boot-time value for an L4PolicySet it reads (`controller_obj_cache.go`): SCTP reads as UDP there. */
export const observedL4PolicySetChecksum = (clusterName: string, body: Readonly<Record<string, unknown>>): number => {
  const ports: Array<number> = []
  const protocols: Array<string> = []
  const pools: Array<string> = []
  for (const rule of asArray(asRecord(body["l4_connection_policy"])["rules"])) {
    const r = asRecord(rule)
    const match = asRecord(r["match"])
    for (const port of asArray(asRecord(match["port"])["ports"])) if (typeof port === "number") ports.push(port)
    const protocol = asString(asRecord(match["protocol"])["protocol"])
    if (protocol !== "") protocols.push(protocol.includes("TCP") ? "TCP" : "UDP")
    const pool = asString(asRecord(asRecord(r["action"])["select_pool"])["pool_ref"])
    if (pool !== "") pools.push(refName(pool))
  }
  return sum32(
    H(goJson(ports.sort((a, b) => a - b))),
    H(goJson(sortedStrings(protocols))),
    H(goJson(sortedStrings(pools))),
    observedMarkersChecksum(clusterName, body["markers"])
  )
}

/** AKO's boot-time value for a VSDataScriptSet it reads. */
export const observedDataScriptChecksum = (clusterName: string, body: Readonly<Record<string, unknown>>): number => {
  const poolGroups = asArray(body["pool_group_refs"]).map((r) => refName(asString(r)))
  const scripts = asArray(body["datascript"])
  return sum32(
    H(goJson(sortedStrings(poolGroups))),
    observedMarkersChecksum(clusterName, body["markers"]),
    scripts.length === 1 ? H(asString(asRecord(scripts[0])["script"])) : 0
  )
}

/** AKO's boot-time value for an SSLKeyAndCertificate it reads (the CA named by `ca_certs[0]`). */
/**
 * A string group (`AviStringGroupNode`): the cluster label, its key-value list and `longest_match`. AKO's GET side
 * leaves the list out, so AKO rewrites its string groups at every start; ako-ts compares like with like instead.
 */
export const stringGroupChecksum = (
  clusterName: string,
  kv: ReadonlyArray<{ readonly key: string; readonly value?: string | undefined }>,
  longestMatch: boolean | undefined
): number =>
  sum32(
    clusterLabelChecksum(clusterName),
    H(goJson(kv.map((entry) => ({ key: entry.key, ...(entry.value === undefined ? {} : { value: entry.value }) })))),
    longestMatch === undefined ? 0 : H(goJson(longestMatch))
  )

export const observedStringGroupChecksum = (clusterName: string, body: Readonly<Record<string, unknown>>): number =>
  stringGroupChecksum(
    clusterName,
    asArray(body["kv"]).map((entry) => {
      const record = asRecord(entry)
      const value = record["value"]
      return { key: asString(record["key"]), ...(typeof value === "string" ? { value } : {}) }
    }),
    typeof body["longest_match"] === "boolean" ? body["longest_match"] : undefined
  )

/** A PKI profile read at boot: its name and first CA certificate (`controller_obj_cache.go`). */
export const observedPkiProfileChecksum = (clusterName: string, body: Readonly<Record<string, unknown>>): number =>
  sum32(
    H(asString(body["name"]) + asString(asRecord(asArray(body["ca_certs"])[0])["certificate"])),
    observedMarkersChecksum(clusterName, body["markers"])
  )

export const observedCertificateChecksum = (clusterName: string, body: Readonly<Record<string, unknown>>): number => {
  const ca = asRecord(asArray(body["ca_certs"])[0])
  const caName = asString(ca["name"]) !== "" ? asString(ca["name"]) : refName(asString(ca["ca_ref"]))
  return sum32(
    H(asString(body["name"]) + asString(asRecord(body["certificate"])["certificate"]) + caName),
    observedMarkersChecksum(clusterName, body["markers"])
  )
}
