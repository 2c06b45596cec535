/**
 * Avi simulator throughput: POST and GET-by-uuid rates through a logged-in keep-alive HTTPS session, then listing
 * 10,000 objects page by page (page_size 200, include_name) and one filtered list over them.
 */
import * as https from "node:https"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../src/sim/avi/index.js"
import { type Cell, percentile, printReport } from "./_report.js"

const OBJECTS = 10_000
const CONCURRENCY = 16
const GETS = 5_000
const TIME_LIMIT_MS = 120_000

const sim = await startAviSim({ vipNetwork: { cidr: "10.60.0.0/16", staticRange: ["10.60.0.1", "10.60.255.254"] } })
const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: sim.caPem })
const { hostname, port } = new URL(sim.url)

interface Res {
  readonly status: number
  readonly body: string
  readonly cookies: ReadonlyArray<string>
}

let cookie = ""
let csrf = ""

const call = (method: string, path: string, body?: unknown): Promise<Res> =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = https.request({
      agent,
      host: hostname,
      port,
      method,
      path,
      headers: {
        "Content-Type": "application/json",
        "X-Avi-Version": "22.1.2",
        "X-Avi-Tenant": "admin",
        "X-CSRFToken": csrf,
        Cookie: cookie,
        ...(payload !== undefined ? { "Content-Length": Buffer.byteLength(payload) } : {})
      }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          cookies: res.headers["set-cookie"] ?? []
        }))
    })
    req.on("error", reject)
    if (payload !== undefined) req.write(payload)
    req.end()
  })

const login = await call("POST", "/login", { username: "admin", password: AVI_SIM_DEFAULT_PASSWORD })
const jar = new Map(login.cookies.map((c) => c.split(";")[0]!.split("=") as [string, string]))
csrf = jar.get("csrftoken") ?? ""
cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ")

/** Runs `count` operations with bounded concurrency; returns per-op latencies in ms. */
const run = async (
  count: number,
  op: (i: number) => Promise<void>,
  concurrency = CONCURRENCY
): Promise<{ ms: number; latencies: Array<number> }> => {
  const latencies: Array<number> = []
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < count && performance.now() - started < TIME_LIMIT_MS) {
      const i = next++
      const t = performance.now()
      await op(i)
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { ms: performance.now() - started, latencies }
}

const expectStatus = (res: Res, status: number) => {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.body.slice(0, 200)}`)
}

const rows: Array<Record<string, Cell>> = []
const row = (operation: string, count: number, r: { ms: number; latencies: Array<number> }) =>
  rows.push({
    operation,
    count,
    seconds: r.ms / 1000,
    per_second: Math.round(count / (r.ms / 1000)),
    p50_ms: percentile(r.latencies, 50),
    p99_ms: percentile(r.latencies, 99)
  })

const uuids: Array<string> = []
const posts = await run(OBJECTS, async (i) => {
  const res = await call("POST", "/api/pool", {
    name: `bench--pool-${i}`,
    created_by: "ako-bench",
    cloud_config_cksum: String(i),
    markers: [{ key: "clustername", values: ["bench"] }],
    health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"],
    servers: [{ ip: { addr: `10.1.${i >> 8 & 255}.${i & 255}`, type: "V4" }, port: 8080 }]
  })
  expectStatus(res, 201)
  uuids[i] = (JSON.parse(res.body) as { uuid: string }).uuid
})
row("POST /api/pool", uuids.length, posts)

const gets = await run(GETS, async (i) => {
  expectStatus(await call("GET", `/api/pool/${uuids[i % uuids.length]}?include_name`), 200)
})
row("GET /api/pool/<uuid>", GETS, gets)

const vips = await run(2_000, async (i) => {
  expectStatus(
    await call("POST", "/api/vsvip", { name: `bench--vip-${i}`, vip: [{ vip_id: "0", auto_allocate_ip: true }] }),
    201
  )
})
row("POST /api/vsvip (IPAM)", 2_000, vips)

const listLatencies: Array<number> = []
const listStarted = performance.now()
let path: string | undefined = "/api/pool/?include_name=true&created_by=ako-bench&page_size=200"
let listed = 0
while (path !== undefined) {
  const t = performance.now()
  const res = await call("GET", path)
  expectStatus(res, 200)
  listLatencies.push(performance.now() - t)
  const page = JSON.parse(res.body) as { results: Array<unknown>; next?: string }
  listed += page.results.length
  path = page.next === undefined ? undefined : `/api/pool${page.next.split("/api/pool")[1]}`
}
const listMs = performance.now() - listStarted
if (listed !== OBJECTS) throw new Error(`listed ${listed} of ${OBJECTS}`)
rows.push({
  operation: "list 10,000 pools (page_size 200, include_name)",
  count: listLatencies.length,
  seconds: listMs / 1000,
  per_second: Math.round(listed / (listMs / 1000)),
  p50_ms: percentile(listLatencies, 50),
  p99_ms: percentile(listLatencies, 99)
})

// one at a time: the latency of a full scan, not of a queue
const filtered = await run(50, async () => {
  expectStatus(await call("GET", "/api/pool/?name.contains=pool-99&cloud_ref.name=Default-Cloud&page_size=100"), 200)
}, 1)
row("filtered list over 10,000 (name.contains, sequential)", 50, filtered)

const rss = process.memoryUsage()
agent.destroy()
await sim.close()

printReport({
  name: "sim-avi",
  parameters: {
    objects: OBJECTS,
    concurrency: CONCURRENCY,
    transport: "https keep-alive, loopback, client in-process",
    heap_used_mib: Math.round(rss.heapUsed / 2 ** 20),
    rss_mib: Math.round(rss.rss / 2 ** 20)
  },
  rows
})
