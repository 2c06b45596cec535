/**
 * deleteConfig as AKO does it (reference/ako-objects.md §5): while the ConfigMap says `deleteConfig: "true"`, the
 * leader deletes every Avi object this cluster owns, clears the statuses it wrote, records progress on the
 * controller's Deployment (`AviObjectDeletionStatus: Started → Done | Timeout`) with Events, then idles. Setting it
 * back to "false" removes the annotation and the ordinary takeover pass syncs everything again. Every run starts from
 * a fresh listing of what is owned, so a crash halfway simply continues.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import { NotLeader, WriteGuard } from "../election/index.js"
import { EventRecorder, KubeClient, MERGE_PATCH } from "../k8s/index.js"
import type { KubeError } from "../k8s/index.js"
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

const isNotLeader = (error: unknown): error is NotLeader => error instanceof NotLeader

/** Worth another attempt: no answer, or an answer that says "not now" (429, 5xx) rather than "never". */
const isTransient = (error: KubeError): boolean =>
  error._tag === "KubeTransportError" || error.status === 0 || error.status === 429 || error.status >= 500

const describeKubeError = (error: KubeError): string =>
  error._tag === "KubeApiError" ?
    `${error.method} ${error.path}: HTTP ${error.status}${error.reason === "" ? "" : ` ${error.reason}`}: ${
      error.message || "(no message)"
    }` :
    `${error.method} ${error.path}: ${error.message}`

// About 45 s of attempts: enough to ride out an API server restart, short enough that deleteConfig goes on.
const kubeRetry = Schedule.exponential("500 millis").pipe(
  Schedule.union(Schedule.spaced("10 seconds")),
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(8))
)

const aviRetry = Schedule.exponential("1 second").pipe(
  Schedule.union(Schedule.spaced("30 seconds")),
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(5))
)

/**
 * deleteConfig's Kubernetes bookkeeping (progress annotation, cleared statuses, Events) must never stop the process:
 * a transient error is logged and retried with backoff, and what still fails is logged and left behind. A refusal
 * of the write guard (NotLeader) passes through: the term is over and the next leader starts deleteConfig again.
 */
const bestEffort = <A, R>(what: string, write: Effect.Effect<A, KubeError | NotLeader, R>) =>
  write.pipe(
    Effect.tapError((error) =>
      isNotLeader(error) ? Effect.void : Effect.logWarning(
        isTransient(error) ? `could not ${what}; retrying` : `could not ${what}`
      ).pipe(Effect.annotateLogs("error", describeKubeError(error)))
    ),
    Effect.retry({ schedule: kubeRetry, while: (error) => !isNotLeader(error) && isTransient(error) }),
    Effect.asVoid,
    Effect.catchIf(
      (error): error is KubeError => !isNotLeader(error),
      (error) =>
        Effect.logWarning(`gave up trying to ${what}; deleteConfig goes on without it`).pipe(
          Effect.annotateLogs("error", describeKubeError(error))
        )
    )
  )

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

const recordDeletionStatus = (deployment: DeploymentRef, value: string | null) =>
  bestEffort(
    value === null ?
      `remove ${DELETION_STATUS_ANNOTATION} from Deployment ${deployment.namespace}/${deployment.name}` :
      `set ${DELETION_STATUS_ANNOTATION}=${value} on Deployment ${deployment.namespace}/${deployment.name}`,
    annotateDeletionStatus(deployment, value)
  )

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
    yield* recordDeletionStatus(deployment, null)
  })

const deploymentEvent = (deployment: DeploymentRef, reason: string, message: string) =>
  Effect.gen(function*() {
    const recorder = yield* EventRecorder
    yield* bestEffort(
      `record the ${reason} Event`,
      recorder.emit({
        involvedObject: { apiVersion: "apps/v1", kind: "Deployment", ...deployment },
        reason,
        message,
        type: "Normal"
      })
    )
  })

/**
 * `cleanup` removes what deleteConfig removes besides the owned objects (static routes, the SE group label); it
 * handles its own failures and fails only with NotLeader.
 */
export const deleteConfigProgram = <R>(
  graph: DesiredGraph,
  deployment: DeploymentRef,
  routerName: string,
  cleanup: Effect.Effect<void, NotLeader, R> = Effect.void
) =>
  Effect.gen(function*() {
    yield* Effect.logWarning("deleteConfig is true: deleting every Avi object this cluster owns")
    yield* recordDeletionStatus(deployment, "Started")
    yield* deploymentEvent(deployment, "AKODeleteConfigStarted", "deleting every Avi object this cluster owns")
    const summary = yield* deleteAllOwned({
      onProgress: (progress) =>
        Effect.logInfo("deleteConfig progress").pipe(
          Effect.annotateLogs({ deleted: progress.deleted, remaining: progress.remaining, total: progress.total })
        )
    }).pipe(
      Effect.tapError((error) =>
        isNotLeader(error) ?
          Effect.void :
          Effect.logWarning("deleteConfig: deleting owned Avi objects failed; retrying")
            .pipe(Effect.annotateLogs({ error: error._tag, detail: error.message }))
      ),
      Effect.retry({ schedule: aviRetry, while: (error) => !isNotLeader(error) }),
      Effect.timeoutFail({ duration: DELETE_TIMEOUT, onTimeout: () => "timeout" as const }),
      Effect.asSome,
      // Whatever Avi left undeleted is reported below (Timeout); only losing the lead stops the program here.
      Effect.catchIf(
        (error): error is Exclude<typeof error, NotLeader> => !isNotLeader(error),
        (error) =>
          Effect.logWarning("deleteConfig: gave up deleting owned Avi objects").pipe(
            Effect.annotateLogs(
              "error",
              error === "timeout" ? `not finished within ${Duration.format(DELETE_TIMEOUT)}` : error.message
            ),
            Effect.as(Option.none())
          )
      )
    )
    yield* cleanup
    const owners = new Map<string, ObjectRef>()
    for (const unit of (yield* graph.state).values()) {
      for (const owner of unit.owners) owners.set(refKey(owner), owner)
    }
    yield* bestEffort(
      "clear the statuses of the objects this cluster handled",
      syncStatuses([...owners.values()].map(clearedStatus), routerName)
    )
    const done = Option.isSome(summary) && summary.value.done
    yield* recordDeletionStatus(deployment, done ? "Done" : "Timeout")
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
  }).pipe(
    // Losing the lead ends this term's part of deleteConfig; the runner interrupts this fiber next, and the next
    // leader (maybe this replica again) starts over from a fresh listing of what is still owned.
    Effect.catchIf(
      isNotLeader,
      (error) =>
        Effect.logInfo("deleteConfig paused: this replica stopped leading; the next leader carries on").pipe(
          Effect.annotateLogs("reason", error.reason),
          Effect.zipRight(Effect.never)
        )
    )
  )
