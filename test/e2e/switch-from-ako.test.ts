/**
 * Switching from AKO: the Avi simulator holds exactly what AKO 2.2.1 left there (the golden recording's objects),
 * Kubernetes holds the recording's inputs with the statuses and annotations AKO wrote, and `ako-ts run` takes the
 * lead. It must write nothing at all: no Avi object, no status, no annotation.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import type { AviSim } from "../../src/sim/avi/index.js"
import { goldenDir, goldenInputs, goldenObjects } from "../golden/golden.js"
import { startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

type Body = Record<string, unknown>

/** The recording's configuration (its README), with the simulator as the controller. */
const goldenConfig = {
  clusterName: "c1",
  cloudName: "Default-Cloud",
  shardVSSize: "LARGE",
  serviceType: "ClusterIP",
  autoFQDN: "default",
  defaultIngController: "true",
  vipNetworkList: JSON.stringify([{ networkName: "vip-network", cidr: "10.50.0.0/16" }])
}

const REF = /^https?:\/\/[^/]+\/api\/([a-z0-9]+)\/[^#]*#(.*)$/

/** A stored object as a client would create it again: refs by name, no uuid, nothing the controller derives. */
const asCreated = (value: unknown): unknown => {
  if (typeof value === "string") {
    const match = REF.exec(value)
    return match === null ? value : `/api/${match[1]}/?name=${match[2]}`
  }
  if (Array.isArray(value)) return value.map(asCreated)
  if (value === null || typeof value !== "object") return value
  const out: Body = {}
  for (const [key, item] of Object.entries(value)) {
    if (["uuid", "url", "_last_modified", "vh_child_vs_uuid"].includes(key)) continue
    out[key] = asCreated(item)
  }
  return out
}

const SEED_ORDER = [
  "vsvip",
  "sslkeyandcertificate",
  "pool",
  "poolgroup",
  "httppolicyset",
  "vsdatascriptset",
  "l4policyset",
  "virtualservice"
]

/** Seeds AKO's objects; returns the recording's uuid of each object → the simulator's uuid. */
const seedAvi = (avi: AviSim): ReadonlyMap<string, string> => {
  const objects = goldenObjects()
  const uuids = new Map<string, string>()
  for (const type of SEED_ORDER) {
    const list = [...(objects[type] ?? [])]
    // SNI children after their parents.
    list.sort((a, b) => Number(a["type"] === "VS_TYPE_VH_CHILD") - Number(b["type"] === "VS_TYPE_VH_CHILD"))
    for (const object of list) {
      const created = avi.insert(type, asCreated(object) as Body)
      uuids.set(String(object["uuid"]), String(created["uuid"]))
    }
  }
  return uuids
}

interface GoldenStatus {
  readonly namespace: string
  readonly name: string
  readonly annotations: Record<string, string>
  readonly status: Body
}

const goldenStatusFile = (): { services: ReadonlyArray<GoldenStatus>; ingresses: ReadonlyArray<GoldenStatus> } =>
  JSON.parse(readFileSync(`${goldenDir}k8s-status.json`, "utf8"))

describe("switching from AKO 2.2.1 to ako-ts", () => {
  it("takes over AKO's state with zero Avi writes and zero status or annotation writes", async () => {
    const c = (cluster = await startCluster({ config: goldenConfig }))
    const uuids = seedAvi(c.avi)
    const clusterUuid = c.avi.snapshot().clusterUuid ?? ""
    const statuses = goldenStatusFile()
    for (const input of goldenInputs()) {
      const kind = String(input["kind"])
      const metadata = (input["metadata"] ?? {}) as Body
      if (kind === "ConfigMap" || (kind === "Namespace" && metadata["name"] === "avi-system")) continue
      const key = `${String(metadata["namespace"])}/${String(metadata["name"])}`
      const recorded = kind === "Service" ?
        statuses.services.find((s) => `${s.namespace}/${s.name}` === key) :
        kind === "Ingress" ?
        statuses.ingresses.find((s) => `${s.namespace}/${s.name}` === key) :
        undefined
      if (recorded === undefined) {
        c.kube.create({ ...input, apiVersion: String(input["apiVersion"]), kind } as never)
        continue
      }
      // AKO's annotations as AKO wrote them, with this simulator's uuids in place of the recording's.
      const annotations = Object.fromEntries(
        Object.entries(recorded.annotations).map(([name, value]) => {
          if (name === "ako.vmware.com/controller-cluster-uuid") return [name, clusterUuid]
          if (name === "ako.vmware.com/host-fqdn-vs-uuid-map") {
            const map = JSON.parse(value) as Record<string, string>
            return [name, JSON.stringify(Object.fromEntries(Object.entries(map).map(([h, u]) => [h, uuids.get(u)])))]
          }
          return [name, value]
        })
      )
      c.kube.create({
        ...input,
        metadata: { ...metadata, annotations: { ...(metadata["annotations"] as Body ?? {}), ...annotations } },
        status: recorded.status
      } as never)
    }
    const replica = await c.startReplica("ako-0")
    await waitFor(
      "the takeover pass",
      () => replica.messages().includes("takeover complete; serving the work queue"),
      60_000
    )
    // Let the work queue's pass over every unit (statuses included) finish before reading the logs.
    await waitFor("an idle work queue", async () => (await replica.metric("ako_workqueue_depth")) === 0, 30_000)
    const aviWrites = c.aviWritesOf("ako-0").map((entry) => `${entry.method} ${entry.path}`)
    expect(aviWrites).toEqual([])
    const kubeWrites = c.kubeWritesOf("ako-0")
      .filter((entry) => entry.resource === "services" || entry.resource === "ingresses")
      .map((entry) => `${entry.verb} ${entry.resource}/${entry.subresource ?? ""} ${entry.namespace}/${entry.name}`)
    expect(kubeWrites).toEqual([])
  })
})
