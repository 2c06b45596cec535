/**
 * deleteConfig under faults (issue 13 items 4 and 5): a transient Kubernetes error while recording the progress on
 * the Deployment is retried, and losing the lead halfway ends the term; neither stops the process, and what the
 * log says is readable. Both scenarios end with deleteConfig finished by the same process.
 */
import { describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../src/sim/kube/index.js"
import {
  applyControllerDeployment,
  CLUSTER,
  loadBalancerService,
  NAMESPACE,
  serviceVips,
  withCluster
} from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

const ownedCount = (cluster: E2eCluster) =>
  ["virtualservice", "vsvip", "pool", "l4policyset"].reduce(
    (count, type) =>
      count + cluster.avi.objects(type).filter((object) => String(object["name"]).startsWith(`${CLUSTER}--`)).length,
    0
  )

const deletionStatus = (cluster: E2eCluster) =>
  (cluster.kube.get("apps/v1/Deployment", NAMESPACE, "ako-ts") as KubeObject | undefined)?.metadata?.annotations?.[
    "AviObjectDeletionStatus"
  ]

const seed = async (cluster: E2eCluster) => {
  applyControllerDeployment(cluster.kube)
  loadBalancerService(cluster.kube, "red", "one")
  loadBalancerService(cluster.kube, "red", "two")
  const replica = await cluster.startReplica("ako-0")
  await waitFor(
    "both VIPs",
    () => serviceVips(cluster.kube, "red", "one").length > 0 && serviceVips(cluster.kube, "red", "two").length > 0,
    60_000
  )
  return replica
}

/** The process is still the one started (it never exited) and no line reports a failure of the whole process. */
const stillRunning = (replica: Replica) => {
  expect(replica.process.child.exitCode).toBeNull()
  expect(replica.process.child.signalCode).toBeNull()
  expect(replica.messages().filter((message) => message.startsWith("ako-ts failed"))).toEqual([])
}

/** Every warning and error says something: a message and, where an error is attached, its text. */
const readableProblems = (replica: Replica) => {
  for (const line of replica.logs()) {
    if (line["logLevel"] !== "WARN" && line["logLevel"] !== "ERROR") continue
    expect(String(line["message"]).trim().length).toBeGreaterThan(10)
    const annotations = (line["annotations"] ?? {}) as Record<string, unknown>
    if ("error" in annotations) expect(String(annotations["error"]).trim()).not.toBe("")
    expect(JSON.stringify(line)).not.toContain("[object Object]")
  }
}

describe("deleteConfig under faults", () => {
  it("retries a transient error annotating the Deployment and finishes, without leaving the process", async () => {
    await withCluster(async (cluster) => {
      const replica = await seed(cluster)
      const patchesBefore = cluster.kubeRequestsOf("ako-0").length
      // Every request of this replica answers 503 until the progress PATCH has failed once. The lease keeps its
      // client-go timings here, so the short outage cannot end the term: the Deployment write itself is what fails.
      cluster.kube.faults.errorRate("ako-0", 1, 503)
      cluster.setConfig({ ...cluster.configMap, deleteConfig: "true" })
      await waitFor(
        "a failed PATCH of the Deployment",
        () =>
          cluster.kubeRequestsOf("ako-0").slice(patchesBefore).some((entry) =>
            entry.resource === "deployments" && entry.verb === "patch" && entry.code === 503
          ),
        30_000,
        10
      )
      cluster.kube.faults.clear("ako-0")
      await waitFor("every owned object deleted", () => ownedCount(cluster) === 0, 60_000)
      await waitFor("AviObjectDeletionStatus Done", () => deletionStatus(cluster) === "Done", 60_000)
      await waitFor(
        "statuses cleared",
        () =>
          serviceVips(cluster.kube, "red", "one").length === 0 && serviceVips(cluster.kube, "red", "two").length === 0,
        30_000
      )
      stillRunning(replica)
      const retried = replica.logs().find((line) =>
        line["logLevel"] === "WARN" && String(line["message"]).includes("AviObjectDeletionStatus")
      )
      expect(retried, "a warning about the failed progress annotation").toBeDefined()
      expect(JSON.stringify(retried)).toContain("503")
      readableProblems(replica)
    }, { config: { leaseDuration: "15s", renewDeadline: "10s", retryPeriod: "2s" } })
  }, 180_000)

  it("losing the lead in the middle ends the term; the process stays, leads again and finishes", async () => {
    await withCluster(async (cluster) => {
      const replica = await seed(cluster)
      // Slow deletes keep deleteConfig busy in Avi while the replica is cut off from Kubernetes.
      cluster.avi.faults.latency(1_500, { method: "DELETE" })
      cluster.setConfig({ ...cluster.configMap, deleteConfig: "true" })
      await waitFor(
        "a DELETE in flight",
        () => cluster.aviRequestsOf("ako-0").some((entry) => entry.method === "DELETE"),
        30_000,
        10
      )
      // the lease cannot be renewed for 4 s: past the 2 s renew deadline, the term ends
      cluster.kube.faults.blackhole("ako-0", { forMs: 4_000 })
      await waitFor(
        "the term to end",
        () => replica.messages().includes("leadership ended; staying a candidate"),
        30_000
      )
      await waitFor("every owned object deleted", () => ownedCount(cluster) === 0, 90_000)
      await waitFor("AviObjectDeletionStatus Done", () => deletionStatus(cluster) === "Done", 60_000)
      stillRunning(replica)
      const becameLeader = replica.messages().filter((message) => message === "became leader")
      expect(becameLeader.length).toBeGreaterThanOrEqual(2)
      const ended = replica.logs().find((line) => line["message"] === "leadership ended; staying a candidate")
      expect(JSON.stringify(ended?.["annotations"])).toContain("renew deadline")
      readableProblems(replica)
    })
  }, 180_000)
})
