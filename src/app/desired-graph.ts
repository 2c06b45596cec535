/**
 * The desired graph: the Avi objects every unit should have, kept current from the reflectors on every replica
 * (passive work), so a replica that takes the lead can diff at once instead of translating the whole cluster first.
 * Changes are applied per unit: a changed Kubernetes object recomputes only the units it affects, and the keys of
 * recomputed units are published for the active work queue.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { hash } from "node:crypto"
import type { ReflectorsShape } from "../k8s/index.js"
import {
  emptyShardUnit,
  keepOwnedFields,
  l7ObjectsUsingInfraSetting,
  SERVICE_NAME_LABEL,
  settingsInTenant,
  translate,
  translateUnit,
  unitKeyParts,
  unitKeysFor,
  unitKeysForHostRule,
  unitKeysForHttpRule,
  unitKeysForInfraSetting,
  unitKeysForL4Rule
} from "../model/index.js"
import type {
  ClusterSnapshot,
  DesiredState,
  DesiredUnit,
  ModelSettings,
  ObjectKind,
  ObjectRef,
  Problem,
  RulesInEffect
} from "../model/index.js"
import { shareStrings, STATUS_ANNOTATIONS } from "../reconcile/index.js"
import { DesiredStateVersion } from "./desired-versions.js"
import { OwnerIndex } from "./owner-index.js"

const UNIT_KINDS: ReadonlySet<string> = new Set<ObjectKind>([
  "Service",
  "EndpointSlice",
  "Ingress",
  "IngressClass",
  "Secret",
  "Namespace",
  "Node",
  "Route"
])

const unitsGauge = Metric.gauge("ako_desired_units", { description: "Units (parent virtual services) desired" })
const recomputed = Metric.counter("ako_desired_unit_recomputes_total", {
  description: "Units recomputed after Kubernetes changes"
})

export interface DesiredGraph {
  /** Completes after the first full translation (reflectors listed). */
  readonly ready: Effect.Effect<void>
  readonly state: Effect.Effect<DesiredState>
  /** The problems of a unit key from the last computation of that unit (full translations file under `*`). */
  readonly problemsOf: (key: string) => Effect.Effect<ReadonlyArray<Problem>>
  readonly snapshot: Effect.Effect<ClusterSnapshot>
  /**
   * Keys of units recomputed from now on (including units that disappeared), as the batches they were recomputed
   * in: a consumer queues a batch in one step rather than key by key.
   */
  readonly subscribe: Effect.Effect<Stream.Stream<ReadonlyArray<string>>, never, Scope.Scope>
  /** Recomputes everything from the current stores (a full resync); publishes every key that changed or exists. */
  readonly recomputeAll: Effect.Effect<ReadonlyArray<string>>
  /**
   * Takes in the rules in effect now, at once: when any differs from what was translated, everything (units and
   * problems) is recomputed before this completes (a leader calls it after validating, before its takeover diff).
   */
  readonly settleRules: Effect.Effect<void>
  /** The maintenance loop; runs forever. */
  readonly run: Effect.Effect<never>
}

export const FULL_TRANSLATION_PROBLEMS = "*"
const NO_PROBLEMS: ReadonlyArray<Problem> = []

interface Change {
  readonly kind: string
  readonly key: string
}
const BATCH_MAX = 1000
const BATCH_WINDOW_MS = 20

/** A unit's bodies share marker lists and common strings with each other and with the Avi cache's bodies. */
const shareBodies = (unit: DesiredUnit): DesiredUnit => {
  for (const object of unit.objects) shareStrings(object.body)
  return unit
}

/** The AKO rules in effect (validated elsewhere), and which of them may have changed. */
export interface RuleSource {
  readonly effective: Effect.Effect<RulesInEffect>
  /**
   * Keys `HostRule/<ns>/<name>`, `HTTPRule/<ns>/<name>`, `L4Rule/<ns>/<name>` and `AviInfraSetting/<name>`, from the
   * moment this runs (in the caller's scope).
   */
  readonly subscribe: Effect.Effect<Stream.Stream<string>, never, Scope.Scope>
}

const NO_RULES_IN_EFFECT: RulesInEffect = {
  hostRules: new Map(),
  httpRules: new Map(),
  l4Rules: new Map(),
  aviInfraSettings: new Map()
}

const NO_RULE_SOURCE: RuleSource = {
  effective: Effect.succeed(NO_RULES_IN_EFFECT),
  subscribe: Effect.succeed(Stream.never)
}

const RULE_KINDS: ReadonlySet<string> = new Set(["HostRule", "HTTPRule", "L4Rule", "AviInfraSetting"])

const refOf = (kind: string, key: string): ObjectRef => {
  const slash = key.indexOf("/")
  return slash < 0 ?
    { kind: kind as ObjectKind, name: key } :
    { kind: kind as ObjectKind, namespace: key.slice(0, slash), name: key.slice(slash + 1) }
}

export const makeDesiredGraph = (
  reflectors: ReflectorsShape,
  settings: ModelSettings,
  rules: RuleSource = NO_RULE_SOURCE
): Effect.Effect<DesiredGraph> =>
  Effect.gen(function*() {
    // Persistent, both: a batch changes a few units, and copying all of them for each batch cost the cluster size.
    const state = yield* Ref.make(DesiredStateVersion.of([]))
    const problems = yield* Ref.make(HashMap.empty<string, ReadonlyArray<Problem>>())
    const hub = yield* PubSub.unbounded<ReadonlyArray<string>>()
    // One computation at a time: each reads the state, recomputes some units and writes the state back.
    const lock = yield* Effect.makeSemaphore(1)
    const ready = yield* Deferred.make<void>()
    // An EndpointSlice that is deleted no longer says which Service it served; remember it while it exists.
    const sliceService = new Map<string, string>()
    // Kept with `state`: both change only under `lock`.
    const owners = new OwnerIndex()

    // The reflectors' stores are immutable maps keyed as the model keys its snapshot (`ns/name`, or `name` for
    // cluster-scoped kinds), so a snapshot shares them instead of copying the cluster on every change.
    const readSnapshot: Effect.Effect<ClusterSnapshot> = Effect.gen(function*() {
      const inEffect = yield* rules.effective
      const snapshot: ClusterSnapshot = {
        services: yield* reflectors.services.snapshot,
        endpointSlices: yield* reflectors.endpointSlices.snapshot,
        ingresses: yield* reflectors.ingresses.snapshot,
        ingressClasses: yield* reflectors.ingressClasses.snapshot,
        secrets: yield* reflectors.secrets.snapshot,
        namespaces: yield* reflectors.namespaces.snapshot,
        nodes: yield* reflectors.nodes.snapshot,
        routes: reflectors.routes._tag === "Some" ? yield* reflectors.routes.value.snapshot : new Map(),
        hostRules: inEffect.hostRules,
        httpRules: inEffect.httpRules,
        l4Rules: inEffect.l4Rules,
        aviInfraSettings: inEffect.aviInfraSettings,
        aviInfraSettingsStored: yield* reflectors.aviInfraSettings.snapshot
      }
      return snapshot
    })

    /**
     * What of an object the translation can depend on. The leader's own status and annotation writes come back as
     * changes; without this filter every one of them would recompute units (and cost the cluster size each time).
     */
    // By kind, then by the object's store key (a joined `kind|key` was one more string per object), each digest as
    // 32 one-byte characters rather than 44 of base64.
    const fingerprints = new Map<string, Map<string, string>>()
    const fingerprintsOf = (kind: string) => {
      let byKey = fingerprints.get(kind)
      if (byKey === undefined) fingerprints.set(kind, byKey = new Map())
      return byKey
    }
    const fingerprintOf = (kind: string, object: unknown): string => {
      if (object === undefined) return ""
      const { metadata, status, ...rest } = object as {
        readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> } & Record<string, unknown>
        readonly status?: { readonly addresses?: unknown }
      } & Record<string, unknown>
      const { annotations, generation: _generation, managedFields: _managed, resourceVersion: _version, ...meta } =
        metadata ?? {}
      // On a Namespace `ako.vmware.com/tenant-name` is input (its objects' tenant), not a status ako-ts wrote.
      const kept = Object.entries(annotations ?? {}).filter(([key]) =>
        kind === "Namespace" || !STATUS_ANNOTATIONS.includes(key)
      )
      // Node addresses live in status (NodePort pool servers); no other status is read by the model.
      const readStatus = kind === "Node" ? status?.addresses : undefined
      // A digest, not the text: the text of every Service, EndpointSlice and Secret was 9 MiB at 10,000 Services.
      return hash("sha256", JSON.stringify([meta, kept, rest, readStatus]), "binary")
    }
    const storeOf = (snapshot: ClusterSnapshot, kind: string): ReadonlyMap<string, unknown> | undefined => {
      switch (kind) {
        case "Service":
          return snapshot.services
        case "EndpointSlice":
          return snapshot.endpointSlices
        case "Ingress":
          return snapshot.ingresses
        case "IngressClass":
          return snapshot.ingressClasses
        case "Secret":
          return snapshot.secrets
        case "Namespace":
          return snapshot.namespaces
        case "Node":
          return snapshot.nodes
        case "Route":
          return snapshot.routes
        default:
          return undefined
      }
    }
    /** Records the object's fingerprint; true when it differs from the last one seen (or the object came or went). */
    const changed = (snapshot: ClusterSnapshot, kind: string, key: string): boolean => {
      const fingerprint = fingerprintOf(kind, storeOf(snapshot, kind)?.get(key))
      const byKey = fingerprintsOf(kind)
      if (byKey.get(key) === fingerprint) return false
      if (fingerprint === "") byKey.delete(key)
      else byKey.set(key, fingerprint)
      return true
    }
    const rememberAll = (snapshot: ClusterSnapshot) => {
      fingerprints.clear()
      for (const kind of UNIT_KINDS) {
        const byKey = fingerprintsOf(kind)
        for (const [key, object] of storeOf(snapshot, kind) ?? new Map()) byKey.set(key, fingerprintOf(kind, object))
      }
    }

    const rememberSlices = (snapshot: ClusterSnapshot) => {
      for (const [key, slice] of snapshot.endpointSlices) {
        const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL]
        if (service !== undefined) sliceService.set(key, service)
      }
    }

    /** A shard that lost its last host keeps its VS and VIP, as AKO does. */
    const unitOrEmptyShard = (
      snapshot: ClusterSnapshot,
      key: string,
      unit: DesiredUnit | undefined
    ): DesiredUnit | undefined => {
      if (unit !== undefined) return unit
      // In the shard's own tenant: the same shard name can exist in several (namespace tenants).
      const { tenant, vsName } = unitKeyParts(key, settings.tenantName)
      return emptyShardUnit(settingsInTenant(settings, tenant), vsName, snapshot)
    }

    /** The rules in effect at the last computation, to know which units a rule shaped before it changed. */
    let rulesSeen: RulesInEffect = NO_RULES_IN_EFFECT
    const unitsOfRule = (
      snapshot: ClusterSnapshot,
      current: DesiredState,
      shards: ReadonlyArray<string>,
      kind: string,
      key: string
    ): ReadonlyArray<string> => {
      if (kind === "HostRule") {
        return [rulesSeen.hostRules.get(key), snapshot.hostRules.get(key)].flatMap((rule) =>
          rule === undefined ? [] : unitKeysForHostRule(rule, snapshot, settings, shards)
        )
      }
      if (kind === "AviInfraSetting") {
        // Ingresses and Routes move between VS names with their setting: the units they fed and feed now.
        const moved = l7ObjectsUsingInfraSetting(key, snapshot, settings).flatMap((ref) => [
          ...owners.unitsOwnedBy(ref),
          ...unitKeysFor(ref, snapshot, settings)
        ])
        // Its shards, empty ones included: they stay only while the setting is in effect.
        const shardsOfSetting = [...current.keys()].filter((unit) =>
          unitKeyParts(unit, settings.tenantName).vsName.startsWith(`${settings.clusterName}--Shared-L7-${key}-`)
        )
        return [...unitKeysForInfraSetting(key, snapshot, settings), ...moved, ...shardsOfSetting]
      }
      if (kind === "L4Rule") {
        // A Service names its L4Rule whether or not the rule is in effect: the same Services either way.
        return unitKeysForL4Rule(key, snapshot, settings)
      }
      return [rulesSeen.httpRules.get(key), snapshot.httpRules.get(key)].flatMap((rule) =>
        rule === undefined ? [] : unitKeysForHttpRule(rule, snapshot, settings)
      )
    }

    /** The rules the last full translation (and the problems it reported) saw. */
    let translatedWith: RulesInEffect = rulesSeen

    // The rules alone, not the snapshot they came in: a snapshot kept holds every Service, EndpointSlice and Ingress
    // as they were then, and once statuses are written those are old copies (8.9 MiB at 10,000 Services).
    const rulesOf = (snapshot: ClusterSnapshot): RulesInEffect => ({
      hostRules: snapshot.hostRules,
      httpRules: snapshot.httpRules,
      l4Rules: snapshot.l4Rules,
      aviInfraSettings: snapshot.aviInfraSettings
    })

    const recomputeAll = lock.withPermits(1)(Effect.gen(function*() {
      const snapshot = yield* readSnapshot
      rememberSlices(snapshot)
      rememberAll(snapshot)
      const previous = yield* Ref.get(state)
      const translation = translate(snapshot, settings)
      rulesSeen = rulesOf(snapshot)
      translatedWith = rulesSeen
      const units = new Map(translation.desired)
      for (const [key, unit] of units) units.set(key, shareBodies(keepOwnedFields(previous.get(key), unit)))
      for (const key of previous.keys()) {
        const kept = units.has(key) ? undefined : unitOrEmptyShard(snapshot, key, undefined)
        if (kept !== undefined) units.set(key, kept)
      }
      const next = DesiredStateVersion.of(units)
      yield* Ref.set(state, next)
      owners.rebuild(next)
      yield* Ref.set(problems, HashMap.make([FULL_TRANSLATION_PROBLEMS, translation.problems]))
      yield* Metric.set(unitsGauge, next.size)
      const keys = [...new Set([...previous.keys(), ...next.keys()])]
      yield* PubSub.publish(hub, keys)
      return keys
    }))

    const applyChanges = (changes: Iterable<Change>) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const snapshot = yield* readSnapshot
        const current = yield* Ref.get(state)
        let shards: ReadonlyArray<string> | undefined
        const affected = new Set<string>()
        for (const change of changes) {
          if (RULE_KINDS.has(change.kind)) {
            // Shared parents match a HostRule by their FQDN: the shards that exist, listed once per batch.
            shards ??= [...current.values()].filter((unit) => unit.kind === "L7Shard").map((unit) => unit.key)
            for (const key of unitsOfRule(snapshot, current, shards, change.kind, change.key)) affected.add(key)
            continue
          }
          if (!UNIT_KINDS.has(change.kind) || !changed(snapshot, change.kind, change.key)) continue
          const ref = refOf(change.kind, change.key)
          // What the object fed before first: a Namespace moving tenants has its old units deleted before the new
          // ones are written, as AKO does (`DeleteStaleTenantModelData`), so a static VIP is free again in time.
          for (const key of owners.unitsOwnedBy(ref)) affected.add(key)
          for (const key of unitKeysFor(ref, snapshot, settings)) affected.add(key)
          // Every Ingress may have depended on a class that changed or went (deleted, or no longer the default):
          // the units they fed before must be recomputed too, not only those they feed now.
          if (change.kind === "IngressClass") {
            for (const unit of current.values()) if (unit.kind !== "L4Service") affected.add(unit.key)
          }
          if (change.kind === "EndpointSlice") {
            const remembered = sliceService.get(change.key)
            if (remembered !== undefined && ref.namespace !== undefined) {
              const serviceRef: ObjectRef = { kind: "Service", namespace: ref.namespace, name: remembered }
              for (const key of unitKeysFor(serviceRef, snapshot, settings)) affected.add(key)
            }
            const slice = snapshot.endpointSlices.get(change.key)
            const service = slice?.metadata?.labels?.[SERVICE_NAME_LABEL]
            if (service === undefined) sliceService.delete(change.key)
            else sliceService.set(change.key, service)
          }
        }
        rulesSeen = rulesOf(snapshot)
        if (affected.size === 0) return
        const units: Array<readonly [string, DesiredUnit | undefined]> = []
        let nextProblems = yield* Ref.get(problems)
        for (const key of affected) {
          const translation = translateUnit(key, snapshot, settings)
          const unit = unitOrEmptyShard(snapshot, key, translation.unit)
          units.push([key, unit === undefined ? undefined : shareBodies(keepOwnedFields(current.get(key), unit))])
          // none kept as none: a unit that went away, or never had any, holds no entry
          nextProblems = translation.problems.length === 0 ?
            HashMap.remove(nextProblems, key) :
            HashMap.set(nextProblems, key, translation.problems)
        }
        const next = current.with(units)
        yield* Ref.set(state, next)
        for (const key of affected) owners.replace(key, next.get(key))
        yield* Ref.set(problems, nextProblems)
        yield* Metric.set(unitsGauge, next.size)
        yield* Metric.incrementBy(recomputed, affected.size)
        yield* PubSub.publish(hub, [...affected])
      }))

    // The verdicts a new leader reaches can change every unit a rule touches and every problem the first full
    // translation reported (a setting it took for missing, say): when any verdict differs from what was translated,
    // everything is recomputed, so neither a unit nor a stale problem survives into the takeover.
    const settleRules = Effect.gen(function*() {
      const now = yield* rules.effective
      const differs = <A>(seen: ReadonlyMap<string, A>, current: ReadonlyMap<string, A>) =>
        seen.size !== current.size || [...current].some(([key, rule]) => seen.get(key) !== rule)
      // Against the full translation's rules, not the last change's: a verdict that arrived as a change recomputed
      // its units, but the problems the full translation reported still see the rule as it was.
      if (
        differs(translatedWith.hostRules, now.hostRules) || differs(translatedWith.httpRules, now.httpRules) ||
        differs(translatedWith.l4Rules, now.l4Rules) ||
        differs(translatedWith.aviInfraSettings, now.aviInfraSettings)
      ) {
        yield* recomputeAll
      }
    })

    const run = Effect.gen(function*() {
      // Listening before the first translation, so no change between the listing and the first batch is lost; a
      // change seen twice only recomputes a unit twice. The reflectors' changes go straight into this queue (no
      // stream between them: it cost fibers and channel steps per event).
      const pending = yield* Effect.acquireRelease(Queue.unbounded<Change>(), Queue.shutdown)
      yield* reflectors.listen((kind, key) => Queue.unsafeOffer(pending, { kind, key }))
      const forwardRuleChanges = (yield* rules.subscribe).pipe(
        Stream.runForEach((tagged) => {
          const slash = tagged.indexOf("/")
          return Queue.offer(pending, { kind: tagged.slice(0, slash), key: tagged.slice(slash + 1) })
        }),
        Effect.zipRight(Effect.dieMessage("the rules' change stream ended"))
      )
      // A batch closes at the next tick of a 20 ms clock (BATCH_WINDOW_MS), with at most BATCH_MAX changes: a burst
      // recomputes each unit once per batch rather than once per event, and a Service and its EndpointSlice created
      // together are nearly always in one batch (apart, the Service's pool is written without servers, then again).
      // A tick rather than a fixed wait after the first change: that added the whole window to each lone change.
      const nextBatch = Effect.gen(function*() {
        const first = yield* Queue.takeBetween(pending, 1, BATCH_MAX)
        if (first.length >= BATCH_MAX) return first
        yield* Effect.sleep(BATCH_WINDOW_MS - ((yield* Clock.currentTimeMillis) % BATCH_WINDOW_MS))
        const rest = yield* Queue.takeUpTo(pending, BATCH_MAX - first.length)
        return [...first, ...rest]
      })
      yield* reflectors.ready
      yield* recomputeAll
      yield* Deferred.succeed(ready, undefined)
      yield* Effect.logInfo("desired graph ready").pipe(
        Effect.annotateLogs("units", (yield* Ref.get(state)).size)
      )
      // Side by side, so the graph fails if the rules' changes stop reaching it.
      return yield* Effect.zip(forwardRuleChanges, Effect.forever(Effect.flatMap(nextBatch, applyChanges)), {
        concurrent: true
      }).pipe(Effect.zipRight(Effect.never))
    }).pipe(Effect.scoped)

    return {
      ready: Deferred.await(ready),
      state: Ref.get(state),
      problemsOf: (key) =>
        Effect.map(Ref.get(problems), (byKey) => Option.getOrElse(HashMap.get(byKey, key), () => NO_PROBLEMS)),
      snapshot: readSnapshot,
      subscribe: PubSub.subscribe(hub).pipe(Effect.map(Stream.fromQueue)),
      recomputeAll,
      settleRules,
      run
    }
  })
