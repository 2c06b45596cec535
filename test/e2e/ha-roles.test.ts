/**
 * High availability, roles (issue 8, scenarios 1, 5, 8, 9): real `ako-ts run` processes against both simulators.
 * Who wrote what is read from the simulators' request logs: Avi writes by client identity, Kubernetes writes by
 * the replica's user. Lease timings are the harness's (3 s / 2 s / 500 ms).
 */
import { describe, expect, it } from "@effect/vitest"
import {
  allHaveVips,
  buildOfVersion,
  converged,
  isLeading,
  leaseOf,
  leaseWritesOf,
  NAMESPACE,
  objectWritesOf,
  overlappingWrites,
  seedLoadBalancerServices,
  withCluster
} from "../support/e2e.js"
import type { E2eCluster, Replica } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

const APPS = "apps"
/** Passive replicas re-list owned Avi objects this often, so "the passive's caches hold every object" is checkable. */
const REPLICA_ENV = { AKO_TS_AVI_CACHE_REFRESH: "1 second" }

/** The passive's view: Kubernetes stores, desired units and the owned-object Avi cache all hold `count` Services. */
const cachesHold = (replica: Replica, count: number) =>
  waitFor(`${replica.name}'s caches to hold ${count} Services`, async () => {
    const services = await replica.metric("ako_k8s_store_objects", { kind: "Service" })
    const units = await replica.metric("ako_desired_units")
    const virtualServices = await replica.metric("ako_avi_cache_objects", { type: "virtualservice" })
    const pools = await replica.metric("ako_avi_cache_objects", { type: "pool" })
    return services === count && units === count && virtualServices === count && pools === count
  }, 30_000)

const startLeaderThenPassive = async (cluster: E2eCluster) => {
  const leader = await cluster.startReplica("ako-0", REPLICA_ENV)
  await waitFor("ako-0 to hold the lease", () => cluster.leaseHolder() === "ako-0")
  const passive = await cluster.startReplica("ako-1", REPLICA_ENV)
  await waitFor("ako-1 to be ready", async () => (await passive.readyz()) === 200, 30_000)
  return { leader, passive }
}

describe("high availability: roles", () => {
  it("steady state with two replicas: one leader; the passive writes nothing yet holds every object", async () => {
    await withCluster(async (cluster) => {
      const first = seedLoadBalancerServices(cluster.kube, APPS, "svc", 20)
      const { leader, passive } = await startLeaderThenPassive(cluster)
      await allHaveVips(cluster, first)
      // changes while both run: the leader does them, the passive follows them in its caches
      const more = seedLoadBalancerServices(cluster.kube, APPS, "svc", 5, 20)
      const all = [...first, ...more]
      await allHaveVips(cluster, all)
      await converged(cluster, all)
      await cachesHold(passive, all.length)

      expect(cluster.leaseHolder()).toBe("ako-0")
      expect(await isLeading(leader)).toBe(true)
      expect(await isLeading(passive)).toBe(false)
      expect(cluster.aviWritesOf("ako-1")).toEqual([])
      expect(objectWritesOf(cluster, "ako-1")).toEqual([])
      expect(leaseWritesOf(cluster, "ako-1")).toEqual([])
      // the passive reads Avi (its cache), the leader did the writes
      expect(cluster.aviRequestsOf("ako-1").length).toBeGreaterThan(0)
      expect(cluster.aviWritesOf("ako-0").length).toBeGreaterThanOrEqual(all.length * 4)
      expect(objectWritesOf(cluster, "ako-0").length).toBeGreaterThanOrEqual(all.length)
    })
  })

  it("scale from 1 to 2 replicas with no special procedure: never two writers", async () => {
    await withCluster(async (cluster) => {
      const first = seedLoadBalancerServices(cluster.kube, APPS, "svc", 10)
      const single = await cluster.startReplica("ako-0", REPLICA_ENV)
      await allHaveVips(cluster, first)
      // one replica still elects: the Lease exists and names it
      expect(cluster.leaseHolder()).toBe("ako-0")
      expect(await isLeading(single)).toBe(true)

      // scale up while the leader is busy with new work
      const more = seedLoadBalancerServices(cluster.kube, APPS, "svc", 20, 10)
      const second = await cluster.startReplica("ako-1", REPLICA_ENV)
      const all = [...first, ...more]
      await allHaveVips(cluster, all)
      await converged(cluster, all)
      await cachesHold(second, all.length)

      expect(cluster.leaseHolder()).toBe("ako-0")
      expect(await isLeading(second)).toBe(false)
      expect(cluster.aviWritesOf("ako-1")).toEqual([])
      expect(objectWritesOf(cluster, "ako-1")).toEqual([])
      expect(leaseWritesOf(cluster, "ako-1")).toEqual([])
      expect(overlappingWrites(cluster, ["ako-0", "ako-1"])).toEqual([])
    })
  })

  it("a replica of another version joins: warning, Event and metric; election still safe", async () => {
    const other = buildOfVersion("0.0.9-old")
    try {
      await withCluster(async (cluster) => {
        const names = seedLoadBalancerServices(cluster.kube, APPS, "svc", 5)
        const old = await cluster.startReplicaFrom(other.entryPoint, "ako-old", REPLICA_ENV)
        await waitFor("ako-old to hold the lease", () => cluster.leaseHolder() === "ako-old")
        await allHaveVips(cluster, names)
        expect(leaseOf(cluster)?.annotations["ako-ts.io/version"]).toBe("0.0.9-old")

        const current = await cluster.startReplica("ako-new", REPLICA_ENV)
        await waitFor(
          "the version-skew metric on the new replica",
          async () => (await current.metric("ako_election_version_skew", { identity: "ako-new" })) === 1
        )
        await waitFor(
          "a version-skew warning in the new replica's log",
          () =>
            current.logs().some((line) =>
              line["logLevel"] === "WARN" && String(line["message"]).includes("version skew")
            )
        )
        const event = await waitFor(
          "a VersionSkew Event on the Lease",
          () =>
            cluster.kube.list("v1/Event", NAMESPACE).find((candidate) => {
              const { involvedObject, reason } = candidate as { involvedObject?: { kind?: string }; reason?: string }
              return reason === "VersionSkew" && involvedObject?.kind === "Lease"
            })
        )
        expect(JSON.stringify(event)).toContain("0.0.9-old")

        // safety does not depend on versions: the old one keeps leading, the new one stays passive
        const more = seedLoadBalancerServices(cluster.kube, APPS, "svc", 3, 5)
        await allHaveVips(cluster, [...names, ...more])
        expect(cluster.leaseHolder()).toBe("ako-old")
        expect(cluster.aviWritesOf("ako-new")).toEqual([])
        expect(objectWritesOf(cluster, "ako-new")).toEqual([])
        expect(cluster.aviWritesOf("ako-old").length).toBeGreaterThan(0)
        expect(cluster.aviRequestsOf("ako-old")[0]?.clientIdentity).toBe("ako-ts/0.0.9-old ako-old")

        // the rolling update finishes: the new version takes over, the skew clears
        await old.stop("SIGTERM")
        await waitFor("ako-new to lead", () => cluster.leaseHolder() === "ako-new", 15_000)
        await waitFor(
          "the skew metric to clear",
          async () => (await current.metric("ako_election_version_skew", { identity: "ako-new" })) === 0
        )
        expect(leaseOf(cluster)?.annotations["ako-ts.io/version"]).not.toBe("0.0.9-old")
        expect(overlappingWrites(cluster, ["ako-old", "ako-new"])).toEqual([])
      })
    } finally {
      other.remove()
    }
  })

  it("demotion without exit: a leader that loses the lease turns passive in-process, keeps its caches, leads again", async () => {
    await withCluster(async (cluster) => {
      const names = seedLoadBalancerServices(cluster.kube, APPS, "svc", 10)
      const { leader, passive } = await startLeaderThenPassive(cluster)
      await allHaveVips(cluster, names)
      await cachesHold(passive, names.length)
      const pid = leader.process.child.pid

      // cut ako-0 off the API server long enough for ako-1 to take over, then heal
      cluster.kube.faults.blackhole("ako-0", { forMs: 6_000 })
      await waitFor("ako-1 to take over", () => cluster.leaseHolder() === "ako-1", 15_000)
      await waitFor("ako-0 to report it no longer leads", async () => !(await isLeading(leader)), 15_000)
      await waitFor("ako-0 to be ready as a passive again", async () => (await leader.readyz()) === 200, 20_000)
      expect(leader.process.child.exitCode).toBeNull()
      expect(leader.process.child.pid).toBe(pid)
      expect(await leader.metric("ako_election_transitions_total", { identity: "ako-0", direction: "lost" })).toBe(1)

      // while passive, ako-0 follows changes into its caches and writes nothing
      const more = seedLoadBalancerServices(cluster.kube, APPS, "svc", 5, 10)
      const all = [...names, ...more]
      await allHaveVips(cluster, all)
      const demotedAt = Date.now()
      await cachesHold(leader, all.length)
      const writesWhilePassive = () => cluster.aviWritesOf("ako-0").filter((entry) => entry.startMs >= demotedAt)
      expect(writesWhilePassive()).toEqual([])

      // ako-1 leaves: the same ako-0 process leads again (term 2) and serves changes
      await passive.stop("SIGTERM")
      await waitFor("ako-0 to lead again", () => cluster.leaseHolder() === "ako-0", 15_000)
      await waitFor(
        "ako-0's second term",
        async () => (await leader.metric("ako_election_term", { identity: "ako-0" })) === 2
      )
      const last = seedLoadBalancerServices(cluster.kube, APPS, "svc", 2, 15)
      await allHaveVips(cluster, [...all, ...last])
      await converged(cluster, [...all, ...last])
      expect(leader.process.child.pid).toBe(pid)
      expect(overlappingWrites(cluster, ["ako-0", "ako-1"])).toEqual([])
    })
  })
})
