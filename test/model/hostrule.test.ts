/**
 * HostRule in the model, field group by field group (reference/ako-crds.md §1.3–1.9): which VS a rule lands on, what
 * it sets there as AKO's REST layer sends it, and that without the rule everything is back at AKO's defaults.
 */
import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { HostRule, HostRuleVirtualHost } from "../../src/model/index.js"
import { hostRuleFor, makeSnapshot, translate } from "../../src/model/index.js"
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

// fnv1a32 puts secure.example.com on LARGE shard 7 and app.example.com on shard 3 (see l7-secure.test.ts).
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const secureIngress = ingress("default", "secure", [{
  host: "secure.example.com",
  paths: [{ path: "/", service: "web", port: 80 }]
}], { tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }] })

const hostRule = (name: string, virtualhost: HostRuleVirtualHost, namespace = "team"): HostRule => ({
  metadata: { name, namespace, uid: `uid-${name}`, creationTimestamp: "2026-01-01T00:00:00Z" },
  spec: { virtualhost },
  status: { status: "Accepted", error: "" }
})

const translateWith = (
  rules: ReadonlyArray<HostRule>,
  extra: { ingresses?: ReadonlyArray<ReturnType<typeof ingress>> } = {}
) =>
  translate(
    makeSnapshot({
      services: [web],
      endpointSlices: [webSlice],
      ingressClasses: [aviIngressClass("avi-lb")],
      ingresses: extra.ingresses ?? [secureIngress],
      secrets: [tlsSecret("default", "secure-tls"), tlsSecret("team", "team-cert")],
      hostRules: rules
    }),
    settings()
  )

/** The secure Ingress with shardVSSize DEDICATED: its host gets a VS of its own. */
const translateDedicatedWith = (rules: ReadonlyArray<HostRule>) =>
  translate(
    makeSnapshot({
      services: [web],
      endpointSlices: [webSlice],
      ingressClasses: [aviIngressClass("avi-lb")],
      ingresses: [secureIngress],
      secrets: [tlsSecret("default", "secure-tls")],
      hostRules: rules
    }),
    settings({ shardVSSize: "DEDICATED" })
  )

const child = (rules: ReadonlyArray<HostRule>) =>
  find(translateWith(rules).desired.get("admin/c1--Shared-L7-7"), "virtualservice", "c1--secure.example.com")

describe("HostRule matching", () => {
  const rules = new Map<string, HostRule>([
    ["team/contains", hostRule("contains", { fqdn: "example", fqdnType: "Contains" })],
    ["team/wildcard", hostRule("wildcard", { fqdn: "*.example.com", fqdnType: "Wildcard" })],
    ["team/exact", hostRule("exact", { fqdn: "secure.example.com" })]
  ])

  it("prefers an Exact rule, then the longest Wildcard or Contains pattern, whatever the map order", () => {
    expect(hostRuleFor(rules, "secure.example.com")?.key).toBe("team/exact")
    expect(hostRuleFor(rules, "other.example.com")?.key).toBe("team/wildcard")
    expect(hostRuleFor(rules, "example.org")?.key).toBe("team/contains")
    expect(hostRuleFor(rules, "unrelated.org")).toBeUndefined()
    const reversed = new Map([...rules.entries()].reverse())
    expect(hostRuleFor(reversed, "other.example.com")?.key).toBe("team/wildcard")
  })

  it("matches a Wildcard by the text after its leading `*` only", () => {
    const only = new Map([["team/w", hostRule("w", { fqdn: "*.example.com", fqdnType: "Wildcard" })]])
    expect(hostRuleFor(only, "a.b.example.com")?.key).toBe("team/w")
    expect(hostRuleFor(only, "example.com")).toBeUndefined()
  })
})

describe("HostRule on an SNI child", () => {
  const full = hostRule("full", {
    fqdn: "secure.example.com",
    tls: { sslKeyCertificate: { name: "team-avi-cert", type: "ref" }, sslProfile: "System-Standard-PFS" },
    wafPolicy: "System-WAF-Policy",
    applicationProfile: "team-http",
    analyticsProfile: "team-analytics",
    errorPageProfile: "Custom-Error-Page-Profile",
    icapProfile: ["team-icap"],
    httpPolicy: { policySets: ["team-ps-1", "team-ps-2", "team-ps-1"] },
    datascripts: ["team-ds"],
    enableVirtualHost: false,
    analyticsPolicy: { fullClientLogs: { enabled: true, throttle: "MEDIUM" }, logAllHeaders: true }
  })

  it("sets every VS field of the rule, with its policy sets after AKO's at (AKO sets + 16)", () => {
    const body = child([full])!.body
    expect(body["waf_policy_ref"]).toBe("/api/wafpolicy?name=System-WAF-Policy")
    expect(body["application_profile_ref"]).toBe("/api/applicationprofile?name=team-http")
    expect(body["analytics_profile_ref"]).toBe("/api/analyticsprofile?name=team-analytics")
    expect(body["error_page_profile_ref"]).toBe("/api/errorpageprofile?name=Custom-Error-Page-Profile")
    expect(body["ssl_profile_ref"]).toBe("/api/sslprofile?name=System-Standard-PFS")
    expect(body["icap_request_profile_refs"]).toEqual(["/api/icapprofile?name=team-icap"])
    expect(body["enabled"]).toBe(false)
    expect(body["analytics_policy"]).toEqual({
      all_headers: true,
      full_client_logs: { duration: 0, enabled: true, throttle: 30 }
    })
    expect(body["http_policies"]).toEqual([
      { index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-secure.example.com" },
      { index: 17, http_policy_set_ref: "/api/httppolicyset?name=team-ps-1" },
      { index: 18, http_policy_set_ref: "/api/httppolicyset?name=team-ps-2" }
    ])
    expect(body["vs_datascripts"]).toEqual([{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset?name=team-ds" }])
    expect(body["service_metadata"]).toBe(metadata({
      namespace_ingress_name: ["default/secure"],
      namespace: "default",
      hostnames: ["secure.example.com"],
      crd_status: { type: "HostRule", value: "team/full", status: "ACTIVE" }
    }))
  })

  it("replaces the Secret's certificate with the rule's Avi certificate, which ako-ts does not write", () => {
    const unit = translateWith([full]).desired.get("admin/c1--Shared-L7-7")
    expect(child([full])!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate?name=team-avi-cert"
    ])
    expect(find(unit, "sslkeyandcertificate", "c1--secure.example.com")).toBeUndefined()
  })

  it("restores AKO's defaults without the rule (nothing of the rule left in the body)", () => {
    const body = child([])!.body
    for (const field of ["waf_policy_ref", "analytics_profile_ref", "ssl_profile_ref", "icap_request_profile_refs"]) {
      expect(body).not.toHaveProperty(field)
    }
    expect(body).not.toHaveProperty("enabled")
    expect(body).not.toHaveProperty("analytics_policy")
    expect(body).not.toHaveProperty("vs_datascripts")
    expect(body["application_profile_ref"]).toBe("/api/applicationprofile/?name=System-Secure-HTTP")
    expect(body["error_page_profile_ref"]).toBe("")
    expect(body["ssl_key_and_certificate_refs"]).toEqual(["/api/sslkeyandcertificate/?name=c1--secure.example.com"])
  })

  it("changes the VS checksum with each field, so AKO and ako-ts agree the VS changed", () => {
    const plain = child([])!.checksum
    const variants: ReadonlyArray<HostRuleVirtualHost> = [
      { fqdn: "secure.example.com", wafPolicy: "System-WAF-Policy" },
      { fqdn: "secure.example.com", applicationProfile: "team-http" },
      { fqdn: "secure.example.com", errorPageProfile: "p" },
      { fqdn: "secure.example.com", httpPolicy: { policySets: ["ps"] } },
      { fqdn: "secure.example.com", datascripts: ["ds"] },
      { fqdn: "secure.example.com", enableVirtualHost: true },
      { fqdn: "secure.example.com", analyticsPolicy: { logAllHeaders: true } },
      { fqdn: "secure.example.com", tls: { sslKeyCertificate: { name: "c", type: "ref" } } }
    ]
    const checksums = variants.map((vh) => child([hostRule("r", vh)])!.checksum)
    for (const checksum of checksums) expect(checksum).not.toBe(plain)
    expect(new Set(checksums).size).toBe(checksums.length)
  })

  it("with httpPolicy.overwrite drops AKO's own policy sets; the rule's start at index 16", () => {
    const rule = hostRule("ow", { fqdn: "secure.example.com", httpPolicy: { policySets: ["mine"], overwrite: true } })
    const unit = translateWith([rule]).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["http_policies"]).toEqual([
      { index: 16, http_policy_set_ref: "/api/httppolicyset?name=mine" }
    ])
    expect(find(unit, "httppolicyset", "c1--default-secure.example.com")).toBeUndefined()
    expect(find(unit, "pool", "c1--default-secure.example.com_-secure")).toBeDefined()
  })

  it("adds aliases and the GSLB FQDN to the child's domains and the redirect; aliases alone to the VIP's DNS", () => {
    const rule = hostRule("aliases", {
      fqdn: "secure.example.com",
      aliases: ["alias.example.com"],
      gslb: { fqdn: "global.example.com" }
    })
    const unit = translateWith([rule]).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["vh_domain_name"]).toEqual([
      "secure.example.com",
      "alias.example.com",
      "global.example.com"
    ])
    expect(find(unit, "vsvip", "c1--Shared-L7-7")!.body["dns_info"]).toEqual([
      { fqdn: "alias.example.com" },
      { fqdn: "secure.example.com" }
    ])
    const redirect = find(unit, "httppolicyset", "c1--Shared-L7-7")!.body["http_request_policy"] as {
      rules: ReadonlyArray<{ match: { host_hdr: { value: ReadonlyArray<string> } } }>
    }
    expect(redirect.rules[0]?.match.host_hdr.value).toEqual([
      "alias.example.com",
      "global.example.com",
      "secure.example.com"
    ])
    // AKO records the domains in the host's path policy set (its Host marker and checksum), not in its rules.
    const policy = find(unit, "httppolicyset", "c1--default-secure.example.com")!
    expect(policy.body["markers"]).toContainEqual({
      key: "Host",
      values: ["alias.example.com", "global.example.com", "secure.example.com"]
    })
    const plain = find(translateWith([]).desired.get("admin/c1--Shared-L7-7"), "httppolicyset", policy.name)!
    expect(policy.checksum).not.toBe(plain.checksum)
    expect(policy.body["http_request_policy"]).toEqual(plain.body["http_request_policy"])
  })

  it("reports a network security policy on a child on the HostRule and ignores it, as AKO does", () => {
    const rule = hostRule("nsp", { fqdn: "secure.example.com", networkSecurityPolicy: "team-nsp" })
    const { desired, problems } = translateWith([rule])
    expect(find(desired.get("admin/c1--Shared-L7-7"), "virtualservice", "c1--secure.example.com")!.body)
      .not.toHaveProperty("network_security_policy_ref")
    expect(problems).toContainEqual(expect.objectContaining({
      object: { kind: "HostRule", namespace: "team", name: "nsp" },
      reason: "InvalidConfiguration"
    }))
  })

  it("with useRegex matches paths as case-insensitive regexes through string groups, and renames pools as AKO", () => {
    const sha1 = (text: string) => createHash("sha1").update(text).digest("hex")
    const rule = hostRule("regex", { fqdn: "secure.example.com", useRegex: true })
    const { desired, problems } = translateWith([rule])
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--Shared-L7-7")!
    const pool = `c1--${sha1("c1--default-secure.example.com_-secure")}`
    const group = `ako-c1-${sha1("secure.example.com/")}`
    expect(find(unit, "pool", pool)).toBeDefined()
    expect(find(unit, "pool", "c1--default-secure.example.com_-secure")).toBeUndefined()
    expect(find(unit, "poolgroup", pool)!.body["members"]).toEqual([{ pool_ref: `/api/pool?name=${pool}`, ratio: 100 }])
    expect(find(unit, "stringgroup", group)!.body).toEqual({
      name: group,
      tenant_ref: "/api/tenant/?name=admin",
      kv: [{ key: "/" }],
      type: "SG_TYPE_STRING",
      longest_match: true,
      markers: [{ key: "clustername", values: ["c1"] }, { key: "created_by", values: ["ako-c1"] }]
    })
    const policy = find(unit, "httppolicyset", "c1--default-secure.example.com")!
    expect((policy.body["http_request_policy"] as { rules: ReadonlyArray<unknown> }).rules[0]).toMatchObject({
      match: {
        path: {
          match_criteria: "REGEX_MATCH",
          match_case: "INSENSITIVE",
          string_group_refs: [`/api/stringgroup?name=${group}`]
        }
      },
      switching_action: { pool_group_ref: `/api/poolgroup/?name=${pool}` }
    })
    expect(policy.dependsOn).toContainEqual({ type: "stringgroup", name: group })
    const order = unit.objects.map((o) => `${o.type}:${o.name}`)
    expect(order.indexOf(`stringgroup:${group}`)).toBeLessThan(
      order.indexOf("httppolicyset:c1--default-secure.example.com")
    )
  })

  it("with applicationRootPath serves `/` from the root path, after a 302 on each listener port", () => {
    const rule = hostRule("root", { fqdn: "secure.example.com", applicationRootPath: "/app" })
    const { desired, problems } = translateWith([rule])
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--Shared-L7-7")!
    const name = "c1--default-secure.example.com"
    const policy = find(unit, "httppolicyset", name)!
    const redirect = (port: number, protocol: string, index: number) => ({
      name: `${name}-${index}`,
      index,
      enable: true,
      match: {
        path: { match_criteria: "EQUALS", match_case: "SENSITIVE", match_str: ["/"] },
        vs_port: { match_criteria: "IS_IN", ports: [port] }
      },
      redirect_action: {
        protocol,
        port,
        status_code: "HTTP_REDIRECT_STATUS_CODE_302",
        path: { type: "URI_PARAM_TYPE_TOKENIZED", tokens: [{ type: "URI_TOKEN_TYPE_STRING", str_value: "app" }] }
      }
    })
    expect(policy.body["http_request_policy"]).toEqual({
      rules: [
        {
          name: `${name}-0`,
          index: 0,
          enable: true,
          match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/app"] } },
          switching_action: {
            action: "HTTP_SWITCHING_SELECT_POOLGROUP",
            pool_group_ref: "/api/poolgroup/?name=c1--default-secure.example.com_-secure"
          }
        },
        redirect(80, "HTTP", 1),
        redirect(443, "HTTPS", 2)
      ]
    })
    expect(policy.body["markers"]).toContainEqual({ key: "Path", values: ["/app"] })
    const plain = find(translateWith([]).desired.get("admin/c1--Shared-L7-7"), "httppolicyset", name)!
    expect(policy.checksum).not.toBe(plain.checksum)
  })

  it("with useRegex on a secure dedicated VS switches regex paths there too", () => {
    const rule = hostRule("regex", { fqdn: "secure.example.com", useRegex: true })
    const { desired } = translateDedicatedWith([rule])
    const unit = desired.get("admin/c1--secure.example.com-L7-dedicated")!
    expect(unit.objects.filter((o) => o.type === "stringgroup")).toHaveLength(1)
    expect(find(unit, "pool", "c1--default-secure.example.com_-secure-L7-dedicated")).toBeUndefined()
  })

  it("with applicationRootPath on a dedicated VS redirects `/` on its listeners, matching its own domains", () => {
    const rule = hostRule("root", { fqdn: "secure.example.com", applicationRootPath: "/app" })
    const { desired, problems } = translateDedicatedWith([rule])
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--secure.example.com-L7-dedicated")!
    const policy = find(unit, "httppolicyset", "c1--default-secure.example.com")!
    const rules = (policy.body["http_request_policy"] as { rules: ReadonlyArray<Record<string, unknown>> }).rules
    expect(rules.map((r) => r["match"])).toEqual([
      { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/app"] } },
      ...[80, 443].map((port) => ({
        host_hdr: { match_criteria: "HDR_EQUALS", value: ["secure.example.com"] },
        path: { match_criteria: "EQUALS", match_case: "SENSITIVE", match_str: ["/"] },
        vs_port: { match_criteria: "IS_IN", ports: [port] }
      }))
    ])
  })

  it("with httpPolicy.overwrite, useRegex and applicationRootPath have no effect, as in AKO", () => {
    const rule = hostRule("ow", {
      fqdn: "secure.example.com",
      useRegex: true,
      applicationRootPath: "/app",
      httpPolicy: { overwrite: true }
    })
    const { desired, problems } = translateWith([rule])
    const unit = desired.get("admin/c1--Shared-L7-7")!
    expect(unit.objects.filter((o) => o.type === "stringgroup")).toEqual([])
    expect(find(unit, "pool", "c1--default-secure.example.com_-secure")).toBeDefined()
    expect(problems).toEqual([])
  })
})

describe("HostRule certificates make a host secure", () => {
  const plain = ingress("default", "plain", [{
    host: "secure.example.com",
    paths: [{ path: "/", service: "web", port: 80 }]
  }])

  it("an Avi certificate (type ref) turns an Ingress host without spec.tls into an SNI child", () => {
    const rule = hostRule("ref", {
      fqdn: "secure.example.com",
      tls: { sslKeyCertificate: { name: "avi", type: "ref" } }
    })
    const unit = translateWith([rule], { ingresses: [plain] }).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate?name=avi"
    ])
    expect(find(unit, "pool", "c1--secure.example.com_-default-plain")).toBeUndefined()
  })

  it("a Secret (type secret) in the rule's namespace becomes the host's certificate", () => {
    const rule = hostRule("sec", {
      fqdn: "secure.example.com",
      tls: { sslKeyCertificate: { name: "team-cert", type: "secret" } }
    })
    const unit = translateWith([rule], { ingresses: [plain] }).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "sslkeyandcertificate", "c1--secure.example.com")).toBeDefined()
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate/?name=c1--secure.example.com"
    ])
  })
})

describe("HostRule on a shared parent", () => {
  const parentRule = hostRule("parent", {
    fqdn: "Shared-L7-7",
    fqdnType: "Contains",
    tcpSettings: { listeners: [{ port: 8080 }, { port: 8443, enableSSL: true }], loadBalancerIP: "10.50.0.9" },
    datascripts: ["team-ds"],
    icapProfile: ["team-icap"],
    networkSecurityPolicy: "team-nsp",
    wafPolicy: "System-WAF-Policy"
  })
  const unit = translateWith([parentRule]).desired.get("admin/c1--Shared-L7-7")
  const parent = find(unit, "virtualservice", "c1--Shared-L7-7")!.body

  it("replaces the listeners, the datascripts and sets the NSP and WAF, but not the ICAP profile (AKO's quirk)", () => {
    expect(parent["services"]).toEqual([
      { port: 8080, port_range_end: 8080, enable_ssl: false, enable_http2: false },
      { port: 8443, port_range_end: 8443, enable_ssl: true, enable_http2: false }
    ])
    expect(parent["vs_datascripts"]).toEqual([{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset?name=team-ds" }])
    expect(parent["network_security_policy_ref"]).toBe("/api/networksecuritypolicy?name=team-nsp")
    expect(parent["waf_policy_ref"]).toBe("/api/wafpolicy?name=System-WAF-Policy")
    expect(parent).not.toHaveProperty("icap_request_profile_refs")
    expect(find(unit, "vsdatascriptset", "c1--Shared-L7-7")).toBeDefined()
  })

  it("gives the shard's VIP the static address", () => {
    const vip = (find(unit, "vsvip", "c1--Shared-L7-7")!.body["vip"] as ReadonlyArray<Record<string, unknown>>)[0]
    expect(vip?.["ip_address"]).toEqual({ type: "V4", addr: "10.50.0.9" })
  })

  it("does not reach the SNI child, whose host it does not match", () => {
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body).not.toHaveProperty("waf_policy_ref")
  })
})

describe("HostRule on a dedicated VS", () => {
  it("sets listeners, static IP, aliases and profiles on the host's own VS", () => {
    const rule = hostRule("dedicated", {
      fqdn: "secure.example.com",
      aliases: ["alias.example.com"],
      tcpSettings: { listeners: [{ port: 443, enableSSL: true }], loadBalancerIP: "10.50.0.7" },
      applicationProfile: "team-http",
      icapProfile: ["team-icap"]
    })
    const { desired } = translateDedicatedWith([rule])
    const unit = desired.get("admin/c1--secure.example.com-L7-dedicated")
    const vs = find(unit, "virtualservice", "c1--secure.example.com-L7-dedicated")!.body
    expect(vs["services"]).toEqual([{ port: 443, port_range_end: 443, enable_ssl: true, enable_http2: false }])
    expect(vs["application_profile_ref"]).toBe("/api/applicationprofile?name=team-http")
    expect(vs["icap_request_profile_refs"]).toEqual(["/api/icapprofile?name=team-icap"])
    const vsVip = find(unit, "vsvip", "c1--secure.example.com-L7-dedicated")!.body
    expect(vsVip["dns_info"]).toEqual([{ fqdn: "alias.example.com" }, { fqdn: "secure.example.com" }])
    expect((vsVip["vip"] as ReadonlyArray<Record<string, unknown>>)[0]?.["ip_address"]).toEqual({
      type: "V4",
      addr: "10.50.0.7"
    })
  })
})

describe("HostRule GSLB FQDN on an insecure host", () => {
  it("adds a Host-header rewrite policy set to the shared parent, after its own policies", () => {
    const plain = ingress("default", "plain", [{
      host: "app.example.com",
      paths: [{ path: "/", service: "web", port: 80 }]
    }])
    const rule = hostRule("gslb", { fqdn: "app.example.com", gslb: { fqdn: "app.global.example.com" } })
    const unit = translateWith([rule], { ingresses: [plain] }).desired.get("admin/c1--Shared-L7-3")
    const name = "c1--Shared-L7-3--host-hdr-re-write--app.example.com"
    expect(find(unit, "httppolicyset", name)!.body["http_request_policy"]).toEqual({
      rules: [{
        name: `${name}-0`,
        index: 0,
        enable: true,
        match: { host_hdr: { match_criteria: "HDR_EQUALS", value: ["app.global.example.com"] } },
        hdr_action: [{ action: "HTTP_REPLACE_HDR", hdr: { name: "Host", value: { val: "app.example.com" } } }]
      }]
    })
    expect(find(unit, "virtualservice", "c1--Shared-L7-3")!.body["http_policies"]).toEqual([
      { index: 11, http_policy_set_ref: `/api/httppolicyset/?name=${name}` }
    ])
    // Not a DNS name of the VIP: GSLB answers for it.
    expect(find(unit, "vsvip", "c1--Shared-L7-3")!.body["dns_info"]).toEqual([{ fqdn: "app.example.com" }])
    const without = translateWith([], { ingresses: [plain] }).desired.get("admin/c1--Shared-L7-3")
    expect(find(without, "httppolicyset", name)).toBeUndefined()
    expect(find(without, "virtualservice", "c1--Shared-L7-3")!.checksum)
      .not.toBe(find(unit, "virtualservice", "c1--Shared-L7-3")!.checksum)
  })
})

describe("HostRule certificates on OpenShift Routes", () => {
  const route = (tls?: Record<string, string>) => ({
    metadata: { name: "r1", namespace: "default" },
    spec: {
      host: "secure.example.com",
      path: "/",
      to: { kind: "Service", name: "web", weight: 100 },
      port: { targetPort: "http" },
      ...(tls === undefined ? {} : { tls })
    }
  })
  const run = (routes: ReadonlyArray<ReturnType<typeof route>>, rules: ReadonlyArray<HostRule>) =>
    translate(makeSnapshot({ services: [web], endpointSlices: [webSlice], routes, hostRules: rules }), settings())
  const avi = hostRule("ref", { fqdn: "secure.example.com", tls: { sslKeyCertificate: { name: "avi", type: "ref" } } })

  it("secure a Route without TLS of its own, without a redirect (as AKO)", () => {
    const unit = run([route()], [avi]).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate?name=avi"
    ])
    expect(find(unit, "httppolicyset", "c1--Shared-L7-7")).toBeUndefined()
  })

  it("win over an edge Route's own certificate, and drop its redirect (a quirk of AKO, reproduced)", () => {
    const edge = route({ termination: "edge", insecureEdgeTerminationPolicy: "Redirect" })
    const unit = run([edge], [avi]).desired.get("admin/c1--Shared-L7-7")
    expect(find(unit, "virtualservice", "c1--secure.example.com")!.body["ssl_key_and_certificate_refs"]).toEqual([
      "/api/sslkeyandcertificate?name=avi"
    ])
    expect(find(unit, "httppolicyset", "c1--Shared-L7-7")).toBeUndefined()
  })
})
