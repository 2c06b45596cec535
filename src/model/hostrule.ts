/**
 * HostRule (ako.vmware.com/v1beta1): which accepted rule applies to a host, and what it sets on the virtual service
 * it lands on — an SNI child, a shared parent (matched by the parent's FQDN) or a dedicated VS
 * (reference/ako-crds.md §1.3–1.9). Validation happens outside the model: the snapshot holds only rules in effect.
 */
import type { CrdStatusMetadata } from "./avi-fields.js"
import { ref } from "./avi-fields.js"
import type { VirtualServiceCrdFields } from "./checksum.js"
import type { Problem } from "./desired.js"
import type { AnalyticsPolicySpec, HostRule, ObjectRef } from "./kube.js"
import { compareStrings } from "./kube.js"

export type HostRuleTarget = "child" | "parent" | "dedicated"

export interface MatchedHostRule {
  /** `ns/name`. */
  readonly key: string
  readonly rule: HostRule
  readonly ref: ObjectRef
}

const FQDN_TYPE_RANK: Readonly<Record<string, number>> = { Exact: 0, Wildcard: 1, Contains: 2 }

const fqdnTypeOf = (rule: HostRule): string => rule.spec?.virtualhost?.fqdnType ?? "Exact"

/** Does a rule's `fqdn` (with its `fqdnType`) match this host or shared-VS FQDN? */
export const hostRuleMatches = (rule: HostRule, host: string): boolean => {
  const fqdn = rule.spec?.virtualhost?.fqdn ?? ""
  if (fqdn === "" || host === "") return false
  switch (fqdnTypeOf(rule)) {
    case "Wildcard": {
      const star = fqdn.indexOf("*")
      return star === 0 && host.endsWith(fqdn.slice(star + 1))
    }
    case "Contains":
      return host.includes(fqdn)
    default:
      return fqdn === host
  }
}

/**
 * The rule for a host. AKO picks the first hit in random map order when several Wildcard or Contains rules match
 * (reference §1.3, a quirk); ako-ts picks deterministically: an Exact rule, else the most specific pattern (longest
 * `fqdn`, Wildcard before Contains), then the oldest rule, then namespace/name.
 */
export const hostRuleFor = (rules: ReadonlyMap<string, HostRule>, host: string): MatchedHostRule | undefined => {
  let best: MatchedHostRule | undefined
  const rank = (m: MatchedHostRule) => FQDN_TYPE_RANK[fqdnTypeOf(m.rule)] ?? 3
  const better = (a: MatchedHostRule, b: MatchedHostRule): boolean => {
    const fqdnA = a.rule.spec?.virtualhost?.fqdn ?? ""
    const fqdnB = b.rule.spec?.virtualhost?.fqdn ?? ""
    if ((rank(a) === 0) !== (rank(b) === 0)) return rank(a) === 0
    if (fqdnA.length !== fqdnB.length) return fqdnA.length > fqdnB.length
    if (rank(a) !== rank(b)) return rank(a) < rank(b)
    const createdA = a.rule.metadata?.creationTimestamp ?? ""
    const createdB = b.rule.metadata?.creationTimestamp ?? ""
    if (createdA !== createdB) return compareStrings(createdA, createdB) < 0
    return compareStrings(a.key, b.key) < 0
  }
  for (const [key, rule] of rules) {
    if (!hostRuleMatches(rule, host)) continue
    const candidate: MatchedHostRule = {
      key,
      rule,
      ref: { kind: "HostRule", namespace: rule.metadata?.namespace ?? "", name: rule.metadata?.name ?? "" }
    }
    if (best === undefined || better(candidate, best)) best = candidate
  }
  return best
}

/** The avi-sdk `AnalyticsPolicy` AKO builds (fields in Go's order; throttle levels as numbers). */
export const analyticsPolicyOf = (spec: AnalyticsPolicySpec) => {
  const full = spec.fullClientLogs
  return {
    ...(spec.logAllHeaders === undefined ? {} : { all_headers: spec.logAllHeaders }),
    full_client_logs: {
      duration: full?.duration ?? 0,
      ...(full === undefined ? {} : { enabled: full.enabled ?? false, throttle: throttleOf(full.throttle ?? "HIGH") })
    }
  }
}

const throttleOf = (level: string): number => {
  switch (level) {
    case "HIGH":
      return 10
    case "MEDIUM":
      return 30
    case "LOW":
      return 50
    default:
      return 0
  }
}

const crdRef = ref.byName

const uniqueRefs = (type: string, names: ReadonlyArray<string> | undefined): ReadonlyArray<string> => {
  const refs: Array<string> = []
  for (const name of names ?? []) {
    const value = crdRef(type, name)
    if (!refs.includes(value)) refs.push(value)
  }
  return refs
}

export interface Listener {
  readonly port: number
  readonly enableSsl: boolean
  /** Only an AviInfraSetting's listeners enable HTTP/2. */
  readonly enableHttp2?: boolean | undefined
}

/** What a HostRule sets on one virtual service. `undefined` fields are not sent (the controller default holds). */
export interface HostRuleSettings {
  readonly rule: MatchedHostRule | undefined
  readonly crd: VirtualServiceCrdFields
  /** `ssl_key_and_certificate_refs` from the rule (type `ref`): they replace the Secret's certificate. */
  readonly certificateRefs: ReadonlyArray<string>
  /** The rule's `httpPolicy.overwrite`: AKO's own policy sets leave the VS. */
  readonly overwrite: boolean
  /** Listeners replacing the defaults (parent and dedicated VS only). */
  readonly listeners: ReadonlyArray<Listener> | undefined
  /** A static VIP (parent and dedicated VS only). */
  readonly loadBalancerIP: string | undefined
  readonly networkSecurityPolicyRef: string | undefined
  /** FQDN aliases: more domain names of the host (child and dedicated VS). */
  readonly aliases: ReadonlyArray<string>
  /** The GSLB FQDN: a domain name of the host that is not put into DNS. */
  readonly gslbFqdn: string | undefined
  readonly crdStatus: CrdStatusMetadata | undefined
  /** `applicationRootPath` where AKO applies it (an SNI child or a dedicated VS): `/` is served from it, after a 302. */
  readonly applicationRootPath: string | undefined
  /** `useRegex` where AKO applies it (an SNI child or a dedicated VS): paths match as regexes. */
  readonly useRegex: boolean
  readonly problems: ReadonlyArray<Problem>
}

const NO_CRD: VirtualServiceCrdFields = {
  errorPageProfileRef: "",
  datascriptRefs: [],
  httpPolicySetRefs: [],
  icapProfileRefs: []
}

export const NO_HOST_RULE: HostRuleSettings = {
  rule: undefined,
  crd: NO_CRD,
  certificateRefs: [],
  overwrite: false,
  listeners: undefined,
  loadBalancerIP: undefined,
  networkSecurityPolicyRef: undefined,
  aliases: [],
  gslbFqdn: undefined,
  crdStatus: undefined,
  applicationRootPath: undefined,
  useRegex: false,
  problems: []
}

/**
 * What the rule matching `host` sets on a VS of this kind (`crd_translator.go` BuildL7HostRule). Without a rule,
 * everything a rule could set is back at AKO's defaults (reference §1.9).
 */
export const hostRuleSettings = (
  rules: ReadonlyMap<string, HostRule>,
  host: string,
  target: HostRuleTarget
): HostRuleSettings => {
  const matched = hostRuleFor(rules, host)
  if (matched === undefined) return NO_HOST_RULE
  const vh = matched.rule.spec?.virtualhost ?? {}
  const problems: Array<Problem> = []
  const certificate = vh.tls?.sslKeyCertificate
  const certificateRefs = [
    ...(certificate?.type === "ref" && (certificate.name ?? "") !== "" ?
      [crdRef("sslkeyandcertificate", certificate.name ?? "")] :
      []),
    ...(certificate?.alternateCertificate?.type === "ref" && (certificate.alternateCertificate.name ?? "") !== "" ?
      [crdRef("sslkeyandcertificate", certificate.alternateCertificate.name ?? "")] :
      [])
  ]
  const onVs = target !== "child"
  const tcp = vh.tcpSettings
  const listeners = onVs && tcp?.listeners !== undefined ?
    tcp.listeners.map((l): Listener => ({ port: l.port ?? 0, enableSsl: l.enableSSL === true })) :
    undefined
  const nsp = vh.networkSecurityPolicy ?? ""
  if (nsp !== "" && !onVs) {
    problems.push({
      object: matched.ref,
      field: "spec.virtualhost.networkSecurityPolicy",
      reason: "InvalidConfiguration",
      message: "can not associate network security policy with host which is attached to child virtual service. " +
        "Configuration is ignored"
    })
  }
  // AKO applies them only where it switches paths: not on a shared parent, and not with `overwrite`.
  const switchesPaths = target !== "parent" && vh.httpPolicy?.overwrite !== true
  const appRoot = vh.applicationRootPath ?? ""
  const icap = vh.icapProfile ?? []
  return {
    rule: matched,
    crd: {
      ...(vh.wafPolicy ? { wafPolicyRef: crdRef("wafpolicy", vh.wafPolicy) } : {}),
      ...(vh.applicationProfile ? { applicationProfileRef: crdRef("applicationprofile", vh.applicationProfile) } : {}),
      ...(vh.analyticsProfile ? { analyticsProfileRef: crdRef("analyticsprofile", vh.analyticsProfile) } : {}),
      errorPageProfileRef: vh.errorPageProfile ? crdRef("errorpageprofile", vh.errorPageProfile) : "",
      ...(vh.tls?.sslProfile ? { sslProfileRef: crdRef("sslprofile", vh.tls.sslProfile) } : {}),
      datascriptRefs: uniqueRefs("vsdatascriptset", vh.datascripts),
      httpPolicySetRefs: uniqueRefs("httppolicyset", vh.httpPolicy?.policySets),
      icapProfileRefs: icap.length > 0 ? [crdRef("icapprofile", icap[0] ?? "")] : [],
      ...(vh.enableVirtualHost === undefined ? {} : { enabled: vh.enableVirtualHost }),
      ...(vh.analyticsPolicy === undefined ? {} : { analyticsPolicy: analyticsPolicyOf(vh.analyticsPolicy) })
    },
    certificateRefs,
    overwrite: vh.httpPolicy?.overwrite === true,
    listeners,
    loadBalancerIP: onVs && (tcp?.loadBalancerIP ?? "") !== "" ? tcp?.loadBalancerIP : undefined,
    networkSecurityPolicyRef: onVs && nsp !== "" ? crdRef("networksecuritypolicy", nsp) : undefined,
    aliases: target === "parent" ? [] : [...new Set(vh.aliases ?? [])],
    gslbFqdn: (vh.gslb?.fqdn ?? "") === "" ? undefined : vh.gslb?.fqdn,
    crdStatus: { type: "HostRule", value: matched.key, status: "ACTIVE" },
    applicationRootPath: switchesPaths && appRoot !== "" ? appRoot : undefined,
    useRegex: switchesPaths && vh.useRegex === true,
    problems
  }
}

/**
 * The VS body fields a HostRule owns, as AKO's REST layer sends them. Fields it leaves unset are absent, so the
 * controller's default applies; `error_page_profile_ref` is always sent (`""` when unset).
 */
export const hostRuleVsFields = (settings: HostRuleSettings, target: HostRuleTarget): Record<string, unknown> => {
  const crd = settings.crd
  // AKO's parent VS build never copies the ICAP profile (reference §1.4, a quirk users can see): reproduced.
  const icap = target === "parent" ? [] : crd.icapProfileRefs
  return {
    ...(crd.wafPolicyRef === undefined ? {} : { waf_policy_ref: crd.wafPolicyRef }),
    ...(crd.analyticsProfileRef === undefined ? {} : { analytics_profile_ref: crd.analyticsProfileRef }),
    ...(crd.sslProfileRef === undefined ? {} : { ssl_profile_ref: crd.sslProfileRef }),
    ...(icap.length === 0 ? {} : { icap_request_profile_refs: icap }),
    ...(crd.enabled === undefined ? {} : { enabled: crd.enabled }),
    ...(crd.analyticsPolicy === undefined ? {} : { analytics_policy: crd.analyticsPolicy }),
    ...(settings.networkSecurityPolicyRef === undefined ?
      {} :
      { network_security_policy_ref: settings.networkSecurityPolicyRef }),
    error_page_profile_ref: crd.errorPageProfileRef
  }
}

/** `http_policies` entries: AKO's own sets from index 11, a rule's sets from (number of AKO sets) + 16. */
export const httpPolicyEntries = (
  own: ReadonlyArray<string>,
  settings: HostRuleSettings
): ReadonlyArray<{ readonly index: number; readonly http_policy_set_ref: string }> => {
  const ours = settings.overwrite ? [] : own
  return [
    ...ours.map((ref, i) => ({ index: 11 + i, http_policy_set_ref: ref })),
    ...settings.crd.httpPolicySetRefs.map((ref, i) => ({ index: ours.length + 16 + i, http_policy_set_ref: ref }))
  ]
}

/** `vs_datascripts` entries of a rule, indexed from 0. */
export const dataScriptEntries = (
  settings: HostRuleSettings
): ReadonlyArray<{ readonly index: number; readonly vs_datascript_set_ref: string }> =>
  settings.crd.datascriptRefs.map((ref, index) => ({ index, vs_datascript_set_ref: ref }))
