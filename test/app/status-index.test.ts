import { describe, expect, it } from "vitest"
import { memoUnitsByObject } from "../../src/app/active.js"
import { DesiredStateVersion } from "../../src/app/desired-versions.js"
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
  const { index, positionOf } = memo(state)
  const byObject = new Map<string, Array<string>>()
  for (const [key, units] of index) {
    byObject.set(key, [...units].sort((a, b) => positionOf(a) - positionOf(b)).map((unit) => unit.key))
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
      const initial: ReadonlyArray<readonly [string, DesiredUnit]> = [
        ["u0", unitNaming("u0", ["a"])],
        ["u1", unitNaming("u1", ["a", "b"])]
      ]
      let state = DesiredStateVersion.of(initial)
      // what a Map built by the same steps holds, in its order: what every version must read as
      let model = new Map(initial)
      const older: Array<readonly [DesiredStateVersion, Map<string, DesiredUnit>]> = []
      for (let version = 0; version < 60; version++) {
        const label = `seed ${seed}, version ${version}`
        if (older.length > 0 && next() < 0.2) {
          // an older version asked again in between, and now and then a batch on it (a line of its own)
          const [old, oldModel] = older[Math.floor(next() * older.length)]!
          expect(answered(memo, old), label).toEqual(scanned(old))
          if (next() < 0.3) {
            state = old
            model = oldModel
          }
        }
        older.push([state, model])
        const roll = next()
        if (roll < 0.1) {
          // a full translation: the units (some changed, one new anywhere) in an order of its own
          const keys = [...state.keys()].sort(() => next() - 0.5)
          keys.splice(Math.floor(next() * (keys.length + 1)), 0, `t${version}`)
          const entries = keys.map((key) =>
            [key, next() < 0.5 || !state.has(key) ? unitNaming(key, pick()) : state.get(key)!] as const
          )
          state = DesiredStateVersion.of(entries)
          model = new Map(entries)
        } else {
          // a batch: some units replaced, some deleted, some added (at the end)
          const changes: Array<readonly [string, DesiredUnit | undefined]> = []
          for (const key of state.keys()) {
            const r = next()
            if (r < 0.15) changes.push([key, undefined])
            else if (r < 0.4) changes.push([key, unitNaming(key, pick())])
          }
          if (next() < 0.6) changes.push([`u${version + 2}`, unitNaming(`u${version + 2}`, pick())])
          state = state.with(changes)
          model = new Map(model)
          for (const [key, unit] of changes) {
            if (unit === undefined) model.delete(key)
            else model.set(key, unit)
          }
        }
        expect([...state], label).toEqual([...model])
        expect(state.size, label).toBe(model.size)
        // now and then a version or more goes by unseen, as when batches land between two status passes
        if (next() < 0.3) continue
        expect(answered(memo, state), label).toEqual(scanned(state))
      }
    }
  })

  it("takes a replaced unit in at its predecessor's place, not after the units that follow it", () => {
    const memo = memoUnitsByObject()
    const first = DesiredStateVersion.of([
      ["u0", unitNaming("u0", ["a"])],
      ["u1", unitNaming("u1", ["a"])],
      ["u2", unitNaming("u2", ["a"])]
    ])
    expect(answered(memo, first).get("Service/red/a")).toEqual(["u0", "u1", "u2"])
    const second = first.with([["u0", unitNaming("u0", ["a", "b"])]])
    expect([...second.keys()]).toEqual(["u0", "u1", "u2"])
    expect(answered(memo, second).get("Service/red/a")).toEqual(["u0", "u1", "u2"])
    expect(answered(memo, second).get("Service/red/b")).toEqual(["u0"])
  })

  it("indexes a plain map of units too, in its order", () => {
    const memo = memoUnitsByObject()
    const state: DesiredState = new Map([
      ["u1", unitNaming("u1", ["a"])],
      ["u0", unitNaming("u0", ["a", "b"])]
    ])
    expect(answered(memo, state)).toEqual(scanned(state))
    expect(answered(memo, state).get("Service/red/a")).toEqual(["u1", "u0"])
  })

  it("indexes afresh a version further behind than the change log reaches", () => {
    const memo = memoUnitsByObject()
    let state = DesiredStateVersion.of([["u0", unitNaming("u0", ["a"])]])
    expect(answered(memo, state)).toEqual(scanned(state))
    for (let version = 1; version <= 600; version++) {
      state = state.with([[`u${version}`, unitNaming(`u${version}`, [version % 2 === 0 ? "a" : "b"])]])
    }
    expect(answered(memo, state)).toEqual(scanned(state))
    expect(answered(memo, state).get("Service/red/b")).toHaveLength(300)
  })
})
