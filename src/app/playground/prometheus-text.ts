/** Reads the few series the playground shows out of a replica's Prometheus text exposition. */

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export const parseSamples = (text: string): ReadonlyArray<Sample> => {
  const samples: Array<Sample> = []
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue
    const match = SAMPLE.exec(line)
    if (match === null) continue
    const labels: Record<string, string> = {}
    for (const label of (match[2] ?? "").matchAll(LABEL)) labels[label[1]!] = label[2]!
    const value = Number(match[3])
    if (!Number.isNaN(value)) samples.push({ name: match[1]!, labels, value })
  }
  return samples
}

const matching = (
  samples: ReadonlyArray<Sample>,
  name: string,
  labels: Readonly<Record<string, string>>
) =>
  samples.filter((sample) =>
    sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)
  )

/** The sum over every series of `name` whose labels include `labels`; undefined when there is none. */
export const sumOf = (
  samples: ReadonlyArray<Sample>,
  name: string,
  labels: Readonly<Record<string, string>> = {}
): number | undefined => {
  const found = matching(samples, name, labels)
  return found.length === 0 ? undefined : found.reduce((total, sample) => total + sample.value, 0)
}
