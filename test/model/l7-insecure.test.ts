import { describe, expect, it } from "vitest"
import { emptyShardUnit, isSharedL7VsName, makeSnapshot, translate } from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  CLUSTER_MARKER,
  clusterIpService,
  find,
  ingress,
  metadata,
  order,
  settings,
  slice
} from "./fixtures/builders.js"

// fnv1a32: app.example.com → 0xdd46c94b (LARGE shard 3), www.example.com → 0x88469fcb (3),
// shop.example.com → 0xa0711666 (6; MEDIUM 2)
const api = clusterIpService("default", "api", [{ name: "http", port: 80, targetPort: 8080 }])
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const store = clusterIpService("shop", "store", [{ name: "http", port: 8000, targetPort: 8000 }])
const apiSlice = slice("default", "api", "api-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.2", ready: true }])

const appIngress = ingress("default", "app", [{
  host: "app.example.com",
  paths: [{ path: "/api", service: "api", port: 80 }, { path: "/", service: "web", port: "http" }]
}])
const wwwIngress = ingress("default", "site", [{ host: "www.example.com", paths: [{ service: "web", port: 80 }] }])
const shopIngress = ingress("shop", "store", [{
  host: "shop.example.com",
  paths: [{ path: "/", service: "store", port: 8000 }]
}])

const snapshot = makeSnapshot({
  services: [api, web, store],
  endpointSlices: [apiSlice, webSlice],
  ingresses: [appIngress, wwwIngress, shopIngress],
  ingressClasses: [aviIngressClass("avi-lb")]
})

describe("Ingress insecure hosts on shared L7 virtual services", () => {
  it("places hosts on Shared-L7-<fnv1a32(host) & (size-1)>", () => {
    expect([...translate(snapshot, settings()).desired.keys()]).toEqual([
      "admin/c1--Shared-L7-3",
      "admin/c1--Shared-L7-6"
    ])
    expect([...translate(snapshot, settings({ shardVSSize: "MEDIUM" })).desired.keys()]).toEqual([
      "admin/c1--Shared-L7-2",
      "admin/c1--Shared-L7-3"
    ])
    expect([...translate(snapshot, settings({ shardVSSize: "SMALL" })).desired.keys()]).toEqual([
      "admin/c1--Shared-L7-0"
    ])
  })

  it("builds the parent VS, VsVip, PoolGroup with priority labels, datascript and the insecure pools", () => {
    const { desired, problems } = translate(snapshot, settings())
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--Shared-L7-3")
    expect(unit?.kind).toBe("L7Shard")
    expect(unit?.owners).toEqual([
      { kind: "Ingress", namespace: "default", name: "app" },
      { kind: "Ingress", namespace: "default", name: "site" }
    ])
    expect(order(unit)).toEqual([
      "vsvip:c1--Shared-L7-3",
      "pool:c1--app.example.com_-default-app",
      "pool:c1--app.example.com_api-default-app",
      "pool:c1--www.example.com-default-site",
      "poolgroup:c1--Shared-L7-3",
      "vsdatascriptset:c1--Shared-L7-3",
      "virtualservice:c1--Shared-L7-3"
    ])
    expect(bodyOf(find(unit, "vsvip", "c1--Shared-L7-3"))).toEqual({
      name: "c1--Shared-L7-3",
      tenant_ref: "/api/tenant/?name=admin",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      east_west_placement: false,
      vrf_context_ref: "/api/vrfcontext?name=global",
      markers: [CLUSTER_MARKER],
      dns_info: [{ fqdn: "app.example.com" }, { fqdn: "www.example.com" }],
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: {
          network_ref: "/api/network/?name=vip-net",
          subnet: { ip_addr: { addr: "10.10.0.0", type: "V4" }, mask: 24 }
        }
      }]
    })
    expect(bodyOf(find(unit, "pool", "c1--app.example.com_api-default-app"))).toEqual({
      name: "c1--app.example.com_api-default-app",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["app.example.com"] },
        // An Ingress's insecure pool has no ServiceName marker (AKO passes an empty service name there).
        { key: "Path", values: ["/api"] },
        { key: "IngressName", values: ["app"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      vrf_ref: "/api/vrfcontext?name=global",
      service_metadata: metadata({
        ingress_name: "app",
        namespace: "default",
        hostnames: ["app.example.com"],
        pool_ratio: 100
      }),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers: [{ ip: { addr: "10.2.0.1", type: "V4" }, port: 8080, external_uuid: "10.2.0.1:8080", enabled: true }],
      health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"]
    })
    expect(bodyOf(find(unit, "poolgroup", "c1--Shared-L7-3"))).toEqual({
      name: "c1--Shared-L7-3",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      implicit_priority_labels: true,
      members: [
        { pool_ref: "/api/pool?name=c1--app.example.com_-default-app", priority_label: "app.example.com/", ratio: 100 },
        {
          pool_ref: "/api/pool?name=c1--app.example.com_api-default-app",
          priority_label: "app.example.com/api",
          ratio: 100
        },
        { pool_ref: "/api/pool?name=c1--www.example.com-default-site", priority_label: "www.example.com", ratio: 100 }
      ]
    })
    expect(bodyOf(find(unit, "vsdatascriptset", "c1--Shared-L7-3"))).toEqual({
      name: "c1--Shared-L7-3",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      datascript: [{
        evt: "VS_DATASCRIPT_EVT_HTTP_REQ",
        script: "host = avi.http.get_host_tokens(\"MODIFIED\", 1)\n" +
          "path = avi.http.get_path_tokens(1)\n" +
          // A Host header with a port (`foo.com:8080`) must select the same label as the bare host.
          "if string.contains(host, \":\") then\n" +
          "for match in string.gmatch(host, \".*:\") do\n" +
          "host = string.sub(match,0,-2)\n" +
          "end\n" +
          "end\n" +
          "if host and path then\n" +
          "lbl = host..\"/\"..path\n" +
          "else\n" +
          "lbl = host..\"/\"\n" +
          "end\n" +
          "avi.poolgroup.select(\"c1--Shared-L7-3\", string.lower(lbl) )"
      }],
      pool_group_refs: ["/api/poolgroup/?name=c1--Shared-L7-3"]
    })
    expect(bodyOf(find(unit, "virtualservice", "c1--Shared-L7-3"))).toEqual({
      name: "c1--Shared-L7-3",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: "/api/vsvip/?name=c1--Shared-L7-3",
      vrf_context_ref: "/api/vrfcontext?name=global",
      type: "VS_TYPE_VH_PARENT",
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [
        { port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false },
        { port: 443, port_range_end: 443, enable_ssl: true, enable_http2: false }
      ],
      vs_datascripts: [{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset/?name=c1--Shared-L7-3" }],
      error_page_profile_ref: "",
      service_metadata: metadata({})
    })
    expect(unit?.statuses).toEqual([
      {
        object: { kind: "Ingress", namespace: "default", name: "app" },
        vsVip: "c1--Shared-L7-3",
        virtualService: "c1--Shared-L7-3",
        hosts: ["app.example.com"]
      },
      {
        object: { kind: "Ingress", namespace: "default", name: "site" },
        vsVip: "c1--Shared-L7-3",
        virtualService: "c1--Shared-L7-3",
        hosts: ["www.example.com"]
      }
    ])
  })

  it("an empty shard keeps parent VS, VsVip with only the auto FQDN, empty pool group and datascript", () => {
    const s = settings({ autoFQDN: "default", dnsSubDomains: ["example.com"] })
    const unit = emptyShardUnit(s, "c1--Shared-L7-5")
    expect(order(unit)).toEqual([
      "vsvip:c1--Shared-L7-5",
      "poolgroup:c1--Shared-L7-5",
      "vsdatascriptset:c1--Shared-L7-5",
      "virtualservice:c1--Shared-L7-5"
    ])
    expect(bodyOf(find(unit, "vsvip", "c1--Shared-L7-5"))["dns_info"]).toEqual([
      { fqdn: "c1--Shared-L7-5.admin.example.com" }
    ])
    // No `members` key at all: AKO sends a nil slice, which its JSON leaves out.
    expect(bodyOf(find(unit, "poolgroup", "c1--Shared-L7-5"))).not.toHaveProperty("members")
    expect(isSharedL7VsName(s, "c1--Shared-L7-5")).toBe(true)
    expect(isSharedL7VsName(s, "c1--Shared-L7-web")).toBe(false)
    expect(isSharedL7VsName(s, "c2--Shared-L7-5")).toBe(false)
  })

  it("adds the shard's auto FQDN <shard>.<tenant>.<domain> to the VsVip when autoFQDN is on", () => {
    const { desired } = translate(snapshot, settings({ autoFQDN: "default", dnsSubDomains: ["example.com"] }))
    expect(bodyOf(find(desired.get("admin/c1--Shared-L7-6"), "vsvip", "c1--Shared-L7-6"))["dns_info"]).toEqual([
      { fqdn: "c1--Shared-L7-6.admin.example.com" },
      { fqdn: "shop.example.com" }
    ])
  })

  it("selects Ingresses by IngressClass controller, or by the default class when ingressClassName is unset", () => {
    const other = { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } }
    const nginxIngress = ingress(
      "default",
      "app",
      appIngress.spec?.rules?.map((r) => ({
        host: r.host ?? "",
        paths: [{ service: "web", port: 80 }]
      })) ?? [],
      { className: "nginx" }
    )
    const classless = { ...wwwIngress, spec: { ...wwwIngress.spec, ingressClassName: undefined } }
    const base = { services: [web], ingresses: [nginxIngress, classless] }
    expect([
      ...translate(makeSnapshot({ ...base, ingressClasses: [aviIngressClass("avi-lb"), other] }), settings())
        .desired.keys()
    ]).toEqual([])
    expect([
      ...translate(makeSnapshot({ ...base, ingressClasses: [aviIngressClass("avi-lb", true), other] }), settings())
        .desired.keys()
    ]).toEqual(["admin/c1--Shared-L7-3"])
  })

  it("names a host-less rule <ing>.<ns>.<subdomain> and drops hosts outside the cloud's sub-domains", () => {
    const hostless = ingress("default", "nohost", [{ paths: [{ service: "web", port: 80 }] }])
    const foreign = ingress("default", "foreign", [{ host: "app.other.org", paths: [{ service: "web", port: 80 }] }])
    const { desired, problems } = translate(
      makeSnapshot({ services: [web], ingresses: [hostless, foreign], ingressClasses: [aviIngressClass("avi-lb")] }),
      settings({ dnsSubDomains: ["avi.internal"] })
    )
    const pools = [...desired.values()].flatMap((u) => u.objects.filter((o) => o.type === "pool").map((o) => o.name))
    expect(pools).toEqual(["c1--nohost.default.avi.internal-default-nohost"])
    expect(problems).toEqual([{
      object: { kind: "Ingress", namespace: "default", name: "foreign" },
      field: "spec.rules[0].host",
      reason: "HostNotInDnsSubDomains",
      message: "host app.other.org is not in the cloud's DNS sub-domains (avi.internal); the rule is ignored"
    }])
  })

  it("gives an Ingress backend of type LoadBalancer no servers in ClusterIP mode", () => {
    const lb = { ...web, spec: { ...web.spec, type: "LoadBalancer" } }
    const { desired } = translate(
      makeSnapshot({
        services: [lb],
        endpointSlices: [webSlice],
        ingresses: [wwwIngress],
        ingressClasses: [aviIngressClass("avi-lb")]
      }),
      settings({ layer7Only: true })
    )
    expect(bodyOf(find(desired.get("admin/c1--Shared-L7-3"), "pool", "c1--www.example.com-default-site"))["servers"])
      .toEqual([])
  })
})
