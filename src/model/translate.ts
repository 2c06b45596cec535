/**
 * Entry points: the whole cluster, one unit, and which units a changed Kubernetes object affects.
 */
import { autoFqdn } from "./common.js"
import { resolveConflicts } from "./conflicts.js"
import type { DesiredState, DesiredUnit, Problem, StatusIntent, Translation } from "./desired.js"
import { isHandledIngress, isHandledLoadBalancer } from "./filters.js"
import { hostRuleMatches } from "./hostrule.js"
import type { L7InfraBinding } from "./infra-setting.js"
import {
  annotatedInfraSetting,
  infraSettingForIngress,
  infraSettingForRoute,
  ingressClassInfraSetting,
  ingressClassOf,
  settingsUnder
} from "./infra-setting.js"
import type { HostPath } from "./ingress.js"
import { ENABLE_TLS_ANNOTATION, parseIngress } from "./ingress.js"
import type { ClusterSnapshot, HostRule, HTTPRule, Ingress, ObjectRef, Route, Service } from "./kube.js"
import { compareStrings, keyOf, objectRef, refKey, SERVICE_NAME_LABEL } from "./kube.js"
import { translateService } from "./l4.js"
import { servicesNamingL4Rule } from "./l4rule.js"
import type { L7Rules } from "./l7.js"
import { NO_RULES, translateDedicated, translateShard, vsHostRule } from "./l7.js"
import {
  DEDICATED_SUFFIX,
  dedicatedVsName,
  DEFAULT_ROUTER_SECRET,
  l4VsName,
  namePrefix,
  shardVsNameForHost,
  sharedVipVsName,
  sniChildVsName,
  unitKey
} from "./names.js"
import type { PassthroughHost } from "./passthrough.js"
import {
  isPassthroughIngress,
  isPassthroughRoute,
  isPassthroughVsName,
  parsePassthroughIngress,
  parsePassthroughRoute,
  passthroughVsName,
  translatePassthroughShard
} from "./passthrough.js"
import { parseRoute } from "./route.js"
import type { ModelSettings } from "./settings.js"
import { sharedVipGroups, sharedVipKeyOf, translateSharedVip } from "./shared-vip.js"
import { namespaceTenant, settingsInNamespace, settingsInTenant, unitKeyParts } from "./tenants.js"

const sortedValues = <A>(map: ReadonlyMap<string, A>): ReadonlyArray<A> =>
  [...map.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, value]) => value)

/** The parent VS an Ingress/Route host lands on: its shard, or its own VS with DEDICATED. */
export const l7VsNameForHost = (settings: ModelSettings, host: string): string =>
  settings.shardVSSize === "DEDICATED" ?
    dedicatedVsName(settings.clusterName, host, settings.infraName) :
    shardVsNameForHost(settings.clusterName, host, settings.shardVSSize, settings.infraName)

/** What an Ingress's or Route's AviInfraSetting makes of the settings its hosts are built with. */
interface Placed {
  readonly binding: L7InfraBinding
  readonly settings: ModelSettings
}

const placedIngress = (snapshot: ClusterSnapshot, settings: ModelSettings, ingress: Ingress): Placed => {
  const binding = infraSettingForIngress(snapshot, ingress)
  const inTenant = settingsInNamespace(snapshot, settings, ingress.metadata?.namespace ?? "")
  return { binding, settings: settingsUnder(inTenant, binding.bound) }
}

const placedRoute = (snapshot: ClusterSnapshot, settings: ModelSettings, route: Route): Placed => {
  const binding = infraSettingForRoute(snapshot, route)
  const inTenant = settingsInNamespace(snapshot, settings, route.metadata?.namespace ?? "")
  return { binding, settings: settingsUnder(inTenant, binding.bound) }
}

/** The settings a host path's VS is built with: its namespace's tenant, then its AviInfraSetting. */
const placeOf = (
  settings: ModelSettings,
  p: { readonly tenant?: string | undefined; readonly infra?: L7InfraBinding["bound"] }
) => settingsUnder(settingsInTenant(settings, p.tenant ?? settings.tenantName), p.infra)

/** One unit of the L7 translation: a VS name in a tenant. */
interface UnitTarget {
  readonly tenant: string
  readonly vsName: string
}

const withInfra = (paths: ReadonlyArray<HostPath>, binding: L7InfraBinding): ReadonlyArray<HostPath> =>
  binding.bound === undefined ? paths : paths.map((p) => ({ ...p, infra: binding.bound }))

interface L7Input {
  readonly paths: ReadonlyArray<HostPath>
  /** Host paths of objects whose AviInfraSetting exists but is not in effect: their VSes are held as they are. */
  readonly held: ReadonlyArray<HostPath>
  readonly problems: ReadonlyArray<Problem>
}

/** Host paths of every handled Ingress and Route, optionally only those landing on one VS. */
const l7Input = (snapshot: ClusterSnapshot, settings: ModelSettings, only?: UnitTarget): L7Input => {
  const paths: Array<HostPath> = []
  const held: Array<HostPath> = []
  const problems: Array<Problem> = []
  const keeper = (placed: ModelSettings) => (host: string) =>
    only === undefined || (placed.tenantName === only.tenant && l7VsNameForHost(placed, host) === only.vsName)
  const take = (
    namespace: string,
    binding: L7InfraBinding,
    parse: (placed: ModelSettings, keep: (host: string) => boolean) => ReturnType<typeof parseIngress>
  ) => {
    problems.push(...binding.problems)
    const tenant = namespaceTenant(snapshot, settings, namespace)
    const inTenant = settingsInTenant(settings, tenant)
    if (binding.held !== undefined) {
      // Only the names matter: the hosts' VSes under the setting as stored.
      const heldSettings = settingsUnder(inTenant, binding.held)
      held.push(
        ...parse(heldSettings, keeper(heldSettings)).paths.map((p) => ({ ...p, infra: binding.held, tenant }))
      )
      return
    }
    if (binding.dropped) return
    const placed = settingsUnder(inTenant, binding.bound)
    const parsed = parse(placed, keeper(placed))
    paths.push(...withInfra(parsed.paths, binding).map((p) => ({ ...p, tenant })))
    problems.push(...parsed.problems)
  }
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (!isHandledIngress(snapshot, settings, ingress)) continue
    take(
      ingress.metadata?.namespace ?? "",
      infraSettingForIngress(snapshot, ingress),
      (placed, keep) => parseIngress(snapshot, placed, ingress, keep)
    )
  }
  for (const route of sortedValues(snapshot.routes)) {
    take(
      route.metadata?.namespace ?? "",
      infraSettingForRoute(snapshot, route),
      (placed, keep) => parseRoute(snapshot, placed, route, keep)
    )
  }
  return { paths, held, problems }
}

/** A passthrough host with the AviInfraSetting placement it is built under. */
interface PlacedPassthrough {
  readonly entry: PassthroughHost
  readonly infra: L7InfraBinding["bound"]
  readonly tenant: string
}

interface PassthroughInput {
  readonly hosts: ReadonlyArray<PlacedPassthrough>
  /** Hosts of objects whose AviInfraSetting exists but is not in effect: their shards are held as they are. */
  readonly held: ReadonlyArray<PlacedPassthrough>
  readonly problems: ReadonlyArray<Problem>
}

/** Passthrough hosts of every handled Ingress and Route, optionally only those landing on one shard. */
const passthroughInput = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  only?: UnitTarget
): PassthroughInput => {
  const hosts: Array<PlacedPassthrough> = []
  const held: Array<PlacedPassthrough> = []
  const problems: Array<Problem> = []
  const keeper = (placed: ModelSettings, bound: L7InfraBinding["bound"]) => (host: string) =>
    only === undefined || (placed.tenantName === only.tenant && passthroughVsName(placed, host, bound) === only.vsName)
  const take = (
    namespace: string,
    binding: L7InfraBinding,
    parse: (placed: ModelSettings, keep: (host: string) => boolean) => ReturnType<typeof parsePassthroughRoute>
  ) => {
    const tenant = namespaceTenant(snapshot, settings, namespace)
    const inTenant = settingsInTenant(settings, tenant)
    if (binding.held !== undefined) {
      const heldSettings = settingsUnder(inTenant, binding.held)
      held.push(
        ...parse(heldSettings, keeper(heldSettings, binding.held)).hosts.map((entry) => ({
          entry,
          infra: binding.held,
          tenant
        }))
      )
      return
    }
    if (binding.dropped) return
    const placed = settingsUnder(inTenant, binding.bound)
    const parsed = parse(placed, keeper(placed, binding.bound))
    hosts.push(...parsed.hosts.map((entry) => ({ entry, infra: binding.bound, tenant })))
    problems.push(...parsed.problems)
  }
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (!isHandledIngress(snapshot, settings, ingress) || !isPassthroughIngress(ingress)) continue
    take(
      ingress.metadata?.namespace ?? "",
      infraSettingForIngress(snapshot, ingress),
      (placed, keep) => parsePassthroughIngress(snapshot, placed, ingress, keep)
    )
  }
  for (const route of sortedValues(snapshot.routes)) {
    if (!isPassthroughRoute(route)) continue
    take(
      route.metadata?.namespace ?? "",
      infraSettingForRoute(snapshot, route),
      (placed, keep) => parsePassthroughRoute(snapshot, placed, route, keep)
    )
  }
  return { hosts, held, problems }
}

/** The passthrough shards of these hosts; every host of a shard shares the first host's placement. */
const passthroughUnits = (
  settings: ModelSettings,
  input: PassthroughInput
): { readonly units: ReadonlyArray<DesiredUnit>; readonly problems: ReadonlyArray<Problem> } => {
  // By tenant and shard: the same shard name in two tenants is two VSes.
  const group = (entries: ReadonlyArray<PlacedPassthrough>) => {
    const byKey = new Map<string, { readonly vs: string; readonly entries: Array<PlacedPassthrough> }>()
    for (const placed of entries) {
      const vs = passthroughVsName(placeOf(settings, placed), placed.entry.host, placed.infra)
      const key = unitKey(placed.tenant, vs)
      const group = byKey.get(key)
      if (group === undefined) byKey.set(key, { vs, entries: [placed] })
      else group.entries.push(placed)
    }
    return byKey
  }
  const units: Array<DesiredUnit> = []
  const problems: Array<Problem> = []
  for (const { vs, entries } of group(input.hosts).values()) {
    const built = translatePassthroughShard(
      entries[0] === undefined ? settings : placeOf(settings, entries[0]),
      vs,
      entries.map((p) => p.entry)
    )
    units.push(built.unit)
    problems.push(...built.problems)
  }
  const built = new Set(units.map((unit) => unit.key))
  for (const [key, { entries, vs }] of group(input.held)) {
    if (built.has(key)) continue
    const tenant = entries[0]?.tenant ?? settings.tenantName
    const owners = new Map<string, ObjectRef>()
    for (const { entry } of entries) owners.set(refKey(entry.source), entry.source)
    units.push({
      key,
      kind: "Passthrough",
      tenant,
      virtualService: vs,
      owners: [...owners].sort(([a], [b]) => compareStrings(a, b)).map(([, owner]) => owner),
      objects: [],
      statuses: entries.map(({ entry }) => ({
        object: entry.source,
        vsVip: vs,
        virtualService: vs,
        hosts: [entry.host]
      }))
        .sort((a, b) =>
          compareStrings(`${refKey(a.object)} ${a.hosts[0] ?? ""}`, `${refKey(b.object)} ${b.hosts[0] ?? ""}`)
        ),
      held: true
    })
  }
  return { units, problems }
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

/**
 * The VSes of objects whose AviInfraSetting is not in effect, kept as Avi has them: no objects to write, statuses
 * pointing at the VS (and SNI child) the host has. A VS that other objects' hosts land on too is built instead, so
 * only the held hosts leave it.
 */
const heldUnits = (
  settings: ModelSettings,
  held: ReadonlyArray<HostPath>,
  built: ReadonlySet<string>
): ReadonlyArray<DesiredUnit> => {
  const byKey = new Map<string, { readonly vs: string; readonly entries: Array<HostPath> }>()
  for (const p of held) {
    const vs = l7VsNameForHost(placeOf(settings, p), p.host)
    const key = unitKey(p.tenant ?? settings.tenantName, vs)
    if (built.has(key)) continue
    const group = byKey.get(key)
    if (group === undefined) byKey.set(key, { vs, entries: [p] })
    else group.entries.push(p)
  }
  return [...byKey].map(([key, { entries, vs }]) => {
    const unitSettings = entries[0] === undefined ? settings : placeOf(settings, entries[0])
    const dedicated = unitSettings.shardVSSize === "DEDICATED"
    const owners = new Map<string, ObjectRef>()
    const statuses = new Map<string, StatusIntent>()
    for (const p of entries) {
      owners.set(refKey(p.source), p.source)
      const child = p.certificate !== undefined && !dedicated ?
        sniChildVsName(settings.clusterName, p.host, unitSettings.infraName) :
        vs
      statuses.set(`${refKey(p.source)} ${p.host}`, {
        object: p.source,
        vsVip: vs,
        virtualService: child,
        hosts: [p.host]
      })
    }
    const sortedEntries = <A>(map: ReadonlyMap<string, A>) =>
      [...map].sort(([a], [b]) => compareStrings(a, b)).map(([, value]) => value)
    return {
      key,
      kind: dedicated ? "L7Dedicated" : "L7Shard",
      tenant: unitSettings.tenantName,
      virtualService: vs,
      owners: sortedEntries(owners),
      objects: [],
      statuses: sortedEntries(statuses),
      held: true
    }
  })
}

/** The L7 units of these host paths, one per VS, after conflicting claims are settled (`resolveConflicts`). */
const l7Units = (settings: ModelSettings, paths: ReadonlyArray<HostPath>, rules: L7Rules): L7Units => {
  // By tenant and VS name: AKO's model name `<tenant>/<vs>`, so a shard name in two tenants is two VSes.
  const byKey = new Map<string, { readonly vs: string; readonly entries: Array<HostPath> }>()
  for (const p of paths) {
    const vs = l7VsNameForHost(placeOf(settings, p), p.host)
    const key = unitKey(p.tenant ?? settings.tenantName, vs)
    const group = byKey.get(key)
    if (group === undefined) byKey.set(key, { vs, entries: [p] })
    else group.entries.push(p)
  }
  const units: Array<DesiredUnit> = []
  const problems: Array<Problem> = []
  for (const { vs, entries } of byKey.values()) {
    // Every host of a VS shares its placement: the first path's (in AKO, whichever object built the VS last).
    const unitSettings = entries[0] === undefined ? settings : placeOf(settings, entries[0])
    const dedicated = unitSettings.shardVSSize === "DEDICATED"
    const resolved = resolveConflicts(unitSettings, entries, dedicated)
    problems.push(...resolved.problems)
    if (resolved.paths.length === 0 && dedicated) continue
    const unit = dedicated ?
      translateDedicated(unitSettings, vs, resolved.paths[0]?.host ?? "", resolved.paths, rules) :
      translateShard(unitSettings, vs, resolved.paths, rules)
    units.push(unit)
    problems.push(...ruleProblems(unitSettings, rules, unit, resolved.paths))
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
  const sharing: Array<Service> = []
  for (const service of sortedValues(snapshot.services)) {
    if (!isHandledLoadBalancer(snapshot, settings, service)) continue
    if (sharedVipKeyOf(service) !== undefined) {
      sharing.push(service)
      continue
    }
    const result = translateService(snapshot, settings, service)
    if (result.unit !== undefined) units.push(result.unit)
    problems.push(...result.problems)
  }
  // After the Services' own VSes: where a shared VIP's name equals a Service's VS name, the Service's VS keeps it.
  for (const group of sharedVipGroups(sharing)) {
    const result = translateSharedVip(snapshot, settings, group)
    if (result.unit !== undefined) units.push(result.unit)
    problems.push(...result.problems)
  }
  const l7 = l7Input(snapshot, settings)
  const built = l7Units(settings, l7.paths, rulesOf(snapshot))
  units.push(...built.units)
  units.push(...heldUnits(settings, l7.held, new Set(built.units.map((unit) => unit.key))))
  problems.push(...l7.problems, ...built.problems)
  const passthrough = passthroughInput(snapshot, settings)
  const passthroughBuilt = passthroughUnits(settings, passthrough)
  units.push(...passthroughBuilt.units)
  problems.push(...passthrough.problems, ...passthroughBuilt.problems)
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

/** `<cluster>--Shared-L7-[<infra>-]<n>`: a shared parent VS, which AKO never deletes for being empty. */
export const isSharedL7VsName = (settings: ModelSettings, vsName: string): boolean =>
  sharedShardInfra(settings, vsName) !== undefined

/** The AviInfraSetting in a shared VS's name (`""` for none); undefined when it is no shared VS name. */
const sharedShardInfra = (settings: ModelSettings, vsName: string): string | undefined => {
  const prefix = `${settings.clusterName}--Shared-L7-`
  if (!vsName.startsWith(prefix)) return undefined
  const match = /^(?:(.+)-)?(\d+)$/.exec(vsName.slice(prefix.length))
  return match === null ? undefined : match[1] ?? ""
}

/**
 * What a shared VS looks like once its last host is gone: AKO keeps the parent VS, its VsVip (auto FQDN only, so the
 * IP stays), an empty pool group and the datascript. The reconciler uses this instead of deleting an existing shard.
 * A shard of an AviInfraSetting is kept only while the setting is in effect (under its placement); without it, the
 * shard goes.
 */
export const emptyShardUnit = (
  settings: ModelSettings,
  vsName: string,
  snapshot: L7Rules & { readonly aviInfraSettings?: ClusterSnapshot["aviInfraSettings"] } = NO_RULES
): DesiredUnit | undefined => {
  const infra = sharedShardInfra(settings, vsName)
  if (infra === undefined) return undefined
  if (infra === "") return translateShard(settings, vsName, [], snapshot)
  const setting = snapshot.aviInfraSettings?.get(infra)
  if (setting === undefined) return undefined
  return translateShard(settingsUnder(settings, { name: infra, setting, namespaceScoped: false }), vsName, [], snapshot)
}

export interface UnitTranslation {
  /** Undefined: nothing should exist under this key any more (the reconciler deletes what it has). */
  readonly unit: DesiredUnit | undefined
  readonly problems: ReadonlyArray<Problem>
}

const isL7VsName = (settings: ModelSettings, vsName: string): boolean =>
  vsName.startsWith(`${settings.clusterName}--Shared-L7-`) || vsName.endsWith(DEDICATED_SUFFIX)

/**
 * The handled Service whose own L4 VS is `vsName`, found by lookups: every way of reading the name as
 * `<cluster>--<ns>-<svc>` is tried, and the first in key order wins, as in `translate`. A scan of every Service per
 * unit made a burst of N new Services cost N² name comparisons (10,000 Services: 10⁸). Every Service whose own VS
 * could carry that name is among the readings, so undefined means none does: the VS is a shared VIP's, or gone.
 */
const dedicatedServiceNamed = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  tenant: string,
  vsName: string
): Service | undefined => {
  const prefix = namePrefix(settings.clusterName)
  if (!vsName.startsWith(prefix)) return undefined
  const rest = vsName.slice(prefix.length)
  let found: { key: string; service: Service } | undefined
  for (let dash = rest.indexOf("-"); dash >= 0; dash = rest.indexOf("-", dash + 1)) {
    const key = `${rest.slice(0, dash)}/${rest.slice(dash + 1)}`
    const service = snapshot.services.get(key)
    if (service === undefined || sharedVipKeyOf(service) !== undefined) continue
    if (found !== undefined && compareStrings(key, found.key) >= 0) continue
    const ns = service.metadata?.namespace ?? ""
    if (l4VsName(settings.clusterName, ns, service.metadata?.name ?? "") !== vsName) continue
    if (namespaceTenant(snapshot, settings, ns) !== tenant) continue
    if (!isHandledLoadBalancer(snapshot, settings, service)) continue
    found = { key, service }
  }
  return found?.service
}

/**
 * One unit by key (`<tenant>/<vsName>`), recomputed from the snapshot: what a work-queue item needs. Equal to the
 * entry of the same key in `translate(snapshot, settings).desired`.
 */
export const translateUnit = (key: string, snapshot: ClusterSnapshot, settings: ModelSettings): UnitTranslation => {
  if (!key.includes("/")) return { unit: undefined, problems: [] }
  const target = unitKeyParts(key, settings.tenantName)
  const { tenant, vsName } = target
  if (isPassthroughVsName(settings.clusterName, vsName)) {
    const input = passthroughInput(snapshot, settings, target)
    const built = passthroughUnits(settings, input)
    return { unit: built.units[0], problems: [...input.problems, ...built.problems] }
  }
  if (isL7VsName(settings, vsName)) {
    const l7 = l7Input(snapshot, settings, target)
    const built = l7Units(settings, l7.paths, rulesOf(snapshot))
    const unit = built.units[0] ?? heldUnits(settings, l7.held, new Set())[0]
    return { unit, problems: [...l7.problems, ...built.problems] }
  }
  // `<ns>-<svc>` can be read more than one way; as in translate, the first handled Service in key order wins.
  const named = dedicatedServiceNamed(snapshot, settings, tenant, vsName)
  if (named !== undefined) return translateService(snapshot, settings, named)
  // Shared VIPs stay in `tenantName` whatever their namespace's tenant (AKO `lib.GetTenant()`).
  const sharing = tenant !== settings.tenantName ? [] : [...snapshot.services.values()].filter((service) => {
    const sharedKey = sharedVipKeyOf(service)
    return sharedKey !== undefined &&
      sharedVipVsName(settings.clusterName, service.metadata?.namespace ?? "", sharedKey) === vsName
  })
  // A shared VIP's members (and only its, or another namespace's whose name reads the same: the first such VIP wins).
  const handled = sharing.filter((service) => isHandledLoadBalancer(snapshot, settings, service))
  const group = sharedVipGroups(handled)[0]
  return group === undefined ? { unit: undefined, problems: [] } : translateSharedVip(snapshot, settings, group)
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

/** The passthrough shard keys of an object's hosts, without building anything (as `l7KeysOf`). */
const passthroughKeysOf = (
  settings: ModelSettings,
  bound: L7InfraBinding["bound"],
  parse: (hostFilter: (host: string) => boolean) => unknown
): ReadonlyArray<string> => {
  const keys: Array<string> = []
  parse((host) => {
    keys.push(unitKey(settings.tenantName, passthroughVsName(settings, host, bound)))
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
      const placed = placedIngress(snapshot, settings, ingress)
      if (placed.binding.dropped) continue
      const parse = (filter: (host: string) => boolean) => parseIngress(snapshot, placed.settings, ingress, filter)
      for (const key of l7KeysOf(placed.settings, parse)) keys.add(key)
      const pass = (filter: (host: string) => boolean) =>
        parsePassthroughIngress(snapshot, placed.settings, ingress, filter)
      for (const key of passthroughKeysOf(placed.settings, placed.binding.bound, pass)) keys.add(key)
    }
  }
  const addRoutes = (predicate: (route: NonNullable<ReturnType<ClusterSnapshot["routes"]["get"]>>) => boolean) => {
    for (const route of sortedValues(snapshot.routes)) {
      if (!predicate(route)) continue
      const placed = placedRoute(snapshot, settings, route)
      if (placed.binding.dropped) continue
      const parse = (filter: (host: string) => boolean) => parseRoute(snapshot, placed.settings, route, filter)
      for (const key of l7KeysOf(placed.settings, parse)) keys.add(key)
      const pass = (filter: (host: string) => boolean) =>
        parsePassthroughRoute(snapshot, placed.settings, route, filter)
      for (const key of passthroughKeysOf(placed.settings, placed.binding.bound, pass)) keys.add(key)
    }
  }
  const addService = (namespace: string, name: string) => {
    const service: Service | undefined = snapshot.services.get(`${namespace}/${name}`)
    if (service !== undefined && isHandledLoadBalancer(snapshot, settings, service)) {
      keys.add(l4UnitKey(snapshot, settings, service))
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
      // Edge and re-encrypt Routes without an inline certificate are served with the default one (and its `alt.*`).
      if (isDefault) {
        addRoutes((route) => {
          const tls = route.spec?.tls
          return (tls?.termination === "edge" || tls?.termination === "reencrypt") &&
            ((tls.certificate ?? "") === "" || (tls.key ?? "") === "")
        })
      }
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
          if (isHandledLoadBalancer(snapshot, settings, service)) keys.add(l4UnitKey(snapshot, settings, service))
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
  readonly aviInfraSettings: ClusterSnapshot["aviInfraSettings"]
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
    index.namespaces !== snapshot.namespaces || index.aviInfraSettings !== snapshot.aviInfraSettings
  ) {
    index = {
      routes: snapshot.routes,
      ingressClasses: snapshot.ingressClasses,
      namespaces: snapshot.namespaces,
      aviInfraSettings: snapshot.aviInfraSettings,
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
  const recordUnder = (placed: ModelSettings) => (host: string) => {
    if (!hosts.has(host)) hosts.set(host, unitKey(placed.tenantName, l7VsNameForHost(placed, host)))
    return false
  }
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (namespace !== undefined && ingress.metadata?.namespace !== namespace) continue
    if (!isHandledIngress(snapshot, settings, ingress)) continue
    const placed = placedIngress(snapshot, settings, ingress)
    if (!placed.binding.dropped) parseIngress(snapshot, placed.settings, ingress, recordUnder(placed.settings))
  }
  for (const route of sortedValues(snapshot.routes)) {
    if (namespace !== undefined && route.metadata?.namespace !== namespace) continue
    const placed = placedRoute(snapshot, settings, route)
    if (!placed.binding.dropped) parseRoute(snapshot, placed.settings, route, recordUnder(placed.settings))
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
    const { tenant, vsName } = unitKeyParts(key, settings.tenantName)
    if (hostRuleMatches(rule, autoFqdn(settings, vsName, tenant) ?? vsName)) keys.add(key)
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

/** The unit of a LoadBalancer Service: its own VS, or the shared VIP it names. */
const l4UnitKey = (snapshot: ClusterSnapshot, settings: ModelSettings, service: Service): string => {
  const namespace = service.metadata?.namespace ?? ""
  const sharedKey = sharedVipKeyOf(service)
  return unitKey(
    sharedKey === undefined ? namespaceTenant(snapshot, settings, namespace) : settings.tenantName,
    sharedKey === undefined ?
      l4VsName(settings.clusterName, namespace, service.metadata?.name ?? "") :
      sharedVipVsName(settings.clusterName, namespace, sharedKey)
  )
}

/** The units of the Services that name an L4Rule (`ns/name`): recomputed when the rule changes, appears or goes. */
export const unitKeysForL4Rule = (
  ruleKey: string,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<string> =>
  servicesNamingL4Rule(snapshot, ruleKey)
    .filter((service) => isHandledLoadBalancer(snapshot, settings, service))
    .map((service) => l4UnitKey(snapshot, settings, service))

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
    .filter((service) =>
      annotatedInfraSetting(snapshot, service) === name && isHandledLoadBalancer(snapshot, settings, service)
    )
    .map((service) => l4UnitKey(snapshot, settings, service))

/**
 * The Ingresses and Routes an AviInfraSetting (by name) places: through their IngressClass's parameters, their own
 * annotation (Routes), or their Namespace's annotation. Their units before and after a change of the setting are
 * what the change recomputes.
 */
export const l7ObjectsUsingInfraSetting = (
  name: string,
  snapshot: ClusterSnapshot,
  settings: ModelSettings
): ReadonlyArray<ObjectRef> => {
  const refs: Array<ObjectRef> = []
  for (const ingress of sortedValues(snapshot.ingresses)) {
    if (!isHandledIngress(snapshot, settings, ingress)) continue
    // An Ingress does not bind through its own annotation: only its class, else its Namespace.
    const byNamespace = annotatedInfraSetting(snapshot, { metadata: { namespace: ingress.metadata?.namespace } })
    const byClass = ingressClassInfraSetting(ingressClassOf(snapshot, ingress))
    if ((byClass ?? byNamespace) === name) refs.push(objectRef("Ingress", ingress))
  }
  for (const route of sortedValues(snapshot.routes)) {
    if (annotatedInfraSetting(snapshot, route) === name) refs.push(objectRef("Route", route))
  }
  return refs
}
