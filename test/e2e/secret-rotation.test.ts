/**
 * A corrected password in `avi-secret` is picked up without a restart (issue 13 item 11). AKO restarts for this;
 * ako-ts follows the Secret, logs in again with the new credentials and becomes ready in-process.
 */
import { describe, expect, it } from "@effect/vitest"
import { applyAviSecret, AVI_PASSWORD, loadBalancerService, serviceVips, withCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

const WRONG_PASSWORD = "not-the-avi-password-7f3e"

const putSecret = (cluster: E2eCluster, password: string) => applyAviSecret(cluster.kube, password)

const loginsOf = (cluster: E2eCluster, status: number) =>
  cluster.aviRequestsOf("ako-0").filter((entry) => entry.path === "/login" && entry.status === status)

describe("avi-secret rotation", () => {
  it(
    "starts with a wrong password (not ready, logins refused), then logs in with the corrected one and syncs",
    async () => {
      await withCluster(async (cluster) => {
        putSecret(cluster, WRONG_PASSWORD)
        loadBalancerService(cluster.kube, "blue", "web")
        const replica = await cluster.startReplica("ako-0")
        await waitFor("Avi to refuse two logins of ako-0", () => loginsOf(cluster, 401).length >= 2, 60_000)
        expect(loginsOf(cluster, 200)).toEqual([])
        expect(await replica.readyz()).toBe(503)
        expect(serviceVips(cluster.kube, "blue", "web")).toEqual([])

        putSecret(cluster, AVI_PASSWORD)
        await waitFor("a login with the corrected password", () => loginsOf(cluster, 200).length > 0, 60_000)
        await waitFor("/readyz 200", async () => (await replica.readyz()) === 200, 60_000)
        await waitFor("a VIP on the Service", () => serviceVips(cluster.kube, "blue", "web").length > 0, 60_000)

        // the same process all along
        expect(replica.process.child.exitCode).toBeNull()
        expect(replica.messages().filter((message) => message === "ako-ts starting")).toHaveLength(1)
        expect(replica.messages().filter((message) => message.startsWith("ako-ts failed"))).toEqual([])
        expect(replica.messages()).toContain("avi-secret changed: logging in to Avi with the new credentials")
        // neither password reaches the logs or the metrics
        const everything = `${replica.process.stdout()}${replica.process.stderr()}${await replica.metrics()}`
        expect(everything).not.toContain(WRONG_PASSWORD)
        expect(everything).not.toContain(AVI_PASSWORD)
      })
    },
    240_000
  )
})
