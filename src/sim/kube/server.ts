/**
 * The HTTP face of the simulator: authentication, fault injection, request log, routing of the Kubernetes REST
 * paths to the store, watches, discovery and the `/_sim/` admin API.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { asServedVersion } from "./crd.js"
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3Document,
  openApiV3Index,
  versionInfo
} from "./discovery.js"
import { ANY_USER, FaultTable } from "./faults.js"
import { patchTypeOf } from "./patch.js"
import { decodeDeleteOptions, decodeRequestObject, isProtobuf, negotiateResponse } from "./protobuf.js"
import { apiVersionOf, type KubeObject, resourceKey, type ResourceType } from "./registry.js"
import { parseFieldSelector, parseLabelSelector } from "./selectors.js"
import {
  ApiError,
  badRequest,
  expired,
  injected,
  methodNotAllowed,
  pathNotFound,
  type StatusBody,
  unauthorized,
  unsupportedMediaType,
  unsupportedPatchType
} from "./status.js"
import type { DeleteOptions, Store } from "./store.js"
import { table, tableEventObject, wantsTable } from "./table.js"
import { ActiveWatch, type WatchFilter } from "./watch.js"

export interface RequestLogEntry {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection; "get" for discovery. */
  readonly verb: string
  readonly group: string | undefined
  readonly resource: string | undefined
  readonly subresource: string | undefined
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly user: string
  /** HTTP status; 0 when the connection was dropped without an answer (black-hole). null while in flight. */
  code: number | null
  readonly startMs: number
  endMs: number | null
  readonly watch: boolean
}

export interface ServerOptions {
  readonly tokens: Map<string, string>
  /** Oldest entries are dropped beyond this many, so long runs keep bounded memory. */
  readonly requestLogLimit: number
  readonly allowAnonymous: boolean
  readonly bookmarkIntervalMs: number
  readonly serverAddress: () => string
}

interface Route {
  readonly type: ResourceType
  readonly namespace: string | undefined
  readonly name: string | undefined
  readonly subresource: string | undefined
}

interface Held {
  readonly user: string
  readonly request: IncomingMessage
  readonly response: ServerResponse
  readonly entry: RequestLogEntry
}

const json = (response: ServerResponse, code: number, body: unknown) => {
  // Clients that prefer protobuf (kubectl's typed calls) get it for the kinds protobuf.ts knows.
  const encoded = negotiateResponse(response.req.headers.accept, code, body)
  if (encoded !== undefined) {
    response.writeHead(encoded.code, { "Content-Type": encoded.contentType, "Content-Length": encoded.bytes.length })
    response.end(encoded.bytes)
    return
  }
  const text = JSON.stringify(body)
  response.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) })
  response.end(text)
}

const readBytes = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

const readBody = async (request: IncomingMessage): Promise<string> => (await readBytes(request)).toString("utf8")

/** CBOR bodies are not understood (protobuf ones never get here); say so instead of failing to parse them. */
const requireJsonBody = (request: IncomingMessage): void => {
  const contentType = request.headers["content-type"] ?? ""
  if (/protobuf|cbor/i.test(contentType)) throw unsupportedMediaType(contentType)
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
  }
}

/** A create or update body: protobuf (kubectl create sends it) for the kinds protobuf.ts knows, else JSON. */
const readObject = async (request: IncomingMessage, type: ResourceType): Promise<KubeObject> => {
  if (isProtobuf(request.headers["content-type"])) {
    return decodeRequestObject(await readBytes(request), apiVersionOf(type), type.kind)
  }
  requireJsonBody(request)
  return parseJson(await readBody(request)) as KubeObject
}

/** DeleteOptions: client-go's typed clients send them in protobuf, everyone else in JSON or not at all. */
const readDeleteOptions = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
  if (isProtobuf(request.headers["content-type"])) return decodeDeleteOptions(await readBytes(request))
  const text = await readBody(request)
  return text.trim() === "" ? {} : (parseJson(text) as Record<string, unknown>)
}

const withoutTypeMeta = (object: KubeObject): KubeObject => {
  const { apiVersion: _a, kind: _k, ...rest } = object
  return rest
}

export class KubeSimServer {
  readonly faults: FaultTable
  private readonly store: Store
  private readonly options: ServerOptions
  private readonly log: Array<RequestLogEntry> = []
  private readonly watches = new Set<ActiveWatch>()
  private readonly held = new Set<Held>()
  private healTimer: NodeJS.Timeout | undefined

  constructor(store: Store, options: ServerOptions) {
    this.store = store
    this.options = options
    this.faults = new FaultTable(() => this.reevaluatePartitions())
    store.subscribe((event) => {
      for (const watch of this.watches) if (resourceKey(watch.filter.type) === event.key) watch.deliver(event)
    })
    // A deleted CustomResourceDefinition (or a version no longer served) ends the watches on its resource.
    store.registry.onChange(() => {
      for (const watch of [...this.watches]) {
        const type = watch.filter.type
        if (store.registry.byUrl(apiVersionOf(type), type.plural) === undefined) watch.end()
      }
    })
  }

  requestLog(): ReadonlyArray<RequestLogEntry> {
    return this.log.map((entry) => ({ ...entry }))
  }

  clearRequestLog(): void {
    this.log.length = 0
  }

  openWatches(): number {
    return this.watches.size
  }

  /** Ends open watches cleanly (the client sees end of stream), for one user or everyone. */
  cutWatches(user?: string): number {
    let count = 0
    for (const watch of [...this.watches]) {
      if (user === undefined || user === ANY_USER || watch.user === user) {
        watch.end()
        count++
      }
    }
    return count
  }

  /** Sends a 410 ERROR event to open watches, as when a watcher falls out of the server's event window. */
  expireWatches(user?: string): number {
    let count = 0
    for (const watch of [...this.watches]) {
      if (user === undefined || user === ANY_USER || watch.user === user) {
        watch.error(expired(`too old resource version: ${this.store.oldestResumable}`).status)
        count++
      }
    }
    return count
  }

  close(): void {
    if (this.healTimer) clearTimeout(this.healTimer)
    for (const watch of [...this.watches]) watch.destroy()
    for (const held of [...this.held]) this.drop(held)
  }

  /** Applies black-hole changes: partition new victims' watches, drop held requests of healed users. */
  private reevaluatePartitions(): void {
    const now = Date.now()
    for (const watch of [...this.watches]) {
      const blocked = this.faults.isBlackholed(watch.user, now)
      if (blocked) watch.partitioned = true
      else if (watch.partitioned) watch.destroy()
    }
    for (const held of [...this.held]) {
      if (!this.faults.isBlackholed(held.user, now)) this.drop(held)
    }
    if (this.healTimer) clearTimeout(this.healTimer)
    const deadlines = Object.values(this.faults.snapshot())
      .map((f) => f.blackhole?.until)
      .filter((u): u is number => u !== undefined && u > now)
    if (deadlines.length > 0) {
      this.healTimer = setTimeout(() => this.reevaluatePartitions(), Math.min(...deadlines) - now + 1)
      this.healTimer.unref()
    }
  }

  /** A black-holed request never gets an answer: its connection is reset when the partition ends. */
  private drop(held: Held): void {
    this.held.delete(held)
    held.entry.code = 0
    held.entry.endMs = Date.now()
    held.request.socket.destroy()
  }

  private authenticate(request: IncomingMessage): string | undefined {
    const header = request.headers.authorization
    if (header === undefined) return this.options.allowAnonymous ? "system:anonymous" : undefined
    const match = /^Bearer\s+(.+)$/i.exec(header)
    if (!match) return undefined
    return this.options.tokens.get(match[1]!.trim())
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://sim")
    const query = Object.fromEntries(url.searchParams)
    if (url.pathname.startsWith("/_sim/")) {
      void this.handleAdmin(request, response, url).catch((error: unknown) => this.respondError(response, error))
      return
    }
    const user = this.authenticate(request) ?? ""
    const route = this.describe(request.method ?? "GET", url.pathname, query)
    const entry: RequestLogEntry = {
      method: request.method ?? "GET",
      path: url.pathname,
      query,
      ...route,
      user: user === "" ? "system:anonymous" : user,
      code: null,
      startMs: Date.now(),
      endMs: null
    }
    this.log.push(entry)
    if (this.log.length > this.options.requestLogLimit * 1.25) {
      this.log.splice(0, this.log.length - this.options.requestLogLimit)
    }
    response.on("close", () => {
      if (entry.code === null) entry.code = response.headersSent ? response.statusCode : 0
      entry.endMs ??= Date.now()
    })
    response.on("finish", () => {
      entry.code = response.statusCode
      entry.endMs = Date.now()
    })
    if (user === "") {
      json(response, 401, unauthorized().status)
      return
    }
    const faults = this.faults.forUser(user, Date.now())
    if (faults.blackhole !== undefined) {
      const held: Held = { user, request, response, entry }
      this.held.add(held)
      response.on("close", () => this.held.delete(held))
      return
    }
    const proceed = () => {
      if (faults.error !== undefined && Math.random() < faults.error.rate) {
        json(response, faults.error.code, injected(faults.error.code).status)
        return
      }
      void this.serve(request, response, url, user).catch((error: unknown) => this.respondError(response, error))
    }
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) setTimeout(proceed, faults.latencyMs)
    else proceed()
  }

  private respondError(response: ServerResponse, error: unknown): void {
    if (response.headersSent) {
      response.destroy()
      return
    }
    if (error instanceof ApiError) json(response, error.code, error.status)
    else {
      json(
        response,
        500,
        {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `Internal error occurred: ${String(error)}`,
          reason: "InternalError",
          code: 500
        } satisfies StatusBody
      )
    }
  }

  /** Log fields derived from the path alone, so even rejected requests are attributed. */
  private describe(method: string, pathname: string, query: Record<string, string>) {
    let route: Route | undefined
    try {
      route = this.route(pathname)
    } catch {
      route = undefined
    }
    const watch = query["watch"] === "true" || query["watch"] === "1"
    const verb = route === undefined
      ? method.toLowerCase()
      : method === "GET"
      ? route.name === undefined ? (watch ? "watch" : "list") : "get"
      : method === "POST"
      ? "create"
      : method === "PUT"
      ? "update"
      : method === "PATCH"
      ? "patch"
      : method === "DELETE"
      ? route.name === undefined ? "deletecollection" : "delete"
      : method.toLowerCase()
    return {
      verb,
      group: route?.type.group,
      resource: route?.type.plural,
      subresource: route?.subresource,
      namespace: route?.namespace,
      name: route?.name,
      watch
    }
  }

  /** Resource path → route, undefined for non-resource paths; throws 404 for unknown resources. */
  private route(pathname: string): Route | undefined {
    const segments = pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent)
    let apiVersion: string
    let rest: Array<string>
    if (segments[0] === "api" && segments.length >= 2) {
      apiVersion = segments[1]!
      rest = segments.slice(2)
    } else if (segments[0] === "apis" && segments.length >= 3) {
      apiVersion = `${segments[1]}/${segments[2]}`
      rest = segments.slice(3)
    } else {
      return undefined
    }
    if (rest.length === 0) return undefined
    let namespace: string | undefined
    if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
      namespace = rest[1]
      rest = rest.slice(2)
    }
    const type = this.store.registry.byUrl(apiVersion, rest[0]!)
    if (type === undefined || rest.length > 3) throw pathNotFound()
    if (namespace !== undefined && !type.namespaced) throw pathNotFound()
    const subresource = rest[2]
    if (subresource !== undefined && !(subresource === "status" && type.hasStatus)) throw pathNotFound()
    return { type, namespace, name: rest[1], subresource }
  }

  private async serve(request: IncomingMessage, response: ServerResponse, url: URL, user: string): Promise<void> {
    const pathname = url.pathname.replace(/\/+$/, "") || "/"
    const method = request.method ?? "GET"
    const params = url.searchParams
    const nonResource = this.nonResource(pathname)
    if (nonResource !== undefined) {
      if (method !== "GET") throw methodNotAllowed(method)
      json(response, 200, nonResource)
      return
    }
    const route = this.route(pathname)
    if (route === undefined) throw pathNotFound()
    const { type, namespace, name, subresource } = route
    const status = subresource === "status" ? "status" : undefined
    const dryRun = params.getAll("dryRun").includes("All")
    // kubectl sends fieldValidation=Strict by default; unknown fields can only be told for schema-backed types.
    const write = { dryRun, strict: params.get("fieldValidation") === "Strict" }
    switch (method) {
      case "GET": {
        const watching = params.get("watch") === "true" || params.get("watch") === "1"
        const asTable = wantsTable(request.headers.accept)
        if (name !== undefined && !watching) {
          const object = asServedVersion(type, this.store.get(type, namespace, name))
          json(
            response,
            200,
            asTable ? table(type, [object], { resourceVersion: object.metadata?.resourceVersion }, Date.now()) : object
          )
          return
        }
        const labelSelector = parseLabelSelector(params.get("labelSelector") ?? undefined)
        // Watching one object by URL is the deprecated form of a metadata.name field selector.
        const fieldSelector = [
          ...parseFieldSelector(params.get("fieldSelector") ?? undefined, type.fieldLabels),
          ...(name === undefined ? [] : [{ op: "eq" as const, key: "metadata.name", value: name }])
        ]
        if (watching) {
          this.watch(response, user, { type, namespace, labelSelector, fieldSelector }, params, asTable)
          return
        }
        const limit = params.get("limit")
        const result = this.store.list(type, namespace, {
          labelSelector,
          fieldSelector,
          ...(limit === null ? {} : { limit: Number(limit) }),
          ...(params.get("continue") === null ? {} : { continue: params.get("continue")! })
        })
        const listMetadata = {
          resourceVersion: result.resourceVersion,
          ...(result.continue === undefined ? {} : { continue: result.continue }),
          ...(result.remainingItemCount === undefined ? {} : { remainingItemCount: result.remainingItemCount })
        }
        if (asTable) {
          json(response, 200, table(type, result.items, listMetadata, Date.now()))
          return
        }
        json(response, 200, {
          kind: type.listKind,
          apiVersion: apiVersionOf(type),
          metadata: listMetadata,
          // Unstructured (custom resource) lists keep each item's apiVersion and kind; typed lists drop them.
          items: result.items.map((o) => (type.custom ? asServedVersion(type, o) : withoutTypeMeta(o)))
        })
        return
      }
      case "POST": {
        if (name !== undefined || (type.namespaced && namespace === undefined)) throw methodNotAllowed(method)
        const body = await readObject(request, type)
        json(response, 201, asServedVersion(type, this.store.create(type, namespace, body, write)))
        return
      }
      case "PUT": {
        if (name === undefined) throw methodNotAllowed(method)
        const body = await readObject(request, type)
        json(response, 200, asServedVersion(type, this.store.replace(type, namespace, name, body, status, write)))
        return
      }
      case "PATCH": {
        if (name === undefined) throw methodNotAllowed(method)
        const contentType = request.headers["content-type"] ?? ""
        const patchType = patchTypeOf(contentType)
        if (patchType === undefined) throw unsupportedMediaType(contentType)
        if (patchType === "strategic" && type.custom) throw unsupportedPatchType()
        const body = parseJson(await readBody(request))
        const existed = this.store.find(type, namespace, name) !== undefined
        json(
          response,
          existed ? 200 : 201,
          asServedVersion(type, this.store.patch(type, namespace, name, patchType, body, status, write))
        )
        return
      }
      case "DELETE": {
        const options = await readDeleteOptions(request)
        const preconditions = options["preconditions"] as DeleteOptions["preconditions"] | undefined
        const deleteOptions: DeleteOptions = {
          ...(preconditions === undefined ? {} : { preconditions }),
          ...(dryRun || (Array.isArray(options["dryRun"]) && options["dryRun"].includes("All")) ? { dryRun: true } : {})
        }
        if (name === undefined) {
          this.store.deleteCollection(type, namespace, {
            labelSelector: parseLabelSelector(params.get("labelSelector") ?? undefined),
            fieldSelector: parseFieldSelector(params.get("fieldSelector") ?? undefined, type.fieldLabels),
            ...deleteOptions
          })
          json(response, 200, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success" })
          return
        }
        const outcome = this.store.delete(type, namespace, name, deleteOptions)
        json(response, outcome._tag === "Pending" ? 202 : 200, asServedVersion(type, outcome.object))
        return
      }
      default:
        throw methodNotAllowed(method)
    }
  }

  private nonResource(pathname: string): unknown {
    const registry = this.store.registry
    if (pathname === "/version") return versionInfo
    if (pathname === "/healthz" || pathname === "/livez" || pathname === "/readyz") return "ok"
    if (pathname === "/api") return apiVersions(this.options.serverAddress())
    if (pathname === "/apis") return apiGroupList(registry)
    if (pathname === "/openapi/v3") return openApiV3Index(registry)
    if (pathname.startsWith("/openapi/v3/")) {
      return openApiV3Document(registry, pathname.slice("/openapi/v3/".length)) ?? notFoundDoc()
    }
    const segments = pathname.split("/").filter((s) => s.length > 0)
    if (segments[0] === "api" && segments.length === 2) return apiResourceList(registry, segments[1]!) ?? notFoundDoc()
    if (segments[0] === "apis" && segments.length === 2) return apiGroup(registry, segments[1]!) ?? notFoundDoc()
    if (segments[0] === "apis" && segments.length === 3) {
      return apiResourceList(registry, `${segments[1]}/${segments[2]}`) ?? notFoundDoc()
    }
    if (segments[0] !== "api" && segments[0] !== "apis") throw pathNotFound()
    return undefined
  }

  private watch(
    response: ServerResponse,
    user: string,
    filter: WatchFilter,
    params: URLSearchParams,
    asTable: boolean
  ): void {
    const forced = this.faults.takeForceGone(user)
    const requested = params.get("resourceVersion") ?? ""
    if (forced === "connect") {
      throw expired(`too old resource version: ${requested || 0} (${this.store.resourceVersion})`)
    }
    const since = requested === "" || requested === "0" ? undefined : Number(requested)
    if (since !== undefined && !Number.isFinite(since)) {
      throw badRequest(`resourceVersion: Invalid value: "${requested}": must be a non-negative integer`)
    }
    const backlog = since === undefined ? [] : this.store.eventsSince(filter.type, since)
    if (backlog instanceof ApiError) throw backlog
    const type = filter.type
    const render = asTable
      ? (object: KubeObject) => tableEventObject(type, object, Date.now())
      : type.version !== type.storageVersion
      ? (object: KubeObject) => asServedVersion(type, object)
      : undefined
    const watch = new ActiveWatch(user, filter, response, () => this.watches.delete(watch), render)
    watch.start()
    if (forced === "stream") {
      watch.error(expired(`too old resource version: ${requested || 0} (${this.store.resourceVersion})`).status)
      return
    }
    const initialEvents = params.get("sendInitialEvents") === "true"
    if (since === undefined || initialEvents) {
      const { items } = this.store.list(filter.type, filter.namespace, {
        labelSelector: filter.labelSelector,
        fieldSelector: filter.fieldSelector
      })
      for (const object of items) watch.added(asServedVersion(type, object))
      // Streaming lists (WatchList) learn that the initial state is complete from this annotated bookmark.
      if (initialEvents && params.get("allowWatchBookmarks") === "true") {
        watch.bookmark(this.store.resourceVersion, { "k8s.io/initial-events-end": "true" })
      }
    } else {
      for (const event of backlog) watch.deliver(event)
    }
    this.watches.add(watch)
    if (this.faults.isBlackholed(user, Date.now())) watch.partitioned = true
    if (params.get("allowWatchBookmarks") === "true") {
      watch.every(this.options.bookmarkIntervalMs, () => watch.bookmark(this.store.resourceVersion))
    }
    const timeout = Number(params.get("timeoutSeconds") ?? "")
    // Without timeoutSeconds the real server closes after a random 30-60 min; the simulator keeps the stream open.
    if (Number.isFinite(timeout) && timeout > 0) watch.after(timeout * 1000, () => watch.end())
  }

  private async handleAdmin(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, "")
    const method = request.method ?? "GET"
    if (path === "/_sim/requests" && method === "GET") {
      // Optional filters keep polling cheap for tests in other processes: ?user=&verb=&resource=&sinceMs=
      const q = url.searchParams
      const sinceMs = Number(q.get("sinceMs") ?? "0")
      json(
        response,
        200,
        this.requestLog().filter((e) =>
          (q.get("user") === null || e.user === q.get("user")) &&
          (q.get("verb") === null || e.verb === q.get("verb")) &&
          (q.get("resource") === null || e.resource === q.get("resource")) &&
          e.startMs >= sinceMs
        )
      )
      return
    }
    if (path === "/_sim/requests" && method === "DELETE") {
      this.clearRequestLog()
      json(response, 200, { ok: true })
      return
    }
    if (path === "/_sim/faults" && method === "GET") {
      json(response, 200, this.faults.snapshot())
      return
    }
    if (path === "/_sim/faults" && method === "POST") {
      const body = parseJson(await readBody(request)) as AdminFault
      json(response, 200, { ok: true, affected: this.applyAdminFault(body) })
      return
    }
    if (path === "/_sim/compact" && method === "POST") {
      const text = await readBody(request)
      const body = (text.trim() === "" ? {} : parseJson(text)) as { expireOpenWatches?: boolean }
      this.store.compact()
      const affected = body.expireOpenWatches ? this.expireWatches() : 0
      json(response, 200, { ok: true, resourceVersion: this.store.resourceVersion, affected })
      return
    }
    if (path === "/_sim/state" && method === "GET") {
      json(response, 200, {
        resourceVersion: this.store.resourceVersion,
        oldestResumable: this.store.oldestResumable,
        objects: this.store.size(),
        openWatches: this.watches.size
      })
      return
    }
    throw pathNotFound()
  }

  applyAdminFault(body: AdminFault): number {
    const user = body.user ?? ANY_USER
    switch (body.action) {
      case "blackhole":
        this.faults.setBlackhole(user, body.untilMs ?? (body.forMs === undefined ? undefined : Date.now() + body.forMs))
        return 0
      case "latency":
        this.faults.setLatency(user, body.ms ?? 0)
        return 0
      case "errorRate":
        this.faults.setErrorRate(user, body.rate ?? 1, body.code === 500 ? 500 : 503)
        return 0
      case "cutWatches":
        return this.cutWatches(body.user)
      case "expireWatches":
        return this.expireWatches(body.user)
      case "forceGoneOnNextWatch":
        this.faults.setForceGone(user, body.mode ?? "connect")
        return 0
      case "clear":
        this.faults.clear(body.user)
        return 0
      default:
        throw badRequest(`unknown fault action ${JSON.stringify((body as { action?: unknown }).action)}`)
    }
  }
}

/** Body of POST /_sim/faults. `user` omitted = every user. */
export type AdminFault =
  | { readonly action: "blackhole"; readonly user?: string; readonly untilMs?: number; readonly forMs?: number }
  | { readonly action: "latency"; readonly user?: string; readonly ms?: number }
  | { readonly action: "errorRate"; readonly user?: string; readonly rate?: number; readonly code?: 500 | 503 }
  | { readonly action: "cutWatches"; readonly user?: string }
  | { readonly action: "expireWatches"; readonly user?: string }
  | { readonly action: "forceGoneOnNextWatch"; readonly user?: string; readonly mode?: "connect" | "stream" }
  | { readonly action: "clear"; readonly user?: string }

const notFoundDoc = (): never => {
  throw pathNotFound()
}
