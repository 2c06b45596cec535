/**
 * Configuration warnings (settings under which ako-ts would do less than AKO) leave the config module as a Warning
 * Event on the controller's Deployment, written by the leader (emitConfigWarnings). Static route sync with a CNI
 * that keeps pod CIDRs in its own resources used to be one; it is implemented now and warns no more.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Ref, SubscriptionRef } from "effect"
import { emitConfigWarnings } from "../../src/app/config-warnings.js"
import { LiveConfig } from "../../src/app/live-config.js"
import { decodeAkoConfig, podCidrSourceOf, syncsStaticRoutes } from "../../src/config/index.js"
import type { ConfigWarning } from "../../src/config/index.js"
import { EventRecorder } from "../../src/k8s/event-types.js"
import type { EventSpec } from "../../src/k8s/event-types.js"

const configMap = {
  controllerIP: "10.1.1.1",
  clusterName: "c1",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip\"}]"
}

const decoded = (data: Record<string, string>) => Either.getOrThrow(decodeAkoConfig({ configMap: data, env: {} }))

const WARNING: ConfigWarning = { key: "someKey", reason: "SomeReason", message: "ako-ts does less here" }

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

describe("static route sync and the CNI", () => {
  it("syncs with every CNI in ClusterIP mode, reading calico's, openshift's and cilium's own resources, unwarned", () => {
    for (const cniPlugin of ["calico", "openshift", "cilium"] as const) {
      const config = decoded({ ...configMap, cniPlugin })
      expect(config.warnings).toEqual([])
      expect(syncsStaticRoutes(config)).toBe(true)
      expect(podCidrSourceOf(config)).toBe(cniPlugin)
    }
    for (const cniPlugin of ["", "antrea", "flannel", "ovn-kubernetes"]) {
      expect(podCidrSourceOf(decoded({ ...configMap, cniPlugin }))).toBeUndefined()
    }
  })

  it("watches no CNI resource where static routes are not synced", () => {
    const off = decoded({ ...configMap, cniPlugin: "calico", disableStaticRouteSync: "true" })
    expect(syncsStaticRoutes(off)).toBe(false)
    expect(podCidrSourceOf(off)).toBeUndefined()
    expect(podCidrSourceOf(decoded({ ...configMap, cniPlugin: "calico", serviceType: "NodePort" }))).toBeUndefined()
  })
})

describe("emitConfigWarnings", () => {
  const deployment = { namespace: "avi-system", name: "ako-ts" }

  it.effect("writes each warning as a Warning Event on the controller's Deployment", () =>
    Effect.gen(function*() {
      const { events, provide } = yield* recording(true)
      yield* provide(emitConfigWarnings([WARNING], deployment))
      expect(events).toEqual([{
        involvedObject: { apiVersion: "apps/v1", kind: "Deployment", namespace: "avi-system", name: "ako-ts" },
        reason: "SomeReason",
        message: "ako-ts does less here",
        type: "Warning"
      }])
    }))

  it.effect("writes nothing without warnings or with enableEvents false", () =>
    Effect.gen(function*() {
      const quiet = yield* recording(true)
      yield* quiet.provide(emitConfigWarnings([], deployment))
      expect(quiet.events).toEqual([])
      const disabled = yield* recording(false)
      yield* disabled.provide(emitConfigWarnings([WARNING], deployment))
      expect(disabled.events).toEqual([])
    }))
})
