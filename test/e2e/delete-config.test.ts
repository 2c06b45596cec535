/**
 * deleteConfig, live from the ConfigMap as in AKO: "true" deletes everything this cluster owns in Avi, clears the
 * statuses and records progress on the controller's Deployment; "false" syncs everything back.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../src/sim/kube/index.js"
import {
  applyControllerDeployment,
  CLUSTER,
  loadBalancerService,
  NAMESPACE,
  serviceVips,
  startCluster
} from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

const ownedCount = () =>
  ["virtualservice", "vsvip", "pool", "l4policyset"].reduce(
    (count, type) =>
      count + cluster.avi.objects(type).filter((object) => String(object["name"]).startsWith(`${CLUSTER}--`)).length,
    0
  )

const deletionStatus = () =>
  (cluster.kube.get("apps/v1/Deployment", NAMESPACE, "ako-ts") as KubeObject | undefined)?.metadata?.annotations?.[
    "AviObjectDeletionStatus"
  ]

beforeAll(async () => {
  cluster = await startCluster()
  applyControllerDeployment(cluster.kube)
  loadBalancerService(cluster.kube, "red", "one")
  loadBalancerService(cluster.kube, "red", "two")
  replica = await cluster.startReplica("ako-0")
  await waitFor(
    "both VIPs",
    () => serviceVips(cluster.kube, "red", "one").length > 0 && serviceVips(cluster.kube, "red", "two").length > 0
  )
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("deleteConfig", () => {
  it("deletes every owned Avi object, clears statuses and marks the Deployment Done when set to true", async () => {
    expect(ownedCount()).toBe(8)
    cluster.setConfig({ ...cluster.configMap, deleteConfig: "true" })
    await waitFor("every owned object deleted", () => ownedCount() === 0, 30_000)
    await waitFor("AviObjectDeletionStatus Done", () => deletionStatus() === "Done", 30_000)
    await waitFor(
      "statuses cleared",
      () => serviceVips(cluster.kube, "red", "one").length === 0 && serviceVips(cluster.kube, "red", "two").length === 0
    )
    await waitFor(
      "the AKODeleteConfigDone Event",
      () =>
        cluster.kube.list("v1/Event", NAMESPACE).some((event) =>
          (event as { reason?: string }).reason === "AKODeleteConfigDone"
        )
    )
  })

  it("stays idle while true: a new Service gets nothing", async () => {
    loadBalancerService(cluster.kube, "red", "three")
    const writes = cluster.aviWritesOf("ako-0").length
    // The passive desired graph still follows the cluster; only the writes stop.
    await waitFor("the new Service in the desired graph", async () => (await replica.metric("ako_desired_units")) === 3)
    expect(cluster.aviWritesOf("ako-0").length).toBe(writes)
    expect(serviceVips(cluster.kube, "red", "three")).toEqual([])
  })

  it("syncs everything again and removes the annotation when set back to false", async () => {
    cluster.setConfig({ ...cluster.configMap, deleteConfig: "false" })
    await waitFor(
      "all three VIPs",
      () => ["one", "two", "three"].every((name) => serviceVips(cluster.kube, "red", name).length > 0),
      30_000
    )
    expect(ownedCount()).toBe(12)
    await waitFor("the annotation removed", () => deletionStatus() === undefined)
  })
})
