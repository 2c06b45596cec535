/**
 * Entry points: the whole cluster, one unit, and which units a changed Kubernetes object affects.
 */
import type { DesiredUnit, Problem, Translation } from "./desired.js"
import { isHandledLoadBalancer } from "./filters.js"
import type { ClusterSnapshot } from "./kube.js"
import { compareStrings } from "./kube.js"
import { translateService } from "./l4.js"
import type { ModelSettings } from "./settings.js"

const sortedValues = <A>(map: ReadonlyMap<string, A>): ReadonlyArray<A> =>
  [...map.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, value]) => value)

/** Everything: one pass over the snapshot. The result does not depend on the order of the snapshot's maps. */
export const translate = (snapshot: ClusterSnapshot, settings: ModelSettings): Translation => {
  const units: Array<DesiredUnit> = []
  const problems: Array<Problem> = []
  for (const service of sortedValues(snapshot.services)) {
    if (!isHandledLoadBalancer(snapshot, settings, service)) continue
    const result = translateService(snapshot, settings, service)
    if (result.unit !== undefined) units.push(result.unit)
    problems.push(...result.problems)
  }
  units.sort((a, b) => compareStrings(a.key, b.key))
  return { desired: new Map(units.map((unit) => [unit.key, unit])), problems }
}
