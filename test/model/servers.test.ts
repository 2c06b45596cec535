import { describe, expect, it } from "vitest"
import { makeSnapshot, translate } from "../../src/model/index.js"
import { bodyOf, find, lbService, node, settings, slice } from "./fixtures/builders.js"

const serversOf = (result: ReturnType<typeof translate>, vs: string, pool: string) =>
  bodyOf(find(result.desired.get(`admin/${vs}`), "pool", pool))["servers"]

describe("pool servers in ClusterIP mode (EndpointSlices)", () => {
  it("keeps not-ready and terminating endpoints disabled, and treats a missing ready condition as not ready", () => {
    const svc = lbService("ns", "web", [{ name: "http", port: 80, targetPort: 8080 }])
    const eps = slice("ns", "web", "web-1", [{ name: "http", port: 8080 }], [
      { ip: "10.0.0.1", ready: true },
      { ip: "10.0.0.2", ready: false },
      { ip: "10.0.0.3", ready: false, serving: true, terminating: true },
      { ip: "10.0.0.4" }
    ])
    const result = translate(makeSnapshot({ services: [svc], endpointSlices: [eps] }), settings())
    expect(serversOf(result, "c1--ns-web", "c1--ns-web-TCP-80")).toEqual([
      { ip: { addr: "10.0.0.1", type: "V4" }, port: 8080, external_uuid: "10.0.0.1:8080", enabled: true },
      { ip: { addr: "10.0.0.2", type: "V4" }, port: 8080, external_uuid: "10.0.0.2:8080", enabled: false },
      { ip: { addr: "10.0.0.3", type: "V4" }, port: 8080, external_uuid: "10.0.0.3:8080", enabled: false },
      { ip: { addr: "10.0.0.4", type: "V4" }, port: 8080, external_uuid: "10.0.0.4:8080", enabled: false }
    ])
  })

  it("matches slice ports by name or targetPort number, merges slices and drops duplicates", () => {
    const svc = lbService("ns", "app", [
      { name: "http", port: 80, targetPort: "web" },
      { name: "metrics", port: 9090, targetPort: 9100 }
    ])
    const a = slice("ns", "app", "app-a", [{ name: "http", port: 8080 }, { name: "metrics", port: 9100 }], [
      { ip: "10.0.0.1", ready: true }
    ])
    const b = slice("ns", "app", "app-b", [{ name: "http", port: 8080 }, { name: "other", port: 9100 }], [
      { ip: "10.0.0.2", ready: true },
      { ip: "10.0.0.1", ready: true }
    ])
    const result = translate(makeSnapshot({ services: [svc], endpointSlices: [b, a] }), settings())
    expect(serversOf(result, "c1--ns-app", "c1--ns-app-TCP-80")).toEqual([
      { ip: { addr: "10.0.0.1", type: "V4" }, port: 8080, external_uuid: "10.0.0.1:8080", enabled: true },
      { ip: { addr: "10.0.0.2", type: "V4" }, port: 8080, external_uuid: "10.0.0.2:8080", enabled: true }
    ])
    expect(serversOf(result, "c1--ns-app", "c1--ns-app-TCP-9090")).toEqual([
      { ip: { addr: "10.0.0.1", type: "V4" }, port: 9100, external_uuid: "10.0.0.1:9100", enabled: true },
      { ip: { addr: "10.0.0.2", type: "V4" }, port: 9100, external_uuid: "10.0.0.2:9100", enabled: true }
    ])
  })

  it("a single slice with a single port matches whatever its name, and slices of other Services are ignored", () => {
    const svc = lbService("ns", "one", [{ name: "http", port: 80, targetPort: "named" }])
    const own = slice("ns", "one", "one-x", [{ name: "unrelated", port: 3000 }], [{ ip: "10.0.0.7", ready: true }])
    const foreign = slice("ns", "two", "two-x", [{ name: "http", port: 3000 }], [{ ip: "10.0.0.8", ready: true }])
    const result = translate(makeSnapshot({ services: [svc], endpointSlices: [own, foreign] }), settings())
    expect(serversOf(result, "c1--ns-one", "c1--ns-one-TCP-80")).toEqual([
      { ip: { addr: "10.0.0.7", type: "V4" }, port: 3000, external_uuid: "10.0.0.7:3000", enabled: true }
    ])
  })
})

describe("Service ports no EndpointSlice serves", () => {
  it("reports PortNotFound on the Service and still builds its (empty) pool and the rest of the unit", () => {
    const svc = lbService("ns", "typo", [{ name: "htp", port: 80, targetPort: "web" }])
    const eps = slice("ns", "typo", "typo-1", [{ name: "http", port: 8080 }, { name: "admin", port: 9000 }], [
      { ip: "10.0.0.9", ready: true }
    ])
    const fine = lbService("ns", "fine", [{ name: "http", port: 80, targetPort: 8080 }])
    const fineSlice = slice("ns", "fine", "fine-1", [{ name: "http", port: 8080 }], [{ ip: "10.0.0.5", ready: true }])
    const result = translate(makeSnapshot({ services: [svc, fine], endpointSlices: [eps, fineSlice] }), settings())
    expect(result.problems).toEqual([{
      object: { kind: "Service", namespace: "ns", name: "typo" },
      field: "spec.ports[0]",
      reason: "PortNotFound",
      message: "no EndpointSlice of ns/typo serves port htp; pool c1--ns-typo-TCP-80 has no servers"
    }])
    expect(serversOf(result, "c1--ns-typo", "c1--ns-typo-TCP-80")).toEqual([])
    expect(serversOf(result, "c1--ns-fine", "c1--ns-fine-TCP-80")).toHaveLength(1)
  })

  it("stays quiet while a Service has no EndpointSlice yet", () => {
    const svc = lbService("ns", "new", [{ name: "http", port: 80, targetPort: 8080 }])
    expect(translate(makeSnapshot({ services: [svc] }), settings()).problems).toEqual([])
  })
})

describe("pool servers in NodePort mode", () => {
  const nodes = [
    node("n1", "192.168.0.11", { pool: "lb" }),
    node("n2", "192.168.0.12", { pool: "lb" }),
    node("n3", "192.168.0.13", { pool: "other" })
  ]

  it("uses every node's InternalIP with the nodePort", () => {
    const svc = lbService("ns", "web", [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080 }])
    const result = translate(makeSnapshot({ services: [svc], nodes }), settings({ serviceType: "NodePort" }))
    expect(serversOf(result, "c1--ns-web", "c1--ns-web-TCP-80")).toEqual([
      { ip: { addr: "192.168.0.11", type: "V4" }, port: 30080, enabled: true },
      { ip: { addr: "192.168.0.12", type: "V4" }, port: 30080, enabled: true },
      { ip: { addr: "192.168.0.13", type: "V4" }, port: 30080, enabled: true }
    ])
  })

  it("filters nodes by nodeKey/nodeValue", () => {
    const svc = lbService("ns", "web", [{ port: 80, nodePort: 30080 }])
    const result = translate(
      makeSnapshot({ services: [svc], nodes }),
      settings({ serviceType: "NodePort", nodeKey: "pool", nodeValue: "lb" })
    )
    expect(serversOf(result, "c1--ns-web", "c1--ns-web-TCP-80")).toEqual([
      { ip: { addr: "192.168.0.11", type: "V4" }, port: 30080, enabled: true },
      { ip: { addr: "192.168.0.12", type: "V4" }, port: 30080, enabled: true }
    ])
  })

  it("with externalTrafficPolicy Local keeps only nodes that have a ready endpoint", () => {
    const svc = lbService("ns", "web", [{ port: 80, targetPort: 8080, nodePort: 30080 }], {
      externalTrafficPolicy: "Local"
    })
    const eps = slice("ns", "web", "web-1", [{ port: 8080 }], [
      { ip: "10.0.0.1", ready: true, node: "n3" },
      { ip: "10.0.0.2", ready: false, node: "n1" }
    ])
    const result = translate(
      makeSnapshot({ services: [svc], nodes, endpointSlices: [eps] }),
      settings({ serviceType: "NodePort" })
    )
    expect(serversOf(result, "c1--ns-web", "c1--ns-web-TCP-80")).toEqual([
      { ip: { addr: "192.168.0.13", type: "V4" }, port: 30080, enabled: true }
    ])
  })

  it("skipnodeport.ako.vmware.com/enabled forces endpoint servers", () => {
    const svc = lbService("ns", "web", [{ port: 80, targetPort: 8080, nodePort: 30080 }], {
      annotations: { "skipnodeport.ako.vmware.com/enabled": "true" }
    })
    const eps = slice("ns", "web", "web-1", [{ port: 8080 }], [{ ip: "10.0.0.1", ready: true }])
    const result = translate(
      makeSnapshot({ services: [svc], nodes, endpointSlices: [eps] }),
      settings({ serviceType: "NodePort" })
    )
    expect(serversOf(result, "c1--ns-web", "c1--ns-web-TCP-80")).toEqual([
      { ip: { addr: "10.0.0.1", type: "V4" }, port: 8080, external_uuid: "10.0.0.1:8080", enabled: true }
    ])
  })
})
