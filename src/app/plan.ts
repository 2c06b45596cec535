/**
 * `ako-ts plan`: what `ako-ts run` would write if it took the lead now, computed beside a live AKO (or a live
 * ako-ts) without writing anything. It joins no election and takes no Lease; its Avi client refuses every write
 * before sending it and it has no Kubernetes writer at all. It reads the same configuration, lists the same
 * objects, translates, plans the takeover, prints each write with the fields that differ, and ends with one line:
 * `plan: 0 writes` (exit 0), or the counts (exit 1), so a pipeline can gate a switch on it.
 */
import type * as k8s from "@kubernetes/client-node"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import { AviClient, AviRequestFailed } from "../avi/index.js"
import type { AviClientService } from "../avi/index.js"
import { kubeClientLayer, Reflectors, reflectorsLayer } from "../k8s/index.js"
import type { ObjectRef } from "../model/index.js"
import { akoUser, refKey, serviceKeyOfSlice } from "../model/index.js"
import {
  AviCache,
  cacheAddresses,
  carriesAkoStatus,
  holdUnmodelled,
  planAviTakeover,
  planKubeTakeover,
  statusesFor
} from "../reconcile/index.js"
import type {
  FieldChange,
  ObservedObject,
  ObservedRoute,
  PlannedAviWrite,
  PlannedKubeWrite
} from "../reconcile/index.js"
import { readAviEnvironment } from "./avi-environment.js"
import { aviClientConfig, environmentChecks, modelSettings, nodeNetworkContext, servesRoutes } from "./controller.js"
import { makeDesiredGraph } from "./desired-graph.js"
import { loadKubeConfig } from "./kube-bootstrap.js"
import { withResolvedNodeNetworks } from "./node-networks.js"
import { acceptedRules } from "./rule-validation.js"
import { ClusterBootstrap, loadSettings } from "./settings.js"
import type { Settings } from "./settings.js"

export class PlanHasWrites extends Data.TaggedError("PlanHasWrites")<{
  readonly avi: number
  readonly kube: number
}> {
  override get message(): string {
    return `a takeover now would make ${this.avi} Avi writes and ${this.kube} Kubernetes writes (see the plan above)`
  }
}

/** The live client with every write refused before it is sent: `plan` must not be able to change anything. */
const readOnly = (client: AviClientService): AviClientService => {
  const refuse = (method: string, path: string) =>
    Effect.fail(
      new AviRequestFailed({ method, path, status: 0, message: "ako-ts plan is read-only: the write was not sent" })
    )
  return {
    ...client,
    create: (type) => refuse("POST", `/api/${type}`),
    update: (type, uuid) => refuse("PUT", `/api/${type}/${uuid}`),
    patch: (type, uuid) => refuse("PATCH", `/api/${type}/${uuid}`),
    delete: (type, uuid) => refuse("DELETE", `/api/${type}/${uuid}`),
    request: (request) =>
      request.method === undefined || request.method === "GET" ?
        client.request(request) :
        refuse(request.method, request.path),
    withTenant: (tenant) => readOnly(client.withTenant(tenant))
  }
}

const show = (value: unknown): string => {
  const text = value === undefined ? "(absent)" : JSON.stringify(value)
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

const changeLines = (changes: ReadonlyArray<FieldChange>): ReadonlyArray<string> =>
  changes.map((change) => `      ${change.path}: ${show(change.from)} → ${show(change.to)}`)

/** The plan as text: one block per write, then the total line. */
export const renderPlan = (
  avi: ReadonlyArray<PlannedAviWrite>,
  kube: ReadonlyArray<PlannedKubeWrite>
): string => {
  const lines: Array<string> = []
  if (avi.length > 0) {
    lines.push("Avi:")
    for (const write of avi) {
      lines.push(`  ${write.op} ${write.type} ${write.name} (tenant ${write.tenant})`, ...changeLines(write.changes))
    }
  }
  if (kube.length > 0) {
    lines.push("Kubernetes:")
    for (const write of kube) {
      const object = `${write.object.kind} ${write.object.namespace ?? ""}/${write.object.name}`
      lines.push(`  ${write.what} of ${object}`, ...changeLines(write.changes))
    }
  }
  const count = (op: string) => avi.filter((w) => w.op === op).length
  lines.push(
    avi.length + kube.length === 0 ?
      "plan: 0 writes" :
      `plan: ${avi.length + kube.length} writes: ${avi.length} to Avi (${count("create")} create, ${
        count("update")
      } update, ${count("delete")} delete), ${kube.length} to Kubernetes`
  )
  return lines.join("\n")
}

const planWith = (settings: Settings) =>
  Effect.gen(function*() {
    const reflectors = yield* Reflectors
    const cache = yield* AviCache
    yield* Effect.forkScoped(reflectors.run)
    const environment = yield* readAviEnvironment(
      settings.config.cloudName,
      settings.config.vipNetworkList,
      environmentChecks(settings)
    )
    const graph = yield* makeDesiredGraph(
      reflectors,
      modelSettings(settings, environment),
      yield* withResolvedNodeNetworks(acceptedRules(reflectors), nodeNetworkContext(settings, environment))
    )
    yield* Effect.forkScoped(graph.run)
    yield* graph.ready
    yield* cache.refresh
    const desired = yield* graph.state
    const snapshot = yield* graph.snapshot
    const avi = planAviTakeover(desired, cache.view, settings.config.clusterName, holdUnmodelled(cache.config))
    // Objects handled now, and objects that carry AKO's status without being handled (they would be cleared).
    const objects = new Map<string, ObjectRef>()
    for (const unit of desired.values()) for (const owner of unit.owners) objects.set(refKey(owner), owner)
    const candidates: ReadonlyArray<["Service" | "Ingress" | "Route", ReadonlyMap<string, unknown>]> = [
      ["Service", snapshot.services],
      ["Ingress", snapshot.ingresses],
      ["Route", snapshot.routes]
    ]
    const current = (object: ObjectRef) => {
      const map = object.kind === "Service" ? snapshot.services : object.kind === "Ingress" ?
        snapshot.ingresses :
        snapshot.routes
      return map.get(`${object.namespace ?? ""}/${object.name}`) as (ObservedObject & ObservedRoute) | undefined
    }
    for (const [kind, map] of candidates) {
      for (const [key, value] of map) {
        const observed = value as ObservedObject
        const slash = key.indexOf("/")
        const ref: ObjectRef = { kind, namespace: key.slice(0, slash), name: key.slice(slash + 1) }
        if (carriesAkoStatus(observed)) objects.set(refKey(ref), ref)
      }
    }
    const statuses = statusesFor(objects.values(), desired.values(), cacheAddresses(cache.view), {
      controllerClusterUuid: environment.controllerClusterUuid
    })
    const kube = planKubeTakeover(statuses, current, akoUser(settings.config.clusterName))
    yield* Console.log(renderPlan(avi, kube))
    if (avi.length + kube.length > 0) return yield* new PlanHasWrites({ avi: avi.length, kube: kube.length })
  })

const planLayer = (kubeConfig: k8s.KubeConfig, settings: Settings, openshift: boolean) => {
  const avi = Layer.effect(AviClient, Effect.map(AviClient, readOnly)).pipe(
    Layer.provide(AviClient.layer({ ...aviClientConfig(settings), clientIdentity: "ako-ts-plan" }))
  )
  return Layer.mergeAll(
    reflectorsLayer({ namespace: settings.identity.podNamespace, openshift, endpointSliceIndex: serviceKeyOfSlice }),
    AviCache.layer({
      clusterName: settings.config.clusterName,
      cloudName: settings.config.cloudName,
      tenantName: settings.config.tenantName,
      listTenant: settings.config.dedicatedTenantMode ? settings.config.tenantName : "*"
    })
  ).pipe(Layer.provideMerge(Layer.mergeAll(kubeClientLayer(kubeConfig), avi)))
}

export interface PlanOptions {
  readonly kubeconfig: Option.Option<string>
}

export const runPlan = (options: PlanOptions) =>
  Effect.gen(function*() {
    const kubeConfig = yield* loadKubeConfig(Option.getOrUndefined(options.kubeconfig))
    const settings = yield* loadSettings.pipe(Effect.provide(ClusterBootstrap.fromKubeConfig(kubeConfig)))
    const openshift = yield* servesRoutes(kubeConfig)
    return yield* planWith(settings).pipe(Effect.provide(planLayer(kubeConfig, settings, openshift)))
  }).pipe(
    Effect.scoped,
    // The plan is the output; only warnings and errors of the machinery go to the log.
    Logger.withMinimumLogLevel(LogLevel.Warning)
  )
