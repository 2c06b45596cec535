/**
 * The Avi credentials follow `avi-secret` while the process runs. AKO reads the Secret once and needs a restart for a
 * new or corrected password; ako-ts watches it (the Secret reflector every replica runs anyway) and hands the new
 * login to the Avi client, which logs in with it at the next call. Values stay `Redacted` from the moment they are
 * decoded; logs name the user and the kind of secret, never the secret.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberHandle from "effect/FiberHandle"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import type { AviLogin } from "../avi/index.js"
import { decodeAviCredentials, SECRET_NAME } from "../config/index.js"
import type { AviCredentials, SecretData } from "../config/index.js"
import { Reflectors } from "../k8s/index.js"
import { AviCache } from "../reconcile/index.js"

/** The login the Avi client uses now; `changes` replays the current one first. */
export class AviLogins extends Context.Tag("ako-ts/app/AviLogins")<
  AviLogins,
  SubscriptionRef.SubscriptionRef<AviLogin>
>() {
  static readonly layer = (initial: AviCredentials): Layer.Layer<AviLogins> =>
    Layer.effect(AviLogins, SubscriptionRef.make(loginOf(initial)))
}

export const loginOf = (credentials: AviCredentials): AviLogin =>
  credentials.auth._tag === "Password" ?
    { username: credentials.username, password: credentials.auth.password } :
    { username: credentials.username, authToken: credentials.auth.token }

const secretText = (value: Redacted.Redacted<string> | undefined) => value === undefined ? "" : Redacted.value(value)

const sameLogin = (a: AviLogin, b: AviLogin) =>
  a.username === b.username && secretText(a.password) === secretText(b.password) &&
  secretText(a.authToken) === secretText(b.authToken)

const kindOf = (login: AviLogin) => login.password !== undefined ? "password" : "token"

/** The reflector keeps Secret data as the API serves it (base64); wrapped in `Redacted` as it is decoded. */
const secretData = (data: Readonly<Record<string, string>> | undefined): SecretData => {
  const decoded: Record<string, Redacted.Redacted<string>> = {}
  for (const [key, base64] of Object.entries(data ?? {})) {
    decoded[key] = Redacted.make(Buffer.from(base64, "base64").toString("utf8"))
  }
  return decoded
}

const noEnvironment = { username: undefined, password: undefined, authToken: undefined, caData: undefined }

// A login that failed before the change left the cache unsynced; without this the replica would wait for the next
// periodic re-list (a minute by default) to become ready.
const refreshSoon = Schedule.exponential("1 second").pipe(
  Schedule.union(Schedule.spaced("15 seconds")),
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(6))
)

/**
 * Follows `avi-secret` in `namespace`: a valid new version replaces the login (and the Avi cache is re-listed with
 * it); an invalid one is logged and the last good login stays; a deleted Secret keeps the login in use.
 * `certificateAuthorityData` is read at start only: a change is logged as needing a restart.
 */
export const followAviSecret = (
  namespace: string,
  started: AviCredentials
): Effect.Effect<never, never, AviLogins | Reflectors | AviCache> =>
  Effect.scoped(Effect.gen(function*() {
    const logins = yield* AviLogins
    const reflectors = yield* Reflectors
    const cache = yield* AviCache
    const refresh = yield* FiberHandle.make<void, never>()
    const key = `${namespace}/${SECRET_NAME}`
    let warnedCa = false

    const apply = Effect.gen(function*() {
      const secret = yield* reflectors.secrets.get(key)
      if (Option.isNone(secret)) return
      const decoded = decodeAviCredentials({
        secret: secretData(secret.value.data),
        secretNamespace: namespace,
        env: noEnvironment
      })
      if (decoded._tag === "Left") {
        return yield* Effect.logWarning("avi-secret change ignored: the credentials in use stay").pipe(
          Effect.annotateLogs("error", decoded.left.message)
        )
      }
      if (decoded.right.caData !== started.caData && !warnedCa) {
        warnedCa = true
        yield* Effect.logWarning("certificateAuthorityData changed in avi-secret: it applies after a restart")
      }
      const next = loginOf(decoded.right)
      if (sameLogin(yield* SubscriptionRef.get(logins), next)) return
      yield* SubscriptionRef.set(logins, next)
      yield* Effect.logInfo("avi-secret changed: logging in to Avi with the new credentials").pipe(
        Effect.annotateLogs({ username: next.username, auth: kindOf(next) })
      )
      yield* FiberHandle.run(
        refresh,
        cache.refresh.pipe(
          Effect.retry(refreshSoon),
          Effect.catchAll((error) =>
            Effect.logWarning("Avi cache refresh with the new credentials failed; the periodic refresh goes on").pipe(
              Effect.annotateLogs({ error: error._tag, detail: error.message })
            )
          )
        )
      )
    })

    yield* reflectors.secrets.ready
    // The tick applies the Secret as first listed, and catches a change that slipped in before the subscription
    // to `changes` was in place; comparing in memory every 30 s costs nothing.
    return yield* reflectors.secrets.changes.pipe(
      Stream.filter((changed) => changed === key),
      Stream.merge(Stream.tick("30 seconds")),
      Stream.runForEach(() => apply),
      Effect.zipRight(Effect.never)
    )
  }))
