/**
 * Avi object names exactly as AKO builds them (AKO `internal/lib/lib.go`, reference/ako-objects.md §2, §3), so that
 * objects a real AKO created for the same clusterName are found and adopted instead of duplicated. ako-ts runs only
 * as the primary instance without EVH, so no `<podNamespace>-` infix and no sha1 encoding appear here.
 */
import type { ShardSize } from "../config/index.js"

/** `<clusterName>--`, the prefix of every object this cluster owns. */
export const namePrefix = (clusterName: string): string => `${clusterName}--`

/** `created_by` of every object but the VsVip (AKO `lib.SetAKOUser`). */
export const akoUser = (clusterName: string): string => `ako-${clusterName}`

// ---- L4 ------------------------------------------------------------------------------------------------------------

/** VirtualService, VsVip and L4PolicySet of a LoadBalancer Service share one name: `<cluster>--<ns>-<svc>`. */
export const l4VsName = (clusterName: string, namespace: string, service: string): string =>
  `${namePrefix(clusterName)}${namespace}-${service}`

/** One pool per Service port: `<cluster>--<ns>-<svc>-<PROTOCOL>-<port>`. */
export const l4PoolName = (
  clusterName: string,
  namespace: string,
  service: string,
  protocol: string,
  port: number
): string => `${namePrefix(clusterName)}${namespace}-${service}-${protocol}-${port}`

/**
 * A shared VIP (Services of one namespace annotated `ako.vmware.com/enable-shared-vip: <key>`): the VS, VsVip and
 * L4PolicySet are `<cluster>--<ns>-<key>` (AKO `lib.GetL4VSName(key, ns)`).
 */
export const sharedVipVsName = (clusterName: string, namespace: string, key: string): string =>
  `${namePrefix(clusterName)}${namespace}-${key}`

/** A shared VIP's pool per member Service port: `<cluster>--<ns>-<svc>-<key>-<PROTOCOL>-<port>` (`GetSvcApiL4PoolName`). */
export const sharedVipPoolName = (
  clusterName: string,
  namespace: string,
  service: string,
  key: string,
  protocol: string,
  port: number
): string => `${namePrefix(clusterName)}${namespace}-${service}-${key}-${protocol}-${port}`

// ---- L7 shared (SNI mode) ------------------------------------------------------------------------------------------

/** Number of shared L7 virtual services per shard size; DEDICATED is 0 (one VS per host). */
export const shardCount = (size: ShardSize): number =>
  size === "LARGE" ? 8 : size === "MEDIUM" ? 4 : size === "SMALL" ? 1 : 0

/**
 * FNV-1a 32-bit over the UTF-8 bytes of `text`, as Go's `hash/fnv.New32a` that AKO's `utils.Bkt` uses.
 * `Math.imul` keeps the multiplication in 32 bits; `>>> 0` reads the result as unsigned.
 */
export const fnv1a32 = (text: string): number => {
  let hash = 0x811c9dc5
  const step = (byte: number) => {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193)
  }
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i)
    if (code < 0x80) {
      step(code)
      continue
    }
    // UTF-8 by hand (as Go hashes the string's bytes), surrogate pairs joined into one code point.
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        i++
      }
    }
    if (code < 0x800) {
      step(0xc0 | (code >> 6))
    } else if (code < 0x10000) {
      step(0xe0 | (code >> 12))
      step(0x80 | ((code >> 6) & 0x3f))
    } else {
      step(0xf0 | (code >> 18))
      step(0x80 | ((code >> 12) & 0x3f))
      step(0x80 | ((code >> 6) & 0x3f))
    }
    step(0x80 | (code & 0x3f))
  }
  return hash >>> 0
}

/** AKO `utils.Bkt`: the shard of a host is `fnv1a32(host) & (shards - 1)` (shard sizes are powers of two). */
export const shardIndex = (host: string, shards: number): number => shards <= 1 ? 0 : fnv1a32(host) & (shards - 1)

/**
 * `<infra>-` when an AviInfraSetting bound through an IngressClass or a Route's annotation names the L7 objects
 * (reference/ako-crds.md §3.3); `""` otherwise.
 */
export const infraInfix = (infra: string | undefined): string => infra === undefined || infra === "" ? "" : `${infra}-`

/** `<cluster>--[<infra>-]`: where every per-host L7 name starts. */
const l7Prefix = (clusterName: string, infra: string | undefined): string =>
  `${namePrefix(clusterName)}${infraInfix(infra)}`

/**
 * `<cluster>--Shared-L7-[<infra>-]<n>`: the parent VS, and also its VsVip, PoolGroup, datascript and redirect policy.
 */
export const sharedL7VsName = (clusterName: string, index: number, infra?: string): string =>
  `${namePrefix(clusterName)}Shared-L7-${infraInfix(infra)}${index}`

/** The shared VS a host lands on for a (non-DEDICATED) shard size. */
export const shardVsNameForHost = (clusterName: string, host: string, size: ShardSize, infra?: string): string =>
  sharedL7VsName(clusterName, shardIndex(host, shardCount(size)), infra)

/** DEDICATED: `<cluster>--[<infra>-]<host>-L7-dedicated`. */
export const dedicatedVsName = (clusterName: string, host: string, infra?: string): string =>
  `${l7Prefix(clusterName, infra)}${host}${DEDICATED_SUFFIX}`

export const DEDICATED_SUFFIX = "-L7-dedicated"

const underscorePath = (path: string): string => path.replaceAll("/", "_")

/** AKO's priority label of an insecure host path: `host + path`, or the bare host for a path-less rule. */
export const priorityLabel = (host: string, path: string): string => path === "" ? host : host + path

/** Insecure pool on a shared VS: `<cluster>--<host><path with / as _>-<ns>-<ing>` (AKO `GetL7PoolName`). */
export const l7InsecurePoolName = (
  clusterName: string,
  host: string,
  path: string,
  namespace: string,
  ingress: string,
  infra?: string
): string => `${l7Prefix(clusterName, infra)}${underscorePath(priorityLabel(host, path))}-${namespace}-${ingress}`

/** SNI child VS of a secure host: `<cluster>--<host>` (AKO `GetSniNodeName`). */
export const sniChildVsName = (clusterName: string, host: string, infra?: string): string =>
  `${l7Prefix(clusterName, infra)}${host}`

/**
 * Pool (and pool group) per path of a secure or dedicated host: `<cluster>--<ns>-<host><path_>-<ing>`, with the
 * `-L7-dedicated` suffix on a dedicated VS (AKO `GetSniPoolName`, `GetSniPGName`).
 */
export const sniPoolName = (
  clusterName: string,
  namespace: string,
  host: string,
  path: string,
  ingress: string,
  dedicated: boolean,
  infra?: string
): string =>
  `${l7Prefix(clusterName, infra)}${namespace}-${host}${underscorePath(path)}-${ingress}${
    dedicated ? DEDICATED_SUFFIX : ""
  }`

export const sniPoolGroupName = sniPoolName

/** HTTPPolicySet of a secure/dedicated host's paths: `<cluster>--<ns>-<host>` (AKO `GetSniHttpPolName`). */
export const sniHttpPolicySetName = (clusterName: string, namespace: string, host: string, infra?: string): string =>
  `${l7Prefix(clusterName, infra)}${namespace}-${host}`

/** SSLKeyAndCertificate of a host: `<cluster>--<host>` (AKO `GetTLSKeyCertNodeName`). */
export const tlsCertName = (clusterName: string, host: string, infra?: string): string =>
  `${l7Prefix(clusterName, infra)}${host}`

/** A Route's `spec.tls.caCertificate`: `<cluster>--[<infra>-]<host>-cacert` (AKO `GetCACertNodeName`). */
export const caCertName = (clusterName: string, host: string, infra?: string): string =>
  `${tlsCertName(clusterName, host, infra)}-cacert`

/** The Secret AKO uses for `ako.vmware.com/enable-tls`, and its certificate's name `<cluster>--router-certs-default`. */
export const DEFAULT_ROUTER_SECRET = "router-certs-default"
export const defaultRouterCertName = (clusterName: string): string =>
  `${namePrefix(clusterName)}${DEFAULT_ROUTER_SECRET}`

/** The shared VS's redirect HTTPPolicySet, datascript, pool group and VsVip all carry the VS name. */
export const sharedRedirectPolicyName = (vsName: string): string => vsName
export const sharedDataScriptName = (vsName: string): string => vsName
export const sharedPoolGroupName = (vsName: string): string => vsName
export const vsVipName = (vsName: string): string => vsName

// ---- OpenShift Routes ----------------------------------------------------------------------------------------------

/** Insecure route pool: the Ingress pool name plus `-<svc>` (AKO `GetL7PoolName(..., svc)`). */
export const routeInsecurePoolName = (
  clusterName: string,
  host: string,
  path: string,
  namespace: string,
  route: string,
  service: string,
  infra?: string
): string => `${l7InsecurePoolName(clusterName, host, path, namespace, route, infra)}-${service}`

/** Secure route pool: the SNI pool name plus `-<svc>`, then `-L7-dedicated` on a dedicated VS. */
export const routeSniPoolName = (
  clusterName: string,
  namespace: string,
  host: string,
  path: string,
  route: string,
  service: string,
  dedicated: boolean,
  infra?: string
): string =>
  `${l7Prefix(clusterName, infra)}${namespace}-${host}${underscorePath(path)}-${route}-${service}${
    dedicated ? DEDICATED_SUFFIX : ""
  }`

/** Unit key as AKO's model name: `<tenant>/<vsName>`. */
export const unitKey = (tenant: string, vsName: string): string => `${tenant}/${vsName}`

/** The name a ref carries: `…#name`, `…?name=name` or `…/?name=name`; the ref itself otherwise. */
export const refName = (value: string): string => {
  const hash = value.lastIndexOf("#")
  if (hash >= 0) return value.slice(hash + 1)
  const query = value.indexOf("name=")
  return query >= 0 ? decodeURIComponent(value.slice(query + "name=".length)) : value
}
