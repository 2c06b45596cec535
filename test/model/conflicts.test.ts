/**
 * Two objects never share a pool or split a host path by accident: the oldest claim is programmed, every object
 * involved gets a HostPathConflict problem, and the result does not depend on listing order.
 */
import { describe, expect, it } from "vitest"
import type { Ingress } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import { aviIngressClass, clusterIpService, ingress, order, settings } from "./fixtures/builders.js"

const created = (object: Ingress, timestamp: string): Ingress => ({
  ...object,
  metadata: { ...object.metadata, creationTimestamp: timestamp }
})

const services = [clusterIpService("ns", "web", [{ port: 80 }]), clusterIpService("b-ns", "web", [{ port: 80 }])]

describe("conflicting claims on a host path", () => {
  it("two namespaces whose names spell the same pool: the older is programmed, both hear about it", () => {
    const older = created(
      ingress("ns", "ing", [{ host: "h.example.com", paths: [{ path: "/a-b", service: "web", port: 80 }] }]),
      "2026-01-01T00:00:00Z"
    )
    const newer = created(
      ingress("b-ns", "ing", [{ host: "h.example.com", paths: [{ path: "/a", service: "web", port: 80 }] }]),
      "2026-02-01T00:00:00Z"
    )
    for (const ingresses of [[older, newer], [newer, older]]) {
      const { desired, problems } = translate(
        makeSnapshot({ services, ingresses, ingressClasses: [aviIngressClass("avi-lb")] }),
        settings({ shardVSSize: "SMALL" })
      )
      const pools = order(desired.get("admin/c1--Shared-L7-0")).filter((o) => o.startsWith("pool:"))
      expect(pools).toEqual(["pool:c1--h.example.com_a-b-ns-ing"])
      const markers = desired.get("admin/c1--Shared-L7-0")?.objects.find((o) => o.type === "pool")?.body["markers"]
      expect(markers).toContainEqual({ key: "Namespace", values: ["ns"] })
      expect(problems.map((p) => [p.object.namespace, p.reason])).toEqual([
        ["b-ns", "HostPathConflict"],
        ["ns", "HostPathConflict"]
      ])
      expect(problems[0]?.message).toContain("only the oldest, Ingress ns/ing, is programmed")
    }
  })

  it("two Ingresses claiming the same host and path: one pool serves it, not a split between teams", () => {
    const first = created(
      ingress("team-a", "shop", [{ host: "shop.example.com", paths: [{ path: "/", service: "web", port: 80 }] }]),
      "2026-01-01T00:00:00Z"
    )
    const second = created(
      ingress("team-b", "shop", [{ host: "shop.example.com", paths: [{ path: "/", service: "web", port: 80 }] }]),
      "2026-01-01T00:00:00Z"
    )
    const { desired, problems } = translate(
      makeSnapshot({
        services: [
          clusterIpService("team-a", "web", [{ port: 80 }]),
          clusterIpService("team-b", "web", [{ port: 80 }])
        ],
        ingresses: [second, first],
        ingressClasses: [aviIngressClass("avi-lb")]
      }),
      settings({ shardVSSize: "SMALL" })
    )
    const group = desired.get("admin/c1--Shared-L7-0")?.objects.find((o) => o.type === "poolgroup")
    // Same age: namespace/name decides, so team-a wins.
    expect(group?.body["members"]).toEqual([{
      pool_ref: "/api/pool?name=c1--shop.example.com_-team-a-shop",
      priority_label: "shop.example.com/",
      ratio: 100
    }])
    expect(problems.map((p) => p.object.namespace).sort()).toEqual(["team-a", "team-b"])
    expect(desired.get("admin/c1--Shared-L7-0")?.statuses.map((s) => s.object.namespace)).toEqual(["team-a"])
  })
})
