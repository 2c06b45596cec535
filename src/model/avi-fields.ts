/**
 * Field values AKO writes into every body: by-name references in AKO's exact spelling (some with `/?name=`, some
 * with `?name=`, reference/ako-objects.md §8), markers, `service_metadata`, and the checksum.
 */
import type { AviBody, AviObjectType, DesiredAviObject, ObjectId } from "./desired.js"
import { fnv1a32 } from "./names.js"

export const ref = {
  tenant: (name: string) => `/api/tenant/?name=${name}`,
  cloud: (name: string) => `/api/cloud?name=${name}`,
  seGroup: (name: string) => `/api/serviceenginegroup?name=${name}`,
  vrf: (name: string) => `/api/vrfcontext?name=${name}`,
  vsVip: (name: string) => `/api/vsvip/?name=${name}`,
  pool: (name: string) => `/api/pool?name=${name}`,
  poolGroup: (name: string) => `/api/poolgroup/?name=${name}`,
  l4PolicySet: (name: string) => `/api/l4policyset/?name=${name}`,
  httpPolicySet: (name: string) => `/api/httppolicyset/?name=${name}`,
  dataScript: (name: string) => `/api/vsdatascriptset/?name=${name}`,
  virtualService: (name: string) => `/api/virtualservice/?name=${name}`,
  certificate: (name: string) => `/api/sslkeyandcertificate/?name=${name}`,
  applicationProfile: (name: string) => `/api/applicationprofile/?name=${name}`,
  networkProfile: (name: string) => `/api/networkprofile/?name=${name}`,
  healthMonitor: (name: string) => `/api/healthmonitor/?name=${name}`,
  networkByName: (name: string) => `/api/network/?name=${name}`,
  networkByUuid: (uuid: string) => `/api/network/${uuid}`
} as const

export const GLOBAL_VRF = "global"

/** AKO `utils.AviObjectMarkers` fields, in the Go struct's order (that is the order AKO emits them in). */
export interface MarkerFields {
  readonly Namespace?: string
  readonly Host?: ReadonlyArray<string>
  readonly InfrasettingName?: string
  readonly ServiceName?: string
  readonly Path?: ReadonlyArray<string>
  readonly Port?: string
  readonly Protocol?: string
  readonly IngressName?: ReadonlyArray<string>
}

const MARKER_ORDER: ReadonlyArray<keyof MarkerFields> = [
  "Namespace",
  "Host",
  "InfrasettingName",
  "ServiceName",
  "Path",
  "Port",
  "Protocol",
  "IngressName"
]

export interface Marker {
  readonly key: string
  readonly values: ReadonlyArray<string>
}

/** `clustername` first, then each non-empty field (AKO `lib.GetAllMarkers`). */
export const markers = (clusterName: string, fields: MarkerFields = {}): ReadonlyArray<Marker> => {
  const result: Array<Marker> = [{ key: "clustername", values: [clusterName] }]
  for (const key of MARKER_ORDER) {
    const value = fields[key]
    if (value === undefined) continue
    const values = typeof value === "string" ? [value] : [...value]
    if (values.length === 0 || values.every((v) => v === "")) continue
    result.push({ key, values })
  }
  return result
}

/** `lib.ServiceMetadataObj`; nil Go slices and maps marshal as `null`. */
export interface ServiceMetadata {
  readonly namespaceIngressName?: ReadonlyArray<string>
  readonly ingressName?: string
  readonly namespace?: string
  readonly hostnames?: ReadonlyArray<string>
  readonly namespaceSvcName?: ReadonlyArray<string>
  readonly poolRatio?: number
}

/**
 * The `service_metadata` string exactly as Go's `json.Marshal` writes `lib.ServiceMetadataObj`: every key present,
 * in struct order, no spaces, empty slices as `null` (AKO leaves them nil).
 */
export const serviceMetadata = (metadata: ServiceMetadata): string => {
  const list = (values: ReadonlyArray<string> | undefined) =>
    values === undefined || values.length === 0 ? null : [...values]
  return JSON.stringify({
    namespace_ingress_name: list(metadata.namespaceIngressName),
    ingress_name: metadata.ingressName ?? "",
    namespace: metadata.namespace ?? "",
    hostnames: list(metadata.hostnames),
    namespace_svc_name: list(metadata.namespaceSvcName),
    crd_status: { type: "", value: "", status: "" },
    pool_ratio: metadata.poolRatio ?? 0,
    passthrough_parent_ref: "",
    passthrough_child_ref: "",
    gateway: "",
    httproute: "",
    httproute_rule_name: "",
    insecureedgetermallow: false,
    is_mci_ingress: false,
    fqdn_reuse_policy: "",
    host_namespace_ingress_name: null
  })
}

// ---- checksums -----------------------------------------------------------------------------------------------------

/** Body fields that hold the checksum itself, per type. */
export const CHECKSUM_FIELD: Partial<Record<AviObjectType, string>> = {
  virtualservice: "cloud_config_cksum",
  pool: "cloud_config_cksum",
  poolgroup: "cloud_config_cksum",
  httppolicyset: "cloud_config_cksum",
  vsvip: "vsvip_cloud_config_cksum"
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null"
  if (Array.isArray(value)) {
    let out = "["
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i])
    return out + "]"
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  let out = "{"
  let first = true
  for (const key of keys) {
    const item = record[key]
    if (item === undefined) continue
    out += (first ? "" : ",") + JSON.stringify(key) + ":" + canonicalJson(item)
    first = false
  }
  return out + "}"
}

/** The name a ref carries: `…#name`, `…?name=name` or `…/?name=name`; the ref itself otherwise. */
export const refName = (value: string): string => {
  const hash = value.lastIndexOf("#")
  if (hash >= 0) return value.slice(hash + 1)
  const query = value.indexOf("name=")
  return query >= 0 ? decodeURIComponent(value.slice(query + "name=".length)) : value
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : {}
const asArray = (value: unknown): ReadonlyArray<unknown> => Array.isArray(value) ? value : []
const asString = (value: unknown): string => typeof value === "string" ? value : ""

/**
 * For the types Avi gives no checksum field (L4PolicySet, VSDataScriptSet, SSLKeyAndCertificate), AKO recomputes a
 * checksum from the GET body (`lib.L4PolicyChecksum`, `DSChecksum`, `SSLKeyCertChecksum`). These projections keep
 * what those checksums cover, with refs reduced to names so a controller's `https://…#name` equals our `?name=`;
 * the private key is excluded because Avi never returns it.
 */
const projection = (type: AviObjectType, body: AviBody): unknown => {
  const markerValues = asArray(body["markers"])
  switch (type) {
    case "l4policyset":
      return {
        markers: markerValues,
        rules: asArray(asRecord(body["l4_connection_policy"])["rules"]).map((rule) => {
          const r = asRecord(rule)
          const match = asRecord(r["match"])
          return {
            index: r["index"],
            ports: asRecord(match["port"])["ports"],
            protocol: asRecord(match["protocol"])["protocol"],
            pool: refName(asString(asRecord(asRecord(r["action"])["select_pool"])["pool_ref"]))
          }
        })
      }
    case "vsdatascriptset":
      return {
        markers: markerValues,
        scripts: asArray(body["datascript"]).map((d) => asString(asRecord(d)["script"])),
        poolGroups: asArray(body["pool_group_refs"]).map((r) => refName(asString(r))).sort()
      }
    case "sslkeyandcertificate":
      return {
        name: body["name"],
        markers: markerValues,
        certificate: asString(asRecord(body["certificate"])["certificate"]),
        caCerts: asArray(body["ca_certs"]).map((c) => asString(asRecord(c)["name"]))
      }
    default: {
      const field = CHECKSUM_FIELD[type]
      const { [field ?? ""]: _omitted, ...rest } = body
      return rest
    }
  }
}

/** Decimal FNV-1a 32 of the canonical JSON of the significant fields (ako-ts's own, stable algorithm). */
export const checksumOf = (type: AviObjectType, body: AviBody): string =>
  String(fnv1a32(canonicalJson(projection(type, body))))

/**
 * The checksum of an object read from Avi, comparable to `DesiredAviObject.checksum`: the stored checksum field
 * where the type has one (so out-of-band edits go unnoticed, as in AKO), else the recomputed projection.
 */
export const observedChecksum = (type: AviObjectType, body: AviBody): string | undefined => {
  const field = CHECKSUM_FIELD[type]
  if (field === undefined) return checksumOf(type, body)
  const stored = body[field]
  return typeof stored === "string" ? stored : undefined
}

/** Finishes a body: computes the checksum and writes it into the type's checksum field. */
export const desiredObject = (
  type: AviObjectType,
  name: string,
  tenant: string,
  body: AviBody,
  dependsOn: ReadonlyArray<ObjectId>
): DesiredAviObject => {
  const checksum = checksumOf(type, body)
  const field = CHECKSUM_FIELD[type]
  const finalBody = field === undefined ? body : { ...body, [field]: checksum }
  return { type, name, tenant, body: finalBody, checksum, dependsOn }
}
