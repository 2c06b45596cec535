import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Logger, LogLevel, Redacted } from "effect"
import { ClusterBootstrap, loadSettings } from "../../src/app/settings.js"
import type { SecretData } from "../../src/config/index.js"

const PASSWORD = "Sup3r-Secret-Avi-Pw!"

const configMap = {
  controllerIP: "10.1.1.1",
  clusterName: "c1",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip\"}]"
}

const cluster = (secret: SecretData | undefined, map: Record<string, string> | undefined) =>
  Layer.succeed(ClusterBootstrap, {
    readConfigMap: () => Effect.succeed(map),
    readSecret: () => Effect.succeed(secret)
  })

/** Runs an effect with the production JSON logger writing into an array instead of stdout. */
const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.map(Logger.jsonLogger, (line) => {
      lines.push(line)
    })
    const result = yield* effect.pipe(
      Effect.either,
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    return { result, lines }
  })

const env = (entries: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(entries))))

describe("start-up settings", () => {
  it.effect("loads ConfigMap and Secret and never writes the password into a log line", () =>
    Effect.gen(function*() {
      const { lines, result } = yield* capturingLogs(loadSettings)
      const settings = Either.getOrThrow(result)
      expect(settings.identity).toEqual({ podName: "ako-0", podNamespace: "avi-system" })
      expect(settings.credentials.auth._tag).toBe("Password")
      expect(lines.length).toBeGreaterThanOrEqual(2)
      expect(lines.join("\n")).toContain("configuration loaded")
      expect(lines.join("\n")).toContain("will NOT be verified")
      for (const line of lines) expect(line).not.toContain(PASSWORD)
    }).pipe(
      Effect.provide(cluster({ username: Redacted.make("admin"), password: Redacted.make(PASSWORD) }, configMap)),
      Effect.provide(env({ POD_NAME: "ako-0", CTRL_PASSWORD: "env-password-unused" }))
    ))

  it.effect("keeps the password out of logs even when the whole settings object is logged", () =>
    Effect.gen(function*() {
      const { lines } = yield* capturingLogs(
        loadSettings.pipe(Effect.tap((settings) => Effect.logInfo("settings dump", settings)))
      )
      expect(lines.join("\n")).toContain("settings dump")
      expect(lines.join("\n")).toContain("<redacted>")
      for (const line of lines) expect(line).not.toContain(PASSWORD)
    }).pipe(
      Effect.provide(cluster({ username: Redacted.make("admin"), password: Redacted.make(PASSWORD) }, configMap)),
      Effect.provide(env({ POD_NAMESPACE: "avi-system" }))
    ))

  it.effect("falls back to CTRL_USERNAME / CTRL_PASSWORD and environment config when neither object exists", () =>
    Effect.gen(function*() {
      const settings = yield* loadSettings
      expect(settings.credentials.username).toBe("envadmin")
      expect(settings.credentials.source).toContain("the environment")
      expect(settings.config.clusterName).toBe("from-env")
      expect(settings.identity.podNamespace).toBe("ako-ns")
    }).pipe(
      Effect.provide(cluster(undefined, undefined)),
      Effect.provide(env({
        POD_NAMESPACE: "ako-ns",
        CTRL_USERNAME: "envadmin",
        CTRL_PASSWORD: PASSWORD,
        CTRL_IPADDRESS: "avi.local",
        CLUSTER_NAME: "from-env",
        CLOUD_NAME: "Default-Cloud",
        VIP_NETWORK_LIST: "[{\"networkName\":\"vip\"}]"
      }))
    ))

  it.effect("fails with a typed error naming the Secret when it has neither password nor authtoken", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(loadSettings)
      expect(error._tag).toBe("CredentialsInvalid")
      expect(error.message).toContain("Secret avi-system/avi-secret")
    }).pipe(Effect.provide(cluster({ username: Redacted.make("admin") }, configMap)), Effect.provide(env({}))))
})
