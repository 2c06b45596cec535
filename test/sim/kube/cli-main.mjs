// Runs `kube` from the built package as its own process, the way `ako-ts sim kube` does.
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { kubeSimCommand } from "../../../dist/src/sim/kube/cli.js"

const cli = Command.run(kubeSimCommand, { name: "kube-sim", version: "test" })
NodeRuntime.runMain(cli(process.argv).pipe(Effect.provide(NodeContext.layer)), { disablePrettyLogger: true })
