/**
 * noPGForSNI (AKO `lib.GetNoPGForSNI`): an Ingress path on an SNI child or a dedicated VS switches straight to its
 * pool, which AKO renames `<pool>--policy-to-pool`; no pool group is built. Routes keep their pool groups.
 */
import { describe, expect, it } from "vitest"
import type { Route } from "../../src/model/index.js"
import { fnv1a32, makeSnapshot, translate } from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  CERT_PEM,
  clusterIpService,
  find,
  ingress,
  KEY_PEM,
  order,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

const H = fnv1a32
const add = (...values: ReadonlyArray<number>) => values.reduce((a, b) => (a + b) >>> 0, 0)

// fnv1a32("secure.example.com") → LARGE shard 7.
const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.1", ready: true }])
const secure = ingress("default", "secure", [{
  host: "secure.example.com",
  paths: [{ path: "/", service: "web", port: 80 }]
}], { tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }] })
const snapshot = makeSnapshot({
  services: [web],
  endpointSlices: [webSlice],
  ingressClasses: [aviIngressClass("avi-lb")],
  ingresses: [secure],
  secrets: [tlsSecret("default", "secure-tls")]
})

const POOL = "c1--default-secure.example.com_-secure"
const POLICY = "c1--default-secure.example.com"

/** Go's json.Marshal of AKO's `AviHostPathPortPoolPG` for the one path, with its own checksum in place. */
const pathMap = (pool: string, poolGroup: string, checksum: number) =>
  `{"Name":"${POOL}","Checksum":${checksum},"Host":null,"Path":["/"],"Port":0,"Pool":"${pool}",` +
  `"PoolGroup":"${poolGroup}","MatchCriteria":"BEGINS_WITH","Protocol":"","IngName":"secure","MatchCase":"",` +
  `"StringGroupRefs":null,"SvcPort":80}`
const pathMapChecksum = (pool: string, poolGroup: string) => H(pathMap(pool, poolGroup, H(pathMap(pool, poolGroup, 0))))

describe("noPGForSNI", () => {
  const grouped = translate(snapshot, settings()).desired.get("admin/c1--Shared-L7-7")
  const { desired, problems } = translate(snapshot, settings({ noPGForSNI: true }))
  const unit = desired.get("admin/c1--Shared-L7-7")

  it("builds the Ingress path's pool as <pool>--policy-to-pool and no pool group for it", () => {
    expect(problems).toEqual([])
    expect(order(unit)).toEqual([
      "vsvip:c1--Shared-L7-7",
      "poolgroup:c1--Shared-L7-7",
      "httppolicyset:c1--Shared-L7-7",
      "vsdatascriptset:c1--Shared-L7-7",
      "virtualservice:c1--Shared-L7-7",
      "sslkeyandcertificate:c1--secure.example.com",
      `pool:${POOL}--policy-to-pool`,
      `httppolicyset:${POLICY}`,
      "virtualservice:c1--secure.example.com"
    ])
    expect(bodyOf(find(unit, "pool", `${POOL}--policy-to-pool`))["servers"]).toEqual([
      { ip: { addr: "10.2.0.1", type: "V4" }, port: 8080, external_uuid: "10.2.0.1:8080", enabled: true }
    ])
  })

  it("switches the host's policy rule to the pool, as AKO's REST layer writes it", () => {
    const policy = find(unit, "httppolicyset", POLICY)
    expect(bodyOf(policy)["http_request_policy"]).toEqual({
      rules: [{
        name: `${POLICY}-0`,
        index: 0,
        enable: true,
        match: { path: { match_criteria: "BEGINS_WITH", match_case: "SENSITIVE", match_str: ["/"] } },
        switching_action: {
          action: "HTTP_SWITCHING_SELECT_POOL",
          pool_ref: `/api/pool/?name=${POOL}--policy-to-pool`
        }
      }]
    })
    expect(policy?.dependsOn).toContainEqual({ type: "pool", name: `${POOL}--policy-to-pool` })
    // The path map's checksum names the pool instead of the pool group.
    expect(Number(policy?.checksum)).toBe(add(
      Number(find(grouped, "httppolicyset", POLICY)?.checksum),
      -pathMapChecksum("", POOL) >>> 0,
      pathMapChecksum(`${POOL}--policy-to-pool`, "")
    ))
  })

  it("keeps the SNI child as it was: its checksum has no pool groups in it", () => {
    expect(find(unit, "virtualservice", "c1--secure.example.com")?.checksum).toBe(
      find(grouped, "virtualservice", "c1--secure.example.com")?.checksum
    )
  })

  it("does the same on a DEDICATED virtual service", () => {
    const dedicated = translate(snapshot, settings({ noPGForSNI: true, shardVSSize: "DEDICATED" })).desired
      .get("admin/c1--secure.example.com-L7-dedicated")
    expect(order(dedicated).filter((entry) => entry.startsWith("pool"))).toEqual([
      "pool:c1--default-secure.example.com_-secure-L7-dedicated--policy-to-pool"
    ])
  })

  it("leaves Routes on pool groups, as AKO does", () => {
    const route: Route = {
      metadata: { name: "edge", namespace: "default", uid: "uid-edge", creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: {
        host: "secure.example.com",
        to: { kind: "Service", name: "web" },
        tls: { termination: "edge", certificate: CERT_PEM, key: KEY_PEM }
      }
    }
    const routed = translate(
      makeSnapshot({ services: [web], endpointSlices: [webSlice], routes: [route] }),
      settings({ noPGForSNI: true })
    ).desired.get("admin/c1--Shared-L7-7")
    expect(order(routed)).toContain("poolgroup:c1--default-secure.example.com-edge")
    expect(order(routed).some((entry) => entry.includes("policy-to-pool"))).toBe(false)
  })
})
