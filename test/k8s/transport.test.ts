/** The Kubernetes transport over node:http/https: watch streams cut into lines, idle watches, pools per identity. */
import { describe, expect, it } from "@effect/vitest"
import { KubeConfig } from "@kubernetes/client-node"
import { Effect, Stream } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { KubeClient, kubeClientFromString } from "../../src/k8s/index.js"
import { makeKubeTargets, openWatch } from "../../src/k8s/transport.js"

const kubeconfigFor = (server: string, cluster: ReadonlyArray<string> = ["    insecure-skip-tls-verify: true"]) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    `    server: ${JSON.stringify(server)}`,
    ...cluster,
    "contexts:",
    "- name: c",
    "  context: { cluster: c, user: u }",
    "current-context: c",
    "users:",
    "- name: u",
    "  user: { token: t }",
    ""
  ].join("\n")

/** A plain HTTP server answering every request with `respond`; closed with the scope. */
const serve = (respond: (request: http.IncomingMessage, response: http.ServerResponse) => void) =>
  Effect.acquireRelease(
    Effect.async<http.Server>((resume) => {
      const server = http.createServer(respond)
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface WatchOutcome {
  readonly lines: Array<string>
  readonly end: "ended" | "failed" | "refused"
}

const watchLines = (server: string, idleTimeoutMs: number) =>
  Effect.gen(function*() {
    const kubeConfig = new KubeConfig()
    kubeConfig.loadFromString(kubeconfigFor(server))
    const target = yield* Effect.promise(() => makeKubeTargets(kubeConfig)("/api/v1/configmaps", { watch: "true" }))
    return yield* Effect.async<WatchOutcome>((resume) => {
      const lines: Array<string> = []
      const watch = openWatch(target, {}, idleTimeoutMs, {
        line: (text) => lines.push(text),
        refused: () => resume(Effect.succeed({ lines, end: "refused" })),
        failed: () => resume(Effect.succeed({ lines, end: "failed" })),
        ended: () => resume(Effect.succeed({ lines, end: "ended" }))
      })
      return Effect.sync(watch.close)
    })
  })

describe("Kubernetes transport", () => {
  it.scoped("a watch's lines arrive whole, however the bytes are cut", () =>
    Effect.gen(function*() {
      const events = [
        JSON.stringify({ type: "ADDED", object: { metadata: { name: "café-✓" } } }),
        JSON.stringify({ type: "MODIFIED", object: { metadata: { name: "𝔘nicode" } } }),
        JSON.stringify({ type: "DELETED", object: { metadata: { name: "last" } } })
      ]
      // CRLF after the second line, no line break after the last
      const bytes = Buffer.from(`${events[0]}\n${events[1]}\r\n${events[2]}`, "utf8")
      const server = yield* serve((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        void (async () => {
          // 7-byte pieces, each flushed on its own: cuts fall inside multi-byte characters and line breaks
          for (let at = 0; at < bytes.length; at += 7) {
            response.write(bytes.subarray(at, at + 7))
            await pause(1)
          }
          response.end()
        })()
      })
      const outcome = yield* watchLines(server, 5_000)
      expect(outcome).toEqual({ lines: events, end: "ended" })
    }))

  it.scoped("a watch silent for longer than its idle limit is closed and reported as ended", () =>
    Effect.gen(function*() {
      let closedByClient = false
      const server = yield* serve((request, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write(`${JSON.stringify({ type: "ADDED", object: {} })}\n`)
        request.socket.on("close", () => (closedByClient = true))
      })
      const outcome = yield* watchLines(server, 150)
      expect(outcome).toEqual({ lines: [JSON.stringify({ type: "ADDED", object: {} })], end: "ended" })
      yield* Effect.promise(async () => {
        for (let i = 0; i < 200 && !closedByClient; i++) await pause(10)
      })
      expect(closedByClient).toBe(true)
    }))

  it.scoped("a watch line that is not JSON fails the watch instead of dropping an event", () =>
    Effect.gen(function*() {
      const server = yield* serve((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write(`${JSON.stringify({ type: "ADDED", object: { metadata: { name: "a" } } })}\n{"type":"ADD\n`)
      })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(kubeconfigFor(server))))
      const seen: Array<string> = []
      const error = yield* Stream.runForEach(
        client.watch("/api/v1/configmaps", {}),
        (event) => Effect.sync(() => seen.push(event.type))
      ).pipe(Effect.flip)
      expect(seen).toEqual(["ADDED"])
      expect(error).toMatchObject({ _tag: "KubeTransportError", path: "/api/v1/configmaps" })
      expect(error.message).toContain("not JSON")
    }))

  it.effect("one keep-alive pool per client identity: a CA rewritten on disk gets a new one", () =>
    Effect.gen(function*() {
      const directory = mkdtempSync(join(tmpdir(), "ako-transport-"))
      const caFile = join(directory, "ca.pem")
      writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
      const kubeConfig = new KubeConfig()
      kubeConfig.loadFromString(kubeconfigFor("https://127.0.0.1:6443", [`    certificate-authority: ${caFile}`]))
      const targetOf = makeKubeTargets(kubeConfig)
      const agentOf = () =>
        Effect.promise(() => targetOf("/api", {})).pipe(Effect.map((target) => target.options.agent))
      const first = yield* agentOf()
      expect(first).toBeInstanceOf(http.Agent)
      expect((first as http.Agent & { keepAlive: boolean }).keepAlive).toBe(true)
      expect(yield* agentOf()).toBe(first)
      writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n")
      const second = yield* agentOf()
      expect(second).not.toBe(first)
      expect(yield* agentOf()).toBe(second)
    }))

  it.live("requests share one keep-alive connection of our own and carry the user's token", () =>
    Effect.gen(function*() {
      const connections = new Set<unknown>()
      const authorizations: Array<string | undefined> = []
      const server = yield* serve((request, response) => {
        connections.add(request.socket)
        authorizations.push(request.headers.authorization)
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ kind: "NamespaceList", items: [] }))
      })
      const client = yield* KubeClient.pipe(Effect.provide(kubeClientFromString(kubeconfigFor(server))))
      for (let i = 0; i < 3; i++) yield* client.request({ method: "GET", path: "/api/v1/namespaces" })
      expect(connections.size).toBe(1)
      expect(authorizations).toEqual(["Bearer t", "Bearer t", "Bearer t"])
      const target = yield* Effect.promise(() => makeKubeTargets(client.kubeConfig)("/api", {}))
      expect(target.connections).toBeDefined()
    }).pipe(Effect.scoped))

  it.effect("behind a proxy-url, client-node's tunnelling agent carries the request", () =>
    Effect.gen(function*() {
      const kubeConfig = new KubeConfig()
      kubeConfig.loadFromString(
        kubeconfigFor("https://10.0.0.1:6443", [
          "    insecure-skip-tls-verify: true",
          "    proxy-url: http://proxy:3128"
        ])
      )
      const target = yield* Effect.promise(() => makeKubeTargets(kubeConfig)("/api", {}))
      expect(target.options.agent?.constructor.name).toBe("HttpsProxyAgent")
      // Requests too: connections of our own would bypass the proxy.
      expect(target.connections).toBeUndefined()
      expect(target.options.headers).toMatchObject({ Authorization: "Bearer t" })
    }))
})
