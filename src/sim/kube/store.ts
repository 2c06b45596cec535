/**
 * The simulator's state: one table per resource type, one global resourceVersion counter and a bounded log of
 * change events from which watches resume. Stored objects are never mutated in place, so an event can share the
 * object it carries and serialize it once for every watcher.
 */
import { randomUUID } from "node:crypto"
import { jsonPatch, mergePatch, type PatchType, strategicMergePatch, TestFailed } from "./patch.js"
import {
  apiVersionOf,
  type KubeObject,
  type ObjectMeta,
  qualifiedResource,
  type Registry,
  resourceKey,
  type ResourceType,
  storageApiVersion
} from "./registry.js"
import { matches, matchesFields, type Selector } from "./selectors.js"
import {
  alreadyExists,
  type ApiError,
  badRequest,
  conflict,
  expired,
  invalid,
  namespaceNotFound,
  notFound
} from "./status.js"
import {
  annotationProblems,
  type FieldError,
  formatTime,
  invalid as fieldInvalid,
  labelProblems,
  nameProblems
} from "./validation.js"

export type EventType = "ADDED" | "MODIFIED" | "DELETED"

export interface StoreEvent {
  readonly resourceVersion: number
  readonly key: string
  readonly type: EventType
  readonly object: KubeObject
  /** The object before the change, so selector-filtered watches can turn a MODIFIED into ADDED or DELETED. */
  readonly previous: KubeObject | undefined
}

export interface ListOptions {
  readonly labelSelector?: Selector
  readonly fieldSelector?: Selector
  readonly limit?: number
  readonly continue?: string
}

export interface ListResult {
  readonly items: ReadonlyArray<KubeObject>
  readonly resourceVersion: string
  readonly continue?: string
  readonly remainingItemCount?: number
}

export interface WriteOptions {
  /** Direct (non-HTTP) writes may seed `status` on create; HTTP creates reset it as the real server does. */
  readonly keepStatus?: boolean
  readonly dryRun?: boolean
  /** fieldValidation=Strict: fields the type's schema does not declare fail the request instead of being dropped. */
  readonly strict?: boolean
}

export interface DeleteOptions {
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string }
  readonly dryRun?: boolean
}

export type DeleteOutcome =
  | { readonly _tag: "Deleted"; readonly object: KubeObject }
  | { readonly _tag: "Pending"; readonly object: KubeObject }

const target = (type: ResourceType) => ({ group: type.group, resource: type.plural })

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`

const metaOf = (object: KubeObject): ObjectMeta => (object.metadata ?? {}) as ObjectMeta

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** Structural equality that ignores key order, since clients re-serialize objects in their own field order. */
const same = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => same(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined)
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined)
    return keysA.length === keysB.length && keysA.every((k) => same(a[k], b[k]))
  }
  return false
}

const randomSuffix = () => {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789"
  let out = ""
  for (let i = 0; i < 5; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)]
  return out
}

/** The continue token is opaque to clients; it carries the last key returned. */
const encodeContinue = (lastKey: string, resourceVersion: number) =>
  Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: resourceVersion, start: lastKey })).toString("base64url")

const decodeContinue = (token: string): { rv: number; start: string } => {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown
    if (isObject(parsed) && typeof parsed["start"] === "string" && typeof parsed["rv"] === "number") {
      return { rv: parsed["rv"], start: parsed["start"] }
    }
  } catch {
    // fall through to the same error as the real server
  }
  throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
}

/**
 * What the CustomResourceDefinition machinery needs to hear from the store. Both run only for real (not dry-run)
 * writes; `removing` runs before the object's own DELETED event is recorded, so anything it deletes is recorded
 * first and the event log stays in resourceVersion order.
 */
export interface StoreHooks {
  readonly removing?: (type: ResourceType, object: KubeObject) => void
  readonly committed?: (type: ResourceType, eventType: EventType, object: KubeObject) => void
}

/** The top-level fields a type's generation follows; `*` is every field but metadata (and a status subresource). */
const generationFieldsOf = (type: ResourceType, current: KubeObject, next: KubeObject): ReadonlyArray<string> => {
  const fields = type.generationFields ?? []
  if (!fields.includes("*")) return fields
  const ignored = new Set(["apiVersion", "kind", "metadata", ...(type.hasStatus ? ["status"] : [])])
  return [...new Set([...Object.keys(current), ...Object.keys(next)])].filter((f) => !ignored.has(f))
}

export interface StoreOptions {
  readonly registry: Registry
  /** Events retained for watch resumption; older resourceVersions get 410 Gone. */
  readonly watchWindow: number
  readonly now?: () => number
}

export class Store {
  readonly registry: Registry
  private readonly tables = new Map<string, Map<string, KubeObject>>()
  /** Keys in etcd order per table, rebuilt lazily after a create or delete; pages binary-search into it. */
  private readonly sortedKeys = new Map<string, Array<string>>()
  private revision = 0
  private events: Array<StoreEvent> = []
  private compactedRevision = 0
  private readonly listeners = new Set<(event: StoreEvent) => void>()
  private readonly watchWindow: number
  private readonly now: () => number
  private nextClusterIp = 1
  private nextNodePort = 0
  private hooks: StoreHooks = {}

  constructor(options: StoreOptions) {
    this.registry = options.registry
    this.watchWindow = Math.max(1, options.watchWindow)
    this.now = options.now ?? Date.now
    for (const type of this.registry.types) this.tables.set(resourceKey(type), new Map())
  }

  setHooks(hooks: StoreHooks): void {
    this.hooks = hooks
  }

  get resourceVersion(): number {
    return this.revision
  }

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumable(): number {
    return this.compactedRevision
  }

  /** Tables appear with their first use, since custom resource types are registered at run time. */
  private table(type: ResourceType): Map<string, KubeObject> {
    const key = resourceKey(type)
    let table = this.tables.get(key)
    if (table === undefined) {
      table = new Map()
      this.tables.set(key, table)
    }
    return table
  }

  /** Forgets a custom resource's table once its definition is gone (its objects were deleted first). */
  dropTable(type: Pick<ResourceType, "group" | "plural">): void {
    this.tables.delete(resourceKey(type))
    this.sortedKeys.delete(resourceKey(type))
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Drops every retained event: watches from any resourceVersion before now get 410 Gone. */
  compact(): void {
    this.events = []
    this.compactedRevision = this.revision
  }

  /**
   * Events after `since` for one resource type, or an ApiError (410 Expired) when some of them were already
   * dropped from the window.
   */
  eventsSince(type: ResourceType, since: number): ReadonlyArray<StoreEvent> | ApiError {
    if (since < this.compactedRevision) {
      return expired(`too old resource version: ${since} (${this.compactedRevision + 1})`)
    }
    const key = resourceKey(type)
    let low = 0
    let high = this.events.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.events[mid]!.resourceVersion <= since) low = mid + 1
      else high = mid
    }
    return this.events.slice(low).filter((e) => e.key === key)
  }

  private record(type: ResourceType, eventType: EventType, object: KubeObject, previous: KubeObject | undefined) {
    const event: StoreEvent = {
      resourceVersion: this.revision,
      key: resourceKey(type),
      type: eventType,
      object,
      previous
    }
    this.events.push(event)
    if (this.events.length > this.watchWindow * 2) {
      const dropped = this.events.length - this.watchWindow
      this.compactedRevision = this.events[dropped - 1]!.resourceVersion
      this.events = this.events.slice(dropped)
    }
    for (const listener of this.listeners) listener(event)
    this.hooks.committed?.(type, eventType, object)
  }

  private requireNamespace(type: ResourceType, namespace: string | undefined): string | undefined {
    if (!type.namespaced) return undefined
    if (namespace === undefined || namespace === "") {
      throw badRequest("an empty namespace may not be set during creation")
    }
    const namespaces = this.registry.resolve("v1/Namespace")
    if (namespaces && !this.table(namespaces).has(keyOf(undefined, namespace))) throw namespaceNotFound(namespace)
    return namespace
  }

  private checkCommon(type: ResourceType, object: KubeObject, name: string): void {
    const decodeError = type.decode(object)
    if (decodeError !== undefined) throw badRequest(decodeError.message)
    const meta = metaOf(object)
    const errors: Array<FieldError> = []
    for (const problem of nameProblems(name, type.nameRule)) errors.push(fieldInvalid("metadata.name", name, problem))
    errors.push(...labelProblems(meta.labels))
    errors.push(...annotationProblems(meta.annotations))
    errors.push(...type.validate(object))
    if (errors.length > 0) throw invalid(type, name, errors)
  }

  /**
   * Service defaulting and allocation as the real registry does it: type and sessionAffinity defaults, a cluster IP,
   * node ports for NodePort/LoadBalancer services (AKO's NodePort mode reads them). On update, omitted cluster IPs
   * and node ports keep their allocated values.
   */
  private applyDefaults(type: ResourceType, input: KubeObject, previous?: KubeObject): KubeObject {
    const object = type.defaults(input)
    if (type.group !== "" || type.kind !== "Service") return object
    const spec: Record<string, unknown> = isObject(object["spec"]) ? { ...object["spec"] } : {}
    const before: Record<string, unknown> = previous !== undefined && isObject(previous["spec"]) ? previous["spec"] : {}
    spec["type"] ??= "ClusterIP"
    spec["sessionAffinity"] ??= "None"
    if (spec["type"] !== "ExternalName" && spec["clusterIP"] === undefined) {
      if (before["clusterIP"] !== undefined) {
        spec["clusterIP"] = before["clusterIP"]
        spec["clusterIPs"] = before["clusterIPs"] ?? [before["clusterIP"]]
      } else {
        const n = this.nextClusterIp++
        spec["clusterIP"] = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`
        spec["clusterIPs"] = [spec["clusterIP"]]
      }
    }
    const needsNodePort = spec["type"] === "NodePort" ||
      (spec["type"] === "LoadBalancer" && spec["allocateLoadBalancerNodePorts"] !== false)
    const previousPorts = Array.isArray(before["ports"]) ? before["ports"].filter(isObject) : []
    if (Array.isArray(spec["ports"])) {
      spec["ports"] = spec["ports"].map((p: unknown) => {
        if (!isObject(p)) return p
        // A zero targetPort (0 or "") means unset: Go clients always send the field, protobuf ones as 0.
        const target = p["targetPort"] === undefined || p["targetPort"] === 0 || p["targetPort"] === ""
          ? p["port"]
          : p["targetPort"]
        const port: Record<string, unknown> = { protocol: "TCP", ...p, targetPort: target }
        if (needsNodePort && port["nodePort"] === undefined) {
          const kept = previousPorts.find((q) =>
            q["port"] === port["port"] && (q["protocol"] ?? "TCP") === port["protocol"]
          )
          port["nodePort"] = kept?.["nodePort"] ?? this.allocateNodePort()
        }
        return port
      })
    }
    return { ...object, spec }
  }

  private allocateNodePort(): number {
    const port = 30000 + (this.nextNodePort % 2768)
    this.nextNodePort++
    return port
  }

  private initialStatus(type: ResourceType): Record<string, unknown> | undefined {
    if (type.group !== "") return undefined
    if (type.kind === "Namespace") return { phase: "Active" }
    if (type.kind === "Pod") return { phase: "Pending" }
    return undefined
  }

  /** The strict decoder's refusal of fields a schema does not declare (only schema-backed types can tell). */
  private checkStrict(type: ResourceType, object: KubeObject, options: WriteOptions): void {
    if (!options.strict || type.unknownFields === undefined) return
    const unknown = type.unknownFields(object)
    if (unknown.length === 0) return
    throw badRequest(
      `${type.kind} in version ${JSON.stringify(type.version)} cannot be handled as a ${type.kind}: strict decoding ` +
        `error: ${unknown.map((path) => `unknown field ${JSON.stringify(path)}`).join(", ")}`
    )
  }

  /** A body for another type than the URL names is refused before anything else, as the real decoder does. */
  private checkTypeMeta(type: ResourceType, body: KubeObject): void {
    if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(type)) {
      throw badRequest(
        `the API version in the data (${body.apiVersion}) does not match the expected API version (${
          apiVersionOf(type)
        })`
      )
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`)
    }
  }

  create(type: ResourceType, namespace: string | undefined, body: KubeObject, options: WriteOptions = {}): KubeObject {
    if (!isObject(body)) throw badRequest("Object 'Kind' is missing in 'null'")
    this.checkTypeMeta(type, body)
    this.checkStrict(type, body, options)
    const meta: ObjectMeta = { ...metaOf(body) }
    if (type.namespaced) {
      const requested = namespace ?? meta.namespace
      if (namespace !== undefined && meta.namespace !== undefined && meta.namespace !== namespace) {
        throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
      }
      meta.namespace = this.requireNamespace(type, requested)!
    } else {
      delete meta.namespace
    }
    let name = meta.name
    if ((name === undefined || name === "") && typeof meta.generateName === "string" && meta.generateName !== "") {
      do name = `${meta.generateName}${randomSuffix()}`
      while (this.table(type).has(keyOf(meta.namespace, name)))
    }
    if (name === undefined || name === "") {
      throw invalid(type, "", [{
        field: "metadata.name",
        type: "FieldValueRequired",
        message: "Required value: name or generateName is required"
      }])
    }
    meta.name = name
    const candidate: KubeObject = this.applyDefaults(type, { ...body, metadata: meta })
    this.checkCommon(type, candidate, name)
    const table = this.table(type)
    const key = keyOf(meta.namespace, name)
    if (table.has(key)) throw alreadyExists(target(type), name)
    if (options.dryRun) return candidate
    const status = options.keepStatus && body["status"] !== undefined ? body["status"] : this.initialStatus(type)
    this.revision++
    const stored: KubeObject = {
      ...candidate,
      apiVersion: storageApiVersion(type),
      kind: type.kind,
      metadata: {
        ...meta,
        uid: randomUUID(),
        resourceVersion: String(this.revision),
        creationTimestamp: formatTime(this.now()),
        ...(type.generationFields === undefined ? {} : { generation: 1 })
      }
    }
    delete stored.metadata!.deletionTimestamp
    delete stored.metadata!.deletionGracePeriodSeconds
    if (type.hasStatus || status !== undefined) {
      if (status === undefined) delete stored["status"]
      else stored["status"] = status
    }
    const prepared = type.prepare === undefined ? stored : type.prepare(stored, undefined, this.now())
    table.set(key, prepared)
    this.sortedKeys.delete(resourceKey(type))
    this.record(type, "ADDED", prepared, undefined)
    return prepared
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.table(type).get(keyOf(type.namespaced ? namespace : undefined, name))
    if (found === undefined) throw notFound(target(type), name)
    return found
  }

  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.table(type).get(keyOf(type.namespaced ? namespace : undefined, name))
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const labelSelector = options.labelSelector ?? []
    const fieldSelector = options.fieldSelector ?? []
    const start = options.continue === undefined || options.continue === ""
      ? undefined
      : decodeContinue(options.continue)
    if (start !== undefined && start.rv < this.compactedRevision) {
      throw expired(
        "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
          "without the continue parameter, or use the continue token in this response to retrieve the remainder of " +
          "the results. Continuing with the provided token results in an inconsistent list - objects that were " +
          "created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
      )
    }
    // Keys sort as etcd's do (namespace/name), so pages are stable across calls.
    const keys = this.keysInOrder(type)
    let first = 0
    if (start !== undefined) {
      let high = keys.length
      while (first < high) {
        const mid = (first + high) >>> 1
        if (keys[mid]! <= start.start) first = mid + 1
        else high = mid
      }
    }
    const prefix = namespace !== undefined && type.namespaced ? `${namespace}/` : undefined
    const selected: Array<[string, KubeObject]> = []
    for (let i = first; i < keys.length; i++) {
      const key = keys[i]!
      if (prefix !== undefined && !key.startsWith(prefix)) continue
      const object = this.table(type).get(key)!
      const meta = metaOf(object)
      if (namespace !== undefined && type.namespaced && meta.namespace !== namespace) continue
      if (!matches(labelSelector, meta.labels)) continue
      if (!matchesFields(fieldSelector, type.fieldLabels, object)) continue
      selected.push([key, object])
    }
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : undefined
    const listRevision = start?.rv ?? this.revision
    if (limit === undefined || selected.length <= limit) {
      return { items: selected.map(([, o]) => o), resourceVersion: String(this.revision) }
    }
    const page = selected.slice(0, limit)
    return {
      items: page.map(([, o]) => o),
      resourceVersion: String(this.revision),
      continue: encodeContinue(page[page.length - 1]![0], listRevision),
      remainingItemCount: selected.length - limit
    }
  }

  private keysInOrder(type: ResourceType): Array<string> {
    const key = resourceKey(type)
    let keys = this.sortedKeys.get(key)
    if (keys === undefined) {
      keys = [...this.table(type).keys()].sort()
      this.sortedKeys.set(key, keys)
    }
    return keys
  }

  /** Full update of the main resource (PUT); `status` in the body is ignored when the type has a status subresource. */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    subresource: "status" | undefined,
    options: WriteOptions = {}
  ): KubeObject {
    if (!isObject(body)) throw badRequest("Object 'Kind' is missing in 'null'")
    this.checkTypeMeta(type, body)
    this.checkStrict(type, body, options)
    const current = this.get(type, namespace, name)
    const bodyMeta = metaOf(body)
    if (bodyMeta.name !== undefined && bodyMeta.name !== name) {
      throw badRequest(`the name of the object (${bodyMeta.name}) does not match the name on the URL (${name})`)
    }
    if (type.namespaced && bodyMeta.namespace !== undefined && bodyMeta.namespace !== namespace) {
      throw badRequest("the namespace of the provided object does not match the namespace sent on the request")
    }
    const requested = bodyMeta.resourceVersion
    if (requested !== undefined && requested !== "" && requested !== metaOf(current).resourceVersion) {
      throw conflict(target(type), name)
    }
    if (bodyMeta.uid !== undefined && bodyMeta.uid !== "" && bodyMeta.uid !== metaOf(current).uid) {
      throw conflict(target(type), name)
    }
    return this.commitUpdate(type, current, this.merged(type, current, body, subresource, options), options)
  }

  /** The object a write would store: server-owned metadata kept, and spec or status taken per subresource. */
  private merged(
    type: ResourceType,
    current: KubeObject,
    body: KubeObject,
    subresource: "status" | undefined,
    options: WriteOptions
  ): KubeObject {
    const currentMeta = metaOf(current)
    if (subresource === "status") {
      // Status writes change only status; metadata and spec stay as stored.
      const next: KubeObject = { ...current }
      if (body["status"] === undefined) delete next["status"]
      else next["status"] = body["status"]
      return this.applyDefaults(type, next, current)
    }
    const bodyMeta = metaOf(body)
    const meta: ObjectMeta = {
      ...bodyMeta,
      name: currentMeta.name!,
      uid: currentMeta.uid!,
      resourceVersion: currentMeta.resourceVersion!,
      creationTimestamp: currentMeta.creationTimestamp!
    }
    if (currentMeta.namespace === undefined) delete meta.namespace
    else meta.namespace = currentMeta.namespace
    if (currentMeta.generation === undefined) delete meta.generation
    else meta.generation = currentMeta.generation
    if (currentMeta.deletionTimestamp === undefined) delete meta.deletionTimestamp
    else meta.deletionTimestamp = currentMeta.deletionTimestamp
    if (currentMeta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds
    else meta.deletionGracePeriodSeconds = currentMeta.deletionGracePeriodSeconds
    const next: KubeObject = this.applyDefaults(type, { ...body, metadata: meta }, current)
    next.apiVersion = storageApiVersion(type)
    next.kind = type.kind
    if (type.hasStatus && !options.keepStatus) {
      if (current["status"] === undefined) delete next["status"]
      else next["status"] = current["status"]
    }
    return next
  }

  private commitUpdate(type: ResourceType, current: KubeObject, next: KubeObject, options: WriteOptions): KubeObject {
    const currentMeta = metaOf(current)
    const nextMeta: ObjectMeta = { ...metaOf(next) }
    const name = currentMeta.name!
    this.checkCommon(type, { ...next, metadata: nextMeta }, name)
    if (currentMeta.deletionTimestamp !== undefined) {
      const before = new Set(currentMeta.finalizers ?? [])
      const added = (nextMeta.finalizers ?? []).filter((f) => !before.has(f))
      if (added.length > 0) {
        throw invalid(type, name, [{
          field: "metadata.finalizers",
          type: "FieldValueForbidden",
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${
            JSON.stringify(added)
          }`
        }])
      }
    }
    if (type.generationFields !== undefined) {
      const changed = generationFieldsOf(type, current, next).some((f) => !same(current[f], next[f]))
      nextMeta.generation = (currentMeta.generation ?? 1) + (changed ? 1 : 0)
    }
    const unprepared: KubeObject = { ...next, metadata: nextMeta }
    const candidate = type.prepare === undefined ? unprepared : type.prepare(unprepared, current, this.now())
    // The real server skips the write (and keeps the resourceVersion) when nothing changed.
    if (same(candidate, current)) return current
    if (options.dryRun) return candidate
    const table = this.table(type)
    const key = keyOf(currentMeta.namespace, name)
    const removed = nextMeta.deletionTimestamp !== undefined && (nextMeta.finalizers ?? []).length === 0
    if (removed) this.hooks.removing?.(type, candidate)
    this.revision++
    candidate.metadata = { ...metaOf(candidate), resourceVersion: String(this.revision) }
    if (removed) {
      table.delete(key)
      this.sortedKeys.delete(resourceKey(type))
      this.record(type, "DELETED", candidate, current)
      return candidate
    }
    table.set(key, candidate)
    this.record(type, "MODIFIED", candidate, current)
    return candidate
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    patch: unknown,
    subresource: "status" | undefined,
    options: WriteOptions = {}
  ): KubeObject {
    const current = this.find(type, namespace, name)
    if (current === undefined) {
      if (patchType === "apply" && subresource === undefined && isObject(patch)) {
        return this.create(type, namespace, { ...patch, metadata: { ...metaOf(patch), name } }, options)
      }
      throw notFound(target(type), name)
    }
    let patched: unknown
    try {
      // Custom resources have no merge keys: an applied configuration replaces their lists whole, as the atomic
      // lists of server-side apply do.
      patched = patchType === "json"
        ? jsonPatch(current, patch)
        : patchType === "merge" || (patchType === "apply" && type.custom)
        ? mergePatch(current, patch)
        : strategicMergePatch(current, patch)
    } catch (error) {
      if (error instanceof TestFailed) {
        throw invalid(type, name, [{ field: error.path, type: "FieldValueInvalid", message: error.message }])
      }
      throw error
    }
    if (!isObject(patched)) throw badRequest("the patch produced an object that is not a JSON object")
    this.checkStrict(type, patched, options)
    const patchedMeta = metaOf(patched)
    const requested = patchedMeta.resourceVersion
    if (requested !== undefined && requested !== "" && requested !== metaOf(current).resourceVersion) {
      throw conflict(target(type), name)
    }
    if (patchedMeta.name !== undefined && patchedMeta.name !== name) {
      throw badRequest(`the name of the object (${patchedMeta.name}) does not match the name on the URL (${name})`)
    }
    return this.commitUpdate(type, current, this.merged(type, current, patched, subresource, options), options)
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): DeleteOutcome {
    const current = this.get(type, namespace, name)
    const meta = metaOf(current)
    const pre = options.preconditions
    if (pre?.uid !== undefined && pre.uid !== meta.uid) {
      throw conflict(target(type), name)
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(target(type), name)
    }
    if (options.dryRun) return { _tag: "Deleted", object: current }
    const table = this.table(type)
    const key = keyOf(meta.namespace, name)
    if ((meta.finalizers ?? []).length > 0) {
      if (meta.deletionTimestamp !== undefined) return { _tag: "Pending", object: current }
      this.revision++
      const marked: KubeObject = {
        ...current,
        metadata: {
          ...meta,
          deletionTimestamp: formatTime(this.now()),
          deletionGracePeriodSeconds: 0,
          resourceVersion: String(this.revision)
        }
      }
      table.set(key, marked)
      this.record(type, "MODIFIED", marked, current)
      return { _tag: "Pending", object: marked }
    }
    if (type.group === "" && type.kind === "Namespace") this.deleteNamespaceContents(name)
    this.hooks.removing?.(type, current)
    this.revision++
    const deleted: KubeObject = { ...current, metadata: { ...meta, resourceVersion: String(this.revision) } }
    table.delete(key)
    this.sortedKeys.delete(resourceKey(type))
    this.record(type, "DELETED", deleted, current)
    return { _tag: "Deleted", object: deleted }
  }

  /** The namespace controller's job, done at once: everything in a deleted namespace goes with it. */
  private deleteNamespaceContents(namespace: string) {
    for (const type of this.registry.types) {
      if (!type.namespaced) continue
      for (const object of this.list(type, namespace).items) {
        const meta = metaOf(object)
        if (meta.finalizers !== undefined && meta.finalizers.length > 0) {
          // Finalizers cannot run here; drop them as a forced cleanup would.
          const current = this.get(type, namespace, meta.name!)
          this.commitUpdate(type, current, { ...current, metadata: { ...metaOf(current), finalizers: [] } }, {})
        }
        if (this.find(type, namespace, meta.name!)) this.delete(type, namespace, meta.name!)
      }
    }
  }

  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    options: ListOptions & DeleteOptions = {}
  ): ReadonlyArray<DeleteOutcome> {
    const { continue: _c, limit: _l, ...filters } = options
    return this.list(type, namespace, filters).items.map((object) =>
      this.delete(type, namespace, metaOf(object).name!, { ...(options.dryRun ? { dryRun: true } : {}) })
    )
  }

  /** Count of stored objects, for diagnostics and benchmarks. */
  size(type?: ResourceType): number {
    if (type !== undefined) return this.table(type).size
    let total = 0
    for (const table of this.tables.values()) total += table.size
    return total
  }

  qualified(type: ResourceType): string {
    return qualifiedResource(type)
  }
}
