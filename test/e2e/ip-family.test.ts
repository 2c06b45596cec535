/**
 * Dual stack and noPGForSNI end to end: a dual-stack LoadBalancer Service on a VIP network with a v6cidr gets an
 * IPv4 and an IPv6 VIP in its status and both families of backends in its pool; an Ingress host switches to its pool
 * without a pool group; a replica that takes over finds nothing to write.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { applyTlsSecret, CLUSTER, handOver, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

beforeAll(async () => {
  cluster = await startCluster({
    config: {
      vipNetworkList: JSON.stringify([{ networkName: "vip-network", cidr: "10.50.0.0/16", v6cidr: "fd00:50::/64" }]),
      noPGForSNI: "true"
    },
    avi: { vipNetwork: { v6cidr: "fd00:50::/64" } }
  })
  replica = await cluster.startReplica("ako-0")
  await waitFor("the replica to be ready", async () => (await replica.readyz()) === 200, 30_000)
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

const applyDualStackService = () => {
  cluster.kube.ensureNamespace("red")
  cluster.kube.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "red" },
    spec: {
      type: "LoadBalancer",
      ipFamilies: ["IPv4", "IPv6"],
      ipFamilyPolicy: "RequireDualStack",
      ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]
    }
  })
  for (const [family, address] of [["IPv4", "10.1.0.1"], ["IPv6", "fd00:1::1"]] as const) {
    cluster.kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: `web-${family.toLowerCase()}`,
        namespace: "red",
        labels: { "kubernetes.io/service-name": "web" }
      },
      addressType: family,
      endpoints: [{ addresses: [address], conditions: { ready: true } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }]
    })
  }
}

describe("dual stack on a no-access cloud (ipFamily unset means V4_V6, as in AKO)", () => {
  it("gives a dual-stack Service one VIP of each family and both families of backends", async () => {
    applyDualStackService()
    const vips = await waitFor("two VIPs in the Service status", () => {
      const current = serviceVips(cluster.kube, "red", "web")
      return current.length === 2 ? current : undefined
    })
    expect(vips[0]).toMatch(/^10\.50\./)
    expect(vips[1]).toMatch(/^fd00:50::/)
    const vsVip = cluster.avi.findByName("vsvip", `${CLUSTER}--red-web`) as { vip?: Array<Record<string, unknown>> }
    expect(vsVip.vip?.[0]?.["auto_allocate_ip_type"]).toBe("V4_V6")
    const pool = cluster.avi.findByName("pool", `${CLUSTER}--red-web-TCP-80`) as { servers?: Array<{ ip: unknown }> }
    expect(pool.servers?.map((server) => server.ip)).toEqual([
      { addr: "10.1.0.1", type: "V4" },
      { addr: "fd00:1::1", type: "V6" }
    ])
  })

  it("switches an Ingress host straight to its pool with noPGForSNI", async () => {
    cluster.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: "avi-lb" },
      spec: { controller: "ako.vmware.com/avi-lb" }
    })
    cluster.kube.ensureNamespace("shop")
    cluster.kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "cart", namespace: "shop" },
      spec: { type: "ClusterIP", ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] }
    })
    await applyTlsSecret(cluster.kube, "shop", "shop-tls", "secure.shop.example.com")
    cluster.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "shop", namespace: "shop" },
      spec: {
        ingressClassName: "avi-lb",
        tls: [{ hosts: ["secure.shop.example.com"], secretName: "shop-tls" }],
        rules: [{
          host: "secure.shop.example.com",
          http: {
            paths: [{
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "cart", port: { number: 80 } } }
            }]
          }
        }]
      }
    })
    const pool = `${CLUSTER}--shop-secure.shop.example.com_-shop--policy-to-pool`
    const policy = await waitFor(
      "the host's policy set",
      () =>
        cluster.avi.findByName("httppolicyset", `${CLUSTER}--shop-secure.shop.example.com`) as
          | { http_request_policy?: { rules?: Array<{ switching_action?: { action?: string; pool_ref?: string } }> } }
          | undefined
    )
    expect(policy.http_request_policy?.rules?.[0]?.switching_action?.action).toBe("HTTP_SWITCHING_SELECT_POOL")
    expect(cluster.avi.findByName("pool", pool)).toBeDefined()
    expect(
      cluster.avi.objects("poolgroup").map((pg) => String(pg["name"])).filter((name) => name.includes("secure.shop"))
    ).toEqual([])
  })

  it("lets a replica that takes over find nothing to write", async () => {
    const aviObjects = JSON.stringify(cluster.avi.objects("vsvip"))
    const second = await handOver(cluster, replica, "ako-1")
    replica = second
    expect(cluster.aviWritesOf("ako-1").map((entry) => `${entry.method} ${entry.path}`)).toEqual([])
    expect(JSON.stringify(cluster.avi.objects("vsvip"))).toBe(aviObjects)
    expect(serviceVips(cluster.kube, "red", "web")).toHaveLength(2)
  })
})
