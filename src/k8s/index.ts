export {
  KubeClient,
  kubeClientFromDefault,
  kubeClientFromString,
  kubeClientLayer,
  type KubeClientShape,
  type KubeRequest,
  makeKubeClient,
  type Query,
  type RawWatchEvent
} from "./client.js"
export { isStatus, KubeApiError, type KubeError, KubeTransportError } from "./errors.js"
export {
  bestEffort,
  EventRecorder,
  type EventRecorderShape,
  type EventSpec,
  type ObjectReference
} from "./event-types.js"
export { type EventRecorderConfig, eventRecorderLayer, makeEventRecorder } from "./events.js"
export {
  type ListPage,
  type ListWatchSource,
  makeReflector,
  type Reflector,
  type ReflectorOptions,
  type StoreSnapshot,
  WatchGone
} from "./reflector.js"
export {
  AKO_CONFIGMAP,
  type K8sConfig,
  makeReflectors,
  POD_CIDR_RESOURCE_PATHS,
  type PodCidrCni,
  type PodCidrReflector,
  Reflectors,
  reflectorsLayer,
  type ReflectorsShape
} from "./reflectors.js"
export * as Resources from "./resources.js"
export { objectKey } from "./resources.js"
export {
  kubeListWatchSource,
  optionalListWatchSource,
  type OptionalResourceOptions,
  type Selectors
} from "./source-kube.js"
export { type InMemorySource, makeInMemorySource } from "./source-memory.js"
export { NotLeader, WriteGuard, type WriteGuardShape } from "./write-guard.js"
export {
  type AnnotatedKind,
  KubeWriters,
  kubeWritersLayer,
  type KubeWritersShape,
  type LoadBalancerIngress,
  makeKubeWriters,
  MERGE_PATCH,
  type ObjectName,
  objectPath,
  type RouteIngress
} from "./writers.js"
