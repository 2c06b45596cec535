export {
  DEFAULT_LEASE_NAME,
  type ElectionConfig,
  type ElectionConfigInput,
  InvalidElectionConfig,
  makeElectionConfig
} from "./config.js"
export {
  electionLayer,
  Elector,
  holderVersion,
  kubeElectionLayer,
  makeElector,
  VERSION_ANNOTATION,
  VERSION_HOLDER_ANNOTATION
} from "./elector.js"
export { Leadership, type LeadershipShape, NotLeader, Role, WriteGuard } from "./leadership.js"
export { kubeLeaseApiLayer, makeKubeLeaseApi } from "./lease-api-kube.js"
export {
  type InMemoryLease,
  type InMemoryLeaseClient,
  type LeaseClientFaults,
  makeInMemoryLease
} from "./lease-api-memory.js"
export {
  formatMicroTime,
  LeaseApi,
  LeaseApiError,
  type LeaseApiShape,
  LeaseConflict,
  LeaseEvent,
  type LeaseRecord,
  type LeaseWrite
} from "./lease-api.js"
export { type ElectionMetrics, electionMetrics } from "./metrics.js"
export { runWhileLeader } from "./runner.js"
