/**
 * A write the old leader sent just before it died can still be applied by the controller afterwards (nginx in front
 * of a real Avi Controller finishes a request whose client went away; the simulator does the same by default). If
 * it lands after the new leader wrote the same object, the new leader must notice and repair it: once no such write
 * can land any more (the Avi request timeout after it took the Lease), it reads Avi again and fixes what differs.
 */
import { describe, expect, it } from "@effect/vitest"
import { CLUSTER, loadBalancerService, withCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

const POOL = `${CLUSTER}--red-web-TCP-80`

const poolServers = (cluster: E2eCluster): ReadonlyArray<string> => {
  const pool = cluster.avi.findByName("pool", POOL) as { servers?: ReadonlyArray<{ ip?: { addr?: string } }> }
  return (pool?.servers ?? []).map((server) => server.ip?.addr ?? "")
}

describe("a late write of the previous leader", () => {
  it("is repaired by the new leader once no such write can land any more", async () => {
    await withCluster(async (cluster) => {
      const env = { AKO_TS_AVI_REQUEST_TIMEOUT: "6 seconds" }
      loadBalancerService(cluster.kube, "red", "web", { addresses: ["10.1.0.1"] })
      const old = await cluster.startReplica("ako-0", env)
      await waitFor("ako-0 to lead", () => cluster.leaseHolder() === "ako-0")
      const next = await cluster.startReplica("ako-1", env)
      await waitFor("the first pool servers", () => poolServers(cluster).join() === "10.1.0.1")

      // The old leader's pool updates take 5 s to be applied: longer than the lease, shorter than the timeout.
      cluster.avi.faults.latency(5_000, { method: "PUT", path: "/api/pool", clientIdentity: / ako-0$/ })
      loadBalancerService(cluster.kube, "red", "web", { addresses: ["10.1.0.2"] })
      await waitFor(
        "ako-0's pool update in flight",
        () => cluster.aviRequestsOf("ako-0").some((entry) => entry.method === "PUT" && entry.objectType === "pool")
      )
      await old.stop("SIGKILL")
      loadBalancerService(cluster.kube, "red", "web", { addresses: ["10.1.0.3"] })

      await waitFor("ako-1 to lead", () => cluster.leaseHolder() === "ako-1")
      await waitFor("ako-1's own pool update", () => poolServers(cluster).join() === "10.1.0.3")
      // The old update lands after the new leader's, putting back servers nobody wants.
      await waitFor("the old leader's late update applied", () => poolServers(cluster).join() === "10.1.0.2")
      const lateApplied = cluster.aviRequestsOf("ako-0").find((e) => e.method === "PUT" && e.objectType === "pool")
      const newWrite = cluster.aviWritesOf("ako-1").find((e) => e.method === "PUT" && e.objectType === "pool")
      expect(lateApplied?.processedMs).toBeGreaterThan(newWrite?.processedMs ?? Number.POSITIVE_INFINITY)

      await waitFor("the repair", () => poolServers(cluster).join() === "10.1.0.3", 30_000)
      expect(next.messages()).toContain(
        "late-write repair pass: Avi re-read after the previous leader's last possible write"
      )
    })
  })
})
