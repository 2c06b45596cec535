import { describe, expect, it } from "vitest"
import { makeSnapshot, translate } from "../../src/model/index.js"
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
  tlsSecret
} from "./fixtures/builders.js"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const dedicated = settings({ shardVSSize: "DEDICATED", autoFQDN: "default", dnsSubDomains: ["example.com"] })

describe("DEDICATED shard size", () => {
  it("gives an insecure host its own normal VS with VsVip, path pools/PGs and an HTTPPolicySet", () => {
    const ing = ingress("default", "app", [{
      host: "app.example.com",
      paths: [{ path: "/", service: "web", port: 80 }]
    }])
    const { desired, problems } = translate(
      makeSnapshot({ services: [web], ingresses: [ing], ingressClasses: [aviIngressClass("avi-lb")] }),
      dedicated
    )
    expect(problems).toEqual([])
    const vs = "c1--app.example.com-L7-dedicated"
    const unit = desired.get(`admin/${vs}`)
    expect(unit?.kind).toBe("L7Dedicated")
    expect(order(unit)).toEqual([
      `vsvip:${vs}`,
      "pool:c1--default-app.example.com_-app-L7-dedicated",
      "poolgroup:c1--default-app.example.com_-app-L7-dedicated",
      "httppolicyset:c1--default-app.example.com",
      `virtualservice:${vs}`
    ])
    // No auto FQDN on a dedicated VS, only the host.
    expect(bodyOf(find(unit, "vsvip", vs))["dns_info"]).toEqual([{ fqdn: "app.example.com" }])
    expect(bodyOf(find(unit, "virtualservice", vs))).toEqual({
      name: vs,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["app.example.com"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vsvip_ref: `/api/vsvip/?name=${vs}`,
      vrf_context_ref: "/api/vrfcontext?name=global",
      type: "VS_TYPE_NORMAL",
      east_west_placement: false,
      application_profile_ref: "/api/applicationprofile/?name=System-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      services: [{ port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false }],
      http_policies: [{ index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-app.example.com" }],
      error_page_profile_ref: "",
      service_metadata: metadata({
        namespace_ingress_name: ["default/app"],
        namespace: "default",
        hostnames: ["app.example.com"]
      })
    })
    expect(unit?.statuses).toEqual([{
      object: { kind: "Ingress", namespace: "default", name: "app" },
      vsVip: vs,
      virtualService: vs,
      hosts: ["app.example.com"]
    }])
  })

  it("a secure dedicated host listens on 80 and 443 with the certificate on the VS and a redirect policy", () => {
    const ing = ingress("default", "app", [{
      host: "app.example.com",
      paths: [{ path: "/", service: "web", port: 80 }]
    }], {
      tls: [{ hosts: ["app.example.com"], secretName: "app-tls" }]
    })
    const { desired } = translate(
      makeSnapshot({
        services: [web],
        ingresses: [ing],
        ingressClasses: [aviIngressClass("avi-lb")],
        secrets: [tlsSecret("default", "app-tls")]
      }),
      dedicated
    )
    const vs = "c1--app.example.com-L7-dedicated"
    const unit = desired.get(`admin/${vs}`)
    expect(order(unit)).toEqual([
      `vsvip:${vs}`,
      "sslkeyandcertificate:c1--app.example.com",
      "pool:c1--default-app.example.com_-app-L7-dedicated",
      "poolgroup:c1--default-app.example.com_-app-L7-dedicated",
      "httppolicyset:c1--default-app.example.com",
      `httppolicyset:${vs}`,
      `virtualservice:${vs}`
    ])
    const body = bodyOf(find(unit, "virtualservice", vs))
    expect(body["services"]).toEqual([
      { port: 80, port_range_end: 80, enable_ssl: false, enable_http2: false },
      { port: 443, port_range_end: 443, enable_ssl: true, enable_http2: false }
    ])
    expect(body["application_profile_ref"]).toBe("/api/applicationprofile/?name=System-Secure-HTTP")
    expect(body["ssl_key_and_certificate_refs"]).toEqual(["/api/sslkeyandcertificate/?name=c1--app.example.com"])
    // AKO re-appends the redirect policy on every rebuild, so it always comes after the host's path policy.
    expect(body["http_policies"]).toEqual([
      { index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-app.example.com" },
      { index: 12, http_policy_set_ref: `/api/httppolicyset/?name=${vs}` }
    ])
    // Unlike the shared redirect policy, the dedicated one carries the host's markers.
    expect(bodyOf(find(unit, "httppolicyset", vs))["markers"]).toEqual([
      { key: "clustername", values: ["c1"] },
      { key: "Namespace", values: ["default"] },
      { key: "Host", values: ["app.example.com"] }
    ])
    expect(
      (bodyOf(find(unit, "httppolicyset", vs))["http_request_policy"] as { rules: Array<unknown> }).rules
    ).toEqual([{
      name: `${vs}-0`,
      index: 0,
      enable: true,
      match: {
        host_hdr: { match_criteria: "HDR_EQUALS", value: ["app.example.com"] },
        vs_port: { match_criteria: "IS_IN", ports: [80] }
      },
      redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
    }])
  })
})
