/**
 * Field values AKO writes into every body: by-name references in AKO's exact spelling (some with `/?name=`, some
 * with `?name=`, reference/ako-objects.md §8), markers, `service_metadata`, and the checksum.
 */
import type { MarkerFields } from "./checksum.js"
import {
  observedCertificateChecksum,
  observedDataScriptChecksum,
  observedL4PolicySetChecksum,
  observedPkiProfileChecksum,
  observedStringGroupChecksum,
  sortedStrings
} from "./checksum.js"
import type { AviBody, AviObjectType, DesiredAviObject, ObjectId } from "./desired.js"

export const ref = {
  tenant: (name: string) => `/api/tenant/?name=${goQueryEscape(name)}`,
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
  networkByUuid: (uuid: string) => `/api/network/${uuid}`,
  /** The form AKO gives every reference a CRD names: `/api/<type>?name=<name>`. */
  byName: (type: string, name: string) => `/api/${type}?name=${name}`
} as const

export const GLOBAL_VRF = "global"

const UNRESERVED_ONLY = /^[A-Za-z0-9\-_.~]*$/

/**
 * Go's `url.QueryEscape`, which AKO applies to the tenant name in `tenant_ref` (`lib.GetEscapedValue`): unreserved
 * characters stay, a space becomes `+`, every other byte is `%XX` in upper case.
 */
export const goQueryEscape = (value: string): string =>
  // Nearly every tenant name is unreserved characters only; encoding one byte by byte (an encoder, two arrays and a
  // regex test per character) ran for every object translated.
  UNRESERVED_ONLY.test(value) ? value : [...new TextEncoder().encode(value)].map((byte) => {
    const c = String.fromCharCode(byte)
    if (UNRESERVED_ONLY.test(c)) return c
    if (c === " ") return "+"
    return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
  }).join("")

export type { MarkerFields } from "./checksum.js"

const MARKER_ORDER: ReadonlyArray<keyof MarkerFields> = [
  "Namespace",
  "Host",
  "InfrasettingName",
  "ServiceName",
  "Path",
  "Port",
  "Protocol",
  "IngressName",
  "GatewayName"
]

export interface Marker {
  readonly key: string
  readonly values: ReadonlyArray<string>
}

/**
 * `clustername` first, then, in AKO's struct order, each non-empty string field and each list field with at least
 * one element, its values sorted (AKO `lib.GetAllMarkers`; its checksum sorts the lists in place before they are
 * sent). A path-less rule's `Path: [""]` is therefore sent as it is.
 */
export const markers = (clusterName: string, fields: MarkerFields = {}): ReadonlyArray<Marker> => {
  const result: Array<Marker> = [{ key: "clustername", values: [clusterName] }]
  for (const key of MARKER_ORDER) {
    const value = fields[key]
    if (value === undefined) continue
    if (typeof value === "string") {
      if (value !== "") result.push({ key, values: [value] })
    } else if (value.length > 0) {
      result.push({ key, values: sortedStrings(value) })
    }
  }
  return result
}

/** `lib.ServiceMetadataObj`; nil Go slices and maps marshal as `null`. */
/** `service_metadata.crd_status`: which AKO rule (HostRule, HTTPRule) shapes the object, and whether it still does. */
export interface CrdStatusMetadata {
  readonly type: string
  readonly value: string
  readonly status: string
}

/** The `crd_status` an object's `service_metadata` carries, or undefined when it names no rule. */
export const crdStatusOf = (body: AviBody | undefined): CrdStatusMetadata | undefined => {
  const metadata = body?.["service_metadata"]
  if (typeof metadata !== "string") return undefined
  try {
    const status = (JSON.parse(metadata) as { readonly crd_status?: Partial<CrdStatusMetadata> } | null)?.crd_status
    if (status === undefined || (status.value ?? "") === "") return undefined
    return { type: status.type ?? "", value: status.value ?? "", status: status.status ?? "" }
  } catch {
    return undefined
  }
}

export interface ServiceMetadata {
  readonly namespaceIngressName?: ReadonlyArray<string>
  readonly ingressName?: string
  readonly namespace?: string
  readonly hostnames?: ReadonlyArray<string>
  readonly namespaceSvcName?: ReadonlyArray<string>
  readonly poolRatio?: number
  readonly insecureEdgeTermAllow?: boolean
  /** A passthrough shard's insecure companion names its secure VS, and the secure VS names the companion. */
  readonly passthroughParentRef?: string | undefined
  readonly passthroughChildRef?: string | undefined
  /** Which AKO rule (HostRule, HTTPRule) applies to the object; empty when none does. */
  readonly crdStatus?: CrdStatusMetadata | undefined
}

/**
 * The `service_metadata` string exactly as Go's `json.Marshal` writes `lib.ServiceMetadataObj`: every key present,
 * in struct order, no spaces, empty slices as `null` (AKO leaves them nil).
 */
export const serviceMetadata = (metadata: ServiceMetadata): string => {
  const built = serviceMetadataText(metadata)
  // Most objects carry the default: one shared copy instead of one per desired object (30,000 at 10,000 Services).
  return built === DEFAULT_SERVICE_METADATA ? DEFAULT_SERVICE_METADATA : built
}

const serviceMetadataText = (metadata: ServiceMetadata): string => {
  const list = (values: ReadonlyArray<string> | undefined) =>
    values === undefined || values.length === 0 ? null : [...values]
  return JSON.stringify({
    namespace_ingress_name: list(metadata.namespaceIngressName),
    ingress_name: metadata.ingressName ?? "",
    namespace: metadata.namespace ?? "",
    hostnames: list(metadata.hostnames),
    namespace_svc_name: list(metadata.namespaceSvcName),
    crd_status: metadata.crdStatus ?? { type: "", value: "", status: "" },
    pool_ratio: metadata.poolRatio ?? 0,
    passthrough_parent_ref: metadata.passthroughParentRef ?? "",
    passthrough_child_ref: metadata.passthroughChildRef ?? "",
    gateway: "",
    httproute: "",
    httproute_rule_name: "",
    insecureedgetermallow: metadata.insecureEdgeTermAllow ?? false,
    is_mci_ingress: false,
    fqdn_reuse_policy: "",
    host_namespace_ingress_name: null
  })
}

const DEFAULT_SERVICE_METADATA = serviceMetadataText({})

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

/**
 * The checksum of an object read from Avi, comparable to `DesiredAviObject.checksum`: the stored checksum field
 * where the type has one (so out-of-band edits go unnoticed, as in AKO), else the value AKO recomputes from the
 * object at boot (`lib.L4PolicyChecksum`, `DSChecksum`, `SSLKeyCertChecksum`).
 */
export const observedChecksum = (type: AviObjectType, body: AviBody, clusterName: string): string | undefined => {
  switch (type) {
    case "l4policyset":
      return String(observedL4PolicySetChecksum(clusterName, body))
    case "vsdatascriptset":
      return String(observedDataScriptChecksum(clusterName, body))
    case "sslkeyandcertificate":
      return String(observedCertificateChecksum(clusterName, body))
    case "pkiprofile":
      return String(observedPkiProfileChecksum(clusterName, body))
    case "stringgroup":
      return String(observedStringGroupChecksum(clusterName, body))
    default: {
      const stored = body[CHECKSUM_FIELD[type] ?? ""]
      return typeof stored === "string" ? stored : undefined
    }
  }
}

/**
 * Finishes a body: writes AKO's checksum (computed by the caller from the model's inputs, as AKO does) into the
 * type's checksum field.
 */
export const desiredObject = (
  type: AviObjectType,
  name: string,
  tenant: string,
  body: AviBody,
  dependsOn: ReadonlyArray<ObjectId>,
  checksumValue: number
): DesiredAviObject => {
  const checksum = String(checksumValue >>> 0)
  const field = CHECKSUM_FIELD[type]
  const finalBody = field === undefined ? body : { ...body, [field]: checksum }
  return {
    type,
    name,
    tenant,
    body: finalBody,
    checksum,
    dependsOn: dependsOn.length === 0 ? NO_DEPENDENCIES : dependsOn
  }
}

/** Most objects (pools, VsVips) depend on nothing: one empty list for all, not one per object of every unit. */
const NO_DEPENDENCIES: ReadonlyArray<ObjectId> = Object.freeze([])
