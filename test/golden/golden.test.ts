/**
 * Level 0: the AKO 2.2.1 recording. Its Kubernetes inputs through the model must give exactly the objects AKO wrote
 * (the last body per object, normalised as the recording's README says) and exactly AKO's checksums, so that a
 * switch from AKO to ako-ts, and back, writes nothing.
 */
import { describe, expect, it } from "vitest"
import type { AviObjectType } from "../../src/model/index.js"
import { observedChecksum, translate } from "../../src/model/index.js"
import {
  bodyDifferences,
  describeDifferences,
  desiredById,
  goldenFinalBodies,
  goldenObjects,
  goldenSettings,
  goldenSnapshot,
  MODELLED_TYPES,
  normalizeBody
} from "./golden.js"

const translation = translate(goldenSnapshot(), goldenSettings)
const desired = desiredById([...translation.desired.values()].flatMap((unit) => unit.objects))

describe("the AKO 2.2.1 recording through the model", () => {
  it("reports no problem for the recorded inputs", () => {
    expect(translation.problems).toEqual([])
  })

  it("builds exactly the objects AKO created, no more and no fewer", () => {
    const golden = [...goldenFinalBodies().keys()].sort()
    expect([...desired.keys()].sort()).toEqual(golden)
    expect(golden).toHaveLength(188)
  })

  it("sends AKO's body for every object, field by field (refs by name, VIP addresses aside)", () => {
    const failures: Array<string> = []
    for (const [id, golden] of goldenFinalBodies()) {
      const ours = desired.get(id)
      if (ours === undefined) {
        failures.push(`${id}: not built`)
        continue
      }
      const differences = bodyDifferences(normalizeBody(golden.body), normalizeBody(ours.body))
      if (differences.length > 0) failures.push(describeDifferences(id, differences))
    }
    expect(failures.join("\n")).toBe("")
  })

  it("computes the checksum AKO finds on each stored object (the field, or AKO's recomputation from the object)", () => {
    const stored = goldenObjects()
    const failures: Array<string> = []
    let compared = 0
    for (const type of MODELLED_TYPES) {
      for (const object of stored[type] ?? []) {
        const name = String(object["name"])
        const ours = desired.get(`${type}/${name}`)
        const theirs = observedChecksum(type as AviObjectType, object, goldenSettings.clusterName)
        compared++
        if (ours?.checksum !== theirs) failures.push(`${type}/${name}: AKO ${theirs}, ako-ts ${ours?.checksum}`)
      }
    }
    expect(failures.join("\n")).toBe("")
    expect(compared).toBe(188)
  })

  it("gives every unit's objects in an order where each object comes after what it refers to", () => {
    for (const unit of translation.desired.values()) {
      const seen = new Set<string>()
      for (const object of unit.objects) {
        for (const dependency of object.dependsOn) {
          if (dependency.type === "virtualservice") continue
          expect(seen.has(`${dependency.type}/${dependency.name}`), `${object.name} → ${dependency.name}`).toBe(true)
        }
        seen.add(`${object.type}/${object.name}`)
      }
    }
  })
})
