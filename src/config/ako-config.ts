/**
 * Decoding of the whole AKO configuration from the two places AKO users set it: the ConfigMap `avi-k8s-config`
 * (read through the API, so it is always current) and the environment AKO's chart injects. In a chart-deployed pod
 * the environment is a copy of the ConfigMap taken at pod start, so the ConfigMap wins where both are set; the
 * environment alone serves local runs without a ConfigMap.
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { ConfigInvalid } from "./errors.js"
import type { ConfigIssue } from "./errors.js"
import { decodeField, fields } from "./fields.js"
import type { Fields, FieldSpec, FieldValue } from "./fields.js"
import { UNSUPPORTED_KEYS, unsupportedIssues } from "./unsupported.js"

export const CONFIGMAP_NAME = "avi-k8s-config"
export const DEFAULT_NAMESPACE = "avi-system"

export type AkoSettings = { readonly [K in keyof Fields]: FieldValue<Fields[K]> }

export interface AkoConfig extends AkoSettings {
  /** Where each value came from, for the start-up log line (`configmap`, `env` or `default`). */
  readonly origins: { readonly [K in keyof Fields]: "configmap" | "env" | "default" | "unset" }
  /**
   * Accepted settings under which ako-ts does less than AKO would. The start-up logs each once; the leader can also
   * report them as Events (`reason` is the Event reason).
   */
  readonly warnings: ReadonlyArray<ConfigWarning>
}

export interface ConfigWarning {
  readonly key: string
  readonly reason: string
  readonly message: string
}

/** AKO syncs static routes (pod CIDR → node IP) into the VRF in ClusterIP mode unless disableStaticRouteSync is true. */
export const syncsStaticRoutes = (settings: AkoSettings): boolean =>
  settings.serviceType === "ClusterIP" && !settings.disableStaticRouteSync

/** The CNI whose own resources hold the pod CIDRs static route sync reads (AKO's dynamic informers), if any. */
export const podCidrSourceOf = (settings: AkoSettings): "calico" | "openshift" | "cilium" | undefined => {
  const cni = settings.cniPlugin
  return syncsStaticRoutes(settings) && (cni === "calico" || cni === "openshift" || cni === "cilium") ?
    cni :
    undefined
}

export interface ConfigSources {
  /** `data` of the ConfigMap `avi-k8s-config`, or undefined when it does not exist. */
  readonly configMap: Readonly<Record<string, string>> | undefined
  readonly env: Readonly<Record<string, string | undefined>>
}

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== ""

const rawValue = (spec: FieldSpec<unknown>, sources: ConfigSources) => {
  const fromConfigMap = sources.configMap?.[spec.key]
  if (isSet(fromConfigMap)) return { raw: fromConfigMap, origin: "configmap" as const }
  const fromEnv = spec.env === undefined ? undefined : sources.env[spec.env]
  if (isSet(fromEnv)) return { raw: fromEnv, origin: "env" as const }
  if (spec.defaultValue !== undefined) return { raw: spec.defaultValue, origin: "default" as const }
  return { raw: undefined, origin: "unset" as const }
}

const crossFieldIssues = (settings: AkoSettings): ReadonlyArray<ConfigIssue> => {
  const issues: Array<ConfigIssue> = []
  if (!Duration.lessThan(settings.renewDeadline, settings.leaseDuration)) {
    issues.push({
      key: "renewDeadline",
      env: "RENEW_DEADLINE",
      value: Duration.format(settings.renewDeadline),
      allowed: `must be below leaseDuration (${Duration.format(settings.leaseDuration)}), or a leader could keep ` +
        "writing after another replica took the Lease"
    })
  }
  // client-go's rule (RenewDeadline > JitterFactor * RetryPeriod): a leader must get several renew attempts in.
  if (Duration.toMillis(settings.retryPeriod) * 1.2 >= Duration.toMillis(settings.renewDeadline)) {
    issues.push({
      key: "retryPeriod",
      env: "RETRY_PERIOD",
      value: Duration.format(settings.retryPeriod),
      allowed: `must be below renewDeadline / 1.2 (${Duration.format(settings.renewDeadline)} / 1.2)`
    })
  }
  if ((settings.nodeKey === undefined) !== (settings.nodeValue === undefined)) {
    issues.push({
      key: settings.nodeKey === undefined ? "nodeKey" : "nodeValue",
      env: settings.nodeKey === undefined ? "NODE_KEY" : "NODE_VALUE",
      value: undefined,
      allowed: "nodeKey and nodeValue are set together or not at all"
    })
  }
  if ((settings.namespaceSyncLabelKey === undefined) !== (settings.namespaceSyncLabelValue === undefined)) {
    issues.push({
      key: settings.namespaceSyncLabelKey === undefined ? "nsSyncLabelKey" : "nsSyncLabelValue",
      env: settings.namespaceSyncLabelKey === undefined ? "NAMESPACE_SYNC_LABEL_KEY" : "NAMESPACE_SYNC_LABEL_VALUE",
      value: undefined,
      allowed: "nsSyncLabelKey and nsSyncLabelValue are set together or not at all"
    })
  }
  return issues
}

/** Pure: the sources in, a complete typed configuration or every problem found out. */
export const decodeAkoConfig = (sources: ConfigSources): Either.Either<AkoConfig, ConfigInvalid> => {
  const issues: Array<ConfigIssue> = []
  const settings: Record<string, unknown> = {}
  const origins: Record<string, string> = {}
  for (const [name, spec] of Object.entries(fields) as Array<[keyof Fields, FieldSpec<unknown>]>) {
    const { origin, raw } = rawValue(spec, sources)
    origins[name] = origin
    if (raw === undefined) {
      if (spec.required) issues.push({ key: spec.key, env: spec.env, value: undefined, allowed: spec.allowed })
      settings[name] = undefined
      continue
    }
    const decoded = decodeField(spec, raw)
    if (Either.isLeft(decoded)) {
      issues.push({ key: spec.key, env: spec.env, value: raw, allowed: spec.allowed })
    } else {
      settings[name] = decoded.right
    }
  }
  issues.push(...unsupportedIssues(sources))
  if (issues.length === 0) issues.push(...crossFieldIssues(settings as AkoSettings))
  const source = sources.configMap === undefined ?
    "the environment (no ConfigMap avi-k8s-config)" :
    "ConfigMap avi-k8s-config and the environment"
  return issues.length > 0 ?
    Either.left(new ConfigInvalid({ source, issues })) :
    Either.right({
      ...(settings as AkoSettings),
      origins: origins as AkoConfig["origins"],
      // No accepted setting makes ako-ts do less than AKO at present.
      warnings: []
    })
}

/**
 * Every environment variable a field or a refused key can come from, read through Effect's `Config` (a
 * ConfigProvider in tests).
 */
export const readFieldEnvironment: Effect.Effect<Readonly<Record<string, string | undefined>>> = Effect.gen(
  function*() {
    const env: Record<string, string | undefined> = {}
    // The unsupported keys' variables too: a non-default value there is refused like one in the ConfigMap.
    const names = [
      ...(Object.values(fields) as Array<FieldSpec<unknown>>).flatMap((spec) =>
        spec.env === undefined ? [] : [spec.env]
      ),
      ...UNSUPPORTED_KEYS.flatMap((spec) => spec.env === undefined ? [] : [spec.env])
    ]
    for (const name of names) {
      const value = yield* Config.option(Config.string(name)).pipe(Effect.orElseSucceed(() => Option.none()))
      env[name] = Option.getOrUndefined(value)
    }
    return env
  }
)

/** The ConfigMap keys that take effect while running; all others need a restart, as in AKO. */
export const liveKeys: ReadonlyArray<keyof Fields> = (Object.keys(fields) as Array<keyof Fields>).filter(
  (name) => fields[name].live
)
