/**
 * L4Rule in the model (reference/ako-crds.md §4.3–4.4): a Service's `ako.vmware.com/l4rule` annotation copies VS and
 * pool settings onto its objects, with AKO's checksums, and nothing of them stays once the rule is gone.
 */
import { describe, expect, it } from "vitest"
import type { L4Rule, L4RuleBackend } from "../../src/model/index.js"
import {
  fnv1a32,
  keepOwnedFields,
  L4RULE_POOL_FIELDS,
  L4RULE_VS_FIELDS,
  makeSnapshot,
  markersChecksum,
  translate
} from "../../src/model/index.js"
import { bodyOf, find, lbService, settings, slice } from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)

/** An L4Rule as the API server stores it: the schema defaults filled in (reference §4.1). */
const l4Rule = (
  name: string,
  spec: NonNullable<L4Rule["spec"]> = {},
  backends: ReadonlyArray<L4RuleBackend> = []
): L4Rule => ({
  metadata: { name, namespace: "red" },
  spec: {
    analyticsProfileRef: "System-Analytics-Profile",
    applicationProfileRef: "System-L4-Application",
    networkProfileRef: "System-TCP-Proxy",
    revokeVipRoute: false,
    ...spec,
    backendProperties: backends.map((b) => ({
      enabled: true,
      lbAlgorithm: "LB_ALGORITHM_LEAST_CONNECTIONS",
      ...b
    }))
  },
  status: { status: "Accepted", error: "" }
})

const web = (annotations: Record<string, string> = {}, ports = [{ name: "http", port: 80, protocol: "TCP" }]) =>
  lbService("red", "web", ports.map((p) => ({ ...p, targetPort: 8080 })), { annotations })
const webSlice = slice("red", "web", "web-1", [{ name: "http", port: 8080 }], [{
  ip: "10.1.0.5",
  ready: true,
  node: "n1"
}])

const unit = (service: ReturnType<typeof web>, rules: ReadonlyArray<L4Rule>, enterpriseLicense = true) => {
  const translation = translate(
    makeSnapshot({ services: [service], endpointSlices: [webSlice], l4Rules: rules }),
    settings({ enterpriseLicense })
  )
  return { unit: translation.desired.get("admin/c1--red-web"), problems: translation.problems }
}

const ROUND_ROBIN = { port: 80, protocol: "TCP", lbAlgorithm: "LB_ALGORITHM_ROUND_ROBIN", healthMonitorRefs: ["hm-a"] }

describe("L4Rule on a LoadBalancer Service", () => {
  it("changes the pool's algorithm and health monitor and the VS's profiles, as AKO sends them", () => {
    const { unit: u, problems } = unit(web({ "ako.vmware.com/l4rule": "tuned" }), [l4Rule("tuned", {}, [ROUND_ROBIN])])
    expect(problems).toEqual([])
    const pool = bodyOf(find(u, "pool", "c1--red-web-TCP-80"))
    expect(pool["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
    expect(pool["health_monitor_refs"]).toEqual(["/api/healthmonitor?name=hm-a"])
    expect(pool["enabled"]).toBe(true)
    const vs = bodyOf(find(u, "virtualservice", "c1--red-web"))
    expect(vs["application_profile_ref"]).toBe("/api/applicationprofile?name=System-L4-Application")
    expect(vs["network_profile_ref"]).toBe("/api/networkprofile?name=System-TCP-Proxy")
    expect(vs["analytics_profile_ref"]).toBe("/api/analyticsprofile?name=System-Analytics-Profile")
    expect(vs["revoke_vip_route"]).toBe(false)
    expect(find(u, "virtualservice", "c1--red-web")?.ownedFields).toEqual(L4RULE_VS_FIELDS)
    expect(find(u, "pool", "c1--red-web-TCP-80")?.ownedFields).toEqual(L4RULE_POOL_FIELDS)
  })

  it("puts the rule's fields into AKO's pool checksum: algorithm in the field list, monitors, generated fields", () => {
    const plain = find(unit(web(), []).unit, "pool", "c1--red-web-TCP-80")!
    const tuned = find(
      unit(web({ "ako.vmware.com/l4rule": "tuned" }), [l4Rule("tuned", {}, [ROUND_ROBIN])]).unit,
      "pool",
      "c1--red-web-TCP-80"
    )!
    const servers = `[{"Ip":{"addr":"10.1.0.5","type":"V4"},"ServerNode":"n1","Port":0,"Enabled":true}]`
    const markers = markersChecksum("c1", { Namespace: "red", ServiceName: "web", Port: "80" })
    expect(plain.checksum).toBe(String(add(H(`TCP:8080:http:${servers}:false::null`), markers, H(""))))
    expect(tuned.checksum).toBe(String(add(
      H(`TCP:8080:http:${servers}:LB_ALGORITHM_ROUND_ROBIN:false::null`),
      H(`["/api/healthmonitor?name=hm-a"]`),
      markers,
      // GEN_POOL: only `enabled` is set (the API server's default).
      H("true")
    )))
  })

  it("puts the rule into AKO's VS checksum: CRD refs, analytics policy and the generated fields", () => {
    const rule = l4Rule("tuned", {
      analyticsPolicy: { fullClientLogs: { enabled: true, duration: 30, throttle: 10 } },
      performanceLimits: { maxConcurrentConnections: 100 },
      vsDatascriptRefs: ["ds-a", "ds-a"]
    })
    const plain = find(unit(web(), []).unit, "virtualservice", "c1--red-web")!
    const tuned = find(unit(web({ "ako.vmware.com/l4rule": "tuned" }), [rule]).unit, "virtualservice", "c1--red-web")!
    const crdRefs = "/api/applicationprofile?name=System-L4-Application" +
      "/api/analyticsprofile?name=System-Analytics-Profile" + `["/api/vsdatascriptset?name=ds-a"]`
    const analytics = `{"full_client_logs":{"duration":30,"enabled":true,"throttle":10}}`
    const generated = "/api/networkprofile?name=System-TCP-Proxy:" + `{"maxConcurrentConnections":100}`
    // The rule adds R, the analytics policy (+ cluster label) and GEN_VS to the plain checksum, whose GEN_VS is H("").
    expect(Number(tuned.checksum)).toBe(add(
      Number(plain.checksum),
      H(crdRefs),
      H(analytics),
      H("clusternamec1"),
      H(generated),
      -H("") >>> 0
    ))
    const body = bodyOf(tuned)
    expect(body["analytics_policy"]).toEqual(JSON.parse(analytics))
    expect(body["performance_limits"]).toEqual({ max_concurrent_connections: 100 })
    expect(body["vs_datascripts"]).toEqual([{ index: 0, vs_datascript_set_ref: "/api/vsdatascriptset?name=ds-a" }])
  })

  it("gives the VsVip the rule's loadBalancerIP only when the Service names none itself", () => {
    const rule = l4Rule("pinned", { loadBalancerIP: "10.10.0.50" })
    const vip = (service: ReturnType<typeof web>) =>
      bodyOf(find(unit(service, [rule]).unit, "vsvip", "c1--red-web"))["vip"] as ReadonlyArray<Record<string, unknown>>
    expect(vip(web({ "ako.vmware.com/l4rule": "pinned" }))[0]?.["ip_address"]).toEqual({
      type: "V4",
      addr: "10.10.0.50"
    })
    expect(
      vip(web({ "ako.vmware.com/l4rule": "pinned", "ako.vmware.com/load-balancer-ip": "10.10.0.60" }))[0]?.[
        "ip_address"
      ]
    ).toEqual({ type: "V4", addr: "10.10.0.60" })
  })

  it("with an SSL listener serves the pool directly, with AKO's SSL application profile", () => {
    const rule = l4Rule("tls", { listenerProperties: [{ port: 80, protocol: "TCP", enableSsl: true }] })
    const { unit: u } = unit(web({ "ako.vmware.com/l4rule": "tls" }), [rule])
    expect(find(u, "l4policyset", "c1--red-web")).toBeUndefined()
    const vs = bodyOf(find(u, "virtualservice", "c1--red-web"))
    expect(vs["pool_ref"]).toBe("/api/pool/?name=c1--red-web-TCP-80")
    expect(vs["l4_policies"]).toBeUndefined()
    expect(vs["application_profile_ref"]).toBe("/api/applicationprofile?name=System-SSL-Application")
    expect(vs["services"]).toEqual([{ port: 80, enable_ssl: true }])
  })

  it("with an SSL listener on a Fast Path Service applies to the pools only, and says why", () => {
    const rule = l4Rule("tls", { listenerProperties: [{ port: 80, protocol: "TCP", enableSsl: true }] }, [ROUND_ROBIN])
    const { unit: u, problems } = unit(web({ "ako.vmware.com/l4rule": "tls" }), [rule], false)
    expect(bodyOf(find(u, "pool", "c1--red-web-TCP-80"))["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
    expect(bodyOf(find(u, "virtualservice", "c1--red-web"))["revoke_vip_route"]).toBeUndefined()
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining("applied to the pools only")])
  })

  it("is not applied when its listeners do not match the Service's ports, with AKO's reason on the Service", () => {
    const rule = l4Rule("two", {
      listenerProperties: [{ port: 80, protocol: "TCP" }, { port: 81, protocol: "TCP" }]
    }, [ROUND_ROBIN])
    const { unit: u, problems } = unit(web({ "ako.vmware.com/l4rule": "red/two" }), [rule])
    expect(bodyOf(find(u, "pool", "c1--red-web-TCP-80"))["lb_algorithm"]).toBeUndefined()
    expect(problems).toEqual([expect.objectContaining({
      object: { kind: "Service", namespace: "red", name: "web" },
      field: "metadata.annotations[ako.vmware.com/l4rule]",
      message: expect.stringContaining(
        "Number of port definitions in red/two l4rule listener spec does not match with the port definitons in web"
      )
    })])
    // The fields stay ako-ts's: whatever a rule set before is taken away.
    expect(find(u, "pool", "c1--red-web-TCP-80")?.ownedFields).toEqual(L4RULE_POOL_FIELDS)
  })

  it("builds the defaults when the named rule is missing or not accepted, and reports it on the Service", () => {
    const { unit: u, problems } = unit(web({ "ako.vmware.com/l4rule": "gone" }), [])
    const plain = unit(web(), []).unit
    expect(find(u, "pool", "c1--red-web-TCP-80")?.checksum).toBe(find(plain, "pool", "c1--red-web-TCP-80")?.checksum)
    expect(find(u, "virtualservice", "c1--red-web")?.body).toEqual(find(plain, "virtualservice", "c1--red-web")?.body)
    expect(problems.map((p) => p.message)).toEqual([
      "L4Rule red/gone does not exist or is not Accepted; the virtual service is built without it"
    ])
  })

  it("matches backend properties to pools by Service port and protocol", () => {
    const service = web({ "ako.vmware.com/l4rule": "udp" }, [
      { name: "http", port: 80, protocol: "TCP" },
      { name: "dns", port: 53, protocol: "UDP" }
    ])
    const rule = l4Rule("udp", {}, [{ port: 53, protocol: "UDP", lbAlgorithm: "LB_ALGORITHM_ROUND_ROBIN" }])
    const { unit: u } = unit(service, [rule])
    expect(bodyOf(find(u, "pool", "c1--red-web-UDP-53"))["lb_algorithm"]).toBe("LB_ALGORITHM_ROUND_ROBIN")
    expect(bodyOf(find(u, "pool", "c1--red-web-TCP-80"))["lb_algorithm"]).toBeUndefined()
    expect(bodyOf(find(u, "pool", "c1--red-web-TCP-80"))["health_monitor_refs"]).toEqual([
      "/api/healthmonitor/?name=System-TCP"
    ])
  })
})

describe("a Service that stops naming its L4Rule", () => {
  it("keeps owning the rule's fields on its objects, so the next write takes them away", () => {
    const before = unit(web({ "ako.vmware.com/l4rule": "tuned" }), [l4Rule("tuned", {}, [ROUND_ROBIN])]).unit!
    const after = unit(web(), [l4Rule("tuned", {}, [ROUND_ROBIN])]).unit!
    expect(find(after, "pool", "c1--red-web-TCP-80")?.ownedFields).toBeUndefined()
    const kept = keepOwnedFields(before, after)
    expect(find(kept, "pool", "c1--red-web-TCP-80")?.ownedFields).toEqual(L4RULE_POOL_FIELDS)
    expect(find(kept, "virtualservice", "c1--red-web")?.ownedFields).toEqual(L4RULE_VS_FIELDS)
    // Nothing else of the unit changes; a unit that never had a rule is returned as it is.
    expect(find(kept, "pool", "c1--red-web-TCP-80")?.body).toEqual(find(after, "pool", "c1--red-web-TCP-80")?.body)
    expect(keepOwnedFields(after, after)).toBe(after)
  })
})
