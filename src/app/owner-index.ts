/**
 * Which units each Kubernetes object feeds, and which units hold objects of each Namespace: what the desired graph
 * asks on every change. The model's `unitsOwnedBy` scans every unit and builds a key per owner, so a burst of N new
 * Services cost N² key builds (10,000 Services: 10⁸); this index answers the same from the units that changed.
 */
import type { DesiredState, DesiredUnit, ObjectRef } from "../model/index.js"
import { compareStrings, refKey } from "../model/index.js"

const NAMESPACE_PREFIX = "in-namespace/"
const namespaceKey = (namespace: string) => `${NAMESPACE_PREFIX}${namespace}`

const indexKeysOf = (unit: DesiredUnit): ReadonlyArray<string> => [
  ...new Set(
    unit.owners.flatMap((owner) =>
      owner.namespace === undefined ? [refKey(owner)] : [refKey(owner), namespaceKey(owner.namespace)]
    )
  )
]

export class OwnerIndex {
  /**
   * The units of each object, the key itself while there is one (most objects feed a single unit: a Set each was
   * about 1.5 MiB at 10,000 Services).
   */
  private readonly units = new Map<string, string | Set<string>>()
  private readonly keysOfUnit = new Map<string, ReadonlyArray<string>>()
  /** Each Namespace's key while it has units: all its units hold that one string (a copy each was half a MiB). */
  private readonly namespaceKeys = new Map<string, string>()

  /** Starts over from a whole state (after a full translation). */
  rebuild(state: DesiredState): void {
    this.units.clear()
    this.keysOfUnit.clear()
    this.namespaceKeys.clear()
    for (const [key, unit] of state) this.replace(key, unit)
  }

  /** The unit under `key` is now `unit` (undefined: there is none). */
  replace(key: string, unit: DesiredUnit | undefined): void {
    for (const indexKey of this.keysOfUnit.get(key) ?? []) this.remove(indexKey, key)
    this.keysOfUnit.delete(key)
    if (unit === undefined) return
    const indexKeys = indexKeysOf(unit).map((indexKey) => {
      if (!indexKey.startsWith(NAMESPACE_PREFIX)) return indexKey
      const kept = this.namespaceKeys.get(indexKey)
      if (kept !== undefined) return kept
      this.namespaceKeys.set(indexKey, indexKey)
      return indexKey
    })
    this.keysOfUnit.set(key, indexKeys)
    for (const indexKey of indexKeys) this.add(indexKey, key)
  }

  /** As the model's `unitsOwnedBy`: a Namespace owns the units of every object in it. Sorted. */
  unitsOwnedBy(object: ObjectRef): ReadonlyArray<string> {
    const units = this.units.get(object.kind === "Namespace" ? namespaceKey(object.name) : refKey(object))
    return units === undefined ? [] : typeof units === "string" ? [units] : [...units].sort(compareStrings)
  }

  private add(indexKey: string, unitKey: string): void {
    const units = this.units.get(indexKey)
    if (units === undefined) this.units.set(indexKey, unitKey)
    else if (typeof units !== "string") units.add(unitKey)
    else if (units !== unitKey) this.units.set(indexKey, new Set([units, unitKey]))
  }

  private remove(indexKey: string, unitKey: string): void {
    const units = this.units.get(indexKey)
    if (units === undefined) return
    if (typeof units !== "string") {
      units.delete(unitKey)
      if (units.size === 1) this.units.set(indexKey, units.values().next().value!)
      if (units.size > 0) return
    } else if (units !== unitKey) return
    this.units.delete(indexKey)
    this.namespaceKeys.delete(indexKey)
  }
}
