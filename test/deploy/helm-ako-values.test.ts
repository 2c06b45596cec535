/**
 * The chart reads an AKO values file as AKO 2.2.1's chart does: its defaults, its string booleans, its credentials,
 * and it refuses what ako-ts cannot do (missing required values, AKO's image, unsupported keys) with a message.
 */
import { describe, expect, it } from "@effect/vitest"
import { loadAllYaml, loadYaml } from "@kubernetes/client-node"
import { Either, Redacted } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  decodeAkoConfig,
  decodeAviCredentials,
  UNSUPPORTED_HELM_ONLY_VALUES,
  UNSUPPORTED_KEYS
} from "../../src/config/index.js"
import type { Manifest } from "./support.js"
import { CHART, chartObjects, find, renderChart, REPO } from "./support.js"

/** AKO 2.2.1's own values.yaml, unchanged (test/fixtures/ako-golden is a copy of the shared golden fixture). */
const AKO_VALUES = join(REPO, "test", "fixtures", "ako-golden", "ako-2.2.1-values.yaml")

const writeValues = (yaml: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), "ako-ts-values-")), "values.yaml")
  writeFileSync(file, yaml)
  return file
}

/** helm's error output when the chart refuses the values, or "rendered". */
const renderFailure = (options: Parameters<typeof renderChart>[0]): string => {
  try {
    renderChart(options)
    return "rendered"
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr)
  }
}

const configMapData = (objects: ReadonlyArray<Manifest>) =>
  find(objects, "ConfigMap", "avi-k8s-config")["data"] as Record<string, string>

const secretData = (objects: ReadonlyArray<Manifest>) =>
  objects.find((object) => object.kind === "Secret" && object.metadata.name === "avi-secret")?.["data"] as
    | Record<string, string>
    | undefined

/** The ConfigMap AKO 2.2.1's chart rendered for the golden recording. */
const goldenConfigMap = (): Record<string, string> => {
  const documents = loadAllYaml(
    readFileSync(join(REPO, "test", "fixtures", "ako-golden", "inputs.yaml"), "utf8")
  ) as ReadonlyArray<Manifest & { data?: Record<string, string> }>
  const found = documents.find((doc) => doc.kind === "ConfigMap" && doc.metadata.name === "avi-k8s-config")
  if (found?.data === undefined) throw new Error("inputs.yaml has no ConfigMap avi-k8s-config")
  return found.data
}

/** The values the golden recording gave AKO's chart on top of its defaults (ako-golden/README.md), with the image. */
const recordingValues = `
image:
  repository: registry.example/ako-ts
AKOSettings: {clusterName: c1, logLevel: DEBUG, apiServerPort: 26080}
ControllerSettings: {controllerHost: "127.0.0.1:26011", cloudName: Default-Cloud}
NetworkSettings: {vipNetworkList: [{networkName: vip-network, cidr: 10.50.0.0/16}]}
avicredentials: {username: admin, password: test-password}
`

/** Every leaf of a values tree by dotted path; lists and empty maps are leaves. */
const leaves = (value: unknown, prefix = ""): Map<string, unknown> => {
  const out = new Map<string, unknown>()
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      for (const [path, leaf] of leaves(child, prefix === "" ? key : `${prefix}.${key}`)) out.set(path, leaf)
    }
  } else {
    out.set(prefix, value)
  }
  return out
}

describe("the chart with AKO 2.2.1's values file", () => {
  it("refuses AKO's values file as it is, naming every value to change (and only those) in one message", () => {
    const message = renderFailure({ bare: true, values: AKO_VALUES })
    expect(message).toContain("ako-ts cannot be installed with these values")
    expect(message).toContain("ControllerSettings.controllerHost is missing")
    expect(message).toContain("NetworkSettings.vipNetworkList is missing")
    expect(message).toContain("image.repository = \"10.79.172.11:5000/avi-buildops/ako\" is AKO's image")
    // AKO's defaults for the keys ako-ts does not implement are accepted, and clusterName has AKO's placeholder.
    expect(message).not.toContain("not supported")
    expect(message).not.toContain("clusterName")
  })

  it("with the recording's values renders the ConfigMap AKO's chart rendered, key for key", () => {
    const objects = chartObjects({ bare: true, values: [AKO_VALUES, writeValues(recordingValues)] })
    const ours = configMapData(objects)
    const akos = goldenConfigMap()
    const shared = Object.keys(ours).filter((key) => key in akos)
    // Not vacuous: every key ako-ts renders that AKO's chart also has, which is nearly all of them.
    expect(shared.length).toBeGreaterThanOrEqual(22)
    expect(Object.fromEntries(shared.map((key) => [key, ours[key]])))
      .toEqual(Object.fromEntries(shared.map((key) => [key, akos[key]])))
    // The keys only ako-ts renders: NodePort selection (AKO renders it in NodePort mode only) and the Lease timing.
    expect(Object.keys(ours).filter((key) => !(key in akos)).sort())
      .toEqual(["leaseDuration", "nodeKey", "nodeValue", "renewDeadline", "retryPeriod"])
    const config = decodeAkoConfig({ configMap: ours, env: {} })
    expect(Either.isRight(config), Either.isLeft(config) ? config.left.message : "").toBe(true)
    expect(find(objects, "IngressClass", "avi-lb").metadata["annotations"])
      .toEqual({ "ingressclass.kubernetes.io/is-default-class": "true" })
    expect(Object.keys(secretData(objects) ?? {}).sort()).toEqual(["password", "username"])
  })

  it("has AKO 2.2.1's defaults for every value both charts have, except the documented deliberate differences", () => {
    const oursTree = loadYaml(readFileSync(join(CHART, "values.yaml"), "utf8"))
    const akos = leaves(loadYaml(readFileSync(AKO_VALUES, "utf8")))
    // AKO's leaves looked up in ako-ts's tree, so a subtree ako-ts fills where AKO has {} is compared too.
    const ours = new Map(
      [...akos.keys()].flatMap((path) => {
        const value = path.split(".").reduce<unknown>(
          (node, key) => node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
          oursTree
        )
        return value === undefined ? [] : [[path, value] as const]
      })
    )
    // Each one is explained at the top of deploy/helm/ako-ts/values.yaml.
    const deliberate = [
      "replicaCount",
      "image.repository",
      "AKOSettings.clusterName",
      "resources.limits.memory",
      "resources.requests.cpu",
      "resources.requests.memory",
      "podSecurityContext"
    ]
    const shared = [...ours.keys()]
    expect(shared).toEqual(expect.arrayContaining([
      "L7Settings.shardVSSize",
      "L7Settings.defaultIngController",
      "L4Settings.autoFQDN",
      "L4Settings.defaultLBController",
      "AKOSettings.logLevel",
      "AKOSettings.disableStaticRouteSync",
      "ControllerSettings.cloudName",
      "avicredentials.authtoken"
    ]))
    const differing = shared.filter((path) => JSON.stringify(ours.get(path)) !== JSON.stringify(akos.get(path)))
    expect(differing.sort()).toEqual([...deliberate].sort())
    expect(ours.get("L7Settings.shardVSSize")).toBe("LARGE")
    expect(ours.get("L4Settings.autoFQDN")).toBe("default")
  })
})

describe("string booleans as AKO's templates read them", () => {
  const isDefaultClass = (value: string) => {
    const objects = chartObjects({ values: writeValues(`L7Settings: {defaultIngController: ${value}}\n`) })
    return find(objects, "IngressClass", "avi-lb").metadata["annotations"] !== undefined
  }

  it("makes avi-lb the default IngressClass for \"true\" only, not for the string \"false\"", () => {
    expect(isDefaultClass("\"true\"")).toBe(true)
    expect(isDefaultClass("\"false\"")).toBe(false)
    // AKO's `eq` errors on a YAML boolean; ako-ts reads it like its string.
    expect(isDefaultClass("true")).toBe(true)
    expect(isDefaultClass("false")).toBe(false)
    // AKO compares with "true" exactly.
    expect(isDefaultClass("\"True\"")).toBe(false)
    expect(isDefaultClass("null")).toBe(false)
  })

  it("passes string booleans into the ConfigMap as the strings the controller reads", () => {
    const data = configMapData(chartObjects({
      values: writeValues(
        "AKOSettings: {layer7Only: \"true\", disableStaticRouteSync: true, deleteConfig: false}\n" +
          "L4Settings: {defaultLBController: \"false\"}\n"
      )
    }))
    expect(data).toMatchObject({
      layer7Only: "true",
      disableStaticRouteSync: "true",
      deleteConfig: "false",
      defaultLBController: "false"
    })
    const config = Either.getOrThrow(decodeAkoConfig({ configMap: data, env: {} }))
    expect([config.layer7Only, config.disableStaticRouteSync, config.defaultLBController]).toEqual([true, true, false])
  })

  it("renders an unset (null) value as an empty string, not \"<nil>\"", () => {
    const data = configMapData(chartObjects({ values: writeValues("ControllerSettings: {controllerVersion: null}\n") }))
    expect(data["controllerVersion"]).toBe("")
    expect(Object.values(data).join()).not.toContain("<nil>")
  })
})

describe("avicredentials", () => {
  const decodeSecret = (data: Record<string, string>) =>
    decodeAviCredentials({
      secret: Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Redacted.make(Buffer.from(value, "base64").toString("utf8"))])
      ),
      secretNamespace: "avi-system",
      env: { username: undefined, password: undefined, authToken: undefined, caData: undefined }
    })

  it("leaves empty authtoken and certificateAuthorityData out of avi-secret instead of base64 of \"\" or <nil>", () => {
    for (
      const empties of ["authtoken: \"\"\n  certificateAuthorityData: \"\"", "authtoken:\n  certificateAuthorityData:"]
    ) {
      const data = secretData(chartObjects({
        bare: true,
        values: [
          join(REPO, "test", "deploy", "fixtures", "install-values.yaml"),
          writeValues(`avicredentials:\n  username: admin\n  password: pw\n  ${empties}\n`)
        ]
      }))
      expect(Object.keys(data ?? {}).sort()).toEqual(["password", "username"])
      for (const value of Object.values(data ?? {})) {
        expect(Buffer.from(value, "base64").toString("utf8")).not.toMatch(/^$|<nil>/)
      }
      const credentials = decodeSecret(data ?? {})
      expect(Either.isRight(credentials) && credentials.right.auth._tag).toBe("Password")
    }
  })

  it("renders a token-only avi-secret without a password key", () => {
    const data = secretData(chartObjects({
      values: writeValues("avicredentials: {username: admin, password: \"\", authtoken: tok-123}\n")
    }))
    expect(Object.keys(data ?? {}).sort()).toEqual(["authtoken", "username"])
    const credentials = decodeSecret(data ?? {})
    expect(Either.isRight(credentials) && credentials.right.auth._tag).toBe("Token")
  })

  it("renders no avi-secret without a username and a password or token, as AKO (the Secret is created by hand)", () => {
    const withoutCredentials = writeValues("avicredentials: {username: \"\", password: \"\"}\n")
    expect(secretData(chartObjects({ values: withoutCredentials }))).toBeUndefined()
    expect(secretData(chartObjects({ values: writeValues("avicredentials: {username: admin, password: null}\n") })))
      .toBeUndefined()
  })
})

describe("values the chart refuses", () => {
  it("fails without controllerHost, clusterName or vipNetworkList, naming each one missing", () => {
    const message = renderFailure({ bare: true })
    expect(message).toContain("ControllerSettings.controllerHost is missing")
    expect(message).toContain("AKOSettings.clusterName is missing")
    expect(message).toContain("NetworkSettings.vipNetworkList is missing")
    expect(message).not.toContain("cloudName")
  })

  it.each([
    ["ControllerSettings.controllerHost", "ControllerSettings: {controllerHost: \"\"}"],
    ["AKOSettings.clusterName", "AKOSettings: {clusterName: null}"],
    ["ControllerSettings.cloudName", "ControllerSettings: {cloudName: \"\"}"],
    ["NetworkSettings.vipNetworkList", "NetworkSettings: {vipNetworkList: []}"]
  ])("fails when %s is emptied", (path, yaml) => {
    const message = renderFailure({ values: writeValues(`${yaml}\n`) })
    expect(message).toContain(`${path} is missing`)
    expect(message.match(/is missing/g)).toHaveLength(1)
  })

  it.each([
    "projects.registry.vmware.com/ako/ako",
    "projects.packages.broadcom.com/ako/ako",
    "10.79.172.11:5000/avi-buildops/ako",
    "ako"
  ])("refuses AKO's image %s", (repository) => {
    expect(renderFailure({ set: { "image.repository": repository } }))
      .toContain(`image.repository = ${JSON.stringify(repository)} is AKO's image, not ako-ts`)
  })

  it.each(["registry.example/ako-ts", "ako-ts", "registry.example/ako/ako-ts"])(
    "accepts the image %s",
    (repository) => {
      expect(renderFailure({ set: { "image.repository": repository } })).toBe("rendered")
    }
  )

  it("refuses every AKO value ako-ts does not implement, in one message, the same list as the controller's", () => {
    const unsupported = `
featureGates: {GatewayAPI: true}
AKOSettings:
  enableEVH: true
  vipPerNamespace: "true"
  servicesAPI: true
  istioEnabled: true
  primaryInstance: false
  useDefaultSecretsOnly: "true"
L7Settings: {enableMCI: "true", fqdnReusePolicy: Strict, l7ShardingScheme: namespace}
`
    const message = renderFailure({ values: writeValues(unsupported) })
    const named = [...message.matchAll(/(\w+\.\w+) = .*?: not supported by ako-ts yet/g)].map((match) => match[1])
    expect([...named].sort()).toEqual(
      [...UNSUPPORTED_KEYS.map((spec) => spec.helmValue), ...UNSUPPORTED_HELM_ONLY_VALUES.map((v) => v.helmValue)]
        .sort()
    )
    expect(message).toContain("AKOSettings.vipPerNamespace = \"true\": not supported by ako-ts yet")
    expect(message).toContain("L7Settings.fqdnReusePolicy = \"Strict\": not supported by ako-ts yet")
  })

  it("accepts AKO's defaults for them in every spelling AKO's chart and users write", () => {
    const defaults = `
featureGates: {GatewayAPI: "false"}
AKOSettings: {enableEVH: "false", primaryInstance: "true", ipFamily: V4, vpcMode: "False", useDefaultSecretsOnly: false}
NetworkSettings: {nsxtT1LR: null, nodeNetworkList: "[]"}
L7Settings: {noPGForSNI: "0", enableMCI: false, fqdnReusePolicy: "", l7ShardingScheme: hostname}
ControllerSettings: {dedicatedTenantMode: "false"}
`
    expect(renderFailure({ values: writeValues(defaults) })).toBe("rendered")
  })
})
