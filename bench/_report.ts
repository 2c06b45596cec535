/**
 * Every benchmark prints the same two things: one JSON document (machine-readable, for notes and trend files)
 * and a markdown table (for humans). Parameters are printed with the results so numbers are never quoted
 * without the conditions they were measured under.
 */
import * as os from "node:os"

export type Cell = string | number | boolean | null

export interface BenchReport {
  readonly name: string
  readonly parameters: Readonly<Record<string, Cell>>
  readonly rows: ReadonlyArray<Readonly<Record<string, Cell>>>
}

const formatCell = (value: Cell): string =>
  typeof value === "number" ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : String(value)

export const markdownTable = (rows: ReadonlyArray<Readonly<Record<string, Cell>>>): string => {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const line = (cells: ReadonlyArray<string>) => `| ${cells.join(" | ")} |`
  return [
    line(columns),
    line(columns.map(() => "---")),
    ...rows.map((row) => line(columns.map((column) => formatCell(row[column] ?? null))))
  ].join("\n")
}

export const printReport = (report: BenchReport): void => {
  const machine = { node: process.version, cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) }
  console.log(JSON.stringify({ ...report, machine }))
  console.log(`\n### ${report.name}\n`)
  console.log(`parameters: ${JSON.stringify(report.parameters)}; machine: ${JSON.stringify(machine)}\n`)
  console.log(markdownTable(report.rows))
  console.log("")
}

/** Percentile by nearest rank over an unsorted sample. */
export const percentile = (sample: ReadonlyArray<number>, p: number): number => {
  if (sample.length === 0) return Number.NaN
  const sorted = [...sample].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}
