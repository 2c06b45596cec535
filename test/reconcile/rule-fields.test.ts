/**
 * Fields an AKO rule set are ako-ts's to take back only where a rule marked the object (`crd_status` in its
 * service_metadata): a HostRule that goes takes its WAF policy and policy sets with it, an HTTPRule its algorithm;
 * the same fields set by hand on an unmarked object stay.
 */
import { describe, expect, it } from "vitest"
import type { DesiredAviObject } from "../../src/model/index.js"
import { L4RULE_POOL_FIELDS } from "../../src/model/index.js"
import type { CachedObject } from "../../src/reconcile/index.js"
import { contentMatches, updateBody, upToDate } from "../../src/reconcile/index.js"

const metadataWith = (crdStatus: Record<string, string>) =>
  JSON.stringify({ namespace: "default", crd_status: crdStatus })

const EMPTY_STATUS = { type: "", value: "", status: "" }

describe("HostRule fields on a virtual service", () => {
  const markedByRule = {
    name: "c1--secure.example.com",
    waf_policy_ref: "https://avi.test/api/wafpolicy/w#team-waf",
    analytics_policy: { full_client_logs: { enabled: true } },
    enabled: false,
    http_policies: [
      { index: 11, http_policy_set_ref: "https://avi.test/api/httppolicyset/p#c1--default-secure.example.com" },
      { index: 17, http_policy_set_ref: "https://avi.test/api/httppolicyset/q#team-ps" }
    ],
    service_metadata: metadataWith({ type: "HostRule", value: "team/rule", status: "ACTIVE" })
  }
  const withoutRule = {
    name: "c1--secure.example.com",
    http_policies: [{ index: 11, http_policy_set_ref: "/api/httppolicyset/?name=c1--default-secure.example.com" }],
    service_metadata: metadataWith(EMPTY_STATUS)
  }

  it("an update after the rule went drops what it set and marks the VS INACTIVE, as AKO does", () => {
    const owned = (ref: string) => ref.includes("c1--")
    const body = updateBody("virtualservice", withoutRule, markedByRule, owned)
    expect(body).not.toHaveProperty("waf_policy_ref")
    expect(body).not.toHaveProperty("analytics_policy")
    expect(body).not.toHaveProperty("enabled")
    expect(body["http_policies"]).toEqual(withoutRule.http_policies)
    expect(JSON.parse(String(body["service_metadata"]))).toEqual({
      namespace: "default",
      crd_status: { type: "HostRule", value: "team/rule", status: "INACTIVE" }
    })
  })

  it("a VS still carrying fields its rule no longer sets does not count as up to date", () => {
    // The rule is still there, but no longer names a WAF policy, analytics policy or state.
    const stillRuled = { ...withoutRule, service_metadata: markedByRule.service_metadata }
    const current = { ...markedByRule, http_policies: [markedByRule.http_policies[0]] }
    expect(contentMatches("virtualservice", stillRuled, current)).toBe(false)
    const { waf_policy_ref: _w, analytics_policy: _a, enabled: _e, ...cleaned } = current
    expect(contentMatches("virtualservice", stillRuled, cleaned)).toBe(true)
  })

  it("the same fields on a VS no rule marked are a team's and stay", () => {
    const byHand = { ...markedByRule, service_metadata: metadataWith(EMPTY_STATUS) }
    const body = updateBody("virtualservice", withoutRule, byHand, (ref) => ref.includes("c1--"))
    expect(body["waf_policy_ref"]).toBe(markedByRule.waf_policy_ref)
    expect(body["enabled"]).toBe(false)
    expect(body["http_policies"]).toEqual([...withoutRule.http_policies, markedByRule.http_policies[1]])
  })
})

describe("HTTPRule fields on a pool", () => {
  const desired = { name: "c1--default-secure.example.com_-secure", sni_enabled: false }
  it("an update after the rule went drops algorithm, persistence and re-encryption", () => {
    const cached = {
      ...desired,
      lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN",
      application_persistence_profile_ref: "https://avi.test/api/applicationpersistenceprofile/a#p",
      pki_profile_ref: "https://avi.test/api/pkiprofile/k#team-pki",
      service_metadata: metadataWith({ type: "HTTPRule", value: "default/rr//", status: "ACTIVE" })
    }
    const body = updateBody("pool", desired, cached)
    expect(body).not.toHaveProperty("lb_algorithm")
    expect(body).not.toHaveProperty("application_persistence_profile_ref")
    expect(body).not.toHaveProperty("pki_profile_ref")
  })

  it("an algorithm set by hand on an unmarked pool stays", () => {
    const body = updateBody("pool", desired, { ...desired, lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN" })
    expect(body["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
  })
})

describe("L4Rule fields on a Service's pool (no marker: the Service names an L4Rule)", () => {
  const tuned = {
    name: "c1--red-web-TCP-80",
    lb_algorithm: "LB_ALGORITHM_ROUND_ROBIN",
    health_monitor_refs: ["https://avi.test/api/healthmonitor/h#team-hm"],
    enabled: true,
    vs_datascripts: [{ index: 0, vs_datascript_set_ref: "https://avi.test/api/vsdatascriptset/d#team-ds" }],
    cloud_config_cksum: "111"
  }
  const plain = {
    name: "c1--red-web-TCP-80",
    health_monitor_refs: ["/api/healthmonitor/?name=System-TCP"],
    cloud_config_cksum: "222"
  }
  const desiredPool = (ownedFields: ReadonlyArray<string> | undefined): DesiredAviObject => ({
    type: "pool",
    name: plain.name,
    tenant: "admin",
    body: plain,
    checksum: "222",
    dependsOn: [],
    ownedFields
  })
  const cached = (body: Record<string, unknown>): CachedObject =>
    ({
      type: "pool",
      name: plain.name,
      tenant: "admin",
      uuid: "pool-1",
      body,
      checksum: String(body["cloud_config_cksum"])
    }) as CachedObject

  it("a rule that went is taken back: the checksum decides, the update drops what it set", () => {
    // A controller fills lb_algorithm and enabled with defaults: by content the pool would look adopted.
    const algorithmOnly = {
      ...tuned,
      health_monitor_refs: ["https://avi.test/api/healthmonitor/h#System-TCP"],
      vs_datascripts: []
    }
    expect(upToDate(desiredPool(undefined), cached(algorithmOnly))).toBe(true)
    expect(upToDate(desiredPool(L4RULE_POOL_FIELDS), cached(algorithmOnly))).toBe(false)
    const body = updateBody("pool", plain, tuned, () => false, [...L4RULE_POOL_FIELDS, "vs_datascripts"])
    expect(body).not.toHaveProperty("lb_algorithm")
    expect(body).not.toHaveProperty("enabled")
    expect(body).not.toHaveProperty("vs_datascripts")
    expect(body["health_monitor_refs"]).toEqual(plain.health_monitor_refs)
  })

  it("an object AKO or ako-ts wrote with the same rule needs no write", () => {
    expect(upToDate(desiredPool(L4RULE_POOL_FIELDS), cached({ ...tuned, cloud_config_cksum: "222" }))).toBe(true)
  })
})
