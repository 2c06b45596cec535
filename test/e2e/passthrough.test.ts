/**
 * TLS passthrough through the controller process, against both simulators: a passthrough Route gets its shard
 * (`Shared-Passthrough-<n>` with the TLS-SNI datascript), pool group and pool, and its VIP in the status; Redirect
 * gives the insecure companion its redirect policy; a takeover over that state writes nothing to Avi; deleting the
 * Route removes its pool group and pool.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { CLUSTER, handOver, loadBalancerService, QUICK_REPAIR_ENV, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const HOST = "pass.shop.example.com"
// passthroughShardSize is SMALL: one shard.
const SHARD = `${CLUSTER}--Shared-Passthrough-0`
const INSECURE = `${SHARD}-insecure`
const POOL_GROUP = `${CLUSTER}--${HOST}`
const POOL = `${CLUSTER}--${HOST}-web`

interface RouteView {
  readonly status?: {
    readonly ingress?: ReadonlyArray<{
      readonly host?: string
      readonly routerName?: string
      readonly conditions?: ReadonlyArray<
        { readonly type?: string; readonly status?: string; readonly message?: string }
      >
    }>
  }
}

const applyRoute = (c: E2eCluster) =>
  c.kube.apply({
    apiVersion: "route.openshift.io/v1",
    kind: "Route",
    metadata: { name: "pass", namespace: "shop" },
    spec: {
      host: HOST,
      to: { kind: "Service", name: "web", weight: 100 },
      tls: { termination: "passthrough", insecureEdgeTerminationPolicy: "Redirect" }
    }
  })

const routeStatus = (c: E2eCluster) =>
  (c.kube.get("route.openshift.io/v1/Route", "shop", "pass") as RouteView | undefined)?.status?.ingress ?? []

const refName = (value: unknown): string => String(value).split("#")[1] ?? String(value)

describe("TLS passthrough", () => {
  it("programs a passthrough Route's shard, redirects, survives a takeover unchanged, and cleans up", async () => {
    const c = (cluster = await startCluster())
    loadBalancerService(c.kube, "shop", "web", {
      port: 443,
      targetPort: 8443,
      addresses: ["10.3.0.2"],
      type: "ClusterIP"
    })
    applyRoute(c)
    const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)

    const vs = await waitFor("the passthrough shard", () => c.avi.findByName("virtualservice", SHARD))
    expect(refName(vs["application_profile_ref"])).toBe("System-L4-Application")
    expect(vs["services"]).toEqual([expect.objectContaining({ port: 443, enable_ssl: false })])
    const vsDatascripts = vs["vs_datascripts"] as ReadonlyArray<Record<string, unknown>>
    expect(refName(vsDatascripts[0]?.["vs_datascript_set_ref"])).toBe(SHARD)
    const ds = c.avi.findByName("vsdatascriptset", SHARD)
    const script = (ds?.["datascript"] as ReadonlyArray<{ readonly evt?: string; readonly script?: string }>)[0]
    expect(script?.evt).toBe("VS_DATASCRIPT_EVT_L4_REQUEST")
    expect(script?.script).toContain(`pg_name = "${CLUSTER}--"..sname`)
    expect((ds?.["protocol_parser_refs"] as ReadonlyArray<unknown>).map(refName)).toEqual(["Default-TLS"])
    expect((ds?.["pool_group_refs"] as ReadonlyArray<unknown>).map(refName)).toEqual([POOL_GROUP])
    const pg = c.avi.findByName("poolgroup", POOL_GROUP)
    expect((pg?.["members"] as ReadonlyArray<Record<string, unknown>>).map((m) => refName(m["pool_ref"]))).toEqual([
      POOL
    ])
    const pool = c.avi.findByName("pool", POOL)
    expect((pool?.["servers"] as ReadonlyArray<Record<string, unknown>>).map((s) => s["port"])).toEqual([8443])

    // Redirect: the companion on port 80 shares the VIP and carries the redirect policy.
    const insecure = await waitFor("the insecure companion", () => c.avi.findByName("virtualservice", INSECURE))
    expect(refName(insecure["vsvip_ref"])).toBe(SHARD)
    const policies = insecure["http_policies"] as ReadonlyArray<Record<string, unknown>>
    expect(policies.map((p) => refName(p["http_policy_set_ref"]))).toEqual([INSECURE])
    const rule = ((c.avi.findByName("httppolicyset", INSECURE)?.["http_request_policy"] as Record<string, unknown>)[
      "rules"
    ] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(rule?.["redirect_action"]).toEqual(expect.objectContaining({ protocol: "HTTPS", port: 443 }))

    // The Route shows the shard's VIP, admitted by this cluster's router.
    const vip = ((c.avi.findByName("vsvip", SHARD)?.["vip"] as ReadonlyArray<Record<string, unknown>>)[0]?.[
      "ip_address"
    ] as { readonly addr?: string } | undefined)?.addr
    expect(vip).toBeDefined()
    const admitted = await waitFor("the Route admitted", () => routeStatus(c)[0])
    // The status and AKO's VS-uuid annotation are two writes: the takeover below finds both done.
    await waitFor("the Route's VS uuid annotation", () =>
      (c.kube.get("route.openshift.io/v1/Route", "shop", "pass") as
        | { readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> } }
        | undefined)?.metadata?.annotations?.["ako.vmware.com/host-fqdn-vs-uuid-map"])
    expect(admitted.host).toBe(HOST)
    expect(admitted.routerName).toBe(`ako-${CLUSTER}`)
    expect(admitted.conditions?.[0]).toEqual(
      expect.objectContaining({ type: "Admitted", status: "True", message: vip })
    )

    // A new leader over what the first one built: nothing to write.
    await handOver(c, first, "ako-1")
    expect(c.aviWritesOf("ako-1")).toEqual([])
    // Nor to the Route's status, which already says what the new leader would write.
    expect(c.kubeWritesOf("ako-1").filter((entry) => entry.path.includes("/routes/"))).toEqual([])

    // The Route goes: its pool group and pool go, and the shard with them (AKO rebuilds no empty passthrough shard).
    c.kube.delete("route.openshift.io/v1/Route", "shop", "pass")
    await waitFor(
      "the pool group and pool deleted",
      () => c.avi.findByName("poolgroup", POOL_GROUP) === undefined && c.avi.findByName("pool", POOL) === undefined
    )
    await waitFor(
      "the shard deleted",
      () =>
        c.avi.findByName("virtualservice", SHARD) === undefined &&
        c.avi.findByName("virtualservice", INSECURE) === undefined &&
        c.avi.findByName("vsdatascriptset", SHARD) === undefined
    )
  }, scaled(120_000))
})
