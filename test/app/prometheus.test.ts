import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries } from "effect"
import { renderPrometheus, scrapeMetrics } from "../../src/app/prometheus.js"

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/**
 * A strict reader of the text exposition format 0.0.4: every line must be a comment, a HELP/TYPE header or a sample
 * whose family was declared before it. Anything else fails the test, as it would fail a Prometheus scrape.
 */
const parseExposition = (text: string) => {
  const types = new Map<string, string>()
  const samples: Array<Sample> = []
  expect(text.endsWith("\n")).toBe(true)
  for (const line of text.trimEnd().split("\n")) {
    const header = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
    if (header !== null) {
      if (header[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(header[3])
        expect(types.has(header[2]!)).toBe(false)
        types.set(header[2]!, header[3]!)
      }
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (sample === null) throw new Error(`not a valid exposition line: ${line}`)
    const labels: Record<string, string> = {}
    const labelText = sample[3] ?? ""
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g
    let consumed = 0
    for (const match of labelText.matchAll(labelPattern)) {
      labels[match[1]!] = match[2]!.replaceAll("\\\"", "\"").replaceAll("\\n", "\n").replaceAll("\\\\", "\\")
      consumed += match[0].length
    }
    expect(consumed).toBe(labelText.length)
    const name = sample[1]!
    const family = [...types.keys()].find((declared) =>
      name === declared || (/_(bucket|sum|count)$/.test(name) && name.replace(/_(bucket|sum|count)$/, "") === declared)
    )
    if (family === undefined) throw new Error(`sample ${name} has no TYPE line before it`)
    samples.push({ name, labels, value: Number(sample[4]!.replace("+Inf", "Infinity")) })
  }
  return { types, samples }
}

describe("Prometheus exposition", () => {
  it.effect("renders counters, gauges and histograms that a strict parser accepts", () =>
    Effect.gen(function*() {
      const requests = Metric.counter("ako_test_requests_total", { description: "requests seen\nby the test" })
      const leader = Metric.gauge("ako_test_leader")
      const latency = Metric.histogram(
        "ako_test_latency_seconds",
        MetricBoundaries.fromIterable([0.1, 0.5, 1])
      )
      yield* Metric.incrementBy(Metric.tagged(requests, "method", "GET"), 3)
      yield* Metric.increment(Metric.tagged(requests, "method", "PO\"ST"))
      yield* Metric.set(leader, 1)
      for (const value of [0.05, 0.3, 0.7, 2]) yield* Metric.update(latency, value)

      const { samples, types } = parseExposition(yield* scrapeMetrics)
      expect(types.get("ako_test_requests_total")).toBe("counter")
      expect(types.get("ako_test_leader")).toBe("gauge")
      expect(types.get("ako_test_latency_seconds")).toBe("histogram")
      const find = (name: string, labels: Record<string, string> = {}) =>
        samples.find((sample) =>
          sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
        )?.value
      expect(find("ako_test_requests_total", { method: "GET" })).toBe(3)
      expect(find("ako_test_requests_total", { method: "PO\"ST" })).toBe(1)
      expect(find("ako_test_leader")).toBe(1)
      expect(find("ako_test_latency_seconds_bucket", { le: "0.1" })).toBe(1)
      expect(find("ako_test_latency_seconds_bucket", { le: "0.5" })).toBe(2)
      expect(find("ako_test_latency_seconds_bucket", { le: "1" })).toBe(3)
      expect(find("ako_test_latency_seconds_bucket", { le: "+Inf" })).toBe(4)
      expect(find("ako_test_latency_seconds_count")).toBe(4)
      expect(find("ako_test_latency_seconds_sum")).toBeCloseTo(3.05)
    }))

  it("renders an empty scrape when no metric is registered", () => {
    expect(renderPrometheus([])).toBe("")
  })
})
