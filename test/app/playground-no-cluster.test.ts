/**
 * When a bare `ako-ts` runs the playground: only when nothing points at a cluster. A kubeconfig from the flag, from
 * KUBECONFIG or in ~/.kube means the user meant a real cluster.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { noClusterConfigured } from "../../src/app/playground/index.js"

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: real
  cluster:
    server: https://10.0.0.1:6443
contexts:
- name: real
  context:
    cluster: real
    user: me
current-context: real
users:
- name: me
  user:
    token: abc
`

/** Runs `effect` with HOME and KUBECONFIG replaced and outside any pod, restoring the environment afterwards. */
const withEnvironment = <A, E>(
  environment: { readonly HOME: string; readonly KUBECONFIG?: string },
  effect: Effect.Effect<A, E>
) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved = Object.fromEntries(
        ["HOME", "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"].map((
          key
        ) => [key, process.env[key]])
      )
      delete process.env["KUBERNETES_SERVICE_HOST"]
      delete process.env["KUBERNETES_SERVICE_PORT"]
      process.env["HOME"] = environment.HOME
      if (environment.KUBECONFIG === undefined) delete process.env["KUBECONFIG"]
      else process.env["KUBECONFIG"] = environment.KUBECONFIG
      return saved
    }),
    () => effect,
    (saved) =>
      Effect.sync(() => {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key]
          else process.env[key] = value
        }
      })
  )

describe("noClusterConfigured", () => {
  it.scoped("is true with no flag, no KUBECONFIG, no ~/.kube/config and no in-cluster account", () =>
    Effect.gen(function*() {
      const home = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "ako-ts-home-"))),
        (directory) => Effect.sync(() => rmSync(directory, { recursive: true, force: true }))
      )
      expect(yield* withEnvironment({ HOME: home }, noClusterConfigured(Option.none()))).toBe(true)

      mkdirSync(join(home, ".kube"))
      writeFileSync(join(home, ".kube", "config"), KUBECONFIG)
      expect(yield* withEnvironment({ HOME: home }, noClusterConfigured(Option.none()))).toBe(false)

      const elsewhere = join(home, "elsewhere.yaml")
      writeFileSync(elsewhere, KUBECONFIG)
      rmSync(join(home, ".kube"), { recursive: true })
      expect(yield* withEnvironment({ HOME: home, KUBECONFIG: elsewhere }, noClusterConfigured(Option.none())))
        .toBe(false)
      expect(yield* withEnvironment({ HOME: home }, noClusterConfigured(Option.some(elsewhere)))).toBe(false)
    }))
})
