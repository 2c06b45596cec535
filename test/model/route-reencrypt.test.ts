/**
 * Re-encrypt Routes, a Route's edge CA certificate and a Secret's alternate certificate, against AKO's bodies and
 * checksums (reference/ako-objects.md §11.3, §11.4; AKO `BuildPoolSecurity`, `BuildTlsCertNode`, `BuildCACertNode`).
 */
import { describe, expect, it } from "vitest"
import type { HostRule, MarkerFields, Route, Secret } from "../../src/model/index.js"
import {
  certificateChecksum,
  H,
  makeSnapshot,
  markersChecksum,
  observedCertificateChecksum,
  observedPkiProfileChecksum,
  poolChecksum,
  sum32,
  translate,
  virtualServiceChecksum
} from "../../src/model/index.js"
import {
  aviIngressClass,
  CERT_PEM,
  CLUSTER_MARKER,
  clusterIpService,
  find,
  ingress,
  KEY_PEM,
  order,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

// fnv1a32("secure.example.com") → LARGE shard 7.
const HOST = "secure.example.com"
const SHARD = "admin/c1--Shared-L7-7"
const CHILD = `c1--${HOST}`
const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"
const DEST_CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBdest\n-----END CERTIFICATE-----\n"
const ALT_CERT = "-----BEGIN CERTIFICATE-----\nMIIBalt\n-----END CERTIFICATE-----\n"
const ALT_KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcalt\n-----END EC PRIVATE KEY-----\n"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8443 }])
const api = clusterIpService("default", "api", [{ name: "http", port: 80, targetPort: 8443 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8443 }], [{ ip: "10.2.0.2", ready: true }])

const route = (name: string, tls: NonNullable<NonNullable<Route["spec"]>["tls"]>, extra = {}): Route => ({
  metadata: { name, namespace: "default" },
  spec: { host: HOST, to: { kind: "Service", name: "web" }, tls, ...extra }
})

const reencrypt = route("re", {
  termination: "reencrypt",
  certificate: CERT_PEM,
  key: KEY_PEM,
  destinationCACertificate: DEST_CA_PEM,
  insecureEdgeTerminationPolicy: "Redirect"
}, { alternateBackends: [{ kind: "Service", name: "api", weight: 20 }] })

const run = (routes: ReadonlyArray<Route>, extra: Parameters<typeof makeSnapshot>[0] = {}, shardVSSize?: "DEDICATED") =>
  translate(
    makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes, ...extra }),
    settings(shardVSSize === undefined ? {} : { shardVSSize })
  )

const poolMarkers = (service: string): MarkerFields => ({
  Namespace: "default",
  Host: [HOST],
  ServiceName: service,
  Path: [""],
  IngressName: ["re"]
})

const markerList = (fields: MarkerFields) => [
  CLUSTER_MARKER,
  ...Object.entries(fields).map(([key, value]) => ({ key, values: Array.isArray(value) ? value : [value] }))
]

describe("re-encrypt Route", () => {
  const { desired, problems } = run([reencrypt])
  const unit = desired.get(SHARD)
  const webPool = "c1--default-secure.example.com-re-web"
  const apiPool = "c1--default-secure.example.com-re-api"

  it("is served: the certificate, then each pool's PKI profile before the pools, then the child", () => {
    expect(problems).toEqual([])
    expect(order(unit).slice(5)).toEqual([
      `sslkeyandcertificate:${CHILD}`,
      `pkiprofile:${apiPool}-pkiprofile`,
      `pkiprofile:${webPool}-pkiprofile`,
      `pool:${apiPool}`,
      `pool:${webPool}`,
      "poolgroup:c1--default-secure.example.com-re",
      "httppolicyset:c1--default-secure.example.com",
      `virtualservice:${CHILD}`
    ])
    // The Redirect policy is handled as for an edge Route.
    expect(find(unit, "httppolicyset", "c1--Shared-L7-7")).toBeDefined()
  })

  it("each pool talks TLS with SNI, the System-Standard SSL profile and its own PKI profile", () => {
    for (const pool of [webPool, apiPool]) {
      const body = find(unit, "pool", pool)!.body
      expect(body["sni_enabled"]).toBe(true)
      expect(body["ssl_profile_ref"]).toBe("/api/sslprofile?name=System-Standard")
      expect(body["pki_profile_ref"]).toBe(`/api/pkiprofile?name=${pool}-pkiprofile`)
      expect(find(unit, "pool", pool)!.dependsOn).toContainEqual({ type: "pkiprofile", name: `${pool}-pkiprofile` })
    }
  })

  it("the PKI profile is AKO's body, with the pool's own markers, and its checksum is what AKO reads back", () => {
    const name = `${webPool}-pkiprofile`
    const pki = find(unit, "pkiprofile", name)!
    expect(pki.body).toEqual({
      name,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: markerList(poolMarkers("web")),
      crl_check: false,
      ca_certs: [{ certificate: DEST_CA_PEM }]
    })
    const expected = sum32(H(name + DEST_CA_PEM), markersChecksum("c1", poolMarkers("web")))
    expect(pki.checksum).toBe(String(expected))
    expect(pki.checksum).toBe(String(observedPkiProfileChecksum("c1", pki.body)))
  })

  it("sni_enabled, the SSL profile and the PKI profile enter the pool checksum", () => {
    const pki = find(unit, "pkiprofile", `${webPool}-pkiprofile`)!
    const expected = Number(pki.checksum) + poolChecksum({
      clusterName: "c1",
      protocol: "",
      port: 8443,
      portName: "http",
      servers: [{ addr: "10.2.0.2", type: "V4", serverNode: "", port: 0, enabled: true }],
      sniEnabled: true,
      priorityLabel: HOST,
      namespaceServiceNames: [],
      hostnames: [HOST],
      markers: poolMarkers("web"),
      crd: { sslProfileRef: "/api/sslprofile?name=System-Standard" },
      t1lr: undefined,
      networkPlacement: undefined
    })
    expect(find(unit, "pool", webPool)!.checksum).toBe(String(expected >>> 0))
  })

  it("without destinationCACertificate: TLS to the backend, not verified, no PKI profile", () => {
    const plain = run([route("re", { termination: "reencrypt", certificate: CERT_PEM, key: KEY_PEM })])
      .desired.get(SHARD)
    const pool = find(plain, "pool", webPool)!
    expect(pool.body["sni_enabled"]).toBe(true)
    expect(pool.body["ssl_profile_ref"]).toBe("/api/sslprofile?name=System-Standard")
    expect(pool.body["pki_profile_ref"]).toBeUndefined()
    expect(order(plain).filter((o) => o.startsWith("pkiprofile:"))).toEqual([])
    // The destination CA changes the pool's checksum, so a CA change rewrites the pool along with its profile.
    expect(pool.checksum).not.toBe(find(unit, "pool", webPool)!.checksum)
  })

  it("a Route's pools own their TLS fields: a pool that stops re-encrypting loses them", () => {
    expect(find(unit, "pool", webPool)!.ownedFields).toEqual(["ssl_profile_ref", "pki_profile_ref"])
    const edge = run([route("re", { termination: "edge", certificate: CERT_PEM, key: KEY_PEM })]).desired.get(SHARD)
    const pool = find(edge, "pool", webPool)!
    expect(pool.body["sni_enabled"]).toBe(false)
    expect(pool.body["ssl_profile_ref"]).toBeUndefined()
    expect(pool.ownedFields).toEqual(["ssl_profile_ref", "pki_profile_ref"])
  })

  it("without a certificate of its own: the default router-certs-default, or not served when it is missing", () => {
    const noCert = route("re", { termination: "reencrypt", destinationCACertificate: DEST_CA_PEM })
    const served = run([noCert], { secrets: [tlsSecret("avi-system", "router-certs-default")] }).desired.get(SHARD)
    expect(order(served)).toContain("sslkeyandcertificate:c1--router-certs-default")
    expect(find(served, "pool", webPool)!.body["sni_enabled"]).toBe(true)
    const missing = run([noCert])
    expect(missing.problems).toEqual([{
      object: { kind: "Route", namespace: "default", name: "re" },
      field: "spec.tls",
      reason: "SecretNotFound",
      message:
        "TLS Secret avi-system/router-certs-default does not exist; the reencrypt Route has no certificate of its own and is not served"
    }])
  })

  it("Allow: the plain-HTTP companion pool does not re-encrypt", () => {
    const allow = run([route("re", {
      termination: "reencrypt",
      certificate: CERT_PEM,
      key: KEY_PEM,
      destinationCACertificate: DEST_CA_PEM,
      insecureEdgeTerminationPolicy: "Allow"
    })]).desired.get(SHARD)
    const insecure = find(allow, "pool", "c1--secure.example.com-default-re-web")!
    expect(insecure.body["sni_enabled"]).toBe(false)
    expect(insecure.body["pki_profile_ref"]).toBeUndefined()
    expect(find(allow, "pool", webPool)!.body["sni_enabled"]).toBe(true)
  })

  it("a HostRule's certificate makes AKO build the host as an edge one: no re-encryption", () => {
    const rule: HostRule = {
      metadata: { name: "hr", namespace: "default" },
      spec: { virtualhost: { fqdn: HOST, tls: { sslKeyCertificate: { name: "team-cert", type: "ref" } } } }
    }
    const ruled = run([reencrypt], { hostRules: [rule] }).desired.get(SHARD)
    expect(find(ruled, "pool", webPool)!.body["sni_enabled"]).toBe(false)
    expect(order(ruled).filter((o) => o.startsWith("pkiprofile:"))).toEqual([])
  })

  it("DEDICATED: the dedicated VS's pools re-encrypt too", () => {
    const dedicated = run([reencrypt], {}, "DEDICATED").desired.get(`admin/c1--${HOST}-L7-dedicated`)
    const pool = `${webPool}-L7-dedicated`
    expect(find(dedicated, "pool", pool)!.body["pki_profile_ref"]).toBe(`/api/pkiprofile?name=${pool}-pkiprofile`)
    expect(order(dedicated).indexOf(`pkiprofile:${pool}-pkiprofile`)).toBeLessThan(
      order(dedicated).indexOf(`pool:${pool}`)
    )
  })
})

describe("a Route's edge CA certificate", () => {
  const withCa = (termination: string) =>
    run([route("edge", { termination, certificate: CERT_PEM, key: KEY_PEM, caCertificate: CA_PEM })])
  const { desired, problems } = withCa("edge")
  const unit = desired.get(SHARD)
  const caName = `${CHILD}-cacert`
  const certMarkers: MarkerFields = { Host: [HOST] }

  it("is a CA certificate of its own, written before the certificate that refers to it", () => {
    expect(problems).toEqual([])
    const ca = find(unit, "sslkeyandcertificate", caName)!
    expect(ca.body).toEqual({
      name: caName,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: markerList(certMarkers),
      type: "SSL_CERTIFICATE_TYPE_CA",
      certificate: { certificate: CA_PEM },
      key: ""
    })
    expect(ca.checksum).toBe(String(sum32(H(caName + CA_PEM), markersChecksum("c1", certMarkers))))
    expect(ca.checksum).toBe(String(observedCertificateChecksum("c1", ca.body)))
    expect(order(unit).indexOf(`sslkeyandcertificate:${caName}`)).toBeLessThan(
      order(unit).indexOf(`sslkeyandcertificate:${CHILD}`)
    )
  })

  it("the certificate refers to it, and its checksum includes the CA's name (as AKO reads it back)", () => {
    const cert = find(unit, "sslkeyandcertificate", CHILD)!
    expect(cert.body["ca_certs"]).toEqual([{ ca_ref: `/api/sslkeyandcertificate/?name=${caName}`, name: caName }])
    expect(cert.dependsOn).toEqual([{ type: "sslkeyandcertificate", name: caName }])
    expect(cert.checksum).toBe(String(certificateChecksum("c1", CHILD, CERT_PEM, caName, certMarkers)))
    expect(cert.checksum).toBe(String(sum32(H(CHILD + CERT_PEM + caName), markersChecksum("c1", certMarkers))))
    expect(cert.checksum).toBe(String(observedCertificateChecksum("c1", cert.body)))
  })

  it("the child serves the certificate only, and counts the CA in its checksum (`CACert<name>`)", () => {
    const child = find(unit, "virtualservice", CHILD)!
    expect(child.body["ssl_key_and_certificate_refs"]).toEqual([`/api/sslkeyandcertificate/?name=${CHILD}`])
    const expected = virtualServiceChecksum({
      clusterName: "c1",
      refs: [
        "HttpPolicyc1--default-secure.example.com",
        `CACert${caName}`,
        `SSLKeyCert${CHILD}`,
        `VHDomain${HOST}`
      ],
      applicationProfile: "",
      serviceEngineGroup: "Default-Group",
      networkProfile: "",
      ports: [
        { port: 80, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" },
        { port: 443, targetPort: 0, protocol: "HTTP", enableSsl: true, name: "" }
      ],
      hostnames: [HOST],
      trafficEnabled: undefined,
      enableRhi: undefined,
      markers: { Namespace: "default", Host: [HOST] },
      crd: undefined
    })
    expect(child.checksum).toBe(String(expected))
  })

  it("applies to re-encrypt Routes too, and not to the default certificate", () => {
    expect(order(withCa("reencrypt").desired.get(SHARD))).toContain(`sslkeyandcertificate:${caName}`)
    const onDefault = run([route("edge", { termination: "edge", caCertificate: CA_PEM })], {
      secrets: [tlsSecret("avi-system", "router-certs-default")]
    }).desired.get(SHARD)
    expect(order(onDefault).filter((o) => o.endsWith("-cacert"))).toEqual([])
    expect(find(onDefault, "sslkeyandcertificate", "c1--router-certs-default")!.body["ca_certs"]).toBeUndefined()
  })
})

describe("a TLS Secret's alternate certificate (alt.crt, alt.key)", () => {
  const withAlt = (namespace: string, name: string): Secret => {
    const secret = tlsSecret(namespace, name)
    return {
      ...secret,
      data: {
        ...secret.data,
        "alt.crt": Buffer.from(ALT_CERT).toString("base64"),
        "alt.key": Buffer.from(ALT_KEY).toString("base64")
      }
    }
  }
  const secureIngress = ingress(
    "default",
    "secure",
    [{ host: HOST, paths: [{ path: "/", service: "web", port: 80 }] }],
    {
      tls: [{ hosts: [HOST], secretName: "secure-tls" }]
    }
  )
  const ingressUnit = (secret: Secret, shardVSSize?: "DEDICATED") =>
    translate(
      makeSnapshot({
        services: [web],
        ingressClasses: [aviIngressClass("avi-lb")],
        ingresses: [secureIngress],
        secrets: [secret]
      }),
      settings(shardVSSize === undefined ? {} : { shardVSSize })
    ).desired

  it("becomes a second certificate `<host>-alt` with the same type and markers, served after the first", () => {
    const unit = ingressUnit(withAlt("default", "secure-tls")).get(SHARD)
    const alt = find(unit, "sslkeyandcertificate", `${CHILD}-alt`)!
    expect(alt.body).toEqual({
      name: `${CHILD}-alt`,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: markerList({ Host: [HOST] }),
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: ALT_CERT },
      key: ALT_KEY
    })
    expect(alt.checksum).toBe(String(certificateChecksum("c1", `${CHILD}-alt`, ALT_CERT, "", { Host: [HOST] })))
    const child = find(unit, "virtualservice", CHILD)!
    expect(child.body["ssl_key_and_certificate_refs"]).toEqual([
      `/api/sslkeyandcertificate/?name=${CHILD}`,
      `/api/sslkeyandcertificate/?name=${CHILD}-alt`
    ])
    expect(order(unit).indexOf(`sslkeyandcertificate:${CHILD}-alt`)).toBeLessThan(
      order(unit).indexOf(`virtualservice:${CHILD}`)
    )
    const expected = virtualServiceChecksum({
      clusterName: "c1",
      refs: [
        "HttpPolicyc1--default-secure.example.com",
        `SSLKeyCert${CHILD}`,
        `SSLKeyCert${CHILD}-alt`,
        `VHDomain${HOST}`
      ],
      applicationProfile: "",
      serviceEngineGroup: "Default-Group",
      networkProfile: "",
      ports: [
        { port: 80, targetPort: 0, protocol: "HTTP", enableSsl: false, name: "" },
        { port: 443, targetPort: 0, protocol: "HTTP", enableSsl: true, name: "" }
      ],
      hostnames: [HOST],
      trafficEnabled: undefined,
      enableRhi: undefined,
      markers: { Namespace: "default", Host: [HOST] },
      crd: undefined
    })
    expect(child.checksum).toBe(String(expected))
  })

  it("needs both keys", () => {
    const secret = withAlt("default", "secure-tls")
    const { "alt.key": _key, ...onlyCert } = secret.data ?? {}
    const unit = ingressUnit({ ...secret, data: onlyCert }).get(SHARD)
    expect(order(unit).filter((o) => o.endsWith("-alt"))).toEqual([])
  })

  it("DEDICATED: the VS serves both", () => {
    const unit = ingressUnit(withAlt("default", "secure-tls"), "DEDICATED").get(`admin/c1--${HOST}-L7-dedicated`)
    expect(find(unit, "virtualservice", `c1--${HOST}-L7-dedicated`)!.body["ssl_key_and_certificate_refs"]).toEqual([
      `/api/sslkeyandcertificate/?name=${CHILD}`,
      `/api/sslkeyandcertificate/?name=${CHILD}-alt`
    ])
  })

  it("router-certs-default's: `<cluster>--router-certs-default-alt`, with the cluster marker only", () => {
    const unit = run([route("edge", { termination: "edge" })], {
      secrets: [withAlt("avi-system", "router-certs-default")]
    }).desired.get(SHARD)
    const alt = find(unit, "sslkeyandcertificate", "c1--router-certs-default-alt")!
    expect(alt.body["markers"]).toEqual([CLUSTER_MARKER])
    expect(find(unit, "virtualservice", CHILD)!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate/?name=c1--router-certs-default",
      "/api/sslkeyandcertificate/?name=c1--router-certs-default-alt"
    ])
  })
})

describe("creation order", () => {
  it("every object comes after what it refers to (CA, certificates, PKI profiles, pools), as AKO writes them", () => {
    const all = route("re", {
      termination: "reencrypt",
      certificate: CERT_PEM,
      key: KEY_PEM,
      caCertificate: CA_PEM,
      destinationCACertificate: DEST_CA_PEM
    }, { alternateBackends: [{ kind: "Service", name: "api", weight: 20 }] })
    for (const shardVSSize of [undefined, "DEDICATED"] as const) {
      for (const unit of run([all], {}, shardVSSize).desired.values()) {
        const seen = new Set<string>()
        for (const object of unit.objects) {
          for (const dependency of object.dependsOn) {
            if (dependency.type === "virtualservice") continue
            expect(seen.has(`${dependency.type}/${dependency.name}`), `${object.name} → ${dependency.name}`).toBe(true)
          }
          seen.add(`${object.type}/${object.name}`)
        }
        expect(unit.objects.some((o) => o.type === "pkiprofile")).toBe(true)
        expect(unit.objects.some((o) => o.name.endsWith("-cacert"))).toBe(true)
      }
    }
  })
})
