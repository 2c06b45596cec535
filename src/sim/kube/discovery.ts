/**
 * Legacy discovery documents (APIVersions, APIGroupList, APIGroup, APIResourceList) and /version. kubectl asks for
 * aggregated discovery first and falls back to these when the response is plain `application/json`.
 */
import { apiVersionOf, type Registry, type ResourceType } from "./registry.js"

export const versionInfo = {
  major: "1",
  minor: "34",
  gitVersion: "v1.34.0-ako-ts-sim",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-01-01T00:00:00Z",
  goVersion: "go1.24.0",
  compiler: "gc",
  platform: "linux/amd64"
}

export const apiVersions = (serverAddress: string) => ({
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }]
})

const groupEntry = (group: string, versions: ReadonlyArray<string>) => {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }))
  return { name: group, versions: entries, preferredVersion: entries[0]! }
}

/**
 * Kubernetes' version priority (v1 > v1beta2 > v1beta1 > v1alpha1 > anything else, alphabetically): the order versions
 * are listed in and the first is the preferred one, which kubectl uses for a resource served in several versions.
 */
const versionRank = (version: string): [number, number, number, string] => {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version)
  if (match === null) return [3, 0, 0, version]
  const stage = match[2] === undefined ? 0 : match[2] === "beta" ? 1 : 2
  return [stage, -Number(match[1]), -Number(match[3] ?? 0), version]
}

export const compareVersions = (a: string, b: string): number => {
  const ra = versionRank(a)
  const rb = versionRank(b)
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return (ra[i] as number) - (rb[i] as number)
  return ra[3] < rb[3] ? -1 : ra[3] > rb[3] ? 1 : 0
}

const groupsOf = (registry: Registry): Map<string, Array<string>> => {
  const groups = new Map<string, Array<string>>()
  for (const { group, version } of registry.apiVersions()) {
    if (group === "") continue
    const versions = groups.get(group) ?? []
    if (!versions.includes(version)) versions.push(version)
    groups.set(group, versions)
  }
  for (const versions of groups.values()) versions.sort(compareVersions)
  return groups
}

export const apiGroupList = (registry: Registry) => ({
  kind: "APIGroupList",
  apiVersion: "v1",
  groups: [...groupsOf(registry)].map(([group, versions]) => groupEntry(group, versions))
})

export const apiGroup = (registry: Registry, group: string) => {
  const versions = groupsOf(registry).get(group)
  return versions === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) }
}

const resourceEntries = (type: ResourceType) => {
  const main = {
    name: type.plural,
    singularName: type.singular,
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: type.verbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {})
  }
  if (!type.hasStatus) return [main]
  return [main, {
    name: `${type.plural}/status`,
    singularName: "",
    namespaced: type.namespaced,
    kind: type.kind,
    verbs: ["get", "patch", "update"]
  }]
}

export const apiResourceList = (registry: Registry, apiVersion: string) => {
  const types = registry.types.filter((t) => apiVersionOf(t) === apiVersion)
  if (types.length === 0) return undefined
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersion,
    resources: types.flatMap(resourceEntries)
  }
}

const gvPath = (apiVersion: string) => (apiVersion.includes("/") ? `apis/${apiVersion}` : `api/${apiVersion}`)

/**
 * The OpenAPI v3 index. kubectl reads it to learn whether the server validates fields itself (the PATCH operation
 * of a kind lists a `fieldValidation` parameter); without it kubectl insists on downloading schemas to validate
 * client-side. The per-version documents carry only that much: paths, no schemas.
 */
export const openApiV3Index = (registry: Registry) => ({
  paths: Object.fromEntries(
    registry.apiVersions().map(({ group, version }) => {
      const apiVersion = group === "" ? version : `${group}/${version}`
      return [gvPath(apiVersion), {
        serverRelativeURL: `/openapi/v3/${gvPath(apiVersion)}?hash=${hashOf(registry, apiVersion)}`
      }]
    })
  )
})

/**
 * kubectl caches each document under its URL, so the hash changes with the kinds a group version serves: a CRD
 * added to an existing group must not be hidden behind the cached document of the group without it.
 */
const hashOf = (registry: Registry, apiVersion: string): string => {
  const kinds = registry.types.filter((t) => apiVersionOf(t) === apiVersion).map((t) => `${t.plural}:${t.kind}`).sort()
  let hash = 0x811c9dc5
  for (const char of kinds.join(",")) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0
  return `ako-ts-sim-${hash.toString(16)}`
}

export const openApiV3Document = (registry: Registry, path: string) => {
  const types = registry.types.filter((t) => gvPath(apiVersionOf(t)) === path)
  if (types.length === 0) return undefined
  const queryParameter = (name: string) => ({ name, in: "query", schema: { type: "string", uniqueItems: true } })
  const paths: Record<string, unknown> = {}
  for (const type of types) {
    const gvk = { group: type.group, version: type.version, kind: type.kind }
    const base = type.namespaced ? `/${path}/namespaces/{namespace}/${type.plural}` : `/${path}/${type.plural}`
    const operation = (action: string) => ({
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
      parameters: [queryParameter("dryRun"), queryParameter("fieldManager"), queryParameter("fieldValidation")],
      responses: { "200": { description: "OK" } }
    })
    paths[base] = { post: operation("post") }
    paths[`${base}/{name}`] = { put: operation("put"), patch: operation("patch") }
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: versionInfo.gitVersion },
    paths,
    components: { schemas: {} }
  }
}
