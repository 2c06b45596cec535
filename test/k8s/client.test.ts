/** KubeClient against the simulator: raw JSON, typed errors, and interruption that really aborts the request. */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schedule, Stream } from "effect"
import { KubeClient, kubeClientFromString } from "../../src/k8s/index.js"
import { makeKubeSim } from "../../src/sim/kube/index.js"

const eventually = <A>(check: () => A | undefined, what: string) =>
  Effect.suspend(() =>
    Option.match(Option.fromNullable(check()), {
      onNone: () => Effect.fail("not yet" as const),
      onSome: Effect.succeed
    })
  ).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

describe("KubeClient (over node:https)", () => {
  it.live("returns raw JSON and maps statuses to typed errors", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" } })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(sim.kubeconfig("token-ako"))))
      const created = yield* client.request({
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } }
      })
      expect(created).toMatchObject({ metadata: { name: "c", namespace: "default" }, data: { a: "1" } })
      const missing = yield* client.request({ method: "GET", path: "/api/v1/namespaces/default/configmaps/nope" }).pipe(
        Effect.flip
      )
      expect(missing).toMatchObject({ _tag: "KubeApiError", status: 404, reason: "NotFound" })
      const conflict = yield* client.request({
        method: "POST",
        path: "/api/v1/namespaces/default/configmaps",
        body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }
      }).pipe(Effect.flip)
      expect(conflict).toMatchObject({ _tag: "KubeApiError", status: 409, reason: "AlreadyExists" })
      // A write whose answer the caller ignores is still made, and still fails typed.
      const patch = (name: string) =>
        client.request({
          method: "PATCH",
          path: `/api/v1/namespaces/default/configmaps/${name}`,
          body: { data: { b: "2" } },
          contentType: "application/merge-patch+json",
          ignoreAnswer: true
        })
      expect(yield* patch("c")).toBeUndefined()
      expect(sim.get("v1/ConfigMap", "default", "c")).toMatchObject({ data: { a: "1", b: "2" } })
      expect(yield* patch("nope").pipe(Effect.flip)).toMatchObject({ _tag: "KubeApiError", status: 404 })
    })))

  it.live("keeps one connection for a run of requests, one more for an open watch", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" } })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(sim.kubeconfig("token-ako"))))
      for (let i = 0; i < 5; i++) yield* client.request({ method: "GET", path: "/api/v1/namespaces" })
      expect(sim.connectionsAccepted()).toBe(1)
      // the bearer token still goes on every request
      expect(sim.requestLog().filter((entry) => entry.user === "ako-0")).toHaveLength(5)
      const watching = yield* Effect.fork(Stream.runDrain(client.watch("/api/v1/namespaces", {})))
      yield* eventually(() => sim.openWatches() === 1 || undefined, "watch open")
      for (let i = 0; i < 3; i++) yield* client.request({ method: "GET", path: "/api/v1/namespaces" })
      expect(sim.connectionsAccepted()).toBe(2)
      yield* Fiber.interrupt(watching)
      yield* eventually(() => sim.openWatches() === 0 || undefined, "watch closed by the interruption")
    })))

  it.live("watches deliver the server's events in order, and a refused watch says why", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" } })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(sim.kubeconfig("token-ako"))))
      const listed = (yield* client.request({ method: "GET", path: "/api/v1/namespaces/default/configmaps" })) as {
        metadata: { resourceVersion: string }
      }
      const events: Array<string> = []
      yield* Effect.fork(
        Stream.runForEach(
          client.watch("/api/v1/namespaces/default/configmaps", { resourceVersion: listed.metadata.resourceVersion }),
          (event) =>
            Effect.sync(() =>
              events.push(`${event.type} ${(event.object as { metadata: { name: string } }).metadata.name}`)
            )
        )
      )
      yield* eventually(() => sim.openWatches() === 1 || undefined, "watch open")
      // a name with multi-byte characters in its data: the stream is decoded as UTF-8 across chunks
      for (const name of ["a", "b", "c"]) {
        sim.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { v: "é✓" } })
      }
      sim.delete("v1/ConfigMap", "default", "b")
      yield* eventually(() => events.length === 4 || undefined, "four events")
      expect(events).toEqual(["ADDED a", "ADDED b", "ADDED c", "DELETED b"])
      const refused = yield* Stream.runDrain(client.watch("/apis/example.com/v1/widgets", {})).pipe(Effect.flip)
      expect(refused).toMatchObject({ _tag: "KubeApiError", status: 404, reason: "NotFound" })
    })))

  it.live("reports an unreachable server as a transport error", () =>
    Effect.gen(function*() {
      const kubeconfig = yield* Effect.scoped(Effect.map(makeKubeSim(), (sim) => sim.kubeconfig()))
      // the simulator is closed now: its port refuses connections
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(kubeconfig)))
      const error = yield* client.request({ method: "GET", path: "/api/v1/namespaces" }).pipe(Effect.flip)
      expect(error._tag).toBe("KubeTransportError")
    }))

  it.live("a request Node refuses to send fails with a transport error that does not show the token", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeKubeSim()
      const kubeconfig = sim.kubeconfig().replace(/token: ".*"/, "token: \"secret-part\\nrest\"")
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(kubeconfig)))
      const error = yield* client.request({ method: "GET", path: "/api/v1/namespaces" }).pipe(Effect.flip)
      expect(error._tag).toBe("KubeTransportError")
      expect(error.message).toMatch(/invalid character in header/i)
      expect(error.message).not.toContain("secret-part")
      const watchError = yield* Stream.runDrain(client.watch("/api/v1/namespaces", {})).pipe(Effect.flip)
      expect(watchError._tag).toBe("KubeTransportError")
    })))

  it.live("interrupting a request aborts it on the wire", () =>
    Effect.scoped(Effect.gen(function*() {
      const sim = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" } })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(sim.kubeconfig("token-ako"))))
      sim.faults.blackhole("ako-0")
      const fiber = yield* Effect.fork(client.request({ method: "GET", path: "/api/v1/namespaces" }))
      const entry = yield* eventually(() => sim.requestLog().find((e) => e.user === "ako-0"), "request arrives")
      expect(entry.endMs).toBeNull()
      yield* Fiber.interrupt(fiber)
      // the server sees the connection go while the black-hole is still in place
      yield* eventually(() => sim.requestLog().find((e) => e.user === "ako-0")?.endMs ?? undefined, "request aborted")
      sim.faults.clear()
    })))
})
