/**
 * AKO configuration keys ako-ts does not implement. Each one changes what AKO programs (object names, VRFs, BGP,
 * IPv6 pools, tenancy, …), so ako-ts cannot ignore it: a value other than AKO's default would make ako-ts program
 * something other than what the user configured. At AKO's default the key is harmless and accepted, so a ConfigMap
 * rendered by AKO's own chart (which writes every key, mostly at its default) keeps working.
 *
 * The Helm chart refuses the same list at install time (deploy/helm/ako-ts/templates/_helpers.tpl,
 * `ako-ts.validate`); test/deploy/helm-ako-values.test.ts keeps the two lists equal.
 */
import type { ConfigIssue } from "./errors.js"

export interface UnsupportedKey {
  /** ConfigMap `avi-k8s-config` key. */
  readonly key: string
  /** Environment variable AKO's chart injects for it; undefined where AKO reads the key from the ConfigMap only. */
  readonly env: string | undefined
  /** The value path in AKO's chart values (helm/ako/values.yaml). */
  readonly helmValue: string
  /** AKO's default, in words, for the message and the README. */
  readonly akoDefault: string
  /** Whether a raw value means the same as AKO's default (then ako-ts behaves as AKO does). */
  readonly isDefault: (raw: string) => boolean
  /** What the key does in AKO, for the README. */
  readonly feature: string
}

/**
 * AKO parses these switches with Go's strconv.ParseBool or compares them with "true"; the false spellings of
 * ParseBool and an empty value (how the chart renders an unset value) all mean "off". Anything else, also a typo
 * such as "yes", is refused rather than guessed at.
 */
const FALSE_SPELLINGS = new Set(["", "false", "0", "f"])
const TRUE_SPELLINGS = new Set(["", "true", "1", "t"])

const offByDefault = (raw: string) => FALSE_SPELLINGS.has(raw.trim().toLowerCase())
const onByDefault = (raw: string) => TRUE_SPELLINGS.has(raw.trim().toLowerCase())
const oneOf = (...accepted: ReadonlyArray<string>) => (raw: string) => accepted.includes(raw.trim())

export const UNSUPPORTED_KEYS: ReadonlyArray<UnsupportedKey> = [
  {
    key: "enableEVH",
    env: "ENABLE_EVH",
    helmValue: "AKOSettings.enableEVH",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "Enhanced Virtual Hosting (other object names and VS types)"
  },
  {
    key: "vipPerNamespace",
    env: "VIP_PER_NAMESPACE",
    helmValue: "AKOSettings.vipPerNamespace",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "one parent VS per namespace (EVH)"
  },
  {
    key: "servicesAPI",
    env: "SERVICES_API",
    helmValue: "AKOSettings.servicesAPI",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "Gateway/services API mode for L4"
  },
  {
    key: "istioEnabled",
    env: "ISTIO_ENABLED",
    helmValue: "AKOSettings.istioEnabled",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "Istio mTLS to the backends"
  },
  {
    key: "primaryInstance",
    env: "PRIMARY_AKO_FLAG",
    helmValue: "AKOSettings.primaryInstance",
    akoDefault: "true",
    isDefault: onByDefault,
    feature: "secondary AKO instances (other VS names); ako-ts always runs as the primary instance"
  },
  {
    key: "useDefaultSecretsOnly",
    env: "USE_DEFAULT_SECRETS_ONLY",
    helmValue: "AKOSettings.useDefaultSecretsOnly",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "OpenShift: only Secrets of AKO's namespace"
  },
  {
    key: "enableMCI",
    env: "MCI_ENABLED",
    helmValue: "L7Settings.enableMCI",
    akoDefault: "false",
    isDefault: offByDefault,
    feature: "multi-cluster ingress"
  },
  {
    key: "fqdnReusePolicy",
    env: "FQDN_REUSE_POLICY",
    helmValue: "L7Settings.fqdnReusePolicy",
    akoDefault: "InterNamespaceAllowed",
    isDefault: oneOf("", "InterNamespaceAllowed"),
    feature: "Strict: an FQDN belongs to the first namespace that claims it"
  },
  {
    // AKO 1.x's sharding switch (hostname or namespace); AKO 2.2.1's chart no longer has it, but older values
    // files and ConfigMaps still carry it.
    key: "l7ShardingScheme",
    env: "L7_SHARD_SCHEME",
    helmValue: "L7Settings.l7ShardingScheme",
    akoDefault: "hostname",
    isDefault: oneOf("", "hostname"),
    feature: "namespace-based L7 sharding (AKO 1.x)"
  }
]

/**
 * Values of AKO's chart that never reach the ConfigMap but still change what AKO runs; refused by the ako-ts chart
 * only. `featureGates.GatewayAPI: true` makes AKO's chart add the ako-gateway-api container.
 */
export const UNSUPPORTED_HELM_ONLY_VALUES: ReadonlyArray<
  { readonly helmValue: string; readonly akoDefault: string; readonly feature: string }
> = [{ helmValue: "featureGates.GatewayAPI", akoDefault: "false", feature: "the Gateway API container" }]

export const NOT_SUPPORTED_YET = "not supported by ako-ts yet"

/**
 * The value in effect for each unsupported key (the ConfigMap first, then the environment copy the chart injected,
 * as for every other key), and an issue for each that is not at AKO's default.
 */
export const unsupportedIssues = (sources: {
  readonly configMap: Readonly<Record<string, string>> | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}): ReadonlyArray<ConfigIssue> =>
  UNSUPPORTED_KEYS.flatMap((spec) => {
    const fromConfigMap = sources.configMap?.[spec.key]
    const fromEnv = spec.env === undefined ? undefined : sources.env[spec.env]
    const value = fromConfigMap !== undefined && fromConfigMap.trim() !== "" ? fromConfigMap : fromEnv
    if (value === undefined || spec.isDefault(value)) return []
    return [{
      key: spec.key,
      env: spec.env,
      value,
      allowed: `${NOT_SUPPORTED_YET} (${spec.feature}); remove it or set AKO's default ${spec.akoDefault}`
    }]
  })
