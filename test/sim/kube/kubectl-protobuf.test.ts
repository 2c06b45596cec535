import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningKubeSim } from "../../../src/sim/kube/index.js"
import { type KubectlSim, startKubectlSim } from "./_support.js"

let sim: RunningKubeSim
let dir: string
let env: KubectlSim

beforeAll(async () => {
  env = await startKubectlSim("kube-sim-kubectl-pb-", { tokens: { "operator-token": "operator" }, user: "operator" })
  ;({ sim, dir } = env)
})
afterAll(() => env.close())

// A private cache directory keeps kubectl's discovery cache from leaking between test runs.
const kubectl = (...args: Array<string>): Promise<{ stdout: string; stderr: string }> => env.kubectl(...args)

const getJson = async (...args: Array<string>) => JSON.parse((await kubectl("get", ...args, "-o", "json")).stdout)

const failure = (call: Promise<unknown>): Promise<string> =>
  call.then(() => "", (error: { stderr: string }) => error.stderr)

const base64 = (text: string) => Buffer.from(text).toString("base64")

// kubectl 1.34's `create` subcommands send protobuf bodies and ask for protobuf answers; before the simulator spoke
// protobuf every one of them failed with 415.
describe("kubectl create against the kube sim, in protobuf", () => {
  it("creates a namespace, sending and receiving protobuf, and reads it back", async () => {
    const { stdout, stderr } = await kubectl("create", "namespace", "avi-system", "-v=8")
    expect(stdout).toBe("namespace/avi-system created\n")
    // -v=8 prints each request's and response's headers, one per tab-indented line: both bodies were protobuf.
    const headerOf = (line: string) =>
      new RegExp(
        `${line}[^\\n]*headers=<\\n(?:\\t[^\\n]*\\n)*?\\tContent-Type: application/vnd\\.kubernetes\\.protobuf\\n`
      )
    expect(stderr).toMatch(headerOf("\"Request\" verb=\"POST\""))
    expect(stderr).toMatch(headerOf("\"Response\" status=\"201 Created\""))
    const namespace = await getJson("namespace", "avi-system")
    expect(namespace).toMatchObject({
      kind: "Namespace",
      metadata: { name: "avi-system" },
      status: { phase: "Active" }
    })
    expect(namespace.metadata.uid).toBe(sim.get("v1/Namespace", undefined, "avi-system")?.metadata?.uid)
  })

  it("creates a configmap from literals", async () => {
    const { stdout } = await kubectl(
      "create",
      "configmap",
      "avi-k8s-config",
      "-n",
      "default",
      "--from-literal=controllerIP=10.0.0.10",
      "--from-literal=clusterName=cluster-1",
      "--from-literal=empty="
    )
    expect(stdout).toBe("configmap/avi-k8s-config created\n")
    const configMap = await getJson("configmap", "avi-k8s-config", "-n", "default")
    expect(configMap.data).toEqual({ controllerIP: "10.0.0.10", clusterName: "cluster-1", empty: "" })
    expect(sim.get("v1/ConfigMap", "default", "avi-k8s-config")?.["data"]).toEqual(configMap.data)
  })

  it("creates avi-secret as the README's install step does, bytes intact", async () => {
    const ca = join(dir, "ca.pem")
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUexample\n-----END CERTIFICATE-----\n"
    writeFileSync(ca, pem)
    const { stdout } = await kubectl(
      "create",
      "secret",
      "generic",
      "avi-secret",
      "-n",
      "default",
      "--from-literal=username=admin",
      "--from-literal=password=p@ss w0rd'\"",
      `--from-file=certificateAuthorityData=${ca}`
    )
    expect(stdout).toBe("secret/avi-secret created\n")
    const secret = await getJson("secret", "avi-secret", "-n", "default")
    expect(secret.data).toEqual({
      username: base64("admin"),
      password: base64("p@ss w0rd'\""),
      certificateAuthorityData: base64(pem)
    })
    expect(sim.get("v1/Secret", "default", "avi-secret")?.["data"]).toEqual(secret.data)
  })

  it("creates a service account", async () => {
    expect((await kubectl("create", "serviceaccount", "ako-sa", "-n", "default")).stdout)
      .toBe("serviceaccount/ako-sa created\n")
    const serviceAccount = await getJson("serviceaccount", "ako-sa", "-n", "default")
    expect(serviceAccount).toMatchObject({ kind: "ServiceAccount", metadata: { name: "ako-sa", namespace: "default" } })
    expect((await kubectl("get", "sa", "ako-sa", "-n", "default")).stdout).toMatch(
      /^NAME\s+SECRETS\s+AGE\nako-sa\s+0\s+/
    )
  })

  it("creates a ClusterIP service with its ports, selector and an allocated cluster IP", async () => {
    expect(
      (await kubectl("create", "service", "clusterip", "web", "-n", "default", "--tcp=80:8080", "--tcp=443:8443"))
        .stdout
    ).toBe("service/web created\n")
    const service = await getJson("service", "web", "-n", "default")
    expect(service.metadata.labels).toEqual({ app: "web" })
    expect(service.spec).toMatchObject({
      type: "ClusterIP",
      selector: { app: "web" },
      ports: [
        { name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 },
        { name: "443-8443", protocol: "TCP", port: 443, targetPort: 8443 }
      ]
    })
    expect(service.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/)
  })

  it("shows errors sent as protobuf Status the way kubectl shows a real cluster's", async () => {
    await kubectl("create", "namespace", "twice")
    expect(await failure(kubectl("create", "namespace", "twice")))
      .toContain("Error from server (AlreadyExists): namespaces \"twice\" already exists")
    expect(await failure(kubectl("create", "configmap", "x", "-n", "missing", "--from-literal=a=b")))
      .toContain("namespaces \"missing\" not found")
  })
})
