/**
 * `ako-ts run`: the production controller process. Start-up order follows AKO (configuration and credentials from
 * the cluster first, fail fast on bad input), then the long-lived parts run under one scope so SIGTERM closes them
 * all, each finalizer included, and the process exits 0.
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { readFieldEnvironment } from "../config/index.js"
import { controllerLayer, controllerProgram } from "./controller.js"
import { healthServerLayer } from "./health-server.js"
import { defaultHeapTrimOptions } from "./heap-trim.js"
import { loadKubeConfig } from "./kube-bootstrap.js"
import { LogLevelControl } from "./logging.js"
import { Readiness } from "./readiness.js"
import { ioFairScheduler } from "./scheduler.js"
import { ClusterBootstrap, loadSettings } from "./settings.js"
import type { Settings } from "./settings.js"
import { VERSION } from "./version.js"

export interface RunOptions {
  readonly kubeconfig: Option.Option<string>
  readonly healthAddress: Option.Option<string>
}

/**
 * In a pod the kubelet probes the pod IP, so the server must listen on every address; on a laptop `ako-ts run`
 * would otherwise publish /metrics to the whole network.
 */
export const defaultHealthAddress = (env: NodeJS.ProcessEnv): string =>
  env["KUBERNETES_SERVICE_HOST"] === undefined ? "127.0.0.1" : "0.0.0.0"

export const runController = (options: RunOptions) =>
  Effect.gen(function*() {
    yield* Effect.logInfo("ako-ts starting").pipe(
      Effect.annotateLogs({ version: VERSION, node: process.version, pid: process.pid })
    )
    const kubeConfig = yield* loadKubeConfig(Option.getOrUndefined(options.kubeconfig))
    const cluster = kubeConfig.getCurrentCluster()?.server ?? "(unknown)"
    const context = kubeConfig.getCurrentContext()
    // Said before the first request, so a wrong kubeconfig context is visible even when the cluster never answers.
    yield* Effect.logInfo(`using the Kubernetes cluster ${cluster} (context ${context})`).pipe(
      Effect.annotateLogs({ cluster, context })
    )
    const settings = yield* loadSettings.pipe(Effect.provide(ClusterBootstrap.fromKubeConfig(kubeConfig)))
    yield* Effect.logInfo(
      `controller of cluster ${cluster} (context ${context}), namespace ${settings.identity.podNamespace}, ` +
        `identity ${settings.identity.podName}, Avi controller ${settings.config.controllerIP}`
    ).pipe(Effect.annotateLogs({
      cluster,
      context,
      namespace: settings.identity.podNamespace,
      identity: settings.identity.podName,
      aviController: settings.config.controllerIP
    }))
    const logLevel = yield* LogLevelControl
    yield* logLevel.set(settings.config.logLevel)

    const readiness = yield* Readiness
    yield* readiness.register("configuration")
    const healthHost = Option.getOrElse(options.healthAddress, () => defaultHealthAddress(process.env))
    yield* Layer.launch(healthServerLayer({ port: settings.config.apiServerPort, host: healthHost })).pipe(
      Effect.forkScoped
    )
    yield* readiness.set("configuration", true)
    yield* Effect.addFinalizer(() => Effect.logInfo("ako-ts stopped: every component closed"))
    yield* Effect.logInfo("ako-ts running").pipe(
      Effect.annotateLogs({ pod: settings.identity.podName, apiServerPort: settings.config.apiServerPort })
    )
    const knobs = yield* controllerOptions(settings)
    const layer = yield* controllerLayer(kubeConfig, settings, knobs.aviRequestTimeout)
    return yield* controllerProgram(settings, knobs).pipe(Effect.provide(layer))
  }).pipe(
    Effect.scoped,
    // Every fiber of the controller, forked or not, inherits it (scheduler.ts).
    Effect.withScheduler(ioFairScheduler)
  )

/** Operational knobs that are not AKO configuration keys, from the environment. */
const controllerOptions = (settings: Settings) =>
  Effect.gen(function*() {
    const env = yield* readFieldEnvironment
    const deploymentName = yield* Config.string("AKO_TS_DEPLOYMENT").pipe(Config.withDefault("ako-ts"))
    const workers = yield* Config.integer("AKO_TS_WORKERS").pipe(Config.withDefault(8))
    const refresh = yield* Config.duration("AKO_TS_AVI_CACHE_REFRESH").pipe(Config.withDefault(Duration.minutes(1)))
    const aviRequestTimeout = yield* Config.duration("AKO_TS_AVI_REQUEST_TIMEOUT").pipe(
      Config.withDefault(Duration.seconds(60))
    )
    const heapTrimEvery = yield* Config.literal("off")("AKO_TS_HEAP_TRIM").pipe(
      Config.map(() => undefined),
      Config.orElse(() => Config.duration("AKO_TS_HEAP_TRIM")),
      Config.withDefault(defaultHeapTrimOptions.every)
    )
    return {
      env,
      deployment: { namespace: settings.identity.podNamespace, name: deploymentName },
      aviCacheRefresh: refresh,
      aviRequestTimeout,
      workers: Math.max(1, workers),
      heapTrimEvery: heapTrimEvery === undefined ? undefined : Duration.decode(heapTrimEvery)
    }
  })
