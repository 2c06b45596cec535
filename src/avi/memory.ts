/**
 * An in-memory Avi controller behind the AviClientService interface, for tests of the modules that use the
 * client (level 2 in DESIGN.md). It keeps what a reconciler relies on: `<type>-` uuids, `_last_modified` that
 * changes on every write (412 when a PUT carries a stale one), name uniqueness per type and tenant (409), refs by
 * name resolved to `https://host/api/<type>/<uuid>#<name>` (404 when unresolvable), refusal to delete referenced
 * objects, VIP allocation for VsVips (AviNoFreeIp when the range is spent), and `vh_child_vs_uuid` on parents.
 * It is not a simulator: no HTTP, no sessions, no defaults beyond those.
 */
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { AviError } from "./errors.js"
import { AviConflict, AviNoFreeIp, AviNotFound, AviPreconditionFailed, AviValidationError } from "./errors.js"
import type { AviBody, AviObject, AviObjectType } from "./objects.js"
import { AviTypes, isAviObjectType } from "./objects.js"
import { parse as parseRef } from "./refs.js"
import type { AviCallOptions, AviClientService, AviListFilters, AviPatchOp, AviRequest } from "./service.js"

export interface AviMemoryOptions {
  /** Default tenant of the client. Default `admin`. */
  readonly tenant?: string
  /** Reported by `version` and `/api/initial-data`. Default `22.1.3`. */
  readonly version?: string
  /** Host written into `url` and refs. Default `avi.test`. */
  readonly host?: string
  /**
   * Seed the objects AKO expects on a fresh controller: tenant admin, Default-Cloud (IPAM profile), Default-Group,
   * VRFs global and management, network `vip-network`, systemconfiguration, System-* profiles and monitors.
   * Default true.
   */
  readonly seed?: boolean
  /** First VIP and how many VsVips can get one. Default `10.250.0.1`, 254. */
  readonly vipRange?: { readonly first: string; readonly size: number }
}

export interface AviMemoryCall {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly type: string
  /** uuid, name or path the call addressed. */
  readonly target: string
  readonly tenant: string
  /** `ok`, the error tag, or `interrupted`. */
  readonly outcome: string
}

export interface AviMemoryFault {
  readonly method?: AviMemoryCall["method"]
  readonly type?: string
  /** How many matching calls fail. Default 1. */
  readonly times?: number
  readonly error: AviError
}

type Stored = Record<string, unknown> & { readonly uuid: string; readonly name?: string }

export interface AviMemoryStoreService {
  /** Every stored object of `type`, in all tenants, as the client would return it. */
  readonly objects: <K extends AviObjectType>(type: K) => Effect.Effect<ReadonlyArray<AviObject<K>>>
  /** Stores `body` as if created, bypassing faults and latency (for fixtures). */
  readonly insert: <K extends AviObjectType>(
    type: K,
    body: AviBody<K>,
    tenant?: string
  ) => Effect.Effect<AviObject<K>, AviError>
  /** Calls made through the client, oldest first. */
  readonly calls: Effect.Effect<ReadonlyArray<AviMemoryCall>>
  readonly clearCalls: Effect.Effect<void>
  /** The next matching calls fail with `error` before touching the store. */
  readonly failNext: (fault: AviMemoryFault) => Effect.Effect<void>
  /** Every call waits this long (on the Clock, so TestClock controls it) before it takes effect. */
  readonly setLatency: (latency: Duration.DurationInput) => Effect.Effect<void>
}

export class AviMemoryStore extends Context.Tag("ako-ts/AviMemoryStore")<AviMemoryStore, AviMemoryStoreService>() {}

interface Entry {
  readonly type: string
  readonly tenant: string
  readonly object: Stored
}

/** Types owned by admin and readable from every tenant. */
const SHARED_TYPES = new Set([
  "cloud",
  "network",
  "vrfcontext",
  "serviceenginegroup",
  "ipamdnsproviderprofile",
  "tenant",
  "systemconfiguration",
  "applicationprofile",
  "networkprofile",
  "healthmonitor",
  "sslprofile",
  "analyticsprofile"
])

const modelOf = (type: string): string => isAviObjectType(type) ? AviTypes[type].model : type

const ipToNumber = (ip: string): number => ip.split(".").reduce((acc, part) => acc * 256 + Number.parseInt(part, 10), 0)

const numberToIp = (n: number): string => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".")

const isRefKey = (key: string) => key.endsWith("_ref") || key.endsWith("_refs")

const clone = <A>(value: A): A => structuredClone(value)

export const makeMemory = (
  options: AviMemoryOptions = {}
): Effect.Effect<{ readonly client: AviClientService; readonly store: AviMemoryStoreService }> =>
  Effect.gen(function*() {
    const host = options.host ?? "avi.test"
    const version = options.version ?? "22.1.3"
    const firstVip = ipToNumber(options.vipRange?.first ?? "10.250.0.1")
    const vipCount = options.vipRange?.size ?? 254
    const entries = new Map<string, Entry>()
    const vips = new Map<number, string>()
    let counter = 0
    let lastModified = 0
    const callLog = yield* Ref.make(Chunk.empty<AviMemoryCall>())
    const faults = yield* Ref.make<ReadonlyArray<AviMemoryFault & { remaining: number }>>([])
    const latency = yield* Ref.make(Duration.zero)
    // One writer at a time, as a controller serialises writes to one object store.
    const lock = yield* Effect.makeSemaphore(1)

    const urlOf = (type: string, uuid: string) => `https://${host}/api/${type}/${uuid}`
    const tenantRefOf = (tenant: string) => {
      const entry = findByNameIn("tenant", tenant, "admin")
      return `${urlOf("tenant", entry?.object.uuid ?? tenant)}#${tenant}`
    }
    const newUuid = (type: string, name: string) => {
      // The controller's fixed uuids for its singletons, which AKO's refs and tests expect.
      if (type === "tenant" && name === "admin") return "admin"
      if (type === "systemconfiguration") return "default"
      counter++
      return `${type}-00000000-0000-4000-8000-${counter.toString(16).padStart(12, "0")}`
    }
    const tick = Effect.map(Clock.currentTimeMillis, (millis) => {
      lastModified = Math.max(millis * 1000, lastModified + 1)
      return String(lastModified)
    })

    const visible = (entry: Entry, tenant: string) =>
      tenant === "*" || entry.tenant === tenant || (SHARED_TYPES.has(entry.type) && entry.tenant === "admin")

    const findByNameIn = (type: string, name: string, tenant: string): Entry | undefined => {
      let shared: Entry | undefined
      for (const entry of entries.values()) {
        if (entry.type !== type || entry.object.name !== name) continue
        if (entry.tenant === tenant || tenant === "*") return entry
        if (entry.tenant === "admin") shared = entry
      }
      return shared
    }

    const context = (method: string, path: string) => ({ method, path })

    /** Rewrites every `*_ref`/`*_refs` string to its canonical URL with `#name`. */
    const resolveRefs = (
      value: unknown,
      tenant: string,
      ctx: { method: string; path: string }
    ): Effect.Effect<unknown, AviError> => {
      const resolveOne = (ref: unknown): Effect.Effect<unknown, AviError> => {
        if (typeof ref !== "string" || ref.length === 0) return Effect.succeed(ref)
        const parsed = parseRef(ref)
        if (Option.isNone(parsed)) {
          return Effect.fail(
            new AviValidationError({ ...ctx, message: `Invalid reference ${ref}`, objName: undefined })
          )
        }
        const { name, type, uuid } = parsed.value
        const target = uuid !== undefined
          ? Option.fromNullable(entries.get(uuid)).pipe(Option.filter((entry) => entry.type === type))
          : Option.fromNullable(name === undefined ? undefined : findByNameIn(type, name, tenant))
        return Option.match(target, {
          onNone: () => Effect.fail(new AviNotFound({ ...ctx, message: `${modelOf(type)} object not found!` })),
          onSome: (entry) => Effect.succeed(`${urlOf(type, entry.object.uuid)}#${entry.object.name ?? ""}`)
        })
      }
      const walk = (node: unknown, key: string | undefined): Effect.Effect<unknown, AviError> => {
        if (Array.isArray(node)) {
          return Effect.forEach(
            node,
            (item) => key !== undefined && isRefKey(key) ? resolveOne(item) : walk(item, undefined)
          )
        }
        if (typeof node === "object" && node !== null) {
          return Effect.map(
            Effect.forEach(
              Object.entries(node),
              ([k, v]) => Effect.map(walk(v, k), (resolved) => [k, resolved] as const)
            ),
            (pairs) => Object.fromEntries(pairs)
          )
        }
        return key !== undefined && isRefKey(key) ? resolveOne(node) : Effect.succeed(node)
      }
      return walk(value, undefined)
    }

    const referrers = (uuid: string): ReadonlyArray<Entry> => {
      const needle = `/${uuid}#`
      return [...entries.values()].filter((entry) =>
        entry.object.uuid !== uuid && JSON.stringify(entry.object).includes(needle)
      )
    }

    const allocateVips = (
      uuid: string,
      body: Record<string, unknown>,
      previous: Stored | undefined,
      ctx: { method: string; path: string }
    ): Effect.Effect<Record<string, unknown>, AviError> =>
      Effect.suspend(() => {
        const vip = body["vip"]
        if (!Array.isArray(vip)) return Effect.succeed(body)
        const previousVips = Array.isArray(previous?.["vip"]) ? previous["vip"] as Array<Record<string, unknown>> : []
        const out: Array<unknown> = []
        for (const [index, entry] of vip.entries()) {
          const item = { ...(entry as Record<string, unknown>) }
          const vipId = String(item["vip_id"] ?? index)
          const prior = previousVips.find((p) => String(p["vip_id"] ?? "") === vipId)
          if (item["auto_allocate_ip"] === true && item["ip_address"] === undefined) {
            if (prior?.["ip_address"] !== undefined) {
              item["ip_address"] = prior["ip_address"]
            } else {
              let free: number | undefined
              for (let i = 0; i < vipCount; i++) {
                if (!vips.has(firstVip + i)) {
                  free = firstVip + i
                  break
                }
              }
              if (free === undefined) {
                return Effect.fail(new AviNoFreeIp({ ...ctx, message: "No available free IPs" }))
              }
              vips.set(free, uuid)
              item["ip_address"] = { addr: numberToIp(free), type: "V4" }
              item["avi_allocated_vip"] = true
            }
            item["vip_id"] = vipId
          }
          out.push(item)
        }
        return Effect.succeed({ ...body, vip: out })
      })

    const releaseVips = (uuid: string) => {
      for (const [ip, owner] of vips) if (owner === uuid) vips.delete(ip)
    }

    /** Parents list their children's uuids (AKO reads `vh_child_vs_uuid` at boot). */
    const refreshVhChildren = () => {
      const children = new Map<string, Array<string>>()
      for (const entry of entries.values()) {
        if (entry.type !== "virtualservice") continue
        const parent = entry.object["vh_parent_vs_ref"]
        if (typeof parent !== "string" || parent.length === 0) continue
        const parentUuid = Option.getOrUndefined(Option.flatMap(parseRef(parent), (p) => Option.fromNullable(p.uuid)))
        if (parentUuid !== undefined) children.set(parentUuid, [...(children.get(parentUuid) ?? []), entry.object.uuid])
      }
      for (const entry of entries.values()) {
        if (entry.type !== "virtualservice" || entry.object["type"] !== "VS_TYPE_VH_PARENT") continue
        const list = children.get(entry.object.uuid) ?? []
        entries.set(entry.object.uuid, { ...entry, object: { ...entry.object, vh_child_vs_uuid: list } })
      }
    }

    const store = (
      type: string,
      tenant: string,
      body: Record<string, unknown>,
      existing: Entry | undefined,
      method: "POST" | "PUT" | "PATCH"
    ): Effect.Effect<Stored, AviError> =>
      Effect.gen(function*() {
        const path = existing === undefined ? `/api/${type}` : `/api/${type}/${existing.object.uuid}`
        const ctx = context(method, path)
        const name = body["name"]
        if (typeof name !== "string" || name.length === 0) {
          return yield* new AviValidationError({ ...ctx, message: "name: This field is required.", objName: undefined })
        }
        const owningTenant = existing?.tenant ?? tenantOfBody(body, tenant)
        const clash = findByNameIn(type, name, owningTenant)
        if (clash !== undefined && clash.tenant === owningTenant && clash.object.uuid !== existing?.object.uuid) {
          return yield* new AviConflict({
            ...ctx,
            message: `${modelOf(type)} with this Name and Tenant ref already exists.`
          })
        }
        if (
          existing !== undefined && method === "PUT" && body["_last_modified"] !== undefined &&
          body["_last_modified"] !== existing.object["_last_modified"]
        ) {
          return yield* new AviPreconditionFailed({
            ...ctx,
            message: `Need to reload object data ${modelOf(type)}: _last_modified is stale`
          })
        }
        const uuid = existing?.object.uuid ?? newUuid(type, name)
        const { tenant_ref: _ignored, ...rest } = body
        const resolved = {
          ...(yield* resolveRefs(rest, owningTenant, ctx)) as Record<string, unknown>,
          tenant_ref: tenantRefOf(owningTenant)
        }
        const withVips = type === "vsvip" ? yield* allocateVips(uuid, resolved, existing?.object, ctx) : resolved
        const object: Stored = {
          ...withVips,
          uuid,
          name,
          url: `${urlOf(type, uuid)}#${name}`,
          _last_modified: yield* tick
        }
        entries.set(uuid, { type, tenant: owningTenant, object })
        if (type === "virtualservice") refreshVhChildren()
        return clone(entries.get(uuid)!.object)
      })

    /** A body naming a tenant by ref wins over the header, as on the controller. */
    const tenantOfBody = (body: Record<string, unknown>, tenant: string): string => {
      const ref = body["tenant_ref"]
      if (typeof ref !== "string" || ref.length === 0) return tenant === "*" ? "admin" : tenant
      const parsed = Option.getOrUndefined(parseRef(ref))
      if (parsed?.name !== undefined) return parsed.name
      if (parsed?.uuid !== undefined) return entries.get(parsed.uuid)?.object.name ?? parsed.uuid
      return tenant
    }

    const guarded = <A>(
      call: Omit<AviMemoryCall, "outcome">,
      effect: Effect.Effect<A, AviError>
    ): Effect.Effect<A, AviError> =>
      Effect.gen(function*() {
        const delay = yield* Ref.get(latency)
        if (Duration.greaterThan(delay, Duration.zero)) yield* Effect.sleep(delay)
        const fault = yield* Ref.modify(faults, (list) => {
          const index = list.findIndex((f) =>
            (f.method === undefined || f.method === call.method) && (f.type === undefined || f.type === call.type)
          )
          if (index < 0) return [undefined, list] as const
          const hit = list[index]!
          const rest = hit.remaining <= 1
            ? list.filter((_, i) => i !== index)
            : list.map((f, i) => i === index ? { ...f, remaining: f.remaining - 1 } : f)
          return [hit.error, rest] as const
        })
        if (fault !== undefined) return yield* Effect.fail(fault)
        return yield* lock.withPermits(1)(effect)
      }).pipe(
        Effect.onExit((exit) => {
          const outcome = exit._tag === "Success"
            ? "ok"
            : Option.match(Chunk.head(Cause.failures(exit.cause)), {
              onNone: () => "interrupted",
              onSome: (error) => error._tag
            })
          return Ref.update(callLog, Chunk.append({ ...call, outcome }))
        })
      )

    const matchesFilters = (entry: Entry, filters: AviListFilters): boolean => {
      for (const [key, raw] of Object.entries(filters)) {
        if (
          raw === undefined || key === "include_name" || key === "page_size" || key === "page" || key === "label_value"
        ) continue
        const value = String(raw)
        const object = entry.object
        if (key === "name" && object.name !== value) return false
        if (key === "name.contains" && !(object.name ?? "").includes(value)) return false
        if (key === "name.in" && !value.split(",").includes(object.name ?? "")) return false
        if (key === "uuid" && object.uuid !== value) return false
        if (key === "uuid.in" && !value.split(",").includes(object.uuid)) return false
        if (key === "created_by" && object["created_by"] !== value) return false
        if (key === "label_key") {
          const wanted = filters["label_value"]
          const markers = Array.isArray(object["markers"]) ? object["markers"] as ReadonlyArray<unknown> : []
          const carries = markers.some((marker) => {
            const m = marker as { readonly key?: unknown; readonly values?: unknown }
            return m.key === value && (wanted === undefined || (Array.isArray(m.values) && m.values.includes(wanted)))
          })
          if (!carries) return false
        }
        if (key.endsWith("_ref.name")) {
          const ref = object[key.slice(0, -".name".length)]
          const name = typeof ref === "string" ? Option.getOrUndefined(parseRef(ref))?.name : undefined
          if (name !== value) return false
        }
      }
      return true
    }

    const view = (defaultTenant: string): AviClientService => {
      const tenantOf = (options: AviCallOptions | undefined) => options?.tenant ?? defaultTenant
      const listNow = (type: string, filters: AviListFilters, tenant: string) =>
        [...entries.values()]
          .filter((entry) => entry.type === type && visible(entry, tenant) && matchesFilters(entry, filters))
          .map((entry) => clone(entry.object))
      const list = <K extends AviObjectType>(type: K, filters: AviListFilters = {}, options?: AviCallOptions) =>
        Stream.unwrap(
          guarded(
            { method: "GET", type, target: `/api/${type}`, tenant: tenantOf(options) },
            Effect.sync(() => listNow(type, filters, tenantOf(options)) as unknown as ReadonlyArray<AviObject<K>>)
          ).pipe(Effect.map(Stream.fromIterable))
        )

      const service: AviClientService = {
        tenant: defaultTenant,
        version: Effect.succeed(version),
        get: (type, uuid, options) =>
          guarded(
            { method: "GET", type, target: uuid, tenant: tenantOf(options) },
            Effect.suspend(() => {
              const entry = entries.get(uuid)
              return entry === undefined || entry.type !== type
                ? Effect.fail(
                  new AviNotFound({
                    ...context("GET", `/api/${type}/${uuid}`),
                    message: `${modelOf(type)} object not found!`
                  })
                )
                : Effect.succeed(clone(entry.object) as unknown as AviObject<typeof type>)
            })
          ),
        findByName: (type, name, options) =>
          guarded(
            { method: "GET", type, target: name, tenant: tenantOf(options) },
            Effect.sync(() =>
              Option.fromNullable(listNow(type, { name }, tenantOf(options))[0]) as unknown as Option.Option<
                AviObject<typeof type>
              >
            )
          ),
        list,
        listAll: (type, filters, options) =>
          Stream.runCollect(list(type, filters, options)).pipe(Effect.map(Chunk.toReadonlyArray)),
        create: (type, body, options) =>
          guarded(
            { method: "POST", type, target: body.name ?? "", tenant: tenantOf(options) },
            store(type, tenantOf(options), clone(body) as Record<string, unknown>, undefined, "POST")
          ) as Effect.Effect<AviObject<typeof type>, AviError>,
        update: (type, uuid, body, options) =>
          guarded(
            { method: "PUT", type, target: uuid, tenant: tenantOf(options) },
            Effect.suspend(() => {
              const existing = entries.get(uuid)
              return existing === undefined || existing.type !== type
                ? Effect.fail(
                  new AviNotFound({
                    ...context("PUT", `/api/${type}/${uuid}`),
                    message: `${modelOf(type)} object not found!`
                  })
                )
                : store(type, existing.tenant, clone(body) as Record<string, unknown>, existing, "PUT")
            })
          ) as Effect.Effect<AviObject<typeof type>, AviError>,
        patch: (type, uuid, op: AviPatchOp, body, options) =>
          guarded(
            { method: "PATCH", type, target: uuid, tenant: tenantOf(options) },
            Effect.suspend(() => {
              const existing = entries.get(uuid)
              if (existing === undefined || existing.type !== type) {
                return Effect.fail(
                  new AviNotFound({
                    ...context("PATCH", `/api/${type}/${uuid}`),
                    message: `${modelOf(type)} object not found!`
                  })
                )
              }
              const next: Record<string, unknown> = { ...existing.object }
              delete next["_last_modified"]
              for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
                const current = next[key]
                if (op === "replace" || !Array.isArray(current) || !Array.isArray(value)) {
                  if (op === "delete") delete next[key]
                  else next[key] = value
                } else if (op === "add") {
                  next[key] = [...current, ...value]
                } else {
                  const drop = new Set(value.map((item) => JSON.stringify(item)))
                  next[key] = current.filter((item) => !drop.has(JSON.stringify(item)))
                }
              }
              return store(type, existing.tenant, next, existing, "PATCH")
            })
          ) as Effect.Effect<AviObject<typeof type>, AviError>,
        delete: (type, uuid, options) =>
          guarded(
            { method: "DELETE", type, target: uuid, tenant: tenantOf(options) },
            Effect.suspend(() => {
              const existing = entries.get(uuid)
              if (existing === undefined || existing.type !== type) return Effect.void
              const users = referrers(uuid)
              if (users.length > 0) {
                const names = users.map((user) => `'${modelOf(user.type)} ${user.object.name ?? user.object.uuid}'`)
                return Effect.fail(
                  new AviValidationError({
                    ...context("DELETE", `/api/${type}/${uuid}`),
                    message: `Cannot delete, object is referred by: [${names.join(", ")}]`,
                    objName: existing.object.name
                  })
                )
              }
              entries.delete(uuid)
              releaseVips(uuid)
              if (type === "virtualservice") refreshVhChildren()
              return Effect.void
            })
          ),
        request: (request: AviRequest) =>
          guarded(
            {
              method: request.method,
              type: request.path,
              target: request.path,
              tenant: request.tenant ?? defaultTenant
            },
            Effect.suspend(() => {
              const path = request.path.replace(/\/+$/, "")
              switch (path) {
                case "/api/initial-data":
                  return Effect.succeed({ version: { Version: version }, user_initialized: true })
                case "/api/cluster/runtime":
                  return Effect.succeed({
                    cluster_state: { state: "CLUSTER_UP_NO_HA" },
                    node_states: [{ name: "127.0.0.1", role: "CLUSTER_LEADER", up_since: "2026-01-01 00:00:00" }]
                  })
                case "/api/cluster":
                  return Effect.succeed({ uuid: "cluster-00000000-0000-4000-8000-000000000000", name: "cluster-0-1" })
                case "/api/systemconfiguration":
                  return Effect.succeed(
                    [...entries.values()].find((entry) => entry.type === "systemconfiguration")?.object ?? {}
                  )
                case "/api/ipamdnsproviderprofiledomainlist":
                  return Effect.succeed({ domains: ["avi.internal"] })
              }
              // Raw reads of the object types this store knows (reference checks of AKO's CRDs ask this way).
              const objectPath = /^\/api\/([a-z0-9-]+)(?:\/([^/]+))?$/.exec(path)
              const type = objectPath?.[1]
              if (request.method === "GET" && type !== undefined && isAviObjectType(type)) {
                const tenant = request.tenant ?? defaultTenant
                const uuid = objectPath?.[2]
                if (uuid === undefined) {
                  // `fields` trims a controller's answer; the whole object is a superset of it
                  const filters: AviListFilters = Object.fromEntries(
                    Object.entries(request.query ?? {}).filter(([key]) => key !== "fields")
                  )
                  const results = listNow(type, filters, tenant)
                  return Effect.succeed({ count: results.length, results })
                }
                const entry = entries.get(uuid)
                return entry !== undefined && entry.type === type && visible(entry, tenant) ?
                  Effect.succeed(clone(entry.object)) :
                  Effect.fail(
                    new AviNotFound({ ...context("GET", path), message: `${modelOf(type)} object not found!` })
                  )
              }
              return Effect.fail(new AviNotFound({ ...context(request.method, path), message: "Not found." }))
            })
          ),
        withTenant: (tenant) => view(tenant)
      }
      return service
    }

    const insert = <K extends AviObjectType>(type: K, body: AviBody<K>, tenant = "admin") =>
      lock.withPermits(1)(
        store(type, tenant, clone(body) as Record<string, unknown>, undefined, "POST")
      ) as Effect.Effect<
        AviObject<K>,
        AviError
      >

    const memoryStore: AviMemoryStoreService = {
      objects: <K extends AviObjectType>(type: K) =>
        Effect.sync(() =>
          [...entries.values()].filter((entry) => entry.type === type).map((entry) =>
            clone(entry.object)
          ) as unknown as ReadonlyArray<AviObject<K>>
        ),
      insert,
      calls: Effect.map(Ref.get(callLog), Chunk.toReadonlyArray),
      clearCalls: Ref.set(callLog, Chunk.empty()),
      failNext: (fault) => Ref.update(faults, (list) => [...list, { ...fault, remaining: fault.times ?? 1 }]),
      setLatency: (input) => Ref.set(latency, Duration.decode(input))
    }

    if (options.seed ?? true) yield* Effect.orDie(seed(insert))

    return { client: view(options.tenant ?? "admin"), store: memoryStore }
  })

const seed = (
  insert: <K extends AviObjectType>(type: K, body: AviBody<K>, tenant?: string) => Effect.Effect<AviObject<K>, AviError>
) =>
  Effect.gen(function*() {
    yield* insert("tenant", { name: "admin", local: true })
    yield* insert("systemconfiguration", { name: "default", default_license_tier: "ENTERPRISE" })
    yield* insert("vrfcontext", { name: "global", system_default: true, static_routes: [] })
    yield* insert("vrfcontext", { name: "management", system_default: false })
    yield* insert("network", {
      name: "vip-network",
      vrf_context_ref: "/api/vrfcontext?name=global",
      configured_subnets: [{
        prefix: { ip_addr: { addr: "10.250.0.0", type: "V4" }, mask: 24 },
        static_ranges: [{ begin: { addr: "10.250.0.1", type: "V4" }, end: { addr: "10.250.0.254", type: "V4" } }]
      }]
    })
    yield* insert("ipamdnsproviderprofile", {
      name: "ipam-internal",
      type: "IPAMDNS_TYPE_INTERNAL",
      internal_profile: { usable_networks: [{ nw_ref: "/api/network?name=vip-network" }] }
    })
    yield* insert("cloud", {
      name: "Default-Cloud",
      vtype: "CLOUD_NONE",
      ipam_provider_ref: "/api/ipamdnsproviderprofile?name=ipam-internal"
    })
    yield* insert("serviceenginegroup", { name: "Default-Group", cloud_ref: "/api/cloud?name=Default-Cloud" })
    for (const name of ["System-HTTP", "System-Secure-HTTP", "System-L4-Application", "System-SSL-Application"]) {
      yield* insert("applicationprofile", { name })
    }
    for (const name of ["System-TCP-Proxy", "System-TCP-Fast-Path", "System-UDP-Fast-Path", "System-SCTP-Proxy"]) {
      yield* insert("networkprofile", { name })
    }
    for (const name of ["System-TCP", "System-UDP", "System-SCTP", "System-HTTP", "System-HTTPS"]) {
      yield* insert("healthmonitor", { name })
    }
    yield* insert("sslprofile", { name: "System-Standard" })
    yield* insert("analyticsprofile", { name: "System-Analytics-Profile" })
  })
