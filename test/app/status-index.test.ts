import { describe, expect, it } from "vitest"
import { memoUnitsByObject } from "../../src/app/active.js"
import type { DesiredState, DesiredUnit } from "../../src/model/index.js"

/** A unit whose statuses name the given Services (what the index reads of a unit). */
const unitNaming = (key: string, services: ReadonlyArray<string>): DesiredUnit =>
  ({
    key,
    statuses: services.map((name) => ({ object: { kind: "Service", namespace: "red", name } }))
  }) as unknown as DesiredUnit

/** The index as a fresh scan gives it: each object's units, in the state's order. */
const scanned = (state: DesiredState) => {
  const byObject = new Map<string, Array<string>>()
  for (const unit of state.values()) {
    for (const key of new Set(unit.statuses.map((s) => `Service/red/${s.object.name}`))) {
      byObject.set(key, [...(byObject.get(key) ?? []), unit.key])
    }
  }
  return byObject
}

const answered = (memo: ReturnType<typeof memoUnitsByObject>, state: DesiredState) => {
  const { index, position } = memo(state)
  const byObject = new Map<string, Array<string>>()
  for (const [key, units] of index) {
    byObject.set(key, [...units].sort((a, b) => position.get(a)! - position.get(b)!).map((unit) => unit.key))
  }
  return byObject
}

/** Deterministic pseudo-random numbers, so a failure names its seed. */
const random = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

describe("the status index across desired-state versions", () => {
  it("answers as a fresh scan after batches of changes and full translations, in the state's order", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed)
      const memo = memoUnitsByObject()
      const services = ["a", "b", "c", "d", "e", "f"]
      const pick = () => services.filter(() => next() < 0.35)
      let state: DesiredState = new Map([["u0", unitNaming("u0", ["a"])], ["u1", unitNaming("u1", ["a", "b"])]])
      let older: DesiredState | undefined
      for (let version = 0; version < 40; version++) {
        if (older !== undefined && next() < 0.2) expect(answered(memo, older)).toEqual(scanned(older))
        older = state
        const roll = next()
        if (roll < 0.15) {
          // a full translation: the units (some changed, one new anywhere) in an order of its own
          const keys = [...state.keys()].sort(() => next() - 0.5)
          keys.splice(Math.floor(next() * (keys.length + 1)), 0, `t${version}`)
          state = new Map(
            keys.map((key) => [key, next() < 0.5 || !state.has(key) ? unitNaming(key, pick()) : state.get(key)!])
          )
        } else {
          // a batch: copied in order, some units replaced, some deleted, some added at the end
          const copy = new Map(state)
          for (const key of [...copy.keys()]) {
            const r = next()
            if (r < 0.15) copy.delete(key)
            else if (r < 0.4) copy.set(key, unitNaming(key, pick()))
          }
          if (next() < 0.6) copy.set(`u${version + 2}`, unitNaming(`u${version + 2}`, pick()))
          state = copy
        }
        // (an older version, asked again in between, must not disturb the answers for this one)
        expect(answered(memo, state), `seed ${seed}, version ${version}`).toEqual(scanned(state))
      }
    }
  })

  it("takes a replaced unit in at its predecessor's place, not after the units that follow it", () => {
    const memo = memoUnitsByObject()
    const first: DesiredState = new Map([
      ["u0", unitNaming("u0", ["a"])],
      ["u1", unitNaming("u1", ["a"])],
      ["u2", unitNaming("u2", ["a"])]
    ])
    expect(answered(memo, first).get("Service/red/a")).toEqual(["u0", "u1", "u2"])
    const second = new Map(first).set("u0", unitNaming("u0", ["a", "b"]))
    expect(answered(memo, second).get("Service/red/a")).toEqual(["u0", "u1", "u2"])
    expect(answered(memo, second).get("Service/red/b")).toEqual(["u0"])
  })
})
