/**
 * The diff: a unit's desired objects against what the cache holds for it, as an ordered list of Avi writes.
 * Pure: the cache is read through a `CacheView`, nothing is written here.
 *
 * Which cached objects belong to a unit: the desired objects by name (names are deterministic), and everything
 * linked from the unit's cached parent VS (its SNI children, and what any of them references, transitively), as
 * AKO links its cache at boot (reference/ako-objects.md §5). Linked objects the unit no longer wants are deleted.
 */
import * as Option from "effect/Option"
import { AviRef } from "../avi/index.js"
import type { AviBody, AviObjectType, DesiredAviObject, DesiredState, DesiredUnit } from "../model/index.js"
import { CHECKSUM_FIELD, crdStatusOf, refName } from "../model/index.js"
import type { CachedObject, CacheView } from "./cache.js"
import { cacheKey, OWNED_TYPES, passthroughParentOf } from "./cache.js"

export type Operation =
  | {
    readonly op: "create"
    readonly type: AviObjectType
    readonly name: string
    readonly tenant: string
    readonly body: AviBody
    readonly checksum: string
  }
  | {
    readonly op: "update"
    readonly type: AviObjectType
    readonly name: string
    readonly tenant: string
    readonly uuid: string
    readonly body: AviBody
    readonly checksum: string
  }
  | {
    readonly op: "delete"
    readonly type: AviObjectType
    readonly name: string
    readonly tenant: string
    readonly uuid: string
  }

export interface UnitPlan {
  /** `<tenant>/<parent VS name>`. */
  readonly key: string
  readonly tenant: string
  readonly virtualService: string
  /** Undefined: the unit is gone and the plan deletes everything it had. */
  readonly desired: DesiredUnit | undefined
  readonly operations: ReadonlyArray<Operation>
}

/** What the cache holds for one unit. */
export interface UnitCacheView {
  readonly key: string
  readonly tenant: string
  readonly virtualService: string
  /** Objects linked from the unit's cached parent VS (itself included), in no particular order. */
  readonly linked: ReadonlyArray<CachedObject>
  readonly lookup: (type: AviObjectType, tenant: string, name: string) => CachedObject | undefined
  /** Objects another unit still wants: never deleted by this one. */
  readonly wantedElsewhere: (object: CachedObject) => boolean
  /**
   * Set when the cached parent VS belongs to a feature ako-ts does not model (`unmodelledReason`): without a desired
   * unit, the plan then leaves it and everything it links alone.
   */
  readonly held?: string | undefined
}

const OWNED: ReadonlySet<string> = new Set(OWNED_TYPES)

export const splitUnitKey = (key: string): { readonly tenant: string; readonly virtualService: string } => {
  const slash = key.indexOf("/")
  return slash < 0
    ? { tenant: "admin", virtualService: key }
    : { tenant: key.slice(0, slash), virtualService: key.slice(slash + 1) }
}

const isRefKey = (key: string) => key.endsWith("_ref") || key.endsWith("_refs")

/** Every owned object a body references (refs under `*_ref`/`*_refs` at any depth), except its VH parent. */
const referencedObjects = (view: CacheView, from: CachedObject): ReadonlyArray<CachedObject> => {
  const found: Array<CachedObject> = []
  const resolve = (ref: string) => {
    const named = AviRef.typeOf(ref)
    if (named === undefined || !OWNED.has(named)) return
    const parsed = Option.getOrUndefined(AviRef.parse(ref))
    if (parsed === undefined) return
    const type = named as AviObjectType
    const target = (parsed.uuid !== undefined ? view.byUuid(parsed.uuid) : undefined) ??
      (parsed.name !== undefined ? view.get(type, from.tenant, parsed.name) : undefined)
    if (target !== undefined && target.type === type) found.push(target)
  }
  const walk = (node: unknown, key: string | undefined): void => {
    if (key === "vh_parent_vs_ref" || key === "tenant_ref") return
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key)
    } else if (node !== null && typeof node === "object") {
      // No entry or key arrays: one per object of every cached body was most of a takeover pass's garbage. (A
      // parsed body has no inherited enumerable fields.)
      const record = node as Record<string, unknown>
      for (const field in record) walk(record[field], field)
    } else if (typeof node === "string" && key !== undefined && isRefKey(key)) {
      resolve(node)
    }
  }
  walk(from.body, undefined)
  return found
}

/** An SNI child, or a passthrough shard's insecure companion: part of its parent's unit, never a unit of its own. */
export const isChildVs = (object: CachedObject): boolean =>
  object.type === "virtualservice" &&
  (object.body["type"] === "VS_TYPE_VH_CHILD" ||
    (typeof object.body["vh_parent_vs_ref"] === "string" && object.body["vh_parent_vs_ref"] !== "") ||
    passthroughParentOf(object) !== undefined)

const isCaCertificate = (object: CachedObject): boolean =>
  object.type === "sslkeyandcertificate" && object.body["type"] === "SSL_CERTIFICATE_TYPE_CA"

/** A parent VS and everything reachable from it and its SNI children. */
export const linkedFrom = (view: CacheView, root: CachedObject): ReadonlyArray<CachedObject> => {
  const seen = new Map<string, CachedObject>()
  const queue: Array<CachedObject> = [root, ...view.children(root)]
  while (queue.length > 0) {
    const next = queue.pop()!
    if (seen.has(next.uuid)) continue
    seen.set(next.uuid, next)
    for (const target of referencedObjects(view, next)) if (!seen.has(target.uuid)) queue.push(target)
  }
  return [...seen.values()]
}

/** Keys (`type|tenant|name`) of every object some unit of the desired state wants. */
export const wantedKeys = (desired: DesiredState): ReadonlySet<string> => {
  const keys = new Set<string>()
  for (const unit of desired.values()) {
    for (const object of unit.objects) keys.add(cacheKey(object.type, object.tenant, object.name))
  }
  return keys
}

/**
 * The cache's view of one unit. `others`: the objects other units want (from `wantedKeys` of the desired state
 * without this unit), which this unit must not delete even if it linked them (a host that moved shard, say).
 */
export const unitView = (
  view: CacheView,
  key: string,
  others: (object: CachedObject) => boolean = () => false,
  hold: (root: CachedObject) => string | undefined = () => undefined
): UnitCacheView => {
  const { tenant, virtualService } = splitUnitKey(key)
  const root = view.get("virtualservice", tenant, virtualService)
  return {
    key,
    tenant,
    virtualService,
    linked: root === undefined ? [] : linkedFrom(view, root),
    lookup: view.get,
    wantedElsewhere: others,
    held: root === undefined ? undefined : hold(root)
  }
}

/**
 * `others` for `unitView` from a whole desired state: every object some unit wants. (A unit never deletes what it
 * wants itself, so "wanted by any unit" is the same test as "wanted by another one".) Build it once per state.
 * The keys are gathered at the first question: a plan asks only about objects it would delete, and the state
 * changes with every batch, so gathering 40,000 keys up front took about 13 ms of CPU per EndpointSlice change at
 * 10,000 Services (a fifth of a CPU profile of 17 changes a second) for an answer almost never needed.
 */
export const wantedBy = (desired: DesiredState): (object: CachedObject) => boolean => {
  let keys: ReadonlySet<string> | undefined
  return (object) => (keys ??= wantedKeys(desired)).has(cacheKey(object.type, object.tenant, object.name))
}

// ---- content comparison (adoption) ---------------------------------------------------------------------------------

const ENVELOPE: ReadonlySet<string> = new Set(["uuid", "url", "_last_modified", "tenant_ref"])

/** Same object named by two refs: equal names, or equal uuids (`/api/network/<uuid>` vs `…/network/<uuid>#n`). */
const sameRef = (desired: string, cached: string): boolean => {
  if (desired === cached) return true
  const a = Option.getOrUndefined(AviRef.parse(desired))
  const b = Option.getOrUndefined(AviRef.parse(cached))
  if (a === undefined || b === undefined) return refName(desired) === refName(cached)
  if (a.name !== undefined && b.name !== undefined) return a.name === b.name
  return a.uuid !== undefined && a.uuid === b.uuid
}

/**
 * Fields the model sets only sometimes (a redirect policy, a certificate, a catch-all rule without `match`) and the
 * controller never adds by itself: when the desired body leaves one out, Avi must not have it either, or a removed
 * policy or certificate would look adopted.
 */
const MANAGED_OPTIONAL: ReadonlyArray<string> = [
  "http_policies",
  "vs_datascripts",
  "l4_policies",
  "ssl_key_and_certificate_refs",
  "pool_ref",
  "pool_group_ref",
  "vsvip_ref",
  "vh_parent_vs_ref",
  "vh_domain_name",
  "dns_info",
  "match",
  "switching_action",
  "redirect_action",
  "override_network_profile_ref",
  "ca_certs",
  "pool_group_refs",
  "priority_label",
  // A shard's pool group with no insecure host sends no `members` at all.
  "members"
]

/**
 * Fields a HostRule (on a VS) or an HTTPRule (on a pool) sets. They are ako-ts's to remove only where a rule put
 * them: AKO marks such an object in `service_metadata.crd_status`. Elsewhere (a WAF policy a team set by hand) they
 * are left alone.
 */
const RULE_FIELDS: Readonly<Record<string, { readonly rule: string; readonly fields: ReadonlyArray<string> }>> = {
  virtualservice: {
    rule: "HostRule",
    fields: [
      "waf_policy_ref",
      "analytics_profile_ref",
      "ssl_profile_ref",
      "icap_request_profile_refs",
      "enabled",
      "analytics_policy",
      "network_security_policy_ref"
    ]
  },
  pool: {
    rule: "HTTPRule",
    fields: [
      "lb_algorithm",
      "lb_algorithm_hash",
      "lb_algorithm_consistent_hash_hdr",
      "ssl_profile_ref",
      "pki_profile_ref",
      "application_persistence_profile_ref",
      "enable_http2"
    ]
  }
}

/** The rule-set fields that are ako-ts's on this cached object (none unless a rule of the right kind marked it). */
const ruleManaged = (type: string | undefined, cached: Record<string, unknown>): ReadonlyArray<string> => {
  const spec = type === undefined ? undefined : RULE_FIELDS[type]
  if (spec === undefined || crdStatusOf(cached)?.type !== spec.rule) return []
  return spec.fields
}

const noExtraManaged = (
  desired: Record<string, unknown>,
  cached: Record<string, unknown>,
  type?: AviObjectType
): boolean =>
  MANAGED_OPTIONAL.every((key) => key in desired || isEmpty(cached[key])) &&
  ruleManaged(type, cached).every((key) => key in desired || cached[key] === undefined)

const isEmpty = (value: unknown) =>
  value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0)

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * Does `cached` carry what `desired` says? Only the desired fields count (the controller adds defaults); refs are
 * compared by name (or uuid); a desired empty value equals an absent one (controllers drop empty refs).
 */
const covers = (desired: unknown, cached: unknown, key: string | undefined): boolean => {
  if (isEmpty(desired)) return isEmpty(cached) || desired === cached
  if (typeof desired === "string") {
    if (typeof cached !== "string") return false
    if (key !== undefined && isRefKey(key)) return sameRef(desired, cached)
    if (key === "service_metadata") return covers(parseJson(desired), parseJson(cached), undefined)
    return desired === cached
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(cached) || cached.length !== desired.length) return false
    return desired.every((item, i) => covers(item, cached[i], key))
  }
  if (desired !== null && typeof desired === "object") {
    if (cached === null || typeof cached !== "object" || Array.isArray(cached)) return false
    const record = cached as Record<string, unknown>
    return noExtraManaged(desired as Record<string, unknown>, record) &&
      Object.entries(desired).every(([k, v]) => covers(v, record[k], k))
  }
  return desired === cached
}

/** The significant content of a desired body is already in Avi: envelope, checksum and (certificates) key ignored. */
export const contentMatches = (
  type: AviObjectType,
  desired: AviBody,
  cached: AviBody,
  keptOnUpdate: ReadonlyArray<string> = []
): boolean => {
  const checksumField = CHECKSUM_FIELD[type]
  return noExtraManaged(desired, cached, type) && Object.entries(desired).every(([key, value]) => {
    if (ENVELOPE.has(key) || key === checksumField || keptOnUpdate.includes(key)) return true
    // Avi never returns a private key (`<sensitive>`).
    if (type === "sslkeyandcertificate" && key === "key") return true
    return covers(value, cached[key], key)
  })
}

/** Nothing to write for this object: the checksum agrees, or the content does (an object AKO wrote). */
export const upToDate = (desired: DesiredAviObject, cached: CachedObject): boolean =>
  cached.checksum === desired.checksum ||
  // Fields owned without a marker (an L4Rule's) fall back to controller defaults when the rule goes, so only the
  // checksum can tell a removed rule from a default: content never stands in for it there.
  (desired.ownedFields === undefined &&
    contentMatches(desired.type, desired.body, cached.body, desired.keptOnUpdate))

// ---- planning ------------------------------------------------------------------------------------------------------

/** AKO's full VS delete order (`DeleteVSOper`): VS (SNI children first), VsVip, DS, SSL, HTTPPS, L4PS, PG, Pool. */
const DELETE_RANK: Readonly<Record<AviObjectType, number>> = {
  virtualservice: 0,
  vsvip: 1,
  vsdatascriptset: 2,
  sslkeyandcertificate: 3,
  httppolicyset: 4,
  l4policyset: 5,
  poolgroup: 6,
  pool: 7,
  // Referenced by pools (HTTPRule `destinationCA`): after them.
  pkiprofile: 8,
  // Referenced by policy sets (a HostRule's regex paths): after them.
  stringgroup: 4.5
}

/** Deletes in a safe order: what refers comes before what is referred to. */
export const deleteOrder = (objects: ReadonlyArray<CachedObject>): ReadonlyArray<CachedObject> =>
  [...objects].sort((a, b) =>
    DELETE_RANK[a.type] - DELETE_RANK[b.type] ||
    Number(isChildVs(b)) - Number(isChildVs(a)) ||
    // A CA certificate is referred to by the certificates it signs (`ca_certs`): after them.
    Number(isCaCertificate(a)) - Number(isCaCertificate(b)) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  )

const asRecords = (value: unknown): ReadonlyArray<Record<string, unknown>> =>
  Array.isArray(value) ?
    value.filter((v): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v)) :
    []

/**
 * The body of an update: the object as Avi holds it, with the desired fields written over it. Fields ako-ts does
 * not manage (a WAF policy, RHI, analytics, anything a HostRule or an operator set) survive; fields ako-ts sets only
 * sometimes (`MANAGED_OPTIONAL`) are dropped when the desired body leaves them out, so a removed policy goes.
 * VIPs are merged by `vip_id`, so the address the controller allocated stays (a PUT without it could move the
 * VIP). `_last_modified` is left out: no 412 round trip for a body we just read from the cache.
 */
export const updateBody = (
  type: AviObjectType,
  desired: AviBody,
  cached: AviBody,
  isOwned: (ref: string) => boolean = () => true,
  ownedFields: ReadonlyArray<string> = [],
  keptOnUpdate: ReadonlyArray<string> = []
): AviBody => {
  const { _last_modified: _stale, ...rest } = cached
  const current: Record<string, unknown> = rest
  const byRule = ruleManaged(type, current)
  for (const key of [...MANAGED_OPTIONAL, ...byRule, ...ownedFields]) if (!(key in desired)) delete current[key]
  const merged: Record<string, unknown> = { ...current, ...desired }
  const previous = crdStatusOf(current)
  const next = crdStatusOf(merged)
  if (previous?.status === "ACTIVE" && next === undefined && typeof merged["service_metadata"] === "string") {
    // The rule went: AKO keeps its name with status INACTIVE, so whoever reads the VS sees it was detached.
    const metadata = parseJson(merged["service_metadata"]) as Record<string, unknown>
    merged["service_metadata"] = JSON.stringify({ ...metadata, crd_status: { ...previous, status: "INACTIVE" } })
  }
  // Entries that point at objects ako-ts does not own (a policy set a team attached by hand) stay after ours; where
  // a HostRule marked the VS, its entries are the rule's, and the desired body says which it still wants.
  for (const key of byRule.length > 0 ? [] : FOREIGN_ENTRY_LISTS.filter((k) => !ownedFields.includes(k))) {
    const foreign = asRecords(cached[key]).filter((entry) =>
      Object.entries(entry).some(([k, v]) => isRefKey(k) && typeof v === "string" && !isOwned(v))
    )
    if (foreign.length > 0) merged[key] = [...asRecords(desired[key]), ...foreign]
  }
  for (const key of keptOnUpdate) if (key in current) merged[key] = current[key]
  if (type !== "vsvip" || keptOnUpdate.includes("vip")) return merged
  const cachedVips = asRecords(current["vip"])
  const vip = asRecords(desired["vip"]).map((entry, index) => {
    const id = String(entry["vip_id"] ?? index)
    const previous = cachedVips.find((c, i) => String(c["vip_id"] ?? i) === id)
    return previous === undefined ? entry : { ...previous, ...entry }
  })
  return { ...merged, vip }
}

/** List fields whose entries may point at objects of others (HostRule policy sets and datascripts). */
const FOREIGN_ENTRY_LISTS: ReadonlyArray<string> = ["http_policies", "vs_datascripts"]

const deleteOp = (object: CachedObject): Operation => ({
  op: "delete",
  type: object.type,
  name: object.name,
  tenant: object.tenant,
  uuid: object.uuid
})

/**
 * The writes that bring one unit from what the cache holds to `desired`: creates and updates in the unit's object
 * order (dependencies first), then deletes of linked objects the unit no longer wants (reverse dependency order).
 * `desired` undefined: the whole unit goes.
 */
export const planUnit = (desired: DesiredUnit | undefined, cached: UnitCacheView): UnitPlan => {
  const operations: Array<Operation> = []
  if (desired?.held === true || (desired === undefined && cached.held !== undefined)) {
    return { key: cached.key, tenant: cached.tenant, virtualService: cached.virtualService, desired, operations }
  }
  const wanted = new Set<string>()
  for (const object of desired?.objects ?? []) {
    wanted.add(cacheKey(object.type, object.tenant, object.name))
    const current = cached.lookup(object.type, object.tenant, object.name)
    if (current === undefined) {
      operations.push({
        op: "create",
        type: object.type,
        name: object.name,
        tenant: object.tenant,
        body: object.body,
        checksum: object.checksum
      })
    } else if (!upToDate(object, current)) {
      operations.push({
        op: "update",
        type: object.type,
        name: object.name,
        tenant: object.tenant,
        uuid: current.uuid,
        body: updateBody(
          object.type,
          object.body,
          current.body,
          (ref) => ownedRef(cached, ref),
          object.ownedFields,
          object.keptOnUpdate
        ),
        checksum: object.checksum
      })
    }
  }
  const dropped = cached.linked.filter((object) =>
    !wanted.has(cacheKey(object.type, object.tenant, object.name)) && !cached.wantedElsewhere(object)
  )
  operations.push(...deleteOrder(dropped).map(deleteOp))
  return {
    key: cached.key,
    tenant: cached.tenant,
    virtualService: cached.virtualService,
    desired,
    operations
  }
}

/** Whether a ref names an object this cluster owns (the cache holds only owned objects). */
const ownedRef = (cached: UnitCacheView, ref: string): boolean => {
  const parsed = Option.getOrUndefined(AviRef.parse(ref))
  if (parsed === undefined || parsed.name === undefined || !OWNED.has(parsed.type)) return false
  // Every unit's VS is `<cluster>--…`: a name with that prefix is ours even when the cache has not seen it.
  const prefix = cached.virtualService.slice(0, cached.virtualService.indexOf("--") + 2)
  return (prefix.length > 2 && parsed.name.startsWith(prefix)) ||
    cached.lookup(parsed.type as AviObjectType, cached.tenant, parsed.name) !== undefined
}

/** Units the cache knows: one per parent VS (SNI children belong to their parent's unit). */
export const cachedUnitKeys = (view: CacheView): ReadonlyArray<string> =>
  view.objects()
    .filter((object) => object.type === "virtualservice" && !isChildVs(object))
    .map((object) => `${object.tenant}/${object.name}`)
    .sort()

/** AKO keeps shard VsVips when it cleans stale objects: `<cluster>--[<ns>-]Shared-L7-[<infra>-][EVH-]<n>`. */
export const isShardVsVip = (object: CachedObject, clusterName: string): boolean =>
  object.type === "vsvip" && object.name.startsWith(`${clusterName}--`) && /Shared-L7-(?:.+-)?\d+$/.test(object.name)

/**
 * Owned objects nothing wants: no desired unit names them and no cached VS links them (AKO's `DummyVSForStaleData`),
 * except shard VsVips. VSes are not stale here: a parent VS without a unit is a unit to delete (`planUnit`).
 */
export const staleObjects = (
  view: CacheView,
  desired: DesiredState,
  clusterName: string
): ReadonlyArray<CachedObject> => {
  const wanted = wantedKeys(desired)
  const linked = new Set<string>()
  for (const object of view.objects()) {
    if (object.type !== "virtualservice" || isChildVs(object)) continue
    for (const reached of linkedFrom(view, object)) linked.add(reached.uuid)
  }
  return deleteOrder(
    view.objects().filter((object) =>
      !linked.has(object.uuid) &&
      !wanted.has(cacheKey(object.type, object.tenant, object.name)) &&
      !isShardVsVip(object, clusterName)
    )
  )
}
