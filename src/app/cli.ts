/** The `ako-ts` command line: `run` (the controller; also what a bare `ako-ts` does) and the simulators. */
import { Command, Options } from "@effect/cli"
import { runController } from "./run.js"
import { VERSION } from "./version.js"

const kubeconfig = Options.file("kubeconfig").pipe(
  Options.withDescription("kubeconfig file; default: KUBECONFIG, ~/.kube/config, then the in-cluster ServiceAccount"),
  Options.optional
)

const run = Command.make("run", { kubeconfig }, runController).pipe(
  Command.withDescription("Run the controller (one replica of the active/passive set).")
)

export const rootCommand = Command.make("ako-ts", { kubeconfig }, runController).pipe(
  Command.withDescription("Avi Kubernetes Operator in TypeScript."),
  Command.withSubcommands([run])
)

export const cli = Command.run(rootCommand, { name: "ako-ts", version: VERSION })
