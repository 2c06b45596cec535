/**
 * Auth-token renewal end to end (AKO `lib.RefreshAuthToken`): with only an `authtoken` in avi-secret, a leader whose
 * token has less than half of its 240 hours left creates a new one, writes it to avi-secret, deletes the old one and
 * keeps programming Avi with the new token. A token with time left is not touched.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { AviSession } from "../sim/avi/raw-client.js"
import { AVI_PASSWORD, loadBalancerService, NAMESPACE, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

/** A token of the simulator's `admin` user that expires in `hours`, as an administrator would make one. */
const makeToken = async (avi: E2eCluster["avi"], hours: number) => {
  const session = new AviSession(avi)
  await session.login("admin", AVI_PASSWORD)
  const created = await session.post("/api/user-token", { hours })
  expect(created.status).toBe(201)
  return { token: String(created.json.token), uuid: String(created.json.uuid) }
}

const useTokenSecret = (target: E2eCluster, token: string) =>
  target.kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: NAMESPACE },
    type: "Opaque",
    data: {
      username: Buffer.from("admin").toString("base64"),
      authtoken: Buffer.from(token).toString("base64")
    }
  })

const secretToken = (target: E2eCluster): string | undefined => {
  const secret = target.kube.get("v1/Secret", NAMESPACE, "avi-secret") as { data?: Record<string, string> } | undefined
  const encoded = secret?.data?.["authtoken"]
  return encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8")
}

const tokenUuids = (target: E2eCluster) => target.avi.objects("user-token").map((token) => String(token["uuid"]))

describe("Avi auth token renewal", () => {
  it("renews a token with less than 120 hours left, writes it to avi-secret and deletes the old one", async () => {
    cluster = await startCluster()
    const old = await makeToken(cluster.avi, 100)
    useTokenSecret(cluster, old.token)
    const replica = await cluster.startReplica("ako-0")
    const renewed = await waitFor("a new token in avi-secret", () => {
      const current = secretToken(cluster!)
      return current !== undefined && current !== old.token ? current : undefined
    }, scaled(30_000))
    await waitFor("the old token deleted", () => !tokenUuids(cluster!).includes(old.uuid))
    const stored = cluster.avi.objects("user-token")
    expect(stored).toHaveLength(1)
    expect(stored[0]?.["token"]).toBe(renewed)
    const hoursLeft = (Date.parse(String(stored[0]?.["expires_at"])) - Date.now()) / 3_600_000
    expect(hoursLeft).toBeGreaterThan(239)
    // Still programming Avi, now with the new token.
    loadBalancerService(cluster.kube, "red", "web")
    await waitFor(
      "a VIP for a Service created after the renewal",
      () => serviceVips(cluster!.kube, "red", "web").length > 0
    )
    expect(replica.messages().join("\n")).not.toContain(renewed)
    expect(replica.messages().join("\n")).not.toContain(old.token)
    expect(replica.messages()).toContain("Avi auth token renewed for 240 hours and written to avi-secret")
  }, scaled(90_000))

  it("leaves a token with more than 120 hours left alone", async () => {
    cluster = await startCluster()
    const fresh = await makeToken(cluster.avi, 200)
    useTokenSecret(cluster, fresh.token)
    const replica = await cluster.startReplica("ako-0")
    await waitFor("the replica to be ready", async () => (await replica.readyz()) === 200, scaled(30_000))
    loadBalancerService(cluster.kube, "red", "web")
    await waitFor("a VIP for the Service", () => serviceVips(cluster!.kube, "red", "web").length > 0)
    expect(secretToken(cluster)).toBe(fresh.token)
    expect(tokenUuids(cluster)).toEqual([fresh.uuid])
    expect(cluster.kubeWritesOf("ako-0").filter((entry) => entry.resource === "secrets")).toEqual([])
  }, scaled(90_000))
})
