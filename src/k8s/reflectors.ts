/** The reflectors the controller runs (passive work: always on, on every replica). */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { KubeClient } from "./client.js"
import type { Reflector } from "./reflector.js"
import { makeReflector } from "./reflector.js"
import * as R from "./resources.js"
import { kubeListWatchSource, optionalListWatchSource } from "./source-kube.js"

export interface K8sConfig {
  /** The controller's namespace (`POD_NAMESPACE`), where `avi-k8s-config` lives. */
  readonly namespace: string
  /** Watch OpenShift Routes (route.openshift.io/v1). */
  readonly openshift: boolean
  readonly configMapName?: string | undefined
  readonly pageSize?: number | undefined
  /** How often the CRDs of AKO's rules are looked for again while the cluster does not serve them; default 60 s. */
  readonly crdRecheckMillis?: number | undefined
  /**
   * The value the EndpointSlice store is indexed by (`ReflectorOptions.indexBy`): the model's `serviceKeyOfSlice`, so
   * a Service's slices are found without a scan. Without it the store has no index and the model indexes each slice
   * map itself.
   */
  readonly endpointSliceIndex?: ((slice: R.EndpointSlice) => string | undefined) | undefined
  /** The CNI whose own resources hold the nodes' pod CIDRs, when static route sync reads them; else none is watched. */
  readonly podCidrSource?: PodCidrCni | undefined
}

export type PodCidrCni = "calico" | "openshift" | "cilium"

/**
 * The CNI's pod CIDR resources (AKO's dynamic informers for BlockAffinities, HostSubnets or CiliumNodes). `served` is
 * false until a list of them has been stored, and while the cluster does not serve them (their CRD is missing), so
 * that "no objects" is never mistaken for "no pod CIDRs".
 */
export type PodCidrReflector =
  | { readonly cni: "calico"; readonly reflector: Reflector<R.BlockAffinity>; readonly served: Effect.Effect<boolean> }
  | { readonly cni: "openshift"; readonly reflector: Reflector<R.HostSubnet>; readonly served: Effect.Effect<boolean> }
  | { readonly cni: "cilium"; readonly reflector: Reflector<R.CiliumNode>; readonly served: Effect.Effect<boolean> }

export const POD_CIDR_RESOURCE_PATHS: Readonly<Record<PodCidrCni, string>> = {
  calico: "/apis/crd.projectcalico.org/v1/blockaffinities",
  openshift: "/apis/network.openshift.io/v1/hostsubnets",
  cilium: "/apis/cilium.io/v2/ciliumnodes"
}

export const AKO_CONFIGMAP = "avi-k8s-config"

export interface ReflectorsShape {
  readonly services: Reflector<R.Service>
  readonly endpointSlices: Reflector<R.EndpointSlice>
  readonly ingresses: Reflector<R.Ingress>
  readonly ingressClasses: Reflector<R.IngressClass>
  readonly secrets: Reflector<R.Secret>
  readonly namespaces: Reflector<R.Namespace>
  readonly nodes: Reflector<R.Node>
  /** Only `avi-k8s-config` in the controller's namespace. */
  readonly configMap: Reflector<R.ConfigMap>
  readonly routes: Option.Option<Reflector<R.Route>>
  /** AKO's rules; empty (and ready) while their CRDs are not installed. */
  readonly hostRules: Reflector<R.HostRule>
  readonly httpRules: Reflector<R.HTTPRule>
  readonly l7Rules: Reflector<R.L7Rule>
  readonly l4Rules: Reflector<R.L4Rule>
  /** Cluster-scoped: keyed by name. */
  readonly aviInfraSettings: Reflector<R.AviInfraSetting>
  /**
   * Only with `K8sConfig.podCidrSource`. Not part of `ready`, `changes` or `subscribe`: only static route sync reads
   * it, and a resource the cluster refuses to list (RBAC) must not hold up everything else.
   */
  readonly podCidrs: Option.Option<PodCidrReflector>
  /** Completes once every reflector has listed. */
  readonly ready: Effect.Effect<void>
  readonly isReady: Effect.Effect<boolean>
  /** Every reflector's changed keys, tagged with its kind. */
  readonly changes: Stream.Stream<{ readonly kind: string; readonly key: string }>
  /** Like `changes`, but subscribed when this effect runs (in the caller's scope), so nothing after it is missed. */
  readonly subscribe: Effect.Effect<Stream.Stream<{ readonly kind: string; readonly key: string }>, never, Scope.Scope>
  /** Every reflector's changes from now on, synchronously, until the caller's scope closes (`Reflector.listen`). */
  readonly listen: (listener: (kind: string, key: string) => void) => Effect.Effect<void, never, Scope.Scope>
  /** All list+watch loops; never ends on its own. */
  readonly run: Effect.Effect<never>
}

export class Reflectors extends Context.Tag("ako-ts/k8s/Reflectors")<Reflectors, ReflectorsShape>() {}

export const makeReflectors = (config: K8sConfig): Effect.Effect<ReflectorsShape, never, KubeClient> =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const pageSize = config.pageSize
    const make = <A extends { readonly metadata?: R.ObjectMetaType | undefined }, I>(
      kind: string,
      path: string,
      schema: Schema.Schema<A, I>,
      fieldSelector?: string,
      indexBy?: (object: A) => string | undefined
    ) =>
      makeReflector({
        kind,
        schema,
        pageSize,
        indexBy,
        source: kubeListWatchSource(client, path, fieldSelector === undefined ? {} : { fieldSelector })
      })
    const services = yield* make("Service", "/api/v1/services", R.Service)
    const endpointSlices = yield* make(
      "EndpointSlice",
      "/apis/discovery.k8s.io/v1/endpointslices",
      R.EndpointSlice,
      undefined,
      config.endpointSliceIndex
    )
    const ingresses = yield* make("Ingress", "/apis/networking.k8s.io/v1/ingresses", R.Ingress)
    const ingressClasses = yield* make("IngressClass", "/apis/networking.k8s.io/v1/ingressclasses", R.IngressClass)
    const secrets = yield* make("Secret", "/api/v1/secrets", R.Secret)
    const namespaces = yield* make("Namespace", "/api/v1/namespaces", R.Namespace)
    const nodes = yield* make("Node", "/api/v1/nodes", R.Node)
    const configMap = yield* make(
      "ConfigMap",
      `/api/v1/namespaces/${encodeURIComponent(config.namespace)}/configmaps`,
      R.ConfigMap,
      `metadata.name=${config.configMapName ?? AKO_CONFIGMAP}`
    )
    const makeRule = <A extends { readonly metadata?: R.ObjectMetaType | undefined }, I>(
      kind: string,
      path: string,
      schema: Schema.Schema<A, I>,
      meaning?: string
    ) =>
      makeReflector({
        kind,
        schema,
        pageSize,
        source: optionalListWatchSource(kubeListWatchSource(client, path), {
          kind,
          recheckMillis: config.crdRecheckMillis,
          meaning
        })
      })
    const hostRules = yield* makeRule("HostRule", "/apis/ako.vmware.com/v1beta1/hostrules", R.HostRule)
    const httpRules = yield* makeRule("HTTPRule", "/apis/ako.vmware.com/v1beta1/httprules", R.HTTPRule)
    const l7Rules = yield* makeRule("L7Rule", "/apis/ako.vmware.com/v1alpha2/l7rules", R.L7Rule)
    const l4Rules = yield* makeRule("L4Rule", "/apis/ako.vmware.com/v1alpha2/l4rules", R.L4Rule)
    const aviInfraSettings = yield* makeRule(
      "AviInfraSetting",
      "/apis/ako.vmware.com/v1beta1/aviinfrasettings",
      R.AviInfraSetting
    )
    const routes = config.openshift
      ? Option.some(yield* make("Route", "/apis/route.openshift.io/v1/routes", R.Route))
      : Option.none()
    const cni = config.podCidrSource
    const makePodCidrs = <A extends { readonly metadata?: R.ObjectMetaType | undefined }, I>(
      kind: string,
      schema: Schema.Schema<A, I>
    ) =>
      Effect.map(
        makeRule(
          kind,
          POD_CIDR_RESOURCE_PATHS[cni!],
          schema,
          "no node's pod CIDRs are known, so static route sync leaves every node's routes as they are"
        ),
        (reflector) => ({
          reflector,
          // The optional source stores a resource the cluster does not serve as an empty list with resourceVersion "",
          // and the reflector records a list's resourceVersion only after storing its objects.
          served: Effect.map(reflector.resourceVersion, (rv) => rv !== undefined && rv !== "")
        })
      )
    const podCidrs: Option.Option<PodCidrReflector> = cni === "calico"
      ? Option.some({ cni, ...(yield* makePodCidrs("BlockAffinity", R.BlockAffinity)) })
      : cni === "openshift"
      ? Option.some({ cni, ...(yield* makePodCidrs("HostSubnet", R.HostSubnet)) })
      : cni === "cilium"
      ? Option.some({ cni, ...(yield* makePodCidrs("CiliumNode", R.CiliumNode)) })
      : Option.none()
    const all: ReadonlyArray<Reflector<unknown>> = [
      services,
      endpointSlices,
      ingresses,
      ingressClasses,
      secrets,
      namespaces,
      nodes,
      configMap,
      hostRules,
      httpRules,
      l7Rules,
      l4Rules,
      aviInfraSettings,
      ...Option.toArray(routes)
    ]
    const listen = (listener: (kind: string, key: string) => void) =>
      Effect.forEach(all, (r) => r.listen((key) => listener(r.kind, key)), { discard: true })
    // One queue for all of them, in the order the changes happened: merged streams forked a fiber per reflector.
    const subscribe = Effect.gen(function*() {
      const changes = yield* Effect.acquireRelease(
        Queue.unbounded<{ readonly kind: string; readonly key: string }>(),
        Queue.shutdown
      )
      yield* listen((kind, key) => Queue.unsafeOffer(changes, { kind, key }))
      return Stream.fromQueue(changes)
    })
    return {
      services,
      endpointSlices,
      ingresses,
      ingressClasses,
      secrets,
      namespaces,
      nodes,
      configMap,
      routes,
      hostRules,
      httpRules,
      l7Rules,
      l4Rules,
      aviInfraSettings,
      podCidrs,
      ready: Effect.forEach(all, (r) => r.ready, { discard: true }),
      isReady: Effect.map(Effect.forEach(all, (r) => r.isReady), (states) => states.every((s) => s)),
      changes: Stream.unwrapScoped(subscribe),
      subscribe,
      listen,
      run: Effect.forEach(
        [...all, ...Option.toArray(podCidrs).map((p) => p.reflector as Reflector<unknown>)],
        (r) => r.run,
        { concurrency: "unbounded", discard: true }
      ).pipe(
        Effect.zipRight(Effect.never)
      )
    }
  })

export const reflectorsLayer = (config: K8sConfig): Layer.Layer<Reflectors, never, KubeClient> =>
  Layer.effect(Reflectors, makeReflectors(config))
