/**
 * `ako-ts/avi`: an Effect client for the Avi Controller REST API (VMware NSX Advanced Load Balancer).
 * See README.md in this folder for an example.
 */
export type { AviClientConfig, AviLogin } from "./config.js"
export { BOOTSTRAP_AVI_VERSION, capVersion, MAX_AVI_VERSION } from "./config.js"
export {
  AviAuthError,
  AviConflict,
  AviDecodeError,
  type AviError,
  AviNoFreeIp,
  AviNotFound,
  AviPreconditionFailed,
  AviRequestFailed,
  AviUnavailable,
  AviValidationError
} from "./errors.js"
export { AviMemoryStore } from "./memory.js"
export type { AviMemoryCall, AviMemoryFault, AviMemoryOptions, AviMemoryStoreService } from "./memory.js"
export * from "./objects.js"
export * as AviRef from "./refs.js"
export type { ParsedRef } from "./refs.js"
export { AviClient } from "./service.js"
export type {
  AviCallOptions,
  AviClientService,
  AviListFilters,
  AviMethod,
  AviPatchOp,
  AviQueryValue,
  AviRequest
} from "./service.js"

import { reloginsTotal, requestDuration, requestsTotal } from "./metrics.js"

/** The client's metrics (the application renders them in Prometheus format). */
export const AviMetrics = { requestsTotal, requestDuration, reloginsTotal } as const
