/**
 * `ako-ts sim kube`: runs the simulator as its own process until SIGINT/SIGTERM, so controllers in other processes
 * (and kubectl) can use it. It prints exactly one line when ready:
 *   `kube-sim ready url=https://127.0.0.1:PORT[ kubeconfig=FILE]`
 */
import { Command, Options } from "@effect/cli"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ADMIN_TOKEN, makeKubeSim } from "./sim.js"

const port = Options.integer("port").pipe(
  Options.withDefault(0),
  Options.withDescription("port to listen on; 0 picks a free one")
)
const host = Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("address to bind"))
const kubeconfigOut = Options.text("kubeconfig-out").pipe(
  Options.optional,
  Options.withDescription("write a kubeconfig (admin token, CA embedded) to this file")
)
const tokens = Options.text("token").pipe(
  Options.repeated,
  Options.withDescription(`bearer token mapped to a user, TOKEN=USER; repeatable (${ADMIN_TOKEN}=admin always works)`)
)
const plainHttp = Options.boolean("http").pipe(Options.withDescription("serve plain HTTP instead of HTTPS"))
const watchWindow = Options.integer("watch-window").pipe(
  Options.optional,
  Options.withDescription("change events kept for watch resumption (default 1000); older resourceVersions get 410")
)
const bookmarkInterval = Options.integer("bookmark-interval-ms").pipe(
  Options.optional,
  Options.withDescription("BOOKMARK period for watches that allow them (default 1000)")
)
const allowAnonymous = Options.boolean("allow-anonymous").pipe(
  Options.withDescription("serve requests without a token as system:anonymous instead of 401")
)

export class TokenFormatError extends Data.TaggedError("TokenFormatError")<{ readonly message: string }> {}

const parseTokens = (entries: ReadonlyArray<string>) =>
  Effect.forEach(entries, (entry) => {
    const at = entry.indexOf("=")
    return at > 0 && at < entry.length - 1
      ? Effect.succeed([entry.slice(0, at), entry.slice(at + 1)] as const)
      : Effect.fail(new TokenFormatError({ message: `--token expects TOKEN=USER, got ${JSON.stringify(entry)}` }))
  }).pipe(Effect.map((pairs) => Object.fromEntries(pairs)))

export const kubeSimCommand = Command.make(
  "kube",
  { port, host, kubeconfigOut, tokens, http: plainHttp, watchWindow, bookmarkInterval, allowAnonymous },
  (config) =>
    Effect.scoped(
      Effect.gen(function*() {
        const tokenTable = yield* parseTokens(config.tokens)
        const sim = yield* makeKubeSim({
          port: config.port,
          host: config.host,
          tokens: tokenTable,
          tls: !config.http,
          allowAnonymous: config.allowAnonymous,
          ...Option.match(config.watchWindow, { onNone: () => ({}), onSome: (n) => ({ watchWindow: n }) }),
          ...Option.match(config.bookmarkInterval, { onNone: () => ({}), onSome: (n) => ({ bookmarkIntervalMs: n }) })
        })
        const written = Option.map(config.kubeconfigOut, (path) => {
          sim.writeKubeconfig(path)
          return path
        })
        yield* Console.log(
          `kube-sim ready url=${sim.url}${
            Option.match(written, { onNone: () => "", onSome: (p) => ` kubeconfig=${p}` })
          }`
        )
        return yield* Effect.never
      })
    )
).pipe(Command.withDescription("serve a simulated Kubernetes API until interrupted"))
