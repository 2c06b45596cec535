/**
 * HTTPRule (ako.vmware.com/v1beta1): per-path pool settings of one host, within the rule's namespace
 * (reference/ako-crds.md §2.3–2.4). Validation happens outside the model: the snapshot holds only rules in effect.
 */
import type { CrdStatusMetadata } from "./avi-fields.js"
import { ref } from "./avi-fields.js"
import type { PoolCrdFields } from "./checksum.js"
import type { HTTPRule, HTTPRulePath } from "./kube.js"
import { compareStrings } from "./kube.js"

/** The SSL profile AKO gives a re-encrypting pool whose rule names none. */
const DEFAULT_POOL_SSL_PROFILE = "System-Standard"
const CONSISTENT_HASH = "LB_ALGORITHM_CONSISTENT_HASH"
const CUSTOM_HEADER_HASH = "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"

const crdRef = ref.byName

export interface PoolRuleSettings {
  /** The pool model fields for the checksum; undefined when no rule applies. */
  readonly crd: PoolCrdFields | undefined
  /** Body fields the rule sets (absent ones are not sent, so the controller default holds). */
  readonly fields: Readonly<Record<string, unknown>>
  readonly sniEnabled: boolean
  /** `health_monitor_refs` from the rule; empty: the protocol default. */
  readonly healthMonitorRefs: ReadonlyArray<string>
  readonly crdStatus: CrdStatusMetadata | undefined
  /** A CA (PEM) to verify the backend with: AKO builds a PKI profile of its own for the pool from it. */
  readonly destinationCA: string | undefined
  /** The target whose `destinationCA` it is: AKO puts it, not the pool's path, into the PKI profile's markers. */
  readonly destinationCATarget: string
  /** `pool`: the CA is a re-encrypt Route's, and its PKI profile carries the pool's own markers. */
  readonly destinationCAMarkers?: "rule" | "pool" | undefined
}

export const NO_POOL_RULE: PoolRuleSettings = {
  crd: undefined,
  fields: {},
  sniEnabled: false,
  healthMonitorRefs: [],
  crdStatus: undefined,
  destinationCA: undefined,
  destinationCATarget: ""
}

/** What identifies a pool for HTTPRule matching: AKO matches rule targets against the pool's name. */
export interface PoolIdentity {
  readonly clusterName: string
  readonly namespace: string
  readonly host: string
  /** The Ingress or Route name. */
  readonly objectName: string
  readonly poolName: string
  /** The pool's path (`""` for a Route without one, which a `/` target covers). */
  readonly path: string
  /** SNI child or dedicated pools are named `<cluster>--<ns>-<host><path>-<ing>`, shared ones `<cluster>--<host><path>-<ns>-<ing>`. */
  readonly secure: boolean
  /** The AviInfraSetting in the pool's name (`<cluster>--<infra>-…`), when one is. */
  readonly infraName?: string | undefined
}

/**
 * AKO's target match: the pool name, with the target's `/` spelled `_`, must start like the pool of a path under
 * the target (regex-matched, unescaped, as AKO does: `/foo` covers `/foo`, `/foo/bar` and `/foobar`).
 */
const targetMatches = (pool: PoolIdentity, target: string): boolean => {
  const prefix = pool.path === "" && target === "/" ? "" : target.replaceAll("/", "_")
  const infix = pool.infraName === undefined || pool.infraName === "" ? "" : `${pool.infraName}-`
  const pattern = pool.secure ?
    `^${pool.clusterName}--${infix}${pool.namespace}-${pool.host}${prefix}.*-${pool.objectName}` :
    `^${pool.clusterName}--${infix}${pool.host}${prefix}.*-${pool.namespace}-${pool.objectName}`
  try {
    return new RegExp(pattern).test(pool.poolName)
  } catch {
    return false
  }
}

interface MatchedPath {
  readonly key: string
  readonly rule: HTTPRule
  readonly path: HTTPRulePath
  readonly target: string
}

/**
 * The HTTPRule settings of one pool. Several targets may cover one pool (`/` and `/api`); AKO applies them in random
 * map order (a quirk). ako-ts applies the shorter target first, so the most specific target's scalar settings win,
 * and health monitors of all of them accumulate, as in AKO.
 */
export const httpRuleForPool = (rules: ReadonlyMap<string, HTTPRule>, pool: PoolIdentity): PoolRuleSettings => {
  const matched: Array<MatchedPath> = []
  for (const [key, rule] of rules) {
    if ((rule.metadata?.namespace ?? "") !== pool.namespace || rule.spec?.fqdn !== pool.host) continue
    for (const path of rule.spec.paths ?? []) {
      const target = path.target ?? ""
      if (target === "" || !targetMatches(pool, target)) continue
      // A TLS type other than re-encrypt is not applied at all.
      if ((path.tls?.type ?? "") !== "" && path.tls?.type !== "reencrypt") continue
      matched.push({ key, rule, path, target })
    }
  }
  if (matched.length === 0) return NO_POOL_RULE
  matched.sort((a, b) =>
    a.target.length - b.target.length || compareStrings(a.target, b.target) || compareStrings(a.key, b.key)
  )
  let sniEnabled = false
  let sslProfileRef: string | undefined
  let pkiProfileRef: string | undefined
  let lbAlgorithm: string | undefined
  let lbAlgorithmHash: string | undefined
  let hashHeader: string | undefined
  let persistence: string | undefined
  let enableHttp2: boolean | undefined
  let destinationCA: string | undefined
  let caTarget = ""
  const monitors: Array<string> = []
  let last: MatchedPath | undefined
  for (const m of matched) {
    last = m
    const tls = m.path.tls
    if (tls?.type === "reencrypt") {
      sniEnabled = true
      sslProfileRef = crdRef("sslprofile", tls.sslProfile || DEFAULT_POOL_SSL_PROFILE)
      if (tls.pkiProfile) pkiProfileRef = crdRef("pkiprofile", tls.pkiProfile)
      // Validation refuses a path with both; AKO's own profile wins over a named one.
      destinationCA = tls.destinationCA || undefined
      if (destinationCA !== undefined) caTarget = pool.path === "" && m.target === "/" ? "" : m.target
    }
    const policy = m.path.loadBalancerPolicy
    // An unset algorithm keeps the one a less specific target set (AKO only overwrites with a value).
    if (policy?.algorithm) lbAlgorithm = policy.algorithm
    if (lbAlgorithm === CONSISTENT_HASH) {
      hashHeader = undefined
      // AKO sends an empty hash too (a quirk a controller may refuse); ako-ts leaves an unset hash out.
      lbAlgorithmHash = policy?.hash || undefined
      if (lbAlgorithmHash === CUSTOM_HEADER_HASH && policy?.hostHeader) hashHeader = policy.hostHeader
    }
    persistence = m.path.applicationPersistence ?
      crdRef("applicationpersistenceprofile", m.path.applicationPersistence) :
      undefined
    if (m.path.enableHTTP2 !== undefined) enableHttp2 = m.path.enableHTTP2
    for (const monitor of m.path.healthMonitors ?? []) {
      const value = crdRef("healthmonitor", monitor)
      if (!monitors.includes(value)) monitors.push(value)
    }
  }
  const crd: PoolCrdFields = {
    ...(lbAlgorithm === undefined ? {} : { lbAlgorithm }),
    ...(lbAlgorithmHash === undefined ? {} : { lbAlgorithmHash }),
    ...(hashHeader === undefined ? {} : { lbAlgorithmConsistentHashHdr: hashHeader }),
    ...(sslProfileRef === undefined ? {} : { sslProfileRef }),
    ...(pkiProfileRef === undefined || destinationCA !== undefined ? {} : { pkiProfileRef }),
    ...(monitors.length === 0 ? {} : { healthMonitorRefs: monitors }),
    ...(persistence === undefined ? {} : { applicationPersistenceProfileRef: persistence }),
    ...(enableHttp2 === undefined ? {} : { enableHttp2 })
  }
  return {
    crd,
    fields: {
      ...(lbAlgorithm === undefined ? {} : { lb_algorithm: lbAlgorithm }),
      ...(lbAlgorithmHash === undefined ? {} : { lb_algorithm_hash: lbAlgorithmHash }),
      ...(hashHeader === undefined ? {} : { lb_algorithm_consistent_hash_hdr: hashHeader }),
      ...(sslProfileRef === undefined ? {} : { ssl_profile_ref: sslProfileRef }),
      ...(pkiProfileRef === undefined || destinationCA !== undefined ? {} : { pki_profile_ref: pkiProfileRef }),
      ...(persistence === undefined ? {} : { application_persistence_profile_ref: persistence }),
      ...(enableHttp2 === undefined ? {} : { enable_http2: enableHttp2 })
    },
    sniEnabled,
    healthMonitorRefs: monitors,
    crdStatus: last === undefined ?
      undefined :
      { type: "HTTPRule", value: `${last.key}/${last.target}`, status: "ACTIVE" },
    destinationCA,
    destinationCATarget: caTarget
  }
}
