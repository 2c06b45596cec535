#!/usr/bin/env node
/**
 * Process entry point. One typed runtime supervises everything: SIGTERM/SIGINT interrupt the main fiber, every
 * finalizer runs, and the exit code is 0 for a clean stop and 1 for a failure (runMain's teardown).
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Layer, Option } from "effect"
import { cli, describeFailure } from "./cli.js"
import { jsonLogging } from "./logging.js"
import { ReadinessLive } from "./readiness.js"

const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"

/** The failure report must not fail itself: a bug in rendering would swallow the one line that says what happened. */
const describe = (error: unknown): string => {
  try {
    return describeFailure(error, process.argv.slice(2))
  } catch {
    return `${tagOf(error)} (the error could not be rendered)`
  }
}

const program = cli(process.argv).pipe(
  // Logged here, inside the JSON logger, so a start-up failure reads like every other line (runMain's own report is off).
  Effect.tapErrorCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const failure = Cause.failureOption(cause)
    const message = `ako-ts failed: ${describe(Cause.squash(cause))}`
    // A typed failure already says what is wrong; only defects need the trace.
    return Option.isSome(failure) ?
      Effect.logError(message).pipe(Effect.annotateLogs("error", tagOf(failure.value))) :
      Effect.logError(message).pipe(Effect.annotateLogs("cause", Cause.pretty(cause)))
  }),
  Effect.provide(Layer.mergeAll(NodeContext.layer, ReadinessLive, jsonLogging(process.env["LOG_LEVEL"])))
)

NodeRuntime.runMain(program, { disablePrettyLogger: true, disableErrorReporting: true })
