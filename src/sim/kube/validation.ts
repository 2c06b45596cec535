/**
 * Field validation with the real API server's wording, so clients that match on messages behave the same against
 * the simulator as against a cluster.
 */
export interface FieldError {
  readonly field: string
  /** The `reason` of a StatusCause: FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ... */
  readonly type: string
  readonly message: string
}

export const required = (path: string): FieldError => ({
  field: path,
  type: "FieldValueRequired",
  message: "Required value"
})

export const requiredString = (
  object: unknown,
  path: ReadonlyArray<string>,
  name: string
): ReadonlyArray<FieldError> => {
  let current: unknown = object
  for (const key of path) {
    if (current === null || typeof current !== "object") return [required(name)]
    current = (current as Record<string, unknown>)[key]
  }
  return typeof current === "string" && current.length > 0 ? [] : [required(name)]
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** Problems with a metadata.name, phrased as apimachinery's validation package phrases them. */
export const nameProblems = (name: string, rule: "subdomain" | "label" | "dns1035"): ReadonlyArray<string> => {
  const problems: Array<string> = []
  if (rule === "subdomain") {
    if (name.length > 253) problems.push("must be no more than 253 characters")
    if (!dns1123Subdomain.test(name)) {
      problems.push(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
          "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
      )
    }
  } else if (rule === "label") {
    if (name.length > 63) problems.push("must be no more than 63 characters")
    if (!dns1123Label.test(name)) {
      problems.push(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and " +
          "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
      )
    }
  } else {
    if (name.length > 63) problems.push("must be no more than 63 characters")
    if (!dns1035Label.test(name)) {
      problems.push(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
          "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for " +
          "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
      )
    }
  }
  return problems
}

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

export const labelProblems = (labels: unknown): ReadonlyArray<FieldError> => {
  if (labels === undefined || labels === null) return []
  if (typeof labels !== "object" || Array.isArray(labels)) {
    return [{ field: "metadata.labels", type: "FieldValueInvalid", message: "Invalid value: must be a map" }]
  }
  const errors: Array<FieldError> = []
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    const slash = key.lastIndexOf("/")
    const namePart = slash >= 0 ? key.slice(slash + 1) : key
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined
    if (
      namePart.length === 0 || namePart.length > 63 || !qualifiedNamePart.test(namePart) ||
      (prefix !== undefined && nameProblems(prefix, "subdomain").length > 0)
    ) {
      errors.push({
        field: "metadata.labels",
        type: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(key)}: name part must consist of alphanumeric characters, '-', '_' ` +
          "or '.', and must start and end with an alphanumeric character"
      })
    }
    if (typeof value !== "string" || value.length > 63 || !labelValue.test(value)) {
      errors.push({
        field: "metadata.labels",
        type: "FieldValueInvalid",
        message: `Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of ` +
          "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
      })
    }
  }
  return errors
}

/**
 * metav1.MicroTime decodes with Go's RFC3339Micro layout, which wants exactly six fractional digits. A
 * `Date#toISOString()` value (three digits) is refused before validation, hence a decode message, not a field error.
 */
const microTimeLayout = "2006-01-02T15:04:05.000000Z07:00"
const microTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/

export const validateMicroTime = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") {
    return `parsing time ${JSON.stringify(value)}: expected a string`
  }
  if (microTimePattern.test(value)) return undefined
  const fraction = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(.*)$/.exec(value)
  const rest = fraction?.[1] ?? value
  const expected = rest.startsWith(".") && /^\.\d{6}/.test(rest) ? "Z07:00" : ".000000"
  const shown = expected === "Z07:00" ? rest.replace(/^\.\d{6}/, "") : rest
  return `parsing time ${JSON.stringify(value)} as ${JSON.stringify(microTimeLayout)}: cannot parse ` +
    `${JSON.stringify(shown)} as ${JSON.stringify(expected)}`
}

/** metav1.Time (RFC3339, seconds precision) written by the server itself. */
export const formatTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")
