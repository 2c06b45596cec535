/**
 * Entry points: the whole cluster, one unit, and which units a changed Kubernetes object affects.
 */
import { autoFqdn } from "./common.js"
import { resolveConflicts } from "./conflicts.js"
import type { DesiredState, DesiredUnit, Problem, Translation } from "./desired.js"
import { isHandledIngress, isHandledLoadBalancer } from "./filters.js"
import { hostRuleMatches } from "./hostrule.js"
import { INFRA_SETTING_ANNOTATION } from "./infra-setting.js"
import type { HostPath } from "./ingress.js"
import { ENABLE_TLS_ANNOTATION, parseIngress } from "./ingress.js"
import type { ClusterSnapshot, HostRule, HTTPRule, Ingress, ObjectRef, Service } from "./kube.js"
import { compareStrings, keyOf, refKey, SERVICE_NAME_LABEL } from "./kube.js"
import { translateService } from "./l4.js"
import { servicesNamingL4Rule } from "./l4rule.js"
import type { L7Rules } from "./l7.js"
import { NO_RULES, translateDedicated, translateShard, vsHostRule } from "./l7.js"
import {
  DEDICATED_SUFFIX,
  dedicatedVsName,
  DEFAULT_ROUTER_SECRET,
  l4VsName,
  shardVsNameForHost,
  unitKey
} from "./names.js"
import { parseRoute } from "./route.js"
import type { ModelSettings } from "./settings.js"

const sortedValues = <A>(map: ReadonlyMap<string, A>): ReadonlyArray<A> =>
  [...map.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, value]) => value)

/** The parent VS an Ingress/Route host lands on: its shard, or its own VS with DEDICATED. */
export const l7VsNameForHost = (settings: ModelSettings, host: string): string =>
  settings.shardVSSize === "DEDICATED" ?
    dedicatedVsName(settings.clusterName, host) :
    shardVsNameForHost(settings.clusterName, host, settings.shardVSSize)

interface L7Input {
  readonly paths: ReadonlyArray<HostPath>
  readonly problems: ReadonlyArray<Problem>
}

/** Host paths of every handled Ingress and Route, optionally only those landing on one VS. */
const l7Input = (snapshot: ClusterSnapshot, settings: ModelSettings, onlyVs?: string): L7Input => {
  const paths: Array<HostPath> = []
  const problems: Array<Problem> = []
  const keep = (host: string) => onlyVs === undefined || l7VsNameForHost(settings, host) === onlyVs
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (!isHandledIngress(snapshot, settings, ingress)) continue
    const parsed = parseIngress(snapshot, settings, ingress, keep)
    paths.push(...parsed.paths)
    problems.push(...parsed.problems)
  }
  for (const route of sortedValues(snapshot.routes)) {
    const parsed = parseRoute(snapshot, settings, route, keep)
    paths.push(...parsed.paths)
    problems.push(...parsed.problems)
  }
  return { paths, problems }
}

const rulesOf = (snapshot: ClusterSnapshot): L7Rules => ({
  hostRules: snapshot.hostRules,
  httpRules: snapshot.httpRules
})

/** Problems of the HostRules and HTTPRules that shape a unit (reported on the rules themselves). */
const ruleProblems = (
  settings: ModelSettings,
  rules: L7Rules,
  unit: DesiredUnit,
  paths: ReadonlyArray<HostPath>
): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = []
  if (rules.hostRules.size === 0) return problems
  if (unit.kind === "L7Dedicated") {
    const host = paths[0]?.host
    if (host !== undefined) problems.push(...vsHostRule(rules, host, "dedicated").problems)
  } else {
    problems.push(
      ...vsHostRule(rules, autoFqdn(settings, unit.virtualService, unit.tenant) ?? unit.virtualService, "parent")
        .problems
    )
    for (const host of new Set(paths.filter((p) => p.certificate !== undefined).map((p) => p.host))) {
      problems.push(...vsHostRule(rules, host, "child").problems)
    }
  }
  return problems
}

/** The L7 units of these host paths, one per VS, after conflicting claims are settled (`resolveConflicts`). */
const l7Units = (settings: ModelSettings, paths: ReadonlyArray<HostPath>, rules: L7Rules): L7Units => {
  const byVs = new Map<string, Array<HostPath>>()
  for (const p of paths) {
    const vs = l7VsNameForHost(settings, p.host)
    const list = byVs.get(vs)
    if (list === undefined) byVs.set(vs, [p])
    else list.push(p)
  }
  const dedicated = settings.shardVSSize === "DEDICATED"
  const units: Array<DesiredUnit> = []
  const problems: Array<Problem> = []
  for (const [vs, entries] of byVs) {
    const resolved = resolveConflicts(settings, entries, dedicated)
    problems.push(...resolved.problems)
    if (resolved.paths.length === 0 && dedicated) continue
    const unit = dedicated ?
      translateDedicated(settings, vs, resolved.paths[0]?.host ?? "", resolved.paths, rules) :
      translateShard(settings, vs, resolved.paths, rules)
    units.push(unit)
    problems.push(...ruleProblems(settings, rules, unit, resolved.paths))
  }
  return { units, problems }
}

interface L7Units {
  readonly units: ReadonlyArray<DesiredUnit>
  readonly problems: ReadonlyArray<Problem>
}

/** Everything: one pass over the snapshot. The result does not depend on the order of the snapshot's maps. */
export const translate = (snapshot: ClusterSnapshot, settings: ModelSettings): Translation => {
  const units: Array<DesiredUnit> = []
  const problems: Array<Problem> = []
  for (const service of sortedValues(snapshot.services)) {
    if (!isHandledLoadBalancer(snapshot, settings, service)) continue
    const result = translateService(snapshot, settings, service)
    if (result.unit !== undefined) units.push(result.unit)
    problems.push(...result.problems)
  }
  const l7 = l7Input(snapshot, settings)
  const built = l7Units(settings, l7.paths, rulesOf(snapshot))
  units.push(...built.units)
  problems.push(...l7.problems, ...built.problems)
  units.sort((a, b) => compareStrings(a.key, b.key))
  const desired = new Map<string, DesiredUnit>()
  for (const unit of units) {
    const existing = desired.get(unit.key)
    if (existing === undefined) {
      desired.set(unit.key, unit)
      continue
    }
    // Two Services whose `<ns>-<svc>` spell the same name (AKO's names collide there too): the first one keeps it.
    for (const owner of unit.owners) {
      problems.push({
        object: owner,
        field: "metadata.name",
        reason: "NameConflict",
        message: `the Avi name ${unit.virtualService} is already used for ${
          existing.owners.map((o) => `${o.namespace ?? ""}/${o.name}`).join(", ")
        }; this object is not programmed`
      })
    }
  }
  return { desired, problems }
}

/** `<cluster>--Shared-L7-<n>`: a shared parent VS, which AKO never deletes for being empty. */
export const isSharedL7VsName = (settings: ModelSettings, vsName: string): boolean =>
  vsName.startsWith(`${settings.clusterName}--Shared-L7-`) &&
  /^\d+$/.test(vsName.slice(`${settings.clusterName}--Shared-L7-`.length))

/**
 * What a shared VS looks like once its last host is gone: AKO keeps the parent VS, its VsVip (auto FQDN only, so the
 * IP stays), an empty pool group and the datascript. The reconciler uses this instead of deleting an existing shard.
 */
export const emptyShardUnit = (settings: ModelSettings, vsName: string, rules: L7Rules = NO_RULES): DesiredUnit =>
  translateShard(settings, vsName, [], rules)

export interface UnitTranslation {
  /** Undefined: nothing should exist under this key any more (the reconciler deletes what it has). */
  readonly unit: DesiredUnit | undefined
  readonly problems: ReadonlyArray<Problem>
}

const isL7VsName = (settings: ModelSettings, vsName: string): boolean =>
  vsName.startsWith(`${settings.clusterName}--Shared-L7-`) || vsName.endsWith(DEDICATED_SUFFIX)

/**
 * One unit by key (`<tenant>/<vsName>`), recomputed from the snapshot: what a work-queue item needs. Equal to the
 * entry of the same key in `translate(snapshot, settings).desired`.
 */
export const translateUnit = (key: string, snapshot: ClusterSnapshot, settings: ModelSettings): UnitTranslation => {
  const prefix = `${settings.tenantName}/`
  if (!key.startsWith(prefix)) return { unit: undefined, problems: [] }
  const vsName = key.slice(prefix.length)
  if (isL7VsName(settings, vsName)) {
    const l7 = l7Input(snapshot, settings, vsName)
    const built = l7Units(settings, l7.paths, rulesOf(snapshot))
    return { unit: built.units[0], problems: [...l7.problems, ...built.problems] }
  }
  // `<ns>-<svc>` can be read more than one way; as in translate, the first handled Service in key order wins.
  let found: { key: string; service: Service } | undefined
  for (const [key, service] of snapshot.services) {
    if (found !== undefined && compareStrings(key, found.key) >= 0) continue
    const ns = service.metadata?.namespace ?? ""
    const name = service.metadata?.name ?? ""
    if (l4VsName(settings.clusterName, ns, name) !== vsName) continue
    if (!isHandledLoadBalancer(snapshot, settings, service)) continue
    found = { key, service }
  }
  return found === undefined ? { unit: undefined, problems: [] } : translateService(snapshot, settings, found.service)
}

const usesService = (ingress: Ingress, serviceName: string): boolean =>
  (ingress.spec?.rules ?? []).some((rule) =>
    (rule.http?.paths ?? []).some((p) => p.backend?.service?.name === serviceName)
  )

/**
 * The L7 unit keys of an Ingress's or Route's hosts, without building anything: the host filter sees every host and
 * refuses it, so no servers, certificates or problems are computed. A superset is fine for a work queue.
 */
const l7KeysOf = (
  settings: ModelSettings,
  parse: (hostFilter: (host: string) => boolean) => unknown
): ReadonlyArray<string> => {
  const keys: Array<string> = []
  parse((host) => {
    keys.push(unitKey(settings.tenantName, l7VsNameForHost(settings, host)))
    return false
  })
  return keys
}

/**
 * The units a changed object currently feeds. Units it fed before the change are found in the previous desired
 * state with `unitsOwnedBy`; a work queue enqueues the union of both.
 */
export const unitKeysFor = (
  object: ObjectRef,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<string> => {
  const keys = new Set<string>()
  const addIngresses = (predicate: (ingress: Ingress) => boolean) => {
    for (const ingress of sortedValues(snapshot.ingresses)) {
      if (!isHandledIngress(snapshot, settings, ingress) || !predicate(ingress)) continue
      const parse = (filter: (host: string) => boolean) => parseIngress(snapshot, settings, ingress, filter)
      for (const key of l7KeysOf(settings, parse)) keys.add(key)
    }
  }
  const addRoutes = (predicate: (route: NonNullable<ReturnType<ClusterSnapshot["routes"]["get"]>>) => boolean) => {
    for (const route of sortedValues(snapshot.routes)) {
      if (!predicate(route)) continue
      const parse = (filter: (host: string) => boolean) => parseRoute(snapshot, settings, route, filter)
      for (const key of l7KeysOf(settings, parse)) keys.add(key)
    }
  }
  const addService = (namespace: string, name: string) => {
    const service: Service | undefined = snapshot.services.get(`${namespace}/${name}`)
    if (service !== undefined && isHandledLoadBalancer(snapshot, settings, service)) {
      keys.add(unitKey(settings.tenantName, l4VsName(settings.clusterName, namespace, name)))
    }
    addIngresses((ingress) => ingress.metadata?.namespace === namespace && usesService(ingress, name))
    addRoutes((route) =>
      route.metadata?.namespace === namespace &&
      (route.spec?.to?.name === name || (route.spec?.alternateBackends ?? []).some((b) => b.name === name))
    )
  }
  const namespace = object.namespace ?? ""
  switch (object.kind) {
    case "Service":
      addService(namespace, object.name)
      break
    case "EndpointSlice": {
      const slice = snapshot.endpointSlices.get(keyOf("EndpointSlice", namespace, object.name))
      const service = slice?.metadata?.labels?.[SERVICE_NAME_LABEL]
      if (service !== undefined) addService(namespace, service)
      break
    }
    case "Ingress": {
      const ingress = snapshot.ingresses.get(`${namespace}/${object.name}`)
      if (ingress !== undefined) addIngresses((candidate) => candidate === ingress)
      break
    }
    case "Route": {
      const route = snapshot.routes.get(`${namespace}/${object.name}`)
      if (route !== undefined) addRoutes((candidate) => candidate === route)
      break
    }
    case "IngressClass":
      addIngresses(() => true)
      break
    case "Secret": {
      const isDefault = namespace === settings.akoNamespace && object.name === DEFAULT_ROUTER_SECRET
      addIngresses((ingress) =>
        (ingress.metadata?.namespace === namespace &&
          (ingress.spec?.tls ?? []).some((tls) => tls.secretName === object.name)) ||
        (isDefault && ingress.metadata?.annotations?.[ENABLE_TLS_ANNOTATION] === "true")
      )
      // A HostRule's certificate of type `secret` comes from a Secret in the rule's namespace.
      for (const rule of snapshot.hostRules.values()) {
        const certificate = rule.spec?.virtualhost?.tls?.sslKeyCertificate
        if (
          rule.metadata?.namespace === namespace && certificate?.type === "secret" && certificate.name === object.name
        ) {
          for (const key of unitKeysForHostRule(rule, snapshot, settings, [])) keys.add(key)
        }
      }
      break
    }
    case "Namespace":
      for (const service of sortedValues(snapshot.services)) {
        if (service.metadata?.namespace === object.name) addService(object.name, service.metadata.name ?? "")
      }
      addIngresses((ingress) => ingress.metadata?.namespace === object.name)
      addRoutes((route) => route.metadata?.namespace === object.name)
      break
    case "Node":
      if (settings.serviceType === "NodePort") {
        for (const service of snapshot.services.values()) {
          if (!isHandledLoadBalancer(snapshot, settings, service)) continue
          const ns = service.metadata?.namespace ?? ""
          keys.add(unitKey(settings.tenantName, l4VsName(settings.clusterName, ns, service.metadata?.name ?? "")))
        }
        addIngresses(() => true)
        addRoutes(() => true)
      }
      break
  }
  return [...keys].sort(compareStrings)
}

/**
 * Units of a previous desired state that `object` was an owner of; for a Namespace, every unit with an owner in it.
 */
export const unitsOwnedBy = (state: DesiredState, object: ObjectRef): ReadonlyArray<string> => {
  const wanted = refKey(object)
  const matches = object.kind === "Namespace" ?
    (owner: ObjectRef) => owner.namespace === object.name :
    (owner: ObjectRef) => refKey(owner) === wanted
  const keys: Array<string> = []
  for (const unit of state.values()) {
    if (unit.owners.some(matches)) keys.push(unit.key)
  }
  return keys.sort(compareStrings)
}

interface HostIndex {
  /** What else decides which hosts are handled: the index is rebuilt when any of them is another map. */
  readonly routes: ClusterSnapshot["routes"]
  readonly ingressClasses: ClusterSnapshot["ingressClasses"]
  readonly namespaces: ClusterSnapshot["namespaces"]
  readonly byNamespace: Map<string, ReadonlyMap<string, string>>
}

const hostIndexes = new WeakMap<ClusterSnapshot["ingresses"], HostIndex>()

/**
 * Every host of a handled Ingress or Route (optionally of one namespace), with the unit it lands on. Kept per
 * snapshot: a batch of rule changes asks once, not once per rule.
 */
const l7Hosts = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  namespace?: string
): ReadonlyMap<string, string> => {
  let index = hostIndexes.get(snapshot.ingresses)
  if (
    index === undefined || index.routes !== snapshot.routes || index.ingressClasses !== snapshot.ingressClasses ||
    index.namespaces !== snapshot.namespaces
  ) {
    index = {
      routes: snapshot.routes,
      ingressClasses: snapshot.ingressClasses,
      namespaces: snapshot.namespaces,
      byNamespace: new Map()
    }
    hostIndexes.set(snapshot.ingresses, index)
  }
  const id = namespace === undefined ? "" : `ns:${namespace}`
  const known = index.byNamespace.get(id)
  if (known !== undefined) return known
  const hosts = collectL7Hosts(snapshot, settings, namespace)
  index.byNamespace.set(id, hosts)
  return hosts
}

const collectL7Hosts = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  namespace: string | undefined
): ReadonlyMap<string, string> => {
  const hosts = new Map<string, string>()
  const record = (host: string) => {
    if (!hosts.has(host)) hosts.set(host, unitKey(settings.tenantName, l7VsNameForHost(settings, host)))
    return false
  }
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (namespace !== undefined && ingress.metadata?.namespace !== namespace) continue
    if (!isHandledIngress(snapshot, settings, ingress)) continue
    parseIngress(snapshot, settings, ingress, record)
  }
  for (const route of sortedValues(snapshot.routes)) {
    if (namespace !== undefined && route.metadata?.namespace !== namespace) continue
    parseRoute(snapshot, settings, route, record)
  }
  return hosts
}

/**
 * The units a HostRule (as it was, or as it is) shapes: those of every Ingress or Route host it matches, and shared
 * parents whose FQDN it matches. `shardUnits`: the shard units that exist (their parents can match by FQDN).
 * Unlike AKO (reference §1.10, a quirk), a `Contains` rule re-processes the hosts it matches at once.
 */
export const unitKeysForHostRule = (
  rule: HostRule,
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  shardUnits: Iterable<string>
): ReadonlyArray<string> => {
  const keys = new Set<string>()
  for (const [host, key] of l7Hosts(snapshot, settings)) if (hostRuleMatches(rule, host)) keys.add(key)
  for (const key of shardUnits) {
    const vsName = key.slice(settings.tenantName.length + 1)
    if (hostRuleMatches(rule, autoFqdn(settings, vsName, settings.tenantName) ?? vsName)) keys.add(key)
  }
  return [...keys].sort(compareStrings)
}

/** The units of an HTTPRule's host, from Ingresses and Routes in the rule's namespace. */
export const unitKeysForHttpRule = (
  rule: HTTPRule,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<string> => {
  const key = l7Hosts(snapshot, settings, rule.metadata?.namespace ?? "").get(rule.spec?.fqdn ?? "")
  return key === undefined ? [] : [key]
}

/** The units of the Services that name an L4Rule (`ns/name`): recomputed when the rule changes, appears or goes. */
export const unitKeysForL4Rule = (
  ruleKey: string,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<string> =>
  servicesNamingL4Rule(snapshot, ruleKey)
    .filter((service) => isHandledLoadBalancer(snapshot, settings, service))
    .map((service) =>
      unitKey(
        settings.tenantName,
        l4VsName(settings.clusterName, service.metadata?.namespace ?? "", service.metadata?.name ?? "")
      )
    )

/**
 * The units an AviInfraSetting (by name) shapes: the LoadBalancer Services that name it, or whose Namespace names
 * it while they name none themselves.
 */
export const unitKeysForInfraSetting = (
  name: string,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<string> =>
  [...snapshot.services.values()]
    .filter((service) => {
      const own = service.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
      const bound = own !== undefined && own !== "" ?
        own :
        snapshot.namespaces.get(service.metadata?.namespace ?? "")?.metadata?.annotations?.[INFRA_SETTING_ANNOTATION]
      return bound === name && isHandledLoadBalancer(snapshot, settings, service)
    })
    .map((service) =>
      unitKey(
        settings.tenantName,
        l4VsName(settings.clusterName, service.metadata?.namespace ?? "", service.metadata?.name ?? "")
      )
    )
