import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningKubeSim } from "../../../src/sim/kube/index.js"
import { type KubectlSim, startKubectlSim } from "./_support.js"

// ako-ts's own CRD manifests, schema-compatible with AKO 2.2.1's (deploy/crds/README.md).
const crdDir = join(import.meta.dirname, "..", "..", "..", "deploy", "crds")

let sim: RunningKubeSim
let dir: string
let env: KubectlSim

beforeAll(async () => {
  env = await startKubectlSim("kube-sim-kubectl-crd-", { timeoutMs: 30_000 })
  ;({ sim, dir } = env)
})
afterAll(() => env.close())

// One cache directory for the whole file, as one user's kubectl would have: discovery learned before a CRD existed
// must not hide the new resource afterwards.
const kubectl = async (...args: Array<string>): Promise<string> => (await env.kubectl(...args)).stdout

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
  it("installs all six CRDs with `kubectl apply -f deploy/crds/`, established, with AKO's names", async () => {
    expect(await kubectl("get", "namespaces")).toContain("default")
    // The directory as a user applies it: only the six manifests are objects (README.md and the extensionless
    // Kustomization are not read by -f).
    expect(readdirSync(crdDir).filter((f) => f.endsWith(".yaml"))).toHaveLength(6)
    const applied = await kubectl("apply", "-f", `${crdDir}/`)
    expect(applied.trim().split("\n").sort()).toEqual(
      ["aviinfrasettings", "hostrules", "httprules", "l4rules", "l7rules", "ssorules"].map((name) =>
        `customresourcedefinition.apiextensions.k8s.io/${name}.ako.vmware.com created`
      )
    )
    const established = await kubectl(
      "get",
      "crd",
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type==\"Established\")].status}{\"\\n\"}{end}"
    )
    expect(established.trim().split("\n").filter((line) => line.includes(".ako.vmware.com=")).sort()).toEqual(
      ["aviinfrasettings", "hostrules", "httprules", "l4rules", "l7rules", "ssorules"].map((name) =>
        `${name}.ako.vmware.com=True`
      )
    )
    // Names, short names and scope as kubectl discovers them.
    const resources = await kubectl("api-resources", "--api-group=ako.vmware.com", "--no-headers")
    const rows = resources.trim().split("\n").map((line) => line.trim().split(/\s+/)).sort((a, b) =>
      a[0]!.localeCompare(b[0]!)
    )
    expect(rows).toEqual([
      ["aviinfrasettings", "ako.vmware.com/v1beta1", "false", "AviInfraSetting"],
      ["hostrules", "hostrule,hr", "ako.vmware.com/v1beta1", "true", "HostRule"],
      ["httprules", "httprule", "ako.vmware.com/v1beta1", "true", "HTTPRule"],
      ["l4rules", "l4rule", "ako.vmware.com/v1alpha2", "true", "L4Rule"],
      ["l7rules", "l7rule", "ako.vmware.com/v1alpha2", "true", "L7Rule"],
      ["ssorules", "ssorule", "ako.vmware.com/v1alpha2", "true", "SSORule"]
    ])
    // Applying the same directory again changes nothing.
    expect((await kubectl("apply", "-f", `${crdDir}/`)).trim().split("\n").every((line) => line.endsWith(" unchanged")))
      .toBe(true)
  })

  it("applies, lists and reads a HostRule", async () => {
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

  it("accepts a HostRule and an AviInfraSetting with typical fields, defaulted as AKO's schemas default them", async () => {
    const hostRule = file("shop-hostrule.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: HostRule",
      "metadata: {name: shop, namespace: default}",
      "spec:",
      "  virtualhost:",
      "    fqdn: shop.example.com",
      "    enableVirtualHost: true",
      "    tls:",
      "      sslKeyCertificate:",
      "        name: shop-cert",
      "        type: secret",
      "        alternateCertificate: {name: shop-ec-cert, type: ref}",
      "      sslProfile: System-Standard-PFS",
      "      termination: edge",
      "    httpPolicy: {policySets: [shop-redirects], overwrite: false}",
      "    datascripts: [shop-rate-limit]",
      "    wafPolicy: shop-waf",
      "    applicationProfile: System-Secure-HTTP",
      "    analyticsProfile: System-Analytics-Profile",
      "    errorPageProfile: shop-errors",
      "    gslb: {fqdn: shop.global.example.com}",
      "    analyticsPolicy: {fullClientLogs: {enabled: true, throttle: LOW}, logAllHeaders: true}",
      "    tcpSettings: {listeners: [{port: 8443, enableSSL: true}, {port: 8080}], loadBalancerIP: 10.10.10.5}",
      "    aliases: [www.shop.example.com]"
    ])
    expect(await kubectl("apply", "-f", hostRule)).toBe("hostrule.ako.vmware.com/shop created\n")
    const virtualhost = JSON.parse(await kubectl("get", "hr", "shop", "-o", "jsonpath={.spec.virtualhost}"))
    expect(virtualhost).toMatchObject({
      fqdn: "shop.example.com",
      fqdnType: "Exact",
      tls: { sslKeyCertificate: { name: "shop-cert", type: "secret", alternateCertificate: { type: "ref" } } },
      gslb: { fqdn: "shop.global.example.com", includeAliases: false },
      analyticsPolicy: { fullClientLogs: { enabled: true, throttle: "LOW", duration: 0 }, logAllHeaders: true },
      tcpSettings: { listeners: [{ port: 8443, enableSSL: true }, { port: 8080 }], loadBalancerIP: "10.10.10.5" },
      aliases: ["www.shop.example.com"]
    })

    const infra = file("infra.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: AviInfraSetting",
      "metadata: {name: prod-infra}",
      "spec:",
      "  seGroup: {name: prod-seg}",
      "  network:",
      "    vipNetworks:",
      "      - {networkName: vip-net, cidr: 10.10.0.0/24}",
      "      - {networkUUID: dvportgroup-42-cloud-1234, v6cidr: '2001:db8::/64'}",
      "    nodeNetworks: [{networkName: node-net, cidrs: [10.0.0.0/24, 10.0.1.0/24]}]",
      "    enableRhi: true",
      "    bgpPeerLabels: [rack-1]",
      "    listeners: [{port: 443, enableSSL: true, enableHTTP2: true}, {port: 80}]",
      "  l7Settings: {shardSize: MEDIUM}",
      "  nsxSettings: {t1lr: /infra/tier-1s/avi-t1}"
    ])
    expect(await kubectl("apply", "-f", infra)).toBe("aviinfrasetting.ako.vmware.com/prod-infra created\n")
    const stored = sim.get("ako.vmware.com/v1beta1/AviInfraSetting", "", "prod-infra")
    expect((stored?.["spec"] as { network: { vipNetworks: Array<unknown> } }).network.vipNetworks).toEqual([
      { networkName: "vip-net", cidr: "10.10.0.0/24" },
      { networkUUID: "dvportgroup-42-cloud-1234", v6cidr: "2001:db8::/64" }
    ])
    sim.updateStatus({ ...stored!, status: { status: "Accepted", error: "" } })
    expect(await kubectl("get", "aviinfrasettings")).toMatch(/^NAME\s+STATUS\s+AGE\nprod-infra\s+Accepted\s+\d+s\n$/)
  })

  it("refuses wrong enum values and a network named twice with the server's messages, and stores nothing", async () => {
    const badInfra = file("bad-infra.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: AviInfraSetting",
      "metadata: {name: bad-infra}",
      "spec: {seGroup: {name: prod-seg}, l7Settings: {shardSize: HUGE}}"
    ])
    expect(await failure("apply", "-f", badInfra)).toContain(
      "The AviInfraSetting \"bad-infra\" is invalid: spec.l7Settings.shardSize: Unsupported value: \"HUGE\": " +
        "supported values: \"SMALL\", \"MEDIUM\", \"LARGE\", \"DEDICATED\""
    )
    const badCert = file("bad-cert.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: HostRule",
      "metadata: {name: bad-cert, namespace: default}",
      "spec: {virtualhost: {fqdn: a.example.com, tls: {sslKeyCertificate: {name: c, type: file}}}}"
    ])
    expect(await failure("apply", "-f", badCert)).toContain(
      "The HostRule \"bad-cert\" is invalid: spec.virtualhost.tls.sslKeyCertificate.type: Unsupported value: " +
        "\"file\": supported values: \"ref\", \"secret\""
    )
    // A VIP network by name and by UUID at once: the schema wants exactly one of the two.
    const twice = file("twice.yaml", [
      "apiVersion: ako.vmware.com/v1beta1",
      "kind: AviInfraSetting",
      "metadata: {name: twice}",
      "spec: {network: {vipNetworks: [{networkName: vip-net, networkUUID: dvportgroup-42}]}}"
    ])
    expect(await failure("apply", "-f", twice)).toContain(
      "must validate one and only one schema (oneOf). Found 2 valid alternatives"
    )
    for (
      const [kind, name] of [["AviInfraSetting", "bad-infra"], ["HostRule", "bad-cert"], ["AviInfraSetting", "twice"]]
    ) {
      expect(sim.get(`ako.vmware.com/v1beta1/${kind}`, kind === "HostRule" ? "default" : "", name!)).toBeUndefined()
    }
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
