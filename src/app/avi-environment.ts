/**
 * What the translation needs to know about the controller, read once at start as AKO's boot checks do
 * (reference/avi-api.md §5): the cloud exists, its DNS sub-domains (auto-FQDNs and allowed Ingress hosts), the
 * license tier (network profile of TCP Services) and the controller cluster uuid (an annotation on statuses).
 * Reads only, so every replica does it; it is retried until the controller answers.
 */
import { Data, Effect, Option, Schedule } from "effect"
import { AviClient } from "../avi/index.js"

export interface AviEnvironment {
  readonly dnsSubDomains: ReadonlyArray<string>
  readonly enterpriseLicense: boolean
  readonly controllerClusterUuid: string | undefined
  /** The cloud's uuid and `vtype` (`CLOUD_NONE`, `CLOUD_VCENTER`, `CLOUD_AWS`, …): AviInfraSetting network checks. */
  readonly cloudUuid: string
  readonly cloudType: string | undefined
}

export class CloudNotFound extends Data.TaggedError("CloudNotFound")<{ readonly cloud: string }> {
  override get message(): string {
    return `the Avi cloud ${JSON.stringify(this.cloud)} (cloudName) does not exist on the controller`
  }
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

export const readAviEnvironment = (cloudName: string) =>
  Effect.gen(function*() {
    const avi = yield* AviClient
    const cloud = yield* avi.findByName("cloud", cloudName, { tenant: "admin" })
    if (Option.isNone(cloud)) return yield* new CloudNotFound({ cloud: cloudName })
    const cloudUuid = String(record(cloud.value)["uuid"] ?? "")
    const vtype = record(cloud.value)["vtype"]
    const domains = record(
      yield* avi.request({
        method: "GET",
        path: "/api/ipamdnsproviderprofiledomainlist",
        query: { cloud_uuid: cloudUuid }
      })
    )["domains"]
    const system = record(yield* avi.request({ method: "GET", path: "/api/systemconfiguration" }))
    const cluster = record(yield* avi.request({ method: "GET", path: "/api/cluster" }))
    const tier = String(system["default_license_tier"] ?? "")
    return {
      dnsSubDomains: Array.isArray(domains) ? domains.filter((d): d is string => typeof d === "string") : [],
      enterpriseLicense: isEnterpriseTier(tier),
      controllerClusterUuid: typeof cluster["uuid"] === "string" ? cluster["uuid"] : undefined,
      cloudUuid,
      cloudType: typeof vtype === "string" ? vtype : undefined
    } satisfies AviEnvironment
  })

/**
 * AKO picks `System-TCP-Proxy` for TCP-only Services on exactly these two tiers; every other tier (ESSENTIALS,
 * BASIC, an unknown one, or none read) gets `System-TCP-Fast-Path`.
 */
export const isEnterpriseTier = (tier: string): boolean =>
  tier === "ENTERPRISE" || tier === "ENTERPRISE_WITH_CLOUD_SERVICES"

/** Retries until the controller answers; each failure is logged with what went wrong. */
export const awaitAviEnvironment = (cloudName: string) =>
  readAviEnvironment(cloudName).pipe(
    Effect.tapError((error) =>
      Effect.logWarning("cannot read the Avi controller's cloud and system settings yet; retrying").pipe(
        Effect.annotateLogs({ error: error._tag, detail: error.message })
      )
    ),
    Effect.retry(
      Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("30 seconds")), Schedule.jittered)
    ),
    Effect.tap((environment) =>
      Effect.logInfo("Avi controller settings read").pipe(
        Effect.annotateLogs({
          dnsSubDomains: environment.dnsSubDomains.join(","),
          enterpriseLicense: environment.enterpriseLicense
        })
      )
    )
  )
