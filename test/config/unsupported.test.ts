import { describe, expect, it } from "@effect/vitest"
import { loadAllYaml } from "@kubernetes/client-node"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { decodeAkoConfig, UNSUPPORTED_KEYS } from "../../src/config/index.js"

const minimal = {
  controllerIP: "10.10.10.10",
  clusterName: "prod-east",
  cloudName: "Default-Cloud",
  vipNetworkList: "[{\"networkName\":\"vip-net\",\"cidr\":\"10.20.0.0/24\"}]"
}

const decode = (configMap: Record<string, string> | undefined, env: Record<string, string> = {}) =>
  decodeAkoConfig({ configMap, env })

const rejected = (configMap: Record<string, string> | undefined, env: Record<string, string> = {}) => {
  const result = decode(configMap, env)
  if (Either.isRight(result)) throw new Error("expected the configuration to be rejected")
  return result.left
}

/** The ConfigMap AKO 2.2.1's chart rendered for the golden recording (the chart's defaults plus four values). */
const goldenConfigMap = (): Record<string, string> => {
  const documents = loadAllYaml(
    readFileSync(new URL("../fixtures/ako-golden/inputs.yaml", import.meta.url), "utf8")
  ) as ReadonlyArray<{ kind?: string; metadata?: { name?: string }; data?: Record<string, string> }>
  const configMap = documents.find((doc) => doc.kind === "ConfigMap" && doc.metadata?.name === "avi-k8s-config")
  if (configMap?.data === undefined) throw new Error("inputs.yaml has no ConfigMap avi-k8s-config")
  return configMap.data
}

/**
 * Issue 12's list (plus the switches refused before it), each with its environment variable and a value other than
 * AKO's default. Written out rather than derived from UNSUPPORTED_KEYS, so a wrong entry there fails here.
 */
const refusals: ReadonlyArray<readonly [key: string, env: string | undefined, value: string]> = [
  ["useDefaultSecretsOnly", "USE_DEFAULT_SECRETS_ONLY", "true"],
  ["fqdnReusePolicy", "FQDN_REUSE_POLICY", "Strict"],
  ["l7ShardingScheme", "L7_SHARD_SCHEME", "namespace"],
  ["enableEVH", "ENABLE_EVH", "true"],
  ["vipPerNamespace", "VIP_PER_NAMESPACE", "true"],
  ["servicesAPI", "SERVICES_API", "true"],
  ["enableMCI", "MCI_ENABLED", "true"],
  ["istioEnabled", "ISTIO_ENABLED", "true"],
  ["primaryInstance", "PRIMARY_AKO_FLAG", "false"]
]

/** Spellings AKO reads as its default, as its chart renders them or as users write them. */
const defaults: ReadonlyArray<readonly [key: string, value: string]> = [
  ["useDefaultSecretsOnly", "false"],
  ["fqdnReusePolicy", "InterNamespaceAllowed"],
  ["fqdnReusePolicy", ""],
  ["l7ShardingScheme", "hostname"],
  ["primaryInstance", "true"],
  ["enableEVH", "false"]
]

describe("AKO keys ako-ts does not implement", () => {
  it("accepts the ConfigMap AKO 2.2.1's chart renders with its defaults (every key, most at the default)", () => {
    const configMap = goldenConfigMap()
    for (const [key] of refusals) {
      if (key !== "l7ShardingScheme") expect(configMap, `golden ConfigMap carries ${key}`).toHaveProperty(key)
    }
    const config = Either.getOrThrow(decode(configMap))
    expect(config.clusterName).toBe("c1")
    expect(config.shardVSSize).toBe("LARGE")
    expect(config.autoFQDN).toBe("default")
    expect(config.disableStaticRouteSync).toBe(false)
  })

  it("covers every refused key in this test, and nothing the test does not know", () => {
    expect(UNSUPPORTED_KEYS.map((spec) => [spec.key, spec.env]).sort()).toEqual(
      refusals.map(([key, env]) => [key, env]).sort()
    )
  })

  it.each(refusals)("refuses %s (env %s) = %j in the ConfigMap, naming key, variable and value", (key, env, value) => {
    const error = rejected({ ...minimal, [key]: value })
    expect(error.issues).toHaveLength(1)
    expect(error.issues[0]).toMatchObject({ key, env, value })
    expect(error.message).toContain(`${key}${env === undefined ? "" : ` (env ${env})`} = ${JSON.stringify(value)}`)
    expect(error.message).toContain("not supported by ako-ts yet")
  })

  it.each(refusals.filter(([, env]) => env !== undefined))(
    "refuses %s from its environment variable %s when there is no ConfigMap",
    (key, env, value) => {
      const error = rejected(undefined, {
        CTRL_IPADDRESS: minimal.controllerIP,
        CLUSTER_NAME: minimal.clusterName,
        CLOUD_NAME: minimal.cloudName,
        VIP_NETWORK_LIST: minimal.vipNetworkList,
        [env!]: value
      })
      expect(error.issues.map((issue) => issue.key)).toEqual([key])
      expect(error.source).toContain("no ConfigMap")
    }
  )

  it.each(defaults)("accepts %s = %j, which AKO reads as its default", (key, value) => {
    const result = decode({ ...minimal, [key]: value })
    expect(Either.isRight(result), Either.isLeft(result) ? result.left.message : "").toBe(true)
  })

  it("lets the ConfigMap's default win over a stale environment copy, as for every other key", () => {
    expect(Either.isRight(decode({ ...minimal, useDefaultSecretsOnly: "false" }, { USE_DEFAULT_SECRETS_ONLY: "true" })))
      .toBe(true)
    expect(rejected({ ...minimal }, { USE_DEFAULT_SECRETS_ONLY: "true" }).issues[0]).toMatchObject({
      key: "useDefaultSecretsOnly"
    })
  })

  it("refuses a typo instead of guessing that it means the default", () => {
    expect(rejected({ ...minimal, useDefaultSecretsOnly: "yes" }).issues[0]).toMatchObject({
      key: "useDefaultSecretsOnly",
      value: "yes"
    })
    expect(rejected({ ...minimal, ipFamily: "v4" }).issues[0]).toMatchObject({ key: "ipFamily" })
  })

  it("lists every refused key in one error, one entry each, next to other invalid values", () => {
    const configMap: Record<string, string> = { ...minimal, shardVSSize: "HUGE" }
    for (const [key, , value] of refusals) configMap[key] = value
    const error = rejected(configMap)
    expect(error.issues.map((issue) => issue.key).sort()).toEqual(
      ["shardVSSize", ...refusals.map(([key]) => key)].sort()
    )
    expect(error.message.match(/not supported by ako-ts yet/g)).toHaveLength(refusals.length)
    expect(error.message).toMatch(/^invalid configuration in ConfigMap avi-k8s-config and the environment: /)
  })
})

describe("disableStaticRouteSync", () => {
  it("syncs in ClusterIP mode by default, with every CNI, and warns about none", () => {
    expect(Either.getOrThrow(decode(minimal)).warnings).toEqual([])
    const config = Either.getOrThrow(decode({ ...minimal, cniPlugin: "Calico" }))
    expect(config.cniPlugin).toBe("calico")
    expect(config.disableStaticRouteSync).toBe(false)
    expect(config.warnings).toEqual([])
    expect(Either.getOrThrow(decode({ ...minimal, disableStaticRouteSync: "true" })).disableStaticRouteSync).toBe(true)
    expect(Either.getOrThrow(decode({ ...minimal }, { DISABLE_STATIC_ROUTE_SYNC: "true" })).disableStaticRouteSync)
      .toBe(true)
  })

  it("rejects a value that is not a boolean", () => {
    expect(rejected({ ...minimal, disableStaticRouteSync: "sometimes" }).issues[0]).toMatchObject({
      key: "disableStaticRouteSync",
      env: "DISABLE_STATIC_ROUTE_SYNC"
    })
  })
})
