/**
 * Avi client throughput: requests per second and latency of GET (by uuid) and POST (create pool) against the
 * Avi simulator over HTTPS with keep-alive, at concurrency 1, 8 and 32. The simulator runs in the same process,
 * so the numbers are a lower bound for the client alone (both share one event loop).
 */
import { Effect, Redacted } from "effect"
import * as os from "node:os"
import { performance } from "node:perf_hooks"
import { AviClient } from "../src/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../src/sim/avi/index.js"
import type { Cell } from "./_report.js"
import { percentile, printReport } from "./_report.js"

const CONCURRENCY = [1, 8, 32] as const
const REQUESTS = { GET: 3000, POST: 1500 } as const
const MAX_SECONDS_PER_ROW = 8

const program = Effect.gen(function*() {
  // Other work on the machine skews loopback numbers; the load at start is printed with the results.
  const loadAtStart = Number(os.loadavg()[0]!.toFixed(2))
  const sim = yield* makeAviSim()
  const rows: Array<Record<string, Cell>> = []
  const config = {
    controller: `127.0.0.1:${sim.port}`,
    username: AVI_SIM_DEFAULT_USER,
    password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
    caData: sim.caPem,
    clientIdentity: "ako-ts/bench",
    maxConcurrentRequests: 32
  }
  yield* Effect.gen(function*() {
    const avi = yield* AviClient
    const target = yield* avi.create("pool", { name: "bench--get-target", created_by: "ako-bench" })
    let created = 0
    const operations = {
      GET: () => avi.get("pool", target.uuid),
      POST: () => avi.create("pool", { name: `bench--pool-${created++}`, created_by: "ako-bench" })
    }
    // Warm-up (JIT, TLS sessions, sockets) so the first row does not pay for it.
    yield* Effect.all(Array.from({ length: 500 }, () => operations.GET()), { concurrency: 32 })
    for (const method of ["GET", "POST"] as const) {
      for (const concurrency of CONCURRENCY) {
        const total = REQUESTS[method]
        const latencies: Array<number> = []
        let issued = 0
        const started = performance.now()
        const deadline = started + MAX_SECONDS_PER_ROW * 1000
        const worker = Effect.gen(function*() {
          while (issued < total && performance.now() < deadline) {
            issued++
            const t0 = performance.now()
            yield* operations[method]()
            latencies.push(performance.now() - t0)
          }
        })
        yield* Effect.all(Array.from({ length: concurrency }, () => worker), { concurrency: "unbounded" })
        const seconds = (performance.now() - started) / 1000
        rows.push({
          method,
          concurrency,
          requests: latencies.length,
          seconds: Number(seconds.toFixed(2)),
          rps: Math.round(latencies.length / seconds),
          p50_ms: percentile(latencies, 50),
          p99_ms: percentile(latencies, 99)
        })
      }
    }
  }).pipe(Effect.provide(AviClient.layer(config)))
  printReport({
    name: "avi-client",
    parameters: {
      transport: "https keep-alive, CA verified",
      simulator: "in-process",
      getRequests: REQUESTS.GET,
      postRequests: REQUESTS.POST,
      maxSecondsPerRow: MAX_SECONDS_PER_ROW,
      warmupGets: 500,
      loadAverage1m: loadAtStart
    },
    rows
  })
})

await Effect.runPromise(Effect.scoped(program))
