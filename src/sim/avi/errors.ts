import * as Data from "effect/Data"

/**
 * An error the simulated controller answers with. `body` is sent verbatim: most errors are `{"error": text}`,
 * a few (CSRF) are plain text, exactly as a real controller sends them.
 */
export class AviApiError extends Data.TaggedError("AviApiError")<{
  readonly status: number
  readonly body: unknown
}> {
  override get message(): string {
    const body = this.body
    if (typeof body === "string") return `${this.status}: ${body}`
    if (typeof body === "object" && body !== null && "error" in body) return `${this.status}: ${String(body.error)}`
    return `${this.status}: ${JSON.stringify(body)}`
  }
}

export const apiError = (status: number, error: string, extra?: Record<string, unknown>): AviApiError =>
  new AviApiError({ status, body: { error, ...extra } })

/** The simulator could not start (port in use, certificate generation failed, unreadable snapshot). */
export class AviSimStartError extends Data.TaggedError("AviSimStartError")<{
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `Avi simulator failed to start: ${this.reason}`
  }
}
