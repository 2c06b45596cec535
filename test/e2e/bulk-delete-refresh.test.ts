/**
 * 250 Services deleted while the leader's cache refresh is slowed: the refresh pages with offsets, and the leader's
 * own deletes shift objects onto pages it has already read. Such objects must not fall out of the cache (they would
 * never be deleted): afterwards Avi holds none of the deleted Services' objects.
 */
import { describe, expect, it } from "@effect/vitest"
import { allHaveVips, converged, l4Drift, seedLoadBalancerServices, withCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

describe("a bulk delete during a slowed cache refresh", () => {
  it("leaves no object of a deleted Service in Avi", async () => {
    await withCluster(async (cluster) => {
      const names = seedLoadBalancerServices(cluster.kube, "apps", "bulk", 250)
      const replica = await cluster.startReplica("ako-0", { AKO_TS_AVI_CACHE_REFRESH: "1 second" })
      await allHaveVips(cluster, names, 60_000)
      // Every page of the listings waits, so refreshes overlap the deletes below for their whole length.
      cluster.avi.faults.latency(300, { method: "GET", path: /^\/api\/(virtualservice|vsvip|pool|l4policyset)$/ })
      await waitFor(
        "a refresh under way",
        () =>
          cluster.aviRequestsOf("ako-0").some((e) =>
            e.method === "GET" && e.objectType === "pool" && e.endMs === undefined
          )
      )
      for (const name of names) cluster.kube.delete("v1/Service", "apps", name)
      await converged(cluster, [], 60_000)
      expect(l4Drift(cluster, "apps", [])).toEqual({
        virtualservice: { missing: [], orphans: [] },
        vsvip: { missing: [], orphans: [] },
        l4policyset: { missing: [], orphans: [] },
        pool: { missing: [], orphans: [] }
      })
      expect(replica.messages()).not.toContain(
        "owned Avi objects disappeared outside ako-ts; their units are written again"
      )
    })
  })
})
