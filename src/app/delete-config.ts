/**
 * deleteConfig as AKO does it (reference/ako-objects.md §5): while the ConfigMap says `deleteConfig: "true"`, the
 * leader deletes every Avi object this cluster owns, clears the statuses it wrote, records progress on the
 * controller's Deployment (`AviObjectDeletionStatus: Started → Done | Timeout`) with Events, then idles. Setting it
 * back to "false" removes the annotation and the ordinary takeover pass syncs everything again. Every run starts from
 * a fresh listing of what is owned, so a crash halfway simply continues.
 */
import { Duration, Effect, Option } from "effect"
import { WriteGuard } from "../election/index.js"
import { EventRecorder, KubeClient, MERGE_PATCH } from "../k8s/index.js"
import { refKey } from "../model/index.js"
import type { ObjectRef } from "../model/index.js"
import { clearedStatus, deleteAllOwned } from "../reconcile/index.js"
import type { DesiredGraph } from "./desired-graph.js"
import { syncStatuses } from "./status-sync.js"

export const DELETION_STATUS_ANNOTATION = "AviObjectDeletionStatus"
const DELETE_TIMEOUT = Duration.minutes(30)

export interface DeploymentRef {
  readonly namespace: string
  readonly name: string
}

const deploymentPath = (deployment: DeploymentRef) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(deployment.namespace)}/deployments/${
    encodeURIComponent(deployment.name)
  }`

/** Sets (or with null removes) the progress annotation; a controller run without a Deployment only logs. */
export const annotateDeletionStatus = (deployment: DeploymentRef, value: string | null) =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const guard = yield* WriteGuard
    yield* guard.admit(client.request({
      method: "PATCH",
      path: deploymentPath(deployment),
      body: { metadata: { annotations: { [DELETION_STATUS_ANNOTATION]: value } } },
      contentType: MERGE_PATCH
    })).pipe(
      Effect.catchIf((error) => error._tag === "KubeApiError" && error.status === 404, () =>
        Effect.logWarning("no controller Deployment to annotate with the deleteConfig progress").pipe(
          Effect.annotateLogs("deployment", `${deployment.namespace}/${deployment.name}`)
        ))
    )
  })

/**
 * After deleteConfig went back to false: removes the progress annotation if it is there. Reads first, so a normal
 * takeover writes nothing to the Deployment.
 */
export const clearDeletionStatus = (deployment: DeploymentRef) =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const current = yield* client.request({ method: "GET", path: deploymentPath(deployment) }).pipe(
      Effect.map((body) => (body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations),
      Effect.catchAll(() => Effect.succeed(undefined))
    )
    if (current?.[DELETION_STATUS_ANNOTATION] === undefined) return
    yield* annotateDeletionStatus(deployment, null)
  })

const deploymentEvent = (deployment: DeploymentRef, reason: string, message: string) =>
  Effect.gen(function*() {
    const recorder = yield* EventRecorder
    yield* recorder.emit({
      involvedObject: { apiVersion: "apps/v1", kind: "Deployment", ...deployment },
      reason,
      message,
      type: "Normal"
    }).pipe(Effect.catchIf((error) => error._tag !== "NotLeader", () => Effect.void))
  })

export const deleteConfigProgram = (graph: DesiredGraph, deployment: DeploymentRef, routerName: string) =>
  Effect.gen(function*() {
    yield* Effect.logWarning("deleteConfig is true: deleting every Avi object this cluster owns")
    yield* annotateDeletionStatus(deployment, "Started")
    yield* deploymentEvent(deployment, "AKODeleteConfigStarted", "deleting every Avi object this cluster owns")
    const summary = yield* deleteAllOwned({
      onProgress: (progress) =>
        Effect.logInfo("deleteConfig progress").pipe(
          Effect.annotateLogs({ deleted: progress.deleted, remaining: progress.remaining, total: progress.total })
        )
    }).pipe(
      Effect.retry({ times: 5, while: (error) => error._tag !== "NotLeader" }),
      Effect.timeout(DELETE_TIMEOUT),
      Effect.option
    )
    const owners = new Map<string, ObjectRef>()
    for (const unit of (yield* graph.state).values()) {
      for (const owner of unit.owners) owners.set(refKey(owner), owner)
    }
    yield* syncStatuses([...owners.values()].map(clearedStatus), routerName)
    const done = Option.isSome(summary) && summary.value.done
    yield* annotateDeletionStatus(deployment, done ? "Done" : "Timeout")
    yield* deploymentEvent(
      deployment,
      done ? "AKODeleteConfigDone" : "AKODeleteConfigTimeout",
      done ?
        "every Avi object this cluster owned is deleted; syncing stays off while deleteConfig is true" :
        "not every owned Avi object could be deleted; set deleteConfig to false and true again to retry"
    )
    yield* Effect.logInfo("deleteConfig finished; idle until deleteConfig is false").pipe(
      Effect.annotateLogs({ done, remaining: Option.match(summary, { onNone: () => -1, onSome: (s) => s.remaining }) })
    )
    return yield* Effect.never
  })
