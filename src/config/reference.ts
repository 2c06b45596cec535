/** The configuration reference table in the README is generated from the field specs, so it cannot drift. */
import { fields } from "./fields.js"
import type { FieldSpec } from "./fields.js"

const escape = (text: string): string => text.replaceAll("|", "\\|")

export const configReferenceTable = (): string => {
  const header = [
    "| ConfigMap key | Environment | Default | Allowed | Meaning |",
    "|---|---|---|---|---|"
  ]
  const rows = (Object.values(fields) as Array<FieldSpec<unknown>>).map((spec) => {
    const defaultText = spec.required ? "**required**" : spec.defaultValue === undefined ? "unset" : spec.defaultValue
    const live = spec.live ? " (live)" : ""
    return `| \`${spec.key}\` | \`${spec.env}\` | ${escape(defaultText)} | ${escape(spec.allowed)} | ${
      escape(spec.description)
    }${live} |`
  })
  return [...header, ...rows].join("\n")
}
