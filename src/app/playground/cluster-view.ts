/**
 * What the simulators hold, read in-process: the Lease, the Services and Ingresses with their VIPs, and the Avi
 * objects the playground's cluster owns. This is the ground truth the view and the scripted demo go by, independent
 * of what the replicas say about themselves.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { AviSim } from "../../sim/avi/index.js"
import type { KubeSim } from "../../sim/kube/index.js"
import type { AviEntry, KubeEventEntry } from "./browse-view.js"
import { CLUSTER_NAME, CONTROLLER_NAMESPACE, DEMO_INGRESSES, DEMO_NAMESPACE, DEMO_SERVICES } from "./seed.js"

export interface LeaseState {
  readonly holder: string | undefined
  readonly acquireTimeMs: number | undefined
  readonly renewTimeMs: number | undefined
  readonly transitions: number
}

export interface Published {
  readonly namespace: string
  readonly name: string
  /** Hosts for an Ingress, the type for a Service. */
  readonly detail: string
  readonly vips: ReadonlyArray<string>
}

export interface ClusterState {
  readonly lease: LeaseState
  readonly services: ReadonlyArray<Published>
  readonly ingresses: ReadonlyArray<Published>
  readonly aviObjects: ReadonlyArray<readonly [type: string, count: number]>
  /** Every demo Service and Ingress has a VIP in its status. */
  readonly demoSynced: boolean
}

const Lease = Schema.Struct({
  spec: Schema.optionalWith(
    Schema.Struct({
      holderIdentity: Schema.optional(Schema.String),
      acquireTime: Schema.optional(Schema.String),
      renewTime: Schema.optional(Schema.String),
      leaseTransitions: Schema.optional(Schema.Number)
    }),
    { default: () => ({}) }
  )
})

const LoadBalancerStatus = Schema.Struct({
  loadBalancer: Schema.optional(Schema.Struct({
    ingress: Schema.optional(Schema.Array(Schema.Struct({
      ip: Schema.optional(Schema.String),
      hostname: Schema.optional(Schema.String)
    })))
  }))
})

const Metadata = Schema.Struct({ name: Schema.String, namespace: Schema.optional(Schema.String) })

const Service = Schema.Struct({
  metadata: Metadata,
  spec: Schema.optional(Schema.Struct({ type: Schema.optional(Schema.String) })),
  status: Schema.optional(LoadBalancerStatus)
})

const Ingress = Schema.Struct({
  metadata: Metadata,
  spec: Schema.optional(Schema.Struct({
    rules: Schema.optional(Schema.Array(Schema.Struct({ host: Schema.optional(Schema.String) })))
  })),
  status: Schema.optional(LoadBalancerStatus)
})

const decodeLease = Schema.decodeUnknownOption(Lease)
const decodeService = Schema.decodeUnknownOption(Service)
const decodeIngress = Schema.decodeUnknownOption(Ingress)

const vipsOf = (status: typeof LoadBalancerStatus.Type | undefined): ReadonlyArray<string> =>
  (status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip ?? entry.hostname ?? "").filter((vip) => vip !== "")

const timeOf = (text: string | null | undefined) => {
  const ms = text === undefined || text === null ? Number.NaN : Date.parse(text)
  return Number.isNaN(ms) ? undefined : ms
}

/** Avi types ako-ts writes, in the order a reader thinks of them. */
const AVI_TYPES = [
  "virtualservice",
  "vsvip",
  "pool",
  "poolgroup",
  "l4policyset",
  "httppolicyset",
  "sslkeyandcertificate",
  "vsdatascriptset",
  "stringgroup"
] as const

export const LEASE_NAME = "ako-lease-lock"

export const readLease = (kube: KubeSim): LeaseState => {
  const spec = Option.match(decodeLease(kube.get("coordination.k8s.io/v1/Lease", CONTROLLER_NAMESPACE, LEASE_NAME)), {
    onNone: () => ({}) as typeof Lease.Type["spec"],
    onSome: (lease) => lease.spec
  })
  const holder = spec.holderIdentity
  return {
    holder: holder === undefined || holder === "" ? undefined : holder,
    acquireTimeMs: timeOf(spec.acquireTime),
    renewTimeMs: timeOf(spec.renewTime),
    transitions: spec.leaseTransitions ?? 0
  }
}

export const readCluster = (kube: KubeSim, avi: AviSim): ClusterState => {
  const services = kube.list("v1/Service").flatMap((object) =>
    Option.match(decodeService(object), {
      onNone: () => [],
      onSome: (service) =>
        service.spec?.type === "LoadBalancer" ?
          [{
            namespace: service.metadata.namespace ?? "",
            name: service.metadata.name,
            detail: "LoadBalancer",
            vips: vipsOf(service.status)
          }] :
          []
    })
  )
  const ingresses = kube.list("networking.k8s.io/v1/Ingress").flatMap((object) =>
    Option.match(decodeIngress(object), {
      onNone: () => [],
      onSome: (ingress) => [{
        namespace: ingress.metadata.namespace ?? "",
        name: ingress.metadata.name,
        detail: (ingress.spec?.rules ?? []).map((rule) => rule.host ?? "*").join(","),
        vips: vipsOf(ingress.status)
      }]
    })
  )
  const prefix = `${CLUSTER_NAME}--`
  const aviObjects = AVI_TYPES.map((type) =>
    [type, avi.objects(type).filter((object) => String(object["name"]).startsWith(prefix)).length] as const
  ).filter(([, count]) => count > 0)
  const published = (list: ReadonlyArray<Published>, name: string) =>
    list.some((entry) => entry.namespace === DEMO_NAMESPACE && entry.name === name && entry.vips.length > 0)
  return {
    lease: readLease(kube),
    services,
    ingresses,
    aviObjects,
    demoSynced: DEMO_SERVICES.every((service) => published(services, service.name)) &&
      DEMO_INGRESSES.every((ingress) => published(ingresses, ingress.name))
  }
}

/** Every Avi object of the playground's cluster, by type in AVI_TYPES order, then by name. */
export const readAviEntries = (avi: AviSim): ReadonlyArray<AviEntry> => {
  const prefix = `${CLUSTER_NAME}--`
  return AVI_TYPES.flatMap((type) =>
    avi.objects(type)
      .filter((object) => String(object["name"]).startsWith(prefix))
      .map((body) => ({ type, name: String(body["name"]), body }))
      .sort((a, b) => a.name.localeCompare(b.name))
  )
}

const KubeEvent = Schema.Struct({
  type: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  count: Schema.optional(Schema.Number),
  lastTimestamp: Schema.optional(Schema.NullOr(Schema.String)),
  eventTime: Schema.optional(Schema.NullOr(Schema.String)),
  metadata: Schema.Struct({ creationTimestamp: Schema.optional(Schema.String) }),
  involvedObject: Schema.Struct({
    kind: Schema.optional(Schema.String),
    namespace: Schema.optional(Schema.String),
    name: Schema.optional(Schema.String)
  })
})
const decodeKubeEvent = Schema.decodeUnknownOption(KubeEvent)

/** The Events in the simulated cluster, oldest first. */
export const readKubeEvents = (kube: KubeSim): ReadonlyArray<KubeEventEntry> =>
  kube.list("v1/Event").flatMap((object) =>
    Option.match(decodeKubeEvent(object), {
      onNone: () => [],
      onSome: (event) => {
        const involved = event.involvedObject
        return [{
          atMs: timeOf(event.lastTimestamp ?? event.eventTime ?? event.metadata.creationTimestamp),
          type: event.type ?? "Normal",
          reason: event.reason ?? "",
          object: `${involved.kind ?? "?"} ${involved.namespace === undefined ? "" : `${involved.namespace}/`}${
            involved.name ?? "?"
          }`,
          message: event.message ?? "",
          count: event.count ?? 1
        }]
      }
    })
  ).sort((a, b) => (a.atMs ?? 0) - (b.atMs ?? 0))
