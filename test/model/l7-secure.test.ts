import { describe, expect, it } from "vitest"
import { makeSnapshot, translate } from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  CERT_PEM,
  CLUSTER_MARKER,
  clusterIpService,
  find,
  ingress,
  KEY_PEM,
  metadata,
  order,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

// fnv1a32("secure.example.com") = 0xbb2a191f → LARGE shard 7; app.example.com → shard 3.
const api = clusterIpService("default", "api", [{ name: "http", port: 80, targetPort: 8080 }])
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const apiSlice = slice("default", "api", "api-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const secure = ingress("default", "secure", [{
  host: "secure.example.com",
  paths: [
    { path: "/", service: "web", port: 80 },
    { path: "/api", service: "api", port: 80 },
    { path: "/api/v2/exact", pathType: "Exact", service: "api", port: 80 }
  ]
}], { tls: [{ hosts: ["secure.example.com", "not-in-rules.example.com"], secretName: "secure-tls" }] })

const base = {
  services: [api, web],
  endpointSlices: [apiSlice],
  ingressClasses: [aviIngressClass("avi-lb")]
}

describe("Ingress TLS hosts as SNI children", () => {
  const { desired, problems } = translate(
    makeSnapshot({ ...base, ingresses: [secure], secrets: [tlsSecret("default", "secure-tls")] }),
    settings()
  )
  const unit = desired.get("admin/c1--Shared-L7-7")

  it("adds certificate, per-path pools and pool groups, the host's HTTPPolicySet and the child VS after the parent", () => {
    expect(problems).toEqual([])
    expect(order(unit)).toEqual([
      "vsvip:c1--Shared-L7-7",
      "poolgroup:c1--Shared-L7-7",
      "httppolicyset:c1--Shared-L7-7",
      "vsdatascriptset:c1--Shared-L7-7",
      "virtualservice:c1--Shared-L7-7",
      "sslkeyandcertificate:c1--secure.example.com",
      "pool:c1--default-secure.example.com_-secure",
      "pool:c1--default-secure.example.com_api-secure",
      "pool:c1--default-secure.example.com_api_v2_exact-secure",
      "poolgroup:c1--default-secure.example.com_-secure",
      "poolgroup:c1--default-secure.example.com_api-secure",
      "poolgroup:c1--default-secure.example.com_api_v2_exact-secure",
      "httppolicyset:c1--default-secure.example.com",
      "virtualservice:c1--secure.example.com"
    ])
  })

  it("builds the SSLKeyAndCertificate from the Secret's tls.crt and tls.key", () => {
    expect(bodyOf(find(unit, "sslkeyandcertificate", "c1--secure.example.com"))).toEqual({
      name: "c1--secure.example.com",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER, { key: "Host", values: ["secure.example.com"] }],
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: CERT_PEM },
      key: KEY_PEM
    })
  })

  it("switches paths longest first, Exact as EQUALS, Prefix as BEGINS_WITH", () => {
    const ps = "c1--default-secure.example.com"
    const pg = (path: string) => `/api/poolgroup/?name=c1--default-secure.example.com${path}-secure`
    expect(bodyOf(find(unit, "httppolicyset", ps))).toEqual({
      name: ps,
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["secure.example.com"] },
        { key: "Path", values: ["/", "/api", "/api/v2/exact"] },
        { key: "IngressName", values: ["secure"] }
      ],
      http_security_policy: {},
      http_request_policy: {
        rules: [
          {
            name: `${ps}-0`,
            index: 0,
            enable: true,
            match: { path: { match_criteria: "EQUALS", match_case: "SENSITIVE", match_str: ["/api/v2/exact"] } },
            switching_action: { action: "HTTP_SWITCHING_SELECT_POOLGROUP", pool_group_ref: pg("_api_v2_exact") }
          },
          {
            name: `${ps}-1`,
            index: 1,
            enable: true,
            match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/api"] } },
            switching_action: { action: "HTTP_SWITCHING_SELECT_POOLGROUP", pool_group_ref: pg("_api") }
          },
          {
            name: `${ps}-2`,
            index: 2,
            enable: true,
            match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/"] } },
            switching_action: { action: "HTTP_SWITCHING_SELECT_POOLGROUP", pool_group_ref: pg("_") }
          }
        ]
      }
    })
    expect(bodyOf(find(unit, "poolgroup", "c1--default-secure.example.com_api-secure"))).toEqual({
      name: "c1--default-secure.example.com_api-secure",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["secure.example.com"] },
        { key: "Path", values: ["/api"] },
        { key: "IngressName", values: ["secure"] }
      ],
      cloud_ref: "/api/cloud?name=Default-Cloud",
      implicit_priority_labels: false,
      members: [{ pool_ref: "/api/pool?name=c1--default-secure.example.com_api-secure", ratio: 100 }]
    })
    expect(bodyOf(find(unit, "pool", "c1--default-secure.example.com_api-secure"))["servers"]).toEqual([
      { ip: { addr: "10.2.0.1", type: "V4" }, port: 8080, external_uuid: "10.2.0.1:8080", enabled: true }
    ])
  })

  it("builds the SNI child VS under the shard parent, without tenant_ref", () => {
    expect(bodyOf(find(unit, "virtualservice", "c1--secure.example.com"))).toEqual({
      name: "c1--secure.example.com",
      type: "VS_TYPE_VH_CHILD",
      vh_parent_vs_ref: "/api/virtualservice/?name=c1--Shared-L7-7",
      vh_domain_name: ["secure.example.com"],
      created_by: "ako-c1",
      cloud_ref: "/api/cloud?name=Default-Cloud",
      se_group_ref: "/api/serviceenginegroup?name=Default-Group",
      vrf_context_ref: "/api/vrfcontext?name=global",
      application_profile_ref: "/api/applicationprofile/?name=System-Secure-HTTP",
      network_profile_ref: "/api/networkprofile/?name=System-TCP-Proxy",
      east_west_placement: false,
      ign_pool_net_reach: false,
      error_page_profile_ref: "",
      ssl_key_and_certificate_refs: ["/api/sslkeyandcertificate/?name=c1--secure.example.com"],
      http_policies: [{ index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-secure.example.com" }],
      service_metadata: metadata({
        namespace_ingress_name: ["default/secure"],
        namespace: "default",
        hostnames: ["secure.example.com"]
      }),
      markers: [
        CLUSTER_MARKER,
        { key: "Namespace", values: ["default"] },
        { key: "Host", values: ["secure.example.com"] }
      ]
    })
    expect(unit?.statuses).toEqual([{
      object: { kind: "Ingress", namespace: "default", name: "secure" },
      vsVip: "c1--Shared-L7-7",
      virtualService: "c1--secure.example.com",
      hosts: ["secure.example.com"]
    }])
  })

  it("puts one shared redirect policy on the parent for every secure host, and the host in the parent VsVip", () => {
    expect(bodyOf(find(unit, "httppolicyset", "c1--Shared-L7-7"))).toEqual({
      name: "c1--Shared-L7-7",
      created_by: "ako-c1",
      tenant_ref: "/api/tenant/?name=admin",
      markers: [CLUSTER_MARKER],
      http_security_policy: {},
      http_request_policy: {
        rules: [{
          name: "c1--Shared-L7-7-0",
          index: 0,
          enable: true,
          match: {
            host_hdr: { match_criteria: "HDR_EQUALS", value: ["secure.example.com"] },
            vs_port: { match_criteria: "IS_IN", ports: [80] }
          },
          redirect_action: { protocol: "HTTPS", port: 443, status_code: "HTTP_REDIRECT_STATUS_CODE_302" }
        }]
      }
    })
    const parent = bodyOf(find(unit, "virtualservice", "c1--Shared-L7-7"))
    expect(parent["http_policies"]).toEqual([
      { index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--Shared-L7-7" }
    ])
    expect(bodyOf(find(unit, "vsvip", "c1--Shared-L7-7"))["dns_info"]).toEqual([{ fqdn: "secure.example.com" }])
    expect(bodyOf(find(unit, "poolgroup", "c1--Shared-L7-7"))).not.toHaveProperty("members")
  })

  it("uses router-certs-default from the AKO namespace for ako.vmware.com/enable-tls", () => {
    const annotated = ingress("default", "app", [{ host: "app.example.com", paths: [{ service: "web", port: 80 }] }], {
      annotations: { "ako.vmware.com/enable-tls": "true" }
    })
    const result = translate(
      makeSnapshot({ ...base, ingresses: [annotated], secrets: [tlsSecret("avi-system", "router-certs-default")] }),
      settings()
    )
    const shard = result.desired.get("admin/c1--Shared-L7-3")
    expect(order(shard)).toContain("sslkeyandcertificate:c1--router-certs-default")
    expect(bodyOf(find(shard, "sslkeyandcertificate", "c1--router-certs-default"))["markers"]).toEqual([CLUSTER_MARKER])
    expect(bodyOf(find(shard, "virtualservice", "c1--app.example.com"))["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate/?name=c1--router-certs-default"
    ])
  })
})

describe("TLS problems", () => {
  const plain = ingress("default", "plain", [{ host: "app.example.com", paths: [{ service: "web", port: 80 }] }])

  it("a missing Secret serves the host nowhere, reports it, and leaves other hosts alone", () => {
    const { desired, problems } = translate(makeSnapshot({ ...base, ingresses: [secure, plain] }), settings())
    expect([...desired.keys()]).toEqual(["admin/c1--Shared-L7-3"])
    expect(problems).toEqual([{
      object: { kind: "Ingress", namespace: "default", name: "secure" },
      field: "spec.tls",
      reason: "SecretNotFound",
      message: "TLS Secret default/secure-tls does not exist; host secure.example.com is not served"
    }])
  })

  it("a Secret without PEM data is reported as malformed", () => {
    const { desired, problems } = translate(
      makeSnapshot({
        ...base,
        ingresses: [secure, plain],
        secrets: [tlsSecret("default", "secure-tls", "not a certificate", undefined)]
      }),
      settings()
    )
    expect([...desired.keys()]).toEqual(["admin/c1--Shared-L7-3"])
    expect(problems.map((p) => p.reason)).toEqual(["SecretMalformed"])
  })
})
