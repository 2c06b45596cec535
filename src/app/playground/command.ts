/** `ako-ts playground`: the command line of the embedded playground. */
import { Command, Options } from "@effect/cli"
import { runPlayground } from "./playground.js"

const kubeconfigOut = Options.file("kubeconfig-out").pipe(
  Options.withDescription("write a kubeconfig of the simulated cluster here, for kubectl"),
  Options.optional
)

const demo = Options.boolean("demo").pipe(
  Options.withDescription(
    "scripted: once synced, SIGTERM the leader, then SIGKILL the next one, print the takeover times and exit"
  )
)

const replicas = Options.integer("replicas").pipe(
  Options.withDescription("controller replicas to run (1-9)"),
  Options.withDefault(2)
)

const noTui = Options.boolean("no-tui").pipe(
  Options.withDescription("plain lines instead of the live view (the default when stdout is not a terminal)")
)

export const playgroundCommand = Command.make("playground", { kubeconfigOut, demo, replicas, noTui }, runPlayground)
  .pipe(
    Command.withDescription(
      "Simulated Kubernetes and Avi in this process, a seeded demo and controller replicas: watch the takeovers."
    )
  )
