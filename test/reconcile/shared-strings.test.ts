import { describe, expect, it } from "@effect/vitest"
import { getHeapSnapshot } from "node:v8"
import { shareStrings } from "../../src/reconcile/shared-strings.js"

/** A copy with strings of its own, as JSON.parse gives every response. */
const freshlyParsed = <A>(value: A): A => JSON.parse(JSON.stringify(value)) as A

const listed = (index: number) =>
  freshlyParsed<Record<string, unknown>>({
    name: `cluster--default-svc-${index}`,
    uuid: `virtualservice-${index}`,
    tenant_ref: "https://avi.example/api/tenant/admin#admin",
    cloud_ref: "https://avi.example/api/cloud/cloud-1#Default-Cloud",
    pool_ref: `https://avi.example/api/pool/pool-${index}#cluster--default-svc-${index}`,
    vh_child_vs_refs: ["https://avi.example/api/virtualservice/child-1#child"],
    se_group_ref: "https://avi.example/api/serviceenginegroup/seg-1#Default-Group",
    service_metadata: "{\"namespace_ingress_name\":null,\"ingress_name\":\"\"}",
    services: [{ port: 80 }],
    markers: [{ key: "clustername", values: ["cluster"] }]
  })

/** How many distinct string objects in the heap hold exactly `value` (a heap snapshot lists each copy). */
const copiesInHeap = async (value: string): Promise<number> => {
  let text = ""
  for await (const chunk of getHeapSnapshot()) text += String(chunk)
  const snapshot = JSON.parse(text) as {
    snapshot: { meta: { node_fields: Array<string>; node_types: [Array<string>] } }
    nodes: Array<number>
    strings: Array<string>
  }
  const fields = snapshot.snapshot.meta.node_fields
  const typeIndex = fields.indexOf("type")
  const nameIndex = fields.indexOf("name")
  const stringType = snapshot.snapshot.meta.node_types[0].indexOf("string")
  let copies = 0
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    if (snapshot.nodes[i + typeIndex] === stringType && snapshot.strings[snapshot.nodes[i + nameIndex]!] === value) {
      copies++
    }
  }
  return copies
}

describe("shared strings of cached Avi objects", () => {
  it("leaves every value as it was", () => {
    const body = listed(7)
    expect(shareStrings(body as never)).toEqual(listed(7))
  })

  it("keeps one copy of a ref to an object the cluster does not own, and of service_metadata, across objects", async () => {
    const bodies = Array.from({ length: 200 }, (_, i) => shareStrings(listed(i) as never))
    // The pooled copy, and the literal in this file's source (the parsed ones are separate strings until pooled).
    expect(await copiesInHeap("https://avi.example/api/cloud/cloud-1#Default-Cloud")).toBeLessThanOrEqual(2)
    expect(await copiesInHeap("{\"namespace_ingress_name\":null,\"ingress_name\":\"\"}")).toBeLessThanOrEqual(2)
    // A ref to an owned type is unique to its object: not pooled, each parse keeps its own (here: one per body).
    expect(await copiesInHeap("https://avi.example/api/virtualservice/child-1#child")).toBeGreaterThanOrEqual(200)
    expect(bodies).toHaveLength(200)
  })

  it("gives equal marker lists one copy, across objects and between a cached and a desired body", () => {
    const markers = (service: string) => [
      { key: "clustername", values: ["cluster"] },
      { key: "Namespace", values: ["default"] },
      { key: "ServiceName", values: [service] }
    ]
    const vs = shareStrings({ name: "vs", markers: markers("web") })
    const pool = shareStrings({ name: "pool", markers: markers("web") })
    const desired = shareStrings({ name: "vs", markers: markers("web") })
    const other = shareStrings({ name: "vs-2", markers: markers("api") })
    expect(pool["markers"]).toBe(vs["markers"])
    expect(desired["markers"]).toBe(vs["markers"])
    expect(other["markers"]).not.toBe(vs["markers"])
    expect(other["markers"]).toEqual(markers("api"))
    // The markers two different lists have in common are one object too.
    expect((other["markers"] as Array<unknown>)[0]).toBe((vs["markers"] as Array<unknown>)[0])
    expect((other["markers"] as Array<unknown>)[2]).not.toBe((vs["markers"] as Array<unknown>)[2])
    // Anything else under `markers` (not key and string values) is left as each body has it.
    const odd = [{ key: "clustername", values: ["cluster"], extra: 1 }]
    expect(shareStrings({ markers: odd })["markers"]).toBe(odd)
  })

  it("keeps one copy of Avi's enum values and of created_by", async () => {
    const parsed = (index: number) =>
      freshlyParsed<Record<string, unknown>>({
        name: `cluster--default-pool-${index}`,
        uuid: `pool-${index}`,
        created_by: "ako-cluster",
        lb_algorithm: "LB_ALGORITHM_LEAST_CONNECTIONS",
        servers: [{ ip: { addr: "10.0.0.1", type: "V4" } }]
      })
    const bodies = Array.from({ length: 100 }, (_, i) => shareStrings(parsed(i) as never))
    expect(await copiesInHeap("LB_ALGORITHM_LEAST_CONNECTIONS")).toBeLessThanOrEqual(2)
    expect(await copiesInHeap("ako-cluster")).toBeLessThanOrEqual(2)
    expect(bodies.map((body) => body["name"])).toEqual(
      Array.from({ length: 100 }, (_, i) => `cluster--default-pool-${i}`)
    )
  })

  it("never takes one marker list for another, however their values are written", () => {
    const lists = [
      [{ key: "Port", values: [] }],
      [{ key: "Port", values: [""] }],
      [{ key: "Port" }],
      [{ key: "Port", values: ["a", "b"] }],
      [{ key: "Port", values: ["a\u0002b"] }],
      [{ key: "Port", values: ["a\u0002", "b"] }],
      [{ key: "Port\u0001a", values: ["b"] }],
      [{ key: "Port", values: ["a"] }, { key: "b", values: [] }]
    ]
    for (const list of lists) {
      const pooled = shareStrings({ markers: freshlyParsed(list) })["markers"]
      expect(pooled).toEqual(list)
    }
  })

  it("still shares a marker list looked up again after more other lists than one generation holds", () => {
    const markers = (service: string) => [
      { key: "clustername", values: ["cluster"] },
      { key: "ServiceName", values: [service] }
    ]
    const desired = shareStrings({ name: "vs", markers: markers("kept") })
    // 60,000 other Services' lists arrive (a big cluster's listing) while the desired body's list is still in use.
    for (let i = 0; i < 30_000; i++) shareStrings({ markers: markers(`other-${i}`) })
    expect(shareStrings({ name: "vs", markers: markers("kept") })["markers"]).toBe(desired["markers"])
    for (let i = 30_000; i < 60_000; i++) shareStrings({ markers: markers(`other-${i}`) })
    expect(shareStrings({ name: "vs", markers: markers("kept") })["markers"]).toBe(desired["markers"])
  })

  it("leaves a frozen body alone", () => {
    const body = Object.freeze(listed(1))
    expect(() => shareStrings(body as never)).not.toThrow()
  })
})
