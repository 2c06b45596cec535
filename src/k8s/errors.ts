import * as Data from "effect/Data"

/** The API server answered with a non-success status. */
export class KubeApiError extends Data.TaggedError("KubeApiError")<{
  readonly status: number
  readonly reason: string
  readonly message: string
  readonly method: string
  readonly path: string
}> {}

/** The request did not complete: connection refused or reset, TLS, timeout, or an undecodable body. */
export class KubeTransportError extends Data.TaggedError("KubeTransportError")<{
  readonly message: string
  readonly method: string
  readonly path: string
  readonly cause?: unknown
}> {}

export type KubeError = KubeApiError | KubeTransportError

export const isStatus = (error: KubeError, status: number): boolean =>
  error._tag === "KubeApiError" && error.status === status
