/**
 * A standalone Kubernetes API simulator that the real `@kubernetes/client-node` and `kubectl` talk to over loopback
 * HTTPS. It never imports the controller's code: its rules come from the Kubernetes API conventions.
 */
export { builtinResources, defineResource, type KubeObject, type ObjectMeta, type ResourceType } from "./registry.js"
export type { AdminFault, RequestLogEntry } from "./server.js"
export {
  ADMIN_TOKEN,
  ADMIN_USER,
  type KubeSim,
  type KubeSimFaults,
  type KubeSimOptions,
  KubeSimService,
  KubeSimStartError,
  type ListFilter,
  makeKubeSim,
  type RunningKubeSim,
  startKubeSim
} from "./sim.js"
export type { StatusBody } from "./status.js"
export type { DeleteOutcome } from "./store.js"
