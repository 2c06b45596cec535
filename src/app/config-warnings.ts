/**
 * Configuration warnings (`AkoConfig.warnings`, e.g. static route sync that ako-ts does not do yet) as Warning Events
 * on the controller's Deployment, so `kubectl describe` shows them and not only the start-up log. Written by the
 * leader when it takes the lead: the write goes through the WriteGuard like every other Event, and the recorder
 * folds a repeat in a later term into the same Event (count + 1).
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import type { ConfigWarning } from "../config/index.js"
import { bestEffort, EventRecorder } from "../k8s/index.js"
import type { DeploymentRef } from "./delete-config.js"
import { LiveConfig } from "./live-config.js"

export const emitConfigWarnings = (warnings: ReadonlyArray<ConfigWarning>, deployment: DeploymentRef) =>
  Effect.gen(function*() {
    if (warnings.length === 0) return
    const live = yield* LiveConfig
    if (!(yield* Ref.get(live.enableEvents))) return
    const recorder = yield* EventRecorder
    for (const warning of warnings) {
      yield* recorder.emit({
        involvedObject: { apiVersion: "apps/v1", kind: "Deployment", ...deployment },
        reason: warning.reason,
        message: warning.message,
        type: "Warning"
      }).pipe(bestEffort)
    }
  })
