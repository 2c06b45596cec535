/**
 * Cookie sessions as the controller keeps them: a session id (`avi-sessionid` and `sessionid` carry the same
 * value), a CSRF token per session, a sliding idle timeout and a one-day maximum age.
 */
import { randomBytes } from "node:crypto"

export interface Session {
  readonly id: string
  readonly csrf: string
  readonly user: string
  readonly createdMs: number
  lastSeenMs: number
}

export type SessionLookup =
  | { readonly _tag: "Valid"; readonly session: Session }
  | { readonly _tag: "Expired" }
  | { readonly _tag: "Unknown" }

export const SESSION_MAX_AGE_MS = 86_400_000

const token = (bytes: number): string => randomBytes(bytes).toString("hex")

export class Sessions {
  private readonly byId = new Map<string, Session>()

  constructor(private readonly nowMs: () => number, private readonly idleMs: number) {}

  create(user: string): Session {
    const now = this.nowMs()
    // Clients that never log out (AKO re-logs in on every 401) would otherwise leave sessions behind forever.
    if (this.byId.size >= 1000 && this.byId.size % 100 === 0) this.sweep(now)
    const session: Session = { id: token(16), csrf: token(16), user, createdMs: now, lastSeenMs: now }
    this.byId.set(session.id, session)
    return session
  }

  lookup(id: string | undefined): SessionLookup {
    if (id === undefined) return { _tag: "Unknown" }
    const session = this.byId.get(id)
    if (!session) return { _tag: "Unknown" }
    const now = this.nowMs()
    if (now - session.lastSeenMs > this.idleMs || now - session.createdMs > SESSION_MAX_AGE_MS) {
      this.byId.delete(id)
      return { _tag: "Expired" }
    }
    session.lastSeenMs = now
    return { _tag: "Valid", session }
  }

  private sweep(now: number): void {
    for (const [id, session] of this.byId) {
      if (now - session.lastSeenMs > this.idleMs || now - session.createdMs > SESSION_MAX_AGE_MS) this.byId.delete(id)
    }
  }

  delete(id: string): void {
    this.byId.delete(id)
  }

  clear(): void {
    this.byId.clear()
  }

  get size(): number {
    return this.byId.size
  }
}
