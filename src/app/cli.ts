/** The `ako-ts` command line: `run` (the controller), `playground`, and `sim kube|avi`. */
import { Command, CommandDescriptor, HelpDoc, Options, ValidationError } from "@effect/cli"
import type * as HashMap from "effect/HashMap"
import * as Redacted from "effect/Redacted"
import { aviSimCommand } from "../sim/avi/cli.js"
import { kubeSimCommand } from "../sim/kube/cli.js"
import { runPlan } from "./plan.js"
import { defaultPlaygroundOptions, playgroundCommand, runPlayground } from "./playground/index.js"
import { runController } from "./run.js"
import { VERSION } from "./version.js"

const kubeconfig = Options.file("kubeconfig").pipe(
  Options.withDescription("kubeconfig file; default: KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount"),
  Options.optional
)

const healthAddress = Options.text("health-address").pipe(
  Options.withDescription("address the health and metrics server binds; default 0.0.0.0 in a pod, else 127.0.0.1"),
  Options.optional
)

const run = Command.make("run", { kubeconfig, healthAddress }, runController).pipe(
  Command.withDescription("Run the controller (one replica of the active/passive set).")
)

const plan = Command.make("plan", { kubeconfig }, runPlan).pipe(
  Command.withDescription(
    "Print what `run` would write to Avi and Kubernetes if it took the lead now, without writing anything or " +
      "joining the election; exits 1 when there is anything to write. Run it beside a live AKO before switching."
  )
)

const sim = Command.make("sim").pipe(
  Command.withDescription("Run a simulator: `sim kube` (Kubernetes API) or `sim avi` (Avi Controller)."),
  Command.withSubcommands([kubeSimCommand, aviSimCommand])
)

/**
 * A bare `ako-ts` (and `npm start`) always opens the playground, whatever kubeconfig the machine has: a laptop's
 * KUBECONFIG often points at a production cluster, and a controller started there by accident would join its
 * election and write to its Avi. Only `ako-ts run` connects to a real cluster.
 */
export const rootCommand = Command.make("ako-ts", {}, () => runPlayground(defaultPlaygroundOptions)).pipe(
  Command.withDescription("Avi Kubernetes Operator in TypeScript."),
  Command.withSubcommands([run, plan, sim, playgroundCommand])
)

export const cli = Command.run(rootCommand, { name: "ako-ts", version: VERSION })

/** Every command and subcommand name, for telling which argument of a rejected command line is the stray one. */
const commandNames = (): ReadonlySet<string> => {
  const names = new Set<string>()
  const visit = (subcommands: HashMap.HashMap<string, CommandDescriptor.Command<unknown>>) => {
    for (const [name, descriptor] of subcommands) {
      // a descriptor's subcommands include itself: stop at names already seen
      if (names.has(name)) continue
      names.add(name)
      visit(CommandDescriptor.getSubcommands(descriptor))
    }
  }
  visit(Command.getSubcommands(rootCommand))
  return names
}

// Written out so the source holds no control character; @effect/cli may style its text for a terminal.
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

const helpText = (doc: HelpDoc.HelpDoc): string =>
  HelpDoc.toAnsiText(doc).replace(ANSI_STYLE, "").replace(/\s*\n\s*/g, " ").trim()

/** The first argument that is neither a command name nor a known option (or its value). */
const strayArgument = (args: ReadonlyArray<string>): string | undefined => {
  const names = commandNames()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === "--kubeconfig") {
      i++
      continue
    }
    if (arg.startsWith("--kubeconfig=") || names.has(arg)) continue
    return arg
  }
  return undefined
}

const describeValidationError = (error: ValidationError.ValidationError, args: ReadonlyArray<string>): string => {
  const text = helpText(error.error)
  if (error._tag === "CommandMismatch") {
    const stray = strayArgument(args)
    if (stray !== undefined) return `invalid command line: unknown argument '${stray}' (${text})`
  }
  const named = args.some((arg) => text.includes(arg))
  return named || args.length === 0 ?
    `invalid command line: ${text}` :
    `invalid command line: ${text} (arguments: ${args.join(" ")})`
}

const fieldText = (value: unknown): string =>
  Redacted.isRedacted(value) ? "<redacted>" : typeof value === "object" && value !== null ?
    JSON.stringify(value) :
    String(value)

/**
 * One readable sentence for whatever ended the process, never `[object Object]` or an empty string: the error's
 * own message; an @effect/cli validation error as the CLI words it, naming the argument at fault; a tagged error
 * without a message as its tag and fields (`NotLeader: renew deadline passed …`).
 */
export const describeFailure = (error: unknown, args: ReadonlyArray<string>): string => {
  if (ValidationError.isValidationError(error)) return describeValidationError(error, args)
  if (error instanceof Error && error.message.trim() !== "") return error.message
  if (typeof error === "object" && error !== null) {
    const record = error as Record<string, unknown>
    const tag = typeof record["_tag"] === "string" ? record["_tag"] : error instanceof Error ? error.name : "Error"
    const fields = Object.entries(record).filter(([key]) =>
      key !== "_tag" && key !== "message" && key !== "stack" && key !== "cause" && key !== "name"
    )
    if (fields.length === 0) return tag
    const [only] = fields
    if (fields.length === 1 && typeof only![1] === "string") return `${tag}: ${only![1]}`
    return `${tag}: ${fields.map(([key, value]) => `${key}=${fieldText(value)}`).join(", ")}`
  }
  return String(error)
}
