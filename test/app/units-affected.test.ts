/**
 * Which units a new leader re-diffs after its late-write wait: the units of what Avi shows changed, not every unit
 * (ten thousand reconciles of empty plans at 10,000 Services), and every unit when a change cannot be placed.
 */
import { describe, expect, it } from "vitest"
import { unitsToRepair, unitsWanting } from "../../src/app/units-affected.js"
import type { AviBody, AviObjectType } from "../../src/model/index.js"
import { toCached, viewOf } from "../../src/reconcile/index.js"
import type { CachedObject } from "../../src/reconcile/index.js"
import { desiredOf, l4Service, merge } from "../reconcile/support.js"

let counter = 0
const stored = (type: AviObjectType, body: AviBody): CachedObject => {
  counter++
  return toCached(type, {
    ...body,
    uuid: `${type}-${counter}`,
    tenant_ref: "https://avi.test/api/tenant/admin#admin",
    _last_modified: String(counter)
  }, "c1")!
}

const RED = "admin/c1--red-web"
const BLUE = "admin/c1--blue-api"
const state = desiredOf(
  merge(l4Service("red", "web", [{ port: 80 }]).parts, l4Service("blue", "api", [{ port: 443 }]).parts)
)

const redPool = stored("pool", { name: "c1--red-web-TCP-80" })
const bluePool = stored("pool", { name: "c1--blue-api-TCP-443" })
const redVs = stored("virtualservice", { name: "c1--red-web" })
const blueVs = stored("virtualservice", { name: "c1--blue-api" })
const goneUnitVs = stored("virtualservice", { name: "c1--green-old" })
const child = stored("virtualservice", {
  name: "c1--child",
  type: "VS_TYPE_VH_CHILD",
  vh_parent_vs_ref: "https://avi.test/api/virtualservice/virtualservice-x#c1--blue-api"
})
const orphanChild = stored("virtualservice", { name: "c1--orphan-child", type: "VS_TYPE_VH_CHILD" })
const strayPool = stored("pool", { name: "c1--stray-TCP-80" })
const view = viewOf([redPool, bluePool, redVs, blueVs, goneUnitVs, child, orphanChild, strayPool])

describe("units to repair after the late-write wait", () => {
  it("none when Avi shows nothing changed", () => {
    expect(state.size).toBe(2)
    expect(unitsToRepair(state, [], view)).toEqual([])
  })

  it("the unit that wants a changed object, and only that one", () => {
    expect(unitsToRepair(state, [redPool], view)).toEqual([RED])
    expect(unitsWanting(state, [bluePool])).toEqual([BLUE])
  })

  it("a changed VS's own unit, also one nothing wants (it is deleted there), and a child's parent", () => {
    expect([...unitsToRepair(state, [goneUnitVs, child], view)].sort()).toEqual([BLUE, "admin/c1--green-old"])
  })

  it("an object since deleted as stale needs nothing", () => {
    const deleted = stored("pool", { name: "c1--deleted-TCP-80" })
    expect(unitsToRepair(state, [deleted, redPool], view)).toEqual([RED])
  })

  it("every unit, desired or cached, when a change cannot be placed in one", () => {
    const every = ["admin/c1--blue-api", "admin/c1--green-old", "admin/c1--red-web"]
    expect([...unitsToRepair(state, [strayPool], view)].sort()).toEqual(every)
    expect([...unitsToRepair(state, [orphanChild], view)].sort()).toEqual(every)
  })
})
