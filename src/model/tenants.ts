/**
 * Tenancy: which Avi tenant a namespace's objects live in. AKO reads the Namespace annotation
 * `ako.vmware.com/tenant-name` (`lib.GetTenantInNamespace`) and falls back to `tenantName` when it is absent or
 * empty. In dedicatedTenantMode ako-ts sees (lists) only `tenantName`, so it keeps everything there.
 */
import type { ClusterSnapshot } from "./kube.js"
import type { ModelSettings } from "./settings.js"

export const NAMESPACE_TENANT_ANNOTATION = "ako.vmware.com/tenant-name"

/** The tenant of the objects built for `namespace`. */
export const namespaceTenant = (
  snapshot: Pick<ClusterSnapshot, "namespaces">,
  settings: ModelSettings,
  namespace: string
): string => {
  if (settings.dedicatedTenantMode === true) return settings.tenantName
  const annotated = snapshot.namespaces.get(namespace)?.metadata?.annotations?.[NAMESPACE_TENANT_ANNOTATION]
  return annotated === undefined || annotated === "" ? settings.tenantName : annotated
}

/**
 * The settings a namespace's objects are built with: every body builder takes `tenantName` as the object's tenant
 * (`tenant_ref`, the unit key, the auto FQDN of a shared VS).
 */
export const settingsInTenant = (settings: ModelSettings, tenant: string): ModelSettings =>
  tenant === settings.tenantName ? settings : { ...settings, tenantName: tenant }

export const settingsInNamespace = (
  snapshot: Pick<ClusterSnapshot, "namespaces">,
  settings: ModelSettings,
  namespace: string
): ModelSettings => settingsInTenant(settings, namespaceTenant(snapshot, settings, namespace))

/** `<tenant>/<vsName>` apart (a key without a tenant is in `fallback`). */
export const unitKeyParts = (
  key: string,
  fallback: string
): { readonly tenant: string; readonly vsName: string } => {
  const slash = key.indexOf("/")
  return slash < 0 ? { tenant: fallback, vsName: key } : { tenant: key.slice(0, slash), vsName: key.slice(slash + 1) }
}
