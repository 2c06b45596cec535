/**
 * AKO 2.2.1's behaviour where the golden recording has no example: path-less rules, upper-case hosts, DEDICATED
 * Routes, Route `Allow` companions, annotation parsing, auto-FQDN labels and tenant escaping (reference
 * ako-objects.md §2–§5, lines marked "corrected 2026-12").
 */
import { describe, expect, it } from "vitest"
import { isEnterpriseTier } from "../../src/app/avi-environment.js"
import type { Route } from "../../src/model/index.js"
import { goQueryEscape, makeSnapshot, serviceFqdns, translate } from "../../src/model/index.js"
import { routeAdmissions } from "../../src/reconcile/index.js"
import {
  aviIngressClass,
  bodyOf,
  CERT_PEM,
  clusterIpService,
  find,
  ingress,
  KEY_PEM,
  lbService,
  node,
  order,
  settings,
  slice
} from "./fixtures/builders.js"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.2", ready: true }])

const route = (name: string, spec: NonNullable<Route["spec"]>): Route => ({
  metadata: { name, namespace: "default" },
  spec
})

describe("AKO's bodies where the recording has no example", () => {
  it("a path-less Ingress rule: Path marker [\"\"], priority label the lower-cased host, no trailing slash", () => {
    const ing = ingress("default", "site", [{ host: "Shop.Example.com", paths: [{ service: "web", port: 80 }] }])
    const { desired } = translate(
      makeSnapshot({
        services: [web],
        endpointSlices: [webSlice],
        ingresses: [ing],
        ingressClasses: [aviIngressClass("avi-lb")]
      }),
      settings()
    )
    const unit = [...desired.values()][0]
    const pool = unit?.objects.find((o) => o.type === "pool")
    expect(pool?.name).toBe("c1--Shop.Example.com-default-site")
    expect(pool?.body["markers"]).toEqual([
      { key: "clustername", values: ["c1"] },
      { key: "Namespace", values: ["default"] },
      { key: "Host", values: ["Shop.Example.com"] },
      { key: "Path", values: [""] },
      { key: "IngressName", values: ["site"] }
    ])
    const group = unit?.objects.find((o) => o.type === "poolgroup")
    expect(group?.body["members"]).toEqual([{
      pool_ref: "/api/pool?name=c1--Shop.Example.com-default-site",
      priority_label: "shop.example.com",
      ratio: 100
    }])
  })

  it("the VsVip lists its FQDNs in byte order, once each", () => {
    const hosts = ["zeta.example.com", "alpha.example.com", "Beta.example.com"]
    const ingresses = hosts.map((host, i) =>
      ingress("default", `i${i}`, [{ host, paths: [{ service: "web", port: 80 }] }])
    )
    const { desired } = translate(
      makeSnapshot({ services: [web], ingresses, ingressClasses: [aviIngressClass("avi-lb")] }),
      settings({ shardVSSize: "SMALL" })
    )
    const vip = find(desired.get("admin/c1--Shared-L7-0"), "vsvip", "c1--Shared-L7-0")
    expect(bodyOf(vip)["dns_info"]).toEqual([
      { fqdn: "Beta.example.com" },
      { fqdn: "alpha.example.com" },
      { fqdn: "zeta.example.com" }
    ])
  })

  it("a DEDICATED edge Route: pool named with the Service and the suffix, pool group without the Service", () => {
    const r = route("shop", {
      host: "shop.example.com",
      path: "/cart",
      to: { kind: "Service", name: "web" },
      tls: { termination: "edge", certificate: CERT_PEM, key: KEY_PEM }
    })
    const { desired } = translate(
      makeSnapshot({ services: [web], routes: [r] }),
      settings({ shardVSSize: "DEDICATED" })
    )
    const unit = desired.get("admin/c1--shop.example.com-L7-dedicated")
    expect(order(unit)).toContain("pool:c1--default-shop.example.com_cart-shop-web-L7-dedicated")
    expect(order(unit)).toContain("poolgroup:c1--default-shop.example.com_cart-shop-L7-dedicated")
  })

  it("a Route's Allow companion pool is marked insecureedgetermallow and gives no status of its own", () => {
    const r = route("edge", {
      host: "secure.example.com",
      to: { kind: "Service", name: "web" },
      tls: { termination: "edge", certificate: CERT_PEM, key: KEY_PEM, insecureEdgeTerminationPolicy: "Allow" }
    })
    const unit = translate(makeSnapshot({ services: [web], routes: [r] }), settings()).desired.get(
      "admin/c1--Shared-L7-7"
    )
    const companion = find(unit, "pool", "c1--secure.example.com-default-edge-web")
    expect(JSON.parse(String(companion?.body["service_metadata"]))["insecureedgetermallow"]).toBe(true)
    expect(companion?.body["markers"]).toContainEqual({ key: "ServiceName", values: ["web"] })
    expect(unit?.statuses).toEqual([{
      object: { kind: "Route", namespace: "default", name: "edge" },
      vsVip: "c1--Shared-L7-7",
      virtualService: "c1--secure.example.com",
      hosts: ["secure.example.com"]
    }])
  })

  it("reads disable-traffic without regard to case, and skipnodeport by its presence alone", () => {
    const shouting = lbService("default", "a", [{ name: "http", port: 80 }], {
      annotations: { "ako.vmware.com/disable-traffic": "TRUE" }
    })
    const skip = lbService("default", "b", [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080 }], {
      annotations: { "skipnodeport.ako.vmware.com/enabled": "false" }
    })
    const skipSlice = slice("default", "b", "b-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.9", ready: true }])
    const { desired } = translate(
      makeSnapshot({ services: [shouting, skip], endpointSlices: [skipSlice], nodes: [node("n1", "192.168.0.1")] }),
      settings({ serviceType: "NodePort" })
    )
    expect(find(desired.get("admin/c1--default-a"), "virtualservice", "c1--default-a")?.body["traffic_enabled"]).toBe(
      false
    )
    const pool = find(desired.get("admin/c1--default-b"), "pool", "c1--default-b-TCP-80")
    expect((pool?.body["servers"] as ReadonlyArray<{ ip: { addr: string } }>).map((s) => s.ip.addr)).toEqual([
      "10.2.0.9"
    ])
  })

  it("fixes auto-FQDN labels as AKO does: a letter in front when it mends the label, and flat labels cut to 63", () => {
    const s = settings({ autoFQDN: "default", dnsSubDomains: ["example.com"] })
    expect(serviceFqdns(s, lbService("9ns", "1web", []))).toEqual(["s1web.n9ns.example.com"])
    expect(serviceFqdns(s, lbService("ns", "web-", []))).toEqual(["web-.ns.example.com"])
    const flat = settings({ autoFQDN: "flat", dnsSubDomains: ["example.com"] })
    const longName = "a".repeat(50)
    const [fqdn] = serviceFqdns(flat, lbService("team-namespace", longName, []))
    expect(fqdn).toBe(`${"a".repeat(48)}-team-namespace.example.com`)
    expect(fqdn?.split(".")[0]).toHaveLength(63)
  })

  it("sends tenant_ref with the tenant escaped as Go's url.QueryEscape", () => {
    expect(goQueryEscape("team a/b")).toBe("team+a%2Fb")
    expect(goQueryEscape("Team-1_a.b~c")).toBe("Team-1_a.b~c")
    expect(goQueryEscape("équipe-a")).toBe("%C3%A9quipe-a")
    expect(goQueryEscape("")).toBe("")
    const { desired } = translate(
      makeSnapshot({ services: [lbService("default", "a", [{ port: 80 }])] }),
      settings({ tenantName: "team a" })
    )
    const vs = find(desired.get("team a/c1--default-a"), "virtualservice", "c1--default-a")
    expect(vs?.body["tenant_ref"]).toBe("/api/tenant/?name=team+a")
  })

  it("uses System-TCP-Proxy only on exactly the ENTERPRISE tiers", () => {
    expect(isEnterpriseTier("ENTERPRISE")).toBe(true)
    expect(isEnterpriseTier("ENTERPRISE_WITH_CLOUD_SERVICES")).toBe(true)
    for (const tier of ["ENTERPRISE_16", "ESSENTIALS", "BASIC", ""]) expect(isEnterpriseTier(tier)).toBe(false)
  })

  it("writes a Route's status as AKO: one entry per host per VIP, router ako-<cluster>, the VIP as message", () => {
    const admissions = routeAdmissions({
      object: { kind: "Route", namespace: "default", name: "edge" },
      ingress: [{ ip: "10.50.0.12", hostname: "secure.example.com" }],
      annotations: {
        "ako.vmware.com/host-fqdn-vs-uuid-map": "{\"secure.example.com\":\"virtualservice-1\"}",
        "ako.vmware.com/controller-cluster-uuid": "cluster-1",
        "ako.vmware.com/tenant-name": "admin"
      }
    }, "ako-c1")
    expect(admissions).toEqual([{
      host: "secure.example.com",
      routerName: "ako-c1",
      conditions: [{
        type: "Admitted",
        status: "True",
        message: "10.50.0.12",
        reason: "{\"ako.vmware.com/controller-cluster-uuid\":\"cluster-1\"," +
          "\"ako.vmware.com/host-fqdn-vs-uuid-map\":\"{\\\"secure.example.com\\\":\\\"virtualservice-1\\\"}\"," +
          "\"ako.vmware.com/tenant-name\":\"admin\"}"
      }]
    }])
  })
})
