/**
 * The ConfigMap keys AKO applies while running (`logLevel`, `enableEvents`, `deleteConfig`), followed from the
 * ConfigMap reflector on every replica. Other keys need a restart, as in AKO; a change to one is logged so the
 * operator knows it has not taken effect.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { decodeAkoConfig } from "../config/index.js"
import type { AkoConfig } from "../config/index.js"
import type { ReflectorsShape } from "../k8s/index.js"
import { LogLevelControl } from "./logging.js"

export interface LiveConfigShape {
  readonly enableEvents: Ref.Ref<boolean>
  readonly deleteConfig: SubscriptionRef.SubscriptionRef<boolean>
}

export class LiveConfig extends Context.Tag("ako-ts/app/LiveConfig")<LiveConfig, LiveConfigShape>() {}

export const makeLiveConfig = (initial: AkoConfig): Effect.Effect<LiveConfigShape> =>
  Effect.all({
    enableEvents: Ref.make(initial.enableEvents),
    deleteConfig: SubscriptionRef.make(initial.deleteConfig)
  })

/** Applies each new version of the ConfigMap; an invalid edit is logged and the last good values stay. */
export const followConfigMap = (
  live: LiveConfigShape,
  reflectors: ReflectorsShape,
  env: Readonly<Record<string, string | undefined>>,
  started: AkoConfig
) =>
  Effect.gen(function*() {
    const logLevel = yield* LogLevelControl
    const apply = Effect.gen(function*() {
      const configMaps = yield* reflectors.configMap.snapshot
      const data = Option.fromNullable([...configMaps.values()][0]?.data)
      const decoded = decodeAkoConfig({ configMap: Option.getOrUndefined(data), env })
      if (Either.isLeft(decoded)) {
        return yield* Effect.logWarning("ConfigMap change ignored: it does not validate").pipe(
          Effect.annotateLogs("error", decoded.left.message)
        )
      }
      const config = decoded.right
      yield* logLevel.set(config.logLevel)
      yield* Ref.set(live.enableEvents, config.enableEvents)
      if ((yield* SubscriptionRef.get(live.deleteConfig)) !== config.deleteConfig) {
        yield* Effect.logInfo("deleteConfig changed").pipe(Effect.annotateLogs("deleteConfig", config.deleteConfig))
        yield* SubscriptionRef.set(live.deleteConfig, config.deleteConfig)
      }
      const restartNeeded = (Object.keys(started.origins) as Array<keyof AkoConfig["origins"]>).filter((key) =>
        key !== "logLevel" && key !== "enableEvents" && key !== "deleteConfig" &&
        JSON.stringify(config[key]) !== JSON.stringify(started[key])
      )
      if (restartNeeded.length > 0) {
        yield* Effect.logWarning("ConfigMap keys changed that apply only after a restart").pipe(
          Effect.annotateLogs("keys", restartNeeded.join(","))
        )
      }
    })
    // Subscribed before the first read, so a change landing between the two is applied too.
    const changes = yield* reflectors.configMap.subscribe
    yield* reflectors.configMap.ready
    yield* apply
    return yield* changes.pipe(Stream.runForEach(() => apply), Effect.zipRight(Effect.never))
  })
