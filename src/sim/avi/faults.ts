/**
 * Fault injection. Every fault applies to Avi API traffic only (never to the `/_sim/` admin endpoint), so a test
 * can always read the log and clear the faults it set.
 */

export interface RequestMatch {
  /** Path prefix (after slash normalisation, e.g. `/api/virtualservice`) or a pattern. */
  readonly path?: string | RegExp
  readonly method?: string
  /** The client's `X-Avi-UserAgent`, exactly or as a pattern: a fault for one client among several. */
  readonly clientIdentity?: string | RegExp
}

export interface LatencyRule extends RequestMatch {
  readonly ms: number
}

export interface AviSimFaults {
  /** Delay matching requests by `ms` after their body is read and before they are processed. Rules add up. */
  latency(ms: number, match?: RequestMatch): void
  /** Answer a fraction of API requests (0..1) with `status` (default 500) before processing them. */
  errorRate(rate: number, status?: number): void
  /** Drop every session now: the next request of each client gets 401 and must log in again. */
  expireSessions(): void
  /** Answer the next `count` authenticated API requests with 419 and fresh session cookies. */
  status419(count: number): void
  /** Reset the connection (TCP RST, no response) of the next `count` requests. */
  resetConnections(count: number): void
  /** Spread each response body over `ms` milliseconds. */
  slowBody(ms: number): void
  clear(): void
}

export interface FaultState {
  latencies: Array<LatencyRule>
  errorRate: number
  errorStatus: number
  pending419: number
  pendingResets: number
  slowBodyMs: number
}

export const noFaults = (): FaultState => ({
  latencies: [],
  errorRate: 0,
  errorStatus: 500,
  pending419: 0,
  pendingResets: 0,
  slowBodyMs: 0
})

export const matchesRequest = (
  match: RequestMatch,
  method: string,
  path: string,
  clientIdentity: string | undefined = undefined
): boolean => {
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false
  if (match.clientIdentity !== undefined) {
    if (clientIdentity === undefined) return false
    const wanted = match.clientIdentity
    if (typeof wanted === "string" ? wanted !== clientIdentity : !wanted.test(clientIdentity)) return false
  }
  if (match.path === undefined) return true
  return typeof match.path === "string" ? path.startsWith(match.path) : match.path.test(path)
}

export const latencyFor = (
  state: FaultState,
  method: string,
  path: string,
  clientIdentity: string | undefined = undefined
): number =>
  state.latencies.reduce((sum, rule) => matchesRequest(rule, method, path, clientIdentity) ? sum + rule.ms : sum, 0)
