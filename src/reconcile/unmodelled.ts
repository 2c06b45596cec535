/**
 * Hands off what ako-ts does not model. An owned parent virtual service is deleted only when ako-ts can name the
 * unit it belonged to (an L4 Service's VS, a shared VIP's `<ns>-<key>` VS, a `Shared-L7-[<infra>-]<n>` or
 * `Shared-Passthrough-[<infra>-]<n>` shard, a DEDICATED host's VS, in whichever tenant a Namespace names) and that
 * unit is gone. Everything else AKO may have built for this cluster (gateway VSes not named as a shared VIP, EVH,
 * anything not recognised) is kept with everything it links, and reported instead.
 */
import type { AviObjectType, ObjectRef } from "../model/index.js"
import { DEDICATED_SUFFIX } from "../model/index.js"
import type { AviCacheConfig, CachedObject, CacheView } from "./cache.js"
import { isChildVs, linkedFrom } from "./diff.js"

export type UnmodelledReason =
  | "shared-vip"
  | "passthrough"
  | "evh"
  | "other-tenant"
  | "unrecognised"

export interface Ownership {
  readonly clusterName: string
  readonly tenantName: string
  /**
   * Only `tenantName` is ako-ts's (dedicatedTenantMode). Otherwise Namespaces name tenants of their own, and an owned
   * VS in any tenant is judged by its name and markers.
   */
  readonly dedicatedTenantMode?: boolean | undefined
}

interface WireMarker {
  readonly key?: unknown
  readonly values?: unknown
}

const markerValue = (object: CachedObject, key: string): string | undefined => {
  const markers = object.body["markers"]
  if (!Array.isArray(markers)) return undefined
  const marker = (markers as ReadonlyArray<WireMarker>).find((m) => m.key === key)
  const values = marker?.values
  return Array.isArray(values) && typeof values[0] === "string" ? values[0] : undefined
}

const isL4ServiceVs = (root: CachedObject, clusterName: string): boolean => {
  const namespace = markerValue(root, "Namespace")
  const service = markerValue(root, "ServiceName")
  // An L4Rule's SSL listener serves the Service's pool directly, without an L4 policy set.
  const serves = Array.isArray(root.body["l4_policies"]) || typeof root.body["pool_ref"] === "string"
  return serves && namespace !== undefined && service !== undefined &&
    root.name === `${clusterName}--${namespace}-${service}`
}

/** A shared VIP's VS: markers `Namespace`, `GatewayName=<key>` and the name `<cluster>--<ns>-<key>`. */
const isSharedVipVs = (root: CachedObject, clusterName: string): boolean => {
  const namespace = markerValue(root, "Namespace")
  const key = markerValue(root, "GatewayName")
  return namespace !== undefined && key !== undefined && root.name === `${clusterName}--${namespace}-${key}`
}

/**
 * Why a parent VS is outside what ako-ts models, or undefined when ako-ts knows its unit. Children (SNI VSes) are
 * judged through their parent.
 */
export const unmodelledReason = (root: CachedObject, ownership: Ownership): UnmodelledReason | undefined => {
  const prefix = `${ownership.clusterName}--`
  if (ownership.dedicatedTenantMode === true && root.tenant !== ownership.tenantName) return "other-tenant"
  if (markerValue(root, "GatewayName") !== undefined) {
    return isSharedVipVs(root, ownership.clusterName) ? undefined : "shared-vip"
  }
  // This cluster's passthrough shards (`Shared-Passthrough-[<infra>-]<n>`) are modelled; their `-insecure`
  // companions are judged through them. Anything else named so (another AKO instance's) is not.
  if (new RegExp(`^${escapeRegExp(prefix)}Shared-Passthrough-(.+-)?\\d+$`).test(root.name)) return undefined
  if (root.name.startsWith(prefix) && root.name.includes("Shared-Passthrough-")) return "passthrough"
  if (root.body["vh_type"] === "VS_TYPE_VH_ENHANCED" || root.name.includes("Shared-L7-EVH-")) return "evh"
  // Shards of an AviInfraSetting too: `Shared-L7-<infra>-<n>`.
  if (new RegExp(`^${escapeRegExp(prefix)}Shared-L7-(.+-)?\\d+$`).test(root.name)) return undefined
  if (
    root.name.startsWith(prefix) && root.name.endsWith(DEDICATED_SUFFIX) && root.body["type"] !== "VS_TYPE_VH_PARENT"
  ) {
    return undefined
  }
  if (isL4ServiceVs(root, ownership.clusterName)) return undefined
  return "unrecognised"
}

/** `unitView`'s `hold` for a cache: parents of unmodelled features are never planned away. */
export const holdUnmodelled = (config: AviCacheConfig) => (root: CachedObject): UnmodelledReason | undefined =>
  unmodelledReason(root, {
    clusterName: config.clusterName,
    tenantName: config.tenantName ?? "admin",
    // A cache that lists one tenant only is dedicatedTenantMode's.
    dedicatedTenantMode: (config.listTenant ?? "*") !== "*"
  })

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

export interface UnmodelledParent {
  readonly root: CachedObject
  readonly reason: UnmodelledReason
  /** The root and everything it links: all kept. */
  readonly linked: ReadonlyArray<CachedObject>
  /** Kubernetes objects named in the VS's `service_metadata`, for an Event. */
  readonly owners: ReadonlyArray<ObjectRef>
  /** A shared-VIP VS: the namespace and annotation value its Services carry. */
  readonly sharedVip: { readonly namespace: string; readonly key: string } | undefined
}

const stringList = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

const ownersFromMetadata = (root: CachedObject): ReadonlyArray<ObjectRef> => {
  const text = root.body["service_metadata"]
  if (typeof text !== "string") return []
  let metadata: Record<string, unknown>
  try {
    metadata = JSON.parse(text) as Record<string, unknown>
  } catch {
    return []
  }
  const split = (kind: "Service" | "Ingress") => (entry: string): ReadonlyArray<ObjectRef> => {
    const slash = entry.indexOf("/")
    return slash <= 0 ? [] : [{ kind, namespace: entry.slice(0, slash), name: entry.slice(slash + 1) }]
  }
  return [
    ...stringList(metadata["namespace_svc_name"]).flatMap(split("Service")),
    ...stringList(metadata["namespace_ingress_name"]).flatMap(split("Ingress"))
  ]
}

/** Every owned parent VS the cache holds that ako-ts must leave alone, with what it links. */
export const unmodelledParents = (view: CacheView, ownership: Ownership): ReadonlyArray<UnmodelledParent> =>
  view.objects()
    .filter((object) => object.type === "virtualservice" && !isChildVs(object))
    .flatMap((root) => {
      const reason = unmodelledReason(root, ownership)
      if (reason === undefined) return []
      const namespace = markerValue(root, "Namespace")
      const gateway = markerValue(root, "GatewayName")
      return [{
        root,
        reason,
        linked: linkedFrom(view, root),
        owners: ownersFromMetadata(root),
        sharedVip: reason === "shared-vip" && namespace !== undefined && gateway !== undefined ?
          { namespace, key: gateway } :
          undefined
      }]
    })
    .sort((a, b) => a.root.name < b.root.name ? -1 : a.root.name > b.root.name ? 1 : 0)

/** Counts per (type, reason) of the objects kept for unmodelled features, for `ako_unmanaged_objects`. */
export const unmodelledCounts = (
  parents: ReadonlyArray<UnmodelledParent>
): ReadonlyMap<string, { readonly type: AviObjectType; readonly reason: UnmodelledReason; readonly count: number }> => {
  const counts = new Map<string, { type: AviObjectType; reason: UnmodelledReason; count: number }>()
  const seen = new Set<string>()
  for (const parent of parents) {
    for (const object of parent.linked) {
      if (seen.has(object.uuid)) continue
      seen.add(object.uuid)
      const key = `${object.type}|${parent.reason}`
      const entry = counts.get(key) ?? { type: object.type, reason: parent.reason, count: 0 }
      entry.count++
      counts.set(key, entry)
    }
  }
  return counts
}
