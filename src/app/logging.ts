/**
 * JSON logs, one object per line on stdout, with a level that follows the ConfigMap's `logLevel` while running (AKO
 * watches that key live). Effect's own minimum level is opened fully and the filter reads the live setting, so a
 * level change needs no logger rebuild and no fiber restart.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as MutableRef from "effect/MutableRef"
import * as Option from "effect/Option"

export type AkoLogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR"

const toEffectLevel = (level: AkoLogLevel): LogLevel.LogLevel => {
  switch (level) {
    case "DEBUG":
      return LogLevel.Debug
    case "INFO":
      return LogLevel.Info
    case "WARN":
      return LogLevel.Warning
    case "ERROR":
      return LogLevel.Error
  }
}

export class LogLevelControl extends Context.Tag("ako-ts/app/LogLevelControl")<LogLevelControl, {
  readonly set: (level: AkoLogLevel) => Effect.Effect<void>
  readonly current: Effect.Effect<AkoLogLevel>
  /** Whether a line of `level` is written now; synchronous, for hot paths that would otherwise build the line. */
  readonly isEnabled: (level: AkoLogLevel) => boolean
}>() {}

/**
 * A debug line with annotations, built only when DEBUG is on (or no live level is provided, as in tests). The logger
 * drops a line below the level anyway, but `annotateLogs` around it is a scoped FiberRef change: about twenty fiber
 * steps per line, which a status write paid for every object even at INFO.
 */
export const logDebugAnnotated = (message: string, annotations: () => Record<string, unknown>): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(LogLevelControl),
    (control) =>
      Option.isSome(control) && !control.value.isEnabled("DEBUG") ?
        Effect.void :
        Effect.logDebug(message).pipe(Effect.annotateLogs(annotations()))
  )

const parseInitialLevel = (raw: string | undefined): AkoLogLevel => {
  const upper = raw?.trim().toUpperCase()
  return upper === "DEBUG" || upper === "WARN" || upper === "ERROR" ? upper : "INFO"
}

/**
 * The process logger. The initial level comes from `LOG_LEVEL` so start-up problems are logged at the level the
 * user asked for before the ConfigMap has been read.
 */
export const jsonLogging = (initial: string | undefined): Layer.Layer<LogLevelControl> => {
  const level = MutableRef.make(parseInitialLevel(initial))
  const logger = Logger.jsonLogger.pipe(
    Logger.withConsoleLog,
    Logger.filterLogLevel((entryLevel) => LogLevel.greaterThanEqual(entryLevel, toEffectLevel(MutableRef.get(level))))
  )
  return Layer.mergeAll(
    Logger.replace(Logger.defaultLogger, logger),
    Logger.minimumLogLevel(LogLevel.All),
    Layer.succeed(LogLevelControl, {
      set: (next) =>
        Effect.suspend(() => {
          const previous = MutableRef.get(level)
          if (previous === next) return Effect.void
          MutableRef.set(level, next)
          return Effect.logInfo("log level changed").pipe(Effect.annotateLogs({ from: previous, to: next }))
        }),
      current: Effect.sync(() => MutableRef.get(level)),
      isEnabled: (candidate) =>
        LogLevel.greaterThanEqual(toEffectLevel(candidate), toEffectLevel(MutableRef.get(level)))
    })
  )
}
