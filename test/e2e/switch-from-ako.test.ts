/**
 * Switching from AKO: the Avi simulator holds exactly what AKO 2.2.1 left there (the golden recording's objects),
 * Kubernetes holds the recording's inputs with the statuses and annotations AKO wrote, and `ako-ts run` takes the
 * lead. It must write nothing at all: no Avi object, no status, no annotation.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { OWNED_TYPES } from "../../src/reconcile/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { goldenDir, goldenInputs, goldenObjects } from "../golden/golden.js"
import { startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { exitWithin, spawnAkoTs, waitFor } from "../support/process.js"

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

/** Seeds AKO's objects; returns the recording's uuid of each object → the simulator's uuid. */
const seedAvi = (avi: AviSim): ReadonlyMap<string, string> => {
  const objects = goldenObjects()
  const uuids = new Map<string, string>()
  // In dependency order, as the reconciler writes them.
  for (const type of OWNED_TYPES) {
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

/** Avi and Kubernetes exactly as AKO 2.2.1 left them after the recording. */
const seedGoldenState = (c: E2eCluster) => {
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
}

describe("switching from AKO 2.2.1 to ako-ts", () => {
  it("takes over AKO's state with zero Avi writes and zero status or annotation writes", async () => {
    const c = (cluster = await startCluster({ config: goldenConfig }))
    seedGoldenState(c)
    const replica = await c.startReplica("ako-0")
    await waitFor(
      "the takeover pass",
      () => replica.messages().includes("takeover complete; serving the work queue"),
      60_000
    )
    // Let the work queue's pass over every unit (statuses included) finish before reading the logs.
    await waitFor(
      "idle unit and status queues",
      async () =>
        (await replica.metric("ako_workqueue_depth")) === 0 && (await replica.metric("ako_status_queue_depth")) === 0,
      30_000
    )
    const aviWrites = c.aviWritesOf("ako-0").map((entry) => `${entry.method} ${entry.path}`)
    expect(aviWrites).toEqual([])
    const kubeWrites = c.kubeWritesOf("ako-0")
      .filter((entry) => entry.resource === "services" || entry.resource === "ingresses")
      .map((entry) => `${entry.verb} ${entry.resource}/${entry.subresource ?? ""} ${entry.namespace}/${entry.name}`)
    expect(kubeWrites).toEqual([])
  })

  it("ako-ts plan beside it prints 0 writes and exits 0; with one marker changed it names the object and field", async () => {
    const c = (cluster = await startCluster({ config: goldenConfig }))
    seedGoldenState(c)
    c.kube.addToken("token-plan", "planner")
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "ako-ts-plan-")), "kubeconfig")
    c.kube.writeKubeconfig(kubeconfig, "token-plan")
    const plan = async () => {
      const spawned = spawnAkoTs(["plan", "--kubeconfig", kubeconfig], { POD_NAMESPACE: "avi-system" })
      const code = await exitWithin(spawned, 60_000)
      return { code, out: spawned.stdout(), err: spawned.stderr() }
    }
    const clean = await plan()
    expect(clean.out.trim().split("\n").at(-1), clean.out + clean.err).toBe("plan: 0 writes")
    expect(clean.code).toBe(0)

    const policy = c.avi.findByName("l4policyset", "c1--demo-lb-000")!
    const markers = (policy["markers"] as Array<{ key: string; values: Array<string> }>).map((m) =>
      m.key === "ServiceName" ? { ...m, values: ["renamed"] } : m
    )
    c.avi.update("l4policyset", String(policy["uuid"]), { ...policy, markers })
    const changed = await plan()
    expect(changed.code).toBe(1)
    expect(changed.out).toContain("update l4policyset c1--demo-lb-000 (tenant admin)")
    expect(changed.out).toMatch(/markers: .*renamed.* → .*lb-000/)
    expect(changed.out).toContain("plan: 1 writes: 1 to Avi (0 create, 1 update, 0 delete), 0 to Kubernetes")
    // Read-only: neither run wrote anything, nor took part in the election.
    const planWrites = c.avi.requestLog().filter((entry) =>
      (entry.clientIdentity ?? "") === "ako-ts-plan" && entry.method !== "GET" &&
      !entry.path.startsWith("/login") && !entry.path.startsWith("/logout")
    )
    expect(planWrites).toEqual([])
    expect(c.kubeWritesOf("planner")).toEqual([])
  })
})
