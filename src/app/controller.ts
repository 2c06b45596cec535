/**
 * The controller process as layers and fibers (DESIGN.md "Shape"). Passive work runs on every replica for the whole
 * life of the process: reflectors, the election, the Avi cache refresh, the desired graph and the live ConfigMap
 * keys. Active work (takeover, work queue, status writes, deleteConfig) runs in the fiber the election runner starts
 * when this replica leads and interrupts the moment it stops. One failure of a long-lived loop fails the whole
 * program (crash-only supervision); everything else retries on its own schedule.
 */
import type * as k8s from "@kubernetes/client-node"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { AviClient } from "../avi/index.js"
import type { AviClientConfig } from "../avi/index.js"
import { podCidrSourceOf, syncsStaticRoutes } from "../config/index.js"
import { electionLayer, Elector, kubeLeaseApiLayer, makeElectionConfig, runWhileLeader } from "../election/index.js"
import {
  eventRecorderLayer,
  kubeClientLayer,
  kubeWritersLayer,
  makeKubeClient,
  Reflectors,
  reflectorsLayer
} from "../k8s/index.js"
import type { ModelSettings } from "../model/index.js"
import { akoUser, CLOUD_VCENTER, ipFamilyOf, serviceKeyOfSlice } from "../model/index.js"
import { AviCache, runPeriodicRefresh } from "../reconcile/index.js"
import { activeProgram } from "./active.js"
import { AviLogins, followAviSecret } from "./avi-credentials.js"
import { awaitAviEnvironment } from "./avi-environment.js"
import type { AviEnvironment, EnvironmentChecks } from "./avi-environment.js"
import { emitConfigWarnings } from "./config-warnings.js"
import { clearDeletionStatus, deleteConfigProgram } from "./delete-config.js"
import type { DeploymentRef } from "./delete-config.js"
import { makeDesiredGraph } from "./desired-graph.js"
import { nodeHeapGrowthProbe, runHeapGrowth } from "./heap-growth.js"
import { defaultHeapTrimOptions, nodeHeapTrimProbe, runHeapTrim } from "./heap-trim.js"
import { followConfigMap, LiveConfig, makeLiveConfig } from "./live-config.js"
import { withResolvedNodeNetworks } from "./node-networks.js"
import { Readiness } from "./readiness.js"
import { makeRuleValidation } from "./rule-validation.js"
import type { Settings } from "./settings.js"
import { removeStaticRoutes, syncStaticRoutesWhileLeading } from "./static-routes.js"
import { renewAuthTokenWhileLeading } from "./token-refresh.js"
import { VERSION } from "./version.js"

export interface ControllerOptions {
  /** Raw environment values of the config fields, for re-decoding live ConfigMap changes. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** The Deployment that carries the deleteConfig progress annotation. */
  readonly deployment: DeploymentRef
  /** How often passive replicas re-list owned Avi objects. */
  readonly aviCacheRefresh: Duration.Duration
  readonly workers: number
  /** Bounds each Avi request; also how long a previous leader's abandoned request may still land. */
  readonly aviRequestTimeout: Duration.Duration
  /** How often the replica looks whether to give grown heap back (heap-trim.ts); undefined: never. */
  readonly heapTrimEvery: Duration.Duration | undefined
}

export const aviClientConfig = (settings: Settings, requestTimeout?: Duration.Duration): AviClientConfig => {
  const { config, credentials, identity } = settings
  return {
    ...(requestTimeout === undefined ? {} : { requestTimeout }),
    controller: config.controllerIP,
    username: credentials.username,
    ...(credentials.auth._tag === "Password" ?
      { password: credentials.auth.password } :
      { authToken: credentials.auth.token }),
    tenant: config.tenantName,
    version: config.controllerVersion,
    caData: credentials.caData,
    clientIdentity: `ako-ts/${VERSION} ${identity.podName}`
  }
}

export const modelSettings = (settings: Settings, environment: AviEnvironment): ModelSettings => ({
  ...settings.config,
  dnsSubDomains: environment.dnsSubDomains,
  enterpriseLicense: environment.enterpriseLicense,
  akoNamespace: settings.identity.podNamespace,
  cloudType: environment.cloudType,
  vrfContext: vrfContextOf(settings.config, environment),
  nsxtTransportZone: environment.nsxtTransportZone,
  ipamType: environment.ipamType,
  vpcMode: settings.config.vpcMode,
  ...(settings.config.nsxtT1LR === undefined ? {} : { t1lr: settings.config.nsxtT1LR }),
  ...(environment.nodeNetworks === undefined ? {} : { nodeNetworkPlacement: environment.nodeNetworks })
})

/** What AKO checks against the cloud at start besides the VIP networks (node networks, tier-1 router). */
export const environmentChecks = (settings: Settings): EnvironmentChecks => ({
  serviceType: settings.config.serviceType,
  nodeNetworkList: settings.config.nodeNetworkList,
  nsxtT1LR: settings.config.nsxtT1LR,
  vrfName: settings.config.vrfName,
  serviceEngineGroupName: settings.config.serviceEngineGroupName,
  cniPlugin: settings.config.cniPlugin
})

/** The context AviInfraSettings' node networks are resolved in (as `nodeNetworkList` at start). */
export const nodeNetworkContext = (settings: Settings, environment: AviEnvironment) => ({
  cloudName: settings.config.cloudName,
  cloudUuid: environment.cloudUuid,
  cloudType: environment.cloudType ?? CLOUD_VCENTER,
  vrfName: settings.config.vrfName,
  managementNetwork: environment.managementNetwork
})

const PUBLIC_CLOUDS: ReadonlySet<string> = new Set(["CLOUD_AWS", "CLOUD_AZURE", "CLOUD_GCP", "CLOUD_OPENSTACK"])

/**
 * AKO's VRF (`lib.GetVrf`, reference/ako-objects.md §11.6): `global` on public clouds; in NodePort mode vrfName or
 * `global`; in ClusterIP mode on vCenter and no-access clouds vrfName when set; otherwise the VIP network's VRF.
 */
export const vrfContextOf = (
  config: { readonly serviceType: "ClusterIP" | "NodePort"; readonly vrfName: string | undefined },
  environment: Pick<AviEnvironment, "cloudType" | "vipNetworkVrf" | "t1lrVrf">
): string => {
  const { serviceType, vrfName } = config
  const cloudType = environment.cloudType ?? "CLOUD_VCENTER"
  if (PUBLIC_CLOUDS.has(cloudType)) return "global"
  if (serviceType === "NodePort") return vrfName ?? "global"
  if (vrfName !== undefined && (cloudType === "CLOUD_VCENTER" || cloudType === "CLOUD_NONE")) return vrfName
  // NSX-T overlay: the VRF attributed to nsxtT1LR, found at start (only read where AKO looks for it).
  return environment.t1lrVrf ?? environment.vipNetworkVrf ?? "global"
}

/**
 * OpenShift is recognised as AKO users know it: the cluster serves route.openshift.io/v1, so Routes are watched and
 * translated. Anything but a clear answer means plain Kubernetes.
 */
export const servesRoutes = (kubeConfig: k8s.KubeConfig) =>
  makeKubeClient(kubeConfig).request({ method: "GET", path: "/apis/route.openshift.io/v1" }).pipe(
    Effect.as(true),
    Effect.catchAll((error) =>
      error._tag === "KubeApiError" && error.status === 404 ?
        Effect.succeed(false) :
        Effect.logWarning("cannot tell whether the cluster serves OpenShift Routes; not watching Routes").pipe(
          Effect.annotateLogs("error", error.message),
          Effect.as(false)
        )
    )
  )

/** Every service the controller program uses, built from one Kubernetes connection and the start-up settings. */
export const controllerLayer = (
  kubeConfig: k8s.KubeConfig,
  settings: Settings,
  aviRequestTimeout: Duration.Duration
) =>
  Effect.gen(function*() {
    const { config, identity } = settings
    const openshift = yield* servesRoutes(kubeConfig)
    if (openshift) yield* Effect.logInfo("the cluster serves route.openshift.io/v1: OpenShift Routes are handled")
    const electionConfig = yield* makeElectionConfig({
      namespace: identity.podNamespace,
      identity: identity.podName,
      version: VERSION,
      leaseDuration: config.leaseDuration,
      renewDeadline: config.renewDeadline,
      retryPeriod: config.retryPeriod
    })
    const kube = kubeClientLayer(kubeConfig)
    // The client reads its login from AviLogins before every call, so a corrected avi-secret needs no restart.
    const avi = Layer.unwrapEffect(
      Effect.map(AviLogins, (logins) =>
        AviClient.layer({ ...aviClientConfig(settings, aviRequestTimeout), credentials: SubscriptionRef.get(logins) }))
    ).pipe(Layer.provideMerge(AviLogins.layer(settings.credentials)))
    const election = electionLayer(electionConfig).pipe(Layer.provide(kubeLeaseApiLayer(electionConfig)))
    const passive = Layer.mergeAll(
      election,
      reflectorsLayer({
        namespace: identity.podNamespace,
        openshift,
        podCidrSource: podCidrSourceOf(config),
        endpointSliceIndex: serviceKeyOfSlice
      }),
      AviCache.layer({
        clusterName: config.clusterName,
        cloudName: config.cloudName,
        tenantName: config.tenantName,
        // AKO's GetQueryTenant: every tenant, or only its own in dedicatedTenantMode.
        listTenant: config.dedicatedTenantMode ? config.tenantName : "*"
      }),
      Layer.effect(LiveConfig, makeLiveConfig(config))
    )
    return Layer.mergeAll(
      kubeWritersLayer,
      eventRecorderLayer({ instance: identity.podName, component: "ako-ts" })
    ).pipe(Layer.provideMerge(passive), Layer.provideMerge(Layer.mergeAll(kube, avi)))
  })

const pollUntil = (condition: Effect.Effect<boolean>) =>
  condition.pipe(Effect.repeat({ until: (ok) => ok, schedule: Schedule.spaced("250 millis") }), Effect.asVoid)

export const controllerProgram = (settings: Settings, options: ControllerOptions) =>
  Effect.gen(function*() {
    const readiness = yield* Readiness
    const reflectors = yield* Reflectors
    const elector = yield* Elector
    const cache = yield* AviCache
    const live = yield* LiveConfig
    yield* readiness.register("caches")
    yield* readiness.register("election")

    const logins = yield* AviLogins
    const passive = Effect.gen(function*() {
      // Started again with fresh backoff when avi-secret changes: a corrected password is tried at once.
      const environment = yield* logins.changes.pipe(
        Stream.flatMap(
          () =>
            Stream.fromEffect(
              awaitAviEnvironment(
                settings.config.cloudName,
                settings.config.vipNetworkList,
                environmentChecks(settings)
              )
            ),
          { switch: true }
        ),
        Stream.runHead,
        Effect.flatMap(Option.match({ onNone: () => Effect.never, onSome: Effect.succeed }))
      )
      // Every replica keeps the rules in effect; only the leader validates them (activeProgram).
      const rules = yield* makeRuleValidation(reflectors, {
        clusterName: settings.config.clusterName,
        tenantName: settings.config.tenantName,
        dedicatedTenantMode: settings.config.dedicatedTenantMode,
        cloudName: settings.config.cloudName,
        cloudUuid: environment.cloudUuid,
        cloudType: environment.cloudType,
        disableStaticRouteSync: settings.config.disableStaticRouteSync
      })
      const graph = yield* makeDesiredGraph(
        reflectors,
        modelSettings(settings, environment),
        yield* withResolvedNodeNetworks(rules, nodeNetworkContext(settings, environment))
      )
      const statusContext = { controllerClusterUuid: environment.controllerClusterUuid }
      const staticRouteOptions = {
        clusterName: settings.config.clusterName,
        tenantName: settings.config.tenantName,
        serviceEngineGroupName: settings.config.serviceEngineGroupName,
        vrf: vrfContextOf(settings.config, environment)
      }
      // Only while deleteConfig is false: while it is true the routes are what deleteConfig removes.
      const staticRoutes = syncsStaticRoutes(settings.config) ?
        syncStaticRoutesWhileLeading({
          ...staticRouteOptions,
          cniPlugin: settings.config.cniPlugin,
          ipFamily: ipFamilyOf(modelSettings(settings, environment)),
          // AKO re-reads the VRF at its full sync; a quiet cluster still gets a look every five minutes.
          resyncInterval: Duration.seconds(
            settings.config.fullSyncFrequency > 0 ? settings.config.fullSyncFrequency : 300
          )
        }) :
        Effect.void
      // AKO removes the SE group label on deleteConfig in ClusterIP mode, and the routes where it synced them.
      const staticRouteCleanup = settings.config.serviceType === "ClusterIP" ?
        removeStaticRoutes({ ...staticRouteOptions, removeRoutes: syncsStaticRoutes(settings.config) }) :
        Effect.void
      // deleteConfig switches the leader's work: each change interrupts the current program and starts the other.
      const leaderWork = live.deleteConfig.changes.pipe(
        Stream.changes,
        Stream.flatMap(
          (deleteConfig) =>
            Stream.fromEffect(
              deleteConfig ?
                deleteConfigProgram(
                  graph,
                  options.deployment,
                  akoUser(settings.config.clusterName),
                  staticRouteCleanup
                ) :
                clearDeletionStatus(options.deployment).pipe(
                  Effect.zipRight(emitConfigWarnings(settings.config.warnings, options.deployment)),
                  Effect.zipRight(Effect.all([
                    staticRoutes,
                    activeProgram(graph, {
                      rules,
                      workers: options.workers,
                      resyncInterval: Duration.seconds(settings.config.fullSyncFrequency),
                      statusContext,
                      routerName: akoUser(settings.config.clusterName),
                      ownership: {
                        clusterName: settings.config.clusterName,
                        tenantName: settings.config.tenantName,
                        dedicatedTenantMode: settings.config.dedicatedTenantMode
                      },
                      // A little past the timeout: the controller's own clock and ours are not the same.
                      lateWriteWindow: Duration.sum(options.aviRequestTimeout, Duration.seconds(1))
                    })
                  ], { concurrency: "unbounded", discard: true }))
                )
            ),
          { switch: true }
        ),
        Stream.runDrain
      )
      const markReady = Effect.gen(function*() {
        yield* reflectors.ready
        yield* graph.ready
        yield* pollUntil(cache.synced)
        yield* readiness.set("caches", true)
        yield* Effect.logInfo("caches synced: Kubernetes stores, desired graph and Avi cache")
      })
      const leading = Effect.all(
        [leaderWork, renewAuthTokenWhileLeading(settings.identity.podNamespace)],
        { concurrency: "unbounded", discard: true }
      )
      return yield* Effect.all([graph.run, runWhileLeader(leading), markReady], {
        concurrency: "unbounded",
        discard: true
      })
    })

    return yield* Effect.all(
      [
        reflectors.run,
        readiness.set("election", true).pipe(Effect.zipRight(elector.run)),
        followConfigMap(live, reflectors, options.env, settings.config),
        followAviSecret(settings.identity.podNamespace, settings.credentials),
        runPeriodicRefresh(options.aviCacheRefresh),
        options.heapTrimEvery === undefined ?
          Effect.void :
          runHeapTrim(nodeHeapTrimProbe(), { ...defaultHeapTrimOptions, every: options.heapTrimEvery }),
        runHeapGrowth(nodeHeapGrowthProbe()),
        passive
      ],
      { concurrency: "unbounded", discard: true }
    )
  })
