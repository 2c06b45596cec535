/** The `ako-ts` command line: `run` (the controller), `playground`, and `sim kube|avi`. */
import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { aviSimCommand } from "../sim/avi/cli.js"
import { kubeSimCommand } from "../sim/kube/cli.js"
import { runPlan } from "./plan.js"
import { defaultPlaygroundOptions, noClusterConfigured, playgroundCommand, runPlayground } from "./playground/index.js"
import { runController } from "./run.js"
import type { RunOptions } from "./run.js"
import { VERSION } from "./version.js"

const kubeconfig = Options.file("kubeconfig").pipe(
  Options.withDescription("kubeconfig file; default: KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount"),
  Options.optional
)

const run = Command.make("run", { kubeconfig }, runController).pipe(
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
 * A bare `ako-ts` (and `npm start`) with no cluster configured anywhere opens the playground instead of failing:
 * the first thing a newcomer runs shows the controller working. `ako-ts run` never falls back, so a misconfigured
 * pod fails loudly instead of starting simulators.
 */
const runOrPlayground = (options: RunOptions) =>
  Effect.if(noClusterConfigured(options.kubeconfig), {
    onTrue: () => runPlayground(defaultPlaygroundOptions),
    onFalse: () => runController(options)
  })

export const rootCommand = Command.make("ako-ts", { kubeconfig }, runOrPlayground).pipe(
  Command.withDescription("Avi Kubernetes Operator in TypeScript."),
  Command.withSubcommands([run, plan, sim, playgroundCommand])
)

export const cli = Command.run(rootCommand, { name: "ako-ts", version: VERSION })
