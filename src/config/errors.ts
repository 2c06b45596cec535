import * as Data from "effect/Data"

/**
 * One rejected configuration value. `value` is what the user wrote, quoted back so they can find it; it is never
 * filled for credentials (those produce `CredentialsInvalid`, which names fields only).
 */
export interface ConfigIssue {
  /** The `avi-k8s-config` ConfigMap key, or a cross-field rule such as `renewDeadline/leaseDuration`. */
  readonly key: string
  /** The environment variable AKO's chart injects for this key, when there is one. */
  readonly env: string | undefined
  readonly value: string | undefined
  /** What would have been accepted, in words a platform engineer can act on. */
  readonly allowed: string
}

const describeIssue = (issue: ConfigIssue): string => {
  const where = issue.env === undefined ? issue.key : `${issue.key} (env ${issue.env})`
  const got = issue.value === undefined ? "is missing" : `= ${JSON.stringify(issue.value)}`
  return `${where} ${got}: ${issue.allowed}`
}

/** The configuration cannot be used; every problem found is listed, not only the first. */
export class ConfigInvalid extends Data.TaggedError("ConfigInvalid")<{
  readonly source: string
  readonly issues: ReadonlyArray<ConfigIssue>
}> {
  override get message(): string {
    return `invalid configuration in ${this.source}: ${this.issues.map(describeIssue).join("; ")}`
  }
}

/** The Avi credentials cannot be used. Names the Secret and its fields, never their values. */
export class CredentialsInvalid extends Data.TaggedError("CredentialsInvalid")<{
  readonly source: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid Avi credentials in ${this.source}: ${this.reason}`
  }
}
