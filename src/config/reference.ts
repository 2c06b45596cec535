/**
 * The configuration reference in the README is generated from the field specs and the list of refused keys, so it
 * cannot drift from what the code accepts.
 */
import { fields } from "./fields.js"
import type { FieldSpec } from "./fields.js"
import { NOT_SUPPORTED_YET, UNSUPPORTED_HELM_ONLY_VALUES, UNSUPPORTED_KEYS } from "./unsupported.js"

const escape = (text: string): string => text.replaceAll("|", "\\|")

const code = (text: string | undefined): string => text === undefined ? "—" : `\`${text}\``

const supportedTable = (): ReadonlyArray<string> => {
  const header = [
    "| ConfigMap key | Environment | Default | Allowed | Meaning |",
    "|---|---|---|---|---|"
  ]
  const rows = (Object.values(fields) as Array<FieldSpec<unknown>>).map((spec) => {
    const defaultText = spec.required ? "**required**" : spec.defaultValue === undefined ? "unset" : spec.defaultValue
    const live = spec.live ? " (live)" : ""
    return `| \`${spec.key}\` | ${code(spec.env)} | ${escape(defaultText)} | ${escape(spec.allowed)} | ${
      escape(spec.description)
    }${live} |`
  })
  return [...header, ...rows]
}

const unsupportedTable = (): ReadonlyArray<string> => {
  const header = [
    `AKO keys ${NOT_SUPPORTED_YET}: at AKO's default they are accepted (AKO's own chart writes them all); any other ` +
    "value stops the start (ConfigMap or environment) and the Helm install (values), naming the key and the value.",
    "",
    "| ConfigMap key | Environment | Helm value | AKO's default | What it does in AKO |",
    "|---|---|---|---|---|"
  ]
  const rows = UNSUPPORTED_KEYS.map((spec) =>
    `| ${code(spec.key)} | ${code(spec.env)} | ${code(spec.helmValue)} | ${escape(spec.akoDefault)} | ${
      escape(spec.feature)
    } |`
  )
  const helmOnly = UNSUPPORTED_HELM_ONLY_VALUES.map((value) =>
    `| — | — | ${code(value.helmValue)} | ${escape(value.akoDefault)} | ${escape(value.feature)} |`
  )
  return [...header, ...rows, ...helmOnly]
}

export const configReferenceTable = (): string => [...supportedTable(), "", ...unsupportedTable()].join("\n")
