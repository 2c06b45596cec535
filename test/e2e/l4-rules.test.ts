/**
 * L4Rule through the controller process, against both simulators: a rule named by a Service's annotation changes
 * its pool's LB algorithm and health monitor, deleting the rule restores AKO's defaults, and a takeover over a rule
 * in place writes nothing to Avi and no CRD status.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { akoCrds } from "../support/crds.js"
import { CLUSTER, handOver, loadBalancerService, QUICK_REPAIR_ENV, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const POOL = `${CLUSTER}--shop-cart-TCP-80`
const VS = `${CLUSTER}--shop-cart`

/**
 * The L4Rule as a team writes it: the API server fills the schema's defaults (reference/ako-crds.md §4.1), the
 * profiles and `enabled` among them.
 */
const l4Rule = {
  apiVersion: "ako.vmware.com/v1alpha2",
  kind: "L4Rule",
  metadata: { name: "tuned", namespace: "shop" },
  spec: {
    backendProperties: [{
      port: 80,
      protocol: "TCP",
      lbAlgorithm: "LB_ALGORITHM_ROUND_ROBIN",
      healthMonitorRefs: ["team-tcp"]
    }]
  }
}

/** The L4Rule CRD, the team's own health monitor on the controller, and a Service that names the rule. */
const startShop = async (): Promise<E2eCluster> => {
  const c = await startCluster()
  for (const document of akoCrds("l4rules.yaml")) c.kube.apply(document as never)
  c.avi.insert("healthmonitor", { name: "team-tcp", type: "HEALTH_MONITOR_TCP" })
  loadBalancerService(c.kube, "shop", "cart", {
    addresses: ["10.3.0.2"],
    annotations: { "ako.vmware.com/l4rule": "tuned" }
  })
  return c
}

const pool = (c: E2eCluster) => c.avi.findByName("pool", POOL)
const refNames = (value: unknown): ReadonlyArray<string> =>
  (Array.isArray(value) ? value : [value]).map((ref) => String(ref).split("#")[1] ?? String(ref))
const ruleStatus = (c: E2eCluster) =>
  (c.kube.get("ako.vmware.com/v1alpha2/L4Rule", "shop", "tuned") as
    | { readonly status?: { readonly status?: string } }
    | undefined)?.status?.status

describe("L4Rule", () => {
  it("sets the pool's LB algorithm and health monitor; deleting the rule restores the defaults", async () => {
    const c = (cluster = await startShop())
    const replica = await c.startReplica("ako-0")
    const plain = await waitFor("the pool", () => pool(c))
    expect(refNames(plain["health_monitor_refs"])).toEqual(["System-TCP"])

    c.kube.apply(l4Rule)
    await waitFor("the L4Rule Accepted", () => ruleStatus(c) === "Accepted")
    const tuned = await waitFor("the rule on the pool", () => {
      const current = pool(c)
      return current?.["lb_algorithm"] === "LB_ALGORITHM_ROUND_ROBIN" ? current : undefined
    })
    expect(refNames(tuned["health_monitor_refs"])).toEqual(["team-tcp"])
    // `enabled` and the VS's profiles come from the schema's defaults.
    expect(tuned["enabled"]).toBe(true)
    expect(refNames(c.avi.findByName("virtualservice", VS)?.["application_profile_ref"])).toEqual([
      "System-L4-Application"
    ])
    expect(refNames(c.avi.findByName("virtualservice", VS)?.["analytics_profile_ref"])).toEqual([
      "System-Analytics-Profile"
    ])

    c.kube.delete("ako.vmware.com/v1alpha2/L4Rule", "shop", "tuned")
    const restored = await waitFor("the defaults back", () => {
      const current = pool(c)
      return current !== undefined && current["lb_algorithm"] !== "LB_ALGORITHM_ROUND_ROBIN" ? current : undefined
    })
    expect(refNames(restored["health_monitor_refs"])).toEqual(["System-TCP"])
    expect(restored["cloud_config_cksum"]).toBe(plain["cloud_config_cksum"])
    // The team's monitor is theirs: never deleted.
    expect(c.avi.findByName("healthmonitor", "team-tcp")).toBeDefined()

    // Undoing it the other way: the rule again, then the Service no longer names it.
    c.kube.apply(l4Rule)
    await waitFor("the rule on the pool again", () => pool(c)?.["lb_algorithm"] === "LB_ALGORITHM_ROUND_ROBIN")
    loadBalancerService(c.kube, "shop", "cart", { addresses: ["10.3.0.2"] })
    const unnamed = await waitFor("the defaults back without the annotation", () => {
      const current = pool(c)
      return current !== undefined && current["lb_algorithm"] !== "LB_ALGORITHM_ROUND_ROBIN" ? current : undefined
    })
    expect(refNames(unnamed["health_monitor_refs"])).toEqual(["System-TCP"])
    await replica.stop()
  }, scaled(90_000))

  it("over a rule in place, a takeover writes nothing to Avi and no CRD status", async () => {
    const c = (cluster = await startShop())
    c.kube.apply(l4Rule)
    const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)
    await waitFor("the rule applied", () => pool(c)?.["lb_algorithm"] === "LB_ALGORITHM_ROUND_ROBIN")
    // The VIP in the Service's status comes after the unit's last write: the first leader is done.
    await waitFor("the Service's VIP", () => serviceVips(c.kube, "shop", "cart").length > 0)

    await handOver(c, first, "ako-1")
    expect(c.aviWritesOf("ako-1")).toEqual([])
    expect(c.kubeWritesOf("ako-1").filter((entry) => entry.path.includes("ako.vmware.com"))).toEqual([])
  }, scaled(120_000))
})
