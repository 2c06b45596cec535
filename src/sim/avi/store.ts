/**
 * The object store: envelope rules (uuids, `_last_modified`, tenant and cloud), ref resolution to canonical refs,
 * name uniqueness, reverse references (delete refusal, refers_to / referred_by), optimistic concurrency and
 * PATCH semantics, all driven by the type table.
 */
import { randomUUID } from "node:crypto"
import { isRecord } from "./behaviour.js"
import { apiError } from "./errors.js"
import { collectRefs, internalRef, mapRefs, parseRef, refParts } from "./refs.js"
import { type Body, specOf, type StoredObject, type StoreView, type TypeSpec, verboseName } from "./types.js"

export const ADMIN_TENANT = "admin"
/** A request's tenant scope: a tenant uuid, or `*` for every tenant (reads only). */
export type TenantScope = string

export interface RenderOptions {
  /** `https://host:port`, taken from the request so refs point back at the address the client used. */
  readonly base: string
  readonly includeName: boolean
  readonly fields?: ReadonlySet<string> | undefined
}

export interface SnapshotObject {
  readonly type: string
  readonly uuid: string
  readonly tenant: string
  readonly system: boolean
  readonly lastModified: string
  readonly body: Body
  readonly secrets: Record<string, string>
  readonly owner?: string
}

export interface AviSimSnapshot {
  readonly format: "ako-ts-avi-sim/1"
  readonly objects: ReadonlyArray<SnapshotObject>
  /** The controller cluster's uuid, which survives a controller restart. */
  readonly clusterUuid?: string
}

export interface CreateOptions {
  readonly tenant: TenantScope
  readonly slug?: string | undefined
  readonly system?: boolean
  readonly owner?: string
}

const READ_ONLY = ["url", "uuid", "_last_modified"]

const clone = <A>(value: A): A => structuredClone(value)

const str = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

const spec = (type: string): TypeSpec => {
  const found = specOf(type)
  if (!found) throw apiError(404, `Unknown object type ${type}`)
  return found
}

export class AviStore implements StoreView {
  private readonly byType = new Map<string, Map<string, StoredObject>>()
  /** type -> `${tenant}\0${name}` -> uuids */
  private readonly names = new Map<string, Map<string, Set<string>>>()
  private readonly refsOut = new Map<string, Set<string>>()
  private readonly refsIn = new Map<string, Set<string>>()
  private readonly claimed = new Map<string, string>()
  private readonly hints = new Map<string, number>()
  private lastMicros = 0

  constructor(private readonly nowMs: () => number) {}

  // ------------------------------------------------------------ lookups

  objectsOf(type: string): Iterable<StoredObject> {
    return this.byType.get(type)?.values() ?? []
  }

  count(type: string): number {
    return this.byType.get(type)?.size ?? 0
  }

  get(type: string, uuid: string): StoredObject | undefined {
    return this.byType.get(type)?.get(uuid)
  }

  getRef(ref: unknown): StoredObject | undefined {
    if (typeof ref !== "string") return undefined
    const parts = refParts(ref)
    return parts ? this.get(parts.type, parts.uuid) : undefined
  }

  nameOf(ref: string): string | undefined {
    return str(this.getRef(ref)?.body.name)
  }

  visible(obj: StoredObject, scope: TenantScope): boolean {
    return scope === "*" || obj.tenant === scope || (obj.tenant === ADMIN_TENANT && spec(obj.type).shared)
  }

  /** Objects of `type` named `name` visible from `scope`: own tenant first, then admin's shared ones. */
  byName(type: string, name: string, scope: TenantScope, cloudRef?: string): Array<StoredObject> {
    const index = this.names.get(type)
    if (!index) return []
    const pick = (tenant: string) =>
      [...(index.get(`${tenant}\0${name}`) ?? [])].flatMap((uuid) => {
        const obj = this.get(type, uuid)
        return obj ? [obj] : []
      })
    let found: Array<StoredObject>
    if (scope === "*") {
      found = [...index.entries()].filter(([key]) => key.endsWith(`\0${name}`)).flatMap(([key]) =>
        pick(key.slice(0, key.indexOf("\0")))
      )
    } else {
      found = pick(scope)
      if (found.length === 0 && scope !== ADMIN_TENANT && spec(type).shared) found = pick(ADMIN_TENANT)
    }
    if (cloudRef !== undefined && spec(type).nameScope === "tenant-cloud") {
      const sameCloud = found.filter((o) => o.body.cloud_ref === cloudRef)
      if (sameCloud.length > 0) return sameCloud
    }
    return found
  }

  tenantByName(name: string): StoredObject | undefined {
    return this.byName("tenant", name, ADMIN_TENANT)[0]
  }

  referrers(ref: string): Array<StoredObject> {
    return [...(this.refsIn.get(ref) ?? [])].flatMap((r) => {
      const obj = this.getRef(r)
      return obj ? [obj] : []
    })
  }

  referenced(ref: string): Array<StoredObject> {
    return [...(this.refsOut.get(ref) ?? [])].flatMap((r) => {
      const obj = this.getRef(r)
      return obj ? [obj] : []
    })
  }

  ipOwner(addr: string): string | undefined {
    return this.claimed.get(addr)
  }

  allocationHint(network: string): number | undefined {
    return this.hints.get(network)
  }

  setAllocationHint(network: string, next: number): void {
    this.hints.set(network, next)
  }

  childrenOf(uuid: string): ReadonlyArray<string> {
    const ref = internalRef("virtualservice", uuid)
    return this.referrers(ref).filter((o) => o.type === "virtualservice" && o.body.vh_parent_vs_ref === ref).map((o) =>
      o.uuid
    )
  }

  touch(type: string, uuid: string): void {
    const obj = this.get(type, uuid)
    if (obj) obj.lastModified = this.stamp()
  }

  // ------------------------------------------------------------ rendering

  render(obj: StoredObject, options: RenderOptions): Body {
    const suffix = (ref: string) => {
      if (!options.includeName) return ""
      const name = this.nameOf(ref)
      return name === undefined ? "" : `#${name}`
    }
    const selfRef = internalRef(obj.type, obj.uuid)
    const body = mapRefs(obj.body, (ref) => `${options.base}${ref}${suffix(ref)}`) as Body
    const out: Body = { url: `${options.base}${selfRef}${suffix(selfRef)}`, ...body, _last_modified: obj.lastModified }
    spec(obj.type).hooks?.render?.(out, obj, this)
    if (options.fields) {
      for (const key of Object.keys(out)) {
        if (!options.fields.has(key) && key !== "url" && key !== "uuid" && key !== "name") delete out[key]
      }
    }
    return out
  }

  // ------------------------------------------------------------ writes

  create(type: string, input: unknown, options: CreateOptions): StoredObject {
    const s = spec(type)
    const body = this.inputBody(input, s)
    let tenant = options.tenant === "*" || type === "tenant" ? ADMIN_TENANT : options.tenant
    const tenantRef = str(body.tenant_ref)
    if (tenantRef !== undefined && tenantRef !== "" && type !== "tenant") {
      const resolved = this.resolveRef(tenantRef, "tenant_ref", ADMIN_TENANT, undefined)
      tenant = refParts(resolved)!.uuid
    }
    const uuid = options.slug ?? (type === "tenant" && body.name === ADMIN_TENANT
      ? ADMIN_TENANT
      : `${s.uuidPrefix ?? type}-${randomUUID()}`)
    if (this.get(type, uuid)) throw apiError(409, `${verboseName(s.model)} with this Uuid already exists.`)
    const secrets = this.prepare(s, body, tenant, uuid, undefined)
    const obj: StoredObject = {
      type,
      uuid,
      tenant,
      body,
      lastModified: this.stamp(),
      system: options.system ?? false,
      secrets,
      ...(options.owner !== undefined ? { owner: options.owner } : {})
    }
    this.commit(obj, undefined)
    return obj
  }

  /** Full replace (PUT). A `_last_modified` in the body must match the stored one (412 otherwise). */
  replace(type: string, uuid: string, input: unknown, scope: TenantScope): StoredObject {
    const s = spec(type)
    const current = this.writable(type, uuid, scope)
    if (isRecord(input) && typeof input._last_modified === "string" && input._last_modified !== current.lastModified) {
      throw apiError(
        412,
        `Concurrent update error: Need to reload object data ${s.model} ${String(current.body.name ?? uuid)}`
      )
    }
    const body = this.inputBody(input, s)
    const secrets = this.prepare(s, body, current.tenant, uuid, current)
    const next: StoredObject = { ...current, body, secrets, lastModified: this.stamp() }
    this.commit(next, current)
    return next
  }

  /** PATCH with `add` / `replace` / `delete` at depth 1 (avi-api.md §2.3). */
  patch(type: string, uuid: string, input: unknown, scope: TenantScope): StoredObject {
    const s = spec(type)
    const current = this.writable(type, uuid, scope)
    if (!isRecord(input)) throw apiError(400, "PATCH body must be an object with add, replace or delete")
    const ops = Object.keys(input)
    const unknownOp = ops.find((op) => op !== "add" && op !== "replace" && op !== "delete")
    if (unknownOp !== undefined || ops.length === 0) {
      throw apiError(400, `Invalid PATCH operation ${unknownOp ?? "(none)"}; use add, replace or delete`)
    }
    const merged: Body = clone(current.body)
    const cloud = str(current.body.cloud_ref)
    for (const op of ops) {
      const payload = input[op]
      if (!isRecord(payload)) throw apiError(400, `PATCH ${op} must be an object`)
      const canonical = this.canonicalize(clone(payload), current.tenant, cloud)
      for (const [key, value] of Object.entries(canonical)) {
        const existing = merged[key]
        if (op === "add" && Array.isArray(existing) && Array.isArray(value)) {
          merged[key] = [...existing, ...value]
        } else if (op === "delete") {
          if (Array.isArray(existing) && Array.isArray(value)) {
            merged[key] = existing.filter((entry) => !value.some((pattern) => matches(entry, pattern)))
          } else {
            delete merged[key]
          }
        } else {
          merged[key] = value
        }
      }
    }
    const secrets = this.prepare(s, merged, current.tenant, uuid, current)
    const next: StoredObject = { ...current, body: merged, secrets, lastModified: this.stamp() }
    this.commit(next, current)
    return next
  }

  remove(type: string, uuid: string, scope: TenantScope, options: { readonly force?: boolean } = {}): StoredObject {
    const s = spec(type)
    const current = this.writable(type, uuid, scope)
    const name = String(current.body.name ?? uuid)
    if (current.system && !options.force) throw apiError(403, `Cannot delete system default object ${s.model} ${name}`)
    const ref = internalRef(type, uuid)
    const referrers = this.referrers(ref).filter((o) => !(o.type === type && o.uuid === uuid))
    if (referrers.length > 0 && !options.force) {
      const list = referrers.map((o) => `'${spec(o.type).model} ${String(o.body.name ?? o.uuid)}'`).join(", ")
      throw apiError(400, `Cannot delete, object is referred by: [${list}]`, { obj_name: name })
    }
    this.uncommit(current)
    s.hooks?.afterChange?.(current, undefined, this)
    return current
  }

  // ------------------------------------------------------------ snapshot

  snapshot(): AviSimSnapshot {
    const objects: Array<SnapshotObject> = []
    for (const map of this.byType.values()) {
      for (const o of map.values()) {
        objects.push({
          type: o.type,
          uuid: o.uuid,
          tenant: o.tenant,
          system: o.system,
          lastModified: o.lastModified,
          body: clone(o.body),
          secrets: { ...o.secrets },
          ...(o.owner !== undefined ? { owner: o.owner } : {})
        })
      }
    }
    return { format: "ako-ts-avi-sim/1", objects }
  }

  restore(snapshot: AviSimSnapshot): void {
    this.byType.clear()
    this.names.clear()
    this.refsOut.clear()
    this.refsIn.clear()
    this.claimed.clear()
    this.hints.clear()
    for (const o of snapshot.objects) {
      if (!specOf(o.type)) continue
      this.lastMicros = Math.max(this.lastMicros, Number(o.lastModified) || 0)
      this.commit({ ...o, body: clone(o.body), secrets: { ...o.secrets } }, undefined, false)
    }
  }

  // ------------------------------------------------------------ internals

  private stamp(): string {
    this.lastMicros = Math.max(Math.floor(this.nowMs() * 1000), this.lastMicros + 1)
    return String(this.lastMicros)
  }

  private inputBody(input: unknown, s: TypeSpec): Body {
    if (!isRecord(input)) throw apiError(400, "Request body must be a JSON object")
    const body = clone(input)
    for (const key of [...READ_ONLY, ...(s.readOnly ?? [])]) delete body[key]
    return body
  }

  private writable(type: string, uuid: string, scope: TenantScope): StoredObject {
    const s = spec(type)
    const current = this.get(type, uuid)
    if (!current || !this.visible(current, scope)) throw apiError(404, `${s.model} object not found!`)
    if (scope !== "*" && current.tenant !== scope) {
      throw apiError(
        400,
        `Cannot modify ${s.model} ${String(current.body.name ?? uuid)}: it belongs to tenant ${current.tenant}`
      )
    }
    return current
  }

  /** Resolves one input ref to the internal canonical form, or fails with the controller's "not found" error. */
  resolveRef(value: string, field: string, tenant: string, cloudRef: string | undefined): string {
    const parsed = parseRef(value)
    if (!parsed) throw apiError(400, `Invalid reference ${value} in field ${field}`)
    const target = specOf(parsed.type)
    const notFound = () =>
      apiError(target?.missingRefStatus ?? 404, `${target?.model ?? parsed.type} object not found!`, {
        obj_name: parsed.name ?? parsed.uuid
      })
    if (!target) throw notFound()
    let found: StoredObject | undefined
    if (parsed.uuid !== undefined) {
      const obj = this.get(parsed.type, parsed.uuid)
      found = obj && this.visible(obj, tenant) ? obj : undefined
    } else {
      found = this.byName(parsed.type, parsed.name, tenant, cloudRef)[0]
    }
    if (!found) throw notFound()
    return internalRef(found.type, found.uuid)
  }

  private canonicalize(body: Body, tenant: string, cloudRef: string | undefined): Body {
    return mapRefs(body, (ref, field) => ref === "" ? undefined : this.resolveRef(ref, field, tenant, cloudRef)) as Body
  }

  private prepare(
    s: TypeSpec,
    body: Body,
    tenant: string,
    uuid: string,
    previous: StoredObject | undefined
  ): Record<string, string> {
    delete body.tenant_ref
    let cloudRef: string | undefined
    if (s.hasCloud) {
      const given = str(body.cloud_ref)
      if (given !== undefined && given !== "") {
        cloudRef = this.resolveRef(given, "cloud_ref", tenant, undefined)
      } else {
        const fallback = this.byName("cloud", "Default-Cloud", tenant)[0]
        if (fallback) cloudRef = internalRef("cloud", fallback.uuid)
      }
      if (cloudRef !== undefined) body.cloud_ref = cloudRef
      else delete body.cloud_ref
    }
    for (const [field, ref] of Object.entries(s.defaultRefs ?? {})) {
      if (body[field] !== undefined && body[field] !== "") continue
      try {
        body[field] = this.resolveRef(ref, field, tenant, cloudRef)
      } catch {
        delete body[field]
      }
    }
    const canonical = this.canonicalize(body, tenant, cloudRef)
    for (const key of Object.keys(body)) delete body[key]
    Object.assign(body, canonical)
    for (const [field, target] of Object.entries(s.refs)) {
      const value = body[field]
      const refs = Array.isArray(value) ? value : [value]
      for (const ref of refs) {
        const parts = typeof ref === "string" ? refParts(ref) : undefined
        if (parts && parts.type !== target) {
          throw apiError(400, `Field ${field} must refer to a ${specOf(target)?.model ?? target}, not ${parts.type}`)
        }
      }
    }
    for (const [key, value] of Object.entries(s.defaults ?? {})) {
      if (body[key] === undefined) body[key] = clone(value)
    }
    if (s.nameScope !== "none") {
      if (typeof body.name !== "string" || body.name.length === 0) throw apiError(400, "Field name is required")
    }
    for (const field of s.required ?? []) {
      if (body[field] === undefined || body[field] === null) throw apiError(400, `Field ${field} is required`)
    }
    if (s.nameScope !== "none") this.checkUnique(s, body, tenant, uuid)
    const secrets = s.hooks?.prepare?.(body, {
      op: previous ? "update" : "create",
      uuid,
      tenant,
      previous,
      nowMs: this.nowMs(),
      store: this
    }) ?? {}
    body.uuid = uuid
    body.tenant_ref = internalRef("tenant", tenant)
    return secrets
  }

  private checkUnique(s: TypeSpec, body: Body, tenant: string, uuid: string): void {
    const name = String(body.name)
    const clash = [...(this.names.get(s.type)?.get(`${tenant}\0${name}`) ?? [])].some((other) => {
      if (other === uuid) return false
      return s.nameScope !== "tenant-cloud" || this.get(s.type, other)?.body.cloud_ref === body.cloud_ref
    })
    if (!clash) return
    const fields = s.nameScope === "tenant-cloud" ? "Name, Tenant ref and Cloud ref" : "Name and Tenant ref"
    throw apiError(409, `${verboseName(s.model)} with this ${fields} already exists.`, { obj_name: name })
  }

  private commit(obj: StoredObject, previous: StoredObject | undefined, runHooks = true): void {
    if (previous) this.uncommit(previous)
    obj.body.uuid = obj.uuid
    let map = this.byType.get(obj.type)
    if (!map) {
      map = new Map()
      this.byType.set(obj.type, map)
    }
    map.set(obj.uuid, obj)
    if (typeof obj.body.name === "string") {
      let index = this.names.get(obj.type)
      if (!index) {
        index = new Map()
        this.names.set(obj.type, index)
      }
      const key = `${obj.tenant}\0${obj.body.name}`
      const set = index.get(key) ?? new Set()
      set.add(obj.uuid)
      index.set(key, set)
    }
    const self = internalRef(obj.type, obj.uuid)
    const out = collectRefs(obj.body)
    this.refsOut.set(self, out)
    for (const ref of out) {
      const set = this.refsIn.get(ref) ?? new Set()
      set.add(self)
      this.refsIn.set(ref, set)
    }
    const s = spec(obj.type)
    for (const claim of s.hooks?.claims?.(obj.body) ?? []) this.claimed.set(claim, obj.uuid)
    if (runHooks) s.hooks?.afterChange?.(previous, obj, this)
  }

  private uncommit(obj: StoredObject): void {
    this.byType.get(obj.type)?.delete(obj.uuid)
    if (typeof obj.body.name === "string") {
      const index = this.names.get(obj.type)
      const key = `${obj.tenant}\0${obj.body.name}`
      const set = index?.get(key)
      set?.delete(obj.uuid)
      if (set?.size === 0) index?.delete(key)
    }
    const self = internalRef(obj.type, obj.uuid)
    for (const ref of this.refsOut.get(self) ?? []) this.refsIn.get(ref)?.delete(self)
    this.refsOut.delete(self)
    for (const claim of spec(obj.type).hooks?.claims?.(obj.body) ?? []) {
      if (this.claimed.get(claim) === obj.uuid) this.claimed.delete(claim)
    }
  }
}

/** A PATCH delete entry matches a list element when every field it names is equal (deeply). */
const matches = (entry: unknown, pattern: unknown): boolean => {
  if (isRecord(pattern) && isRecord(entry)) {
    return Object.entries(pattern).every(([k, v]) => matches(entry[k], v))
  }
  if (Array.isArray(pattern) && Array.isArray(entry)) {
    return pattern.length === entry.length && pattern.every((p, i) => matches(entry[i], p))
  }
  return entry === pattern
}
