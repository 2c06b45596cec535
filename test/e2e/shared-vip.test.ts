/**
 * Shared VIP end to end: Services of one namespace annotated `ako.vmware.com/enable-shared-vip: <key>` show one
 * address, served by one VS `<cluster>--<ns>-<key>`; a member going leaves the others their address; a takeover over
 * it writes nothing; a member that cannot share (a port another member serves) is told so with a Warning Event while
 * the others keep syncing; a Service moves between its own VS and the shared one with the annotation.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import {
  CLUSTER,
  handOver,
  loadBalancerService,
  QUICK_REPAIR_ENV,
  serviceVips,
  startCluster,
  warningEvents
} from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const SHARED = { "ako.vmware.com/enable-shared-vip": "vip" }
const VS = `${CLUSTER}--red-vip`

const vsPorts = (c: E2eCluster): ReadonlyArray<number> =>
  ((c.avi.findByName("virtualservice", VS)?.["services"] ?? []) as ReadonlyArray<{ port?: number }>)
    .map((service) => service.port ?? 0)

const owned = (c: E2eCluster, type: string): ReadonlyArray<string> =>
  c.avi.objects(type).map((object) => String(object["name"])).filter((name) => name.startsWith(`${CLUSTER}--`))

const onlyVip = (c: E2eCluster, name: string): string | undefined => {
  const vips = serviceVips(c.kube, "red", name)
  return vips.length === 1 ? vips[0] : undefined
}

/** `a` on the shared VIP (port 80) and `solo` on a VS of its own (port 90), both with their VIP in their status. */
const sharedAndSolo = async () => {
  const c = (cluster = await startCluster())
  loadBalancerService(c.kube, "red", "a", { port: 80, addresses: ["10.1.0.1"], annotations: SHARED })
  loadBalancerService(c.kube, "red", "solo", { port: 90, addresses: ["10.1.0.4"] })
  await c.startReplica("ako-0")
  const shared = await waitFor("a's VIP", () => onlyVip(c, "a"))
  const own = await waitFor("solo's own VIP", () => onlyVip(c, "solo"))
  return { c, shared, own }
}

describe("shared VIP", () => {
  it(
    "gives its Services one address; one going leaves the other its address and ports; a takeover writes nothing",
    async () => {
      const c = (cluster = await startCluster())
      loadBalancerService(c.kube, "red", "a", { port: 80, addresses: ["10.1.0.1"], annotations: SHARED })
      loadBalancerService(c.kube, "red", "b", { port: 81, addresses: ["10.1.0.2"], annotations: SHARED })
      const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)

      const vip = await waitFor("one VIP on both Services", () => {
        const [va, vb] = [onlyVip(c, "a"), onlyVip(c, "b")]
        return va !== undefined && va === vb ? va : undefined
      })
      expect(vip).toMatch(/^10\.50\./)
      expect(owned(c, "virtualservice")).toEqual([VS])
      expect(owned(c, "vsvip")).toEqual([VS])
      expect([...owned(c, "pool")].sort()).toEqual([`${CLUSTER}--red-a-vip-TCP-80`, `${CLUSTER}--red-b-vip-TCP-81`])
      expect(vsPorts(c)).toEqual([80, 81])

      c.kube.delete("v1/Service", "red", "b")
      await waitFor(
        "the VS serving a's port only",
        () => vsPorts(c).length === 1 && !owned(c, "pool").includes(`${CLUSTER}--red-b-vip-TCP-81`)
      )
      expect(vsPorts(c)).toEqual([80])
      expect(owned(c, "pool")).toEqual([`${CLUSTER}--red-a-vip-TCP-80`])
      expect(onlyVip(c, "a")).toBe(vip)
      expect(c.avi.findByName("l4policyset", VS)?.["l4_connection_policy"]).toMatchObject({
        rules: [{ match: { port: { ports: [80] } } }]
      })

      const second = await handOver(c, first, "ako-1")
      expect(c.aviWritesOf("ako-1")).toEqual([])
      expect(c.kubeWritesOf("ako-1").filter((entry) => entry.path.includes("/services/"))).toEqual([])
      expect(onlyVip(c, "a")).toBe(vip)

      // The last member going takes the shared VS and everything it links with it.
      c.kube.delete("v1/Service", "red", "a")
      await waitFor(
        "the shared VS and its objects gone",
        () =>
          ["virtualservice", "vsvip", "l4policyset", "pool"].every((type) =>
            owned(c, type).every((name) => !name.startsWith(VS) && !name.startsWith(`${CLUSTER}--red-a`))
          )
      )
      expect(second.messages().some((m) => m.includes("does not manage yet"))).toBe(false)
    },
    scaled(120_000)
  )

  it("tells a member whose port another member serves why it is left out, and keeps the others syncing", async () => {
    const c = (cluster = await startCluster())
    loadBalancerService(c.kube, "red", "a", { port: 80, addresses: ["10.1.0.1"], annotations: SHARED })
    loadBalancerService(c.kube, "red", "b", { port: 81, addresses: ["10.1.0.2"], annotations: SHARED })
    loadBalancerService(c.kube, "red", "c", { port: 80, addresses: ["10.1.0.3"], annotations: SHARED })
    await c.startReplica("ako-0")

    const vip = await waitFor("one VIP on a and b", () => {
      const [va, vb] = [onlyVip(c, "a"), onlyVip(c, "b")]
      return va !== undefined && va === vb ? va : undefined
    })
    const warning = await waitFor("a Warning Event on c", () => warningEvents(c.kube, "red", "Service", "c")[0])
    expect(warning).toContain("port 80/TCP is already served for a")
    expect(warningEvents(c.kube, "red", "Service", "a")).toEqual([])
    expect(serviceVips(c.kube, "red", "c")).toEqual([])
    expect(vsPorts(c)).toEqual([80, 81])

    // The members keep syncing: a new endpoint of a reaches its pool.
    loadBalancerService(c.kube, "red", "a", { port: 80, addresses: ["10.1.0.1", "10.1.0.9"], annotations: SHARED })
    await waitFor(
      "a's new endpoint in its pool",
      () =>
        ((c.avi.findByName("pool", `${CLUSTER}--red-a-vip-TCP-80`)?.["servers"] ?? []) as ReadonlyArray<unknown>)
          .length === 2
    )

    // Once c listens on a port of its own it shares the address.
    loadBalancerService(c.kube, "red", "c", { port: 82, addresses: ["10.1.0.3"], annotations: SHARED })
    await waitFor("c on the shared VIP", () => onlyVip(c, "c") === vip)
    expect(vsPorts(c)).toEqual([80, 81, 82])
    // Re-applying a replaced its status too; it comes back with the same address.
    await waitFor("a's VIP", () => onlyVip(c, "a") === vip)
  }, scaled(120_000))

  it("moves a Service between its own VS and the shared one as it gains and loses the annotation", async () => {
    const { c, shared, own } = await sharedAndSolo()
    expect(own).not.toBe(shared)
    expect(owned(c, "virtualservice")).toContain(`${CLUSTER}--red-solo`)

    loadBalancerService(c.kube, "red", "solo", { port: 90, addresses: ["10.1.0.4"], annotations: SHARED })
    await waitFor(
      "solo on the shared VS, its own VS gone",
      () => onlyVip(c, "solo") === shared && !owned(c, "virtualservice").includes(`${CLUSTER}--red-solo`)
    )
    expect(vsPorts(c)).toEqual([80, 90])

    loadBalancerService(c.kube, "red", "solo", { port: 90, addresses: ["10.1.0.4"] })
    await waitFor(
      "solo back on a VS of its own",
      () => {
        const vip = onlyVip(c, "solo")
        return vip !== undefined && vip !== shared && vsPorts(c).length === 1
      }
    )
    expect(owned(c, "virtualservice")).toContain(`${CLUSTER}--red-solo`)
    expect(onlyVip(c, "a")).toBe(shared)
  }, scaled(120_000))

  it("shows the shared VIP on a Service joining it only once the shared VS serves its port", async () => {
    const { c, shared, own } = await sharedAndSolo()

    // The shared VS's update answers late, so solo's own unit is deleted well before the shared one settles.
    c.avi.faults.latency(scaled(1500), { method: "PUT", path: "/api/virtualservice" })
    loadBalancerService(c.kube, "red", "solo", { port: 90, addresses: ["10.1.0.4"], annotations: SHARED })
    const seen: Array<{ readonly vip: string | undefined; readonly ports: ReadonlyArray<number> }> = []
    await waitFor(
      "solo on the shared VIP",
      () => {
        seen.push({ vip: onlyVip(c, "solo"), ports: vsPorts(c) })
        return onlyVip(c, "solo") === shared
      },
      30_000,
      5
    )
    expect(owned(c, "virtualservice")).not.toContain(`${CLUSTER}--red-solo`)
    // Never the shared address while the shared VS did not listen on 90 yet; until then the old one, or none.
    for (const moment of seen) if (moment.vip === shared) expect(moment.ports).toEqual([80, 90])
    expect(seen.some((moment) => moment.vip === own || moment.vip === undefined)).toBe(true)
    expect(vsPorts(c)).toEqual([80, 90])
  }, scaled(120_000))
})
