/**
 * Effect 3 has no Prometheus exporter, so every registered `Metric` is rendered from `Metric.snapshot` in the
 * text exposition format 0.0.4. Series that share a name share one HELP/TYPE header, as scrapers require.
 */
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"
import { compareStrings } from "../model/kube.js"

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

type Labels = ReadonlyArray<readonly [string, string]>

const sanitizeName = (name: string): string => {
  const cleaned = name.replace(/[^a-zA-Z0-9_:]/g, "_")
  return /^[a-zA-Z_:]/.test(cleaned) ? cleaned : `_${cleaned}`
}

const escapeLabelValue = (value: string): string =>
  value.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"").replaceAll("\n", "\\n")

const escapeHelp = (text: string): string => text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")

const renderLabels = (labels: Labels): string =>
  labels.length === 0 ?
    "" :
    `{${labels.map(([key, value]) => `${sanitizeName(key)}="${escapeLabelValue(value)}"`).join(",")}}`

const renderNumber = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Number.POSITIVE_INFINITY) return "+Inf"
  if (value === Number.NEGATIVE_INFINITY) return "-Inf"
  return String(value)
}

interface Family {
  readonly type: "counter" | "gauge" | "histogram" | "summary"
  readonly help: string | undefined
  readonly lines: Array<string>
}

const addSeries = (families: Map<string, Family>, pair: MetricPair.MetricPair.Untyped): void => {
  const name = sanitizeName(pair.metricKey.name)
  const labels: Labels = pair.metricKey.tags.map((tag) => [tag.key, tag.value] as const)
  const help = Option.getOrUndefined(pair.metricKey.description)
  const state: unknown = pair.metricState
  const family = (type: Family["type"]): Family => {
    const existing = families.get(name)
    if (existing !== undefined) return existing
    const created: Family = { type, help, lines: [] }
    families.set(name, created)
    return created
  }
  if (MetricState.isCounterState(state)) {
    family("counter").lines.push(`${name}${renderLabels(labels)} ${renderNumber(state.count)}`)
  } else if (MetricState.isGaugeState(state)) {
    family("gauge").lines.push(`${name}${renderLabels(labels)} ${renderNumber(state.value)}`)
  } else if (MetricState.isHistogramState(state)) {
    const lines = family("histogram").lines
    for (const [boundary, count] of state.buckets) {
      if (boundary === Number.POSITIVE_INFINITY) continue
      lines.push(`${name}_bucket${renderLabels([...labels, ["le", renderNumber(boundary)]])} ${count}`)
    }
    lines.push(`${name}_bucket${renderLabels([...labels, ["le", "+Inf"]])} ${state.count}`)
    lines.push(`${name}_sum${renderLabels(labels)} ${renderNumber(state.sum)}`)
    lines.push(`${name}_count${renderLabels(labels)} ${state.count}`)
  } else if (MetricState.isSummaryState(state)) {
    const lines = family("summary").lines
    for (const [quantile, value] of state.quantiles) {
      const rendered = Option.match(value, { onNone: () => "NaN", onSome: renderNumber })
      lines.push(`${name}${renderLabels([...labels, ["quantile", renderNumber(quantile)]])} ${rendered}`)
    }
    lines.push(`${name}_sum${renderLabels(labels)} ${renderNumber(state.sum)}`)
    lines.push(`${name}_count${renderLabels(labels)} ${state.count}`)
  } else if (MetricState.isFrequencyState(state)) {
    // A frequency counts occurrences per distinct string; each string becomes a `key` label of one counter family.
    const lines = family("counter").lines
    for (const [key, count] of state.occurrences) {
      lines.push(`${name}${renderLabels([...labels, ["key", key]])} ${count}`)
    }
  }
}

export const renderPrometheus = (pairs: ReadonlyArray<MetricPair.MetricPair.Untyped>): string => {
  const families = new Map<string, Family>()
  for (const pair of pairs) addSeries(families, pair)
  const out: Array<string> = []
  // Ordinal order: a locale comparison would load ICU's collation data into every replica for a sort of ASCII names.
  for (const [name, family] of [...families].sort(([a], [b]) => compareStrings(a, b))) {
    if (family.help !== undefined) out.push(`# HELP ${name} ${escapeHelp(family.help)}`)
    out.push(`# TYPE ${name} ${family.type}`)
    out.push(...family.lines.sort())
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}

/** Every metric registered in this process, rendered for a scrape. */
export const scrapeMetrics: Effect.Effect<string> = Metric.snapshot.pipe(Effect.map(renderPrometheus))
