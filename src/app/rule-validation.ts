/**
 * Validation of AKO's rules (HostRule, HTTPRule, L7Rule, AviInfraSetting, L4Rule) as AKO does it
 * (reference/ako-crds.md §0, §1.2, §2.2, §3.2, §4.2, §5.2), and the rules in effect that follow from it.
 *
 * Only the leader validates and writes `status` (a merge patch of the status subresource, through the WriteGuard);
 * every replica reads `effective`. A verdict is remembered with the spec it judged, so a rule edited into something
 * invalid keeps the spec it last had accepted in effect, as AKO keeps the last applied config on the VS. A replica
 * that never judged a rule (a passive one) trusts the verdict the leader wrote into its status.
 *
 * References on the controller are checked in a fixed order (AKO's is a Go map's random order, so with several
 * missing references the reported one varies there):
 *   HostRule: wafPolicy, applicationProfile, tls.sslProfile, analyticsProfile, errorPageProfile,
 *             tls.sslKeyCertificate (type ref), its alternateCertificate (type ref), icapProfile[0], policySets…,
 *             datascripts…, networkSecurityPolicy
 *   HTTPRule: per path in order: tls.sslProfile, applicationPersistence, tls.pkiProfile, healthMonitors…
 *   L7Rule:   wafPolicy, applicationProfile, analyticsProfile, errorPageProfile, icapProfile (those when
 *             `kind: AviRef`), httpPolicy.policySets…, botPolicyRef, securityPolicyRef, trafficCloneProfileRef
 *   AviInfraSetting (in the global tenant): vipNetworks…, nodeNetworks… (each by networkUUID when given, else by
 *             networkName), seGroup.name
 *   L4Rule:   analyticsProfileRef, sslProfileRef and sslKeyAndCertificateRefs… (SSL application profile only),
 *             networkProfileRef (unless checked as a TCP proxy profile), networkSecurityPolicyRef, securityPolicyRef,
 *             vsDatascriptRefs…, then per backend in order: applicationPersistenceProfileRef, healthMonitorRefs…,
 *             pkiProfileRef, sslKeyAndCertificateRef, sslProfileRef
 * A name is checked once per type. A controller that cannot be reached gives no verdict: the rule is validated
 * again later, with backoff, and keeps its status meanwhile.
 *
 * An accepted AviInfraSetting's SE group gets AKO's `clustername` label if it has no labels yet (§3.2): once per
 * acceptance, by the leader, never when static route sync is disabled; a failure is logged, the verdict stands.
 */
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { isIP } from "node:net"
import { AviClient } from "../avi/index.js"
import type { AviError, ServiceEngineGroup } from "../avi/index.js"
import { bestEffort, EventRecorder, KubeClient, MERGE_PATCH, WriteGuard } from "../k8s/index.js"
import type { KubeError, NotLeader, Reflector, ReflectorsShape } from "../k8s/index.js"
import type {
  AviInfraSetting,
  HostRule,
  HTTPRule,
  L4Rule,
  L4RuleBackend,
  L7Rule,
  RulesInEffect
} from "../model/index.js"
import { canonicalJson } from "../model/index.js"
import { LiveConfig } from "./live-config.js"

export interface RuleValidationSettings {
  /** AKO's `clusterName`: objects created by `ako-<clusterName>` may not be referred to. */
  readonly clusterName: string
  /** The tenant of namespaces without the `ako.vmware.com/tenant-name` annotation; AviInfraSettings' refs live here. */
  readonly tenantName: string
  /** Namespaces' tenant annotations are not followed: every rule's refs are looked for in `tenantName`. */
  readonly dedicatedTenantMode?: boolean | undefined
  /** AKO's `cloudName`: where the SE group of an AviInfraSetting is looked for to label it. */
  readonly cloudName?: string | undefined
  /** The cloud's uuid: networks named by UUID are looked for in it. */
  readonly cloudUuid?: string | undefined
  /** The cloud's `vtype`: AKO does not look for networks by UUID on AWS and Azure clouds. */
  readonly cloudType?: string | undefined
  /** AKO labels no SE group when static route sync is disabled. */
  readonly disableStaticRouteSync?: boolean | undefined
}

/** Keyed `ns/name`; AviInfraSettings (cluster-scoped) by name. */
export type EffectiveRules = RulesInEffect

export interface RuleValidation {
  /** The rules in effect now (see the module comment). */
  readonly effective: Effect.Effect<EffectiveRules>
  /**
   * Keys `HostRule/<ns>/<name>`, `HTTPRule/<ns>/<name>`, `L4Rule/<ns>/<name>` and `AviInfraSetting/<name>` whose
   * effective entry may have changed from now on (subscribed when this runs, in the caller's scope).
   */
  readonly subscribe: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
  /** Leader only: validates every L7Rule, then every HostRule, HTTPRule, AviInfraSetting and L4Rule (AKO's boot order). */
  readonly validateAll: Effect.Effect<void, NotLeader>
  /** Leader only: validates rules again as they, or what they refer to, change; forever. */
  readonly run: Effect.Effect<never, NotLeader>
}

/** The controller could not be asked (transport error, 5xx, timeout): no verdict, try again later. */
export class RuleCheckUnavailable extends Data.TaggedError("RuleCheckUnavailable")<{
  readonly rule: string
  readonly cause: AviError
}> {
  override get message(): string {
    return `cannot validate ${this.rule}: the Avi controller did not answer (${this.cause._tag})`
  }
}

type RuleKind = "HostRule" | "HTTPRule" | "L7Rule" | "AviInfraSetting" | "L4Rule"

/** AKO's boot order (SSORule, between AviInfraSetting and L4Rule there, is not implemented). */
const BOOT_ORDER: ReadonlyArray<RuleKind> = ["L7Rule", "HostRule", "HTTPRule", "AviInfraSetting", "L4Rule"]

const ACCEPTED = "Accepted"
const REJECTED = "Rejected"
const TENANT_ANNOTATION = "ako.vmware.com/tenant-name"
const HTTP_PROFILE = "APPLICATION_PROFILE_TYPE_HTTP"
const L4_PROFILE = "APPLICATION_PROFILE_TYPE_L4"
const L4_SSL_PROFILE = "APPLICATION_PROFILE_TYPE_SSL"
const TCP_PROXY = "PROTOCOL_TYPE_TCP_PROXY"
/** AKO lets an SSL listener through with its default L4 profile: the VS then gets System-SSL-Application. */
const DEFAULT_L4_PROFILE = "System-L4-Application"
const CONSISTENT_HASH = "LB_ALGORITHM_CONSISTENT_HASH"
const CUSTOM_HEADER_HASH = "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"
// AKO rejects healthMonitorCrdRefs unless its CRD operator (which turns HealthMonitor objects into Avi health
// monitors) runs; ako-ts has no such operator, so there is never a HealthMonitor to point at.
const HEALTH_MONITOR_CRDS_UNSUPPORTED = "healthMonitorCrdRefs are not supported: the AKO CRD operator is not enabled"
// ako-ts supports no NSX-T cloud, the only one where AKO accepts revokeVipRoute.
const REVOKE_VIP_ROUTE_UNSUPPORTED = "RevokeVipRoute is only supported in NSX-T Cloud"
// AKO skips network-by-UUID checks on these clouds: their controllers' network views answer wrongly.
const CLOUDS_WITHOUT_NETWORK_CHECK: ReadonlySet<string> = new Set(["CLOUD_AWS", "CLOUD_AZURE"])
/** The label AKO puts on the SE groups its AviInfraSettings name (static route sync picks SE groups by it). */
const CLUSTER_LABEL = "clustername"

const API: Record<RuleKind, { readonly version: string; readonly plural: string }> = {
  HostRule: { version: "v1beta1", plural: "hostrules" },
  HTTPRule: { version: "v1beta1", plural: "httprules" },
  L7Rule: { version: "v1alpha2", plural: "l7rules" },
  L4Rule: { version: "v1alpha2", plural: "l4rules" },
  AviInfraSetting: { version: "v1beta1", plural: "aviinfrasettings" }
}

interface Verdict {
  readonly status: typeof ACCEPTED | typeof REJECTED
  readonly error: string
}

interface Judged {
  readonly uid: string | undefined
  /** Canonical JSON of the spec this verdict is about. */
  readonly spec: string
  readonly verdict: Verdict
  /** HostRules: the fqdn judged, to re-validate the rules that shared it when this one changes. */
  readonly fqdn?: string | undefined
  /** HostRules rejected because another rule holds their fqdn or an alias: re-validated when HostRules change. */
  readonly conflict: boolean
}

type Rule = HostRule | HTTPRule | L7Rule | L4Rule | AviInfraSetting

// What Go's net.ParseIP accepts: IPv4 (no leading zeros) or IPv6, without a zone.
const isIpAddress = (value: string) => !value.includes("%") && isIP(value) !== 0

/** AKO's per-backend check of the load-balancing algorithm (reference/ako-crds.md §4.2 #4). */
const lbAlgorithmError = (backend: L4RuleBackend): string | undefined => {
  const algorithm = backend.lbAlgorithm
  if (algorithm === undefined) return undefined
  if (algorithm === CONSISTENT_HASH) {
    if (backend.lbAlgorithmHash === undefined) {
      return `lbAlgorithmHash must be specified when lbAlgorithm is "${CONSISTENT_HASH}"`
    }
    if (backend.lbAlgorithmHash === CUSTOM_HEADER_HASH && backend.lbAlgorithmConsistentHashHdr === undefined) {
      return `lbAlgorithmConsistentHashHdr must be specified when lbAlgorithmHash is "${CUSTOM_HEADER_HASH}"`
    }
    return undefined
  }
  if (backend.lbAlgorithmHash !== undefined) {
    return `lbAlgorithmHash must not be specified when lbAlgorithm is "${algorithm}"`
  }
  if (backend.lbAlgorithmConsistentHashHdr !== undefined) {
    return `lbAlgorithmConsistentHashHdr must not be specified when lbAlgorithm is "${algorithm}"`
  }
  return undefined
}

// Unanchored, IPv4 only, as AKO's check (reference/ako-crds.md §1.2 #2).
const IPV4 = /(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/
// AKO's lib.IPCIDRRegex for a VIP network's cidr: the slash is required, the mask is not (§3.2 #2).
const IPV4_CIDR =
  /^(\b([01]?[0-9][0-9]?|2[0-4][0-9]|25[0-5])\.){3}([01]?[0-9][0-9]?|2[0-4][0-9]|25[0-5])\/(([0-9]|[1-2][0-9]|3[0-2]))?$/
// AKO's lib.IPV6CIDRRegex (§3.2 #3), with its nested repetitions `((?:h{1,4}))*` written as the `h*` they are equal
// to: the same strings match, without the exponential backtracking JavaScript's engine would do on long input.
const IPV6_CIDR =
  /^(?:[0-9A-Fa-f]*(?::[0-9A-Fa-f]{1,4})*::[0-9A-Fa-f]*(?::[0-9A-Fa-f]{1,4})*|[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){7})(?:\/(?:[1-9]|[1-9][0-9]|1[0-1][0-9]|12[0-8]))?$/

/** `ns/name`, or a cluster-scoped kind's `name` (namespace ""). */
const splitKey = (key: string) => {
  const slash = key.indexOf("/")
  return slash < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) }
}

interface RefCheck {
  readonly type: string
  readonly name: string
  /** applicationprofile refs of HostRules and L7Rules must be of type HTTP. */
  readonly httpProfile?: boolean | undefined
}

/** The result of one rule's validation: a verdict, or none when the controller could not be asked. */
type Outcome = Verdict & { readonly conflict?: boolean }

const accepted: Outcome = { status: ACCEPTED, error: "" }
const rejected = (error: string, conflict = false): Outcome => ({ status: REJECTED, error, conflict })

const isUnavailable = (error: AviError) => error._tag === "AviUnavailable"

export const makeRuleValidation = (
  reflectors: ReflectorsShape,
  settings: RuleValidationSettings
): Effect.Effect<RuleValidation, never, AviClient | KubeClient | WriteGuard | EventRecorder | LiveConfig> =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const kube = yield* KubeClient
    const guard = yield* WriteGuard
    const recorder = yield* EventRecorder
    const live = yield* LiveConfig
    const akoUser = `ako-${settings.clusterName}`

    // What this process judged, per `<Kind>/<ns>/<name>`, and the rule as it was when last accepted.
    const judged = new Map<string, Judged>()
    const lastAccepted = new Map<string, Rule>()
    const hub = yield* PubSub.unbounded<string>()
    const version = yield* Ref.make(0)

    const reflectorOf = (kind: RuleKind) =>
      kind === "HostRule" ?
        reflectors.hostRules :
        kind === "HTTPRule" ?
        reflectors.httpRules :
        kind === "L4Rule" ?
        reflectors.l4Rules :
        kind === "AviInfraSetting" ?
        reflectors.aviInfraSettings :
        reflectors.l7Rules

    // ---- the rules in effect ----

    const effectiveOne = <R extends Rule>(id: string, rule: R): R | undefined => {
      const mine = judged.get(id)
      const sameObject = (uid: string | undefined) => uid === rule.metadata?.uid
      // a rule deleted and created again under the same name starts afresh
      const kept = lastAccepted.get(id) as R | undefined
      const previous = kept !== undefined && sameObject(kept.metadata?.uid) ? kept : undefined
      if (mine !== undefined && sameObject(mine.uid) && mine.spec === canonicalJson(rule.spec)) {
        return mine.verdict.status === ACCEPTED ? rule : previous
      }
      if (previous !== undefined) return previous
      return rule.status?.status === ACCEPTED ? rule : undefined
    }

    const effectiveOf = <R extends Rule>(kind: RuleKind, store: ReadonlyMap<string, R>) => {
      const result = new Map<string, R>()
      for (const [key, rule] of store) {
        const value = effectiveOne(`${kind}/${key}`, rule)
        if (value !== undefined) result.set(key, value)
      }
      return result
    }

    let memo:
      | {
        readonly hostRules: ReadonlyMap<string, HostRule>
        readonly httpRules: ReadonlyMap<string, HTTPRule>
        readonly l4Rules: ReadonlyMap<string, L4Rule>
        readonly aviInfraSettings: ReadonlyMap<string, AviInfraSetting>
        readonly version: number
        readonly value: EffectiveRules
      }
      | undefined
    const effective = Effect.gen(function*() {
      const hostRules = yield* reflectors.hostRules.snapshot
      const httpRules = yield* reflectors.httpRules.snapshot
      const l4Rules = yield* reflectors.l4Rules.snapshot
      const aviInfraSettings = yield* reflectors.aviInfraSettings.snapshot
      const current = yield* Ref.get(version)
      if (
        memo?.hostRules !== hostRules || memo.httpRules !== httpRules || memo.l4Rules !== l4Rules ||
        memo.aviInfraSettings !== aviInfraSettings || memo.version !== current
      ) {
        memo = {
          hostRules,
          httpRules,
          l4Rules,
          aviInfraSettings,
          version: current,
          value: {
            hostRules: effectiveOf("HostRule", hostRules),
            httpRules: effectiveOf("HTTPRule", httpRules),
            l4Rules: effectiveOf("L4Rule", l4Rules),
            aviInfraSettings: effectiveOf("AviInfraSetting", aviInfraSettings)
          }
        }
      }
      return memo.value
    })

    const subscribe = Effect.gen(function*() {
      const own = yield* PubSub.subscribe(hub)
      const hostRules = yield* reflectors.hostRules.subscribe
      const httpRules = yield* reflectors.httpRules.subscribe
      const l4Rules = yield* reflectors.l4Rules.subscribe
      const aviInfraSettings = yield* reflectors.aviInfraSettings.subscribe
      return Stream.mergeAll([
        Stream.fromQueue(own),
        Stream.map(hostRules, (key) => `HostRule/${key}`),
        Stream.map(httpRules, (key) => `HTTPRule/${key}`),
        Stream.map(l4Rules, (key) => `L4Rule/${key}`),
        Stream.map(aviInfraSettings, (key) => `AviInfraSetting/${key}`)
      ], { concurrency: "unbounded" })
    })

    // ---- checks ----

    const tenantOf = (namespace: string) =>
      Effect.map(
        reflectors.namespaces.get(namespace),
        (ns) =>
          (settings.dedicatedTenantMode === true ?
            undefined :
            Option.getOrUndefined(ns)?.metadata?.annotations?.[TENANT_ANNOTATION]) || settings.tenantName
      )

    /**
     * Answers of the controller during one `validateAll` pass, by tenant, type and name: many rules name the same WAF
     * policy or profile, and one look-up per pass serves them all (AKO asks once per rule).
     */
    let passAnswers: Map<string, Deferred.Deferred<unknown, RuleCheckUnavailable>> | undefined

    /** `lookUp`, asked once per `validateAll` pass for one `id` (always, outside a pass). */
    const oncePerPass = <A>(id: string, lookUp: Effect.Effect<A, RuleCheckUnavailable>) =>
      Effect.gen(function*() {
        const answers = passAnswers
        if (answers === undefined) return yield* lookUp
        // Claimed in one step, so rules judged side by side wait for the one request instead of sending their own.
        const slot = yield* Effect.sync(() => {
          const pending = answers.get(id)
          if (pending !== undefined) return { answer: pending, mine: false }
          const answer = Deferred.unsafeMake<unknown, RuleCheckUnavailable>(FiberId.none)
          answers.set(id, answer)
          return { answer, mine: true }
        })
        if (slot.mine) yield* Deferred.complete(slot.answer, lookUp)
        // what completes this id's slot is always this same look-up
        return (yield* Deferred.await(slot.answer)) as A
      })

    /**
     * `GET /api/<type>?name=<name>&fields=…`: the first object found (none when the controller has none or refuses
     * the request, which AKO reports as "not found"), or no answer.
     */
    const firstFound = (type: string, name: string, fields: string, tenant: string, rule: string) =>
      avi.request({ method: "GET", path: `/api/${type}`, query: { name, fields }, tenant }).pipe(
        Effect.map((body): Option.Option<unknown> => {
          const { count, results } = (body ?? {}) as { count?: unknown; results?: unknown }
          const first = Array.isArray(results) ? results[0] as unknown : undefined
          return count === 0 || first === undefined ? Option.none() : Option.some(first)
        }),
        Effect.catchAll((error) =>
          isUnavailable(error) ?
            Effect.fail(new RuleCheckUnavailable({ rule, cause: error })) :
            Effect.succeed(Option.none<unknown>())
        )
      )

    /** One reference on the controller (§0.4): a rejection text, none, or no answer. */
    const checkRef = (ref: RefCheck, tenant: string, rule: string) =>
      oncePerPass(`ref|${tenant}|${ref.type}|${ref.name}|${ref.httpProfile === true}`, lookUpRef(ref, tenant, rule))

    const lookUpRef = (ref: RefCheck, tenant: string, rule: string) =>
      Effect.map(
        firstFound(ref.type, ref.name, "name,type,labels,created_by", tenant, rule),
        Option.match({
          onNone: (): string | undefined => `${ref.type} "${ref.name}" not found on controller`,
          onSome: (first) => {
            if (first === null || typeof first !== "object") {
              return `${ref.type} "${ref.name}" found on controller is invalid`
            }
            const object = first as { type?: unknown; created_by?: unknown }
            if (ref.httpProfile === true && object.type !== undefined && object.type !== HTTP_PROFILE) {
              return `${ref.type} "${ref.name}" found on controller is invalid, must be of type: ${HTTP_PROFILE}`
            }
            if (object.created_by === akoUser) {
              return `${ref.type} "${ref.name}" Invalid operation, object referred is created by current AKO instance`
            }
            return undefined
          }
        })
      )

    /** An L4Rule's application profile (§4.2 #2, no created_by check): an SSL one or a plain L4 one, or why not. */
    const l4ApplicationProfile = (name: string, tenant: string, rule: string) =>
      oncePerPass(
        `l4app|${tenant}|${name}`,
        Effect.map(
          firstFound("applicationprofile", name, "name,type,labels,created_by", tenant, rule),
          Option.match({
            onNone: (): { readonly ssl: boolean } | { readonly error: string } => ({
              error: `applicationprofile "${name}" not found on controller`
            }),
            onSome: (first) => {
              const type = (first as { type?: unknown } | null)?.type
              if (type === L4_SSL_PROFILE) return { ssl: true }
              if (type === L4_PROFILE) return { ssl: false }
              return {
                error: `applicationprofile "${name}" found on controller is invalid, must be of type: ` +
                  `${L4_PROFILE} or ${L4_SSL_PROFILE}`
              }
            }
          })
        )
      )

    /** The network profile of an L4 SSL virtual service must be a TCP proxy one (§4.2 #3b): why not, or none. */
    const tcpProxyNetworkProfile = (name: string, tenant: string, rule: string) =>
      oncePerPass(
        `tcpproxy|${tenant}|${name}`,
        Effect.map(
          firstFound("networkprofile", name, "name,profile,labels,created_by", tenant, rule),
          Option.match({
            onNone: (): string | undefined => `networkprofile "${name}" not found on controller`,
            onSome: (first) => {
              const profile = (first as { profile?: { type?: unknown } | null } | null)?.profile
              return profile?.type === TCP_PROXY ?
                undefined :
                `networkprofile "${name}" found on controller is invalid, must be of type: ${TCP_PROXY} ` +
                "for L4 SSL support"
            }
          })
        )
      )

    const checkRefs = (refs: ReadonlyArray<RefCheck>, namespace: string, rule: string) =>
      Effect.gen(function*() {
        const tenant = yield* tenantOf(namespace)
        const seen = new Set<string>()
        for (const ref of refs) {
          if (ref.name === "" || seen.has(`${ref.type}/${ref.name}`)) continue
          seen.add(`${ref.type}/${ref.name}`)
          const error = yield* checkRef(ref, tenant, rule)
          if (error !== undefined) return Option.some(error)
        }
        return Option.none<string>()
      })

    const fromRefs = (refs: ReadonlyArray<RefCheck>, namespace: string, rule: string) =>
      Effect.map(checkRefs(refs, namespace, rule), Option.match({ onNone: () => accepted, onSome: (e) => rejected(e) }))

    const validateHostRule = (key: string, rule: HostRule) =>
      Effect.gen(function*() {
        const { namespace } = splitKey(key)
        const vh = rule.spec?.virtualhost ?? {}
        const fqdn = vh.fqdn ?? ""
        const all = yield* reflectors.hostRules.snapshot
        // #1: the oldest HostRule (creationTimestamp, then ns/name) owns an fqdn; AKO's winner depends on event order
        const owner = [...all].filter(([, other]) => (other.spec?.virtualhost?.fqdn ?? "") === fqdn)
          .sort(([ka, a], [kb, b]) => {
            const ta = a.metadata?.creationTimestamp ?? ""
            const tb = b.metadata?.creationTimestamp ?? ""
            return ta !== tb ? (ta < tb ? -1 : 1) : ka < kb ? -1 : ka > kb ? 1 : 0
          })[0]
        if (owner !== undefined && owner[0] !== key) {
          return rejected(`duplicate fqdn ${fqdn} found in ${owner[0]}`, true)
        }
        const lbIp = vh.tcpSettings?.loadBalancerIP
        if (lbIp !== undefined && lbIp !== "" && !IPV4.test(lbIp)) {
          return rejected(`loadBalancerIP ${lbIp} is not a valid IP`)
        }
        const gslbFqdn = vh.gslb?.fqdn
        if (gslbFqdn !== undefined && gslbFqdn === fqdn) return rejected("GSLB FQDN and local FQDN are same")
        const listeners = vh.tcpSettings?.listeners ?? []
        if (listeners.length > 0 && !listeners.some((l) => l.enableSSL === true)) {
          return rejected("Hosting parent virtualservice must have SSL enabled")
        }
        const aliases = vh.aliases
        if (aliases !== undefined) {
          if ((vh.fqdnType ?? "Exact") !== "Exact") {
            return rejected("Aliases is supported only when FQDN type is set as Exact")
          }
          if (aliases.includes(fqdn)) {
            return rejected("Duplicate entry found. Aliases field has same entry as the FQDN field")
          }
          if (new Set(aliases).size !== aliases.length) return rejected("Aliases must be unique")
          if (gslbFqdn !== undefined && gslbFqdn !== "" && aliases.includes(gslbFqdn)) {
            return rejected("Aliases must not contain GSLB FQDN")
          }
          // #9: the domains of the other HostRules in effect (their fqdn and aliases)
          const inEffect = (yield* effective).hostRules
          for (const alias of aliases) {
            for (const [otherKey, other] of inEffect) {
              if (otherKey === key) continue
              const ovh = other.spec?.virtualhost
              if (ovh?.fqdn === alias || (ovh?.aliases ?? []).includes(alias)) {
                return rejected(`${alias} is already in use by hostrule ${ovh?.fqdn ?? ""}`, true)
              }
            }
          }
        }
        const certificate = vh.tls?.sslKeyCertificate
        const secrets = yield* reflectors.secrets.snapshot
        for (const cert of [certificate, certificate?.alternateCertificate]) {
          if (cert?.type === "secret" && !secrets.has(`${namespace}/${cert.name ?? ""}`)) {
            return rejected(`secret "${cert.name ?? ""}" not found`)
          }
        }
        const icap = vh.icapProfile ?? []
        if (icap.length > 1) return rejected("Can only have 1 ICAP profile associated with VS")
        const refs: Array<RefCheck> = [
          { type: "wafpolicy", name: vh.wafPolicy ?? "" },
          { type: "applicationprofile", name: vh.applicationProfile ?? "", httpProfile: true },
          { type: "sslprofile", name: vh.tls?.sslProfile ?? "" },
          { type: "analyticsprofile", name: vh.analyticsProfile ?? "" },
          { type: "errorpageprofile", name: vh.errorPageProfile ?? "" },
          ...[certificate, certificate?.alternateCertificate].filter((c) => c?.type === "ref").map((c) => ({
            type: "sslkeyandcertificate",
            name: c?.name ?? ""
          })),
          { type: "icapprofile", name: icap[0] ?? "" },
          ...(vh.httpPolicy?.policySets ?? []).map((name) => ({ type: "httppolicyset", name })),
          ...(vh.datascripts ?? []).map((name) => ({ type: "vsdatascriptset", name })),
          { type: "networksecuritypolicy", name: vh.networkSecurityPolicy ?? "" }
        ]
        const refError = yield* checkRefs(refs, namespace, `HostRule ${key}`)
        if (Option.isSome(refError)) return rejected(refError.value)
        if (vh.l7Rule !== undefined && vh.l7Rule !== "") {
          if (Option.isNone(yield* reflectors.l7Rules.get(`${namespace}/${vh.l7Rule}`))) {
            return rejected(`l7rule.ako.vmware.com "${vh.l7Rule}" not found`)
          }
        }
        if (fqdn.includes("Shared-") && vh.useRegex === true) {
          return rejected(`hostrule useRegex with fqdn ${fqdn} cannot be applied to shared virtualservices`)
        }
        if (fqdn.includes("Shared-") && vh.applicationRootPath !== undefined && vh.applicationRootPath !== "") {
          return rejected(`hostrule applicationRootPath with fqdn ${fqdn} cannot be applied to shared virtualservices`)
        }
        return accepted
      })

    const validateHttpRule = (key: string, rule: HTTPRule) => {
      const paths = rule.spec?.paths ?? []
      if (paths.some((p) => (p.tls?.pkiProfile ?? "") !== "" && (p.tls?.destinationCA ?? "") !== "")) {
        return Effect.succeed(
          rejected("PKIProfile and DestinationCA fields are set in the HTTPRule. Only one of the field should be set.")
        )
      }
      const refs = paths.flatMap((p): Array<RefCheck> => [
        { type: "sslprofile", name: p.tls?.sslProfile ?? "" },
        { type: "applicationpersistenceprofile", name: p.applicationPersistence ?? "" },
        { type: "pkiprofile", name: p.tls?.pkiProfile ?? "" },
        ...(p.healthMonitors ?? []).map((name) => ({ type: "healthmonitor", name }))
      ])
      return fromRefs(refs, splitKey(key).namespace, `HTTPRule ${key}`)
    }

    const validateL7Rule = (key: string, rule: L7Rule) => {
      const spec = rule.spec ?? {}
      const text = (value: unknown) => typeof value === "string" ? value : ""
      const aviRef = (field: string, type: string, httpProfile = false): Array<RefCheck> => {
        const value = spec[field] as { kind?: unknown; name?: unknown } | undefined
        if (value === undefined || value === null || typeof value !== "object") return []
        // `kind` defaults to AviRef, its only value
        if (value.kind !== undefined && value.kind !== "AviRef") return []
        return [{ type, name: text(value.name), httpProfile }]
      }
      const policySets = (spec["httpPolicy"] as { policySets?: unknown } | undefined)?.policySets
      const refs: Array<RefCheck> = [
        ...aviRef("wafPolicy", "wafpolicy"),
        ...aviRef("applicationProfile", "applicationprofile", true),
        ...aviRef("analyticsProfile", "analyticsprofile"),
        ...aviRef("errorPageProfile", "errorpageprofile"),
        ...aviRef("icapProfile", "icapprofile"),
        ...(Array.isArray(policySets) ? policySets : []).map((name) => ({ type: "httppolicyset", name: text(name) })),
        { type: "botdetectionpolicy", name: text(spec["botPolicyRef"]) },
        { type: "securitypolicy", name: text(spec["securityPolicyRef"]) },
        { type: "trafficcloneprofile", name: text(spec["trafficCloneProfileRef"]) }
      ]
      return fromRefs(refs, splitKey(key).namespace, `L7Rule ${key}`)
    }

    const validateL4Rule = (key: string, rule: L4Rule) =>
      Effect.gen(function*() {
        const { namespace } = splitKey(key)
        const name = `L4Rule ${key}`
        const spec = rule.spec ?? {}
        // AKO tests presence, not emptiness: an empty loadBalancerIP or sslProfileRef counts as set
        const lbIp = spec.loadBalancerIP
        if (lbIp !== undefined && !isIpAddress(lbIp)) return rejected(`loadBalancerIP ${lbIp} is not valid`)
        const tenant = yield* tenantOf(namespace)
        const sslRefs: Array<RefCheck> = []
        let networkProfileChecked = false
        const appProfile = spec.applicationProfileRef
        if (appProfile !== undefined) {
          const sslListener = (spec.listenerProperties ?? []).some((l) => l.enableSsl === true)
          const profile = yield* l4ApplicationProfile(appProfile, tenant, name)
          if ("error" in profile) return rejected(profile.error)
          if (profile.ssl) {
            if (!sslListener) {
              return rejected(
                `SSL is not enabled in l4rule listener Spec but App Profile ${appProfile} is of type SSL`
              )
            }
            sslRefs.push(
              { type: "sslprofile", name: spec.sslProfileRef ?? "" },
              ...(spec.sslKeyAndCertificateRefs ?? []).map((ref) => ({ type: "sslkeyandcertificate", name: ref }))
            )
            if (spec.networkProfileRef !== undefined) {
              const error = yield* tcpProxyNetworkProfile(spec.networkProfileRef, tenant, name)
              if (error !== undefined) return rejected(error)
              networkProfileChecked = true
            }
          } else {
            if (appProfile !== DEFAULT_L4_PROFILE && sslListener) {
              return rejected(
                `SSL is enabled in l4rule listener Spec but App Profile ${appProfile} is not of type SSL`
              )
            }
            if (spec.sslProfileRef !== undefined) {
              return rejected(`App Profile ${appProfile} is not of type SSL but SslProfileRef is set`)
            }
            if ((spec.sslKeyAndCertificateRefs ?? []).length > 0) {
              return rejected(`App Profile ${appProfile} is not of type SSL but SslKeyAndCertificateRefs are set`)
            }
          }
        }
        const backends = spec.backendProperties ?? []
        for (const backend of backends) {
          const error = lbAlgorithmError(backend)
          if (error !== undefined) return rejected(error)
        }
        if (backends.some((b) => (b.healthMonitorCrdRefs ?? []).length > 0)) {
          return rejected(HEALTH_MONITOR_CRDS_UNSUPPORTED)
        }
        const refs: Array<RefCheck> = [
          { type: "analyticsprofile", name: spec.analyticsProfileRef ?? "" },
          ...sslRefs,
          ...(networkProfileChecked ? [] : [{ type: "networkprofile", name: spec.networkProfileRef ?? "" }]),
          { type: "networksecuritypolicy", name: spec.networkSecurityPolicyRef ?? "" },
          { type: "securitypolicy", name: spec.securityPolicyRef ?? "" },
          ...(spec.vsDatascriptRefs ?? []).map((ref) => ({ type: "vsdatascriptset", name: ref })),
          ...backends.flatMap((b): Array<RefCheck> => [
            { type: "applicationpersistenceprofile", name: b.applicationPersistenceProfileRef ?? "" },
            ...(b.healthMonitorRefs ?? []).map((ref) => ({ type: "healthmonitor", name: ref })),
            { type: "pkiprofile", name: b.pkiProfileRef ?? "" },
            { type: "sslkeyandcertificate", name: b.sslKeyAndCertificateRef ?? "" },
            { type: "sslprofile", name: b.sslProfileRef ?? "" }
          ])
        ]
        const refError = yield* checkRefs(refs, namespace, name)
        if (Option.isSome(refError)) return rejected(refError.value)
        if (spec.revokeVipRoute === true) return rejected(REVOKE_VIP_ROUTE_UNSUPPORTED)
        return accepted
      })

    /** `GET /api/network/<uuid>?cloud_uuid=<cloud>` (§0.4): a rejection text, none, or no answer. */
    const networkByUuid = (uuid: string, rule: string) =>
      CLOUDS_WITHOUT_NETWORK_CHECK.has(settings.cloudType ?? "") ?
        Effect.succeed(undefined) :
        oncePerPass(
          `network-uuid|${uuid}`,
          avi.request({
            method: "GET",
            path: `/api/network/${encodeURIComponent(uuid)}`,
            query: { cloud_uuid: settings.cloudUuid },
            tenant: settings.tenantName
          }).pipe(
            Effect.map((body): string | undefined =>
              body === undefined || body === null ? `network "${uuid}" not found on controller` : undefined
            ),
            Effect.catchAll((error) =>
              isUnavailable(error) ?
                Effect.fail(new RuleCheckUnavailable({ rule, cause: error })) :
                Effect.succeed(`network "${uuid}" not found on controller`)
            )
          )
        )

    const validateInfraSetting = (key: string, rule: AviInfraSetting) =>
      Effect.gen(function*() {
        const name = `AviInfraSetting ${key}`
        const network = rule.spec?.network ?? {}
        // AKO consults the CR's own enableRhi only, not the global enableRHI
        if ((network.bgpPeerLabels ?? []).length > 0 && network.enableRhi !== true) {
          return rejected("BGPPeerLabels cannot be set if EnableRhi is false.")
        }
        const vipNetworks = network.vipNetworks ?? []
        for (const vip of vipNetworks) {
          const networkName = vip.networkName ?? ""
          if (vip.cidr !== undefined && vip.cidr !== "" && !IPV4_CIDR.test(vip.cidr)) {
            return rejected(
              `invalid CIDR configuration ${vip.cidr} detected for networkName ${networkName} in vipNetworkList`
            )
          }
          if (vip.v6cidr !== undefined && vip.v6cidr !== "" && !IPV6_CIDR.test(vip.v6cidr)) {
            return rejected(
              `invalid IPv6 CIDR configuration ${vip.v6cidr} detected for networkName ${networkName} in vipNetworkList`
            )
          }
        }
        const listeners = network.listeners ?? []
        if (listeners.length > 0 && !listeners.some((l) => l.enableSSL === true)) {
          return rejected("One of the port in aviInfraSetting must have SSL enabled")
        }
        const tenant = settings.tenantName
        const seen = new Set<string>()
        for (const net of [...vipNetworks, ...(network.nodeNetworks ?? [])]) {
          // the UUID wins when both are given
          const uuid = net.networkUUID ?? ""
          const byName = net.networkName ?? ""
          const id = uuid !== "" ? `uuid/${uuid}` : `name/${byName}`
          if ((uuid === "" && byName === "") || seen.has(id)) continue
          seen.add(id)
          const error = uuid !== "" ?
            yield* networkByUuid(uuid, name) :
            yield* checkRef({ type: "network", name: byName }, tenant, name)
          if (error !== undefined) return rejected(error)
        }
        const seGroup = rule.spec?.seGroup?.name ?? ""
        if (seGroup !== "") {
          const error = yield* checkRef({ type: "serviceenginegroup", name: seGroup }, tenant, name)
          if (error !== undefined) return rejected(error)
        }
        return accepted
      })

    // ---- SE group labelling (AviInfraSetting side effect, §3.2) ----

    /** Per AviInfraSetting id: the SE group labelled for its current acceptance. */
    const labelled = new Map<string, string>()

    /**
     * Gives the SE group AKO's `clustername` label when it has none. The body is sent back as read, so every field
     * ako-ts does not model is kept, and its `_last_modified` makes a concurrent change a 412: read again, once.
     */
    const labelSeGroup = (seGroup: string) => {
      const tenant = settings.tenantName
      const attempt = Effect.gen(function*() {
        const found: ReadonlyArray<ServiceEngineGroup> = yield* avi.listAll(
          "serviceenginegroup",
          { name: seGroup, "cloud_ref.name": settings.cloudName },
          { tenant }
        )
        const group = found.length === 1 ? found[0] : undefined
        if (group === undefined) {
          return yield* Effect.logWarning(`SE group ${seGroup}: not labelled, ${found.length} found in the cloud`)
        }
        if ((group.labels ?? []).length > 0) return
        yield* guard.admit(avi.update(
          "serviceenginegroup",
          group.uuid,
          { ...group, labels: [{ key: CLUSTER_LABEL, value: settings.clusterName }] },
          { tenant }
        ))
        yield* Effect.logInfo(`SE group ${seGroup}: labelled ${CLUSTER_LABEL}=${settings.clusterName}`)
      })
      return guard.check.pipe(
        Effect.zipRight(attempt.pipe(Effect.catchTag("AviPreconditionFailed", () => attempt))),
        Effect.catchIf(
          (error): error is AviError => error._tag !== "NotLeader",
          (error) =>
            Effect.logWarning(`could not label the SE group ${seGroup}`).pipe(
              Effect.annotateLogs("error", error.message)
            )
        )
      )
    }

    /** Labels the SE group of an accepted setting once per acceptance; forgets it when the setting is not accepted. */
    const labelOnAcceptance = (id: string, rule: AviInfraSetting, verdict: Verdict) =>
      Effect.gen(function*() {
        const seGroup = verdict.status === ACCEPTED ? rule.spec?.seGroup?.name ?? "" : ""
        if (seGroup === "") {
          labelled.delete(id)
          return
        }
        if (settings.disableStaticRouteSync === true || labelled.get(id) === seGroup) return
        yield* labelSeGroup(seGroup)
        labelled.set(id, seGroup)
      })

    // ---- verdicts: status, Event, log ----

    const writeStatus = (kind: RuleKind, key: string, verdict: Verdict) => {
      const { name, namespace } = splitKey(key)
      const api = API[kind]
      const scope = namespace === "" ? "" : `namespaces/${encodeURIComponent(namespace)}/`
      const path = `/apis/ako.vmware.com/${api.version}/${scope}${api.plural}/${encodeURIComponent(name)}/status`
      return guard.admit(kube.request({
        method: "PATCH",
        path,
        body: { status: { status: verdict.status, error: verdict.error } },
        contentType: MERGE_PATCH
      })).pipe(
        // AKO tries three times; a rule deleted meanwhile needs no status
        Effect.retry({
          times: 2,
          while: (error: KubeError | NotLeader) =>
            error._tag !== "NotLeader" && !(error._tag === "KubeApiError" && error.status === 404)
        })
      )
    }

    const emitEvent = (kind: RuleKind, rule: Rule, verdict: Verdict) =>
      Effect.gen(function*() {
        if (!(yield* Ref.get(live.enableEvents))) return
        yield* recorder.emit({
          involvedObject: {
            apiVersion: `ako.vmware.com/${API[kind].version}`,
            kind,
            name: rule.metadata?.name ?? "",
            namespace: rule.metadata?.namespace,
            ...(rule.metadata?.uid === undefined ? {} : { uid: rule.metadata.uid })
          },
          reason: verdict.status,
          message: verdict.status === ACCEPTED ? `${kind} is valid and accepted` : verdict.error,
          type: verdict.status === ACCEPTED ? "Normal" : "Warning"
        })
      }).pipe(bestEffort)

    const effectiveSpecOf = (kind: RuleKind, key: string) =>
      Effect.map(reflectorOf(kind).get(key), (rule) =>
        Option.match(rule as Option.Option<Rule>, {
          onNone: () => "",
          onSome: (r) => canonicalJson(effectiveOne(`${kind}/${key}`, r)?.spec ?? null)
        }))

    /** Validates the rule as the store has it now; records, writes and reports the verdict. */
    const validate = (kind: RuleKind, key: string): Effect.Effect<void, NotLeader | RuleCheckUnavailable> =>
      Effect.gen(function*() {
        const id = `${kind}/${key}`
        const current = yield* reflectorOf(kind).get(key) as Effect.Effect<Option.Option<Rule>>
        if (Option.isNone(current)) {
          judged.delete(id)
          lastAccepted.delete(id)
          labelled.delete(id)
          yield* Ref.update(version, (n) => n + 1)
          return
        }
        const rule = current.value
        const outcome: Outcome = kind === "HostRule" ?
          yield* validateHostRule(key, rule as HostRule) :
          kind === "HTTPRule" ?
          yield* validateHttpRule(key, rule as HTTPRule) :
          kind === "L4Rule" ?
          yield* validateL4Rule(key, rule as L4Rule) :
          kind === "AviInfraSetting" ?
          yield* validateInfraSetting(key, rule as AviInfraSetting) :
          yield* validateL7Rule(key, rule as L7Rule)
        const verdict: Verdict = { status: outcome.status, error: outcome.error }
        const before = kind === "L7Rule" ? "" : yield* effectiveSpecOf(kind, key)
        const previous = judged.get(id)
        judged.set(id, {
          uid: rule.metadata?.uid,
          spec: canonicalJson(rule.spec),
          verdict,
          fqdn: (rule as HostRule).spec?.virtualhost?.fqdn,
          conflict: outcome.conflict === true
        })
        if (verdict.status === ACCEPTED) lastAccepted.set(id, rule)
        yield* Ref.update(version, (n) => n + 1)
        if (kind !== "L7Rule" && (yield* effectiveSpecOf(kind, key)) !== before) yield* PubSub.publish(hub, id)
        const stored = rule.status
        const asStored = stored?.status === verdict.status && (stored.error ?? "") === verdict.error
        // a takeover that finds every status as it would write it logs nothing
        const changed = previous === undefined ?
          !asStored :
          previous.verdict.status !== verdict.status || previous.verdict.error !== verdict.error
        if (changed) {
          yield* Effect.logInfo(`${kind} ${key}: ${verdict.status}`).pipe(
            Effect.annotateLogs(verdict.error === "" ? {} : { error: verdict.error })
          )
        }
        // AKO labels before it writes the status
        if (kind === "AviInfraSetting") yield* labelOnAcceptance(id, rule as AviInfraSetting, verdict)
        if (asStored) return
        yield* writeStatus(kind, key, verdict).pipe(
          Effect.zipRight(emitEvent(kind, rule, verdict)),
          Effect.catchIf(
            (error): error is KubeError => error._tag !== "NotLeader",
            (error) =>
              Effect.logWarning(`could not write the status of ${kind} ${key}`).pipe(
                Effect.annotateLogs("error", error.message)
              )
          )
        )
      })

    const rulesReady = Effect.all(
      [
        reflectors.hostRules.ready,
        reflectors.httpRules.ready,
        reflectors.l7Rules.ready,
        reflectors.l4Rules.ready,
        reflectors.aviInfraSettings.ready,
        reflectors.secrets.ready
      ],
      { discard: true }
    )

    const validateAll = Effect.gen(function*() {
      yield* rulesReady
      passAnswers = new Map()
      for (const kind of BOOT_ORDER) {
        const keys = [...(yield* reflectorOf(kind).snapshot).keys()].sort()
        // A takeover waits for this pass: rules are judged a few at a time (which rule owns a duplicate fqdn does not
        // depend on the order, only on creation times).
        yield* Effect.forEach(keys, (key) =>
          validate(kind, key).pipe(
            Effect.catchTag("RuleCheckUnavailable", (error) =>
              // `run` finds the rule unjudged and tries again with backoff
              Effect.logWarning(error.message))
          ), { concurrency: 8, discard: true })
      }
    }).pipe(
      Effect.ensuring(Effect.sync(() => {
        passAnswers = undefined
      })),
      Effect.annotateLogs("component", "rule-validation")
    )

    // ---- the leader loop ----

    interface Work {
      readonly kind: RuleKind
      readonly key: string
      /** Validate even if this spec was judged and its status is as judged (something it depends on changed). */
      readonly force: boolean
    }

    const upToDate = (kind: RuleKind, key: string) =>
      Effect.map(reflectorOf(kind).get(key) as Effect.Effect<Option.Option<Rule>>, (current) => {
        const mine = judged.get(`${kind}/${key}`)
        if (Option.isNone(current)) return mine === undefined
        const rule = current.value
        return mine !== undefined && mine.uid === rule.metadata?.uid && mine.spec === canonicalJson(rule.spec) &&
          rule.status?.status === mine.verdict.status && (rule.status.error ?? "") === mine.verdict.error
      })

    const run = Effect.gen(function*() {
      const queue = yield* Queue.unbounded<Work>()
      const pending = new Map<string, boolean>()
      const attempts = new Map<string, number>()
      const enqueue = (work: Work) =>
        Effect.suspend(() => {
          const id = `${work.kind}/${work.key}`
          const queued = pending.get(id)
          if (queued !== undefined) {
            if (work.force && !queued) pending.set(id, true)
            return Effect.void
          }
          pending.set(id, work.force)
          return Queue.offer(queue, work)
        })
      const enqueueAll = (works: Iterable<Work>) => Effect.forEach(works, enqueue, { discard: true })

      // Subscribed before the catch-up pass, so nothing changed after it is missed; only to the kinds a verdict
      // depends on (every Service and EndpointSlice event went through here too).
      const changes = yield* Effect.acquireRelease(
        Queue.unbounded<{ readonly kind: string; readonly key: string }>(),
        Queue.shutdown
      )
      yield* Effect.forEach(
        [
          reflectors.hostRules,
          reflectors.httpRules,
          reflectors.l7Rules,
          reflectors.l4Rules,
          reflectors.aviInfraSettings,
          reflectors.secrets
        ] as ReadonlyArray<Reflector<unknown>>,
        (reflector) => reflector.listen((key) => Queue.unsafeOffer(changes, { kind: reflector.kind, key })),
        { discard: true }
      )

      const dependents = (kind: string, key: string) =>
        Effect.gen(function*() {
          const works: Array<Work> = []
          const hostRules = yield* reflectors.hostRules.snapshot
          const { name, namespace } = splitKey(key)
          if (kind === "HostRule") {
            works.push({ kind: "HostRule", key, force: false })
            const fqdns = new Set<string | undefined>([judged.get(`HostRule/${key}`)?.fqdn])
            fqdns.add(hostRules.get(key)?.spec?.virtualhost?.fqdn)
            for (const [other, rule] of hostRules) {
              if (other === key) continue
              const mine = judged.get(`HostRule/${other}`)
              if (mine?.conflict === true || fqdns.has(rule.spec?.virtualhost?.fqdn)) {
                works.push({ kind: "HostRule", key: other, force: true })
              }
            }
          } else if (kind === "HTTPRule") {
            works.push({ kind: "HTTPRule", key, force: false })
          } else if (kind === "L4Rule" || kind === "AviInfraSetting") {
            works.push({ kind, key, force: false })
          } else if (kind === "L7Rule") {
            works.push({ kind: "L7Rule", key, force: false })
            for (const [other, rule] of hostRules) {
              if (other.startsWith(`${namespace}/`) && rule.spec?.virtualhost?.l7Rule === name) {
                works.push({ kind: "HostRule", key: other, force: true })
              }
            }
          } else if (kind === "Secret") {
            for (const [other, rule] of hostRules) {
              const cert = rule.spec?.virtualhost?.tls?.sslKeyCertificate
              const named = [cert, cert?.alternateCertificate].some((c) => c?.type === "secret" && c.name === name)
              if (other.startsWith(`${namespace}/`) && named) works.push({ kind: "HostRule", key: other, force: true })
            }
          }
          return works
        })

      const retryLater = (work: Work, error: RuleCheckUnavailable) =>
        Effect.gen(function*() {
          const id = `${work.kind}/${work.key}`
          const n = attempts.get(id) ?? 0
          attempts.set(id, n + 1)
          const delay = Math.min(30_000, 1000 * 2 ** n)
          yield* Effect.logWarning(`${error.message}; trying again in ${delay / 1000} s`)
          yield* enqueue({ ...work, force: true }).pipe(Effect.delay(delay), Effect.forkScoped)
        })

      const worker = Queue.take(queue).pipe(
        Effect.flatMap((work) =>
          Effect.gen(function*() {
            const id = `${work.kind}/${work.key}`
            const force = pending.get(id) ?? work.force
            pending.delete(id)
            if (!force && (yield* upToDate(work.kind, work.key))) return
            yield* validate(work.kind, work.key).pipe(
              Effect.tap(() => Effect.sync(() => attempts.delete(id))),
              Effect.catchTag("RuleCheckUnavailable", (error) => retryLater(work, error))
            )
          })
        ),
        Effect.forever
      )

      // Catch-up: whatever changed between validateAll and the subscription, or had no answer from the controller.
      for (const kind of BOOT_ORDER) {
        for (const key of [...(yield* reflectorOf(kind).snapshot).keys()].sort()) {
          if (!(yield* upToDate(kind, key))) yield* enqueue({ kind, key, force: false })
        }
      }
      yield* Stream.fromQueue(changes).pipe(
        Stream.runForEach(({ key, kind }) => Effect.flatMap(dependents(kind, key), enqueueAll)),
        Effect.forkScoped
      )
      return yield* worker
    }).pipe(Effect.scoped, Effect.annotateLogs("component", "rule-validation"))

    const service: RuleValidation = { effective, subscribe, validateAll, run }
    return service
  })

const acceptedOnly = <R extends { readonly status?: { readonly status?: string | undefined } | undefined }>(
  store: ReadonlyMap<string, R>
): ReadonlyMap<string, R> => new Map([...store].filter(([, rule]) => rule.status?.status === "Accepted"))

/**
 * The rules in effect as their stored status says, without validating anything: what a replica that never led
 * assumes, and what `ako-ts plan` (read-only) diffs against.
 */
export const acceptedRules = (reflectors: ReflectorsShape) => ({
  effective: Effect.gen(function*() {
    return {
      hostRules: acceptedOnly(yield* reflectors.hostRules.snapshot),
      httpRules: acceptedOnly(yield* reflectors.httpRules.snapshot),
      l4Rules: acceptedOnly(yield* reflectors.l4Rules.snapshot),
      aviInfraSettings: acceptedOnly(yield* reflectors.aviInfraSettings.snapshot)
    } satisfies EffectiveRules
  }),
  subscribe: Effect.map(
    Effect.all([
      reflectors.hostRules.subscribe,
      reflectors.httpRules.subscribe,
      reflectors.l4Rules.subscribe,
      reflectors.aviInfraSettings.subscribe
    ]),
    ([hostRules, httpRules, l4Rules, aviInfraSettings]) =>
      Stream.mergeAll([
        Stream.map(hostRules, (key) => `HostRule/${key}`),
        Stream.map(httpRules, (key) => `HTTPRule/${key}`),
        Stream.map(l4Rules, (key) => `L4Rule/${key}`),
        Stream.map(aviInfraSettings, (key) => `AviInfraSetting/${key}`)
      ], { concurrency: "unbounded" })
  )
})
