/**
 * The AKO 2.2.1 recording (`test/fixtures/ako-golden/`, a copy of the shared golden fixture): its Kubernetes inputs as
 * a model snapshot, its settings, AKO's final body per Avi object, and the normalisation its README prescribes for
 * comparing bodies (refs reduced to `/api/<type>#<name>`, uuids, `_last_modified` and VIP addresses dropped).
 */
import { loadAllYaml } from "@kubernetes/client-node"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type {
  AviBody,
  AviObjectType,
  ClusterSnapshot,
  DesiredAviObject,
  EndpointSlice,
  Ingress,
  IngressClass,
  ModelSettings,
  Namespace,
  Secret,
  Service
} from "../../src/model/index.js"
import { makeSnapshot } from "../../src/model/index.js"
import { settings } from "../model/fixtures/builders.js"

export const goldenDir = fileURLToPath(new URL("../fixtures/ako-golden/", import.meta.url))

const readJson = <A>(file: string): A => JSON.parse(readFileSync(`${goldenDir}${file}`, "utf8")) as A

export interface GoldenWrite {
  readonly i: number
  readonly phase: "boot" | "sync"
  readonly method: "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  readonly tenant: string
  readonly type: string
  readonly name: string | null
  readonly status: number
  readonly body: Record<string, unknown>
}

export const goldenWrites = (): ReadonlyArray<GoldenWrite> => readJson("avi-writes.json")

/** `avi-objects.json`: per type, the stored objects as the simulator rendered them. */
export const goldenObjects = (): Readonly<Record<string, ReadonlyArray<Record<string, unknown>>>> =>
  readJson("avi-objects.json")

export const goldenStatuses = (): ReadonlyArray<Record<string, unknown>> => {
  const parsed = readJson<unknown>("k8s-status.json")
  return Array.isArray(parsed) ? parsed as ReadonlyArray<Record<string, unknown>> : []
}

export const MODELLED_TYPES: ReadonlyArray<AviObjectType> = [
  "vsvip",
  "virtualservice",
  "pool",
  "poolgroup",
  "l4policyset",
  "httppolicyset",
  "vsdatascriptset",
  "sslkeyandcertificate"
]

/** AKO's last body per `<type>/<name>` in the sync phase: the object as AKO wants it. */
export const goldenFinalBodies = (): ReadonlyMap<string, { type: AviObjectType; name: string; body: AviBody }> => {
  const last = new Map<string, { type: AviObjectType; name: string; body: AviBody }>()
  for (const write of goldenWrites()) {
    if (write.phase !== "sync" || write.name === null) continue
    if (write.method !== "POST" && write.method !== "PUT") continue
    if (!MODELLED_TYPES.includes(write.type as AviObjectType)) continue
    last.set(`${write.type}/${write.name}`, { type: write.type as AviObjectType, name: write.name, body: write.body })
  }
  return last
}

/** Every object of `inputs.yaml`, in order. */
export const goldenInputs = (): ReadonlyArray<Record<string, unknown>> =>
  loadAllYaml(readFileSync(`${goldenDir}inputs.yaml`, "utf8")).filter((o): o is Record<string, unknown> =>
    o !== null && typeof o === "object"
  )

const ofKind = <A>(kind: string): ReadonlyArray<A> =>
  goldenInputs().filter((o) => o["kind"] === kind) as unknown as ReadonlyArray<A>

export const goldenSnapshot = (): ClusterSnapshot =>
  makeSnapshot({
    services: ofKind<Service>("Service"),
    endpointSlices: ofKind<EndpointSlice>("EndpointSlice"),
    ingresses: ofKind<Ingress>("Ingress"),
    ingressClasses: ofKind<IngressClass>("IngressClass"),
    secrets: ofKind<Secret>("Secret"),
    namespaces: ofKind<Namespace>("Namespace")
  })

/** The recording's configuration (its README): c1, Default-Cloud, vip-network, LARGE, ClusterIP, ENTERPRISE tier. */
export const goldenSettings: ModelSettings = settings({
  vipNetworkList: [{ networkName: "vip-network", cidr: "10.50.0.0/16" }],
  autoFQDN: "default"
})

const REF_PATTERNS: ReadonlyArray<RegExp> = [
  // https://host/api/pool/pool-uuid#name (as the controller renders refs)
  /^https?:\/\/[^/]+\/api\/([a-z0-9]+)\/[^#]*#(.*)$/,
  // /api/pool?name=x, /api/pool/?name=x (as AKO sends them)
  /^\/api\/([a-z0-9]+)\/?\?name=(.*)$/
]

/** A ref as `/api/<type>#<name>`; anything else unchanged. */
export const normalizeRef = (value: string): string => {
  for (const pattern of REF_PATTERNS) {
    const match = pattern.exec(value)
    if (match !== null) return `/api/${match[1]}#${decodeURIComponent(match[2] ?? "")}`
  }
  return value
}

const DROPPED = new Set(["uuid", "url", "_last_modified"])

/** The README's normalisation, applied at every depth: refs reduced, uuids and VIP addresses dropped. */
export const normalizeBody = (value: unknown, key = ""): unknown => {
  if (typeof value === "string") return key.endsWith("_ref") || key.endsWith("_refs") ? normalizeRef(value) : value
  if (Array.isArray(value)) return value.map((item) => normalizeBody(item, key))
  if (value === null || typeof value !== "object") return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (DROPPED.has(k)) continue
    // VIP addresses depend on creation order (README): the allocation is compared, the address is not.
    if (k === "ip_address" && key === "vip") continue
    out[k] = normalizeBody(
      v,
      k === "pool_ref" || k.endsWith("_ref") || k.endsWith("_refs") ? k : k === "vip" ? "vip" : k
    )
  }
  return out
}

export interface BodyDifference {
  readonly path: string
  readonly expected: unknown
  readonly actual: unknown
}

/** Field-level differences between two normalised bodies, key order included (`$keys` when only the order differs). */
export const bodyDifferences = (expected: unknown, actual: unknown, path = ""): ReadonlyArray<BodyDifference> => {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return [{ path: path || "$", expected, actual }]
    return expected.flatMap((item, i) => bodyDifferences(item, actual[i], `${path}[${i}]`))
  }
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v)
  if (isRecord(expected) && isRecord(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()
    return keys.flatMap((k) => bodyDifferences(expected[k], actual[k], path === "" ? k : `${path}.${k}`))
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [{ path: path || "$", expected, actual }]
}

export const describeDifferences = (id: string, differences: ReadonlyArray<BodyDifference>): string =>
  `${id}:\n` +
  differences.map((d) =>
    `  ${d.path}: AKO ${JSON.stringify(d.expected)?.slice(0, 400)} / ako-ts ${JSON.stringify(d.actual)?.slice(0, 400)}`
  ).join("\n")

export const desiredById = (objects: Iterable<DesiredAviObject>): ReadonlyMap<string, DesiredAviObject> => {
  const map = new Map<string, DesiredAviObject>()
  for (const o of objects) map.set(`${o.type}/${o.name}`, o)
  return map
}
