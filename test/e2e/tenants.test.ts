/**
 * Namespace tenants end to end: a Namespace annotated `ako.vmware.com/tenant-name` gets its L4 and L7 objects in
 * that Avi tenant (a shard of the same name as another tenant's), its objects' statuses say the tenant; moving the
 * Namespace to another tenant moves them; a takeover over that state writes nothing; a tenant Avi lacks is told with
 * Events while the rest keeps syncing. dedicatedTenantMode lists and writes its own tenant only.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import type { KubeObject } from "../../src/sim/kube/index.js"
import {
  applyTlsSecret,
  CLUSTER,
  handOver,
  loadBalancerService,
  QUICK_REPAIR_ENV,
  serviceVips,
  startCluster,
  warningEvents
} from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const TENANT = "ako.vmware.com/tenant-name"
const SHARD = `${CLUSTER}--Shared-L7-0`

const owned = (c: E2eCluster, type: string, tenant: string): ReadonlyArray<string> =>
  c.avi.objects(type, tenant).map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))
    .sort()

const tenantNamespace = (c: E2eCluster, name: string, tenant: string | undefined) =>
  c.kube.apply({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, ...(tenant === undefined ? {} : { annotations: { [TENANT]: tenant } }) }
  })

const ingress = (c: E2eCluster, namespace: string, host: string, secretName?: string) =>
  c.kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "app", namespace },
    spec: {
      ingressClassName: "avi-lb",
      ...(secretName === undefined ? {} : { tls: [{ hosts: [host], secretName }] }),
      rules: [{
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "site", port: { number: 80 } } } }]
        }
      }]
    }
  })

interface Annotated {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> }
  readonly status?: { readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ ip?: string }> } }
}

const ingressOf = (c: E2eCluster, namespace: string) =>
  c.kube.get("networking.k8s.io/v1/Ingress", namespace, "app") as (KubeObject & Annotated) | undefined

describe("namespace tenants", () => {
  it(
    "puts a namespace's L4 and L7 objects in its tenant, moves them with it, and a takeover writes nothing",
    async () => {
      const c = (cluster = await startCluster())
      c.avi.insert("tenant", { name: "team-a" })
      c.avi.insert("tenant", { name: "team-b" })
      c.kube.apply({
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: "avi-lb" },
        spec: { controller: "ako.vmware.com/avi-lb" }
      })
      tenantNamespace(c, "red", "team-a")
      tenantNamespace(c, "blue", undefined)
      tenantNamespace(c, "green", "ghost")
      tenantNamespace(c, "pink", "team-a")
      loadBalancerService(c.kube, "red", "web", { addresses: ["10.1.0.1"] })
      loadBalancerService(c.kube, "red", "site", { addresses: ["10.1.0.2"], type: "ClusterIP" })
      loadBalancerService(c.kube, "blue", "site", { addresses: ["10.2.0.2"], type: "ClusterIP" })
      loadBalancerService(c.kube, "pink", "site", { addresses: ["10.4.0.2"], type: "ClusterIP" })
      loadBalancerService(c.kube, "green", "lost", { addresses: ["10.3.0.1"] })
      await applyTlsSecret(c.kube, "red", "app-tls", "app.red.example.com")
      ingress(c, "red", "app.red.example.com", "app-tls")
      ingress(c, "blue", "app.blue.example.com")
      // pink keeps a host on team-a's shard after red leaves (AKO deletes a shard left empty when it restarts).
      ingress(c, "pink", "app.pink.example.com")
      const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)

      await waitFor(
        "red's objects in team-a and blue's in admin",
        () =>
          owned(c, "virtualservice", "team-a").length === 3 && owned(c, "virtualservice", "admin").length === 1 &&
          serviceVips(c.kube, "red", "web").length === 1 &&
          ingressOf(c, "red")?.metadata?.annotations?.[TENANT] !== undefined &&
          ingressOf(c, "pink")?.metadata?.annotations?.[TENANT] !== undefined &&
          ingressOf(c, "blue")?.metadata?.annotations?.[TENANT] !== undefined
      )
      // The same shard name in two tenants: two VSes; the SNI child, certificate and pools sit in red's tenant.
      expect(owned(c, "virtualservice", "team-a")).toEqual(
        [`${CLUSTER}--app.red.example.com`, SHARD, `${CLUSTER}--red-web`].sort()
      )
      expect(owned(c, "virtualservice", "admin")).toEqual([SHARD])
      expect(owned(c, "sslkeyandcertificate", "team-a")).toEqual([`${CLUSTER}--app.red.example.com`])
      expect(owned(c, "pool", "team-a")).toEqual([
        `${CLUSTER}--app.pink.example.com_-pink-app`,
        `${CLUSTER}--red-app.red.example.com_-app`,
        `${CLUSTER}--red-web-TCP-80`
      ].sort())
      expect(owned(c, "pool", "admin")).toEqual([`${CLUSTER}--app.blue.example.com_-blue-app`])
      expect(owned(c, "vsvip", "team-a")).toEqual([SHARD, `${CLUSTER}--red-web`].sort())
      expect(ingressOf(c, "red")?.metadata?.annotations?.[TENANT]).toBe("team-a")
      expect(ingressOf(c, "blue")?.metadata?.annotations?.[TENANT]).toBe("admin")
      // Writes go to the namespace's tenant (the SNI child has no tenant_ref: the header alone places it); the
      // missing tenant's are refused.
      const writes = c.aviWritesOf("ako-0").filter((entry) => entry.method === "POST")
      expect(new Set(writes.map((entry) => entry.tenant))).toEqual(new Set(["team-a", "admin", "ghost"]))
      expect(new Set(writes.filter((entry) => entry.tenant === "ghost").map((entry) => entry.status))).toEqual(
        new Set([403])
      )

      // A tenant Avi does not have: the Service and its Namespace hear why; the rest keeps syncing.
      const missing = await waitFor(
        "an Event on green/lost",
        () => warningEvents(c.kube, "green", "Service", "lost")[0]
      )
      expect(missing).toContain("AviTenantNotFound")
      expect(missing).toContain("the Avi tenant ghost does not exist")
      const onNamespace = await waitFor(
        "an Event on Namespace green",
        () => warningEvents(c.kube, "default", "Namespace", "green")[0]
      )
      expect(onNamespace).toContain("AviTenantNotFound")
      expect(serviceVips(c.kube, "green", "lost")).toEqual([])

      // Moving red to team-b moves everything it has; blue's shard stays where it is.
      tenantNamespace(c, "red", "team-b")
      await waitFor(
        "red's objects in team-b, gone from team-a",
        () =>
          owned(c, "virtualservice", "team-b").length === 3 &&
          !owned(c, "virtualservice", "team-a").includes(`${CLUSTER}--red-web`) &&
          !owned(c, "virtualservice", "team-a").includes(`${CLUSTER}--app.red.example.com`) &&
          ingressOf(c, "red")?.metadata?.annotations?.[TENANT] === "team-b" &&
          serviceVips(c.kube, "red", "web").length === 1
      )
      expect(owned(c, "pool", "team-a")).toEqual([`${CLUSTER}--app.pink.example.com_-pink-app`])
      expect(owned(c, "sslkeyandcertificate", "team-a")).toEqual([])
      expect(owned(c, "l4policyset", "team-a")).toEqual([])
      expect(owned(c, "virtualservice", "team-a")).toEqual([SHARD])
      expect(owned(c, "sslkeyandcertificate", "team-b")).toEqual([`${CLUSTER}--app.red.example.com`])
      expect(owned(c, "virtualservice", "admin")).toEqual([SHARD])

      const second = await handOver(c, first, "ako-1")
      expect(c.aviWritesOf("ako-1").filter((entry) => entry.tenant !== "ghost")).toEqual([])
      // No status or annotation rewritten (the Lease and Events aside).
      expect(c.kubeWritesOf("ako-1").filter((entry) => entry.resource !== "leases" && entry.resource !== "events"))
        .toEqual([])
      expect(second.messages().some((m) => m.includes("does not manage yet"))).toBe(false)
    },
    scaled(150_000)
  )

  it("in dedicatedTenantMode lists and writes tenantName only, whatever a namespace says", async () => {
    const c = (cluster = await startCluster({ config: { tenantName: "team-a", dedicatedTenantMode: "true" } }))
    c.avi.insert("tenant", { name: "team-a" })
    c.avi.insert("tenant", { name: "team-b" })
    tenantNamespace(c, "red", "team-b")
    loadBalancerService(c.kube, "red", "web", { addresses: ["10.1.0.1"] })
    await c.startReplica("ako-0")

    await waitFor(
      "red/web served from team-a",
      () =>
        owned(c, "virtualservice", "team-a").includes(`${CLUSTER}--red-web`) &&
        serviceVips(c.kube, "red", "web").length === 1
    )
    expect(owned(c, "virtualservice", "team-b")).toEqual([])
    const requests = c.aviRequestsOf("ako-0").filter((entry) => entry.path.startsWith("/api/"))
    const lists = requests.filter((entry) =>
      entry.method === "GET" && ["virtualservice", "pool", "vsvip"].includes(entry.objectType)
    )
    expect(lists.length).toBeGreaterThan(0)
    expect(new Set(lists.map((entry) => entry.tenant))).toEqual(new Set(["team-a"]))
    expect(requests.some((entry) => entry.tenant === "*")).toBe(false)
    expect(new Set(c.aviWritesOf("ako-0").map((entry) => entry.tenant))).toEqual(new Set(["team-a"]))
  }, scaled(90_000))
})
