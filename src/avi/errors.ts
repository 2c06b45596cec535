/**
 * Typed failures of the Avi client. Every error carries the request it belongs to (method and path, never a
 * body) and the controller's own message, so callers can branch on the tag and operators can read the text.
 * None of them holds the transport's request object: that object carries the login body (the password).
 */
import * as Data from "effect/Data"

interface RequestContext {
  readonly method: string
  readonly path: string
  readonly message: string
}

/** Login refused (401/403 on /login), or still unauthorised after one re-login. */
export class AviAuthError extends Data.TaggedError("AviAuthError")<RequestContext & { readonly status: number }> {}

/** 404: the object (or a referenced object) does not exist. DELETE treats this as success. */
export class AviNotFound extends Data.TaggedError("AviNotFound")<RequestContext> {}

/** 409: an object with this name already exists in the tenant (and cloud). */
export class AviConflict extends Data.TaggedError("AviConflict")<RequestContext> {}

/** 412: the `_last_modified` sent with a PUT is stale; re-read the object and retry. */
export class AviPreconditionFailed extends Data.TaggedError("AviPreconditionFailed")<RequestContext> {}

/** 400: the controller rejected the body. `objName` is the controller's `obj_name` when it sends one. */
export class AviValidationError extends Data.TaggedError("AviValidationError")<
  RequestContext & { readonly objName: string | undefined }
> {}

/** 400 "No available free IPs": IPAM has no address left for a VsVip; retry slowly. */
export class AviNoFreeIp extends Data.TaggedError("AviNoFreeIp")<RequestContext> {}

/**
 * The controller could not be reached or answered 5xx: transport error, per-request timeout, 500, or 501-599
 * that persisted through the retry budget. `status` is absent when no response arrived.
 */
export class AviUnavailable extends Data.TaggedError("AviUnavailable")<
  RequestContext & {
    readonly status: number | undefined
    readonly reason: "status" | "transport" | "timeout"
    readonly attempts: number
  }
> {}

/** Any other non-success status (403 RBAC, 405, 429, ...). Not retried by the client. */
export class AviRequestFailed
  extends Data.TaggedError("AviRequestFailed")<RequestContext & { readonly status: number }>
{}

/** The controller answered 2xx with a body that does not match the expected shape. */
export class AviDecodeError extends Data.TaggedError("AviDecodeError")<RequestContext> {}

export type AviError =
  | AviAuthError
  | AviNotFound
  | AviConflict
  | AviPreconditionFailed
  | AviValidationError
  | AviNoFreeIp
  | AviUnavailable
  | AviRequestFailed
  | AviDecodeError

const MAX_MESSAGE = 1000

/** The controller's text: `{"error": ...}` (Avi), `{"detail": ...}` (DRF), or the raw body. */
export const controllerMessage = (body: unknown, raw: string): { message: string; objName: string | undefined } => {
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>
    const text = record["error"] ?? record["detail"] ?? record["message"]
    const objName = typeof record["obj_name"] === "string" ? record["obj_name"] : undefined
    if (typeof text === "string") return { message: text.slice(0, MAX_MESSAGE), objName }
    if (text !== undefined) return { message: JSON.stringify(text).slice(0, MAX_MESSAGE), objName }
  }
  return { message: raw.slice(0, MAX_MESSAGE), objName: undefined }
}

/** Maps a final (non-retried) non-2xx response onto the typed errors. */
export const errorForStatus = (
  context: { readonly method: string; readonly path: string },
  status: number,
  body: unknown,
  raw: string,
  attempts: number
): AviError => {
  const { message, objName } = controllerMessage(body, raw)
  const base = { ...context, message }
  switch (status) {
    case 400:
      return message.includes("No available free IPs")
        ? new AviNoFreeIp(base)
        : new AviValidationError({ ...base, objName })
    case 401:
    case 419:
      return new AviAuthError({ ...base, status })
    case 404:
      return new AviNotFound(base)
    case 409:
      return new AviConflict(base)
    case 412:
      return new AviPreconditionFailed(base)
  }
  if (status >= 500) return new AviUnavailable({ ...base, status, reason: "status", attempts })
  return new AviRequestFailed({ ...base, status })
}
