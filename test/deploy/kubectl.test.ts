import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { loadYaml } from "@kubernetes/client-node"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { RunningKubeSim } from "../../src/sim/kube/index.js"
import { kubectlPath } from "../support/kube-tools.js"
import type { Manifest } from "./support.js"
import { BASE, chartObjects, deployResources, identify, plainObjects, renderChart } from "./support.js"

const run = promisify(execFile)

let workDir: string

interface Cluster {
  readonly sim: RunningKubeSim
  readonly kubectl: (args: ReadonlyArray<string>, input?: string) => Promise<string>
}

const clusters: Array<RunningKubeSim> = []

const cluster = async (name: string): Promise<Cluster> => {
  const sim = await startKubeSim({ extraResources: deployResources })
  clusters.push(sim)
  const kubeconfig = join(workDir, `${name}.kubeconfig`)
  sim.writeKubeconfig(kubeconfig)
  const kubectl = async (args: ReadonlyArray<string>, input?: string) => {
    const child = run(kubectlPath(), ["--kubeconfig", kubeconfig, ...args], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "", HOME: workDir, KUBECACHEDIR: join(workDir, `${name}-cache`) }
    })
    if (input !== undefined) {
      child.child.stdin!.end(input)
    }
    const { stdout } = await child
    return stdout
  }
  return { sim, kubectl }
}

/** Reads every object back with `kubectl get -o json` and checks what the server holds is what was sent. */
const readBack = async (target: Cluster, objects: ReadonlyArray<Manifest>) => {
  for (const object of objects) {
    // kind.version.group: kubectl resolves the singular name through discovery, so no plural table is needed here.
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : ["", object.apiVersion]
    const type = group === "" ? object.kind.toLowerCase() : `${object.kind.toLowerCase()}.${version}.${group}`
    const namespace = object.metadata.namespace
    // Read as the manifests were (support.ts): client-node's typed loader, so both sides have the same shape (it
    // renames some fields, e.g. a CRD schema's `enum` to `_enum`). JSON is YAML.
    const served = loadYaml<Manifest>(
      await target.kubectl(["get", type, object.metadata.name, ...(namespace ? ["-n", namespace] : []), "-o", "json"])
    )
    expect(served.kind, identify(object)).toBe(object.kind)
    expect(served.metadata.uid, identify(object)).toBeTypeOf("string")
    for (const field of ["spec", "data", "rules", "roleRef", "subjects"]) {
      if (object[field] !== undefined) expect(served[field], `${identify(object)} ${field}`).toEqual(object[field])
    }
  }
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "ako-ts-deploy-kubectl-"))
})

afterAll(async () => {
  await Promise.all(clusters.map((sim) => sim.close()))
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true })
})

describe("kubectl against the Kubernetes simulator", () => {
  it("applies the kustomize base and the Secret template, then reads every object back; a second apply is a no-op", async () => {
    const target = await cluster("plain")
    const applied = await target.kubectl(["apply", "-k", BASE])
    expect(applied).toContain("deployment.apps/ako-ts created")
    // The base includes deploy/crds: AKO's resources are served right away.
    expect(applied).toContain("customresourcedefinition.apiextensions.k8s.io/hostrules.ako.vmware.com created")
    expect(await target.kubectl(["get", "hostrules,aviinfrasettings", "-A", "-o", "name"])).toBe("")
    await target.kubectl(["apply", "-f", join(BASE, "secret.yaml")])
    const secret = JSON.parse(await target.kubectl(["get", "secret", "avi-secret", "-n", "avi-system", "-o", "json"]))
    // A real API server folds stringData into data; the simulator keeps stringData as sent.
    expect(Object.keys(secret.data ?? secret.stringData).sort())
      .toEqual(["authtoken", "certificateAuthorityData", "password", "username"])
    await readBack(target, plainObjects().filter((object) => object.kind !== "Secret"))
    const pdbVersion = () =>
      target.kubectl(["get", "pdb", "ako-ts", "-n", "avi-system", "-o", "jsonpath={.metadata.resourceVersion}"])
    const before = await pdbVersion()
    const again = await target.kubectl(["apply", "-k", BASE])
    // kubectl always re-sends a PDB's selector (its patch strategy is "replace"), so it says "configured"; the
    // object must still be unchanged on the server.
    expect(again.split("\n").filter((line) => line !== "" && !line.endsWith(" unchanged")))
      .toEqual(["poddisruptionbudget.policy/ako-ts configured"])
    expect(await pdbVersion()).toBe(before)
  })

  it("creates the chart rendered by helm template and reads every object back", async () => {
    const target = await cluster("chart")
    // As `helm install --create-namespace` does; the chart itself renders no Namespace.
    target.sim.ensureNamespace("avi-system")
    const created = await target.kubectl(["create", "-f", "-"], renderChart())
    const objects = chartObjects()
    expect(created.split("\n").filter((line) => line.endsWith(" created"))).toHaveLength(objects.length)
    await readBack(target, objects)
  })
})
