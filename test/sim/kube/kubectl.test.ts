import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningKubeSim } from "../../../src/sim/kube/index.js"
import { kubectlPath } from "../../support/kube-tools.js"
import { eventually, type KubectlSim, startKubectlSim } from "./_support.js"

let sim: RunningKubeSim
let dir: string
let kubeconfig: string
let env: KubectlSim

beforeAll(async () => {
  env = await startKubectlSim("kube-sim-kubectl-", { tokens: { "operator-token": "operator" }, user: "operator" })
  ;({ sim, dir, kubeconfig } = env)
})
afterAll(() => env.close())

// A private cache directory keeps kubectl's discovery cache from leaking between test runs.
const kubectl = async (...args: Array<string>): Promise<string> => (await env.kubectl(...args)).stdout

const manifest = (name: string, data: Record<string, string>): string => {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      `  name: ${name}`,
      "  namespace: default",
      "data:",
      ...Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`),
      ""
    ].join("\n")
  )
  return file
}

describe("the real kubectl against the kube sim", () => {
  it("gets namespaces and reports the server version", async () => {
    const namespaces = await kubectl("get", "namespaces")
    expect(namespaces).toMatch(/^NAME\s+STATUS\s+AGE\n/)
    expect(namespaces).toMatch(/kube-system\s+Active\s+\d+s/)
    expect(namespaces).toContain("kube-system")
    const version = await kubectl("version", "-o", "json")
    expect(JSON.parse(version).serverVersion.gitVersion).toBe("v1.34.0-ako-ts-sim")
  })

  it("creates and replaces from files, patches three ways and deletes", async () => {
    const file = manifest("demo", { a: "1" })
    expect(await kubectl("create", "-f", file)).toContain("configmap/demo created")
    expect(sim.get("v1/ConfigMap", "default", "demo")?.["data"]).toEqual({ a: "1" })

    expect(await kubectl("replace", "-f", manifest("demo", { a: "2" }))).toContain("configmap/demo replaced")
    expect(sim.get("v1/ConfigMap", "default", "demo")?.["data"]).toEqual({ a: "2" })

    await kubectl("patch", "configmap", "demo", "-p", "{\"data\":{\"b\":\"3\"}}")
    await kubectl("patch", "configmap", "demo", "--type", "merge", "-p", "{\"data\":{\"c\":\"4\"}}")
    await kubectl("patch", "configmap", "demo", "--type", "json", "-p", "[{\"op\":\"remove\",\"path\":\"/data/a\"}]")
    expect(sim.get("v1/ConfigMap", "default", "demo")?.["data"]).toEqual({ b: "3", c: "4" })
    expect(JSON.parse(await kubectl("get", "configmap", "demo", "-o", "json")).data).toEqual({ b: "3", c: "4" })

    expect(await kubectl("delete", "configmap", "demo")).toContain("configmap \"demo\" deleted")
    expect(sim.get("v1/ConfigMap", "default", "demo")).toBeUndefined()
    const users = new Set(sim.requestLog().map((e) => e.user))
    expect([...users]).toEqual(["operator"])
  })

  it("shows server errors the way kubectl shows a real cluster's", async () => {
    const failure = await kubectl("get", "lease", "missing").then(() => "", (error: { stderr: string }) => error.stderr)
    expect(failure).toContain("Error from server (NotFound): leases.coordination.k8s.io \"missing\" not found")
  })

  it("reads Leases written by another client, with MicroTime intact", async () => {
    sim.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "ako-lease-lock", namespace: "avi-system" },
      spec: { holderIdentity: "ako-0", leaseDurationSeconds: 15, renewTime: "2026-01-02T03:04:05.123456Z" }
    })
    const lease = JSON.parse(await kubectl("get", "lease", "ako-lease-lock", "-n", "avi-system", "-o", "json"))
    expect(lease.spec.renewTime).toBe("2026-01-02T03:04:05.123456Z")
  })

  it("applies client-side and server-side without losing fields the manifest keeps", async () => {
    const file = join(dir, "deployment.yaml")
    const write = (image: string) =>
      writeFileSync(
        file,
        [
          "apiVersion: apps/v1",
          "kind: Deployment",
          "metadata: {name: web, namespace: default}",
          "spec:",
          "  replicas: 1",
          "  selector: {matchLabels: {app: web}}",
          "  template:",
          "    metadata: {labels: {app: web}}",
          "    spec:",
          `      containers: [{name: web, image: "${image}", ports: [{containerPort: 80}]}]`,
          ""
        ].join("\n")
      )
    write("nginx:1")
    expect(await kubectl("apply", "-f", file)).toContain("deployment.apps/web created")
    write("nginx:2")
    expect(await kubectl("apply", "-f", file)).toContain("deployment.apps/web configured")
    const spec = (sim.get("apps/v1/Deployment", "default", "web")?.["spec"]) as {
      template: { spec: { containers: Array<Record<string, unknown>> } }
    }
    expect(spec.template.spec.containers).toEqual([{ name: "web", image: "nginx:2", ports: [{ containerPort: 80 }] }])
    expect(await kubectl("apply", "--server-side", "-f", file)).toContain("serverside-applied")
    expect(sim.get("apps/v1/Deployment", "default", "web")?.metadata?.generation).toBe(2)
  })

  it("follows changes with get -w, including status written by another client", async () => {
    const child = spawn(kubectlPath(), [
      "--kubeconfig",
      kubeconfig,
      "--cache-dir",
      join(dir, "cache"),
      "get",
      "services",
      "-n",
      "default",
      "-w"
    ])
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    try {
      await eventually(
        () => (sim.requestLog().some((e) => e.watch && e.resource === "services") ? true : undefined),
        15_000,
        "kubectl's watch"
      )
      const service = sim.create({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "watched", namespace: "default" },
        spec: { type: "LoadBalancer", ports: [{ port: 443 }] }
      })
      await eventually(
        () => (/watched\s+LoadBalancer\s+\S+\s+<pending>\s+443\/TCP/.test(stdout) ? true : undefined),
        15_000,
        "the new Service"
      )
      sim.updateStatus({ ...service, status: { loadBalancer: { ingress: [{ ip: "10.50.0.9" }] } } })
      await eventually(
        () => (/watched\s+LoadBalancer\s+\S+\s+10\.50\.0\.9/.test(stdout) ? true : undefined),
        15_000,
        "the VIP"
      )
    } finally {
      child.kill("SIGTERM")
    }
  })
})
