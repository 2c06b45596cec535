/**
 * Field validation with the real API server's wording, so clients that match on messages behave the same against
 * the simulator as against a cluster. The checks and texts follow apimachinery's `util/validation` and `field`
 * packages and the per-kind validation of `pkg/apis/core` and `pkg/apis/networking` (Kubernetes 1.34).
 */
export interface FieldError {
  readonly field: string
  /** The `reason` of a StatusCause: FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, ... */
  readonly type: string
  /** What `field.Error.ErrorBody()` prints: "Invalid value: \"x\": detail", "Required value", ... */
  readonly message: string
}

/**
 * A bad value as Go's `field.Error` prints it: strings quoted (%q), numbers and booleans plain, and anything else
 * (Go structs, nil slices) as the caller spells it with `goSyntax`.
 */
export type BadValue = string | number | boolean | null | { readonly goSyntax: string }

const show = (value: BadValue): string => {
  if (value === null) return "null"
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "object") return value.goSyntax
  return String(value)
}

const withDetail = (body: string, detail: string | undefined) =>
  detail === undefined || detail === "" ? body : `${body}: ${detail}`

export const required = (path: string, detail?: string): FieldError => ({
  field: path,
  type: "FieldValueRequired",
  message: withDetail("Required value", detail)
})

export const invalid = (path: string, value: BadValue, detail: string): FieldError => ({
  field: path,
  type: "FieldValueInvalid",
  message: withDetail(`Invalid value: ${show(value)}`, detail)
})

/** The structural-schema type mismatch: printed like Invalid, reported with its own cause reason. */
export const typeInvalid = (path: string, value: BadValue, detail: string): FieldError => ({
  field: path,
  type: "FieldValueTypeInvalid",
  message: withDetail(`Invalid value: ${show(value)}`, detail)
})

/** `field.NotSupported`: the allowed values quoted in the order given (callers sort where Go sorts a set). */
export const notSupported = (path: string, value: BadValue, allowed: ReadonlyArray<string>): FieldError => ({
  field: path,
  type: "FieldValueNotSupported",
  message: withDetail(
    `Unsupported value: ${show(value)}`,
    allowed.length === 0 ? undefined : `supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`
  )
})

export const duplicate = (path: string, value: BadValue): FieldError => ({
  field: path,
  type: "FieldValueDuplicate",
  message: `Duplicate value: ${show(value)}`
})

export const forbidden = (path: string, detail: string): FieldError => ({
  field: path,
  type: "FieldValueForbidden",
  message: withDetail("Forbidden", detail)
})

export const tooLong = (path: string, detail: string): FieldError => ({
  field: path,
  type: "FieldValueTooLong",
  message: withDetail("Too long", detail)
})

export const tooMany = (path: string, actual: number, max: number): FieldError => ({
  field: path,
  type: "FieldValueTooMany",
  message: `Too many: ${actual}: must have at most ${max} items`
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

// --- apimachinery util/validation: the string checks and their messages -------------------------------------------

export const maxLenError = (length: number) => `must be no more than ${length} characters`

/** `RegexError`: the message, examples and the regex, with Go's odd double space between examples. */
export const regexError = (message: string, regex: string, ...examples: ReadonlyArray<string>): string => {
  if (examples.length === 0) return `${message} (regex used for validation is '${regex}')`
  return `${message} (e.g. ${examples.map((e) => `'${e}', `).join(" or ")}regex used for validation is '${regex}')`
}

export const inclusiveRangeError = (low: number, high: number) => `must be between ${low} and ${high}, inclusive`

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`
const dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
const wildcardDns1123SubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`
const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
const labelValueFmt = `(${qualifiedNameFmt})?`

const anchored = (fmt: string) => new RegExp(`^${fmt}$`)
const dns1123Label = anchored(dns1123LabelFmt)
const dns1123Subdomain = anchored(dns1123SubdomainFmt)
const dns1035Label = anchored(dns1035LabelFmt)
const wildcardDns1123Subdomain = anchored(wildcardDns1123SubdomainFmt)
const qualifiedName = anchored(qualifiedNameFmt)
const labelValue = anchored(labelValueFmt)

export const isDns1123Label = (value: string): Array<string> => {
  const errors: Array<string> = []
  if (value.length > 63) errors.push(maxLenError(63))
  if (!dns1123Label.test(value)) {
    // A valid subdomain that is not a label can only be wrong because of its dots.
    errors.push(
      dns1123Subdomain.test(value) ? "must not contain dots" : regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and " +
          "end with an alphanumeric character",
        dns1123LabelFmt,
        "my-name",
        "123-abc"
      )
    )
  }
  return errors
}

export const isDns1123Subdomain = (value: string): Array<string> => {
  const errors: Array<string> = []
  if (value.length > 253) errors.push(maxLenError(253))
  if (!dns1123Subdomain.test(value)) {
    errors.push(regexError(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
        "start and end with an alphanumeric character",
      dns1123SubdomainFmt,
      "example.com"
    ))
  }
  return errors
}

export const isDns1035Label = (value: string): Array<string> => {
  const errors: Array<string> = []
  if (value.length > 63) errors.push(maxLenError(63))
  if (!dns1035Label.test(value)) {
    errors.push(regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
        "character, and end with an alphanumeric character",
      dns1035LabelFmt,
      "my-name",
      "abc-123"
    ))
  }
  return errors
}

export const isWildcardDns1123Subdomain = (value: string): Array<string> => {
  const errors: Array<string> = []
  if (value.length > 253) errors.push(maxLenError(253))
  if (!wildcardDns1123Subdomain.test(value)) {
    errors.push(regexError(
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of " +
        "lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
      wildcardDns1123SubdomainFmt,
      "*.example.com"
    ))
  }
  return errors
}

const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

/** Label keys, annotation keys and other "qualified names": an optional DNS subdomain prefix and a name part. */
export const isQualifiedName = (value: string): Array<string> => {
  const errors: Array<string> = []
  const parts = value.split("/")
  let name: string
  if (parts.length === 1) {
    name = parts[0]!
  } else if (parts.length === 2) {
    const prefix = parts[0]!
    name = parts[1]!
    if (prefix.length === 0) errors.push("prefix part must be non-empty")
    else errors.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`))
  } else {
    return [
      `a qualified name ${
        regexError(qualifiedNameMessage, qualifiedNameFmt, "MyName", "my.name", "123-abc")
      } with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`
    ]
  }
  if (name.length === 0) errors.push("name part must be non-empty")
  else if (name.length > 63) errors.push(`name part ${maxLenError(63)}`)
  if (!qualifiedName.test(name)) {
    errors.push(`name part ${regexError(qualifiedNameMessage, qualifiedNameFmt, "MyName", "my.name", "123-abc")}`)
  }
  return errors
}

export const isValidLabelValue = (value: string): Array<string> => {
  const errors: Array<string> = []
  if (value.length > 63) errors.push(maxLenError(63))
  if (!labelValue.test(value)) {
    errors.push(regexError(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
        "start and end with an alphanumeric character",
      labelValueFmt,
      "MyValue",
      "my_value",
      "12345"
    ))
  }
  return errors
}

export const isValidPortNum = (port: number): Array<string> =>
  Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)]

/** IANA service names as Kubernetes restricts them: at most 15 of [-a-z0-9], a letter, no edge or double hyphen. */
export const isValidPortName = (port: string): Array<string> => {
  const errors: Array<string> = []
  if (port.length > 15) errors.push(maxLenError(15))
  if (!/^[-a-z0-9]+$/.test(port)) errors.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
  if (!/[a-z]/.test(port)) errors.push("must contain at least one letter (a-z)")
  if (port.includes("--")) errors.push("must not contain consecutive hyphens")
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) {
    errors.push("must not begin or end with a hyphen")
  }
  return errors
}

/** Go's net.ParseIP: dotted-quad IPv4 (no leading zeros) or any IPv6 form. */
export const isIp = (value: string): boolean => {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value)
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255 && (octet.length === 1 || !octet.startsWith("0")))
  if (!value.includes(":")) return false
  try {
    return new URL(`http://[${value}]/`).hostname.length > 0
  } catch {
    return false
  }
}

export type NameRule = "subdomain" | "label" | "dns1035"

/** Problems with a metadata.name, phrased as apimachinery's validation package phrases them. */
export const nameProblems = (name: string, rule: NameRule): ReadonlyArray<string> =>
  rule === "subdomain" ? isDns1123Subdomain(name) : rule === "label" ? isDns1123Label(name) : isDns1035Label(name)

/** `ValidateLabels`: every key and value problem is reported on `metadata.labels` itself, as the server does. */
export const labelProblems = (labels: unknown, path = "metadata.labels"): ReadonlyArray<FieldError> => {
  if (labels === undefined || labels === null) return []
  if (typeof labels !== "object" || Array.isArray(labels)) {
    return [invalid(path, { goSyntax: JSON.stringify(labels) }, "must be a map")]
  }
  const errors: Array<FieldError> = []
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    for (const problem of isQualifiedName(key)) errors.push(invalid(path, key, problem))
    const text = typeof value === "string" ? value : String(value)
    for (const problem of isValidLabelValue(text)) errors.push(invalid(path, text, problem))
  }
  return errors
}

const totalAnnotationSizeLimit = 256 * 1024

/** `ValidateAnnotations`: keys are qualified names (case-insensitive) and all of them together at most 256 KiB. */
export const annotationProblems = (annotations: unknown): ReadonlyArray<FieldError> => {
  const path = "metadata.annotations"
  if (annotations === undefined || annotations === null) return []
  if (typeof annotations !== "object" || Array.isArray(annotations)) {
    return [invalid(path, { goSyntax: JSON.stringify(annotations) }, "must be a map")]
  }
  const errors: Array<FieldError> = []
  let size = 0
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    for (const problem of isQualifiedName(key.toLowerCase())) errors.push(invalid(path, key, problem))
    size += Buffer.byteLength(key) + Buffer.byteLength(typeof value === "string" ? value : String(value))
  }
  if (size > totalAnnotationSizeLimit) errors.push(tooLong(path, `must have at most ${totalAnnotationSizeLimit} bytes`))
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
