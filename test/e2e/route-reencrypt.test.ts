/**
 * A re-encrypt Route end to end: its pool speaks TLS to the backend and verifies it with a PKI profile built from
 * `destinationCACertificate`, its edge CA becomes a CA certificate the VS certificate refers to, the Route is
 * admitted with the VIP, a takeover over that state writes nothing, a new destination CA rewrites the profile and
 * deleting the Route removes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { CLUSTER, handOver, loadBalancerService, QUICK_REPAIR_ENV, selfSigned, startCluster } from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

const HOST = "secure.apps.example.com"
const POOL = `${CLUSTER}--web-${HOST}-frontend-frontend`
const PKI = `${POOL}-pkiprofile`
const CERT = `${CLUSTER}--${HOST}`
const CA_CERT = `${CERT}-cacert`
const SHARD = `${CLUSTER}--Shared-L7-0`

interface RouteView {
  readonly status?: {
    readonly ingress?: ReadonlyArray<{
      readonly host?: string
      readonly conditions?: ReadonlyArray<
        { readonly type?: string; readonly status?: string; readonly message?: string }
      >
    }>
  }
}

let cluster: E2eCluster
let replica: Replica

const refName = (value: unknown) => String(value).slice(String(value).lastIndexOf("#") + 1)
const pkiCa = () =>
  (cluster.avi.findByName("pkiprofile", PKI)?.["ca_certs"] as ReadonlyArray<{ certificate?: string }> | undefined)?.[0]
    ?.certificate

const applyRoute = async (destinationCA: string) => {
  const pem = await selfSigned(HOST)
  const edgeCa = await selfSigned("route-edge-ca")
  cluster.kube.apply({
    apiVersion: "route.openshift.io/v1",
    kind: "Route",
    metadata: { name: "frontend", namespace: "web" },
    spec: {
      host: HOST,
      to: { kind: "Service", name: "frontend", weight: 100 },
      tls: {
        termination: "reencrypt",
        certificate: pem.cert,
        key: pem.key,
        caCertificate: edgeCa.cert,
        destinationCACertificate: destinationCA,
        insecureEdgeTerminationPolicy: "Redirect"
      }
    }
  })
}

beforeAll(async () => {
  cluster = await startCluster()
  loadBalancerService(cluster.kube, "web", "frontend", { type: "ClusterIP", addresses: ["10.9.0.1"], targetPort: 8443 })
  replica = await cluster.startReplica("ako-0", QUICK_REPAIR_ENV)
}, scaled(60_000))

afterAll(async () => {
  await cluster?.close()
})

describe("a re-encrypt Route", () => {
  it("re-encrypts to its backend, verified by a PKI profile, and is admitted with the VIP", async () => {
    const backendCa = await selfSigned("backend-ca")
    await applyRoute(backendCa.cert)
    // The SNI child is written last, after the certificates and pools it refers to.
    await waitFor("the SNI child", () => cluster.avi.findByName("virtualservice", CERT), 30_000)
    const pool = cluster.avi.findByName("pool", POOL)
    expect(pool!["sni_enabled"]).toBe(true)
    expect(refName(pool!["ssl_profile_ref"])).toBe("System-Standard")
    expect(refName(pool!["pki_profile_ref"])).toBe(PKI)
    expect(pkiCa()).toBe(backendCa.cert)
    expect(cluster.avi.findByName("pkiprofile", PKI)?.["crl_check"]).toBe(false)

    // The Route's edge CA: a CA certificate of its own, referred to by the certificate the SNI child serves.
    const ca = cluster.avi.findByName("sslkeyandcertificate", CA_CERT)
    expect(ca?.["type"]).toBe("SSL_CERTIFICATE_TYPE_CA")
    const cert = cluster.avi.findByName("sslkeyandcertificate", CERT)
    expect((cert?.["ca_certs"] as ReadonlyArray<{ ca_ref?: string }>).map((c) => refName(c.ca_ref))).toEqual([CA_CERT])
    const child = cluster.avi.findByName("virtualservice", CERT)
    expect((child?.["ssl_key_and_certificate_refs"] as ReadonlyArray<string>).map(refName)).toEqual([CERT])

    const vip =
      (cluster.avi.findByName("vsvip", SHARD)?.["vip"] as ReadonlyArray<{ ip_address?: { addr?: string } }>)[0]
        ?.ip_address?.addr
    expect(vip).toBeDefined()
    const route = await waitFor("the Route admitted with the VIP", () => {
      const current = cluster.kube.get("route.openshift.io/v1/Route", "web", "frontend") as RouteView | undefined
      const entry = current?.status?.ingress?.[0]
      return entry?.conditions?.[0]?.message === vip ? entry : undefined
    }, 30_000)
    expect(route!.host).toBe(HOST)
    expect(route!.conditions?.[0]).toMatchObject({ type: "Admitted", status: "True" })
  }, scaled(90_000))

  it("a takeover over that state writes nothing to Avi", async () => {
    replica = await handOver(cluster, replica, "ako-1")
    expect(cluster.aviWritesOf("ako-1")).toEqual([])
  }, scaled(90_000))

  it("a new destination CA rewrites the PKI profile; deleting the Route removes it", async () => {
    const rotated = await selfSigned("backend-ca-2")
    await applyRoute(rotated.cert)
    await waitFor("the PKI profile with the new CA", () => pkiCa() === rotated.cert, 30_000)
    expect(refName(cluster.avi.findByName("pool", POOL)?.["pki_profile_ref"])).toBe(PKI)

    cluster.kube.delete("route.openshift.io/v1/Route", "web", "frontend")
    await waitFor(
      "the pool, its PKI profile and the certificates gone",
      () =>
        cluster.avi.findByName("pool", POOL) === undefined &&
        cluster.avi.findByName("pkiprofile", PKI) === undefined &&
        cluster.avi.findByName("sslkeyandcertificate", CA_CERT) === undefined &&
        cluster.avi.findByName("sslkeyandcertificate", CERT) === undefined,
      30_000
    )
  }, scaled(90_000))
})
