/**
 * The HTTP implementation of AviClientService: one cookie session (login, CSRF, re-login once on 401/419),
 * bounded jittered retries of 501-599 and transport errors, a per-exchange timeout, a concurrency limit, metrics.
 * Interrupting a call aborts its HTTP request (the transport destroys the request when its fiber is interrupted).
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AviClientConfig, ResolvedConfig, ResolvedLogin } from "./config.js"
import { BOOTSTRAP_AVI_VERSION, capVersion, resolveConfig, sameLogin } from "./config.js"
import type { AviError, AviNotFound } from "./errors.js"
import { AviAuthError, AviDecodeError, AviUnavailable, controllerMessage, errorForStatus } from "./errors.js"
import { guardOf } from "./guard.js"
import { recordRelogin, recordRequest } from "./metrics.js"
import type { AviObject, AviObjectType } from "./objects.js"
import { AviTypes } from "./objects.js"
import { makePermits } from "./permits.js"
import type {
  AviCallOptions,
  AviClientService,
  AviListFilters,
  AviMethod,
  AviPatchOp,
  AviQueryValue,
  AviRequest
} from "./service.js"
import type { AviTransport, TransportOutcome } from "./transport.js"

interface Session {
  readonly generation: number
  readonly cookies: Cookies.Cookies
  /** What this session logged in with: a session of other credentials than the current ones is replaced. */
  readonly login: ResolvedLogin
}

interface Exchange {
  readonly status: number
  readonly raw: string
  readonly body: unknown
  readonly cookies: Cookies.Cookies
}

interface Call {
  readonly method: AviMethod
  /** Path and query, from the controller root. */
  readonly target: string
  readonly body?: unknown
  readonly tenant: string
}

/** Internal: worth another attempt (501-599 or transport). Never escapes this module. */
class Transient extends Data.TaggedError("Transient")<{
  readonly status: number | undefined
  readonly message: string
  readonly reason: "status" | "transport"
}> {}

class Timeout extends Data.TaggedError("Timeout") {}

/** `?a=1&b=2` from a record, skipping undefined values; booleans as `true`/`false`. */
export const queryString = (query: Readonly<Record<string, AviQueryValue | undefined>> | undefined): string => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, String(value))
  }
  const text = params.toString()
  return text.length === 0 ? "" : `?${text}`
}

/** The metric `type` tag: `/api/pool/pool-1` → `pool`, `/login` → `login`. */
export const typeOfPath = (target: string): string => {
  // Slashes repeated or not, as the path's non-empty segments; one regular expression, since it runs per request.
  const [, first = "", second = ""] = /^\/*([^/?]*)\/*([^/?]*)/.exec(target) ?? []
  if (first === "api") return second === "" ? "api" : second
  return first === "" ? "root" : first
}

const parseBody = (raw: string): unknown => {
  if (raw.length === 0) return undefined
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

const pathOnly = (target: string): string => target.split("?")[0] ?? target

const isRetryableStatus = (status: number): boolean => status > 500 && status < 600

const Collection = Schema.Struct({
  count: Schema.optional(Schema.Number),
  results: Schema.Array(Schema.Unknown),
  next: Schema.optional(Schema.NullOr(Schema.String))
})

const InitialData = Schema.Struct({ version: Schema.Struct({ Version: Schema.String }) })

const storedSchema = <K extends AviObjectType>(type: K) =>
  AviTypes[type].stored as unknown as Schema.Schema<AviObject<K>, AviObject<K>>

/** A guard of each stored schema, built once: every response is checked on the hot path. */
const storedValidators = new Map<AviObjectType, (body: unknown) => boolean>()
const isStored = <K extends AviObjectType>(type: K, body: unknown): body is AviObject<K> => {
  let valid = storedValidators.get(type)
  if (valid === undefined) {
    valid = guardOf(storedSchema(type))
    storedValidators.set(type, valid)
  }
  return valid(body)
}

export const makeLive = (
  input: AviClientConfig,
  transport: AviTransport
): Effect.Effect<AviClientService, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config: ResolvedConfig = resolveConfig(input)
    // Plain cells rather than Refs: each is read and changed in synchronous steps only (one event-loop turn each, as
    // atomic as a Ref's), and every call reads both, so a Ref's fiber steps were paid four times per Service.
    let session: Session | undefined
    let generations = 0
    let version: string | undefined = Option.getOrUndefined(config.version)
    const loginLock = yield* Effect.makeSemaphore(1)
    const versionLock = yield* Effect.makeSemaphore(1)
    const permits = makePermits(config.maxConcurrentRequests)

    const headersFor = (current: Session | undefined, tenant: string, avVersion: string) => {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: "application/json",
        referer: `${config.baseUrl}/`,
        "x-avi-version": avVersion,
        "x-avi-tenant": tenant,
        "x-avi-useragent": config.clientIdentity
      }
      if (current !== undefined) {
        const { cookie, csrf } = cookieHeadersOf(current.cookies)
        if (cookie !== undefined) headers["cookie"] = cookie
        if (csrf !== undefined) headers["x-csrftoken"] = csrf
      }
      return headers
    }
    // A session's cookies change rarely (login, a new csrftoken): their headers are rendered once per change.
    let renderedCookies: {
      readonly cookies: Cookies.Cookies
      readonly cookie: string | undefined
      readonly csrf: string | undefined
    } | undefined
    const cookieHeadersOf = (cookies: Cookies.Cookies) => {
      if (renderedCookies?.cookies !== cookies) {
        renderedCookies = {
          cookies,
          cookie: Cookies.isEmpty(cookies) ? undefined : Cookies.toCookieHeader(cookies),
          csrf: Option.getOrUndefined(Cookies.getValue(cookies, "csrftoken"))
        }
      }
      return renderedCookies
    }

    /** The exchange's outcome as the client sees it; records the request's metrics. */
    const settleExchange = (
      method: string,
      type: string,
      seconds: number,
      outcome: TransportOutcome
    ): Effect.Effect<Exchange, Transient | Timeout> => {
      if (!("_tag" in outcome)) {
        recordRequest(method, type, String(outcome.status), seconds)
        return Effect.succeed({
          status: outcome.status,
          raw: outcome.text,
          body: parseBody(outcome.text),
          cookies: outcome.cookies
        })
      }
      if (outcome._tag === "TransportTimeout") {
        recordRequest(method, type, "timeout", seconds)
        return Effect.fail(new Timeout())
      }
      recordRequest(method, type, "transport_error", seconds)
      return Effect.fail(new Transient({ status: undefined, message: outcome.message, reason: "transport" }))
    }

    /** One HTTP exchange under a concurrency permit and the per-request deadline; records metrics. */
    const exchange = (
      call: Call,
      headers: Record<string, string>
    ): Effect.Effect<Exchange, Transient | Timeout> => {
      const type = typeOfPath(call.target)
      const request = {
        method: call.method,
        url: `${config.baseUrl}${call.target}`,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body)
      }
      const start = transport.start
      if (start === undefined) {
        return permits.withPermit(Effect.clockWith((clock) => {
          const begun = clock.unsafeCurrentTimeMillis()
          const settle = (outcome: TransportOutcome) =>
            settleExchange(call.method, type, (clock.unsafeCurrentTimeMillis() - begun) / 1000, outcome)
          return Effect.matchEffect(transport.send(request, config.requestTimeout), {
            onFailure: settle,
            onSuccess: settle
          })
        }))
      }
      // The permit, the request and its answer in one wait: a permit held as an Effect region (a mask, an acquire,
      // a match) and the exchange's own wait were twenty fiber steps per request, four requests per Service.
      return Effect.clockWith((clock) =>
        Effect.flatten(Effect.async<Effect.Effect<Exchange, Transient | Timeout>>((resume) => {
          let state: "waiting" | "running" | "done" = "waiting"
          let abandon: () => void = () => {}
          const withdraw = permits.request(() => {
            state = "running"
            const begun = clock.unsafeCurrentTimeMillis()
            abandon = start(request, config.requestTimeout, (outcome) => {
              if (state !== "running") return
              state = "done"
              permits.release()
              resume(Effect.succeed(
                settleExchange(call.method, type, (clock.unsafeCurrentTimeMillis() - begun) / 1000, outcome)
              ))
            })
          })
          // Interrupted (a cut write, a lost lead): still waiting, the place in line is given up; running, the
          // request is aborted on the wire and its permit goes to the next in line.
          return Effect.sync(() => {
            if (state === "waiting") withdraw()
            else if (state === "running") {
              state = "done"
              abandon()
              permits.release()
            }
          })
        }))
      )
    }

    const login = (avVersion: string, credentials: ResolvedLogin): Effect.Effect<Session, AviError> =>
      Effect.gen(function*() {
        const context = { method: "POST", path: "/login" }
        if (Option.isNone(credentials.credential)) {
          return yield* new AviAuthError({ ...context, status: 0, message: "no password or authToken configured" })
        }
        const { kind, secret } = credentials.credential.value
        const body = kind === "password"
          ? { username: credentials.username, password: Redacted.value(secret) }
          : { username: credentials.username, token: Redacted.value(secret) }
        const result = yield* retryTransient(
          exchange(
            { method: "POST", target: "/login", body, tenant: config.tenant },
            headersFor(undefined, config.tenant, avVersion)
          ),
          context
        )
        if (result.status >= 200 && result.status < 300) {
          const generation = ++generations
          const fresh: Session = { generation, cookies: result.cookies, login: credentials }
          session = fresh
          yield* Effect.logDebug("avi login").pipe(Effect.annotateLogs({ controller: config.baseUrl, generation }))
          return fresh
        }
        if (result.status === 401 || result.status === 403) {
          const { message } = controllerMessage(result.body, result.raw)
          return yield* new AviAuthError({ ...context, status: result.status, message })
        }
        return yield* errorForStatus(context, result.status, result.body, result.raw, 1)
      })

    const currentVersion = Effect.sync(() => version ?? BOOTSTRAP_AVI_VERSION)

    /** The session to use now: the current one if it logged in with the current credentials. */
    const usable = (credentials: ResolvedLogin): Session | undefined =>
      session !== undefined && sameLogin(session.login, credentials) ? session : undefined

    const ensureSession: Effect.Effect<Session, AviError> = Effect.flatMap(config.login, (wanted) => {
      const ready = usable(wanted)
      if (ready !== undefined) return Effect.succeed(ready)
      return loginLock.withPermits(1)(Effect.gen(function*() {
        // another caller may have logged in while this one waited, maybe with newer credentials still
        const latest = yield* config.login
        const current = usable(latest)
        if (current !== undefined) return current
        // The old session is dropped, not kept as a fallback: the new credentials are what the owner wants,
        // and a refused login then says so on every call instead of hiding behind a session that still works.
        const stale = session
        session = undefined
        if (stale !== undefined) yield* Effect.logInfo("avi credentials changed, logging in with the new ones")
        return yield* login(yield* currentVersion, latest)
      }))
    })

    /** Logs in again unless another fiber already replaced the session that was refused. */
    const relogin = (stale: number): Effect.Effect<Session, AviError> =>
      loginLock.withPermits(1)(
        Effect.suspend(() =>
          session !== undefined && session.generation !== stale
            ? Effect.succeed(session)
            : Effect.logInfo("avi session refused, logging in again").pipe(
              Effect.zipRight(recordRelogin),
              Effect.zipRight(Effect.flatMap(Effect.zip(currentVersion, config.login), ([v, l]) => login(v, l)))
            )
        )
      )

    // The transport hands back the same object for a repeated Set-Cookie: once merged into this session's
    // generation, merging it again changes nothing.
    let adopted: { readonly generation: number; readonly cookies: Cookies.Cookies } | undefined
    const adoptCookies = (generation: number, cookies: Cookies.Cookies): void => {
      if (Cookies.isEmpty(cookies) || (adopted?.generation === generation && adopted.cookies === cookies)) return
      if (session === undefined || session.generation !== generation) return
      adopted = { generation, cookies }
      session = { ...session, cookies: Cookies.merge(session.cookies, cookies) }
    }

    /** Retries Transient failures within the budget; what is left becomes AviUnavailable. */
    const retryTransient = <A>(
      effect: Effect.Effect<A, Transient | Timeout | AviError>,
      context: { readonly method: string; readonly path: string }
    ): Effect.Effect<A, AviError> =>
      Effect.suspend(() => {
        let attempts = 1
        // Schedule.exponential(retryBase, 2), jittered (x0.8-1.2) and at most `retries` times, written out: a
        // Schedule driver per call cost more fiber steps than the exchange itself, for calls that seldom fail. One
        // handler for every failure, so a call that succeeds passes a single frame.
        const recover = (error: Transient | Timeout | AviError): Effect.Effect<A, AviError> => {
          switch (error._tag) {
            case "Transient": {
              const log = Effect.logDebug("avi request failed, retrying").pipe(
                Effect.annotateLogs({ ...context, status: error.status ?? error.reason, attempt: attempts })
              )
              if (attempts > config.retries) {
                return Effect.zipRight(
                  log,
                  Effect.fail(
                    new AviUnavailable({
                      ...context,
                      message: error.message,
                      status: error.status,
                      reason: error.reason,
                      attempts
                    })
                  )
                )
              }
              const base = Duration.toMillis(config.retryBase) * 2 ** (attempts - 1)
              return log.pipe(
                Effect.zipRight(Random.next),
                Effect.flatMap((random) => Effect.sleep(Duration.millis(base * (0.8 + 0.4 * random)))),
                Effect.zipRight(Effect.suspend(() => {
                  attempts++
                  return Effect.catchAll(effect, recover)
                }))
              )
            }
            case "Timeout":
              return Effect.fail(
                new AviUnavailable({
                  ...context,
                  message: `no answer within ${Duration.format(config.requestTimeout)}`,
                  status: undefined,
                  reason: "timeout",
                  attempts
                })
              )
            default:
              return Effect.fail(error)
          }
        }
        return Effect.catchAll(effect, recover)
      })

    /** A call with session handling and retries; fails with the typed error unless the answer is 2xx. */
    const send = (call: Call, avVersion: string): Effect.Effect<Exchange, AviError> =>
      Effect.suspend(() => {
        const context = { method: call.method, path: pathOnly(call.target) }
        let relogged = false
        const answered = (
          current: Session,
          result: Exchange
        ): Effect.Effect<Exchange, Transient | Timeout | AviError> => {
          if ((result.status === 401 || result.status === 419) && !relogged) {
            relogged = true
            return relogin(current.generation).pipe(
              Effect.annotateLogs({ ...context, status: result.status }),
              Effect.flatMap((fresh) =>
                Effect.flatMap(
                  exchange(call, headersFor(fresh, call.tenant, avVersion)),
                  (again) => answered(fresh, again)
                )
              )
            )
          }
          adoptCookies(current.generation, result.cookies)
          if (isRetryableStatus(result.status)) {
            return Effect.fail(
              new Transient({
                status: result.status,
                message: controllerMessage(result.body, result.raw).message,
                reason: "status"
              })
            )
          }
          return result.status >= 200 && result.status < 300
            ? Effect.succeed(result)
            : Effect.fail(errorForStatus(context, result.status, result.body, result.raw, 1))
        }
        const attempt = Effect.flatMap(ensureSession, (current) =>
          Effect.flatMap(
            exchange(call, headersFor(current, call.tenant, avVersion)),
            (result) => answered(current, result)
          ))
        return retryTransient(attempt, context)
      })

    const detectVersion: Effect.Effect<string, AviError> = versionLock.withPermits(1)(Effect.suspend(() =>
      version !== undefined ?
        Effect.succeed(version) :
        send({ method: "GET", target: "/api/initial-data", tenant: config.tenant }, BOOTSTRAP_AVI_VERSION).pipe(
          Effect.flatMap((result) =>
            Schema.decodeUnknown(InitialData)(result.body).pipe(
              Effect.map((data) => capVersion(data.version.Version)),
              Effect.flatMap(Option.match({
                onNone: () => Effect.fail("version.Version is not x.y.z"),
                onSome: Effect.succeed
              })),
              Effect.mapError((error) =>
                new AviDecodeError({
                  method: "GET",
                  path: "/api/initial-data",
                  message: typeof error === "string" ? error : ParseResult.TreeFormatter.formatErrorSync(error)
                })
              )
            )
          ),
          Effect.tap((detected) =>
            Effect.sync(() => {
              version = detected
            })
          ),
          Effect.tap((detected) => Effect.logInfo("avi controller version").pipe(Effect.annotateLogs({ detected })))
        )
    ))

    const resolveVersion: Effect.Effect<string, AviError> = Effect.suspend(() =>
      version !== undefined ? Effect.succeed(version) : detectVersion
    )

    const call = (call: Omit<Call, "tenant">, tenant: string): Effect.Effect<Exchange, AviError> =>
      Effect.suspend(() =>
        version !== undefined ?
          send({ ...call, tenant }, version) :
          Effect.flatMap(detectVersion, (avVersion) =>
            send({ ...call, tenant }, avVersion))
      )

    // The stored schemas only check (no field is transformed), so a valid body is returned as JSON.parse made it:
    // Schema's decoded copy of an object with many optional fields is a dictionary-mode object, which held 1.5 KiB
    // more per cached object (60 MiB at 10,000 Services). Decoding runs only to describe an invalid body.
    const decode =
      <K extends AviObjectType>(type: K, method: string, path: string) =>
      (body: unknown): Effect.Effect<AviObject<K>, AviDecodeError> =>
        isStored(type, body) ? Effect.succeed(body) : Schema.decodeUnknown(storedSchema(type))(body).pipe(
          Effect.mapError((error) =>
            new AviDecodeError({ method, path, message: ParseResult.TreeFormatter.formatErrorSync(error) })
          )
        )

    /** Singletons (`/api/systemconfiguration`, `/api/cluster`) answer a collection GET with the bare object. */
    const decodeCollection = (method: string, path: string) => (body: unknown) =>
      Schema.decodeUnknown(Collection)(
        typeof body === "object" && body !== null && !("results" in body) && "uuid" in body ? { results: [body] } : body
      ).pipe(
        Effect.mapError((error) =>
          new AviDecodeError({ method, path, message: ParseResult.TreeFormatter.formatErrorSync(error) })
        )
      )

    /** `next` is an absolute URL naming the controller as it saw itself; keep only path and query. */
    const nextTarget = (next: string): string => {
      const url = new URL(next, config.baseUrl)
      return `${url.pathname.replace(/\/{2,}/g, "/")}${url.search}`
    }

    const view = (tenant: string): AviClientService => {
      const tenantOf = (options: AviCallOptions | undefined) => options?.tenant ?? tenant

      const list = <K extends AviObjectType>(type: K, filters?: AviListFilters, options?: AviCallOptions) => {
        const path = `/api/${type}`
        const first = `${path}${queryString({ include_name: true, page_size: 100, ...filters })}`
        return Stream.paginateChunkEffect(Option.some(first), (target: Option.Option<string>) =>
          Option.match(target, {
            onNone: () => Effect.succeed([Chunk.empty<AviObject<K>>(), Option.none<Option.Option<string>>()] as const),
            onSome: (current) =>
              call({ method: "GET", target: current }, tenantOf(options)).pipe(
                Effect.flatMap((result) => decodeCollection("GET", path)(result.body)),
                Effect.flatMap((page) =>
                  Effect.map(
                    Effect.forEach(page.results, decode(type, "GET", path)),
                    (items) => {
                      const next = page.next === undefined || page.next === null || page.next.length === 0 ||
                          items.length === 0
                        ? Option.none<Option.Option<string>>()
                        : Option.some(Option.some(nextTarget(page.next)))
                      return [Chunk.fromIterable(items), next] as const
                    }
                  )
                )
              )
          }))
      }

      const service: AviClientService = {
        tenant,
        version: resolveVersion,
        get: (type, uuid, options) => {
          const path = `/api/${type}/${encodeURIComponent(uuid)}`
          return call({ method: "GET", target: `${path}?include_name=true` }, tenantOf(options)).pipe(
            Effect.flatMap((result) => decode(type, "GET", path)(result.body))
          )
        },
        findByName: (type, name, options) => {
          const path = `/api/${type}`
          return call(
            { method: "GET", target: `${path}${queryString({ name, include_name: true })}` },
            tenantOf(options)
          )
            .pipe(
              Effect.flatMap((result) => decodeCollection("GET", path)(result.body)),
              Effect.flatMap((page) =>
                page.results.length === 0
                  ? Effect.succeedNone
                  : Effect.asSome(decode(type, "GET", path)(page.results[0]))
              )
            )
        },
        list,
        listAll: (type, filters, options) =>
          Stream.runCollect(list(type, filters, options)).pipe(Effect.map(Chunk.toReadonlyArray)),
        create: (type, body, options) => {
          const path = `/api/${type}`
          return call({ method: "POST", target: path, body }, tenantOf(options)).pipe(
            Effect.flatMap((result) => decode(type, "POST", path)(result.body))
          )
        },
        update: (type, uuid, body, options) => {
          const path = `/api/${type}/${encodeURIComponent(uuid)}`
          return call({ method: "PUT", target: path, body }, tenantOf(options)).pipe(
            Effect.flatMap((result) => decode(type, "PUT", path)(result.body))
          )
        },
        patch: (type, uuid, op: AviPatchOp, body, options) => {
          const path = `/api/${type}/${encodeURIComponent(uuid)}`
          return call({ method: "PATCH", target: path, body: { [op]: body } }, tenantOf(options)).pipe(
            Effect.flatMap((result) => decode(type, "PATCH", path)(result.body))
          )
        },
        delete: (type, uuid, options) =>
          call({ method: "DELETE", target: `/api/${type}/${encodeURIComponent(uuid)}` }, tenantOf(options)).pipe(
            Effect.asVoid,
            Effect.catchIf((error): error is AviNotFound => error._tag === "AviNotFound", () => Effect.void)
          ),
        request: (request: AviRequest) =>
          call(
            { method: request.method, target: `${request.path}${queryString(request.query)}`, body: request.body },
            request.tenant ?? tenant
          ).pipe(Effect.map((result) => result.body)),
        withTenant: (other) => view(other)
      }
      return service
    }

    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        const current = session
        return current === undefined
          ? Effect.void
          : Effect.flatMap(currentVersion, (avVersion) =>
            exchange(
              { method: "POST", target: "/logout", tenant: config.tenant },
              headersFor(current, config.tenant, avVersion)
            )).pipe(
              Effect.timeout("2 seconds"),
              Effect.ignore
            )
      })
    )

    return view(config.tenant)
  })
