/**
 * Static route sync, the leader's half (AKO `rest/avi_obj_vrf.go`): whenever a Node or the CNI's pod CIDR resource
 * (BlockAffinity, HostSubnet, CiliumNode) changes, and every resync interval, the leader reads the VRF, recomputes
 * this cluster's routes from the stores (src/model/static-routes.ts) and, only if they differ, PUTs the VRF back
 * with every other route untouched. The VRF is shared with other clusters and other tools, so the PUT carries the
 * `_last_modified` it read: a concurrent change makes it fail with 412, and the leader reads again and recomputes.
 * Level-triggered: a missed event is caught by the next pass. deleteConfig takes this cluster's routes and SE group
 * label away again (`removeStaticRoutes`).
 *
 * The SE group gets AKO's `clustername` label when it has none (AKO labels it at boot; static route sync is what
 * the label is for). A group labelled for another cluster is left alone and reported: AKO refuses to start then.
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type { AviError } from "../avi/index.js"
import { AviClient } from "../avi/index.js"
import type { NotLeader } from "../election/index.js"
import type { ReflectorsShape } from "../k8s/index.js"
import { Reflectors, WriteGuard } from "../k8s/index.js"
import type { CniPodCidrSource, Node, StaticRouteSettings } from "../model/index.js"
import {
  clusterRoutes,
  CNI_POD_CIDR_RESOURCES,
  cniPodCidrs,
  compareStrings,
  mergedVrfRoutes,
  nodeAddresses,
  OVN_NODE_SUBNETS_ANNOTATION,
  POD_CIDRS_ANNOTATION
} from "../model/index.js"

export interface StaticRouteSyncOptions extends StaticRouteSettings {
  readonly tenantName: string
  readonly serviceEngineGroupName: string
  /** The VRF context the routes go to (AKO `lib.GetVrf`). */
  readonly vrf: string
  /** Every VRF is looked at again this often, in case a change was missed or someone edited the routes. */
  readonly resyncInterval: Duration.Duration
}

class VrfNotFound extends Data.TaggedError("VrfNotFound")<{ readonly vrf: string }> {
  override get message(): string {
    return `the VRF context ${this.vrf} does not exist on the controller`
  }
}

const CLUSTER_LABEL = "clustername"

type RouteRecord = Readonly<Record<string, unknown>>

/**
 * The CNI's pod CIDR resources as listed (calico, openshift, cilium), undefined for CNIs whose pod CIDRs are on the
 * Node. Until a list of them is stored, or while the cluster does not serve them, no node's pod CIDRs are known, and
 * every node keeps the routes it has.
 */
const podCidrSource = (reflectors: ReflectorsShape): Effect.Effect<CniPodCidrSource | undefined> =>
  Option.match(reflectors.podCidrs, {
    onNone: () => Effect.succeed(undefined),
    onSome: (source) =>
      Effect.gen(function*(): Effect.fn.Return<CniPodCidrSource> {
        if (!(yield* source.served)) {
          return {
            cni: "unavailable",
            reason: `${CNI_POD_CIDR_RESOURCES[source.cni]} not listed: the API server does not serve them (is the ` +
              `${source.cni} CRD installed?), or their list is not complete yet`
          }
        }
        switch (source.cni) {
          case "calico":
            return { cni: "calico", blockAffinities: (yield* source.reflector.snapshot).values() }
          case "openshift":
            return { cni: "openshift", hostSubnets: (yield* source.reflector.snapshot).values() }
          case "cilium":
            return { cni: "cilium", ciliumNodes: (yield* source.reflector.snapshot).values() }
        }
      })
  })

/** One pass: read the VRF, and write it only when this cluster's routes are not what the Nodes say. */
const syncOnce = (options: StaticRouteSyncOptions, reported: Set<string>) =>
  Effect.gen(function*() {
    const avi = (yield* AviClient).withTenant(options.tenantName)
    const guard = yield* WriteGuard
    const reflectors = yield* Reflectors
    const found = yield* avi.findByName("vrfcontext", options.vrf)
    if (Option.isNone(found)) return yield* new VrfNotFound({ vrf: options.vrf })
    const vrf = found.value as unknown as RouteRecord & { readonly uuid: string }
    const existing = Array.isArray(vrf["static_routes"]) ? vrf["static_routes"] as ReadonlyArray<unknown> : []
    const nodes = yield* reflectors.nodes.snapshot
    const cni = yield* podCidrSource(reflectors)
    const { problems, routes } = clusterRoutes(nodes.values(), options, existing, cni)
    for (const problem of problems) {
      if (reported.has(problem.message)) continue
      reported.add(problem.message)
      yield* Effect.logWarning("node left out of static route sync").pipe(
        Effect.annotateLogs({ node: problem.node, reason: problem.message })
      )
    }
    const merged = mergedVrfRoutes(existing, options.clusterName, routes)
    if (merged === undefined) return
    // The body as read, `_last_modified` included: the controller refuses it (412) if the VRF changed meanwhile.
    yield* guard.admit(avi.update("vrfcontext", vrf.uuid, { ...vrf, static_routes: merged } as never))
    yield* Effect.logInfo("static routes synced to the VRF").pipe(
      Effect.annotateLogs({ vrf: options.vrf, routes: routes.length, nodes: nodes.size })
    )
  })

/** AKO's boot-time SE group label (`controller_obj_cache.go`): only on a group that has no labels at all. */
const labelServiceEngineGroup = (options: StaticRouteSyncOptions) =>
  Effect.gen(function*() {
    const avi = (yield* AviClient).withTenant(options.tenantName)
    const guard = yield* WriteGuard
    const found = yield* avi.findByName("serviceenginegroup", options.serviceEngineGroupName)
    if (Option.isNone(found)) {
      return yield* Effect.logWarning("the SE group does not exist; it gets no clustername label").pipe(
        Effect.annotateLogs("seGroup", options.serviceEngineGroupName)
      )
    }
    const group = found.value as unknown as RouteRecord & { readonly uuid: string }
    const labels = Array.isArray(group["labels"])
      ? group["labels"] as ReadonlyArray<{ key?: unknown; value?: unknown }>
      : []
    if (labels.some((label) => label.key === CLUSTER_LABEL && label.value === options.clusterName)) return
    if (labels.length > 0) {
      return yield* Effect.logWarning(
        "the SE group carries labels but not this cluster's clustername label; AKO refuses to start with it, ako-ts " +
          "leaves the labels alone"
      ).pipe(Effect.annotateLogs("seGroup", options.serviceEngineGroupName))
    }
    yield* guard.admit(
      avi.update("serviceenginegroup", group.uuid, {
        ...group,
        labels: [{ key: CLUSTER_LABEL, value: options.clusterName }]
      } as never)
    )
    yield* Effect.logInfo("SE group labelled for this cluster").pipe(
      Effect.annotateLogs({ seGroup: options.serviceEngineGroupName, clustername: options.clusterName })
    )
  })

const isPreconditionFailed = (error: AviError | NotLeader | VrfNotFound) => error._tag === "AviPreconditionFailed"

const retryConflict = Schedule.exponential("200 millis").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(5)))

/** Until it goes through: a controller that is down, or a VRF that is missing, is tried again within a minute. */
const retryFailure = Schedule.exponential("1 second").pipe(
  Schedule.modifyDelay((delay) => Duration.min(delay, Duration.minutes(1))),
  Schedule.jittered
)

/** What the routes depend on: per node in name order, its address and everything its pod CIDRs may come from. */
const routeInputs = (nodes: Iterable<Node>, settings: StaticRouteSettings, cni: CniPodCidrSource | undefined) => {
  const fromCni = cni === undefined ? undefined : cniPodCidrs(cni)
  return JSON.stringify(
    [...nodes].map((node) => {
      const name = node.metadata?.name ?? ""
      return [
        name,
        nodeAddresses(node, settings),
        node.spec?.podCIDR ?? "",
        node.spec?.podCIDRs ?? [],
        node.metadata?.annotations?.[POD_CIDRS_ANNOTATION] ?? "",
        node.metadata?.annotations?.[OVN_NODE_SUBNETS_ANNOTATION] ?? "",
        fromCni?.(name) ?? null
      ]
    }).sort(([a], [b]) => compareStrings(String(a), String(b)))
  )
}

/**
 * The leader's static route sync: the SE group label once, then a pass at the start of the term, after every Node
 * change that touches a route's inputs, and every resync interval. A failed pass is logged and retried with backoff;
 * losing the lead interrupts the loop (and the WriteGuard refuses a write that raced it).
 */
export const syncStaticRoutesWhileLeading = (
  options: StaticRouteSyncOptions
): Effect.Effect<never, never, Reflectors | AviClient | WriteGuard> =>
  Effect.scoped(Effect.gen(function*() {
    const reflectors = yield* Reflectors
    const nodeChanges = yield* reflectors.nodes.subscribe
    // A BlockAffinity, HostSubnet or CiliumNode change matters as much as a Node change: AKO enqueues the node it
    // names. Here both only trigger a pass that recomputes everything from the stores.
    const cniChanges = yield* Option.match(reflectors.podCidrs, {
      onNone: () => Effect.succeed(Stream.empty),
      onSome: (source) => source.reflector.subscribe
    })
    const changes = Stream.merge(nodeChanges, cniChanges)
    yield* reflectors.nodes.ready
    yield* Option.match(reflectors.podCidrs, { onNone: () => Effect.void, onSome: (source) => source.reflector.ready })
    yield* labelServiceEngineGroup(options).pipe(
      Effect.catchAll((error) =>
        error._tag === "NotLeader" ? Effect.void : Effect.logWarning("could not label the SE group").pipe(
          Effect.annotateLogs("error", error.message)
        )
      )
    )
    const reported = new Set<string>()
    // What the routes are computed from, as of the last pass that went through: a Node change that leaves it as it
    // was (a heartbeat, a condition, a label) reads nothing from Avi.
    let synced: string | undefined
    const inputsOf = Effect.map(
      Effect.zip(reflectors.nodes.snapshot, podCidrSource(reflectors)),
      ([nodes, cni]) => routeInputs(nodes.values(), options, cni)
    )
    const pass = Effect.gen(function*() {
      const inputs = yield* inputsOf
      yield* syncOnce(options, reported).pipe(
        Effect.retry({ schedule: retryConflict, while: isPreconditionFailed }),
        Effect.tapError((error) =>
          error._tag === "NotLeader" ? Effect.void : Effect.logWarning("static route sync failed; retrying").pipe(
            Effect.annotateLogs("error", error.message)
          )
        ),
        Effect.retry({ schedule: retryFailure, while: (error) => error._tag !== "NotLeader" })
      )
      synced = inputs
    }).pipe(
      // The retry above never gives up; what ends a pass early is the end of the term.
      Effect.catchAll((error) =>
        error._tag === "NotLeader" ? Effect.void : Effect.logError("static route sync stopped retrying").pipe(
          Effect.annotateLogs("error", error.message)
        )
      )
    )
    const ticks = Duration.toMillis(options.resyncInterval) > 0 ?
      Stream.tick(options.resyncInterval).pipe(Stream.as("resync" as const)) :
      Stream.empty
    yield* Stream.merge(ticks, Stream.as(changes, "change" as const)).pipe(
      // Bursts (a rolling upgrade, Calico handing out blocks) collapse into one pass.
      Stream.debounce("200 millis"),
      Stream.merge(Stream.make("resync" as const)),
      Stream.runForEach((trigger) =>
        trigger === "change" ?
          Effect.flatMap(inputsOf, (inputs) => inputs === synced ? Effect.void : pass) :
          pass
      )
    )
    return yield* Effect.never
  }))

export interface StaticRouteRemovalOptions {
  readonly clusterName: string
  readonly tenantName: string
  readonly serviceEngineGroupName: string
  readonly vrf: string
  /** Whether this cluster's routes go (static route sync was on); the SE group label goes in ClusterIP mode. */
  readonly removeRoutes: boolean
}

/** This cluster's routes out of the VRF, every other route as it was (AKO: the VRF model with no routes). */
const removeOwnRoutes = (options: StaticRouteRemovalOptions) =>
  Effect.gen(function*() {
    const avi = (yield* AviClient).withTenant(options.tenantName)
    const guard = yield* WriteGuard
    const found = yield* avi.findByName("vrfcontext", options.vrf)
    if (Option.isNone(found)) return yield* new VrfNotFound({ vrf: options.vrf })
    const vrf = found.value as unknown as RouteRecord & { readonly uuid: string }
    const existing = Array.isArray(vrf["static_routes"]) ? vrf["static_routes"] as ReadonlyArray<unknown> : []
    const kept = mergedVrfRoutes(existing, options.clusterName, [])
    if (kept === undefined) return
    yield* guard.admit(avi.update("vrfcontext", vrf.uuid, { ...vrf, static_routes: kept } as never))
    yield* Effect.logInfo("deleteConfig: this cluster's static routes removed from the VRF").pipe(
      Effect.annotateLogs({ vrf: options.vrf, removed: existing.length - kept.length })
    )
  }).pipe(Effect.retry({ schedule: retryConflict, while: isPreconditionFailed }))

/**
 * AKO's `DeConfigureSeGroupLabels`: the SE group loses the label `clustername=<this cluster>`; other labels stay. A
 * group without it is not written.
 */
const unlabelServiceEngineGroup = (options: StaticRouteRemovalOptions) =>
  Effect.gen(function*() {
    const avi = (yield* AviClient).withTenant(options.tenantName)
    const guard = yield* WriteGuard
    const found = yield* avi.findByName("serviceenginegroup", options.serviceEngineGroupName)
    if (Option.isNone(found)) return
    const group = found.value as unknown as RouteRecord & { readonly uuid: string }
    const labels = Array.isArray(group["labels"])
      ? group["labels"] as ReadonlyArray<{ key?: unknown; value?: unknown }>
      : []
    const kept = labels.filter((label) => !(label.key === CLUSTER_LABEL && label.value === options.clusterName))
    if (kept.length === labels.length) return
    // AKO's SDK leaves an empty label list out of the body, which clears it.
    const { labels: _dropped, ...rest } = group
    yield* guard.admit(
      avi.update("serviceenginegroup", group.uuid, (kept.length === 0 ? rest : { ...rest, labels: kept }) as never)
    )
    yield* Effect.logInfo("deleteConfig: this cluster's clustername label removed from the SE group").pipe(
      Effect.annotateLogs("seGroup", options.serviceEngineGroupName)
    )
  }).pipe(Effect.retry({ schedule: retryConflict, while: isPreconditionFailed }))

const removalRetry = Schedule.exponential("1 second").pipe(Schedule.jittered, Schedule.intersect(Schedule.recurs(5)))

/**
 * deleteConfig's part of static route sync (AKO `DeleteModels` for the VRF model, then `DeConfigureSeGroupLabels`):
 * this cluster's routes leave the VRF and the SE group loses this cluster's label; routes of other clusters and
 * routes without labels stay. A failure is retried a few times, then logged: like AKO, deleteConfig goes on. Only
 * the end of the term (NotLeader) ends it early; the next leader does it again.
 */
export const removeStaticRoutes = (
  options: StaticRouteRemovalOptions
): Effect.Effect<void, NotLeader, AviClient | WriteGuard> =>
  Effect.gen(function*() {
    const attempt = <E extends { readonly _tag: string; readonly message: string }>(
      what: string,
      step: Effect.Effect<void, E | NotLeader, AviClient | WriteGuard>
    ) =>
      step.pipe(
        // A missing VRF does not come back by itself; anything else may be the controller being briefly away.
        Effect.retry({
          schedule: removalRetry,
          while: (error) => error._tag !== "NotLeader" && error._tag !== "VrfNotFound"
        }),
        Effect.catchIf(
          (error): error is Exclude<typeof error, NotLeader> => error._tag !== "NotLeader",
          (error) =>
            Effect.logWarning(`deleteConfig: could not ${what}; deleteConfig goes on without it`).pipe(
              Effect.annotateLogs("error", error.message)
            )
        )
      )
    if (options.removeRoutes) yield* attempt("remove this cluster's static routes", removeOwnRoutes(options))
    yield* attempt("remove this cluster's label from the SE group", unlabelServiceEngineGroup(options))
  })
