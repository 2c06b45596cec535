/**
 * High availability, takeovers (issue 8, scenarios 2, 3, 6): the leader dies (SIGKILL) or leaves (SIGTERM) and a
 * passive finishes the work. Safety is read from the request logs: no Avi write of the new leader starts before
 * every write of the old one has ended, and a crashed leader's lease is taken only after it expired.
 */
import { describe, expect, it } from "@effect/vitest"
import {
  allHaveVips,
  CLUSTER,
  converged,
  leaseWritesOf,
  overlappingWrites,
  seedLoadBalancerServices,
  servicesWithoutVip,
  serviceVips,
  withCluster
} from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

const APPS = "apps"
const LEASE_DURATION_MS = 3_000

/** Every Service's status VIP is the one its VsVip holds in Avi, and no two Services share one. */
const vipsMatchAvi = (cluster: E2eCluster, names: ReadonlyArray<string>) => {
  const seen = new Set<string>()
  for (const name of names) {
    const vips = serviceVips(cluster.kube, APPS, name)
    expect(vips, name).toHaveLength(1)
    const vsVip = JSON.stringify(cluster.avi.findByName("vsvip", `${CLUSTER}--${APPS}-${name}`))
    expect(vsVip, name).toContain(`"${vips[0]}"`)
    expect(seen.has(vips[0]!), `${name}: VIP ${vips[0]} used twice`).toBe(false)
    seen.add(vips[0]!)
  }
}

/** Every Avi write of `before` ended before the first Avi write of `after` started. */
const handedOver = (cluster: E2eCluster, before: string, after: string) => {
  const oldEnds = cluster.aviWritesOf(before).map((entry) => entry.endMs ?? Number.POSITIVE_INFINITY)
  const newStarts = cluster.aviWritesOf(after).map((entry) => entry.startMs)
  expect(newStarts.length, `${after} wrote`).toBeGreaterThan(0)
  expect(Math.max(...oldEnds), `${before}'s last write ends before ${after}'s first starts`).toBeLessThan(
    Math.min(...newStarts)
  )
}

const startReplicas = async (cluster: E2eCluster, names: ReadonlyArray<string>) => {
  const replicas: Array<Replica> = []
  for (const name of names) {
    replicas.push(await cluster.startReplica(name))
    if (replicas.length === 1) await waitFor(`${name} to hold the lease`, () => cluster.leaseHolder() === name)
  }
  for (const replica of replicas) {
    await waitFor(`${replica.name} to be ready`, async () => (await replica.readyz()) === 200, 30_000)
  }
  return replicas
}

describe("high availability: takeovers", () => {
  it(
    "leader killed (SIGKILL) during a bulk create of 200 Services: the passive takes over after the lease expires and finishes",
    async () => {
      await withCluster(async (cluster) => {
        const replicas = await startReplicas(cluster, ["ako-0", "ako-1"])
        const names = seedLoadBalancerServices(cluster.kube, APPS, "bulk", 200)
        const writes = () => cluster.aviWritesOf("ako-0").length + cluster.aviWritesOf("ako-1").length
        await waitFor("the leader to be part-way through the bulk create", () => writes() >= 120)
        // whoever leads now (ako-0 unless a starved CPU cost it the lease already)
        const victim = replicas.find((replica) => replica.name === cluster.leaseHolder())!
        const survivor = victim.name === "ako-0" ? "ako-1" : "ako-0"
        await victim.stop("SIGKILL")
        const killedAt = Date.now()
        expect(servicesWithoutVip(cluster.kube, APPS, names).length, "work left when the leader died").toBeGreaterThan(
          0
        )

        await waitFor(`${survivor} to take over`, () => cluster.leaseHolder() === survivor, 15_000)
        await allHaveVips(cluster, names, 60_000)
        await converged(cluster, names)
        vipsMatchAvi(cluster, names)

        // the lease was taken only after it expired: a full lease duration after the victim's last renew
        const lastRenew = leaseWritesOf(cluster, victim.name).at(-1)!
        const acquired = leaseWritesOf(cluster, survivor).find((entry) => entry.startMs > killedAt)!
        expect(acquired.startMs - (lastRenew.endMs ?? lastRenew.startMs)).toBeGreaterThanOrEqual(LEASE_DURATION_MS - 5)
        const victimEnds = cluster.aviWritesOf(victim.name).map((entry) => entry.endMs ?? Number.POSITIVE_INFINITY)
        const takeoverStarts = cluster.aviWritesOf(survivor).filter((entry) => entry.startMs > killedAt)
        expect(takeoverStarts.length).toBeGreaterThan(0)
        expect(Math.max(...victimEnds)).toBeLessThan(Math.min(...takeoverStarts.map((entry) => entry.startMs)))
        expect(overlappingWrites(cluster, ["ako-0", "ako-1"])).toEqual([])
      })
    },
    120_000
  )

  it("leader stopped (SIGTERM): it releases the Lease, the passive leads within one round trip, no write is lost", async () => {
    await withCluster(async (cluster) => {
      const [leader] = await startReplicas(cluster, ["ako-0", "ako-1"])
      const first = seedLoadBalancerServices(cluster.kube, APPS, "svc", 30)
      await allHaveVips(cluster, first)

      // more work arrives, and the leader is told to stop in the middle of it
      const second = seedLoadBalancerServices(cluster.kube, APPS, "svc", 60, 30)
      await waitFor("ako-0 to start on the new Services", () => cluster.aviWritesOf("ako-0").length >= 30 * 4 + 8)
      expect(await leader!.stop("SIGTERM")).toBe(0)

      const release = leaseWritesOf(cluster, "ako-0").at(-1)!
      await waitFor("ako-1 to lead", () => cluster.leaseHolder() === "ako-1", 10_000)
      const acquire = leaseWritesOf(cluster, "ako-1")[0]!
      // a candidate that only polled would wait at least retryPeriod (500 ms); the Lease watch brings it sooner
      expect(acquire.endMs! - release.endMs!).toBeLessThan(500)
      // the release came after ako-0's last Avi write ended
      for (const write of cluster.aviWritesOf("ako-0")) expect(write.endMs!).toBeLessThanOrEqual(release.startMs)

      const all = [...first, ...second]
      await allHaveVips(cluster, all)
      await converged(cluster, all)
      vipsMatchAvi(cluster, all)
      handedOver(cluster, "ako-0", "ako-1")
    })
  })

  it(
    "three replicas: exactly one writer; the leader is killed twice in a row and each takeover completes",
    async () => {
      await withCluster(async (cluster) => {
        const replicas = await startReplicas(cluster, ["ako-0", "ako-1", "ako-2"])
        const byName = new Map(replicas.map((replica) => [replica.name, replica]))
        let all = seedLoadBalancerServices(cluster.kube, APPS, "svc", 10)
        await allHaveVips(cluster, all)
        expect(cluster.leaseHolder()).toBe("ako-0")
        expect(cluster.aviWritesOf("ako-1")).toEqual([])
        expect(cluster.aviWritesOf("ako-2")).toEqual([])

        const leaders = ["ako-0"]
        for (const round of [1, 2]) {
          const current = leaders.at(-1)!
          await byName.get(current)!.stop("SIGKILL")
          const next = await waitFor(`a new leader after killing ${current}`, () => {
            const holder = cluster.leaseHolder()
            return holder !== undefined && holder !== current ? holder : undefined
          }, 15_000)
          leaders.push(next)
          const more = seedLoadBalancerServices(cluster.kube, APPS, "svc", 5, 5 + round * 5)
          all = [...all, ...more]
          await allHaveVips(cluster, all)
          await converged(cluster, all)
          handedOver(cluster, current, next)
        }
        expect(new Set(leaders).size).toBe(3)
        // the two replicas that led only after someone died never wrote before that
        expect(overlappingWrites(cluster, ["ako-0", "ako-1", "ako-2"])).toEqual([])
        vipsMatchAvi(cluster, all)
      })
    },
    90_000
  )
})
