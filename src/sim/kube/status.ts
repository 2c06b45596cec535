/**
 * metav1.Status bodies exactly as the API server sends them for failures. Clients read `reason` and `code`
 * (client-node's ApiException.code, kubectl's error text), so both must match the real server.
 */
import * as Data from "effect/Data"
import type { FieldError } from "./validation.js"

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "Expired"
  | "BadRequest"
  | "Unauthorized"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "InternalError"
  | "ServiceUnavailable"
  | "NotAcceptable"

export interface StatusDetails {
  readonly name?: string
  readonly group?: string
  readonly kind?: string
  readonly uid?: string
  readonly causes?: ReadonlyArray<{ reason: string; message: string; field: string }>
}

export interface StatusBody {
  readonly kind: "Status"
  readonly apiVersion: "v1"
  readonly metadata: Record<string, never>
  readonly status: "Failure" | "Success"
  readonly message: string
  readonly reason?: StatusReason
  readonly details?: StatusDetails
  readonly code: number
}

/** A failed API call; thrown inside the request handler and rendered as a Status response. */
export class ApiError extends Data.TaggedError("ApiError")<{ readonly status: StatusBody }> {
  get code(): number {
    return this.status.code
  }
}

const failure = (code: number, reason: StatusReason | undefined, message: string, details?: StatusDetails) =>
  new ApiError({
    status: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message,
      ...(reason === undefined ? {} : { reason }),
      ...(details === undefined ? {} : { details }),
      code
    }
  })

/** `group` and `kind` as they appear in details: plural resource name and API group. */
interface Target {
  readonly group: string
  readonly resource: string
}

const qualified = (t: Target) => (t.group === "" ? t.resource : `${t.resource}.${t.group}`)

export const notFound = (t: Target, name: string) =>
  failure(404, "NotFound", `${qualified(t)} "${name}" not found`, { name, group: t.group, kind: t.resource })

export const alreadyExists = (t: Target, name: string) =>
  failure(409, "AlreadyExists", `${qualified(t)} "${name}" already exists`, {
    name,
    group: t.group,
    kind: t.resource
  })

export const conflict = (t: Target, name: string) =>
  failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(t)} "${name}": the object has been modified; please apply your ` +
      "changes to the latest version and try again",
    { name, group: t.group, kind: t.resource }
  )

export const invalid = (kind: { group: string; kind: string }, name: string, errors: ReadonlyArray<FieldError>) => {
  const qualifiedKind = kind.group === "" ? kind.kind : `${kind.kind}.${kind.group}`
  const lines = errors.map((e) => `${e.field}: ${e.message}`)
  const summary = lines.length === 1 ? lines[0]! : `[${lines.join(", ")}]`
  return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group: kind.group,
    kind: kind.kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field }))
  })
}

export const badRequest = (message: string) => failure(400, "BadRequest", message)

/** Watch or continue from a resourceVersion the server no longer retains. */
export const expired = (message: string) => failure(410, "Expired", message)

export const gone = (message: string) => failure(410, "Gone", message)

export const unauthorized = () => failure(401, "Unauthorized", "Unauthorized")

export const methodNotAllowed = (method: string) =>
  failure(405, "MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`)

export const unsupportedMediaType = (contentType: string) =>
  failure(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`
  )

/** Custom resources take no strategic merge patch: they have no Go struct to carry the merge keys. */
export const unsupportedPatchType = () =>
  failure(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, " +
      "application/merge-patch+json, application/apply-patch+yaml"
  )

export const pathNotFound = () => failure(404, "NotFound", "the server could not find the requested resource")

export const injected = (code: 500 | 503) =>
  code === 503
    ? failure(503, "ServiceUnavailable", "the server is currently unable to handle the request (injected fault)")
    : failure(500, "InternalError", "Internal error occurred: injected fault")

export const namespaceNotFound = (namespace: string) =>
  failure(404, "NotFound", `namespaces "${namespace}" not found`, { name: namespace, kind: "namespaces", group: "" })
