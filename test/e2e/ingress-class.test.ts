/**
 * An input many units depend on: the IngressClass. Deleting it, or taking away its default-class annotation, must
 * remove the Avi objects and the statuses of every Ingress that relied on it, at once and without a restart.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { CLUSTER, loadBalancerService, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const ingressIps = (c: E2eCluster, name: string): ReadonlyArray<string> => {
  const ingress = c.kube.get("networking.k8s.io/v1/Ingress", "shop", name) as {
    status?: { loadBalancer?: { ingress?: ReadonlyArray<{ ip?: string }> } }
  }
  return (ingress?.status?.loadBalancer?.ingress ?? []).map((entry) => entry.ip ?? "")
}

const pools = (c: E2eCluster) =>
  c.avi.objects("pool").map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))

const defaultClass = (isDefault: boolean) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: {
    name: "avi-lb",
    annotations: isDefault ? { "ingressclass.kubernetes.io/is-default-class": "true" } : {}
  },
  spec: { controller: "ako.vmware.com/avi-lb" }
})

const setup = async () => {
  const c = (cluster = await startCluster())
  c.kube.ensureNamespace("shop")
  c.kube.apply(defaultClass(true))
  loadBalancerService(c.kube, "shop", "front", { addresses: ["10.3.0.1"], type: "ClusterIP" })
  for (const [name, className] of [["by-default", undefined], ["by-name", "avi-lb"]] as const) {
    c.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name, namespace: "shop" },
      spec: {
        ...(className === undefined ? {} : { ingressClassName: className }),
        rules: [{
          host: `${name}.shop.example.com`,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "front", port: { number: 80 } } } }]
          }
        }]
      }
    })
  }
  await c.startReplica("ako-0")
  await waitFor(
    "both Ingresses to get a VIP",
    () => ingressIps(c, "by-default").length > 0 && ingressIps(c, "by-name").length > 0
  )
  expect(pools(c)).toHaveLength(2)
  return c
}

describe("the IngressClass many Ingresses depend on", () => {
  it("losing its default-class annotation removes only the class-less Ingress's pool and status", async () => {
    const c = await setup()
    c.kube.apply(defaultClass(false))
    await waitFor("the class-less Ingress's pool deleted", () => pools(c).length === 1)
    await waitFor("its status cleared", () => ingressIps(c, "by-default").length === 0)
    expect(pools(c)).toEqual([`${CLUSTER}--by-name.shop.example.com_-shop-by-name`])
    expect(ingressIps(c, "by-name").length).toBeGreaterThan(0)
  })

  it("deleting it removes every Ingress's pools and statuses", async () => {
    const c = await setup()
    c.kube.delete("networking.k8s.io/v1/IngressClass", undefined, "avi-lb")
    await waitFor("every host pool deleted", () => pools(c).length === 0)
    await waitFor(
      "both statuses cleared",
      () => ingressIps(c, "by-default").length + ingressIps(c, "by-name").length === 0
    )
  })
})
