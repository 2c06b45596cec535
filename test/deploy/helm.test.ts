import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fields } from "../../src/config/fields.js"
import { decodeAkoConfig, decodeAviCredentials } from "../../src/config/index.js"
import type { Manifest } from "./support.js"
import {
  CHART,
  chartObjects,
  find,
  helm,
  identify,
  INSTALL_VALUES,
  plainObjects,
  renderChart,
  REPO
} from "./support.js"

const base64 = (text: string) => Buffer.from(text).toString("base64")

/** helm's error output when the chart refuses the values, or "rendered". */
const renderFailure = (options: Parameters<typeof renderChart>[0]): string => {
  try {
    renderChart(options)
    return "rendered"
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr)
  }
}

/** The plain Secret template uses stringData; the chart, like AKO's, base64 `data`. Compare them as data. */
const normalise = (object: Manifest): Manifest => {
  if (object.kind !== "Secret" || object["stringData"] === undefined) return object
  const { stringData, ...rest } = object
  const data = Object.fromEntries(
    Object.entries(stringData as Record<string, string>).map((
      [key, value]
    ) => [key, Buffer.from(value).toString("base64")])
  )
  return { ...rest, data } as Manifest
}

const configMapData = (objects: ReadonlyArray<Manifest>) =>
  find(objects, "ConfigMap", "avi-k8s-config")["data"] as Record<string, string>

const deploymentOf = (objects: ReadonlyArray<Manifest>) =>
  find(objects, "Deployment", "ako-ts") as Manifest & {
    spec: {
      replicas: number
      template: {
        spec: {
          containers: ReadonlyArray<
            {
              image: string
              ports: ReadonlyArray<{ containerPort: number }>
              env: ReadonlyArray<{ name: string }>
            }
          >
        }
      }
    }
  }

const writeValues = (yaml: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), "ako-ts-values-")), "values.yaml")
  writeFileSync(file, yaml)
  return file
}

/** A values file as an AKO user has it (AKO's value names), with a password and a CA. */
const akoValues = `
replicaCount: 3
AKOSettings:
  clusterName: prod-east
  logLevel: WARN
  fullSyncFrequency: "900"
  blockedNamespaceList: [kube-system, monitoring]
  namespaceSelector:
    labelKey: avi
    labelValue: "yes"
NetworkSettings:
  vipNetworkList:
    - networkName: vip-net
      cidr: 10.10.0.0/24
L7Settings:
  shardVSSize: LARGE
  defaultIngController: false
L4Settings:
  defaultDomain: apps.example.com
  autoFQDN: flat
ControllerSettings:
  controllerHost: avi.example.com:8443
  controllerVersion: 22.1.3
  cloudName: vcenter
  serviceEngineGroupName: seg-prod
  tenantName: team-a
avicredentials:
  username: ako
  password: s3cret-pw
  certificateAuthorityData: |
    -----BEGIN CERTIFICATE-----
    MIIBszCCAVmgAwIBAgIUD
    -----END CERTIFICATE-----
leaderElection:
  leaseDuration: 20s
  renewDeadline: 12s
  retryPeriod: 3s
`

describe("the Helm chart", () => {
  it("passes helm lint with the values an install needs, and with an AKO user's values", () => {
    expect(helm(["lint", "--strict", CHART, "--values", INSTALL_VALUES])).toContain("0 chart(s) failed")
    expect(helm(["lint", "--strict", CHART, "--values", writeValues(akoValues)])).toContain("0 chart(s) failed")
  })

  it("renders the same objects as the plain manifests filled in the same way (the Namespace is helm's --namespace)", () => {
    // The chart's defaults are AKO's chart defaults; the plain ConfigMap carries ako-ts's code defaults (AKO's code
    // defaults). These three values are where the two differ; set them, and both must render the same objects.
    const chart = chartObjects({
      set: { "L7Settings.shardVSSize": "SMALL", "L4Settings.autoFQDN": "disabled", "AKOSettings.logLevel": "INFO" }
    }).map(normalise)
    // The plain manifests as a user fills them in with the values of INSTALL_VALUES.
    const plain = plainObjects().filter((object) => object.kind !== "Namespace").map(normalise).map((object) =>
      object.kind === "ConfigMap" ?
        {
          ...object,
          data: {
            ...(object["data"] as Record<string, string>),
            controllerIP: "avi.example.com",
            clusterName: "test-cluster",
            vipNetworkList: "[{\"networkName\":\"vip-net\"}]"
          }
        } :
        object.kind === "Secret" ?
        { ...object, data: { username: base64("admin"), password: base64("test-password") } } :
        object
    )
    expect(chart.map(identify).sort()).toEqual(plain.map(identify).sort())
    for (const object of chart) {
      expect(object, identify(object)).toEqual(find(plain, object.kind, object.metadata.name))
    }
  })

  it("maps AKO's value names onto the ConfigMap keys, and the result is a valid ako-ts configuration", () => {
    const objects = chartObjects({ values: writeValues(akoValues) })
    const data = configMapData(objects)
    expect(data).toMatchObject({
      controllerIP: "avi.example.com:8443",
      controllerVersion: "22.1.3",
      clusterName: "prod-east",
      cloudName: "vcenter",
      serviceEngineGroupName: "seg-prod",
      tenantName: "team-a",
      shardVSSize: "LARGE",
      defaultDomain: "apps.example.com",
      autoFQDN: "flat",
      logLevel: "WARN",
      fullSyncFrequency: "900",
      nsSyncLabelKey: "avi",
      nsSyncLabelValue: "yes",
      leaseDuration: "20s",
      renewDeadline: "12s",
      retryPeriod: "3s"
    })
    const config = decodeAkoConfig({ configMap: data, env: {} })
    if (Either.isLeft(config)) throw new Error(config.left.message)
    expect(config.right.vipNetworkList).toEqual([{ networkName: "vip-net", cidr: "10.10.0.0/24" }])
    expect(config.right.blockedNamespaceList).toEqual(["kube-system", "monitoring"])
    expect(Object.values(config.right.origins).filter((origin) => origin === "env")).toEqual([])
  })

  it("renders avicredentials into avi-secret as the controller reads it", () => {
    const secret = find(chartObjects({ values: writeValues(akoValues) }), "Secret", "avi-secret")
    const data = Object.fromEntries(
      Object.entries(secret["data"] as Record<string, string>).map((
        [key, value]
      ) => [key, Redacted.make(Buffer.from(value, "base64").toString("utf8"))])
    )
    const credentials = decodeAviCredentials({
      secret: data,
      secretNamespace: "avi-system",
      env: { username: undefined, password: undefined, authToken: undefined, caData: undefined }
    })
    if (Either.isLeft(credentials)) throw new Error(credentials.left.message)
    expect(credentials.right.username).toBe("ako")
    expect(credentials.right.auth._tag).toBe("Password")
    expect(credentials.right.caData).toContain("BEGIN CERTIFICATE")
  })

  it("scales without a replica cap, and renders the PodDisruptionBudget only with more than one replica", () => {
    const five = chartObjects({ set: { replicaCount: "5" } })
    expect(deploymentOf(five).spec.replicas).toBe(5)
    expect(find(five, "PodDisruptionBudget", "ako-ts")["spec"]).toMatchObject({ minAvailable: 1 })
    const one = chartObjects({ set: { replicaCount: "1" } })
    expect(deploymentOf(one).spec.replicas).toBe(1)
    expect(one.map((object) => object.kind)).not.toContain("PodDisruptionBudget")
  })

  it("refuses AKO switches ako-ts does not implement instead of silently ignoring them", () => {
    expect(renderFailure({ set: { "AKOSettings.enableEVH": "true" } }))
      .toContain("AKOSettings.enableEVH = true: not supported by ako-ts yet")
    expect(renderFailure({ set: { "AKOSettings.primaryInstance": "false" } }))
      .toContain("AKOSettings.primaryInstance = false: not supported by ako-ts yet")
    expect(renderFailure({ set: { "L7Settings.serviceType": "NodePortLocal" } }))
      .toContain("L7Settings.serviceType = \"NodePortLocal\": not supported by ako-ts yet")
    expect(renderFailure({ set: { "AKOSettings.enableEVH": "false", "AKOSettings.primaryInstance": "true" } }))
      .toBe("rendered")
  })

  it("rejects invalid values at install time through values.schema.json", () => {
    const failure = (set: Record<string, string>) => renderFailure({ set })
    expect(failure({ replicaCount: "0" })).toContain("/replicaCount")
    expect(failure({ "L7Settings.shardVSSize": "HUGE" })).toContain("/L7Settings/shardVSSize")
    expect(failure({ "AKOSettings.clusterName": "prod east" })).toContain("/AKOSettings/clusterName")
    expect(failure({ "L7Settings.shardVSSize": "large", "AKOSettings.logLevel": "debug" })).toBe("rendered")
  })

  it("ships the package's version: chart appVersion and the plain manifests' image tag", () => {
    const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version
    expect(helm(["show", "chart", CHART])).toContain(`appVersion: ${version}`)
    expect(deploymentOf(chartObjects()).spec.template.spec.containers[0]!.image).toBe(`ako-ts:${version}`)
    expect(deploymentOf(plainObjects()).spec.template.spec.containers[0]!.image).toBe(`ako-ts:${version}`)
  })

  it("takes defaultDomain from NetworkSettings first, then L4Settings, as AKO", () => {
    const domain = (set: Record<string, string>) => configMapData(chartObjects({ set }))["defaultDomain"]
    expect(domain({ "L4Settings.defaultDomain": "l4.example" })).toBe("l4.example")
    expect(domain({ "NetworkSettings.defaultDomain": "net.example", "L4Settings.defaultDomain": "l4.example" }))
      .toBe("net.example")
  })

  it("makes avi-lb the default IngressClass only with defaultIngController", () => {
    const annotationsOf = (objects: ReadonlyArray<Manifest>) => find(objects, "IngressClass", "avi-lb").metadata
    expect(annotationsOf(chartObjects()).annotations).toEqual({ "ingressclass.kubernetes.io/is-default-class": "true" })
    expect(annotationsOf(chartObjects({ set: { "L7Settings.defaultIngController": "false" } })).annotations)
      .toBeUndefined()
    expect(find(chartObjects(), "IngressClass", "avi-lb")["spec"]).toEqual({ controller: "ako.vmware.com/avi-lb" })
  })

  it("moves the probes' port with apiServerPort and takes the image from image.repository/tag", () => {
    const objects = chartObjects({
      set: { "AKOSettings.apiServerPort": "9090", "image.repository": "registry.example/ako-ts", "image.tag": "1.2.3" }
    })
    const container = deploymentOf(objects).spec.template.spec.containers[0]!
    expect(container.ports[0]!.containerPort).toBe(9090)
    expect(configMapData(objects)["apiServerPort"]).toBe("9090")
    expect(container.image).toBe("registry.example/ako-ts:1.2.3")
  })
})

describe("the plain manifests", () => {
  it("carry every configuration key ako-ts reads, with ako-ts's defaults, and no other key", () => {
    const data = configMapData(plainObjects())
    expect(Object.keys(data).sort()).toEqual(Object.values(fields).map((field) => field.key).sort())
    for (const field of Object.values(fields)) {
      if (field.required) continue
      expect(data[field.key], field.key).toBe(field.defaultValue ?? "")
    }
  })

  it("run two replicas with the downward API identity, probes, anti-affinity and a locked-down container", () => {
    const deployment = find(plainObjects(), "Deployment", "ako-ts")
    expect(deployment).toMatchObject({
      spec: {
        replicas: 2,
        template: {
          spec: {
            serviceAccountName: "ako-ts",
            securityContext: { runAsNonRoot: true },
            affinity: { podAntiAffinity: {} },
            containers: [{
              env: expect.arrayContaining([
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }
              ]),
              readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
              ports: [{ name: "http", containerPort: Number(fields.apiServerPort.defaultValue) }],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } },
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true }
            }]
          }
        }
      }
    })
    // The leader releases the Lease on SIGTERM; the grace period must leave room above the renew deadline (10 s).
    const grace =
      (deployment["spec"] as { template: { spec: { terminationGracePeriodSeconds: number } } }).template.spec
        .terminationGracePeriodSeconds
    expect(grace).toBeGreaterThanOrEqual(20)
  })
})
