/**
 * Server-side printing: kubectl asks for `as=Table` and prints the columns the server chose. Without it kubectl
 * falls back to NAME and AGE only, so the Table makes `kubectl get` and `get -w` show what changed.
 */
import type { KubeObject, ResourceType } from "./registry.js"

/** kubectl's HumanDuration, so ages look as on a real cluster. */
export const humanDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  const days = Math.floor(hours / 24)
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`
  if (days < 365 * 2) return `${days}d`
  return `${Math.floor(days / 365)}y`
}

export const wantsTable = (accept: string | undefined): boolean => (accept ?? "").includes("as=Table")

const partialMetadata = (object: KubeObject) => ({
  kind: "PartialObjectMetadata",
  apiVersion: "meta.k8s.io/v1",
  metadata: object.metadata ?? {}
})

export const tableRow = (type: ResourceType, object: KubeObject, now: number) => {
  const created = Date.parse(String(object.metadata?.creationTimestamp ?? ""))
  return {
    cells: [
      object.metadata?.name ?? "",
      ...type.columns.map((c) => c.cell(object)),
      ...(type.ageColumn ? [Number.isNaN(created) ? "<unknown>" : humanDuration(now - created)] : [])
    ],
    object: partialMetadata(object)
  }
}

export const table = (
  type: ResourceType,
  objects: ReadonlyArray<KubeObject>,
  metadata: Record<string, unknown>,
  now: number
) => ({
  kind: "Table",
  apiVersion: "meta.k8s.io/v1",
  metadata,
  columnDefinitions: [
    { name: "Name", type: "string", format: "name", description: "Name of the object", priority: 0 },
    ...type.columns.map((c) => ({
      name: c.name,
      type: c.type ?? "string",
      format: c.format ?? "",
      description: c.description ?? c.name,
      priority: c.priority ?? 0
    })),
    ...(type.ageColumn
      ? [{ name: "Age", type: "string", format: "", description: "Time since creation", priority: 0 }]
      : [])
  ],
  rows: objects.map((o) => tableRow(type, o, now))
})

/** A watch event's object as kubectl expects it when it asked for tables: a one-row Table. */
export const tableEventObject = (type: ResourceType, object: KubeObject, now: number) =>
  table(type, [object], { resourceVersion: object.metadata?.resourceVersion ?? "" }, now)
