/**
 * Auth-token renewal, as AKO does it (`lib.RefreshAuthToken`, reference/ako-objects.md §11.12): when `avi-secret`
 * logs in with an `authtoken`, the leader looks the token up among the user's tokens (`GET /api/user-token`) at the
 * start of its term and every 12 hours. A token with less than half of AKO's 240-hour lifetime left, or one the
 * controller does not list, is replaced: `POST /api/user-token {"hours":"240"}`, the new token written to
 * `avi-secret` (through the WriteGuard, so only the leader writes), then the old token deleted. Without this a
 * token-only installation stops reaching Avi when its token expires.
 *
 * The client switches to the new token at once; the Secret watch (`followAviSecret`) then sees the same token and
 * changes nothing. Tokens never reach a log line.
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { AviError } from "../avi/index.js"
import { AviClient } from "../avi/index.js"
import { SECRET_NAME } from "../config/index.js"
import type { NotLeader } from "../election/index.js"
import type { KubeError } from "../k8s/index.js"
import { KubeClient, MERGE_PATCH, WriteGuard } from "../k8s/index.js"
import { AviLogins } from "./avi-credentials.js"

/** AKO's `RefreshAuthTokenInterval`. */
export const TOKEN_CHECK_INTERVAL = Duration.hours(12)
/** AKO's `AuthTokenExpiry`: the lifetime a new token asks for. */
export const TOKEN_LIFETIME_HOURS = 240
/** AKO's `RefreshAuthTokenPeriod` × lifetime: a token with less left than this is replaced. */
export const TOKEN_RENEW_BELOW = Duration.hours(TOKEN_LIFETIME_HOURS * 0.5)

export class TokenRenewalFailed extends Data.TaggedError("TokenRenewalFailed")<{
  readonly step: string
  readonly detail: string
}> {
  override get message(): string {
    return `could not renew the Avi auth token (${this.step}): ${this.detail}`
  }
}

export type TokenCheck =
  | { readonly _tag: "NoToken" }
  | { readonly _tag: "Fresh"; readonly expiresAt: string }
  | { readonly _tag: "Renewed"; readonly previousExpiresAt: string | undefined }

interface ListedToken {
  readonly uuid: string | undefined
  readonly token: string | undefined
  readonly expiresAt: string | undefined
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

const text = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

/** Every token of the logged-in user, page after page as the controller links them. */
const listTokens = (avi: AviClient["Type"]): Effect.Effect<ReadonlyArray<ListedToken>, AviError> =>
  Effect.gen(function*() {
    const tokens: Array<ListedToken> = []
    let query: Record<string, string> = {}
    for (let page = 0; page < 1000; page++) {
      const body = record(yield* avi.request({ method: "GET", path: "/api/user-token", query }))
      for (const entry of Array.isArray(body["results"]) ? body["results"] : []) {
        const fields = record(entry)
        tokens.push({ uuid: text(fields["uuid"]), token: text(fields["token"]), expiresAt: text(fields["expires_at"]) })
      }
      const next = text(body["next"])
      if (next === undefined || next === "") break
      query = Object.fromEntries(new URL(next, "https://controller").searchParams)
    }
    return tokens
  })

const describeKube = (error: KubeError | NotLeader) => error.message

/**
 * One check: renews the token when it is due. The leader runs it; the Secret write is refused (NotLeader) if the
 * lead was lost meanwhile, and the next leader checks again when its term starts.
 */
export const checkAuthToken = (
  namespace: string
): Effect.Effect<TokenCheck, TokenRenewalFailed | NotLeader, AviLogins | AviClient | KubeClient | WriteGuard> =>
  Effect.gen(function*() {
    const logins = yield* AviLogins
    const login = yield* SubscriptionRef.get(logins)
    if (login.authToken === undefined || login.password !== undefined) return { _tag: "NoToken" } as const
    const current = Redacted.value(login.authToken)
    const avi = yield* AviClient
    const aviStep = (step: string) => (error: AviError) => new TokenRenewalFailed({ step, detail: error.message })

    const tokens = yield* listTokens(avi).pipe(Effect.mapError(aviStep("listing the user's tokens")))
    const listed = Option.fromNullable(tokens.find((entry) => entry.token === current))
    const now = yield* Clock.currentTimeMillis
    if (Option.isSome(listed)) {
      const expiresAt = listed.value.expiresAt ?? ""
      const expiry = Date.parse(expiresAt)
      if (Number.isNaN(expiry)) {
        return yield* new TokenRenewalFailed({ step: "reading the token's expiry", detail: `expires_at ${expiresAt}` })
      }
      if (expiry - now > Duration.toMillis(TOKEN_RENEW_BELOW)) return { _tag: "Fresh", expiresAt } as const
    }

    const created = record(
      yield* avi.request({ method: "POST", path: "/api/user-token", body: { hours: String(TOKEN_LIFETIME_HOURS) } })
        .pipe(Effect.mapError(aviStep("creating a new token")))
    )
    const token = text(created["token"])
    if (token === undefined || token === "") {
      return yield* new TokenRenewalFailed({ step: "creating a new token", detail: "the answer carries no token" })
    }

    const kube = yield* KubeClient
    const guard = yield* WriteGuard
    yield* guard.admit(kube.request({
      method: "PATCH",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${SECRET_NAME}`,
      body: { data: { authtoken: Buffer.from(token, "utf8").toString("base64") } },
      contentType: MERGE_PATCH
    })).pipe(
      Effect.catchIf(
        (error): error is KubeError => error._tag !== "NotLeader",
        (error) =>
          new TokenRenewalFailed({ step: `writing the new token to ${SECRET_NAME}`, detail: describeKube(error) })
      )
    )
    // The client logs in with the new token from its next call; the Secret watch will find it already in use.
    yield* SubscriptionRef.set(logins, { ...login, authToken: Redacted.make(token) })

    const previous = Option.flatMap(listed, (entry) => Option.fromNullable(entry.uuid))
    if (Option.isSome(previous)) {
      yield* avi.request({ method: "DELETE", path: `/api/user-token/${encodeURIComponent(previous.value)}` }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("the new Avi auth token is in use, but the old one could not be deleted").pipe(
            Effect.annotateLogs({ tokenUuid: previous.value, error: error.message })
          )
        )
      )
    }
    return {
      _tag: "Renewed",
      previousExpiresAt: Option.getOrUndefined(Option.flatMap(listed, (e) => Option.fromNullable(e.expiresAt)))
    } as const
  })

/** AKO tries each step five times; ako-ts retries the whole check with backoff instead, up to five times. */
const retryCheck = Schedule.exponential("2 seconds").pipe(Schedule.intersect(Schedule.recurs(4)), Schedule.jittered)

/**
 * The leader's renewal loop: a check at the start of the term, then every 12 hours. A failed check is logged and
 * tried again at the next interval; it never stops the controller (the current token still works until it expires).
 */
export const renewAuthTokenWhileLeading = (namespace: string) =>
  checkAuthToken(namespace).pipe(
    Effect.retry({ schedule: retryCheck, while: (error) => error._tag === "TokenRenewalFailed" }),
    Effect.tap((result) =>
      result._tag === "Renewed" ?
        Effect.logInfo(`Avi auth token renewed for ${TOKEN_LIFETIME_HOURS} hours and written to ${SECRET_NAME}`).pipe(
          Effect.annotateLogs("previousExpiresAt", result.previousExpiresAt ?? "not listed by the controller")
        ) :
        result._tag === "Fresh" ?
        Effect.logDebug("Avi auth token still valid; not renewed").pipe(
          Effect.annotateLogs("expiresAt", result.expiresAt)
        ) :
        Effect.void
    ),
    Effect.catchTags({
      TokenRenewalFailed: (error) =>
        Effect.logWarning("Avi auth token renewal failed; trying again at the next check").pipe(
          Effect.annotateLogs("error", error.message)
        ),
      // The term ended between the check and the write; the next leader checks when its term starts.
      NotLeader: () => Effect.void
    }),
    Effect.repeat(Schedule.spaced(TOKEN_CHECK_INTERVAL)),
    Effect.asVoid
  )
