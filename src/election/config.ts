import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/** Everything the elector needs; src/app maps the global configuration onto it. */
export interface ElectionConfig {
  /** Namespace of the Lease (`POD_NAMESPACE`). */
  readonly namespace: string
  /** Name of the Lease; `ako-lease-lock`, as AKO, so the two obey each other. */
  readonly leaseName: string
  /** This replica's identity (`POD_NAME`). */
  readonly identity: string
  readonly leaseDuration: Duration.Duration
  readonly renewDeadline: Duration.Duration
  readonly retryPeriod: Duration.Duration
  /** Upper bound of every Lease API call; well below `renewDeadline` so a hung call cannot hold up demotion. */
  readonly callTimeout: Duration.Duration
  /** This replica's version, recorded in the Lease so candidates can see version skew. */
  readonly version: string
}

export interface ElectionConfigInput {
  readonly namespace: string
  readonly identity: string
  readonly version: string
  readonly leaseName?: string | undefined
  readonly leaseDuration?: Duration.DurationInput | undefined
  readonly renewDeadline?: Duration.DurationInput | undefined
  readonly retryPeriod?: Duration.DurationInput | undefined
  readonly callTimeout?: Duration.DurationInput | undefined
}

export class InvalidElectionConfig extends Data.TaggedError("InvalidElectionConfig")<{
  readonly message: string
}> {}

export const DEFAULT_LEASE_NAME = "ako-lease-lock"

/**
 * Fills in client-go's defaults (15 s / 10 s / 2 s) and checks the relations the safety argument rests on:
 * the guard stops writes at `renewDeadline` while others wait `leaseDuration`, so the difference is the margin.
 */
export const makeElectionConfig = (
  input: ElectionConfigInput
): Either.Either<ElectionConfig, InvalidElectionConfig> => {
  const leaseDuration = Duration.decode(input.leaseDuration ?? "15 seconds")
  const renewDeadline = Duration.decode(input.renewDeadline ?? "10 seconds")
  const retryPeriod = Duration.decode(input.retryPeriod ?? "2 seconds")
  const callTimeout = input.callTimeout === undefined
    ? Duration.min(Duration.times(retryPeriod, 2), Duration.times(renewDeadline, 0.5))
    : Duration.decode(input.callTimeout)
  const invalid = (message: string) => Either.left(new InvalidElectionConfig({ message }))
  if (input.namespace === "") return invalid("election namespace is empty (POD_NAMESPACE)")
  if (input.identity === "") return invalid("election identity is empty (POD_NAME)")
  if (!Duration.lessThan(renewDeadline, leaseDuration)) {
    return invalid("renewDeadline must be shorter than leaseDuration")
  }
  if (!Duration.lessThan(retryPeriod, renewDeadline)) return invalid("retryPeriod must be shorter than renewDeadline")
  if (!Duration.lessThan(callTimeout, renewDeadline)) return invalid("callTimeout must be shorter than renewDeadline")
  if (Duration.toMillis(retryPeriod) <= 0 || Duration.toMillis(callTimeout) <= 0) {
    return invalid("retryPeriod and callTimeout must be positive")
  }
  if (Duration.toMillis(leaseDuration) % 1000 !== 0) {
    return invalid("leaseDuration must be whole seconds (Lease leaseDurationSeconds)")
  }
  return Either.right({
    namespace: input.namespace,
    leaseName: input.leaseName ?? DEFAULT_LEASE_NAME,
    identity: input.identity,
    leaseDuration,
    renewDeadline,
    retryPeriod,
    callTimeout,
    version: input.version
  })
}
