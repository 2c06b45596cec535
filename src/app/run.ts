/**
 * `ako-ts run`: the production controller process. Start-up order follows AKO (configuration and credentials from
 * the cluster first, fail fast on bad input), then the long-lived parts run under one scope so SIGTERM closes them
 * all, each finalizer included, and the process exits 0.
 */
import { Effect, Layer, Option } from "effect"
import { healthServerLayer } from "./health-server.js"
import { loadKubeConfig } from "./kube-bootstrap.js"
import { LogLevelControl } from "./logging.js"
import { Readiness } from "./readiness.js"
import { ClusterBootstrap, loadSettings } from "./settings.js"
import { VERSION } from "./version.js"

export interface RunOptions {
  readonly kubeconfig: Option.Option<string>
}

export const runController = (options: RunOptions) =>
  Effect.gen(function*() {
    yield* Effect.logInfo("ako-ts starting").pipe(
      Effect.annotateLogs({ version: VERSION, node: process.version, pid: process.pid })
    )
    const kubeConfig = yield* loadKubeConfig(Option.getOrUndefined(options.kubeconfig))
    const settings = yield* loadSettings.pipe(Effect.provide(ClusterBootstrap.fromKubeConfig(kubeConfig)))
    const logLevel = yield* LogLevelControl
    yield* logLevel.set(settings.config.logLevel)

    const readiness = yield* Readiness
    yield* readiness.register("configuration")
    yield* Layer.launch(healthServerLayer({ port: settings.config.apiServerPort })).pipe(Effect.forkScoped)
    yield* readiness.set("configuration", true)
    yield* Effect.addFinalizer(() => Effect.logInfo("ako-ts stopped: every component closed"))
    yield* Effect.logInfo("ako-ts running").pipe(
      Effect.annotateLogs({ pod: settings.identity.podName, apiServerPort: settings.config.apiServerPort })
    )
    return yield* Effect.never
  }).pipe(Effect.scoped)
