/**
 * One bad TLS Secret is a problem of its own host only. A Secret with valid PEM armour around junk makes the
 * controller refuse the certificate; the other TLS host on the same shard still gets its SNI child and certificate,
 * the bad host gets a Warning Event on its own Ingress (with its uid, so `kubectl describe` shows it) and no status
 * that claims a VIP, and the good Ingress gets no Event at all.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { generate } from "selfsigned"
import { CLUSTER, loadBalancerService, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

interface IngressView {
  readonly metadata?: { readonly uid?: string }
  readonly status?: { readonly loadBalancer?: { readonly ingress?: ReadonlyArray<{ ip?: string; hostname?: string }> } }
}

interface EventView {
  readonly reason?: string
  readonly message?: string
  readonly involvedObject?: { readonly kind?: string; readonly name?: string; readonly uid?: string }
}

const b64 = (text: string) => Buffer.from(text).toString("base64")

const tlsIngress = (c: E2eCluster, namespace: string, host: string, certificate: string, key: string) => {
  c.kube.ensureNamespace(namespace)
  c.kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "tls", namespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": b64(certificate), "tls.key": b64(key) }
  })
  loadBalancerService(c.kube, namespace, "web", { addresses: ["10.4.0.1"], type: "ClusterIP" })
  c.kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "site", namespace },
    spec: {
      ingressClassName: "avi-lb",
      tls: [{ hosts: [host], secretName: "tls" }],
      rules: [{
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }]
        }
      }]
    }
  })
}

describe("a certificate the controller refuses", () => {
  it("affects its own host only: the shard's other TLS host syncs, the Event lands on the right Ingress", async () => {
    const c = (cluster = await startCluster())
    c.kube.apply({
      apiVersion: "networking.k8s.io/v1",
      kind: "IngressClass",
      metadata: { name: "avi-lb" },
      spec: { controller: "ako.vmware.com/avi-lb" }
    })
    const good = await generate([{ name: "commonName", value: "good.example.com" }], { keySize: 2048 })
    tlsIngress(c, "good", "good.example.com", good.cert, good.private)
    const junk = `-----BEGIN CERTIFICATE-----\n${b64("this is not DER at all, just text")}\n-----END CERTIFICATE-----\n`
    tlsIngress(c, "bad", "bad.example.com", junk, good.private)
    await c.startReplica("ako-0")

    await waitFor("the good host's SNI child", () => c.avi.findByName("virtualservice", `${CLUSTER}--good.example.com`))
    const ingress = (namespace: string) =>
      c.kube.get("networking.k8s.io/v1/Ingress", namespace, "site") as IngressView | undefined
    await waitFor("the good Ingress's VIP", () => (ingress("good")?.status?.loadBalancer?.ingress ?? []).length > 0)
    const events = (namespace: string) => c.kube.list("v1/Event", namespace) as ReadonlyArray<EventView>
    const refused = await waitFor(
      "the Event on the bad Ingress",
      () =>
        events("bad").find((event) =>
          event.involvedObject?.name === "site" && event.reason === "AviObjectRejected" &&
          (event.message ?? "").includes(`sslkeyandcertificate ${CLUSTER}--bad.example.com`)
        )
    )
    expect(refused.involvedObject?.uid).toBe(ingress("bad")?.metadata?.uid)
    expect(refused.involvedObject?.uid).toBeTruthy()
    expect(c.avi.findByName("virtualservice", `${CLUSTER}--bad.example.com`)).toBeUndefined()
    expect(c.avi.findByName("sslkeyandcertificate", `${CLUSTER}--good.example.com`)).toBeDefined()
    expect(ingress("bad")?.status?.loadBalancer?.ingress ?? []).toEqual([])
    expect(events("good").filter((event) => event.reason === "AviObjectRejected")).toEqual([])
  })
})
