/**
 * `ako-ts sim avi`: runs the Avi Controller simulator as its own process until SIGINT/SIGTERM. It prints exactly
 * one line when ready:
 *   `avi-sim ready url=https://127.0.0.1:PORT user=admin password=avi-sim-admin`
 * (the password is only printed when it is the documented default). With `--snapshot FILE` the store is restored
 * from FILE at start (when it exists) and written back on shutdown.
 */
import { Command, Options } from "@effect/cli"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, AVI_SIM_DEFAULT_VERSION, makeAviSim } from "./index.js"

const port = Options.integer("port").pipe(
  Options.withDefault(0),
  Options.withDescription("port to listen on; 0 picks a free one")
)
const host = Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
const plainHttp = Options.boolean("http").pipe(Options.withDescription("serve plain HTTP instead of HTTPS"))
const user = Options.text("user").pipe(
  Options.withDefault(AVI_SIM_DEFAULT_USER),
  Options.withDescription("the user that may log in")
)
const password = Options.redacted("password").pipe(
  Options.optional,
  Options.withDescription(`that user's password (default ${AVI_SIM_DEFAULT_PASSWORD})`)
)
const snapshot = Options.text("snapshot").pipe(
  Options.optional,
  Options.withDescription("JSON file to restore the objects from at start and to write them to on shutdown")
)
const basicAuth = Options.boolean("basic-auth").pipe(
  Options.withDescription("allow HTTP Basic authentication (systemconfiguration.portal_configuration)")
)
const controllerVersion = Options.text("controller-version").pipe(
  Options.withDefault(AVI_SIM_DEFAULT_VERSION),
  Options.withDescription("the version reported in /api/initial-data and the highest X-Avi-Version accepted")
)

const abortedRequests = Options.choice("aborted-requests", ["apply", "drop"]).pipe(
  Options.withDefault("apply" as const),
  Options.withDescription(
    "a request whose client disconnects before the answer: apply it anyway, as a real controller does, or drop it"
  )
)

export const aviSimCommand = Command.make(
  "avi",
  { port, host, http: plainHttp, user, password, snapshot, basicAuth, controllerVersion, abortedRequests },
  (config) =>
    Effect.scoped(
      Effect.gen(function*() {
        const pw = Option.match(config.password, {
          onNone: () => AVI_SIM_DEFAULT_PASSWORD,
          onSome: (secret) => Redacted.value(secret)
        })
        const sim = yield* makeAviSim({
          port: config.port,
          host: config.host,
          http: config.http,
          basicAuth: config.basicAuth,
          controllerVersion: config.controllerVersion,
          abortedRequests: config.abortedRequests,
          users: [{ username: config.user, password: pw }],
          ...Option.match(config.snapshot, { onNone: () => ({}), onSome: (snapshotFile) => ({ snapshotFile }) })
        })
        const hint = Option.isNone(config.password)
          ? `password=${AVI_SIM_DEFAULT_PASSWORD}`
          : "password=(from --password)"
        yield* Console.log(`avi-sim ready url=${sim.url} user=${config.user} ${hint}`)
        return yield* Effect.never
      })
    )
).pipe(Command.withDescription("serve a simulated Avi Controller REST API until interrupted"))
