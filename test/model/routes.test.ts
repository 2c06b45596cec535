import { describe, expect, it } from "vitest"
import type { Route } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, CERT_PEM, clusterIpService, find, KEY_PEM, order, settings, slice } from "./fixtures/builders.js"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const api = clusterIpService("default", "api", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [{ ip: "10.2.0.2", ready: true }])

const route = (name: string, spec: NonNullable<Route["spec"]>): Route => ({
  metadata: { name, namespace: "default" },
  spec
})

describe("OpenShift Routes", () => {
  it("insecure: pools named with the Service, alternateBackends as extra pools with their weight as ratio", () => {
    const r = route("r1", {
      host: "app.example.com",
      path: "/",
      to: { kind: "Service", name: "web", weight: 100 },
      alternateBackends: [{ kind: "Service", name: "api", weight: 50 }],
      port: { targetPort: "http" }
    })
    const { desired, problems } = translate(
      makeSnapshot({ services: [web, api], endpointSlices: [webSlice], routes: [r] }),
      settings()
    )
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--Shared-L7-3")
    expect(unit?.owners).toEqual([{ kind: "Route", namespace: "default", name: "r1" }])
    expect(bodyOf(find(unit, "poolgroup", "c1--Shared-L7-3"))["members"]).toEqual([
      { pool_ref: "/api/pool?name=c1--app.example.com_-default-r1-api", priority_label: "app.example.com/", ratio: 50 },
      { pool_ref: "/api/pool?name=c1--app.example.com_-default-r1-web", priority_label: "app.example.com/", ratio: 100 }
    ])
    expect(bodyOf(find(unit, "pool", "c1--app.example.com_-default-r1-web"))["servers"]).toEqual([
      { ip: { addr: "10.2.0.2", type: "V4" }, port: 8080, external_uuid: "10.2.0.2:8080", enabled: true }
    ])
  })

  it("edge with an inline certificate and Redirect: SNI child, certificate from the Route, parent redirect", () => {
    const r = route("edge", {
      host: "secure.example.com",
      to: { kind: "Service", name: "web" },
      alternateBackends: [{ kind: "Service", name: "api", weight: 20 }],
      tls: { termination: "edge", certificate: CERT_PEM, key: KEY_PEM, insecureEdgeTerminationPolicy: "Redirect" }
    })
    const { desired, problems } = translate(makeSnapshot({ services: [web, api], routes: [r] }), settings())
    expect(problems).toEqual([])
    const unit = desired.get("admin/c1--Shared-L7-7")
    expect(order(unit)).toEqual([
      "vsvip:c1--Shared-L7-7",
      "poolgroup:c1--Shared-L7-7",
      "httppolicyset:c1--Shared-L7-7",
      "vsdatascriptset:c1--Shared-L7-7",
      "virtualservice:c1--Shared-L7-7",
      "sslkeyandcertificate:c1--secure.example.com",
      "pool:c1--default-secure.example.com-edge-api",
      "pool:c1--default-secure.example.com-edge-web",
      "poolgroup:c1--default-secure.example.com-edge",
      "httppolicyset:c1--default-secure.example.com",
      "virtualservice:c1--secure.example.com"
    ])
    expect(bodyOf(find(unit, "sslkeyandcertificate", "c1--secure.example.com"))["certificate"]).toEqual({
      certificate: CERT_PEM
    })
    // One pool group for the path, alternate backends as members; the path-less rule matches everything.
    expect(bodyOf(find(unit, "poolgroup", "c1--default-secure.example.com-edge"))["members"]).toEqual([
      { pool_ref: "/api/pool?name=c1--default-secure.example.com-edge-api", ratio: 20 },
      { pool_ref: "/api/pool?name=c1--default-secure.example.com-edge-web", ratio: 100 }
    ])
    expect(bodyOf(find(unit, "httppolicyset", "c1--default-secure.example.com"))["http_request_policy"]).toEqual({
      rules: [{
        name: "c1--default-secure.example.com-0",
        index: 0,
        enable: true,
        match: {},
        switching_action: {
          action: "HTTP_SWITCHING_SELECT_POOLGROUP",
          pool_group_ref: "/api/poolgroup/?name=c1--default-secure.example.com-edge"
        }
      }]
    })
  })

  it("edge with Allow adds an insecure pool on the shared PG and no redirect; None gives neither", () => {
    const allow = route("edge", {
      host: "secure.example.com",
      to: { kind: "Service", name: "web" },
      tls: { termination: "edge", certificate: CERT_PEM, key: KEY_PEM, insecureEdgeTerminationPolicy: "Allow" }
    })
    const allowed = translate(makeSnapshot({ services: [web], routes: [allow] }), settings()).desired
      .get("admin/c1--Shared-L7-7")
    expect(find(allowed, "httppolicyset", "c1--Shared-L7-7")).toBeUndefined()
    expect(order(allowed)).toContain("pool:c1--secure.example.com-default-edge-web")
    const none = route("edge", { ...allow.spec, tls: { ...allow.spec?.tls, insecureEdgeTerminationPolicy: "None" } })
    const unit = translate(makeSnapshot({ services: [web], routes: [none] }), settings()).desired
      .get("admin/c1--Shared-L7-7")
    expect(find(unit, "httppolicyset", "c1--Shared-L7-7")).toBeUndefined()
    expect(order(unit)).not.toContain("pool:c1--secure.example.com-default-edge-web")
  })

  it("passthrough lands on a passthrough shard, never on an L7 VS", () => {
    const pass = route("pass", {
      host: "pass.example.com",
      to: { kind: "Service", name: "web" },
      tls: { termination: "passthrough" }
    })
    const plain = route("plain", { host: "app.example.com", to: { kind: "Service", name: "web" } })
    const { desired, problems } = translate(makeSnapshot({ services: [web], routes: [pass, plain] }), settings())
    expect([...desired.keys()]).toEqual(["admin/c1--Shared-L7-3", "admin/c1--Shared-Passthrough-0"])
    expect(problems).toEqual([])
  })
})
