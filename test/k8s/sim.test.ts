/** Level 3: reflectors, writers and Events with the real client-node against the Kubernetes simulator. */
import { describe, expect, it } from "@effect/vitest"
import { loadAllYaml } from "@kubernetes/client-node"
import { Effect, Fiber, Layer, Option, Ref, Schedule, Stream } from "effect"
import type { Scope } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  EventRecorder,
  eventRecorderLayer,
  KubeClient,
  kubeClientFromString,
  kubeListWatchSource,
  KubeWriters,
  kubeWritersLayer,
  makeReflector,
  makeReflectors,
  NotLeader,
  Resources,
  WriteGuard
} from "../../src/k8s/index.js"
import type { KubeSim } from "../../src/sim/kube/index.js"
import { makeKubeSim } from "../../src/sim/kube/index.js"
import { cniCrds } from "../support/crds.js"

const TOKENS = { "token-ako": "ako-0" }
const DEPLOY_CRDS = fileURLToPath(new URL("../../deploy/crds/", import.meta.url))

const eventually = <A, E, R>(check: Effect.Effect<Option.Option<A>, E, R>, what: string, timeoutMs = 15_000) =>
  check.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail("not yet" as const), onSome: Effect.succeed })),
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )
const when = (condition: boolean) => condition ? Option.some(true) : Option.none()

const withSim = <A, E>(body: (sim: KubeSim) => Effect.Effect<A, E, Scope.Scope | KubeClient>) =>
  Effect.scoped(
    Effect.flatMap(makeKubeSim({ tokens: TOKENS, bookmarkIntervalMs: 200 }), (sim) =>
      body(sim).pipe(Effect.provide(kubeClientFromString(sim.kubeconfig("token-ako")))))
  )

const service = (namespace: string, name: string, port = 80) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { type: "LoadBalancer", ports: [{ port, protocol: "TCP" }] }
})

const requests = (sim: KubeSim, verb: string, resource: string) =>
  sim.requestLog().filter((e) => e.user === "ako-0" && e.verb === verb && e.resource === resource)

const serviceReflector = (pageSize = 500) =>
  Effect.gen(function*() {
    const client = yield* KubeClient
    const reflector = yield* makeReflector({
      kind: "Service",
      schema: Resources.Service,
      pageSize,
      source: kubeListWatchSource(client, "/api/v1/services")
    })
    const seen = yield* Ref.make<ReadonlyArray<string>>([])
    yield* reflector.changes.pipe(Stream.runForEach((k) => Ref.update(seen, (all) => [...all, k])), Effect.forkScoped)
    yield* Effect.yieldNow()
    const fiber = yield* Effect.forkScoped(reflector.run)
    return { reflector, fiber, seen: Ref.get(seen) }
  })

describe("reflector against the Kubernetes simulator (client-node)", () => {
  it.live("lists 10,000 objects in pages", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        for (let i = 0; i < 10_000; i++) sim.create(service(`ns-${i % 10}`, `svc-${i}`))
        const { reflector } = yield* serviceReflector(500)
        yield* reflector.ready
        expect(yield* reflector.size).toBe(10_000)
        const lists = requests(sim, "list", "services")
        expect(lists).toHaveLength(20)
        expect(lists.every((e) => e.query.limit === "500")).toBe(true)
        expect(lists.filter((e) => e.query.continue !== undefined)).toHaveLength(19)
        expect(Option.getOrThrow(yield* reflector.get("ns-3/svc-13")).spec?.ports?.[0]?.port).toBe(80)
        // then it watches from the list's resourceVersion with bookmarks
        const watch = yield* eventually(
          Effect.sync(() => Option.fromNullable(requests(sim, "watch", "services")[0])),
          "watch"
        )
        expect(watch.query.allowWatchBookmarks).toBe("true")
        expect(Number(watch.query.timeoutSeconds)).toBeGreaterThanOrEqual(300)
        expect(watch.query.resourceVersion).toBe(yield* Effect.map(reflector.resourceVersion, String))
      })
    ), 60_000)

  it.live(
    "resumes after a cut watch from the last resourceVersion: no lost or duplicated events",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          sim.create(service("default", "a"))
          const { reflector, seen } = yield* serviceReflector()
          yield* reflector.ready
          yield* eventually(Effect.sync(() => when(sim.openWatches() === 1)), "watch open")
          sim.create(service("default", "b"))
          yield* eventually(Effect.map(reflector.size, (n) => when(n === 2)), "b seen")
          const before = yield* reflector.resourceVersion
          expect(sim.faults.cutWatches("ako-0")).toBe(1)
          sim.create(service("default", "c")) // while no watch is open
          yield* eventually(Effect.sync(() => when(requests(sim, "watch", "services").length === 2)), "re-watch")
          sim.create(service("default", "d"))
          yield* eventually(Effect.map(reflector.size, (n) => when(n === 4)), "c and d seen")
          expect(yield* seen).toEqual(["default/a", "default/b", "default/c", "default/d"])
          expect(requests(sim, "list", "services")).toHaveLength(1)
          const resumed = requests(sim, "watch", "services")[1]!
          // resumed from the last version seen (possibly advanced by a bookmark), never from scratch
          expect(Number(resumed.query.resourceVersion)).toBeGreaterThanOrEqual(Number(before))
        })
      ),
    30_000
  )

  it.live(
    "relists after a forced 410 and converges on the server's state",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          sim.create(service("default", "a"))
          sim.create(service("default", "b"))
          const { reflector } = yield* serviceReflector()
          yield* reflector.ready
          yield* eventually(Effect.sync(() => when(sim.openWatches() === 1)), "watch open")
          sim.faults.forceGoneOnNextWatch("ako-0")
          sim.faults.cutWatches("ako-0")
          sim.delete("v1/Service", "default", "a")
          sim.create(service("default", "c"))
          yield* eventually(Effect.sync(() => when(requests(sim, "list", "services").length === 2)), "relist")
          yield* eventually(
            Effect.map(reflector.snapshot, (m) => when([...m.keys()].sort().join() === "default/b,default/c")),
            "converged"
          )
          // mid-stream expiry (ERROR event 410)
          yield* eventually(Effect.sync(() => when(sim.openWatches() === 1)), "watch reopened")
          expect(sim.faults.expireWatches("ako-0")).toBe(1)
          yield* eventually(Effect.sync(() => when(requests(sim, "list", "services").length === 3)), "second relist")
        })
      ),
    30_000
  )

  it.live("interruption aborts the watch request", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const { fiber, reflector } = yield* serviceReflector()
        yield* reflector.ready
        yield* eventually(Effect.sync(() => when(sim.openWatches() === 1)), "watch open")
        yield* Fiber.interrupt(fiber)
        yield* eventually(Effect.sync(() => when(sim.openWatches() === 0)), "watch closed on the server")
      })
    ), 30_000)

  it.live(
    "runs every reflector the controller needs, the ConfigMap only by name in its namespace",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          sim.ensureNamespace("avi-system")
          sim.create({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "avi-k8s-config", namespace: "avi-system" },
            data: { controllerIP: "10.0.0.1" }
          })
          sim.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other", namespace: "avi-system" } })
          sim.create({
            apiVersion: "route.openshift.io/v1",
            kind: "Route",
            metadata: { name: "shop", namespace: "default" },
            spec: { host: "shop.example.com", to: { kind: "Service", name: "shop" } }
          })
          const plain = yield* makeReflectors({ namespace: "avi-system", openshift: false })
          expect(Option.isNone(plain.routes)).toBe(true)
          const reflectors = yield* makeReflectors({ namespace: "avi-system", openshift: true })
          yield* Effect.forkScoped(reflectors.run)
          yield* reflectors.ready
          expect(yield* reflectors.isReady).toBe(true)
          expect([...(yield* reflectors.configMap.snapshot).keys()]).toEqual(["avi-system/avi-k8s-config"])
          expect((yield* reflectors.namespaces.snapshot).has("avi-system")).toBe(true)
          const routes = yield* Option.getOrThrow(reflectors.routes).snapshot
          expect(routes.get("default/shop")?.spec?.host).toBe("shop.example.com")
          const listed = new Set(sim.requestLog().filter((e) => e.verb === "list").map((e) => e.resource))
          expect([...listed].sort()).toEqual([
            "configmaps",
            "endpointslices",
            "ingressclasses",
            "ingresses",
            "namespaces",
            "nodes",
            "routes",
            "secrets",
            "services"
          ])
          // AKO's rule CRDs are not installed here: their lists answer 404, and that did not hold up `ready`
          const ruleLists = sim.requestLog().filter((e) => e.path.startsWith("/apis/ako.vmware.com/"))
          expect(new Set(ruleLists.map((e) => `${e.path} ${e.code}`))).toEqual(
            new Set([
              "/apis/ako.vmware.com/v1beta1/hostrules 404",
              "/apis/ako.vmware.com/v1beta1/httprules 404",
              "/apis/ako.vmware.com/v1alpha2/l7rules 404",
              "/apis/ako.vmware.com/v1alpha2/l4rules 404",
              "/apis/ako.vmware.com/v1beta1/aviinfrasettings 404"
            ])
          )
        })
      ),
    30_000
  )

  it.live(
    "AKO's rule CRDs not installed: the reflectors are ready and empty; installed later, their objects arrive",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const reflectors = yield* makeReflectors({ namespace: "avi-system", openshift: false, crdRecheckMillis: 200 })
          yield* Effect.forkScoped(reflectors.run)
          yield* reflectors.ready
          expect(yield* reflectors.hostRules.size).toBe(0)
          const files = ["hostrules.yaml", "httprules.yaml", "l7rules.yaml", "l4rules.yaml", "aviinfrasettings.yaml"]
          for (const file of files) {
            for (const document of loadAllYaml(readFileSync(join(DEPLOY_CRDS, file), "utf8"))) {
              sim.apply(document as never)
            }
          }
          sim.create({
            apiVersion: "ako.vmware.com/v1beta1",
            kind: "HostRule",
            metadata: { name: "shop", namespace: "default" },
            spec: { virtualhost: { fqdn: "shop.example.com", wafPolicy: "team-waf" } },
            status: { status: "Accepted", error: "" }
          })
          sim.create({
            apiVersion: "ako.vmware.com/v1beta1",
            kind: "HTTPRule",
            metadata: { name: "shop", namespace: "default" },
            spec: { fqdn: "shop.example.com", paths: [{ target: "/", healthMonitors: ["System-HTTP"] }] }
          })
          sim.create({
            apiVersion: "ako.vmware.com/v1alpha2",
            kind: "L7Rule",
            metadata: { name: "l7", namespace: "default" },
            spec: { minPoolsUp: 2 }
          })
          const hostRule = yield* eventually(reflectors.hostRules.get("default/shop"), "the HostRule")
          expect(hostRule.spec?.virtualhost?.wafPolicy).toBe("team-waf")
          expect(hostRule.status?.status).toBe("Accepted")
          const httpRule = yield* eventually(reflectors.httpRules.get("default/shop"), "the HTTPRule")
          expect(httpRule.spec?.paths?.[0]?.healthMonitors).toEqual(["System-HTTP"])
          const l7Rule = yield* eventually(reflectors.l7Rules.get("default/l7"), "the L7Rule")
          expect(l7Rule.spec?.["minPoolsUp"]).toBe(2)
          sim.create({
            apiVersion: "ako.vmware.com/v1alpha2",
            kind: "L4Rule",
            metadata: { name: "l4", namespace: "default" },
            spec: { backendProperties: [{ port: 80, protocol: "TCP", healthMonitorRefs: ["System-TCP"] }] }
          })
          const l4Rule = yield* eventually(reflectors.l4Rules.get("default/l4"), "the L4Rule")
          expect(l4Rule.spec?.backendProperties?.[0]?.healthMonitorRefs).toEqual(["System-TCP"])
          // cluster-scoped: stored by name, with its status
          sim.create({
            apiVersion: "ako.vmware.com/v1beta1",
            kind: "AviInfraSetting",
            metadata: { name: "infra" },
            spec: {
              seGroup: { name: "team-seg" },
              network: {
                vipNetworks: [{ networkName: "vip-a", cidr: "10.10.0.0/24" }],
                nodeNetworks: [{ networkUUID: "dvportgroup-1", cidrs: ["10.20.0.0/16"] }],
                enableRhi: true,
                bgpPeerLabels: ["peer-1"],
                listeners: [{ port: 443, enableSSL: true }]
              },
              l7Settings: { shardSize: "SMALL" }
            },
            status: { status: "Accepted", error: "" }
          })
          const infra = yield* eventually(reflectors.aviInfraSettings.get("infra"), "the AviInfraSetting")
          expect(infra.metadata?.namespace).toBeUndefined()
          expect(infra.spec?.seGroup?.name).toBe("team-seg")
          expect(infra.spec?.network?.vipNetworks).toEqual([{ networkName: "vip-a", cidr: "10.10.0.0/24" }])
          expect(infra.spec?.network?.nodeNetworks?.[0]?.networkUUID).toBe("dvportgroup-1")
          expect(infra.spec?.network?.listeners).toEqual([{ port: 443, enableSSL: true }])
          expect(infra.spec?.l7Settings?.shardSize).toBe("SMALL")
          expect(infra.status?.status).toBe("Accepted")
          expect([...(yield* reflectors.aviInfraSettings.snapshot).keys()]).toEqual(["infra"])
          // one watch per kind now; a rule created next arrives by it
          sim.create({
            apiVersion: "ako.vmware.com/v1beta1",
            kind: "HostRule",
            metadata: { name: "cart", namespace: "default" },
            spec: { virtualhost: { fqdn: "cart.example.com" } }
          })
          yield* eventually(reflectors.hostRules.get("default/cart"), "the second HostRule")
        })
      ),
    30_000
  )

  it.live(
    "the CNI's pod CIDR resource: not served until its CRD is applied (and not listed for other CNIs), then served",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const plain = yield* makeReflectors({ namespace: "avi-system", openshift: false })
          expect(Option.isNone(plain.podCidrs)).toBe(true)
          const reflectors = yield* makeReflectors({
            namespace: "avi-system",
            openshift: false,
            crdRecheckMillis: 200,
            podCidrSource: "calico"
          })
          const calico = Option.getOrThrow(reflectors.podCidrs)
          if (calico.cni !== "calico") throw new Error(calico.cni)
          yield* Effect.forkScoped(reflectors.run)
          yield* calico.reflector.ready
          expect(yield* calico.served).toBe(false)
          for (const document of cniCrds("blockaffinities.yaml")) sim.apply(document as never)
          // Served with no objects: known to hold no pod CIDRs, unlike not served.
          yield* eventually(Effect.map(calico.served, when), "the BlockAffinities served")
          sim.create({
            apiVersion: "crd.projectcalico.org/v1",
            kind: "BlockAffinity",
            metadata: { name: "node-a-10-1-1-0-26" },
            spec: { node: "node-a", cidr: "10.1.1.0/26", state: "confirmed", deleted: "false" }
          })
          const affinity = yield* eventually(calico.reflector.get("node-a-10-1-1-0-26"), "the BlockAffinity")
          expect(affinity.spec).toEqual({ node: "node-a", cidr: "10.1.1.0/26", state: "confirmed", deleted: "false" })
          expect(requests(sim, "list", "blockaffinities").length).toBeGreaterThan(0)
        })
      ),
    30_000
  )

  it.live(
    "HostSubnets and CiliumNodes are served as cluster-scoped resources once their CRDs are applied",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          for (const document of cniCrds("hostsubnets.yaml", "ciliumnodes.yaml")) sim.apply(document as never)
          sim.create({
            apiVersion: "network.openshift.io/v1",
            kind: "HostSubnet",
            metadata: { name: "node-a" },
            host: "node-a",
            hostIP: "192.168.1.1",
            subnet: "10.128.0.0/23"
          })
          sim.create({
            apiVersion: "cilium.io/v2",
            kind: "CiliumNode",
            metadata: { name: "node-a" },
            spec: { ipam: { podCIDRs: ["10.0.1.0/24"] } }
          })
          const openshift = Option.getOrThrow(
            (yield* makeReflectors({ namespace: "avi-system", openshift: false, podCidrSource: "openshift" })).podCidrs
          )
          const cilium = Option.getOrThrow(
            (yield* makeReflectors({ namespace: "avi-system", openshift: false, podCidrSource: "cilium" })).podCidrs
          )
          if (openshift.cni !== "openshift" || cilium.cni !== "cilium") throw new Error("unexpected reflectors")
          yield* Effect.forkScoped(openshift.reflector.run)
          yield* Effect.forkScoped(cilium.reflector.run)
          yield* openshift.reflector.ready
          yield* cilium.reflector.ready
          expect(yield* openshift.served).toBe(true)
          expect(yield* cilium.served).toBe(true)
          expect(Option.getOrThrow(yield* openshift.reflector.get("node-a"))).toMatchObject({
            host: "node-a",
            subnet: "10.128.0.0/23"
          })
          expect(Option.getOrThrow(yield* cilium.reflector.get("node-a")).spec?.ipam?.podCIDRs).toEqual(["10.0.1.0/24"])
          // Cluster-scoped: stored by name.
          expect([...(yield* cilium.reflector.snapshot).keys()]).toEqual(["node-a"])
        })
      ),
    30_000
  )
})

describe("writers and Events against the Kubernetes simulator", () => {
  const guarded = (allow: Ref.Ref<boolean>) =>
    Layer.succeed(WriteGuard, {
      check: Effect.flatMap(Ref.get(allow), (ok) => ok ? Effect.void : Effect.fail(new NotLeader({ reason: "test" }))),
      admit: <A, E, R>(write: Effect.Effect<A, E, R>) =>
        Effect.flatMap(
          Ref.get(allow),
          (ok): Effect.Effect<A, E | NotLeader, R> => ok ? write : Effect.fail(new NotLeader({ reason: "test" }))
        )
    })

  it.live(
    "patches Service, Ingress status and annotations with merge patch, only when the guard admits",
    () =>
      withSim((sim) =>
        Effect.gen(function*() {
          const allow = yield* Ref.make(true)
          const writers = yield* KubeWriters.pipe(
            Effect.provide(kubeWritersLayer.pipe(Layer.provide(guarded(allow))))
          )
          sim.create(service("default", "web"))
          sim.create({
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: "site", namespace: "default", annotations: { keep: "me" } },
            spec: { rules: [{ host: "a.example.com" }] }
          })
          yield* writers.serviceStatus({ namespace: "default", name: "web" }, [{ ip: "10.1.1.1" }])
          yield* writers.ingressStatus({ namespace: "default", name: "site" }, [{
            ip: "10.1.1.2",
            hostname: "a.example.com"
          }])
          yield* writers.annotate("Ingress", { namespace: "default", name: "site" }, {
            "ako.vmware.com/host-fqdn-vs-uuid-map": "{}"
          })
          const svc = sim.get("v1/Service", "default", "web") as { status?: { loadBalancer?: { ingress?: unknown } } }
          expect(svc.status?.loadBalancer?.ingress).toEqual([{ ip: "10.1.1.1" }])
          const ing = sim.get("networking.k8s.io/v1/Ingress", "default", "site") as {
            metadata: { annotations?: Record<string, string> }
            status?: { loadBalancer?: { ingress?: unknown } }
          }
          expect(ing.status?.loadBalancer?.ingress).toEqual([{ ip: "10.1.1.2", hostname: "a.example.com" }])
          expect(ing.metadata.annotations).toEqual({ keep: "me", "ako.vmware.com/host-fqdn-vs-uuid-map": "{}" })
          sim.create({
            apiVersion: "route.openshift.io/v1",
            kind: "Route",
            metadata: { name: "shop", namespace: "default" },
            spec: { host: "shop.example.com", to: { kind: "Service", name: "shop" } }
          })
          const routeIngress = [{
            host: "shop.example.com",
            routerName: "ako-ts",
            conditions: [{ type: "Admitted", status: "True" }]
          }]
          yield* writers.routeStatus({ namespace: "default", name: "shop" }, routeIngress)
          const route = sim.get("route.openshift.io/v1/Route", "default", "shop") as { status?: { ingress?: unknown } }
          expect(route.status?.ingress).toEqual(routeIngress)
          const patches = sim.requestLog().filter((e) => e.verb === "patch")
          expect(patches.map((p) => p.subresource ?? "")).toEqual(["status", "status", "", "status"])
          // refused: no request reaches the server
          yield* Ref.set(allow, false)
          const refused = yield* writers.serviceStatus({ namespace: "default", name: "web" }, []).pipe(Effect.flip)
          expect(refused._tag).toBe("NotLeader")
          expect(sim.requestLog().filter((e) => e.verb === "patch")).toHaveLength(4)
        })
      ),
    30_000
  )

  it.live("deduplicates Events: a repeat bumps count and lastTimestamp", () =>
    withSim((sim) =>
      Effect.gen(function*() {
        const allow = yield* Ref.make(true)
        const recorder = yield* EventRecorder.pipe(
          Effect.provide(eventRecorderLayer({ instance: "ako-0" }).pipe(Layer.provide(guarded(allow))))
        )
        const event = {
          involvedObject: { apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace: "default", name: "site" },
          type: "Warning" as const,
          reason: "DuplicateHost",
          message: "host a.example.com is used by another Ingress"
        }
        yield* recorder.emit(event)
        yield* Effect.sleep("1100 millis") // timestamps have whole seconds
        yield* recorder.emit(event)
        yield* recorder.emit({ ...event, message: "something else" })
        const events = sim.list("v1/Event", "default") as ReadonlyArray<{
          count: number
          reason: string
          message: string
          firstTimestamp: string
          lastTimestamp: string
          source: { component: string }
          involvedObject: { name: string }
        }>
        expect(events).toHaveLength(2)
        const repeated = events.find((e) => e.message === event.message)!
        expect(repeated.count).toBe(2)
        expect(repeated.source.component).toBe("ako-ts")
        expect(repeated.involvedObject.name).toBe("site")
        expect(Date.parse(repeated.lastTimestamp)).toBeGreaterThan(Date.parse(repeated.firstTimestamp))
        // guarded: a non-leader writes no Event about a managed object, but may write the election's own
        yield* Ref.set(allow, false)
        expect((yield* recorder.emit(event).pipe(Effect.flip))._tag).toBe("NotLeader")
        yield* recorder.emitElection({ ...event, reason: "VersionSkew" })
        expect(sim.list("v1/Event", "default")).toHaveLength(3)
      })
    ), 30_000)
})
