/**
 * Writes about managed objects: status (merge patch on the status subresource) and annotations. Every write goes
 * through the WriteGuard, so none starts, or survives, past this replica's renew deadline.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { KubeClient } from "./client.js"
import type { KubeError } from "./errors.js"
import type { NotLeader } from "./write-guard.js"
import { WriteGuard } from "./write-guard.js"

export const MERGE_PATCH = "application/merge-patch+json"

export interface LoadBalancerIngress {
  readonly ip?: string | undefined
  readonly hostname?: string | undefined
}

/** One entry of an OpenShift Route's `status.ingress`. */
export interface RouteIngress {
  readonly host?: string | undefined
  readonly routerName?: string | undefined
  readonly conditions?:
    | ReadonlyArray<{
      readonly type: string
      readonly status: string
      readonly reason?: string | undefined
      readonly message?: string | undefined
      readonly lastTransitionTime?: string | undefined
    }>
    | undefined
}

export type AnnotatedKind = "Service" | "Ingress" | "Route"

export interface ObjectName {
  readonly namespace: string
  readonly name: string
}

export interface KubeWritersShape {
  /** Sets `status.loadBalancer.ingress` of a Service (an empty list clears it). */
  readonly serviceStatus: (
    target: ObjectName,
    ingress: ReadonlyArray<LoadBalancerIngress>
  ) => Effect.Effect<void, KubeError | NotLeader>
  readonly ingressStatus: (
    target: ObjectName,
    ingress: ReadonlyArray<LoadBalancerIngress>
  ) => Effect.Effect<void, KubeError | NotLeader>
  /** Sets `status.ingress` of a Route (merge patch replaces the list). */
  readonly routeStatus: (
    target: ObjectName,
    ingress: ReadonlyArray<RouteIngress>
  ) => Effect.Effect<void, KubeError | NotLeader>
  /** Sets annotations; a `null` value removes the key. Other annotations are kept. */
  readonly annotate: (
    kind: AnnotatedKind,
    target: ObjectName,
    annotations: Readonly<Record<string, string | null>>
  ) => Effect.Effect<void, KubeError | NotLeader>
}

export class KubeWriters extends Context.Tag("ako-ts/k8s/KubeWriters")<KubeWriters, KubeWritersShape>() {}

export const objectPath = (kind: AnnotatedKind, target: ObjectName): string => {
  const ns = encodeURIComponent(target.namespace)
  const name = encodeURIComponent(target.name)
  switch (kind) {
    case "Service":
      return `/api/v1/namespaces/${ns}/services/${name}`
    case "Ingress":
      return `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/${name}`
    case "Route":
      return `/apis/route.openshift.io/v1/namespaces/${ns}/routes/${name}`
  }
}

export const makeKubeWriters = Effect.gen(function*() {
  const client = yield* KubeClient
  const guard = yield* WriteGuard
  const patch = (path: string, body: unknown) =>
    guard.admit(client.request({ method: "PATCH", path, body, contentType: MERGE_PATCH, ignoreAnswer: true })).pipe(
      Effect.asVoid
    )
  const writers: KubeWritersShape = {
    serviceStatus: (target, ingress) =>
      patch(`${objectPath("Service", target)}/status`, { status: { loadBalancer: { ingress } } }),
    ingressStatus: (target, ingress) =>
      patch(`${objectPath("Ingress", target)}/status`, { status: { loadBalancer: { ingress } } }),
    routeStatus: (target, ingress) => patch(`${objectPath("Route", target)}/status`, { status: { ingress } }),
    annotate: (kind, target, annotations) => patch(objectPath(kind, target), { metadata: { annotations } })
  }
  return writers
})

export const kubeWritersLayer: Layer.Layer<KubeWriters, never, KubeClient | WriteGuard> = Layer.effect(
  KubeWriters,
  makeKubeWriters
)
