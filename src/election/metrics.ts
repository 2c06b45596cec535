import * as Metric from "effect/Metric"

/** Election metrics, tagged with this replica's identity so several electors in one process stay apart. */
export interface ElectionMetrics {
  readonly leader: Metric.Metric.Gauge<number>
  readonly term: Metric.Metric.Gauge<number>
  readonly transitions: Metric.Metric.Counter<number>
  readonly lastRenewAge: Metric.Metric.Gauge<number>
  readonly writesRefused: Metric.Metric.Counter<number>
  readonly leaseErrors: Metric.Metric.Counter<number>
  readonly versionSkew: Metric.Metric.Gauge<number>
}

export const electionMetrics = (identity: string): ElectionMetrics => ({
  leader: Metric.gauge("ako_election_leader", { description: "1 while this replica leads, else 0" }).pipe(
    Metric.tagged("identity", identity)
  ),
  term: Metric.gauge("ako_election_term", { description: "Times this replica has gained the lease" }).pipe(
    Metric.tagged("identity", identity)
  ),
  transitions: Metric.counter("ako_election_transitions_total", {
    description: "Leadership changes of this replica (direction: acquired, lost)",
    incremental: true
  }).pipe(Metric.tagged("identity", identity)),
  lastRenewAge: Metric.gauge("ako_election_last_renew_age_seconds", {
    description: "Seconds since the last successful acquire or renew by this replica (monotonic clock)"
  }).pipe(Metric.tagged("identity", identity)),
  writesRefused: Metric.counter("ako_election_writes_refused_total", {
    description: "Writes refused or cut off by the WriteGuard",
    incremental: true
  }).pipe(Metric.tagged("identity", identity)),
  leaseErrors: Metric.counter("ako_election_lease_errors_total", {
    description: "Failed Lease API calls (op: get, create, replace, release, watch)",
    incremental: true
  }).pipe(Metric.tagged("identity", identity)),
  versionSkew: Metric.gauge("ako_election_version_skew", {
    description: "1 while the observed leader runs another (or an unknown) version, else 0"
  }).pipe(Metric.tagged("identity", identity))
})
