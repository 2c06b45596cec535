/**
 * Configuration of one Avi client. The application maps AKO's ConfigMap and `avi-secret` onto it; library users
 * build it directly.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"

/** What the client logs in with. */
export interface AviLogin {
  readonly username: string
  /** Password login (`POST /login {username,password}`). One of password or authToken is required. */
  readonly password?: Redacted.Redacted<string> | undefined
  /** Token login (`POST /login {username,token}`), used when no password is given. */
  readonly authToken?: Redacted.Redacted<string> | undefined
}

export interface AviClientConfig {
  /** `host`, `host:port`, or a URL with scheme (`http://127.0.0.1:8080`). HTTPS unless a scheme is given. */
  readonly controller: string
  /** Required unless `credentials` is given. */
  readonly username?: string | undefined
  /** Password login (`POST /login {username,password}`). One of password or authToken is required. */
  readonly password?: Redacted.Redacted<string> | undefined
  /** Token login (`POST /login {username,token}`), used when no password is given. */
  readonly authToken?: Redacted.Redacted<string> | undefined
  /**
   * Credentials that can change while the client runs, e.g. a Secret that is rotated or corrected. Read before
   * every call; when they differ from the ones the current session logged in with, the client logs in again with
   * the new ones (concurrent calls share that login). Given, it replaces `username`, `password` and `authToken`.
   */
  readonly credentials?: Effect.Effect<AviLogin> | undefined
  /** `X-Avi-Tenant` of every call unless a call names another. Default `admin`. */
  readonly tenant?: string | undefined
  /** `X-Avi-Version`. Absent: read from `/api/initial-data` after login and capped at {@link MAX_AVI_VERSION}. */
  readonly version?: string | undefined
  /** PEM of the CA that signed the controller's certificate. Absent: the certificate is not verified (as AKO). */
  readonly caData?: string | undefined
  /** Deadline of one HTTP exchange (headers and body). Default 60 s. */
  readonly requestTimeout?: Duration.DurationInput | undefined
  /** Requests in flight at once, logins included. Default 10. */
  readonly maxConcurrentRequests?: number | undefined
  /** Sent as `X-Avi-UserAgent` on every request, e.g. `ako-ts/0.1.0 ako-0`. Default `ako-ts`. */
  readonly clientIdentity?: string | undefined
  /** Retries of 501-599 answers and transport errors, jittered exponential from `retryBase`. Default 3 and 250 ms. */
  readonly retries?: number | undefined
  readonly retryBase?: Duration.DurationInput | undefined
  /** One HTTP client span per exchange through Effect's tracer. Default false (it costs allocations per request). */
  readonly tracing?: boolean | undefined
}

/** AKO's `utils.MaxAviVersion`: the newest API version it speaks, whatever the controller runs. */
export const MAX_AVI_VERSION = "30.2.1"

/** Version sent before the controller's own is known (the Go SDK's default). */
export const BOOTSTRAP_AVI_VERSION = "18.2.6"

export interface ResolvedLogin {
  readonly username: string
  /** None when neither secret is configured: every login then fails with AviAuthError. */
  readonly credential: Option.Option<
    { readonly kind: "password" | "token"; readonly secret: Redacted.Redacted<string> }
  >
}

export const resolveLogin = (login: AviLogin): ResolvedLogin => {
  const secret = login.password ?? login.authToken
  return {
    username: login.username,
    credential: Option.fromNullable(secret).pipe(
      Option.map((value) => ({
        kind: login.password !== undefined ? "password" as const : "token" as const,
        secret: value
      }))
    )
  }
}

/** Whether two logins would send the same `/login` body (compared inside the process, never printed). */
export const sameLogin = (a: ResolvedLogin, b: ResolvedLogin): boolean =>
  a.username === b.username &&
  Option.getEquivalence((x: { kind: string; secret: Redacted.Redacted<string> }, y) =>
    x.kind === y.kind && Redacted.value(x.secret) === Redacted.value(y.secret)
  )(a.credential, b.credential)

export interface ResolvedConfig {
  readonly baseUrl: string
  /** The credentials to log in with now (fixed, or read from `credentials`). */
  readonly login: Effect.Effect<ResolvedLogin>
  readonly tenant: string
  readonly version: Option.Option<string>
  readonly caData: Option.Option<string>
  readonly requestTimeout: Duration.Duration
  readonly maxConcurrentRequests: number
  readonly clientIdentity: string
  readonly retries: number
  readonly retryBase: Duration.Duration
  readonly tracing: boolean
}

export const baseUrlOf = (controller: string): string => {
  const trimmed = controller.trim().replace(/\/+$/, "")
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`
}

export const resolveConfig = (config: AviClientConfig): ResolvedConfig => {
  const fixed = resolveLogin({
    username: config.username ?? "",
    password: config.password,
    authToken: config.authToken
  })
  return {
    baseUrl: baseUrlOf(config.controller),
    login: config.credentials === undefined ? Effect.succeed(fixed) : Effect.map(config.credentials, resolveLogin),
    tenant: config.tenant ?? "admin",
    version: Option.fromNullable(config.version).pipe(Option.filter((v) => v.length > 0)),
    caData: Option.fromNullable(config.caData).pipe(Option.filter((v) => v.length > 0)),
    requestTimeout: Duration.decode(config.requestTimeout ?? "60 seconds"),
    maxConcurrentRequests: Math.max(1, config.maxConcurrentRequests ?? 10),
    clientIdentity: config.clientIdentity ?? "ako-ts",
    retries: Math.max(0, config.retries ?? 3),
    retryBase: Duration.decode(config.retryBase ?? "250 millis"),
    tracing: config.tracing ?? false
  }
}

const parseVersion = (version: string): ReadonlyArray<number> | undefined => {
  const parts = version.trim().split(".")
  if (parts.length < 2) return undefined
  const numbers = parts.map((part) => Number.parseInt(part, 10))
  return numbers.some((n) => Number.isNaN(n)) ? undefined : numbers
}

const compareVersions = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return 0
}

/** The version to speak with a controller reporting `detected`: itself, or {@link MAX_AVI_VERSION} if newer. */
export const capVersion = (detected: string): Option.Option<string> => {
  const parsed = parseVersion(detected)
  const max = parseVersion(MAX_AVI_VERSION)!
  if (parsed === undefined) return Option.none()
  return Option.some(compareVersions(parsed, max) > 0 ? MAX_AVI_VERSION : detected.trim())
}
