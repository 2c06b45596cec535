/**
 * Two Kubernetes objects must never share an Avi pool or split one host path's traffic between them by accident:
 * two Ingresses (or Routes) claiming the same host and path, or whose names happen to spell the same pool name
 * (`ns/ing` path `/a-b` and `b-ns/ing` path `/a` both give `…_a-b-ns-ing`), are a conflict. The oldest claim
 * (creationTimestamp, then namespace/name) is programmed; the others are not, and every object involved hears why.
 * AKO itself would silently merge them; ako-ts refuses that on purpose.
 */
import type { Problem } from "./desired.js"
import type { HostPath } from "./ingress.js"
import type { ObjectRef } from "./kube.js"
import { compareStrings, refKey } from "./kube.js"
import { poolNameOf } from "./l7.js"
import type { ModelSettings } from "./settings.js"

const describe = (source: ObjectRef) => `${source.kind} ${source.namespace ?? ""}/${source.name}`

/** Oldest first; equal or unknown times fall back to namespace/name. */
const byAge = (a: HostPath, b: HostPath): number =>
  compareStrings(a.created === "" ? "\uffff" : a.created, b.created === "" ? "\uffff" : b.created) ||
  compareStrings(`${a.source.namespace ?? ""}/${a.source.name}`, `${b.source.namespace ?? ""}/${b.source.name}`)

export interface ResolvedPaths {
  readonly paths: ReadonlyArray<HostPath>
  readonly problems: ReadonlyArray<Problem>
}

/** The host paths of one VS without conflicting claims, and a problem on each object of every conflict. */
export const resolveConflicts = (
  settings: ModelSettings,
  paths: ReadonlyArray<HostPath>,
  dedicated: boolean
): ResolvedPaths => {
  const groups = new Map<string, Array<HostPath>>()
  const add = (key: string, p: HostPath) => {
    const list = groups.get(key)
    if (list === undefined) groups.set(key, [p])
    else list.push(p)
  }
  for (const p of paths) {
    add(`path\u0000${p.host}\u0000${p.path}`, p)
    add(`pool\u0000${poolNameOf(settings, p, dedicated)}`, p)
  }
  const losers = new Set<string>()
  const problems = new Map<string, Problem>()
  for (const [key, claims] of groups) {
    const sources = new Map(claims.map((p) => [refKey(p.source), p] as const))
    if (sources.size < 2) continue
    const ranked = [...sources.values()].sort(byAge)
    const winner = ranked[0]!
    const what = key.startsWith("path") ?
      `host ${winner.host} path ${winner.path === "" ? "(none)" : winner.path}` :
      `the Avi pool name ${key.slice("pool\u0000".length)}`
    for (const claim of ranked) {
      if (claim !== winner) losers.add(refKey(claim.source) + "\u0000" + key)
      const others = ranked.filter((other) => other !== claim).map((other) => describe(other.source)).join(", ")
      const verdict = claim === winner ?
        "it is the oldest claim and stays programmed" :
        `only the oldest, ${describe(winner.source)}, is programmed; this path is not`
      const problemKey = `${refKey(claim.source)}\u0000${key}`
      problems.set(problemKey, {
        object: claim.source,
        field: "spec.rules",
        reason: "HostPathConflict",
        message: `${what} is also claimed by ${others}: ${verdict}`
      })
    }
  }
  const kept = paths.filter((p) =>
    !losers.has(`${refKey(p.source)}\u0000path\u0000${p.host}\u0000${p.path}`) &&
    !losers.has(`${refKey(p.source)}\u0000pool\u0000${poolNameOf(settings, p, dedicated)}`)
  )
  const sorted = [...problems.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, problem]) => problem)
  return { paths: kept, problems: sorted }
}
