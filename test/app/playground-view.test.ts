/**
 * What the playground's live view shows for a given state, without a terminal: who leads, the Lease's age, VIPs or
 * their absence, replicas that exited and how, and the replicas' own metrics read from their Prometheus text.
 */
import { describe, expect, it } from "@effect/vitest"
import type { ClusterState } from "../../src/app/playground/cluster-view.js"
import { parseSamples, sumOf } from "../../src/app/playground/prometheus-text.js"
import type { ReplicaView } from "../../src/app/playground/replicas.js"
import { renderScreen } from "../../src/app/playground/view.js"

const plain = (lines: ReadonlyArray<string>) =>
  lines.map((line) => line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, "g"), ""))

const NOW = Date.parse("2026-01-01T00:00:30Z")

const replica = (name: string, overrides: Partial<ReplicaView> = {}): ReplicaView => ({
  name,
  pid: 100,
  port: 9000,
  status: "running",
  exit: undefined,
  stats: {
    leader: false,
    term: 0,
    transitions: 3,
    renewAgeSeconds: undefined,
    aviCached: 12,
    desiredUnits: 4,
    queueDepth: 0,
    ready: true
  },
  ...overrides
})

const cluster: ClusterState = {
  lease: {
    holder: "ako-1",
    acquireTimeMs: NOW - 12_000,
    renewTimeMs: NOW - 500,
    transitions: 2
  },
  services: [
    { namespace: "demo", name: "web", detail: "LoadBalancer", vips: ["10.50.0.13"] },
    { namespace: "demo", name: "hello", detail: "LoadBalancer", vips: [] }
  ],
  ingresses: [{ namespace: "demo", name: "shop", detail: "shop.demo.example.com", vips: ["10.50.0.10"] }],
  aviObjects: [["virtualservice", 5], ["pool", 4]],
  demoSynced: false
}

describe("playground live view", () => {
  it("marks the Lease holder as leader, shows the Lease age, VIPs, exits and the keys", () => {
    const screen = plain(renderScreen({
      nowMs: NOW,
      replicas: [
        replica("ako-0", { status: "exited", exit: "SIGKILL", stats: undefined }),
        replica("ako-1"),
        replica("ako-2", { status: "starting", stats: undefined })
      ],
      cluster,
      events: [{
        atMs: NOW - 1000,
        source: "ako-1",
        level: "INFO",
        message: "became leader",
        text: "became leader (term 2)"
      }],
      kubeconfig: "/tmp/k.yaml",
      demo: false
    })).join("\n")
    expect(screen).toMatch(/ako-0\s+100\s+exited \(SIGKILL\)/)
    expect(screen).toMatch(/ako-1\s+100\s+LEADER\s+0\s+3\s+yes\s+-\s+12\s+4\s+0/)
    expect(screen).toMatch(/ako-2\s+100\s+starting/)
    expect(screen).toContain("held by ako-1 for 12.0s, renewed 0.5s ago, transitions 2")
    expect(screen).toContain("waiting for the demo's VIPs, 2 of 3 Services and Ingresses have a VIP")
    expect(screen).toContain("virtualservice 5  pool 4")
    expect(screen).toMatch(/demo\/web\s+LoadBalancer\s+10\.50\.0\.13/)
    expect(screen).toMatch(/demo\/hello\s+LoadBalancer\s+\(no VIP yet\)/)
    expect(screen).toMatch(/demo\/shop\s+shop\.demo\.example\.com\s+10\.50\.0\.10/)
    expect(screen).toMatch(/00:00:29\.000\s+ako-1\s+became leader \(term 2\)/)
    expect(screen).toContain("kubectl --kubeconfig /tmp/k.yaml get svc,ingress -A -w")
    expect(screen).toContain("k SIGKILL the leader  s SIGTERM the leader  r restart stopped replicas  q quit")
  })

  it("says when nobody holds the Lease", () => {
    const screen = plain(renderScreen({
      nowMs: NOW,
      replicas: [],
      cluster: {
        ...cluster,
        lease: { holder: undefined, acquireTimeMs: undefined, renewTimeMs: undefined, transitions: 3 }
      },
      events: [],
      kubeconfig: "/tmp/k.yaml",
      demo: true
    })).join("\n")
    expect(screen).toContain("ako-lease-lock: no holder (transitions 3)")
    expect(screen).toContain("scripted demo running")
    expect(
      plain(renderScreen({
        nowMs: NOW,
        replicas: [],
        cluster: { ...cluster, demoSynced: true },
        events: [],
        kubeconfig: "/tmp/k.yaml",
        demo: false
      })).join("\n")
    ).toContain("Synced demo published")
  })
})

describe("replica metrics", () => {
  const text = [
    "# HELP ako_election_leader 1 while this replica leads, else 0",
    "# TYPE ako_election_leader gauge",
    "ako_election_leader{identity=\"ako-0\"} 1",
    "ako_election_leader{identity=\"ako-1\"} 0",
    "ako_avi_cache_objects{type=\"pool\"} 5",
    "ako_avi_cache_objects{type=\"vsvip\"} 4",
    "ako_election_transitions_total{identity=\"ako-0\",direction=\"acquired\"} 2",
    "ako_election_transitions_total{identity=\"ako-0\",direction=\"lost\"} 1",
    "ako_workqueue_depth 3"
  ].join("\n")
  const samples = parseSamples(text)

  it("reads a series by its labels and sums the rest", () => {
    expect(sumOf(samples, "ako_election_leader", { identity: "ako-0" })).toBe(1)
    expect(sumOf(samples, "ako_election_leader", { identity: "ako-1" })).toBe(0)
    expect(sumOf(samples, "ako_avi_cache_objects")).toBe(9)
    expect(sumOf(samples, "ako_election_transitions_total", { identity: "ako-0" })).toBe(3)
    expect(sumOf(samples, "ako_workqueue_depth")).toBe(3)
    expect(sumOf(samples, "ako_desired_units")).toBeUndefined()
  })
})
