import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Layer } from "effect"
import { decodeAkoConfig, readFieldEnvironment } from "../../src/config/index.js"
import type { ConfigInvalid } from "../../src/config/index.js"

const minimal = {
  controllerIP: "10.10.10.10",
  clusterName: "prod-east",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip-net\",\"cidr\":\"10.20.0.0/24\"}]"
}

const decode = (configMap: Record<string, string> | undefined, env: Record<string, string> = {}) =>
  decodeAkoConfig({ configMap, env })

const issuesOf = (configMap: Record<string, string> | undefined, env: Record<string, string> = {}) => {
  const result = decode(configMap, env)
  if (Either.isRight(result)) throw new Error("expected the configuration to be rejected")
  return result.left
}

const singleIssue = (error: ConfigInvalid) => {
  expect(error.issues).toHaveLength(1)
  return error.issues[0]!
}

describe("AKO configuration", () => {
  it("decodes the minimal ConfigMap with AKO's defaults", () => {
    const config = Either.getOrThrow(decode(minimal))
    expect(config.controllerIP).toBe("10.10.10.10")
    expect(config.clusterName).toBe("prod-east")
    expect(config.vipNetworkList).toEqual([{ networkName: "vip-net", cidr: "10.20.0.0/24" }])
    expect(config.serviceEngineGroupName).toBe("Default-Group")
    expect(config.tenantName).toBe("admin")
    expect(config.shardVSSize).toBe("SMALL")
    expect(config.serviceType).toBe("ClusterIP")
    expect(config.defaultLBController).toBe(true)
    expect(config.deleteConfig).toBe(false)
    expect(config.logLevel).toBe("INFO")
    expect(config.apiServerPort).toBe(8080)
    expect(config.fullSyncFrequency).toBe(1800)
    expect(Duration.toMillis(config.leaseDuration)).toBe(15_000)
    expect(Duration.toMillis(config.renewDeadline)).toBe(10_000)
    expect(Duration.toMillis(config.retryPeriod)).toBe(2_000)
    expect(config.controllerVersion).toBeUndefined()
    expect(config.origins.clusterName).toBe("configmap")
    expect(config.origins.tenantName).toBe("default")
  })

  it("reads AKO's chart environment variables when there is no ConfigMap", () => {
    const config = Either.getOrThrow(decode(undefined, {
      CTRL_IPADDRESS: "avi.example.com:8443",
      CLUSTER_NAME: "c1",
      CLOUD_NAME: "Default-Cloud",
      VIP_NETWORK_LIST: "[{\"networkUUID\":\"network-1\"}]",
      SHARD_VS_SIZE: "LARGE",
      SERVICE_TYPE: "NodePort",
      NODE_KEY: "lb",
      NODE_VALUE: "yes",
      AKO_API_PORT: "9090",
      FULL_SYNC_INTERVAL: "0",
      DEFAULT_LB_CONTROLLER: "false",
      LEASE_DURATION: "30s",
      RENEW_DEADLINE: "20s",
      RETRY_PERIOD: "1500ms"
    }))
    expect(config.controllerIP).toBe("avi.example.com:8443")
    expect(config.shardVSSize).toBe("LARGE")
    expect(config.serviceType).toBe("NodePort")
    expect(config.nodeKey).toBe("lb")
    expect(config.apiServerPort).toBe(9090)
    expect(config.fullSyncFrequency).toBe(0)
    expect(config.defaultLBController).toBe(false)
    expect(Duration.toMillis(config.retryPeriod)).toBe(1500)
    expect(config.origins.clusterName).toBe("env")
  })

  it("prefers the ConfigMap over the environment copy the chart injected at pod start", () => {
    const config = Either.getOrThrow(
      decode({ ...minimal, logLevel: "DEBUG" }, { LOG_LEVEL: "ERROR", CLUSTER_NAME: "x" })
    )
    expect(config.logLevel).toBe("DEBUG")
    expect(config.clusterName).toBe("prod-east")
  })

  it("treats empty strings, as the chart renders unset values, like unset keys", () => {
    const config = Either.getOrThrow(decode({ ...minimal, controllerVersion: "", shardVSSize: "", tenantName: " " }))
    expect(config.controllerVersion).toBeUndefined()
    expect(config.shardVSSize).toBe("SMALL")
    expect(config.tenantName).toBe("admin")
  })

  it("rejects a clusterName outside ^[a-zA-Z0-9-_]*$, naming key, env and value", () => {
    const issue = singleIssue(issuesOf({ ...minimal, clusterName: "prod east" }))
    expect(issue).toMatchObject({ key: "clusterName", env: "CLUSTER_NAME", value: "prod east" })
    expect(issue.allowed).toContain("^[a-zA-Z0-9-_]*$")
  })

  it.each(["controllerIP", "cloudName", "clusterName", "vipNetworkList"] as const)("requires %s", (key) => {
    const { [key]: _removed, ...rest } = minimal
    const issue = singleIssue(issuesOf(rest))
    expect(issue.key).toBe(key)
    expect(issue.value).toBeUndefined()
  })

  it("reports every missing key at once", () => {
    const error = issuesOf({})
    expect(error.issues.map((issue) => issue.key)).toEqual([
      "controllerIP",
      "clusterName",
      "cloudName",
      "vipNetworkList"
    ])
    expect(error.message).toContain("controllerIP (env CTRL_IPADDRESS) is missing")
  })

  it("rejects an unknown shardVSSize with the allowed sizes", () => {
    const issue = singleIssue(issuesOf({ ...minimal, shardVSSize: "HUGE" }))
    expect(issue).toMatchObject({ key: "shardVSSize", value: "HUGE" })
    expect(issue.allowed).toContain("LARGE")
    expect(Either.getOrThrow(decode({ ...minimal, shardVSSize: "medium" })).shardVSSize).toBe("MEDIUM")
  })

  it("rejects an unknown serviceType, and NodePortLocal which ako-ts does not implement", () => {
    expect(singleIssue(issuesOf({ ...minimal, serviceType: "LoadBalancer" }))).toMatchObject({ key: "serviceType" })
    expect(singleIssue(issuesOf({ ...minimal, serviceType: "NodePortLocal" })).allowed).toContain("NodePortLocal")
  })

  it.each([
    ["not JSON", "vip-net"],
    ["an empty list", "[]"],
    ["null, as helm renders an unset list", "null"],
    ["an entry with neither name nor uuid", "[{\"cidr\":\"10.0.0.0/24\"}]"],
    ["a bad cidr", "[{\"networkName\":\"n\",\"cidr\":\"10.0.0.0/33\"}]"]
  ])("rejects a vipNetworkList that is %s", (_, value) => {
    expect(singleIssue(issuesOf({ ...minimal, vipNetworkList: value }))).toMatchObject({
      key: "vipNetworkList",
      env: "VIP_NETWORK_LIST",
      value
    })
  })

  it("rejects a renewDeadline that is not below leaseDuration", () => {
    const issue = singleIssue(issuesOf({ ...minimal, leaseDuration: "10s", renewDeadline: "10s" }))
    expect(issue.key).toBe("renewDeadline")
    expect(issue.allowed).toContain("below leaseDuration")
  })

  it("rejects a retryPeriod that leaves no room for renewals before the deadline", () => {
    expect(singleIssue(issuesOf({ ...minimal, retryPeriod: "9s" })).key).toBe("retryPeriod")
  })

  it("rejects malformed durations, ports, booleans, versions and addresses", () => {
    const error = issuesOf({
      ...minimal,
      leaseDuration: "soon",
      apiServerPort: "70000",
      deleteConfig: "yes",
      controllerVersion: "21.1.1",
      controllerIP: "https://avi ctl"
    })
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(
      ["apiServerPort", "controllerIP", "controllerVersion", "deleteConfig", "leaseDuration"]
    )
  })

  it("rejects a nodeKey without nodeValue", () => {
    expect(singleIssue(issuesOf({ ...minimal, serviceType: "NodePort", nodeKey: "lb" })).key).toBe("nodeValue")
  })

  it("refuses AKO switches that would change object names, instead of ignoring them", () => {
    const issue = singleIssue(issuesOf({ ...minimal, enableEVH: "true" }))
    expect(issue).toMatchObject({ key: "enableEVH", env: "ENABLE_EVH", value: "true" })
    expect(Either.isRight(decode({ ...minimal, enableEVH: "false", someFutureKey: "x" }))).toBe(true)
  })

  it("accepts helm's null for blockedNamespaceList", () => {
    expect(Either.getOrThrow(decode({ ...minimal, blockedNamespaceList: "null" })).blockedNamespaceList).toEqual([])
    expect(Either.getOrThrow(decode({ ...minimal, blockedNamespaceList: "[\"kube-system\"]" })).blockedNamespaceList)
      .toEqual(["kube-system"])
  })

  it.effect("reads the environment through Effect's ConfigProvider", () =>
    Effect.gen(function*() {
      const env = yield* readFieldEnvironment
      expect(env["CLUSTER_NAME"]).toBe("from-provider")
      expect(env["CLOUD_NAME"]).toBeUndefined()
    }).pipe(
      Effect.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["CLUSTER_NAME", "from-provider"]]))))
    ))
})
