import { describe, expect, it } from "vitest"
import { fnv1a32, makeSnapshot, observedChecksum, shardIndex, translate } from "../../src/model/index.js"
import { bodyOf, CLUSTER_MARKER, find, lbService, metadata, order, settings, slice } from "./fixtures/builders.js"

/** Reference FNV-1a 32 over raw bytes, straight from the definition. */
const fnv1a32Bytes = (bytes: ReadonlyArray<number>): number => {
  let hash = 2166136261n
  for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * 16777619n) % 4294967296n
  return Number(hash)
}

describe("FNV-1a 32 and shard selection", () => {
  it("matches the published FNV-1a 32 test vectors (Go hash/fnv New32a)", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5)
    expect(fnv1a32("a")).toBe(0xe40c292c)
    expect(fnv1a32("foobar")).toBe(0xbf9cf968)
    // Non-ASCII hosts hash their UTF-8 bytes, as Go does: "é" is 0xc3 0xa9, "😀" is f0 9f 98 80.
    expect(fnv1a32("é")).toBe(fnv1a32Bytes([0xc3, 0xa9]))
    expect(fnv1a32("😀")).toBe(fnv1a32Bytes([0xf0, 0x9f, 0x98, 0x80]))
  })

  it("selects the shard as fnv1a32(host) & (size - 1)", () => {
    // fnv1a32("app.example.com") = 0xdd46c94b, fnv1a32("shop.example.com") = 0xa0711666
    expect(shardIndex("app.example.com", 8)).toBe(3)
    expect(shardIndex("shop.example.com", 8)).toBe(6)
    expect(shardIndex("shop.example.com", 4)).toBe(2)
    expect(shardIndex("shop.example.com", 1)).toBe(0)
  })
})

describe("Service type LoadBalancer", () => {
  const web = lbService("red", "web", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }])
  const webSlice = slice("red", "web", "web-abc", [{ name: "http", port: 8080 }], [
    { ip: "10.1.0.5", ready: true, node: "n1" },
    { ip: "10.1.0.4", ready: true, node: "n2" }
  ])

  it("builds VsVip, a pool per port, the L4PolicySet and the VS with AKO's names and bodies", () => {
    const { desired, problems } = translate(makeSnapshot({ services: [web], endpointSlices: [webSlice] }), settings())
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--red-web")
    expect(unit?.kind).toBe("L4Service")
    expect(unit?.owners).toEqual([{ kind: "Service", namespace: "red", name: "web" }])
    expect(order(unit)).toEqual([
      "vsvip:c1--red-web",
      "pool:c1--red-web-TCP-80",
      "l4policyset:c1--red-web",
      "virtualservice:c1--red-web"
    ])
    expect(bodyOf(find(unit, "vsvip", "c1--red-web"))).toEqual({
      name: "c1--red-web",
      tenant_ref: "/api/tenant/?name=admin",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      east_west_placement: false,
      vrf_context_ref: "/api/vrfcontext?name=global",
      markers: [CLUSTER_MARKER],
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: {
          network_ref: "/api/network/?name=vip-net",
          subnet: { ip_addr: { addr: "10.10.0.0", type: "V4" }, mask: 24 }
        }
      }]
    })
    expect(bodyOf(find(unit, "pool", "c1--red-web-TCP-80"))).toEqual({
      name: "c1--red-web-TCP-80",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["red"] },
        { key: "ServiceName", values: ["web"] },
        { key: "Port", values: ["80"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      vrf_ref: "/api/vrfcontext?name=global",
      service_metadata: metadata({}),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers: [
        {
          ip: { addr: "10.1.0.4", type: "V4" },
          port: 8080,
          external_uuid: "10.1.0.4:8080",
          enabled: true,
          server_node: "n2"
        },
        {
          ip: { addr: "10.1.0.5", type: "V4" },
          port: 8080,
          external_uuid: "10.1.0.5:8080",
          enabled: true,
          server_node: "n1"
        }
      ],
      health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"]
    })
    expect(bodyOf(find(unit, "l4policyset", "c1--red-web"))).toEqual({
      name: "c1--red-web",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["red"] },
        { key: "ServiceName", values: ["web"] },
        { key: "Protocol", values: ["TCP"] }
      ],
      l4_connection_policy: {
        rules: [{
          name: "/api/pool?name=c1--red-web-TCP-80",
          index: 0,
          action: {
            select_pool: { action_type: "L4_RULE_ACTION_SELECT_POOL", pool_ref: "/api/pool?name=c1--red-web-TCP-80" }
          },
          match: {
            port: { match_criteria: "IS_IN", ports: [80] },
            protocol: { match_criteria: "IS_IN", protocol: "PROTOCOL_TCP" }
          }
        }]
      }
    })
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))).toEqual({
      name: "c1--red-web",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER, { key: "Namespace", values: ["red"] }, { key: "ServiceName", values: ["web"] }],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: "/api/vsvip/?name=c1--red-web",
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-L4-Application",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false }],
      l4_policies: [{ index: 0, l4_policy_set_ref: "/api/l4policyset/?name=c1--red-web" }],
      remove_listening_port_on_vs_down: true,
      traffic_enabled: true,
      error_page_profile_ref: "",
      service_metadata: metadata({ namespace_svc_name: ["red/web"] })
    })
    expect(unit?.statuses).toEqual([{
      object: { kind: "Service", namespace: "red", name: "web" },
      vsVip: "c1--red-web",
      virtualService: "c1--red-web",
      hosts: []
    }])
  })

  it("puts the checksum into cloud_config_cksum / vsvip_cloud_config_cksum as a decimal string", () => {
    const { desired } = translate(makeSnapshot({ services: [web], endpointSlices: [webSlice] }), settings())
    const unit = desired.get("admin/c1--red-web")
    for (const object of unit?.objects ?? []) {
      expect(object.checksum).toMatch(/^\d+$/)
      // Types with a checksum field carry it in the body; the others are compared to what AKO recomputes.
      expect(observedChecksum(object.type, object.body, "c1")).toBe(object.checksum)
    }
    expect(find(unit, "virtualservice", "c1--red-web")?.body["cloud_config_cksum"]).toBe(
      find(unit, "virtualservice", "c1--red-web")?.checksum
    )
    expect(find(unit, "vsvip", "c1--red-web")?.body["vsvip_cloud_config_cksum"]).toBe(
      find(unit, "vsvip", "c1--red-web")?.checksum
    )
    expect(find(unit, "l4policyset", "c1--red-web")?.body["cloud_config_cksum"]).toBeUndefined()
  })

  it("takes the static IP from spec.loadBalancerIP, else from the annotation", () => {
    const a = lbService("red", "a", [{ port: 53, protocol: "UDP" }], { loadBalancerIP: "10.10.0.9" })
    const b = lbService("red", "b", [{ port: 53, protocol: "UDP" }], {
      annotations: { "ako.vmware.com/load-balancer-ip": "10.10.0.10" }
    })
    const { desired } = translate(makeSnapshot({ services: [a, b] }), settings())
    const vipOf = (name: string) =>
      (bodyOf(find(desired.get(`admin/${name}`), "vsvip", name))["vip"] as Array<Record<string, unknown>>)[0]
    expect(vipOf("c1--red-a")?.["ip_address"]).toEqual({ type: "V4", addr: "10.10.0.9" })
    expect(vipOf("c1--red-b")?.["ip_address"]).toEqual({ type: "V4", addr: "10.10.0.10" })
  })

  it("takes the FQDN from the external-dns annotation, which wins over autoFQDN", () => {
    const annotated = lbService("red", "web", [{ port: 80 }], {
      annotations: { "external-dns.alpha.kubernetes.io/hostname": "web.example.com" }
    })
    const plain = lbService("blue", "api", [{ port: 80 }])
    const { desired } = translate(
      makeSnapshot({ services: [annotated, plain] }),
      settings({
        autoFQDN: "default",
        dnsSubDomains: ["avi.internal", "corp.internal"],
        defaultDomain: "corp.internal"
      })
    )
    const red = desired.get("admin/c1--red-web")
    expect(bodyOf(find(red, "vsvip", "c1--red-web"))["dns_info"]).toEqual([{ fqdn: "web.example.com" }])
    expect(bodyOf(find(red, "virtualservice", "c1--red-web"))["service_metadata"]).toBe(
      metadata({ hostnames: ["web.example.com"], namespace_svc_name: ["red/web"] })
    )
    expect(red?.statuses[0]?.hosts).toEqual(["web.example.com"])
    const blue = desired.get("admin/c1--blue-api")
    expect(bodyOf(find(blue, "vsvip", "c1--blue-api"))["dns_info"]).toEqual([{ fqdn: "api.blue.corp.internal" }])
  })

  it("with autoFQDN disabled there is no FQDN, the external-dns annotation included (AKO reads it only then)", () => {
    const annotated = lbService("red", "web", [{ port: 80 }], {
      annotations: { "external-dns.alpha.kubernetes.io/hostname": "web.example.com" }
    })
    const { desired } = translate(
      makeSnapshot({ services: [annotated] }),
      settings({ dnsSubDomains: ["avi.internal"] })
    )
    expect(bodyOf(find(desired.get("admin/c1--red-web"), "vsvip", "c1--red-web"))["dns_info"]).toBeUndefined()
  })

  it("autoFQDN flat gives <svc>-<ns>.<first sub-domain>", () => {
    const { desired } = translate(
      makeSnapshot({ services: [lbService("blue", "api", [{ port: 80 }])] }),
      settings({ autoFQDN: "flat", dnsSubDomains: [".avi.internal"] })
    )
    expect(bodyOf(find(desired.get("admin/c1--blue-api"), "vsvip", "c1--blue-api"))["dns_info"]).toEqual([
      { fqdn: "api-blue.avi.internal" }
    ])
  })

  it("chooses TCP, UDP and SCTP network profiles as AKO, with per-port overrides for mixed Services", () => {
    const tcp = lbService("ns", "tcp", [{ port: 80 }])
    const udp = lbService("ns", "udp", [{ port: 53, protocol: "UDP" }])
    const sctp = lbService("ns", "sctp", [{ port: 9999, protocol: "SCTP" }])
    const mixed = lbService("ns", "dns", [
      { name: "dns-tcp", port: 53, protocol: "TCP" },
      { name: "dns-udp", port: 53, protocol: "UDP" }
    ])
    const udpSctp = lbService("ns", "us", [{ port: 53, protocol: "UDP" }, { port: 9999, protocol: "SCTP" }])
    const snapshot = makeSnapshot({ services: [tcp, udp, sctp, mixed, udpSctp] })
    const vs = (desired: ReturnType<typeof translate>["desired"], name: string) =>
      bodyOf(find(desired.get(`admin/c1--ns-${name}`), "virtualservice", `c1--ns-${name}`))
    const enterprise = translate(snapshot, settings()).desired
    const essentials = translate(snapshot, settings({ enterpriseLicense: false })).desired
    expect(vs(enterprise, "tcp")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-TCP-Proxy")
    expect(vs(essentials, "tcp")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-TCP-Fast-Path")
    expect(vs(enterprise, "udp")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-UDP-Fast-Path")
    expect(vs(enterprise, "sctp")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-SCTP-Proxy")
    expect(vs(enterprise, "dns")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-TCP-Proxy")
    expect(vs(essentials, "dns")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-TCP-Fast-Path")
    expect(vs(enterprise, "us")["network_profile_ref"]).toBe("/api/networkprofile/?name=System-UDP-Fast-Path")
    expect((vs(enterprise, "us")["services"] as Array<Record<string, unknown>>)[1]?.["override_network_profile_ref"])
      .toBe("/api/networkprofile/?name=System-SCTP-Proxy")
    expect(vs(enterprise, "dns")["services"]).toEqual([
      { port: 53, port_range_end: 53, enable_ssl: false, enable_http2: false },
      {
        port: 53,
        port_range_end: 53,
        enable_ssl: false,
        enable_http2: false,
        override_network_profile_ref: "/api/networkprofile/?name=System-UDP-Fast-Path"
      }
    ])
    const dns = enterprise.get("admin/c1--ns-dns")
    expect(order(dns)).toEqual([
      "vsvip:c1--ns-dns",
      "pool:c1--ns-dns-TCP-53",
      "pool:c1--ns-dns-UDP-53",
      "l4policyset:c1--ns-dns",
      "virtualservice:c1--ns-dns"
    ])
    expect(bodyOf(find(dns, "pool", "c1--ns-dns-UDP-53"))["health_monitor_refs"]).toEqual([
      "/api/healthmonitor/?name=System-UDP"
    ])
    expect(bodyOf(find(enterprise.get("admin/c1--ns-sctp"), "pool", "c1--ns-sctp-SCTP-9999"))["health_monitor_refs"])
      .toEqual(["/api/healthmonitor/?name=System-SCTP"])
  })

  it("follows the LoadBalancer class rules, layer7Only and the namespace filters", () => {
    const services = [
      lbService("ns", "noclass", [{ port: 80 }]),
      lbService("ns", "avi", [{ port: 80 }], { loadBalancerClass: "ako.vmware.com/avi-lb" }),
      lbService("ns", "other", [{ port: 80 }], { loadBalancerClass: "example.com/other-lb" }),
      lbService("ns", "clusterip", [{ port: 80 }], { type: "ClusterIP" }),
      lbService("blocked", "web", [{ port: 80 }])
    ]
    const keys = (s: ReturnType<typeof settings>) => [...translate(makeSnapshot({ services }), s).desired.keys()]
    expect(keys(settings({ blockedNamespaceList: ["blocked"] }))).toEqual(["admin/c1--ns-avi", "admin/c1--ns-noclass"])
    expect(keys(settings({ defaultLBController: false }))).toEqual(["admin/c1--ns-avi"])
    expect(keys(settings({ layer7Only: true }))).toEqual([])
  })

  it("traffic_enabled follows ako.vmware.com/disable-traffic and the app profile its annotation", () => {
    const svc = lbService("ns", "web", [{ port: 443 }], {
      annotations: {
        "ako.vmware.com/disable-traffic": "true",
        "ako.vmware.com/application-profile": "my-l4-profile"
      }
    })
    const vs = bodyOf(
      find(
        translate(makeSnapshot({ services: [svc] }), settings()).desired.get("admin/c1--ns-web"),
        "virtualservice",
        "c1--ns-web"
      )
    )
    expect(vs["traffic_enabled"]).toBe(false)
    expect(vs["application_profile_ref"]).toBe("/api/applicationprofile/?name=my-l4-profile")
  })
})
