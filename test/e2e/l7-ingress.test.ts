/**
 * An Ingress with two hosts, one of them TLS, through the controller process: the shared L7 virtual service, the
 * SNI child with its certificate and policies in Avi, and the VIP per host in the Ingress status.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { applyTlsSecret, CLUSTER, loadBalancerService, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster
let replica: Replica

const names = (type: string) =>
  cluster.avi.objects(type).map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))

interface IngressView {
  readonly status?: { readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ ip?: string; hostname?: string }> } }
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> }
}

beforeAll(async () => {
  cluster = await startCluster()
  const { kube } = cluster
  kube.ensureNamespace("shop")
  kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "avi-lb" },
    spec: { controller: "ako.vmware.com/avi-lb" }
  })
  await applyTlsSecret(kube, "shop", "shop-tls", "secure.shop.example.com")
  loadBalancerService(kube, "shop", "front", { addresses: ["10.3.0.1"], type: "ClusterIP" })
  loadBalancerService(kube, "shop", "cart", { addresses: ["10.3.0.2"], type: "ClusterIP" })
  replica = await cluster.startReplica("ako-0")
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("Ingress with an insecure and a TLS host", () => {
  it("gets the shard VS, the SNI child with its certificate and policies, and a VIP per host in its status", async () => {
    cluster.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "shop", namespace: "shop" },
      spec: {
        ingressClassName: "avi-lb",
        tls: [{ hosts: ["secure.shop.example.com"], secretName: "shop-tls" }],
        rules: [
          {
            host: "www.shop.example.com",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "front", port: { number: 80 } } } }]
            }
          },
          {
            host: "secure.shop.example.com",
            http: {
              paths: [{
                path: "/cart",
                pathType: "Prefix",
                backend: { service: { name: "cart", port: { number: 80 } } }
              }]
            }
          }
        ]
      }
    })
    // Status and annotations are two writes (status subresource, then metadata): wait for both.
    const ingress = await waitFor("both hosts in the Ingress status and the VS uuid map", () => {
      const current = cluster.kube.get("networking.k8s.io/v1/Ingress", "shop", "shop") as IngressView | undefined
      const entries = current?.status?.loadBalancer?.ingress ?? []
      const annotated = current?.metadata?.annotations?.["ako.vmware.com/host-fqdn-vs-uuid-map"] !== undefined
      return entries.length === 2 && annotated ? current : undefined
    }, 30_000)
    const entries = ingress!.status!.loadBalancer!.ingress!
    expect(entries.map((entry) => entry.hostname).sort()).toEqual(["secure.shop.example.com", "www.shop.example.com"])
    expect(new Set(entries.map((entry) => entry.ip)).size).toBe(1)
    expect(entries[0]!.ip).toMatch(/^10\.50\./)

    const shard = `${CLUSTER}--Shared-L7-0`
    expect(names("vsvip")).toEqual([shard])
    expect(names("virtualservice").sort()).toEqual([`${CLUSTER}--secure.shop.example.com`, shard].sort())
    expect(names("sslkeyandcertificate")).toEqual([`${CLUSTER}--secure.shop.example.com`])
    expect(names("httppolicyset")).toContain(`${CLUSTER}--shop-secure.shop.example.com`)
    expect(names("vsdatascriptset").length).toBeGreaterThan(0)
    expect(names("poolgroup").length).toBeGreaterThanOrEqual(2)
    expect(names("pool").length).toBe(2)

    const child = cluster.avi.findByName("virtualservice", `${CLUSTER}--secure.shop.example.com`)!
    expect(String(child["vh_parent_vs_ref"])).toContain(
      String(cluster.avi.findByName("virtualservice", shard)!["uuid"])
    )
    const certificate = cluster.avi.findByName("sslkeyandcertificate", `${CLUSTER}--secure.shop.example.com`)!
    expect(JSON.stringify(certificate)).not.toContain("PRIVATE KEY")

    const uuidMap = JSON.parse(ingress!.metadata!.annotations!["ako.vmware.com/host-fqdn-vs-uuid-map"]!) as Record<
      string,
      string
    >
    expect(uuidMap["secure.shop.example.com"]).toBe(child["uuid"])
    expect(uuidMap["www.shop.example.com"]).toBe(cluster.avi.findByName("virtualservice", shard)!["uuid"])
  })

  it("removes the hosts' objects when the Ingress is deleted and keeps the shard's VS and VIP", async () => {
    cluster.kube.delete("networking.k8s.io/v1/Ingress", "shop", "shop")
    await waitFor(
      "the SNI child and certificate to be deleted",
      () =>
        !names("virtualservice").includes(`${CLUSTER}--secure.shop.example.com`) &&
        names("sslkeyandcertificate").length === 0,
      30_000
    ).catch((error: Error) => {
      const warnings = replica.logs().filter((line) => line["logLevel"] !== "INFO" && line["logLevel"] !== "DEBUG")
      throw new Error(`${error.message}\n${warnings.map((line) => JSON.stringify(line)).join("\n")}`)
    })
    await waitFor("the host pools to be deleted", () => names("pool").length === 0, 30_000)
    // The shard keeps its VS and VIP, as AKO does, so the address survives the next Ingress.
    expect(names("vsvip")).toEqual([`${CLUSTER}--Shared-L7-0`])
  })
})

describe("an Ingress deleted while its status is being written", () => {
  it("is cleaned up, and the controller keeps running", async () => {
    cluster.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "flash", namespace: "shop" },
      spec: {
        ingressClassName: "avi-lb",
        tls: [{ hosts: ["secure.shop.example.com"], secretName: "shop-tls" }],
        rules: [{
          host: "secure.shop.example.com",
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "cart", port: { number: 80 } } } }]
          }
        }]
      }
    })
    await waitFor(
      "the Ingress status",
      () =>
        ((cluster.kube.get("networking.k8s.io/v1/Ingress", "shop", "flash") as IngressView | undefined)?.status
          ?.loadBalancer?.ingress ?? []).length > 0,
      30_000
    )
    // No wait for the annotation write that follows the status write: it meets a deleted object.
    cluster.kube.delete("networking.k8s.io/v1/Ingress", "shop", "flash")
    await waitFor("the SNI child to be deleted", () => names("sslkeyandcertificate").length === 0, 30_000)
    expect(replica.process.child.exitCode).toBeNull()
    expect(replica.messages().filter((message) => message.startsWith("ako-ts failed"))).toEqual([])
  })
})
