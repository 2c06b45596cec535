#!/usr/bin/env node
/**
 * The playground on its own (`node dist/src/app/playground/cli-main.js [--demo] [--no-tui] …`), with the layers the
 * `ako-ts` entry point provides, so it can run and be tested independently of how `ako-ts` wires its subcommands.
 */
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { helpRequested } from "../help.js"
import { jsonLogging } from "../logging.js"
import { ReadinessLive } from "../readiness.js"
import { VERSION } from "../version.js"
import { playgroundCommand } from "./command.js"

const cli = Command.run(playgroundCommand, { name: "ako-ts playground", version: VERSION })

const program = cli(process.argv).pipe(
  // As main.ts does: a typed failure says what is wrong in one line; only a defect needs the trace.
  Effect.tapErrorCause((cause) => {
    if (Cause.isInterruptedOnly(cause)) return Effect.void
    const squashed = Cause.squash(cause)
    const message = `playground failed: ${squashed instanceof Error ? squashed.message : String(squashed)}`
    return Option.isSome(Cause.failureOption(cause)) ?
      Effect.logError(message) :
      Effect.logError(message).pipe(Effect.annotateLogs("cause", Cause.pretty(cause)))
  }),
  Effect.provide(Layer.mergeAll(NodeContext.layer, ReadinessLive, jsonLogging(process.env["LOG_LEVEL"])))
)

const help = helpRequested(["playground", ...process.argv.slice(2)])
if (help === undefined) NodeRuntime.runMain(program, { disablePrettyLogger: true, disableErrorReporting: true })
else process.stdout.write(help)
