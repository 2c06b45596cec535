/**
 * The one Lease the elector works on, behind a small service so the elector is pure logic over it:
 * the client-node implementation talks to the API server, the in-memory one drives the TestClock tests.
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"

/** The fields of a coordination.k8s.io/v1 Lease the election reads, decoded from the wire. */
export interface LeaseRecord {
  readonly resourceVersion: string
  /** `""` when absent or released, as client-go reads it. */
  readonly holderIdentity: string
  readonly leaseDurationSeconds: number | undefined
  /** MicroTime strings as found on the wire; never used for expiry, only carried over. */
  readonly acquireTime: string | undefined
  readonly renewTime: string | undefined
  /** 0 when absent, as client-go reads it. */
  readonly leaseTransitions: number
  readonly annotations: Readonly<Record<string, string>>
}

/** What the elector writes: the whole spec, and annotations merged over the existing ones. */
export interface LeaseWrite {
  readonly holderIdentity: string
  readonly leaseDurationSeconds: number
  readonly acquireTime: string
  readonly renewTime: string
  readonly leaseTransitions: number
  readonly annotations: Readonly<Record<string, string>>
}

export type LeaseEvent = Data.TaggedEnum<{
  Upserted: { readonly lease: LeaseRecord }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the TaggedEnum idiom for a variant without fields
  Deleted: {}
}>
export const LeaseEvent = Data.taggedEnum<LeaseEvent>()

/** Someone else created or updated the Lease first (HTTP 409). */
export class LeaseConflict extends Data.TaggedError("LeaseConflict")<{
  readonly message: string
}> {}

export class LeaseApiError extends Data.TaggedError("LeaseApiError")<{
  readonly message: string
  readonly status?: number | undefined
}> {}

export interface LeaseApiShape {
  readonly get: Effect.Effect<Option.Option<LeaseRecord>, LeaseApiError>
  readonly create: (write: LeaseWrite) => Effect.Effect<LeaseRecord, LeaseApiError | LeaseConflict>
  /** An update conditional on `resourceVersion` (the one just read). */
  readonly replace: (
    resourceVersion: string,
    write: LeaseWrite
  ) => Effect.Effect<LeaseRecord, LeaseApiError | LeaseConflict>
  /** Changes of the Lease from now on; ends when the server closes the watch. Interruption aborts it. */
  readonly watch: Stream.Stream<LeaseEvent, LeaseApiError>
}

export class LeaseApi extends Context.Tag("ako-ts/election/LeaseApi")<LeaseApi, LeaseApiShape>() {}

/** Kubernetes MicroTime (RFC 3339 with exactly six fractional digits, UTC), as client-go writes it. */
export const formatMicroTime = (epochMillis: number): string => {
  const iso = new Date(epochMillis).toISOString()
  return `${iso.slice(0, -1)}000Z`
}
