/**
 * The process proper, loaded by main.ts once the Node version is known to be right. One typed runtime supervises everything: SIGTERM/SIGINT interrupt the main fiber, every
 * finalizer runs, and the exit code is 0 for a clean stop and 1 for a failure (runMain's teardown).
 */
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Layer, Option } from "effect"
import { cli, describeFailure } from "./cli.js"
import { helpRequested } from "./help.js"
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

// Help is answered before @effect/cli parses anything: its generated help does not say what a platform engineer
// needs (see help.ts), and a help request must work even next to an option the command would reject.
const help = helpRequested(process.argv.slice(2))
if (help === undefined) NodeRuntime.runMain(program, { disablePrettyLogger: true, disableErrorReporting: true })
else process.stdout.write(help)
