/**
 * Which Kubernetes objects AKO handles at all: namespace filter, LoadBalancer class, IngressClass
 * (reference/ako-objects.md §1, §2, §3.1).
 */
import type { ClusterSnapshot, Ingress, Service } from "./kube.js"
import type { ModelSettings } from "./settings.js"

export const AVI_LB_CLASS = "ako.vmware.com/avi-lb"
export const AVI_INGRESS_CONTROLLER = "ako.vmware.com/avi-lb"
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"

/** Not blocked, and carrying the namespace sync label when one is configured. */
export const namespaceAccepted = (snapshot: ClusterSnapshot, settings: ModelSettings, namespace: string): boolean => {
  if (settings.blockedNamespaceList.includes(namespace)) return false
  if (settings.namespaceSyncLabelKey === undefined) return true
  const labels = snapshot.namespaces.get(namespace)?.metadata?.labels
  return labels?.[settings.namespaceSyncLabelKey] === (settings.namespaceSyncLabelValue ?? "")
}

/** A LoadBalancer Service ako-ts handles (AKO `lib.ValidateSvcforClass`, layer7Only, namespace filter). */
export const isHandledLoadBalancer = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  service: Service
): boolean => {
  if (service.spec?.type !== "LoadBalancer" || settings.layer7Only) return false
  if (service.metadata?.deletionTimestamp !== undefined) return false
  const lbClass = service.spec.loadBalancerClass
  const classOk = lbClass === undefined || lbClass === "" ? settings.defaultLBController : lbClass === AVI_LB_CLASS
  return classOk && namespaceAccepted(snapshot, settings, service.metadata?.namespace ?? "")
}

/** The IngressClass rule: a named class with AKO's controller, or no class and an AKO class marked default. */
export const isHandledIngress = (snapshot: ClusterSnapshot, settings: ModelSettings, ingress: Ingress): boolean => {
  if (ingress.metadata?.deletionTimestamp !== undefined) return false
  if (!namespaceAccepted(snapshot, settings, ingress.metadata?.namespace ?? "")) return false
  const className = ingress.spec?.ingressClassName
  if (className !== undefined && className !== "") {
    return snapshot.ingressClasses.get(className)?.spec?.controller === AVI_INGRESS_CONTROLLER
  }
  for (const ingressClass of snapshot.ingressClasses.values()) {
    if (
      ingressClass.spec?.controller === AVI_INGRESS_CONTROLLER &&
      ingressClass.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true"
    ) return true
  }
  return false
}
