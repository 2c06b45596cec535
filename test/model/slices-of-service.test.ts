/** A Service's EndpointSlices by their `kubernetes.io/service-name` label, in slice-name order whatever the store's. */
import { describe, expect, it } from "vitest"
import { makeSnapshot, slicesOfService } from "../../src/model/index.js"
import { slice } from "./fixtures/builders.js"

const endpoint = [{ ip: "10.1.0.1", ready: true }]

describe("slicesOfService", () => {
  it("returns the Service's slices in slice-name order, and only its own", () => {
    const snapshot = makeSnapshot({
      endpointSlices: [
        slice("red", "web", "web-zz", [{ port: 80 }], endpoint),
        slice("red", "api", "api-aa", [{ port: 80 }], endpoint),
        slice("red", "web", "web-aa", [{ port: 80 }], endpoint),
        slice("blue", "web", "web-00", [{ port: 80 }], endpoint),
        slice("red", "web", "web-mm", [{ port: 80 }], endpoint)
      ]
    })
    expect(slicesOfService(snapshot, "red", "web").map((s) => s.metadata?.name)).toEqual(["web-aa", "web-mm", "web-zz"])
    expect(slicesOfService(snapshot, "blue", "web").map((s) => s.metadata?.name)).toEqual(["web-00"])
    expect(slicesOfService(snapshot, "red", "gone")).toEqual([])
  })
})
