/**
 * Which units an Avi-side change concerns: the objects Avi lost (`vanished`) and those a late write of the previous
 * leader may have changed. Pure functions of the desired state and the cache, so the active program re-diffs those
 * units and no others.
 */
import type { DesiredState } from "../model/index.js"
import { refName } from "../model/index.js"
import type { CachedObject, CacheView } from "../reconcile/index.js"
import { cachedUnitKeys, isChildVs, passthroughParentOf, wantedBy } from "../reconcile/index.js"

/** Units of `state` that want any of these objects (one pass over the units, however many vanished). */
export const unitsWanting = (state: DesiredState, objects: Iterable<CachedObject>): ReadonlyArray<string> => {
  const gone = new Set<string>()
  for (const object of objects) gone.add(`${object.type}|${object.tenant}|${object.name}`)
  const keys: Array<string> = []
  for (const unit of state.values()) {
    if (unit.objects.some((object) => gone.has(`${object.type}|${object.tenant}|${object.name}`))) keys.push(unit.key)
  }
  return keys
}

/**
 * The units a late write to these objects may have put out of step: those that want one of them, and the units of
 * the virtual services among them (a VS nothing wants is a unit to delete; a child VS's unit is its parent's). An
 * object none of these accounts for, such as a child VS whose parent is not named, puts every unit through again.
 */
export const unitsToRepair = (
  state: DesiredState,
  changed: ReadonlyArray<CachedObject>,
  view: CacheView
): ReadonlyArray<string> => {
  if (changed.length === 0) return []
  const keys = new Set(unitsWanting(state, changed))
  const wanted = wantedBy(state)
  for (const object of changed) {
    // deleted since as stale: nothing of it is left to repair
    if (view.byUuid(object.uuid) === undefined) continue
    if (object.type === "virtualservice") {
      const parent = isChildVs(object) ? parentVsName(object) : object.name
      if (parent !== undefined) {
        keys.add(`${object.tenant}/${parent}`)
        continue
      }
    }
    if (!wanted(object)) return [...new Set([...state.keys(), ...cachedUnitKeys(view)])]
  }
  return [...keys]
}

/** The parent VS of an SNI child or a passthrough companion, by name, when the object says it. */
const parentVsName = (child: CachedObject): string | undefined => {
  const passthroughParent = passthroughParentOf(child)
  if (passthroughParent !== undefined) return passthroughParent
  const ref = child.body["vh_parent_vs_ref"]
  if (typeof ref !== "string" || ref === "") return undefined
  const name = refName(ref)
  return name === ref ? undefined : name
}
