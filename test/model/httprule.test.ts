/**
 * HTTPRule in the model (reference/ako-crds.md §2.3–2.4): per-path pool settings of one host, within the rule's
 * namespace, and nothing of them once the rule is gone.
 */
import { describe, expect, it } from "vitest"
import type { HTTPRule, HTTPRulePath } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import {
  aviIngressClass,
  clusterIpService,
  find,
  ingress,
  metadata,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const paths = [
  { path: "/", service: "web", port: 80 },
  { path: "/foo", service: "web", port: 80 },
  { path: "/foobar", service: "web", port: 80 },
  { path: "/other", service: "web", port: 80 }
]
const secureIngress = ingress("default", "secure", [{ host: "secure.example.com", paths }], {
  tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }]
})
const insecureIngress = ingress("default", "plain", [{ host: "app.example.com", paths }])

const httpRule = (
  name: string,
  fqdn: string,
  rulePaths: ReadonlyArray<HTTPRulePath>,
  namespace = "default"
): HTTPRule => ({
  metadata: { name, namespace },
  spec: { fqdn, paths: rulePaths },
  status: { status: "Accepted", error: "" }
})

const run = (rules: ReadonlyArray<HTTPRule>) =>
  translate(
    makeSnapshot({
      services: [web],
      endpointSlices: [webSlice],
      ingressClasses: [aviIngressClass("avi-lb")],
      ingresses: [secureIngress, insecureIngress],
      secrets: [tlsSecret("default", "secure-tls")],
      httpRules: rules
    }),
    settings()
  )

const securePool = (rules: ReadonlyArray<HTTPRule>, path: string) =>
  find(run(rules).desired.get("admin/c1--Shared-L7-7"), "pool", `c1--default-secure.example.com${path}-secure`)!

const insecurePool = (rules: ReadonlyArray<HTTPRule>, path: string) =>
  find(run(rules).desired.get("admin/c1--Shared-L7-3"), "pool", `c1--app.example.com${path}-default-plain`)!

const full: HTTPRulePath = {
  target: "/foo",
  loadBalancerPolicy: {
    algorithm: "LB_ALGORITHM_CONSISTENT_HASH",
    hash: "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
    hostHeader: "X-User"
  },
  healthMonitors: ["System-HTTP", "team-hm"],
  applicationPersistence: "System-Persistence-Client-IP",
  enableHTTP2: true,
  tls: { type: "reencrypt", pkiProfile: "team-pki" }
}

describe("HTTPRule on pools", () => {
  it("sets algorithm, hash, header, monitors, persistence, HTTP/2 and re-encryption on the pools under its target", () => {
    const body = securePool([httpRule("rr", "secure.example.com", [full])], "_foo").body
    expect(body).toMatchObject({
      lb_algorithm: "LB_ALGORITHM_CONSISTENT_HASH",
      lb_algorithm_hash: "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
      lb_algorithm_consistent_hash_hdr: "X-User",
      health_monitor_refs: ["/api/healthmonitor?name=System-HTTP", "/api/healthmonitor?name=team-hm"],
      application_persistence_profile_ref: "/api/applicationpersistenceprofile?name=System-Persistence-Client-IP",
      enable_http2: true,
      sni_enabled: true,
      ssl_profile_ref: "/api/sslprofile?name=System-Standard",
      pki_profile_ref: "/api/pkiprofile?name=team-pki"
    })
    expect(body["service_metadata"]).toBe(metadata({
      ingress_name: "secure",
      namespace: "default",
      hostnames: ["secure.example.com"],
      crd_status: { type: "HTTPRule", value: "default/rr//foo", status: "ACTIVE" },
      pool_ratio: 100
    }))
  })

  it("covers paths that start with the target (`/foo` takes `/foobar`), not others", () => {
    const rules = [httpRule("rr", "secure.example.com", [full])]
    expect(securePool(rules, "_foobar").body["lb_algorithm"]).toBe("LB_ALGORITHM_CONSISTENT_HASH")
    expect(securePool(rules, "_other").body).not.toHaveProperty("lb_algorithm")
    expect(securePool(rules, "_").body).not.toHaveProperty("lb_algorithm")
  })

  it("applies to a host's insecure pools on the shared VS too", () => {
    const rule = httpRule("plain", "app.example.com", [{
      target: "/",
      loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" },
      healthMonitors: ["System-HTTP"]
    }])
    for (const path of ["_", "_foo", "_other"]) {
      const body = insecurePool([rule], path).body
      expect(body["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
      expect(body["health_monitor_refs"]).toEqual(["/api/healthmonitor?name=System-HTTP"])
    }
  })

  it("keeps the algorithm a less specific target set when a more specific one sets none", () => {
    const rule = httpRule("keep", "secure.example.com", [
      { target: "/", loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" } },
      { target: "/foo", healthMonitors: ["System-HTTP"] }
    ])
    const body = securePool([rule], "_foo").body
    expect(body["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
    expect(body["health_monitor_refs"]).toEqual(["/api/healthmonitor?name=System-HTTP"])
  })

  it("applies only to Ingresses in its own namespace", () => {
    const elsewhere = httpRule("rr", "secure.example.com", [full], "other")
    expect(securePool([elsewhere], "_foo").body).not.toHaveProperty("lb_algorithm")
  })

  it("lets the most specific target's settings win and accumulates monitors of all targets", () => {
    const rule = httpRule("two", "secure.example.com", [
      { target: "/foo", loadBalancerPolicy: { algorithm: "LB_ALGORITHM_FEWEST_SERVERS" }, healthMonitors: ["b"] },
      { target: "/", loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" }, healthMonitors: ["a"] }
    ])
    const body = securePool([rule], "_foo").body
    expect(body["lb_algorithm"]).toBe("LB_ALGORITHM_FEWEST_SERVERS")
    expect(body["health_monitor_refs"]).toEqual(["/api/healthmonitor?name=a", "/api/healthmonitor?name=b"])
  })

  it("without the rule, the pool has AKO's defaults again (System-TCP monitor, nothing else) and its own checksum", () => {
    const ruled = securePool([httpRule("rr", "secure.example.com", [full])], "_foo")
    const plain = securePool([], "_foo")
    expect(plain.body["health_monitor_refs"]).toEqual(["/api/healthmonitor/?name=System-TCP"])
    for (const field of ["lb_algorithm", "lb_algorithm_hash", "ssl_profile_ref", "pki_profile_ref", "enable_http2"]) {
      expect(plain.body).not.toHaveProperty(field)
    }
    expect(plain.body["sni_enabled"]).toBe(false)
    expect(ruled.checksum).not.toBe(plain.checksum)
  })

  it("re-encrypts with the rule's SSL profile when it names one", () => {
    const rule = httpRule("tls", "secure.example.com", [{
      target: "/",
      tls: { type: "reencrypt", sslProfile: "team-ssl" }
    }])
    expect(securePool([rule], "_").body["ssl_profile_ref"]).toBe("/api/sslprofile?name=team-ssl")
  })

  it("builds a PKI profile from destinationCA, written before the pool that verifies the backend with it", () => {
    const ca = "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"
    const rule = httpRule("ca", "secure.example.com", [{ target: "/", tls: { type: "reencrypt", destinationCA: ca } }])
    const unit = run([rule]).desired.get("admin/c1--Shared-L7-7")
    const pool = "c1--default-secure.example.com_foo-secure"
    const pki = find(unit, "pkiprofile", `${pool}-pkiprofile`)!
    expect(pki.body).toMatchObject({
      name: `${pool}-pkiprofile`,
      created_by: "ako-c1",
      crl_check: false,
      ca_certs: [{ certificate: ca }],
      markers: [
        { key: "clustername", values: ["c1"] },
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["secure.example.com"] },
        { key: "ServiceName", values: ["web"] },
        // AKO marks the profile with the rule's target, not the pool's own path.
        { key: "Path", values: ["/"] },
        { key: "IngressName", values: ["secure"] }
      ]
    })
    const poolObject = find(unit, "pool", pool)!
    expect(poolObject.body["pki_profile_ref"]).toBe(`/api/pkiprofile?name=${pool}-pkiprofile`)
    expect(poolObject.dependsOn).toContainEqual({ type: "pkiprofile", name: `${pool}-pkiprofile` })
    const order = unit!.objects.map((o) => `${o.type}:${o.name}`)
    expect(order.indexOf(`pkiprofile:${pool}-pkiprofile`)).toBeLessThan(order.indexOf(`pool:${pool}`))
    // The CA is part of the pool's checksum: a new CA rewrites both.
    const other = run([httpRule("ca", "secure.example.com", [{
      target: "/",
      tls: { type: "reencrypt", destinationCA: ca.replace("MIIBca", "MIIBcb") }
    }])]).desired.get("admin/c1--Shared-L7-7")
    expect(find(other, "pool", pool)!.checksum).not.toBe(poolObject.checksum)
  })
})

describe("HTTPRule on a Route without a path", () => {
  it("a `/` target covers it, as AKO treats the empty path as `/`", () => {
    const route = {
      metadata: { name: "r1", namespace: "default" },
      spec: { host: "app.example.com", to: { kind: "Service", name: "web", weight: 100 }, port: { targetPort: "http" } }
    }
    const { desired } = translate(
      makeSnapshot({
        services: [web],
        endpointSlices: [webSlice],
        routes: [route],
        httpRules: [httpRule("rr", "app.example.com", [{
          target: "/",
          loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" }
        }])]
      }),
      settings()
    )
    const pool = desired.get("admin/c1--Shared-L7-3")?.objects.find((o) => o.type === "pool")
    expect(pool?.name).toBe("c1--app.example.com-default-r1-web")
    expect(pool?.body["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
  })
})
