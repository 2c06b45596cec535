/**
 * Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which kubectl and client-go's typed
 * clients use for built-in kinds: the `k8s\0` envelope around a runtime.Unknown, the conversion between a message
 * and the JSON shape the store keeps, and the content negotiation that decides whether a response is protobuf.
 * The messages and their Go JSON rules are in protobuf-schema.ts.
 */
import { isScalar, messageDef, messageType, protobufKinds } from "./protobuf-schema.js"
import { ApiError, type StatusBody } from "./status.js"

export const PROTOBUF = "application/vnd.kubernetes.protobuf"

/** "k8s" and a zero byte: every protobuf body starts with it, so the bytes say which encoding they are in. */
export const MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00)

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value)

const failure = (code: number, reason: NonNullable<StatusBody["reason"]>, message: string) =>
  new ApiError({ status: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code } })

/** The media types a create or update body may have for a kind, in the order the real server lists them. */
const acceptedBodyTypes = (protobuf: boolean) => (protobuf ? ["application/json", PROTOBUF] : ["application/json"])

/** 415 with the real server's wording for a body media type the resource does not take. */
export const unsupportedBodyType = (protobuf: boolean) =>
  failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${
      acceptedBodyTypes(protobuf).join(", ")
    }`
  )

/** 406 with the real server's wording, for a client that takes nothing the simulator can write for this body. */
export const notAcceptable = (protobuf: boolean) =>
  failure(
    406,
    "NotAcceptable",
    `only the following media types are accepted: ${acceptedBodyTypes(protobuf).join(", ")}`
  )

const badRequest = (message: string) => failure(400, "BadRequest", message)

export const isProtobuf = (contentType: string | undefined): boolean =>
  (contentType ?? "").split(";")[0]!.trim().toLowerCase() === PROTOBUF

/** The message of a kind the simulator speaks protobuf for; undefined for JSON-only kinds. */
export const protobufMessageOf = (apiVersion: unknown, kind: unknown): string | undefined =>
  typeof apiVersion === "string" && typeof kind === "string" ? protobufKinds.get(`${apiVersion}/${kind}`) : undefined

// --- message ⇄ JSON ---------------------------------------------------------------------------------------------

/** metav1.Time: seconds only, as the server keeps it; the zero time (an empty message) is JSON null. */
const timeToJson = (plain: Json): string | null => {
  if (Object.keys(plain).length === 0) return null
  return new Date(Number(plain["seconds"] ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")
}

const timeFromJson = (value: unknown): Json => {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN
  // A zero or unreadable time marshals to an empty message, which the other side reads as the zero time.
  if (Number.isNaN(ms)) return {}
  const seconds = Math.floor(ms / 1000)
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 }
}

/** intstr.IntOrString: type 0 is the int, type 1 the string; JSON carries the bare value. */
const intOrStringToJson = (plain: Json): number | string =>
  Number(plain["type"] ?? 0) === 1 ? String(plain["strVal"] ?? "") : Number(plain["intVal"] ?? 0)

const intOrStringFromJson = (value: unknown): Json =>
  typeof value === "string"
    ? { type: 1, intVal: 0, strVal: value }
    : { type: 0, intVal: Number(value ?? 0), strVal: "" }

/** metav1.FieldsV1 holds raw JSON bytes; in JSON it is that object itself. */
const fieldsV1ToJson = (plain: Json): unknown => {
  const raw = plain["Raw"]
  if (typeof raw !== "string" || raw === "") return null
  try {
    return JSON.parse(Buffer.from(raw, "base64").toString("utf8"))
  } catch {
    throw badRequest("metadata.managedFields: fieldsV1 is not valid JSON")
  }
}

const fieldsV1FromJson = (value: unknown): Json => ({
  Raw: Buffer.from(JSON.stringify(value ?? {})).toString("base64")
})

const zeroOf = (type: string): unknown => (type === "string" || type === "bytes" ? "" : type === "bool" ? false : 0)

const isZero = (value: unknown): boolean => value === "" || value === false || value === 0

/** A decoded message (protobufjs `toObject` form) as Go's encoding/json would print the struct it fills. */
const toJson = (message: string, plain: Json): unknown => {
  if (message === "Time") return timeToJson(plain)
  if (message === "IntOrString") return intOrStringToJson(plain)
  if (message === "FieldsV1") return fieldsV1ToJson(plain)
  const out: Json = {}
  for (const f of messageDef(message).fields) {
    const value = plain[f.name]
    const present = value !== undefined && value !== null
    const convert = (v: unknown) => (isScalar(f.type) ? v : toJson(f.type, isObject(v) ? v : {}))
    if (f.label === "map") {
      if (isObject(value) && Object.keys(value).length > 0) {
        out[f.name] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]))
      }
    } else if (f.label === "repeated") {
      const items = Array.isArray(value) ? value : []
      if (items.length > 0) out[f.name] = items.map(convert)
      else if (f.presence === "always") out[f.name] = []
    } else if (isScalar(f.type)) {
      const v = present ? value : zeroOf(f.type)
      if (f.presence === "pointer" ? present : f.presence === "always" || !isZero(v)) out[f.name] = v
    } else if (present || f.presence !== "pointer") {
      // A non-pointer struct is always in Go's JSON, even when nothing was sent for it.
      out[f.name] = convert(present ? value : {})
    }
  }
  return out
}

const scalarFromJson = (type: string, value: unknown): unknown => {
  if (type === "string") return typeof value === "string" ? value : String(value)
  if (type === "bool") return value === true
  if (type === "bytes") return typeof value === "string" ? value : ""
  return typeof value === "number" ? value : Number(value)
}

/**
 * A JSON object as the protobufjs `fromObject` form of a message, written the way gogo-protobuf marshals the Go
 * struct: value fields always (zero included), pointers only when set, map entries sorted by key.
 */
const fromJson = (message: string, json: unknown): unknown => {
  if (message === "Time") return timeFromJson(json)
  if (message === "IntOrString") return intOrStringFromJson(json)
  if (message === "FieldsV1") return fieldsV1FromJson(json)
  const source = isObject(json) ? json : {}
  const out: Json = {}
  for (const f of messageDef(message).fields) {
    const value = source[f.name]
    const present = value !== undefined && value !== null
    const convert = (v: unknown) => (isScalar(f.type) ? scalarFromJson(f.type, v) : fromJson(f.type, v))
    if (f.label === "map") {
      if (isObject(value)) {
        out[f.name] = Object.fromEntries(
          Object.keys(value).sort().map((k) => [k, convert(value[k])])
        )
      }
    } else if (f.label === "repeated") {
      if (Array.isArray(value)) out[f.name] = value.map(convert)
    } else if (present) {
      out[f.name] = convert(value)
    } else if (f.presence !== "pointer") {
      out[f.name] = isScalar(f.type) ? zeroOf(f.type) : fromJson(f.type, undefined)
    }
  }
  return out
}

/** The message bytes of a JSON object (no envelope). */
export const encodeMessage = (message: string, json: unknown): Uint8Array => {
  const type = messageType(message)
  return type.encode(type.fromObject(fromJson(message, json) as Json)).finish()
}

/** Message bytes (no envelope) as the JSON shape the store keeps. */
export const decodeMessage = (message: string, bytes: Uint8Array): unknown => {
  const type = messageType(message)
  let plain: Json
  try {
    plain = type.toObject(type.decode(bytes), { longs: Number, bytes: String }) as Json
  } catch (error) {
    throw badRequest(`unable to decode ${message} from protobuf: ${(error as Error).message}`)
  }
  return toJson(message, plain)
}

// --- the envelope ----------------------------------------------------------------------------------------------

export interface Envelope {
  readonly apiVersion: string
  readonly kind: string
  readonly raw: Uint8Array
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding: "", contentType: ""}, as the real server writes it. */
export const wrap = (envelope: Envelope): Buffer => {
  const unknown = messageType("Unknown")
  const bytes = unknown.encode(unknown.fromObject({
    typeMeta: { apiVersion: envelope.apiVersion, kind: envelope.kind },
    raw: envelope.raw,
    contentEncoding: "",
    contentType: ""
  })).finish()
  return Buffer.concat([MAGIC, bytes])
}

export const unwrap = (body: Uint8Array): Envelope => {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte)) {
    throw badRequest(
      `provided data does not appear to be a protobuf message, expected prefix [${[...MAGIC].join(" ")}]`
    )
  }
  let decoded: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string }
  try {
    decoded = messageType("Unknown").decode(body.subarray(MAGIC.length)) as typeof decoded
  } catch (error) {
    throw badRequest(`unable to decode the protobuf envelope: ${(error as Error).message}`)
  }
  if (decoded.contentEncoding !== undefined && decoded.contentEncoding !== "") {
    throw badRequest(`unsupported content encoding ${JSON.stringify(decoded.contentEncoding)} in the protobuf envelope`)
  }
  return {
    apiVersion: decoded.typeMeta?.apiVersion ?? "",
    kind: decoded.typeMeta?.kind ?? "",
    raw: decoded.raw ?? new Uint8Array()
  }
}

/** An object with `apiVersion` and `kind` in the envelope; undefined when the kind is JSON only. */
export const encodeObject = (object: Json): Buffer | undefined => {
  const message = protobufMessageOf(object["apiVersion"], object["kind"])
  if (message === undefined) return undefined
  return wrap({
    apiVersion: String(object["apiVersion"]),
    kind: String(object["kind"]),
    raw: encodeMessage(message, object)
  })
}

/** An enveloped object as JSON, TypeMeta included. Kinds without a message are refused as the decoder does. */
export const decodeObject = (body: Uint8Array): Json => {
  const envelope = unwrap(body)
  const message = protobufMessageOf(envelope.apiVersion, envelope.kind)
  if (message === undefined) {
    throw badRequest(`no kind "${envelope.kind}" is registered for version "${envelope.apiVersion}" in protobuf`)
  }
  return { apiVersion: envelope.apiVersion, kind: envelope.kind, ...(decodeMessage(message, envelope.raw) as Json) }
}

// --- request and response hooks ----------------------------------------------------------------------------------

/**
 * A protobuf create or update body for a resource of `apiVersion`/`kind`: 415 when the simulator has no message for
 * that kind, as the real server answers for resources that do not take protobuf (custom resources).
 */
export const decodeRequestObject = (body: Uint8Array, apiVersion: string, kind: string): Json => {
  if (protobufMessageOf(apiVersion, kind) === undefined) throw unsupportedBodyType(false)
  return decodeObject(body)
}

/** A protobuf DeleteOptions body; any group's version carries the same message. An empty body is no options. */
export const decodeDeleteOptions = (body: Uint8Array): Json => {
  if (body.length === 0) return {}
  const envelope = unwrap(body)
  if (envelope.kind !== "DeleteOptions") {
    throw badRequest(`the body of a delete must be DeleteOptions, not ${JSON.stringify(envelope.kind)}`)
  }
  return decodeMessage("DeleteOptions", envelope.raw) as Json
}

interface MediaRange {
  readonly type: string
  readonly subtype: string
  readonly params: Readonly<Record<string, string>>
  readonly q: number
}

/** Accept clauses in preference order: by q, then exact types before wildcards; ties keep the client's order. */
export const parseAccept = (header: string): ReadonlyArray<MediaRange> =>
  header.split(",").flatMap((clause, index) => {
    const [mediaType = "", ...rest] = clause.split(";").map((part) => part.trim())
    const [type = "", subtype = ""] = mediaType.toLowerCase().split("/")
    if (type === "") return []
    const params = Object.fromEntries(rest.map((p) => {
      const eq = p.indexOf("=")
      return eq < 0 ? [p.toLowerCase(), ""] : [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()]
    }))
    const q = params["q"] === undefined ? 1 : Number(params["q"])
    return [{ range: { type, subtype, params, q: Number.isFinite(q) ? q : 0 }, index }]
  })
    .sort((a, b) =>
      b.range.q - a.range.q ||
      Number(a.range.type === "*") - Number(b.range.type === "*") ||
      Number(a.range.subtype === "*") - Number(b.range.subtype === "*") ||
      a.index - b.index
    )
    .map(({ range }) => range)

export type ResponseEncoding = "json" | "protobuf" | "notAcceptable"

/**
 * The first Accept clause the simulator can write for a body decides, as in the real server's negotiation. A
 * protobuf clause counts only for kinds with a message (and never with `as=`, which asks for a Table or another
 * transformation). A client that named protobuf and nothing JSON can read gets 406; other unknown Accept values
 * get JSON, as before protobuf was served.
 */
export const responseEncoding = (accept: string | undefined, protobufKind: boolean): ResponseEncoding => {
  if (accept === undefined || accept.trim() === "") return "json"
  const ranges = parseAccept(accept)
  for (const range of ranges) {
    if (range.q <= 0) continue
    if (`${range.type}/${range.subtype}` === PROTOBUF) {
      if (protobufKind && range.params["as"] === undefined) return "protobuf"
      continue
    }
    if (range.type === "*" || (range.type === "application" && (range.subtype === "json" || range.subtype === "*"))) {
      return "json"
    }
  }
  return ranges.some((r) => `${r.type}/${r.subtype}` === PROTOBUF) ? "notAcceptable" : "json"
}

export interface EncodedResponse {
  readonly code: number
  readonly contentType: string
  readonly bytes: Buffer
}

/**
 * The response hook: the body in protobuf when the client prefers it and the kind has a message, a 406 Status
 * when the client takes nothing else, undefined to answer JSON as usual. Bodies without a kind (health checks,
 * /version, the admin API) are always JSON.
 */
export const negotiateResponse = (
  accept: string | undefined,
  code: number,
  body: unknown
): EncodedResponse | undefined => {
  if (!isObject(body) || typeof body["kind"] !== "string") return undefined
  const protobufKind = protobufMessageOf(body["apiVersion"], body["kind"]) !== undefined
  switch (responseEncoding(accept, protobufKind)) {
    case "json":
      return undefined
    case "protobuf":
      return { code, contentType: PROTOBUF, bytes: encodeObject(body)! }
    case "notAcceptable":
      return {
        code: 406,
        contentType: "application/json",
        bytes: Buffer.from(JSON.stringify(notAcceptable(false).status))
      }
  }
}
