/**
 * The disableStaticRouteSync warning leaves the config module two ways: one log line at start (loadSettings) and a
 * Warning Event on the controller's Deployment written by the leader (emitConfigWarnings). The last test checks both
 * in a real `ako-ts run` process against the simulators.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Layer, Logger, LogLevel, Redacted, Ref, SubscriptionRef } from "effect"
import { emitConfigWarnings } from "../../src/app/config-warnings.js"
import { LiveConfig } from "../../src/app/live-config.js"
import { ClusterBootstrap, loadSettings } from "../../src/app/settings.js"
import { decodeAkoConfig, STATIC_ROUTE_SYNC_WARNING } from "../../src/config/index.js"
import type { ConfigWarning } from "../../src/config/index.js"
import { EventRecorder } from "../../src/k8s/event-types.js"
import type { EventSpec } from "../../src/k8s/event-types.js"
import { NAMESPACE, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

// Static routes whose pod CIDRs AKO reads from the CNI's resources, which ako-ts does not watch yet.
const configMap = {
  controllerIP: "10.1.1.1",
  clusterName: "c1",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip\"}]",
  cniPlugin: "calico"
}

const startWith = (data: Record<string, string>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.map(Logger.jsonLogger, (line) => {
      lines.push(line)
    })
    const settings = yield* loadSettings.pipe(
      Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    return { settings, lines }
  }).pipe(
    Effect.provide(Layer.succeed(ClusterBootstrap, {
      readConfigMap: () => Effect.succeed(data),
      readSecret: () => Effect.succeed({ username: Redacted.make("admin"), password: Redacted.make("pw") })
    })),
    Effect.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["POD_NAME", "ako-ts-0"]]))))
  )

const warningLines = (lines: ReadonlyArray<string>) =>
  lines.filter((line) => line.includes("disableStaticRouteSync is false"))

const warningsOf = (data: Record<string, string>): ReadonlyArray<ConfigWarning> =>
  Either.getOrThrow(decodeAkoConfig({ configMap: data, env: {} })).warnings

const recording = (enableEvents: boolean) =>
  Effect.gen(function*() {
    const events: Array<EventSpec> = []
    const record = (event: EventSpec) => Effect.sync(() => void events.push(event))
    const live = {
      enableEvents: yield* Ref.make(enableEvents),
      deleteConfig: yield* SubscriptionRef.make(false)
    }
    return {
      events,
      provide: <A, E>(effect: Effect.Effect<A, E, EventRecorder | LiveConfig>) =>
        effect.pipe(
          Effect.provideService(EventRecorder, { emit: record, emitElection: record }),
          Effect.provideService(LiveConfig, live)
        )
    }
  })

describe("the static route sync warning at start", () => {
  it.effect("is logged once, at warning level, when a ClusterIP start keeps AKO's default with Calico", () =>
    Effect.gen(function*() {
      const { lines, settings } = yield* startWith(configMap)
      expect(settings.config.warnings.map((warning) => warning.reason)).toEqual([STATIC_ROUTE_SYNC_WARNING])
      const warned = warningLines(lines)
      expect(warned).toHaveLength(1)
      expect(JSON.parse(warned[0]!)).toMatchObject({ logLevel: "WARN" })
    }))

  it.effect("is not logged with disableStaticRouteSync: true, nor for CNIs whose pod CIDRs ako-ts reads", () =>
    Effect.gen(function*() {
      const { lines } = yield* startWith({ ...configMap, disableStaticRouteSync: "true" })
      expect(warningLines(lines)).toEqual([])
      for (const cniPlugin of ["", "antrea", "flannel", "ovn-kubernetes"]) {
        const { lines: synced } = yield* startWith({ ...configMap, cniPlugin })
        expect(warningLines(synced)).toEqual([])
      }
    }))
})

describe("emitConfigWarnings", () => {
  const deployment = { namespace: "avi-system", name: "ako-ts" }

  it.effect("writes each warning as a Warning Event on the controller's Deployment", () =>
    Effect.gen(function*() {
      const { events, provide } = yield* recording(true)
      yield* provide(emitConfigWarnings(warningsOf(configMap), deployment))
      expect(events).toEqual([{
        involvedObject: { apiVersion: "apps/v1", kind: "Deployment", namespace: "avi-system", name: "ako-ts" },
        reason: STATIC_ROUTE_SYNC_WARNING,
        message: expect.stringContaining("static routes"),
        type: "Warning"
      }])
    }))

  it.effect("writes nothing without warnings or with enableEvents false", () =>
    Effect.gen(function*() {
      const quiet = yield* recording(true)
      yield* quiet.provide(emitConfigWarnings(warningsOf({ ...configMap, disableStaticRouteSync: "true" }), deployment))
      expect(quiet.events).toEqual([])
      const disabled = yield* recording(false)
      yield* disabled.provide(emitConfigWarnings(warningsOf(configMap), deployment))
      expect(disabled.events).toEqual([])
    }))
})

describe("a running controller in ClusterIP mode with AKO's default", () => {
  let cluster: E2eCluster | undefined
  afterAll(async () => {
    await cluster?.close()
  })

  it("logs the warning once at start, and its leader records it as a Warning Event on the Deployment", async () => {
    cluster = await startCluster({ config: { disableStaticRouteSync: "false", cniPlugin: "calico" } })
    const replica = await cluster.startReplica("ako-0")
    const event = await waitFor(
      "a StaticRouteSyncNotImplemented Event",
      () =>
        cluster!.kube.list("v1/Event", NAMESPACE).find((candidate) =>
          (candidate as { reason?: string }).reason === STATIC_ROUTE_SYNC_WARNING
        ),
      30_000
    )
    expect(event).toMatchObject({
      type: "Warning",
      involvedObject: { kind: "Deployment", name: "ako-ts", namespace: NAMESPACE }
    })
    expect(replica.messages().filter((message) => message.includes("disableStaticRouteSync is false"))).toHaveLength(1)
  }, scaled(60_000))
})
