import { execFile } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { kubectlPath } from "../../support/kube-tools.js"

const run = promisify(execFile)

const crdDir = join(import.meta.dirname, "..", "..", "fixtures", "ako-crds")

let sim: RunningKubeSim
let dir: string
let kubeconfig: string

beforeAll(async () => {
  sim = await startKubeSim()
  dir = mkdtempSync(join(tmpdir(), "kube-sim-kubectl-crd-"))
  kubeconfig = join(dir, "kubeconfig")
  sim.writeKubeconfig(kubeconfig)
})
afterAll(async () => {
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

// One cache directory for the whole file, as one user's kubectl would have: discovery learned before a CRD existed
// must not hide the new resource afterwards.
const kubectl = async (...args: Array<string>): Promise<string> => {
  const { stdout } = await run(
    kubectlPath(),
    ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args],
    {
      timeout: 30_000
    }
  )
  return stdout
}

const failure = (...args: Array<string>): Promise<string> =>
  kubectl(...args).then(
    (stdout) => {
      throw new Error(`kubectl ${args.join(" ")} succeeded: ${stdout}`)
    },
    (error: { stderr: string }) => error.stderr
  )

const file = (name: string, lines: ReadonlyArray<string>): string => {
  const path = join(dir, name)
  writeFileSync(path, [...lines, ""].join("\n"))
  return path
}

describe("kubectl against CustomResourceDefinitions and field selectors in the kube sim", () => {
  it("installs AKO's CRD manifests with apply, then applies, lists and reads a HostRule", async () => {
    expect(await kubectl("get", "namespaces")).toContain("default")
    const manifests = readdirSync(crdDir).filter((f) => f.endsWith(".yaml")).sort()
    expect(manifests).toHaveLength(6)
    const applied = await kubectl("apply", ...manifests.flatMap((f) => ["-f", join(crdDir, f)]))
    for (
      const name of ["aviinfrasettings", "hostrules", "httprules", "l4rules", "l7rules", "ssorules"]
    ) expect(applied).toContain(`customresourcedefinition.apiextensions.k8s.io/${name}.ako.vmware.com created`)

    const established = await kubectl(
      "get",
      "crd",
      "hostrules.ako.vmware.com",
      "-o",
      "jsonpath={.status.conditions[?(@.type==\"Established\")].status}"
    )
    expect(established).toBe("True")

    const hostRule = file("hostrule.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: HostRule",
      "metadata: {name: secure-web, namespace: default}",
      "spec:",
      "  virtualhost:",
      "    fqdn: web.example.com",
      "    tls: {sslKeyCertificate: {name: web-cert, type: ref}}"
    ])
    expect(await kubectl("apply", "-f", hostRule)).toContain("hostrule.ako.vmware.com/secure-web created")
    const stored = sim.get("ako.vmware.com/v1beta1/HostRule", "default", "secure-web")
    expect((stored?.["spec"] as { virtualhost: Record<string, unknown> }).virtualhost["fqdnType"]).toBe("Exact")

    sim.updateStatus({ ...stored!, status: { status: "Accepted", error: "" } })
    const listed = await kubectl("get", "hostrules", "-n", "default")
    expect(listed).toMatch(/^NAME\s+HOST\s+STATUS\s+AGE\n/)
    expect(listed).toMatch(/secure-web\s+web\.example\.com\s+Accepted\s+\d+s/)
    expect(await kubectl("get", "hr", "secure-web", "-o", "jsonpath={.spec.virtualhost.fqdn}")).toBe("web.example.com")

    // Re-applying a changed manifest patches the object (a merge patch: custom resources take no strategic one).
    writeFileSync(hostRule, readFileSync(hostRule, "utf8").replace("web.example", "www.example"))
    expect(await kubectl("apply", "-f", hostRule)).toContain("hostrule.ako.vmware.com/secure-web configured")
    expect(await kubectl("get", "hostrule", "secure-web", "-o", "jsonpath={.spec.virtualhost.fqdn}")).toBe(
      "www.example.com"
    )
  })

  it("shows the server's schema validation message for a bad HostRule", async () => {
    const bad = file("bad-hostrule.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: HostRule",
      "metadata: {name: bad, namespace: default}",
      "spec: {virtualhost: {fqdn: a.example.com, fqdnType: Regex}}"
    ])
    const stderr = await failure("apply", "-f", bad)
    expect(stderr).toContain(
      "The HostRule \"bad\" is invalid: spec.virtualhost.fqdnType: Unsupported value: \"Regex\": supported values: " +
        "\"Exact\", \"Wildcard\", \"Contains\""
    )
  })

  it("describes a Service with the Events found by its uid", async () => {
    const service = sim.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "shop", namespace: "default" },
      spec: { type: "LoadBalancer", ports: [{ name: "https", port: 443 }] }
    })
    const uid = service.metadata!.uid!
    const event = (name: string, involvedUid: string, message: string) =>
      sim.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace: "default" },
        involvedObject: { kind: "Service", namespace: "default", name: "shop", uid: involvedUid, apiVersion: "v1" },
        reason: "Synced",
        message,
        type: "Normal",
        source: { component: "avi-k8s-controller" },
        firstTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        lastTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        count: 1
      })
    event("shop.1", uid, "Added virtualservice cluster--default-shop")
    // An Event about an earlier Service of the same name: describe selects by uid, so it must not show.
    event("shop.2", "00000000-0000-0000-0000-000000000000", "about the previous shop")

    const described = await kubectl("describe", "svc", "shop", "-n", "default")
    expect(described).toMatch(/Name:\s+shop/)
    expect(described).toMatch(/Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/)
    expect(described).toMatch(/Normal\s+Synced\s+\S+\s+avi-k8s-controller\s+Added virtualservice cluster--default-shop/)
    expect(described).not.toContain("about the previous shop")
    const describeList = sim.requestLog().find((e) => e.resource === "events" && e.verb === "list")
    expect(describeList?.query["fieldSelector"]).toContain(`involvedObject.uid=${uid}`)
  })

  it("lists Secrets with AKO's type!= field selector", async () => {
    sim.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "avi-secret", namespace: "default" } })
    sim.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "sh.helm.release.v1.ako.v1", namespace: "default" },
      type: "helm.sh/release.v1",
      data: { release: "H4sI" }
    })
    const listed = await kubectl("get", "secrets", "-n", "default", "--field-selector", "type!=helm.sh/release.v1")
    expect(listed).toMatch(/avi-secret\s+Opaque\s+0/)
    expect(listed).not.toContain("sh.helm.release")
    const helm = await kubectl("get", "secrets", "-n", "default", "--field-selector", "type=helm.sh/release.v1")
    expect(helm).toContain("sh.helm.release.v1.ako.v1")
    expect(await failure("get", "secrets", "--field-selector", "data.release=x")).toContain(
      "field label not supported: data.release"
    )
  })

  it("deletes a CRD with its objects; kubectl no longer finds the resource", async () => {
    sim.create({
      apiVersion: "ako.vmware.com/v1alpha2",
      kind: "L7Rule",
      metadata: { name: "tuning", namespace: "default" },
      spec: {}
    })
    expect(await kubectl("get", "l7rules", "-n", "default", "-o", "name")).toBe("l7rule.ako.vmware.com/tuning\n")
    expect(await kubectl("delete", "crd", "l7rules.ako.vmware.com")).toContain("deleted")
    expect(await failure("get", "l7rules.ako.vmware.com", "-n", "default")).toContain(
      "the server doesn't have a resource type \"l7rules\""
    )
  })
})
