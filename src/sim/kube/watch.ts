/**
 * One open watch: filters store events by namespace and selectors, rewrites MODIFIED into ADDED/DELETED when an
 * object enters or leaves the selection (as the real watch cache does), and writes one JSON line per event.
 */
import type { ServerResponse } from "node:http"
import { apiVersionOf, type KubeObject, type ObjectMeta, type ResourceType } from "./registry.js"
import { matches, matchesFields, type Selector } from "./selectors.js"
import type { StatusBody } from "./status.js"
import type { EventType, StoreEvent } from "./store.js"

export interface WatchFilter {
  readonly type: ResourceType
  readonly namespace: string | undefined
  readonly labelSelector: Selector
  readonly fieldSelector: Selector
}

const selected = (filter: WatchFilter, object: KubeObject | undefined): boolean => {
  if (object === undefined) return false
  const meta = (object.metadata ?? {}) as ObjectMeta
  if (filter.type.namespaced && filter.namespace !== undefined && meta.namespace !== filter.namespace) return false
  return matches(filter.labelSelector, meta.labels) &&
    matchesFields(filter.fieldSelector, filter.type.fieldLabels, object)
}

/** The event a watcher with this filter sees, or undefined when the change is invisible to it. */
export const eventFor = (filter: WatchFilter, event: StoreEvent): EventType | undefined => {
  const now = event.type !== "DELETED" && selected(filter, event.object)
  const before = event.type === "ADDED" ? false : selected(filter, event.previous ?? event.object)
  if (event.type === "DELETED") return before ? "DELETED" : undefined
  if (now && before) return "MODIFIED"
  if (now) return "ADDED"
  if (before) return "DELETED"
  return undefined
}

/** Serialized lines are shared between watchers: a fan-out to N watchers costs one JSON.stringify per event. */
const lineCache = new WeakMap<StoreEvent, Map<EventType, string>>()

export const eventLine = (event: StoreEvent, as: EventType): string => {
  let byType = lineCache.get(event)
  if (byType === undefined) {
    byType = new Map()
    lineCache.set(event, byType)
  }
  let line = byType.get(as)
  if (line === undefined) {
    line = JSON.stringify({ type: as, object: event.object }) + "\n"
    byType.set(as, line)
  }
  return line
}

export class ActiveWatch {
  readonly user: string
  readonly filter: WatchFilter
  private readonly response: ServerResponse
  private readonly timers: Array<NodeJS.Timeout> = []
  private closed = false
  /** While the user is black-holed, events are withheld; the stream is torn down when the partition heals. */
  partitioned = false
  private readonly onClose: () => void
  /** Renders objects differently (kubectl's Table form); undefined = the object as stored. */
  private readonly render: ((object: KubeObject) => unknown) | undefined

  constructor(
    user: string,
    filter: WatchFilter,
    response: ServerResponse,
    onClose: () => void,
    render?: (object: KubeObject) => unknown
  ) {
    this.user = user
    this.filter = filter
    this.response = response
    this.onClose = onClose
    this.render = render
    response.on("close", () => this.finish())
  }

  get isClosed(): boolean {
    return this.closed
  }

  start(): void {
    this.response.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Transfer-Encoding": "chunked"
    })
    this.response.flushHeaders()
  }

  every(ms: number, action: () => void): void {
    const timer = setInterval(action, ms)
    timer.unref()
    this.timers.push(timer)
  }

  after(ms: number, action: () => void): void {
    const timer = setTimeout(action, ms)
    timer.unref()
    this.timers.push(timer)
  }

  deliver(event: StoreEvent): void {
    if (this.closed || this.partitioned) return
    const as = eventFor(this.filter, event)
    if (as === undefined) return
    if (this.render === undefined) this.response.write(eventLine(event, as))
    else this.response.write(JSON.stringify({ type: as, object: this.render(event.object) }) + "\n")
  }

  /** Initial state for a watch without a resourceVersion. */
  added(object: KubeObject): void {
    if (this.closed) return
    this.response.write(JSON.stringify({ type: "ADDED", object: this.render ? this.render(object) : object }) + "\n")
  }

  bookmark(resourceVersion: number, annotations?: Record<string, string>): void {
    if (this.closed || this.partitioned) return
    const object = {
      kind: this.filter.type.kind,
      apiVersion: apiVersionOf(this.filter.type),
      metadata: { resourceVersion: String(resourceVersion), ...(annotations === undefined ? {} : { annotations }) }
    }
    this.response.write(JSON.stringify({ type: "BOOKMARK", object }) + "\n")
  }

  /** A mid-stream failure (410 when the resourceVersion expired), then the stream ends. */
  error(status: StatusBody): void {
    if (this.closed) return
    this.response.write(JSON.stringify({ type: "ERROR", object: status }) + "\n")
    this.end()
  }

  /** Server-side close: the client sees a clean end of stream (client-node calls done(null)). */
  end(): void {
    if (this.closed) return
    this.response.end()
    this.finish()
  }

  /** Connection reset, as when the network between client and server fails. */
  destroy(): void {
    if (this.closed) return
    this.response.destroy()
    this.finish()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.onClose()
  }
}
