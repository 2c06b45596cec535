/**
 * What a replica does when it takes the lead over an Avi Controller that already holds objects: stale objects of
 * this cluster go (shard VIPs stay), other clusters' objects are never touched, and objects that are exactly what
 * AKO would have created are adopted without a single write.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { decodeAkoConfig } from "../../src/config/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import type { Service } from "../../src/model/index.js"
import {
  CLUSTER,
  loadBalancerService,
  seedLoadBalancerServices,
  servicesWithoutVip,
  serviceVips,
  startCluster
} from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const takeoverDone = (messages: () => ReadonlyArray<string>) =>
  waitFor("the takeover pass", () => messages().includes("takeover complete; serving the work queue"), 30_000)

const owned = (c: E2eCluster, type: string) => c.avi.objects(type).map((object) => String(object["name"]))

describe("taking the lead over existing Avi state", () => {
  it("deletes this cluster's stale objects, keeps shard VIPs and leaves other clusters' objects alone", async () => {
    const c = (cluster = await startCluster())
    const cloud = "/api/cloud/?name=Default-Cloud"
    c.avi.insert("pool", { name: `${CLUSTER}--gone-old-TCP-80`, created_by: `ako-${CLUSTER}`, cloud_ref: cloud })
    c.avi.insert("pool", { name: "other--keep-TCP-80", created_by: "ako-other", cloud_ref: cloud })
    c.avi.insert("vsvip", {
      name: `${CLUSTER}--Shared-L7-3`,
      cloud_ref: cloud,
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
      }]
    })
    c.avi.insert("vsvip", {
      name: `${CLUSTER}--gone-old`,
      cloud_ref: cloud,
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
      }]
    })
    const replica = await c.startReplica("ako-0")
    await takeoverDone(replica.messages)
    expect(owned(c, "pool")).not.toContain(`${CLUSTER}--gone-old-TCP-80`)
    expect(owned(c, "vsvip")).not.toContain(`${CLUSTER}--gone-old`)
    expect(owned(c, "vsvip")).toContain(`${CLUSTER}--Shared-L7-3`)
    expect(owned(c, "pool")).toContain("other--keep-TCP-80")
    const deleted = c.aviWritesOf("ako-0").map((entry) => `${entry.method} ${entry.objectType}`)
    expect(deleted.sort()).toEqual(["DELETE pool", "DELETE vsvip"])
  })

  it("adopts objects named and shaped as AKO creates them with zero Avi writes", async () => {
    const c = (cluster = await startCluster())
    loadBalancerService(c.kube, "red", "web", { addresses: ["10.1.0.1"] })
    const config = Either.getOrThrow(decodeAkoConfig({ configMap: c.configMap, env: {} }))
    const service = c.kube.get("v1/Service", "red", "web") as Service
    const slices = c.kube.list("discovery.k8s.io/v1/EndpointSlice", "red")
    const desired = translate(
      makeSnapshot({ services: [service], endpointSlices: slices, namespaces: [{ metadata: { name: "red" } }] }),
      { ...config, dnsSubDomains: [], enterpriseLicense: true, akoNamespace: "avi-system" }
    ).desired
    const unit = desired.get(`admin/${CLUSTER}--red-web`)!
    expect(unit.objects.map((object) => object.type)).toEqual(["vsvip", "pool", "l4policyset", "virtualservice"])
    for (const object of unit.objects) {
      // AKO's own checksum algorithm gives other values than ours: adoption must not depend on them.
      const body = { ...object.body }
      for (const field of ["cloud_config_cksum", "vsvip_cloud_config_cksum"]) {
        if (field in body) body[field] = "2166136261"
      }
      c.avi.insert(object.type, body)
    }
    const replica = await c.startReplica("ako-0")
    await takeoverDone(replica.messages)
    await waitFor("the VIP in the Service status", () => serviceVips(c.kube, "red", "web").length > 0)
    expect(c.aviWritesOf("ako-0")).toEqual([])
  })
})

describe("statuses during a takeover pass that writes", () => {
  it("shows a Service's VIP once the pass has written its unit, before the pass is done with the others", async () => {
    const c = (cluster = await startCluster())
    const names = seedLoadBalancerServices(c.kube, "red", "svc", 32)
    // Four units at a time, 400 ms for each VS: eight rounds, over 3 s for the pass.
    c.avi.faults.latency(400, { method: "POST", path: "/api/virtualservice" })
    const replica = await c.startReplica("ako-0")
    await waitFor("a first VIP", () => servicesWithoutVip(c.kube, "red", names).length < names.length, 30_000, 20)
    expect(replica.messages()).not.toContain("takeover complete; serving the work queue")
    expect(servicesWithoutVip(c.kube, "red", names).length).toBeGreaterThan(0)
    await takeoverDone(replica.messages)
    await waitFor("every VIP", () => servicesWithoutVip(c.kube, "red", names).length === 0)
  })
})

describe("statuses left behind while no replica led", () => {
  it("are cleared at takeover for objects no longer handled, and kept for other controllers' objects", async () => {
    const c = (cluster = await startCluster())
    c.kube.ensureNamespace("old")
    const lbStatus = { loadBalancer: { ingress: [{ ip: "10.50.0.99" }] } }
    // Was a LoadBalancer handled by ako-ts; became ClusterIP while every replica was down.
    c.kube.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "was-lb", namespace: "old" },
      spec: { type: "ClusterIP", ports: [{ port: 80, protocol: "TCP" }] },
      status: lbStatus
    })
    // A LoadBalancer of another controller's class: not ours to touch.
    c.kube.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "other-class", namespace: "old" },
      spec: { type: "LoadBalancer", loadBalancerClass: "example.com/other", ports: [{ port: 80, protocol: "TCP" }] },
      status: lbStatus
    })
    // An Ingress ako-ts programmed, moved to another IngressClass meanwhile.
    c.kube.create({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name: "moved",
        namespace: "old",
        annotations: { "ako.vmware.com/host-fqdn-vs-uuid-map": "{\"moved.example.com\":\"virtualservice-1\"}" }
      },
      spec: {
        ingressClassName: "someone-else",
        rules: [{ host: "moved.example.com" }]
      },
      status: { loadBalancer: { ingress: [{ ip: "10.50.0.98", hostname: "moved.example.com" }] } }
    })
    const replica = await c.startReplica("ako-0")
    await takeoverDone(replica.messages)
    const read = (kind: string, name: string) =>
      c.kube.get(kind, "old", name) as {
        status?: { loadBalancer?: { ingress?: ReadonlyArray<unknown> } }
        metadata?: { annotations?: Record<string, string> }
      }
    await waitFor(
      "the stale Service and Ingress statuses cleared",
      () =>
        (read("v1/Service", "was-lb").status?.loadBalancer?.ingress ?? []).length === 0 &&
        (read("networking.k8s.io/v1/Ingress", "moved").status?.loadBalancer?.ingress ?? []).length === 0
    )
    await waitFor(
      "AKO's annotation removed from the Ingress",
      () =>
        read("networking.k8s.io/v1/Ingress", "moved").metadata?.annotations
          ?.["ako.vmware.com/host-fqdn-vs-uuid-map"] ===
          undefined
    )
    expect(read("v1/Service", "other-class").status?.loadBalancer?.ingress).toEqual([{ ip: "10.50.0.99" }])
  })
})
