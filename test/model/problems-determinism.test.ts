import { describe, expect, it } from "vitest"
import type { ClusterSnapshot } from "../../src/model/index.js"
import { makeSnapshot, observedChecksum, translate, translateUnit } from "../../src/model/index.js"
import {
  aviIngressClass,
  bodyOf,
  clusterIpService,
  find,
  ingress,
  lbService,
  node,
  settings,
  slice,
  tlsSecret
} from "./fixtures/builders.js"

const web = clusterIpService("default", "web", [{ name: "http", port: 80, targetPort: 8080 }])
const webSlice = slice("default", "web", "web-1", [{ name: "http", port: 8080 }], [
  { ip: "10.2.0.2", ready: true },
  { ip: "10.2.0.1", ready: false }
])

describe("problems are per object and never stop other objects", () => {
  it("reports a missing backend Service and an unknown port, keeps those pools without servers", () => {
    const ing = ingress("default", "app", [{
      host: "app.example.com",
      paths: [
        { path: "/missing", service: "nope", port: 80 },
        { path: "/badport", service: "web", port: 9999 },
        { path: "/badname", service: "web", port: "grpc" },
        { path: "/ok", service: "web", port: 80 }
      ]
    }])
    const lb = lbService("red", "db", [{ port: 5432 }])
    const { desired, problems } = translate(
      makeSnapshot({
        services: [web, lb],
        endpointSlices: [webSlice],
        ingresses: [ing],
        ingressClasses: [aviIngressClass("avi-lb")]
      }),
      settings()
    )
    expect(problems).toEqual([
      {
        object: { kind: "Ingress", namespace: "default", name: "app" },
        field: "spec.rules[0].http.paths[0].backend.service.name",
        reason: "ServiceNotFound",
        message: "Service default/nope does not exist; pool for app.example.com/missing has no servers"
      },
      {
        object: { kind: "Ingress", namespace: "default", name: "app" },
        field: "spec.rules[0].http.paths[1].backend.service.port",
        reason: "PortNotFound",
        message: "Service default/web has no port 9999; pool for app.example.com/badport has no servers"
      },
      {
        object: { kind: "Ingress", namespace: "default", name: "app" },
        field: "spec.rules[0].http.paths[2].backend.service.port",
        reason: "PortNotFound",
        message: "Service default/web has no port grpc; pool for app.example.com/badname has no servers"
      }
    ])
    const shard = desired.get("admin/c1--Shared-L7-3")
    expect(bodyOf(find(shard, "pool", "c1--app.example.com_missing-default-app"))["servers"]).toEqual([])
    expect(bodyOf(find(shard, "pool", "c1--app.example.com_badport-default-app"))["servers"]).toEqual([])
    expect(bodyOf(find(shard, "pool", "c1--app.example.com_ok-default-app"))["servers"]).toHaveLength(2)
    expect(desired.has("admin/c1--red-db")).toBe(true)
  })

  it("of two Services whose names collide, one that is not a LoadBalancer leaves the name to the other", () => {
    const loadBalancer = lbService("a", "b-c", [{ port: 80 }])
    const internal = clusterIpService("a-b", "c", [{ port: 81 }])
    const snapshot = makeSnapshot({ services: [internal, loadBalancer] })
    const { desired } = translate(snapshot, settings())
    expect(desired.get("admin/c1--a-b-c")?.owners).toEqual([{ kind: "Service", namespace: "a", name: "b-c" }])
    expect(translateUnit("admin/c1--a-b-c", snapshot, settings()).unit).toEqual(desired.get("admin/c1--a-b-c"))
    // Once it is gone the unit is gone too: no Service is read as that name any more.
    const without = makeSnapshot({ services: [internal] })
    expect(translateUnit("admin/c1--a-b-c", without, settings()).unit).toBeUndefined()
  })

  it("two Services whose names collide in AKO's naming: the first in snapshot-key order keeps the name", () => {
    const first = lbService("a", "b-c", [{ port: 80 }])
    const second = lbService("a-b", "c", [{ port: 81 }])
    const snapshot = makeSnapshot({ services: [second, first] })
    const { desired, problems } = translate(snapshot, settings())
    // Snapshot keys "a-b/c" < "a/b-c" ('-' sorts before '/').
    expect(desired.get("admin/c1--a-b-c")?.owners).toEqual([{ kind: "Service", namespace: "a-b", name: "c" }])
    expect(translateUnit("admin/c1--a-b-c", snapshot, settings()).unit).toEqual(desired.get("admin/c1--a-b-c"))
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "a", name: "b-c" },
      field: "metadata.name",
      reason: "NameConflict",
      message: "the Avi name c1--a-b-c is already used for a-b/c; this object is not programmed"
    }])
  })

  it("an invalid static IP drops only that Service's unit", () => {
    const bad = lbService("red", "bad", [{ port: 80 }], { loadBalancerIP: "not-an-ip" })
    const good = lbService("red", "good", [{ port: 80 }])
    const { desired, problems } = translate(makeSnapshot({ services: [bad, good] }), settings())
    expect([...desired.keys()]).toEqual(["admin/c1--red-good"])
    expect(problems).toEqual([{
      object: { kind: "Service", namespace: "red", name: "bad" },
      field: "spec.loadBalancerIP",
      reason: "InvalidStaticIP",
      message: "not-an-ip is not an IP address; the virtual service c1--red-bad is not created"
    }])
  })
})

const cluster = () => {
  const ingA = ingress("default", "a", [
    { host: "app.example.com", paths: [{ path: "/", service: "web", port: 80 }] },
    { host: "secure.example.com", paths: [{ path: "/x", service: "web", port: 80 }] }
  ], { tls: [{ hosts: ["secure.example.com"], secretName: "s" }] })
  const ingB = ingress("default", "b", [
    { host: "www.example.com", paths: [{ path: "/b", service: "web", port: 80 }] },
    { host: "app.example.com", paths: [{ path: "/b", service: "web", port: 80 }] }
  ])
  const lb = lbService("red", "db", [{ port: 5432, nodePort: 30432 }, { port: 53, protocol: "UDP", nodePort: 30053 }])
  const lbSlice = slice("red", "db", "db-1", [{ port: 5432 }], [{ ip: "10.3.0.1", ready: true }])
  return {
    services: [web, lb],
    endpointSlices: [webSlice, lbSlice],
    ingresses: [ingA, ingB],
    ingressClasses: [aviIngressClass("avi-lb")],
    secrets: [tlsSecret("default", "s")],
    nodes: [node("n2", "192.168.0.2"), node("n1", "192.168.0.1")]
  }
}

const reversed = (parts: ReturnType<typeof cluster>): ClusterSnapshot =>
  makeSnapshot({
    services: [...parts.services].reverse(),
    endpointSlices: [...parts.endpointSlices].reverse(),
    ingresses: [...parts.ingresses].reverse().map((ing) => ({
      ...ing,
      spec: { ...ing.spec, rules: [...(ing.spec?.rules ?? [])].reverse() }
    })),
    ingressClasses: parts.ingressClasses,
    secrets: parts.secrets,
    nodes: [...parts.nodes].reverse()
  })

describe("determinism", () => {
  for (const serviceType of ["ClusterIP", "NodePort"] as const) {
    it(`gives identical objects and checksums whatever the input order (${serviceType})`, () => {
      const s = settings({ serviceType })
      const a = translate(makeSnapshot(cluster()), s)
      const b = translate(reversed(cluster()), s)
      expect(JSON.stringify([...b.desired.entries()])).toBe(JSON.stringify([...a.desired.entries()]))
      expect(b.problems).toEqual(a.problems)
      expect([...a.desired.keys()]).toEqual(["admin/c1--Shared-L7-3", "admin/c1--Shared-L7-7", "admin/c1--red-db"])
    })
  }

  it("changes the checksum of exactly the objects whose content changed", () => {
    const before = translate(makeSnapshot(cluster()), settings())
    const parts = cluster()
    const moreEndpoints = slice("red", "db", "db-1", [{ port: 5432 }], [
      { ip: "10.3.0.1", ready: true },
      { ip: "10.3.0.2", ready: true }
    ])
    const after = translate(makeSnapshot({ ...parts, endpointSlices: [webSlice, moreEndpoints] }), settings())
    const changed = [...after.desired.values()].flatMap((unit) =>
      unit.objects.filter((o) => {
        const old = before.desired.get(unit.key)?.objects.find((p) => p.type === o.type && p.name === o.name)
        return old?.checksum !== o.checksum
      }).map((o) => `${o.type}:${o.name}`)
    )
    expect(changed).toEqual(["pool:c1--red-db-TCP-5432"])
  })

  it("reads back the checksum from an object as Avi returns it, with refs as URLs#name", () => {
    const { desired } = translate(makeSnapshot(cluster()), settings())
    const l4 = desired.get("admin/c1--red-db")
    const policy = find(l4, "l4policyset", "c1--red-db")
    const asReturned = JSON.parse(
      JSON.stringify(policy?.body).replaceAll(
        "/api/pool?name=c1--red-db-TCP-5432",
        "https://ctrl/api/pool/pool-1#c1--red-db-TCP-5432"
      )
    )
    expect(observedChecksum("l4policyset", { ...asReturned, uuid: "l4policyset-1" }, "c1")).toBe(policy?.checksum)
    const vs = find(l4, "virtualservice", "c1--red-db")
    expect(observedChecksum("virtualservice", vs?.body ?? {}, "c1")).toBe(vs?.checksum)
    const cert = find(desired.get("admin/c1--Shared-L7-7"), "sslkeyandcertificate", "c1--secure.example.com")
    const { key: _key, ...withoutKey } = cert?.body ?? {}
    expect(observedChecksum("sslkeyandcertificate", withoutKey, "c1")).toBe(cert?.checksum)
  })

  it("translateUnit recomputes one unit exactly as translate does", () => {
    const snapshot = makeSnapshot(cluster())
    const all = translate(snapshot, settings())
    for (const [key, unit] of all.desired) {
      expect(translateUnit(key, snapshot, settings()).unit).toEqual(unit)
    }
    expect(translateUnit("admin/c1--Shared-L7-5", snapshot, settings()).unit).toBeUndefined()
    expect(translateUnit("admin/c1--red-gone", snapshot, settings()).unit).toBeUndefined()
  })
})
