import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession

beforeAll(async () => {
  sim = await startAviSim({ http: true })
  avi = new AviSession(sim)
  await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
  for (let i = 0; i < 30; i++) {
    const name = `c1--pool-${String(i).padStart(2, "0")}`
    const res = await avi.post("/api/pool", {
      name,
      created_by: i % 2 === 0 ? "ako-c1" : "ako-c2",
      markers: [{ key: "clustername", values: [i % 2 === 0 ? "c1" : "c2"] }],
      servers: [{ ip: { addr: `10.0.0.${i + 1}`, type: "V4" }, port: 80 + i }]
    })
    expect(res.status).toBe(201)
  }
  await avi.post("/api/pool", { name: "other-pool", created_by: "someone" })
})
afterAll(() => sim.close())

describe("collections", () => {
  it("answers {count, results, next} with page/page_size and a next URL AKO can follow", async () => {
    const first = await avi.get("/api/pool/?created_by=ako-c1&include_name=true&page_size=10")
    expect(first.status).toBe(200)
    expect(first.json.count).toBe(15)
    expect(first.json.results).toHaveLength(10)
    expect(first.json.next).toBeDefined()
    const next = new URL(first.json.next)
    expect(first.json.next).toContain("/api/pool?")
    expect(next.searchParams.get("page")).toBe("2")
    expect(next.searchParams.get("created_by")).toBe("ako-c1")
    // AKO splits on /api/<type> and re-requests the suffix
    const suffix = first.json.next.split("/api/pool")[1]
    const second = await avi.get(`/api/pool${suffix}`)
    expect(second.json.results).toHaveLength(5)
    expect(second.json.next).toBeUndefined()
    const names = [...first.json.results, ...second.json.results].map((p: { name: string }) => p.name)
    expect(new Set(names).size).toBe(15)
    expect(first.json.results[0].tenant_ref).toMatch(/#admin$/)
  })

  it("defaults to 25 per page and caps page_size at 200", async () => {
    const all = await avi.get("/api/pool")
    expect(all.json.count).toBe(31)
    expect(all.json.results).toHaveLength(25)
    expect((await avi.get("/api/pool?page_size=1000")).json.results).toHaveLength(31)
  })

  it("answers an empty collection without next", async () => {
    const res = await avi.get(
      "/api/virtualservice/?include_name=true&cloud_ref.name=Default-Cloud&created_by=ako-c1&page_size=100"
    )
    expect(res.json).toEqual({ count: 0, results: [] })
  })

  it("filters by name, name.contains, name.in (Go-encoded commas) and created_by", async () => {
    expect((await avi.get("/api/pool?name=c1--pool-03")).json.count).toBe(1)
    expect((await avi.get("/api/pool?name.contains=pool-1")).json.count).toBe(10)
    const inList = await avi.get("/api/pool?include_name=&name.in=c1--pool-01%2Cc1--pool-02%2Cmissing")
    expect(inList.json.results.map((p: { name: string }) => p.name).sort()).toEqual(["c1--pool-01", "c1--pool-02"])
    expect((await avi.get("/api/pool?created_by=someone")).json.count).toBe(1)
    expect((await avi.get("/api/pool?name.contains=c1--&created_by=ako-c2")).json.count).toBe(15)
  })

  it("filters by cloud_ref.name and <ref>.name; ignores it on types without the field", async () => {
    expect((await avi.get("/api/pool?cloud_ref.name=Default-Cloud&page_size=100")).json.count).toBe(31)
    expect((await avi.get("/api/pool?cloud_ref.name=Other-Cloud")).json.count).toBe(0)
    expect(
      (await avi.get(
        "/api/network/?include_name=true&name=vip-network&cloud_ref.name=Default-Cloud&vrf_context_ref.name=global"
      )).json.count
    )
      .toBe(1)
    expect((await avi.get("/api/network/?name=vip-network&vrf_context_ref.name=management")).json.count).toBe(0)
    await avi.post("/api/httppolicyset", { name: "c1--hps", created_by: "ako-c1" })
    expect(
      (await avi.get("/api/httppolicyset/?include_name=true&cloud_ref.name=Default-Cloud&created_by=ako-c1")).json.count
    )
      .toBe(1)
  })

  it("decodes + as a space and percent-escapes, as Go's url.Values.Encode writes them", async () => {
    await avi.post("/api/stringgroup", { name: "has space/and,comma" })
    expect((await avi.get("/api/stringgroup?name=has+space%2Fand%2Ccomma")).json.count).toBe(1)
    expect((await avi.get("/api/stringgroup?name.in=has+space%2Fand%2Ccomma")).json.count).toBe(0)
  })

  it("filters by label_key/label_value on markers", async () => {
    const res = await avi.get("/api/pool?label_key=clustername&label_value=c2&page_size=100")
    expect(res.json.count).toBe(15)
  })

  it("refers_to and referred_by follow references both ways", async () => {
    const pool = (await avi.get("/api/pool?name=c1--pool-00")).json.results[0]
    const pg = await avi.post("/api/poolgroup", {
      name: "c1--pg",
      members: [{ pool_ref: "/api/pool?name=c1--pool-00" }]
    })
    const refersTo = await avi.get(`/api/poolgroup?refers_to=pool:${pool.uuid}`)
    expect(refersTo.json.results.map((o: { uuid: string }) => o.uuid)).toEqual([pg.json.uuid])
    const referredBy = await avi.get(`/api/pool?referred_by=poolgroup:${pg.json.uuid}`)
    expect(referredBy.json.results.map((o: { uuid: string }) => o.uuid)).toEqual([pool.uuid])
    expect((await avi.get(`/api/healthmonitor?referred_by=poolgroup:${pg.json.uuid}`)).json.count).toBe(0)
  })

  it("fields limits the returned fields (name, url and uuid always)", async () => {
    const res = await avi.get("/api/pool?name=c1--pool-00&fields=created_by,markers")
    expect(Object.keys(res.json.results[0]).sort()).toEqual(["created_by", "markers", "name", "url", "uuid"])
  })

  it("sort orders by a field, - for descending", async () => {
    const asc = await avi.get("/api/pool?name.contains=c1--pool&sort=name&page_size=3")
    expect(asc.json.results.map((p: { name: string }) => p.name)).toEqual(["c1--pool-00", "c1--pool-01", "c1--pool-02"])
    const desc = await avi.get("/api/pool?name.contains=c1--pool&sort=-name&page_size=2")
    expect(desc.json.results.map((p: { name: string }) => p.name)).toEqual(["c1--pool-29", "c1--pool-28"])
  })

  it("uuid, uuid.in, cloud_uuid, search and exclude", async () => {
    const pools = (await avi.get("/api/pool?name.in=c1--pool-05,c1--pool-06")).json.results
    const uuids = pools.map((p: { uuid: string }) => p.uuid)
    expect((await avi.get(`/api/pool?uuid=${uuids[0]}`)).json.count).toBe(1)
    expect((await avi.get(`/api/pool?uuid.in=${uuids.join(",")}`)).json.count).toBe(2)
    const cloud = (await avi.get("/api/cloud?name=Default-Cloud")).json.results[0]
    expect((await avi.get(`/api/pool?cloud_uuid=${cloud.uuid}&page_size=100`)).json.count).toBe(31)
    expect((await avi.get("/api/pool?search=(created_by,someone)")).json.count).toBe(1)
    expect((await avi.get("/api/pool?exclude=created_by&created_by=someone&page_size=100")).json.count).toBe(30)
  })

  it("GET by uuid accepts fields and include_name", async () => {
    const pool = (await avi.get("/api/pool?name=c1--pool-07")).json.results[0]
    const res = await avi.get(`${pathOf(pool.url)}?fields=servers&include_name`)
    expect(Object.keys(res.json).sort()).toEqual(["name", "servers", "url", "uuid"])
    expect(res.json.url).toMatch(/#c1--pool-07$/)
  })
})
