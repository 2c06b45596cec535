/**
 * AviInfraSetting on LoadBalancer Services (reference/ako-crds.md §3.3–3.4): the Service's annotation, else its
 * Namespace's, puts its VS on the setting's SE group, VIP network, RHI and BGP peers, and tier-1 router, with AKO's
 * checksums; a setting that is not in effect leaves the global configuration and says so on the Service.
 */
import { describe, expect, it } from "vitest"
import type { AviInfraSetting, Ingress, IngressClass } from "../../src/model/index.js"
import { fnv1a32, makeSnapshot, shardIndex, translate } from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  CLUSTER_MARKER,
  clusterIpService,
  find,
  ingress,
  lbService,
  namespace,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)

const infra = (name: string, spec: NonNullable<AviInfraSetting["spec"]>): AviInfraSetting => ({
  metadata: { name },
  spec,
  status: { status: "Accepted", error: "" }
})

const blue = infra("blue", {
  seGroup: { name: "blue-seg" },
  network: { vipNetworks: [{ networkName: "blue-vip", cidr: "10.20.0.0/24" }] }
})

const web = (annotations: Record<string, string> = {}) =>
  lbService("red", "web", [{ name: "http", port: 80, protocol: "TCP", targetPort: 8080 }], { annotations })
const webSlice = slice("red", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.1.0.5", ready: true }])

const run = (
  service: ReturnType<typeof web>,
  settingsInEffect: ReadonlyArray<AviInfraSetting>,
  namespaceAnnotations: Record<string, string> = {}
) => {
  const ns = { ...namespace("red"), metadata: { name: "red", annotations: namespaceAnnotations } }
  const translation = translate(
    makeSnapshot({
      services: [service],
      endpointSlices: [webSlice],
      namespaces: [ns],
      aviInfraSettings: settingsInEffect
    }),
    settings()
  )
  return { unit: translation.desired.get("admin/c1--red-web"), problems: translation.problems }
}

const ANNOTATION = "aviinfrasetting.ako.vmware.com/name"

describe("AviInfraSetting on a LoadBalancer Service", () => {
  it("puts the VS on the setting's SE group and the VsVip on its VIP network", () => {
    const { unit, problems } = run(web({ [ANNOTATION]: "blue" }), [blue])
    expect(problems).toEqual([])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["se_group_ref"]).toBe(
      "/api/serviceenginegroup?name=blue-seg"
    )
    const vip = (bodyOf(find(unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(vip?.["ipam_network_subnet"]).toEqual({
      network_ref: "/api/network/?name=blue-vip",
      subnet: { ip_addr: { addr: "10.20.0.0", type: "V4" }, mask: 24 }
    })
  })

  it("changes the VsVip checksum by its network and the VS checksum by its SE group, as AKO's do", () => {
    const plain = run(web(), []).unit
    const placed = run(web({ [ANNOTATION]: "blue" }), [blue]).unit
    const vsVip = (u: typeof plain) => Number(find(u, "vsvip", "c1--red-web")?.checksum)
    expect(vsVip(placed)).toBe(add(
      vsVip(plain),
      -H(`["vip-net:10.10.0.0/24"]`) >>> 0,
      H(`["blue-vip:10.20.0.0/24"]`)
    ))
    expect(find(placed, "virtualservice", "c1--red-web")?.checksum).not.toBe(
      find(plain, "virtualservice", "c1--red-web")?.checksum
    )
  })

  it("turns RHI on with the setting's BGP peer labels, sorted into the VsVip checksum", () => {
    const rhi = infra("rhi", { network: { enableRhi: true, bgpPeerLabels: ["peer-b", "peer-a"] } })
    const plain = run(web(), []).unit
    const { unit } = run(web({ [ANNOTATION]: "rhi" }), [rhi])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["enable_rhi"]).toBe(true)
    expect(bodyOf(find(unit, "vsvip", "c1--red-web"))["bgp_peer_labels"]).toEqual(["peer-b", "peer-a"])
    expect(Number(find(unit, "vsvip", "c1--red-web")?.checksum)).toBe(add(
      Number(find(plain, "vsvip", "c1--red-web")?.checksum),
      H(`["peer-a","peer-b"]`)
    ))
    // RHI enters the VS checksum as H("true") where it was H("false").
    expect(Number(find(unit, "virtualservice", "c1--red-web")?.checksum)).toBe(add(
      Number(find(plain, "virtualservice", "c1--red-web")?.checksum),
      -H("false") >>> 0,
      H("true")
    ))
  })

  it("places VS, VsVip and pools on the tier-1 router instead of a VRF", () => {
    const t1 = infra("t1", { nsxSettings: { t1lr: "/infra/tier-1s/blue" } })
    const plain = run(web(), []).unit
    const { unit } = run(web({ [ANNOTATION]: "t1" }), [t1])
    const vsVip = bodyOf(find(unit, "vsvip", "c1--red-web"))
    expect(vsVip["tier1_lr"]).toBe("/infra/tier-1s/blue")
    expect(vsVip).not.toHaveProperty("vrf_context_ref")
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))).not.toHaveProperty("vrf_context_ref")
    const pool = bodyOf(find(unit, "pool", "c1--red-web-TCP-80"))
    expect(pool["tier1_lr"]).toBe("/infra/tier-1s/blue")
    expect(pool).not.toHaveProperty("vrf_ref")
    expect(Number(find(unit, "pool", "c1--red-web-TCP-80")?.checksum)).toBe(add(
      Number(find(plain, "pool", "c1--red-web-TCP-80")?.checksum),
      H("/infra/tier-1s/blue")
    ))
  })

  it("puts its node networks into the pool checksum on a no-access cloud, as AKO's pool model holds them", () => {
    const nodes = infra("nodes", {
      network: {
        nodeNetworks: [
          { networkName: "node-b", cidrs: ["10.5.0.0/24"] },
          { networkName: "ignored-name", networkUUID: "network-a", cidrs: ["10.6.0.0/24", "10.7.0.0/24"] }
        ]
      }
    })
    const poolOn = (cloudType: string | undefined, annotations: Record<string, string>) =>
      find(
        translate(
          makeSnapshot({ services: [web(annotations)], endpointSlices: [webSlice], aviInfraSettings: [nodes] }),
          settings({ cloudType })
        ).desired.get("admin/c1--red-web"),
        "pool",
        "c1--red-web-TCP-80"
      )!
    const plain = poolOn("CLOUD_NONE", {})
    const placed = poolOn("CLOUD_NONE", { [ANNOTATION]: "nodes" })
    const servers = `[{"Ip":{"addr":"10.1.0.5","type":"V4"},"ServerNode":"","Port":0,"Enabled":true}]`
    const map = `{"network-a":{"Cidrs":["10.6.0.0/24","10.7.0.0/24"],"NetworkUUID":"network-a"},` +
      `"node-b":{"Cidrs":["10.5.0.0/24"],"NetworkUUID":""}}`
    expect(Number(placed.checksum)).toBe(add(
      Number(plain.checksum),
      -H(`TCP:8080:http:${servers}:false::null`) >>> 0,
      H(`TCP:8080:http:${servers}:false::${map}`)
    ))
    // The body has no placement networks there (AKO sends them on vCenter and NSX-T VLAN clouds only). AKO keeps the
    // map as written on every other cloud too (`SetAviInfrasettingNodeNetworks` looks names up on vCenter and
    // no-access clouds only), so it is in an AWS pool's checksum as well.
    expect(bodyOf(placed)).not.toHaveProperty("placement_networks")
    const onAws = poolOn("CLOUD_AWS", { [ANNOTATION]: "nodes" })
    expect(Number(onAws.checksum)).toBe(add(
      Number(poolOn("CLOUD_AWS", {}).checksum),
      -H(`TCP:8080:http:${servers}:false::null`) >>> 0,
      H(`TCP:8080:http:${servers}:false::${map}`)
    ))
    expect(bodyOf(onAws)).not.toHaveProperty("placement_networks")
  })

  it("asks a public cloud for a floating IP, into the VsVip checksum; elsewhere the flag is not AKO's to send", () => {
    const publicIp = infra("public", { network: { enablePublicIP: true } })
    const vsVipOn = (cloudType: string, annotations: Record<string, string>) =>
      find(
        translate(
          makeSnapshot({ services: [web(annotations)], endpointSlices: [webSlice], aviInfraSettings: [publicIp] }),
          settings({ cloudType })
        ).desired.get("admin/c1--red-web"),
        "vsvip",
        "c1--red-web"
      )!
    const placed = vsVipOn("CLOUD_GCP", { [ANNOTATION]: "public" })
    expect((bodyOf(placed)["vip"] as ReadonlyArray<Record<string, unknown>>)[0]?.["auto_allocate_floating_ip"]).toBe(
      true
    )
    expect(Number(placed.checksum)).toBe(add(Number(vsVipOn("CLOUD_GCP", {}).checksum), H("true")))
    const onPrem = vsVipOn("CLOUD_NONE", { [ANNOTATION]: "public" })
    expect((bodyOf(onPrem)["vip"] as ReadonlyArray<Record<string, unknown>>)[0]).not.toHaveProperty(
      "auto_allocate_floating_ip"
    )
    expect(onPrem.checksum).toBe(vsVipOn("CLOUD_NONE", {}).checksum)
  })

  it("asks for both address families on an IPv6 VIP network", () => {
    const dual = infra("dual", {
      network: { vipNetworks: [{ networkName: "dual", cidr: "10.9.0.0/24", v6cidr: "fd00::/64" }] }
    })
    const vip =
      (bodyOf(find(run(web({ [ANNOTATION]: "dual" }), [dual]).unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<
        Record<string, unknown>
      >)[0]
    expect(vip?.["auto_allocate_ip_type"]).toBe("V4_V6")
    expect((vip?.["ipam_network_subnet"] as Record<string, unknown>)["subnet6"]).toEqual({
      ip_addr: { addr: "fd00::", type: "V6" },
      mask: 64
    })
  })

  it("binds through the Namespace when the Service names no setting, and the Service's own wins", () => {
    const green = infra("green", { seGroup: { name: "green-seg" } })
    const seg = (u: ReturnType<typeof run>["unit"]) => bodyOf(find(u, "virtualservice", "c1--red-web"))["se_group_ref"]
    expect(seg(run(web(), [blue, green], { [ANNOTATION]: "green" }).unit)).toBe(
      "/api/serviceenginegroup?name=green-seg"
    )
    expect(seg(run(web({ [ANNOTATION]: "blue" }), [blue, green], { [ANNOTATION]: "green" }).unit)).toBe(
      "/api/serviceenginegroup?name=blue-seg"
    )
  })

  it("keeps the global configuration when the setting is missing or not accepted, and says so on the Service", () => {
    const { unit, problems } = run(web({ [ANNOTATION]: "gone" }), [])
    expect(bodyOf(find(unit, "virtualservice", "c1--red-web"))["se_group_ref"]).toBe(
      "/api/serviceenginegroup?name=Default-Group"
    )
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "red", name: "web" },
      field: `metadata.annotations[${ANNOTATION}]`,
      reason: "InvalidConfiguration",
      message:
        "AviInfraSetting gone does not exist or is not Accepted; the virtual service uses the global configuration"
    }])
  })
})

describe("AviInfraSetting on Ingresses", () => {
  const app = clusterIpService("shop", "app", [{ name: "http", port: 80, targetPort: 8080 }])
  const appSlice = slice("shop", "app", "app-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
  const blueClass: IngressClass = {
    metadata: { name: "blue" },
    spec: {
      controller: "ako.vmware.com/avi-lb",
      parameters: { apiGroup: "ako.vmware.com", kind: "AviInfraSetting", name: "blue" }
    }
  }
  const HOST = "shop.example.com"
  const plainIngress = ingress("shop", "web", [{ host: HOST, paths: [{ path: "/", service: "app", port: 80 }] }], {
    className: "blue"
  })
  const secureIngress = ingress("shop", "web", [{ host: HOST, paths: [{ path: "/", service: "app", port: 80 }] }], {
    className: "blue",
    tls: [{ hosts: [HOST], secretName: "shop-tls" }]
  })

  const l7 = (
    ing: Ingress,
    settingsInEffect: ReadonlyArray<AviInfraSetting>,
    extra: { readonly namespaceAnnotations?: Record<string, string>; readonly classes?: ReadonlyArray<IngressClass> } =
      {}
  ) =>
    translate(
      makeSnapshot({
        services: [app],
        endpointSlices: [appSlice],
        ingresses: [ing],
        ingressClasses: extra.classes ?? [blueClass, aviIngressClass("avi-lb")],
        secrets: [tlsSecret("shop", "shop-tls")],
        namespaces: [{ metadata: { name: "shop", annotations: extra.namespaceAnnotations ?? {} } }],
        aviInfraSettings: settingsInEffect
      }),
      settings()
    )

  it("puts an IngressClass's hosts on `Shared-L7-<infra>-<n>` with the setting's SE group, network and names", () => {
    const { desired, problems } = l7(plainIngress, [blue])
    expect(problems).toEqual([])
    const shard = `c1--Shared-L7-blue-${shardIndex(HOST, 8)}`
    const unit = desired.get(`admin/${shard}`)
    expect(bodyOf(find(unit, "virtualservice", shard))["se_group_ref"]).toBe("/api/serviceenginegroup?name=blue-seg")
    const vip = (bodyOf(find(unit, "vsvip", shard))["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect((vip?.["ipam_network_subnet"] as Record<string, unknown>)["network_ref"]).toBe("/api/network/?name=blue-vip")
    const pool = find(unit, "pool", `c1--blue-${HOST}_-shop-web`)
    expect(bodyOf(pool)["markers"]).toEqual([
      CLUSTER_MARKER,
      { key: "Namespace", values: ["shop"] },
      { key: "Host", values: [HOST] },
      { key: "InfrasettingName", values: ["blue"] },
      { key: "Path", values: ["/"] },
      { key: "IngressName", values: ["web"] }
    ])
    expect([...desired.keys()].filter((key) => key.includes("Shared-L7-") && !key.includes("blue"))).toEqual([])
  })

  it("follows the setting's shard size, and DEDICATED gives `<cluster>--<infra>-<host>-L7-dedicated`", () => {
    const small = infra("blue", { ...blue.spec, l7Settings: { shardSize: "SMALL" } })
    expect([...l7(plainIngress, [small]).desired.keys()]).toEqual(["admin/c1--Shared-L7-blue-0"])
    const dedicated = infra("blue", { ...blue.spec, l7Settings: { shardSize: "DEDICATED" } })
    expect([...l7(plainIngress, [dedicated]).desired.keys()]).toEqual([`admin/c1--blue-${HOST}-L7-dedicated`])
  })

  it("names a secure host's SNI child and certificate after the setting; the child keeps the global SE group", () => {
    const shard = `c1--Shared-L7-blue-${shardIndex(HOST, 8)}`
    const unit = l7(secureIngress, [blue]).desired.get(`admin/${shard}`)
    const child = bodyOf(find(unit, "virtualservice", `c1--blue-${HOST}`))
    expect(child["se_group_ref"]).toBe("/api/serviceenginegroup?name=Default-Group")
    expect(child["ssl_key_and_certificate_refs"]).toEqual([`/api/sslkeyandcertificate/?name=c1--blue-${HOST}`])
    expect(bodyOf(find(unit, "sslkeyandcertificate", `c1--blue-${HOST}`))["markers"]).toEqual([
      CLUSTER_MARKER,
      { key: "Host", values: [HOST] },
      { key: "InfrasettingName", values: ["blue"] }
    ])
    expect(find(unit, "pool", `c1--blue-shop-${HOST}_-web`)).toBeDefined()
    expect(find(unit, "httppolicyset", `c1--blue-shop-${HOST}`)).toBeDefined()
  })

  it("bound through the Namespace, keeps the plain names but takes the setting's SE group", () => {
    const { desired } = l7(
      ingress("shop", "web", [{ host: HOST, paths: [{ path: "/", service: "app", port: 80 }] }]),
      [blue],
      { namespaceAnnotations: { [ANNOTATION]: "blue" } }
    )
    const shard = `c1--Shared-L7-${shardIndex(HOST, 8)}`
    const unit = desired.get(`admin/${shard}`)
    expect(bodyOf(find(unit, "virtualservice", shard))["se_group_ref"]).toBe("/api/serviceenginegroup?name=blue-seg")
    expect(bodyOf(find(unit, "pool", `c1--${HOST}_-shop-web`))["markers"]).not.toContainEqual(
      expect.objectContaining({ key: "InfrasettingName" })
    )
  })

  it("builds nothing for an Ingress whose class names a missing setting, and says so on the Ingress", () => {
    const { desired, problems } = l7(plainIngress, [])
    expect([...desired.keys()]).toEqual([])
    expect(problems).toEqual([expect.objectContaining({
      object: { kind: "Ingress", namespace: "shop", name: "web" },
      field: "spec.ingressClassName",
      message: expect.stringContaining("AviInfraSetting blue (named by IngressClass blue) does not exist")
    })])
  })

  it("lets an HTTPRule reach the pools named after the setting, as AKO's pattern does", () => {
    const rule = {
      metadata: { name: "algo", namespace: "shop" },
      spec: { fqdn: HOST, paths: [{ target: "/", loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" } }] },
      status: { status: "Accepted", error: "" }
    }
    const { desired } = translate(
      makeSnapshot({
        services: [app],
        endpointSlices: [appSlice],
        ingresses: [plainIngress],
        ingressClasses: [blueClass],
        namespaces: [{ metadata: { name: "shop" } }],
        aviInfraSettings: [blue],
        httpRules: [rule]
      }),
      settings()
    )
    const shard = `c1--Shared-L7-blue-${shardIndex(HOST, 8)}`
    expect(bodyOf(find(desired.get(`admin/${shard}`), "pool", `c1--blue-${HOST}_-shop-web`))["lb_algorithm"]).toBe(
      "LB_ALGORITHM_ROUND_ROBIN"
    )
  })

  it("keeps what Avi has for an Ingress whose setting exists but is not Accepted: a held VS, its status kept", () => {
    const rejected = { ...blue, status: { status: "Rejected", error: "serviceenginegroup \"blue-seg\" not found" } }
    const { desired, problems } = translate(
      {
        ...makeSnapshot({
          services: [app],
          endpointSlices: [appSlice],
          ingresses: [secureIngress],
          ingressClasses: [blueClass],
          secrets: [tlsSecret("shop", "shop-tls")],
          namespaces: [{ metadata: { name: "shop" } }]
        }),
        aviInfraSettingsStored: new Map([["blue", rejected]])
      },
      settings()
    )
    const shard = `c1--Shared-L7-blue-${shardIndex(HOST, 8)}`
    expect([...desired.keys()]).toEqual([`admin/${shard}`])
    const unit = desired.get(`admin/${shard}`)
    expect(unit?.held).toBe(true)
    expect(unit?.objects).toEqual([])
    expect(unit?.statuses).toEqual([{
      object: { kind: "Ingress", namespace: "shop", name: "web" },
      vsVip: shard,
      virtualService: `c1--blue-${HOST}`,
      hosts: [HOST]
    }])
    expect(problems.map((p) => p.message)).toEqual([
      "AviInfraSetting blue (named by IngressClass blue) is not Accepted; as in AKO, this Ingress's objects on Avi " +
      "are kept as they are until it is"
    ])
  })

  it("adds the setting's listeners to the shared parent, replacing one on the same port", () => {
    const listening = infra("blue", {
      ...blue.spec,
      network: {
        ...blue.spec?.network,
        listeners: [{ port: 443, enableSSL: true, enableHTTP2: true }, { port: 8443, enableSSL: true }]
      }
    })
    const shard = `c1--Shared-L7-blue-${shardIndex(HOST, 8)}`
    const services = bodyOf(find(l7(plainIngress, [listening]).desired.get(`admin/${shard}`), "virtualservice", shard))[
      "services"
    ]
    expect(services).toEqual([
      { port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false },
      { port: 443, port_range_end: 443, enable_ssl: true, enable_http2: true },
      { port: 8443, port_range_end: 8443, enable_ssl: true, enable_http2: false }
    ])
  })
})

describe("AviInfraSetting on OpenShift Routes", () => {
  it("a Route's own annotation names its objects after the setting, with its markers", () => {
    const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
    const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.2", ready: true }])
    const route = {
      metadata: { name: "r1", namespace: "default", annotations: { [ANNOTATION]: "blue" } },
      spec: { host: "app.example.com", path: "/", to: { kind: "Service", name: "web", weight: 100 } }
    }
    const { desired, problems } = translate(
      makeSnapshot({ services: [web], endpointSlices: [webSlice], routes: [route], aviInfraSettings: [blue] }),
      settings()
    )
    expect(problems).toEqual([])
    const shard = `c1--Shared-L7-blue-${shardIndex("app.example.com", 8)}`
    const pool = find(desired.get(`admin/${shard}`), "pool", "c1--blue-app.example.com_-default-r1-web")
    expect(bodyOf(pool)["markers"]).toEqual([
      CLUSTER_MARKER,
      { key: "Namespace", values: ["default"] },
      { key: "Host", values: ["app.example.com"] },
      { key: "InfrasettingName", values: ["blue"] },
      { key: "ServiceName", values: ["web"] },
      { key: "Path", values: ["/"] },
      { key: "IngressName", values: ["r1"] }
    ])
    expect(bodyOf(find(desired.get(`admin/${shard}`), "virtualservice", shard))["se_group_ref"]).toBe(
      "/api/serviceenginegroup?name=blue-seg"
    )
  })
})
