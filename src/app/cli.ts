/** The `ako-ts` command line: `run` (the controller; also what a bare `ako-ts` does) and `sim kube|avi`. */
import { Command, Options } from "@effect/cli"
import { aviSimCommand } from "../sim/avi/cli.js"
import { kubeSimCommand } from "../sim/kube/cli.js"
import { runController } from "./run.js"
import { VERSION } from "./version.js"

const kubeconfig = Options.file("kubeconfig").pipe(
  Options.withDescription("kubeconfig file; default: KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount"),
  Options.optional
)

const run = Command.make("run", { kubeconfig }, runController).pipe(
  Command.withDescription("Run the controller (one replica of the active/passive set).")
)

const sim = Command.make("sim").pipe(
  Command.withDescription("Run a simulator: `sim kube` (Kubernetes API) or `sim avi` (Avi Controller)."),
  Command.withSubcommands([kubeSimCommand, aviSimCommand])
)

export const rootCommand = Command.make("ako-ts", { kubeconfig }, runController).pipe(
  Command.withDescription("Avi Kubernetes Operator in TypeScript."),
  Command.withSubcommands([run, sim])
)

export const cli = Command.run(rootCommand, { name: "ako-ts", version: VERSION })
