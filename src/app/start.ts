/**
 * The program behind the entry point (main.ts). One typed runtime supervises everything: SIGTERM/SIGINT interrupt
 * the main fiber, every finalizer runs, and the exit code is 0 for a clean stop and 1 for a failure (runMain's
 * teardown).
 *
 * `ako-ts run` (what every replica runs) is recognised here and started without loading the command-line library,
 * the playground or the simulators, which would otherwise stay in every replica's memory for its whole life; any
 * other command line, `run` with anything unusual included, goes through the full CLI.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { statSync } from "node:fs"
import { helpRequested } from "./help.js"
import { jsonLogging } from "./logging.js"
import type { LogLevelControl } from "./logging.js"
import { ReadinessLive } from "./readiness.js"
import type { Readiness } from "./readiness.js"

const tagOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "Error"

/** The failure report must not fail itself: a bug in rendering would swallow the one line that says what happened. */
const describe = (error: unknown) =>
  Effect.promise(() => import("./cli.js")).pipe(
    Effect.map(({ describeFailure }) => describeFailure(error, process.argv.slice(2))),
    Effect.catchAllDefect(() => Effect.succeed(`${tagOf(error)} (the error could not be rendered)`))
  )

/** Not a directory or other non-file (the CLI's file option rejects those with its own message). */
const plainFileOrMissing = (path: string): boolean => {
  try {
    return statSync(path).isFile()
  } catch {
    return true
  }
}

/** `run`, `run --kubeconfig FILE` or `run --kubeconfig=FILE`, exactly; anything else is the CLI's to parse. */
const plainRun = (args: ReadonlyArray<string>): Option.Option<Option.Option<string>> => {
  if (args[0] !== "run") return Option.none()
  if (args.length === 1) return Option.some(Option.none())
  const [flag, value] = args.length === 2 && args[1]!.startsWith("--kubeconfig=") ?
    ["--kubeconfig", args[1]!.slice("--kubeconfig=".length)] :
    [args[1], args[2]]
  if (args.length > 3 || flag !== "--kubeconfig" || value === undefined || value === "" || value.startsWith("-")) {
    return Option.none()
  }
  return plainFileOrMissing(value) ? Option.some(Option.some(value)) : Option.none()
}

const command: Effect.Effect<void, unknown, Readiness | LogLevelControl> = Option.match(
  plainRun(process.argv.slice(2)),
  {
    onSome: (kubeconfig) =>
      Effect.flatMap(
        Effect.promise(() => import("./run.js")),
        ({ runController }) => runController({ kubeconfig, healthAddress: Option.none() })
      ),
    onNone: () =>
      Effect.flatMap(
        Effect.promise(() => Promise.all([import("./cli.js"), import("@effect/platform-node/NodeContext")])),
        ([{ cli }, NodeContext]) => Effect.provide(cli(process.argv), NodeContext.layer)
      )
  }
)

const program = command.pipe(
  // Logged here, inside the JSON logger, so a start-up failure reads like every other line (runMain's own report is off).
  Effect.tapErrorCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const failure = Cause.failureOption(cause)
    return Effect.flatMap(describe(Cause.squash(cause)), (description) => {
      const message = `ako-ts failed: ${description}`
      // A typed failure already says what is wrong; only defects need the trace.
      return Option.isSome(failure) ?
        Effect.logError(message).pipe(Effect.annotateLogs("error", tagOf(failure.value))) :
        Effect.logError(message).pipe(Effect.annotateLogs("cause", Cause.pretty(cause)))
    })
  }),
  Effect.provide(Layer.mergeAll(ReadinessLive, jsonLogging(process.env["LOG_LEVEL"])))
)

// Help is answered before @effect/cli parses anything: its generated help does not say what a platform engineer
// needs (see help.ts), and a help request must work even next to an option the command would reject.
const help = helpRequested(process.argv.slice(2))
if (help === undefined) NodeRuntime.runMain(program, { disablePrettyLogger: true, disableErrorReporting: true })
else process.stdout.write(help)
