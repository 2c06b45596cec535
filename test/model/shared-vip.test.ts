/**
 * Shared VIP in the model (reference/ako-objects.md §11.1): Services of one namespace annotated
 * `ako.vmware.com/enable-shared-vip: <key>` get one VS, VsVip and L4PolicySet `<cluster>--<ns>-<key>` and a pool per
 * member port, with AKO's bodies and checksums; AKO's consistency checks between members hold.
 */
import { describe, expect, it } from "vitest"
import type { AviInfraSetting, DesiredUnit, Service } from "../../src/model/index.js"
import {
  fnv1a32,
  makeSnapshot,
  markersChecksum,
  observedChecksum,
  translate,
  translateUnit,
  unitKeysFor,
  unitKeysForInfraSetting
} from "../../src/model/index.js"
import {
  bodyOf,
  CLUSTER_MARKER,
  find,
  lbService,
  metadata,
  namespace,
  order,
  settings,
  slice
} from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)
const CL = H("clusternamec1")

const SHARED = "ako.vmware.com/enable-shared-vip"
const INFRA = "aviinfrasetting.ako.vmware.com/name"
const shared = (extra: Record<string, string> = {}) => ({ [SHARED]: "vip", ...extra })

const a = (annotations: Record<string, string> = shared(), loadBalancerIP?: string): Service =>
  lbService("red", "a", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], {
    annotations,
    ...(loadBalancerIP === undefined ? {} : { loadBalancerIP })
  })
const b = (annotations: Record<string, string> = shared(), loadBalancerIP?: string): Service =>
  lbService("red", "b", [{ name: "dns", port: 53, protocol: "UDP", targetPort: 5353 }], {
    annotations,
    ...(loadBalancerIP === undefined ? {} : { loadBalancerIP })
  })
const slices = [
  slice("red", "a", "a-1", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.5", ready: true, node: "n1" }]),
  slice("red", "b", "b-1", [{ name: "dns", port: 5353, protocol: "UDP" }], [{ ip: "10.1.0.6", ready: true }])
]

const run = (services: ReadonlyArray<Service>, overrides: Parameters<typeof settings>[0] = {}) => {
  const snapshot = makeSnapshot({ services, endpointSlices: slices })
  const translation = translate(snapshot, settings(overrides))
  return { snapshot, unit: translation.desired.get("admin/c1--red-vip"), ...translation }
}

/** The members that show the shared VIP. */
const served = (unit: DesiredUnit | undefined) => (unit?.statuses ?? []).map((status) => status.object.name)

const POOL_A = "c1--red-a-vip-TCP-80"
const POOL_B = "c1--red-b-vip-UDP-53"

describe("shared VIP objects", () => {
  it("builds one VsVip, a pool per member port, one L4PolicySet and one VS named <cluster>--<ns>-<key>", () => {
    const { unit, desired, problems } = run([a(), b()])
    expect(problems).toEqual([])
    expect([...desired.keys()]).toEqual(["admin/c1--red-vip"])
    expect(unit?.kind).toBe("L4Service")
    expect(unit?.owners).toEqual([
      { kind: "Service", namespace: "red", name: "a" },
      { kind: "Service", namespace: "red", name: "b" }
    ])
    expect(order(unit)).toEqual([
      "vsvip:c1--red-vip",
      `pool:${POOL_A}`,
      `pool:${POOL_B}`,
      "l4policyset:c1--red-vip",
      "virtualservice:c1--red-vip"
    ])
  })

  it("gives the VsVip the same shape as a Service's own", () => {
    const vsVip = find(run([a(), b()]).unit, "vsvip", "c1--red-vip")
    expect(bodyOf(vsVip)).toEqual({
      name: "c1--red-vip",
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
    expect(vsVip?.checksum).toBe(String(add(H(`["vip-net:10.10.0.0/24"]`), CL)))
  })

  it("marks each pool with its Service, port, protocol and the key, and names the Service in its metadata", () => {
    const unit = run([a(), b()]).unit
    expect(bodyOf(find(unit, "pool", POOL_A))).toEqual({
      name: POOL_A,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["red"] },
        { key: "ServiceName", values: ["a"] },
        { key: "Port", values: ["80"] },
        { key: "Protocol", values: ["TCP"] },
        { key: "GatewayName", values: ["vip"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      vrf_ref: "/api/vrfcontext?name=global",
      service_metadata: metadata({ namespace_svc_name: ["red/a"] }),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers: [{
        ip: { addr: "10.1.0.5", type: "V4" },
        port: 8080,
        external_uuid: "10.1.0.5:8080",
        enabled: true,
        server_node: "n1"
      }],
      health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"]
    })
    expect(bodyOf(find(unit, "pool", POOL_B))["health_monitor_refs"]).toEqual(["/api/healthmonitor/?name=System-UDP"])
  })

  it("puts the member's name and AKO's markers into the pool checksum", () => {
    const unit = run([a(), b()]).unit
    const servers = `[{"Ip":{"addr":"10.1.0.5","type":"V4"},"ServerNode":"n1","Port":0,"Enabled":true}]`
    const markers = markersChecksum("c1", {
      Namespace: "red",
      ServiceName: "a",
      Port: "80",
      Protocol: "TCP",
      GatewayName: "vip"
    })
    // The markers' values sorted and concatenated: "80", "TCP", "a", "red", "vip".
    expect(markers).toBe(add(H("80TCParedvip"), CL))
    expect(find(unit, "pool", POOL_A)?.checksum).toBe(
      String(add(H(`TCP:8080:http:${servers}:false::null:["red/a"]`), markers, H("")))
    )
  })

  it("lists every member port in one L4PolicySet marked with the namespace and key", () => {
    const l4ps = find(run([a(), b()]).unit, "l4policyset", "c1--red-vip")
    const rule = (pool: string, index: number, port: number, protocol: string) => ({
      name: `/api/pool?name=${pool}`,
      index,
      action: { select_pool: { action_type: "L4_RULE_ACTION_SELECT_POOL", pool_ref: `/api/pool?name=${pool}` } },
      match: {
        port: { match_criteria: "IS_IN", ports: [port] },
        protocol: { match_criteria: "IS_IN", protocol: `PROTOCOL_${protocol}` }
      }
    })
    expect(bodyOf(l4ps)).toEqual({
      name: "c1--red-vip",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER, { key: "Namespace", values: ["red"] }, { key: "GatewayName", values: ["vip"] }],
      l4_connection_policy: { rules: [rule(POOL_A, 0, 80, "TCP"), rule(POOL_B, 1, 53, "UDP")] }
    })
    const expected = add(
      H("[53,80]"),
      H(`["TCP","UDP"]`),
      H(`["${POOL_A}","${POOL_B}"]`),
      H("redvip"),
      CL
    )
    expect(l4ps?.checksum).toBe(String(expected))
    // What AKO recomputes when it reads the object back at boot.
    expect(observedChecksum("l4policyset", l4ps!.body, "c1")).toBe(String(expected))
  })

  it("builds the VS over all member ports, without traffic_enabled, mixed protocols overridden per port", () => {
    const vs = find(run([a(), b()]).unit, "virtualservice", "c1--red-vip")
    expect(bodyOf(vs)).toEqual({
      name: "c1--red-vip",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER, { key: "Namespace", values: ["red"] }, { key: "GatewayName", values: ["vip"] }],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: "/api/vsvip/?name=c1--red-vip",
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-L4-Application",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [
        { port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false },
        {
          port: 53,
          port_range_end: 53,
          enable_ssl: false,
          enable_http2: false,
          override_network_profile_ref: "/api/networkprofile/?name=System-UDP-Fast-Path"
        }
      ],
      l4_policies: [{ index: 0, l4_policy_set_ref: "/api/l4policyset/?name=c1--red-vip" }],
      remove_listening_port_on_vs_down: true,
      error_page_profile_ref: "",
      service_metadata: metadata({})
    })
  })

  it("computes AKO's VS checksum: listeners named <PROTO>-<port> without target port, no traffic part", () => {
    const vs = find(run([a(), b()]).unit, "virtualservice", "c1--red-vip")
    const listener = (port: number, protocol: string) =>
      `{"PortMap":null,"Port":${port},"TargetPort":0,"Protocol":"${protocol}","Hosts":null,"Secret":"",` +
      `"Passthrough":false,"Redirect":false,"EnableSSL":false,"EnableHTTP2":false,"Name":"${protocol}-${port}"}`
    const refs = [`L4Policyc1--red-vip`, `Pool${POOL_A}`, `Pool${POOL_B}`, "VSVIPc1--red-vip"].join(":")
    const expected = add(
      H(
        refs + "System-L4-Application" + "Default-Group" + "Mixed-Network-Profile-Internal" +
          `[${listener(80, "TCP")},${listener(53, "UDP")}]`
      ),
      H("redvip"),
      CL,
      H("false"),
      H("")
    )
    expect(vs?.checksum).toBe(String(expected))
    expect(vs?.body["cloud_config_cksum"]).toBe(String(expected))
  })

  it("uses one protocol's network profile when the members share it", () => {
    const c = lbService("red", "c", [{ name: "alt", port: 8080, protocol: "TCP" }], { annotations: shared() })
    const vs = bodyOf(find(run([a(), c], { enterpriseLicense: false }).unit, "virtualservice", "c1--red-vip"))
    expect(vs["network_profile_ref"]).toBe("/api/networkprofile/?name=System-TCP-Fast-Path")
    expect(vs["services"]).toEqual([
      { port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false },
      { port: 8080, port_range_end: 8080, enable_ssl: false, enable_http2: false }
    ])
  })
})

describe("shared VIP FQDNs and statuses", () => {
  const dns = { autoFQDN: "default" as const, dnsSubDomains: ["avi.internal"] }

  it("gives every member the shared VIP, with its own auto FQDN as hostname", () => {
    const { unit } = run([a(), b()], dns)
    expect(unit?.statuses).toEqual([
      {
        object: { kind: "Service", namespace: "red", name: "a" },
        vsVip: "c1--red-vip",
        virtualService: "c1--red-vip",
        hosts: ["a.red.avi.internal"]
      },
      {
        object: { kind: "Service", namespace: "red", name: "b" },
        vsVip: "c1--red-vip",
        virtualService: "c1--red-vip",
        hosts: ["b.red.avi.internal"]
      }
    ])
  })

  it("puts every member's FQDN on the VsVip and VS, the external-dns annotation winning, and its own on each pool", () => {
    const { unit } = run([a(), b(shared({ "external-dns.alpha.kubernetes.io/hostname": "dns.example.com" }))], dns)
    const fqdns = ["a.red.avi.internal", "dns.example.com"]
    const vsVip = find(unit, "vsvip", "c1--red-vip")
    expect(bodyOf(vsVip)["dns_info"]).toEqual(fqdns.map((fqdn) => ({ fqdn })))
    expect(vsVip?.checksum).toBe(String(add(H(JSON.stringify(fqdns)), H(`["vip-net:10.10.0.0/24"]`), CL)))
    const vs = find(unit, "virtualservice", "c1--red-vip")
    expect(bodyOf(vs)["service_metadata"]).toBe(metadata({ hostnames: fqdns }))
    // The hostnames enter the VS checksum as R.
    const plain = find(run([a(), b()]).unit, "virtualservice", "c1--red-vip")
    expect(Number(vs?.checksum)).toBe(add(Number(plain?.checksum), H(JSON.stringify(fqdns))))
    // The pools (and so the statuses) carry the auto FQDN, not the annotation.
    expect(bodyOf(find(unit, "pool", POOL_B))["service_metadata"]).toBe(
      metadata({ hostnames: ["b.red.avi.internal"], namespace_svc_name: ["red/b"] })
    )
    expect(unit?.statuses[1]?.hosts).toEqual(["b.red.avi.internal"])
  })

  it("with autoFQDN off takes only the external-dns annotation, and only when the cloud has DNS sub-domains", () => {
    const annotated = b(shared({ "external-dns.alpha.kubernetes.io/hostname": "dns.example.com" }))
    const withDomains = run([a(), annotated], { dnsSubDomains: ["avi.internal"] }).unit
    expect(bodyOf(find(withDomains, "vsvip", "c1--red-vip"))["dns_info"]).toEqual([{ fqdn: "dns.example.com" }])
    expect(bodyOf(find(withDomains, "pool", POOL_B))["service_metadata"]).toBe(
      metadata({ namespace_svc_name: ["red/b"] })
    )
    expect(withDomains?.statuses.map((s) => s.hosts)).toEqual([[], []])
    const withoutDomains = run([a(), annotated]).unit
    expect(bodyOf(find(withoutDomains, "vsvip", "c1--red-vip"))["dns_info"]).toBeUndefined()
  })
})

describe("shared VIP members", () => {
  it("takes the static IP from the first member: spec.loadBalancerIP, else the annotation", () => {
    const vipOf = (services: ReadonlyArray<Service>) =>
      (bodyOf(find(run(services).unit, "vsvip", "c1--red-vip"))["vip"] as Array<Record<string, unknown>>)[0]
    expect(vipOf([a(shared(), "10.10.0.9"), b()])?.["ip_address"]).toEqual({ type: "V4", addr: "10.10.0.9" })
    expect(vipOf([a(shared({ "ako.vmware.com/load-balancer-ip": "10.10.0.8" })), b()])?.["ip_address"])
      .toEqual({ type: "V4", addr: "10.10.0.8" })
    const unit = run([a(shared(), "10.10.0.9"), b(shared(), "10.10.0.9")]).unit
    expect(served(unit)).toEqual(["a", "b"])
    expect(find(unit, "vsvip", "c1--red-vip")?.checksum).toBe(
      String(add(H("10.10.0.9"), H(`["vip-net:10.10.0.0/24"]`), CL))
    )
  })

  it("leaves out a member asking for another static IP, with a Problem on it; the others keep the VIP", () => {
    const { unit, problems } = run([a(shared(), "10.10.0.9"), b(shared(), "10.10.0.7")])
    expect(served(unit)).toEqual(["a"])
    // Still an owner: a change to it recomputes the unit, and whatever status it carries is cleared.
    expect(unit?.owners.map((o) => o.name)).toEqual(["a", "b"])
    expect(order(unit)).not.toContain(`pool:${POOL_B}`)
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "red", name: "b" },
      field: "spec.loadBalancerIP",
      reason: "InvalidConfiguration",
      message: "static IP 10.10.0.7 differs from 10.10.0.9 of a, which shares the VIP; the Service is left out of " +
        "the shared virtual service c1--red-vip"
    }])
    // Asking for one while the first member asks for none is the same mistake; asking for none is fine.
    expect(run([a(), b(shared({ "ako.vmware.com/load-balancer-ip": "10.10.0.7" }))]).problems.map((p) => p.field))
      .toEqual(["metadata.annotations[ako.vmware.com/load-balancer-ip]"])
    expect(run([a(shared(), "10.10.0.9"), b()]).problems).toEqual([])
  })

  it("leaves out a member naming another AviInfraSetting or L4Rule than the first", () => {
    const infra = run([a(), b(shared({ [INFRA]: "blue" }))])
    expect(served(infra.unit)).toEqual(["a"])
    expect(infra.problems.map((p) => [p.object.name, p.field])).toEqual([
      ["b", "metadata.annotations[aviinfrasetting.ako.vmware.com/name]"]
    ])
    const rule = run([a(), b(shared({ "ako.vmware.com/l4rule": "tuned" }))])
    expect(served(rule.unit)).toEqual(["a"])
    expect(rule.problems.map((p) => [p.object.name, p.field])).toEqual([
      ["b", "metadata.annotations[ako.vmware.com/l4rule]"]
    ])
  })

  it("leaves out a member whose port and protocol another member already serves", () => {
    const clash = lbService("red", "c", [{ name: "web", port: 80, protocol: "TCP" }], { annotations: shared() })
    const { unit, problems } = run([a(), b(), clash])
    expect(served(unit)).toEqual(["a", "b"])
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "red", name: "c" },
      field: "spec.ports[0]",
      reason: "InvalidConfiguration",
      message: "port 80/TCP is already served for a, which shares the VIP; the Service is left out of the shared " +
        "virtual service c1--red-vip"
    }])
    // The same port over another protocol is another listener.
    const udp80 = lbService("red", "c", [{ port: 80, protocol: "UDP" }], { annotations: shared() })
    expect(served(run([a(), udp80]).unit)).toEqual(["a", "c"])
  })

  it("keeps Services of other namespaces or keys apart, and an empty annotation value means no sharing", () => {
    const other = lbService("blue", "a", [{ port: 80 }], { annotations: shared() })
    const otherKey = lbService("red", "c", [{ port: 80 }], { annotations: { [SHARED]: "other" } })
    const empty = lbService("red", "d", [{ port: 80 }], { annotations: { [SHARED]: "" } })
    const { desired } = run([a(), b(), other, otherKey, empty])
    expect([...desired.keys()].sort()).toEqual([
      "admin/c1--blue-vip",
      "admin/c1--red-d",
      "admin/c1--red-other",
      "admin/c1--red-vip"
    ])
  })

  it("places pools by the first member's Namespace AviInfraSetting, but the VS only when the Service names one", () => {
    const tier1: AviInfraSetting = {
      metadata: { name: "t1" },
      spec: { seGroup: { name: "t1-seg" }, nsxSettings: { t1lr: "/infra/tier-1s/t1" } },
      status: { status: "Accepted", error: "" }
    }
    const ns = { ...namespace("red"), metadata: { name: "red", annotations: { [INFRA]: "t1" } } }
    const build = (first: Service) =>
      translate(
        makeSnapshot({ services: [first, b()], endpointSlices: slices, namespaces: [ns], aviInfraSettings: [tier1] }),
        settings()
      ).desired.get("admin/c1--red-vip")
    const inherited = build(a())
    expect(bodyOf(find(inherited, "pool", POOL_A))["tier1_lr"]).toBe("/infra/tier-1s/t1")
    expect(bodyOf(find(inherited, "virtualservice", "c1--red-vip"))["se_group_ref"])
      .toBe("/api/serviceenginegroup?name=Default-Group")
    const named = build(a(shared({ [INFRA]: "t1" })))
    expect(bodyOf(find(named, "virtualservice", "c1--red-vip"))["se_group_ref"])
      .toBe("/api/serviceenginegroup?name=t1-seg")
  })
})

describe("shared VIP units", () => {
  it("translateUnit builds the same unit as translate", () => {
    const { snapshot, unit } = run([a(), b()])
    expect(translateUnit("admin/c1--red-vip", snapshot, settings()).unit).toEqual(unit)
    // A Service whose own VS name equals the shared one keeps it, in both.
    const vip = lbService("red", "vip", [{ port: 443 }])
    const collision = makeSnapshot({ services: [a(), b(), vip], endpointSlices: slices })
    const whole = translate(collision, settings())
    expect(whole.desired.get("admin/c1--red-vip")?.owners.map((o) => o.name)).toEqual(["vip"])
    expect(translateUnit("admin/c1--red-vip", collision, settings()).unit).toEqual(
      whole.desired.get("admin/c1--red-vip")
    )
    expect(whole.problems.map((p) => [p.object.name, p.reason])).toEqual([["a", "NameConflict"], ["b", "NameConflict"]])
  })

  it("a member Service, its EndpointSlice and an AviInfraSetting it names recompute the shared unit", () => {
    const conflicting = b(shared({ [INFRA]: "blue" }))
    const { snapshot } = run([a(), conflicting])
    const keys = (kind: "Service" | "EndpointSlice", name: string) =>
      unitKeysFor({ kind, namespace: "red", name }, snapshot, settings())
    expect(keys("Service", "a")).toEqual(["admin/c1--red-vip"])
    expect(keys("EndpointSlice", "a-1")).toEqual(["admin/c1--red-vip"])
    // A member left out still feeds the unit: fixing it brings it in.
    expect(keys("Service", "b")).toEqual(["admin/c1--red-vip"])
    expect(unitKeysForInfraSetting("blue", snapshot, settings())).toEqual(["admin/c1--red-vip"])
  })
})
