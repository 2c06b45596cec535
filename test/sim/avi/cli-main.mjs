// Runs `avi` from the built package as its own process, the way `ako-ts sim avi` does.
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { aviSimCommand } from "../../../dist/src/sim/avi/cli.js"

const cli = Command.run(aviSimCommand, { name: "avi-sim", version: "test" })
NodeRuntime.runMain(cli(process.argv).pipe(Effect.provide(NodeContext.layer)), { disablePrettyLogger: true })
