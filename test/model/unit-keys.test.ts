import { describe, expect, it } from "vitest"
import {
  makeSnapshot,
  refFromKey,
  refKey,
  translate,
  unitKeysFor,
  unitKeysForHostRule,
  unitKeysForHttpRule,
  unitsOwnedBy
} from "../../src/model/index.js"
import type { ObjectRef } from "../../src/model/index.js"
import {
  aviIngressClass,
  clusterIpService,
  ingress,
  lbService,
  namespace,
  node,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

// app.example.com → Shared-L7-3, shop.example.com → Shared-L7-6, secure.example.com → Shared-L7-7
const parts = {
  services: [
    clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }]),
    clusterIpService("default", "other", [{ name: "http", port: 80, targetPort: 8080 }]),
    lbService("default", "lb", [{ port: 443, nodePort: 30443 }])
  ],
  endpointSlices: [
    slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.0.0.1", ready: true }]),
    slice("default", "lb", "lb-1", [{ port: 443 }], [{ ip: "10.0.0.2", ready: true }])
  ],
  ingresses: [
    ingress("default", "app", [{ host: "app.example.com", paths: [{ service: "web", port: 80 }] }]),
    ingress("default", "shop", [{ host: "shop.example.com", paths: [{ service: "other", port: 80 }] }]),
    ingress("default", "secure", [{ host: "secure.example.com", paths: [{ service: "web", port: 80 }] }], {
      tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }]
    })
  ],
  ingressClasses: [aviIngressClass("avi-lb")],
  secrets: [tlsSecret("default", "secure-tls")],
  namespaces: [namespace("default")],
  nodes: [node("n1", "192.168.0.1")]
}
const snapshot = makeSnapshot(parts)

describe("which units a changed Kubernetes object affects", () => {
  it("an EndpointSlice affects the L4 unit of its Service and the shards of Ingresses using it", () => {
    expect(unitKeysFor({ kind: "EndpointSlice", namespace: "default", name: "web-1" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--Shared-L7-7"
    ])
    expect(unitKeysFor({ kind: "EndpointSlice", namespace: "default", name: "lb-1" }, snapshot, settings())).toEqual([
      "admin/c1--default-lb"
    ])
  })

  it("a Service affects its own unit and the units of Ingresses that use it", () => {
    expect(unitKeysFor({ kind: "Service", namespace: "default", name: "other" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-6"
    ])
  })

  it("a Secret affects the TLS hosts that use it", () => {
    expect(unitKeysFor({ kind: "Secret", namespace: "default", name: "secure-tls" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-7"
    ])
    expect(unitKeysFor({ kind: "Secret", namespace: "default", name: "unrelated" }, snapshot, settings())).toEqual([])
  })

  it("router-certs-default affects the edge and re-encrypt Routes it serves, not those with their own certificate", () => {
    const route = (name: string, host: string, tls: Record<string, string>) => ({
      metadata: { name, namespace: "default" },
      spec: { host, to: { kind: "Service", name: "web" }, tls }
    })
    const withRoutes = makeSnapshot({
      ...parts,
      ingresses: [],
      secrets: [tlsSecret("avi-system", "router-certs-default")],
      routes: [
        route("re", "secure.example.com", { termination: "reencrypt" }),
        route("own", "app.example.com", { termination: "edge", certificate: "-----BEGIN CERTIFICATE-----", key: "k" })
      ]
    })
    expect(
      unitKeysFor({ kind: "Secret", namespace: "avi-system", name: "router-certs-default" }, withRoutes, settings())
    )
      .toEqual(["admin/c1--Shared-L7-7"])
  })

  it("a Secret that just appeared brings back the host it serves", () => {
    const withoutSecret = makeSnapshot({ ...parts, secrets: [] })
    expect(translate(withoutSecret, settings()).desired.has("admin/c1--Shared-L7-7")).toBe(false)
    expect(unitKeysFor({ kind: "Secret", namespace: "default", name: "secure-tls" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-7"
    ])
  })

  it("a Node affects every unit in NodePort mode and none in ClusterIP mode", () => {
    const ref = { kind: "Node", name: "n1" } as const
    expect(unitKeysFor(ref, snapshot, settings())).toEqual([])
    expect(unitKeysFor(ref, snapshot, settings({ serviceType: "NodePort" }))).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--Shared-L7-6",
      "admin/c1--Shared-L7-7",
      "admin/c1--default-lb"
    ])
  })

  it("an Ingress affects the shards of its hosts, an IngressClass every L7 unit", () => {
    expect(unitKeysFor({ kind: "Ingress", namespace: "default", name: "shop" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-6"
    ])
    expect(unitKeysFor({ kind: "IngressClass", name: "avi-lb" }, snapshot, settings())).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--Shared-L7-6",
      "admin/c1--Shared-L7-7"
    ])
  })

  it("units an object used to feed come from the previous desired state", () => {
    const previous = translate(snapshot, settings()).desired
    const moved = makeSnapshot({
      ...parts,
      ingresses: [
        ingress("default", "app", [{ host: "shop.example.com", paths: [{ service: "web", port: 80 }] }]),
        ...parts.ingresses.slice(1)
      ]
    })
    const ref = { kind: "Ingress", namespace: "default", name: "app" } as const
    expect(unitsOwnedBy(previous, ref)).toEqual(["admin/c1--Shared-L7-3"])
    expect(unitKeysFor(ref, moved, settings())).toEqual(["admin/c1--Shared-L7-6"])
    expect(unitsOwnedBy(previous, { kind: "Namespace", name: "default" })).toEqual([...previous.keys()])
  })
})

describe("which units a HostRule or HTTPRule shapes", () => {
  const rule = (fqdn: string, fqdnType?: string) => ({
    metadata: { name: "r", namespace: "team" },
    spec: { virtualhost: { fqdn, ...(fqdnType === undefined ? {} : { fqdnType }) } }
  })
  const shards = ["admin/c1--Shared-L7-3", "admin/c1--Shared-L7-6", "admin/c1--Shared-L7-7"]

  it("an Exact rule: the unit of its host only", () => {
    expect(unitKeysForHostRule(rule("shop.example.com"), snapshot, settings(), shards)).toEqual([
      "admin/c1--Shared-L7-6"
    ])
  })

  it("a Contains or Wildcard rule: every unit with a host it matches, at once (AKO waits for the next change)", () => {
    expect(unitKeysForHostRule(rule("p.example", "Contains"), snapshot, settings(), shards)).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--Shared-L7-6"
    ])
    expect(unitKeysForHostRule(rule("*.example.com", "Wildcard"), snapshot, settings(), shards)).toEqual(shards)
  })

  it("a rule for a shared parent's FQDN: that shard", () => {
    expect(unitKeysForHostRule(rule("Shared-L7-6", "Contains"), snapshot, settings(), shards)).toEqual([
      "admin/c1--Shared-L7-6"
    ])
  })

  it("an HTTPRule: the unit of its host, for Ingresses in its namespace only", () => {
    const httpRule = (namespace: string) => ({ metadata: { name: "h", namespace }, spec: { fqdn: "app.example.com" } })
    expect(unitKeysForHttpRule(httpRule("default"), snapshot, settings())).toEqual(["admin/c1--Shared-L7-3"])
    expect(unitKeysForHttpRule(httpRule("team"), snapshot, settings())).toEqual([])
  })

  it("a Secret named by a HostRule's certificate affects the hosts of that rule", () => {
    const withRule = makeSnapshot({
      ...parts,
      secrets: [...parts.secrets, tlsSecret("team", "team-cert")],
      hostRules: [{
        metadata: { name: "r", namespace: "team" },
        spec: {
          virtualhost: { fqdn: "app.example.com", tls: { sslKeyCertificate: { name: "team-cert", type: "secret" } } }
        }
      }]
    })
    expect(unitKeysFor({ kind: "Secret", namespace: "team", name: "team-cert" }, withRule, settings())).toEqual([
      "admin/c1--Shared-L7-3"
    ])
  })
})

describe("object keys", () => {
  it("read back as the ref they were made from, namespaced and cluster-scoped alike", () => {
    const refs: ReadonlyArray<ObjectRef> = [
      { kind: "Service", namespace: "team-a", name: "web" },
      { kind: "Ingress", namespace: "default", name: "shop.example.com" },
      { kind: "Route", namespace: "openshift-apps", name: "r-1" },
      { kind: "Namespace", name: "team-a" },
      { kind: "AviInfraSetting", name: "edge" }
    ]
    for (const ref of refs) expect(refFromKey(refKey(ref))).toEqual(ref)
  })
})
