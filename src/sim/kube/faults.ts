/**
 * Per-user fault injection. A "user" is the name the bearer token maps to, so one replica of the controller
 * (its own token) can be cut off from the API server while another keeps working.
 */
export interface UserFaults {
  /** Requests hang; `until` is an epoch-ms deadline, undefined = until cleared. */
  blackhole?: { readonly until: number | undefined }
  latencyMs?: number
  error?: { readonly rate: number; readonly code: 500 | 503 }
  /** Next watch answers 410: at connect as a Status, or mid-stream as an ERROR event. */
  forceGone?: "connect" | "stream"
}

/** Key for faults that apply to every user. */
export const ANY_USER = "*"

export class FaultTable {
  private readonly byUser = new Map<string, UserFaults>()
  private readonly onChange: () => void

  constructor(onChange: () => void) {
    this.onChange = onChange
  }

  private entry(user: string): UserFaults {
    let faults = this.byUser.get(user)
    if (faults === undefined) {
      faults = {}
      this.byUser.set(user, faults)
    }
    return faults
  }

  /** Faults in force for a user: its own first, then the ones set for everyone. */
  forUser(user: string, now: number): UserFaults {
    const own = this.byUser.get(user) ?? {}
    const all = this.byUser.get(ANY_USER) ?? {}
    const merged: UserFaults = { ...all, ...own }
    if (merged.blackhole?.until !== undefined && merged.blackhole.until <= now) delete merged.blackhole
    return merged
  }

  isBlackholed(user: string, now: number): boolean {
    return this.forUser(user, now).blackhole !== undefined
  }

  setBlackhole(user: string, until: number | undefined) {
    this.entry(user).blackhole = { until }
    this.onChange()
  }

  setLatency(user: string, ms: number) {
    this.entry(user).latencyMs = ms
    this.onChange()
  }

  setErrorRate(user: string, rate: number, code: 500 | 503) {
    this.entry(user).error = { rate, code }
    this.onChange()
  }

  setForceGone(user: string, mode: "connect" | "stream") {
    this.entry(user).forceGone = mode
    this.onChange()
  }

  /** Consumes a pending forced 410 for this user (own first, then everyone's). */
  takeForceGone(user: string): "connect" | "stream" | undefined {
    for (const key of [user, ANY_USER]) {
      const faults = this.byUser.get(key)
      if (faults?.forceGone !== undefined) {
        const mode = faults.forceGone
        delete faults.forceGone
        return mode
      }
    }
    return undefined
  }

  clear(user?: string) {
    if (user === undefined) this.byUser.clear()
    else this.byUser.delete(user)
    this.onChange()
  }

  snapshot(): Record<string, UserFaults> {
    return Object.fromEntries(this.byUser)
  }
}
