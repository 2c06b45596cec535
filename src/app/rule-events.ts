/**
 * AKO's `Attached` Events on HostRules and HTTPRules (reference/ako-crds.md §1.8, §2.5): when a write changes which
 * rule a virtual service or pool carries in `service_metadata.crd_status`, the rule hears that its configuration was
 * applied to, or removed from, that object. `kubectl describe hostrule` shows where a rule is in effect.
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { bestEffort, EventRecorder } from "../k8s/index.js"
import type { AviBody, AviObjectType, ClusterSnapshot, CrdStatusMetadata } from "../model/index.js"
import { crdStatusOf } from "../model/index.js"
import type { CachedObject } from "../reconcile/index.js"
import { LiveConfig } from "./live-config.js"
import { involvedObject } from "./problem-events.js"

export interface AttachmentEvent {
  readonly kind: "HostRule" | "HTTPRule"
  readonly namespace: string
  readonly name: string
  readonly message: string
}

const isActive = (status: CrdStatusMetadata | undefined): status is CrdStatusMetadata => status?.status === "ACTIVE"

/** `ns/name` of a HostRule; `ns/name/<target>` of an HTTPRule, whose target path may hold slashes itself. */
const ruleOf = (status: CrdStatusMetadata) => {
  const [namespace = "", name = "", ...target] = status.value.split("/")
  return { namespace, name, target: target.length === 0 ? "" : `/${target.join("/").replace(/^\//, "")}` }
}

const eventFor = (
  status: CrdStatusMetadata,
  type: AviObjectType,
  objectName: string,
  applied: boolean
): AttachmentEvent | undefined => {
  const rule = ruleOf(status)
  const verb = applied ? "applied to" : "removed from"
  if (status.type === "HostRule" && type === "virtualservice") {
    return {
      kind: "HostRule",
      namespace: rule.namespace,
      name: rule.name,
      message: `configuration ${verb} VirtualService ${objectName}`
    }
  }
  if (status.type === "HTTPRule" && type === "pool") {
    return {
      kind: "HTTPRule",
      namespace: rule.namespace,
      name: rule.name,
      message: `configuration for target path ${rule.target} ${verb} Pool ${objectName}`
    }
  }
  return undefined
}

/**
 * The Events one object's write calls for: a rule that became active (or changed owner) on it is applied, one that
 * stopped being active (or whose object went) is removed. `after` undefined: the object was deleted.
 */
export const attachmentEvents = (
  type: AviObjectType,
  objectName: string,
  before: AviBody | undefined,
  after: AviBody | undefined
): ReadonlyArray<AttachmentEvent> => {
  const was = crdStatusOf(before)
  const now = crdStatusOf(after)
  const sameRule = was?.type === now?.type && was?.value === now?.value
  const events: Array<AttachmentEvent> = []
  if (isActive(was) && (!isActive(now) || !sameRule)) {
    const event = eventFor(was, type, objectName, false)
    if (event !== undefined) events.push(event)
  }
  if (isActive(now) && (!isActive(was) || !sameRule)) {
    const event = eventFor(now, type, objectName, true)
    if (event !== undefined) events.push(event)
  }
  return events
}

/**
 * Emits the Events of the objects a reconcile wrote, on the rules (with their uid from the snapshot, so `kubectl
 * describe` shows them); a failed Event is logged, never fatal.
 */
export const emitAttachmentEvents = (
  changes: ReadonlyArray<{ readonly object: CachedObject | undefined; readonly before: CachedObject | undefined }>,
  /** Read only when an Event is sent (see `emitProblems`). */
  snapshot: Effect.Effect<ClusterSnapshot>
) =>
  Effect.gen(function*() {
    const events = changes.flatMap(({ before, object }) => {
      const reference = object ?? before
      if (reference === undefined) return []
      return attachmentEvents(reference.type, reference.name, before?.body, object?.body)
    })
    if (events.length === 0) return
    const live = yield* LiveConfig
    if (!(yield* Ref.get(live.enableEvents))) return
    const recorder = yield* EventRecorder
    const current = yield* snapshot
    for (const event of events) {
      yield* recorder.emit({
        involvedObject: involvedObject({ kind: event.kind, namespace: event.namespace, name: event.name }, current),
        reason: "Attached",
        message: event.message,
        type: "Normal"
      }).pipe(bestEffort)
    }
  })
