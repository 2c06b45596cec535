/**
 * What the playground's live view shows for a given state, without a terminal: who leads, the Lease's age, VIPs or
 * their absence, replicas that exited and how, and the replicas' own metrics read from their Prometheus text.
 */
import { describe, expect, it } from "@effect/vitest"
import { renderAviScreen, renderEventsScreen } from "../../src/app/playground/browse-view.js"
import type { ClusterState } from "../../src/app/playground/cluster-view.js"
import { parseSamples, sumOf } from "../../src/app/playground/prometheus-text.js"
import type { ReplicaView } from "../../src/app/playground/replicas.js"
import { renderScreen } from "../../src/app/playground/view.js"
import type { Snapshot } from "../../src/app/playground/view.js"

const plain = (lines: ReadonlyArray<string>) =>
  lines.map((line) => line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, "g"), ""))

const NOW = Date.parse("2026-01-01T00:00:30Z")

const replica = (name: string, overrides: Partial<ReplicaView> = {}): ReplicaView => ({
  name,
  pid: 100,
  port: 9000,
  status: "running",
  exit: undefined,
  phase: "electing",
  stats: {
    leader: false,
    term: 0,
    gained: 2,
    lost: 1,
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
    { namespace: "demo", name: "hello", detail: "LoadBalancer", vips: [] },
    { namespace: "default", name: "mine", detail: "LoadBalancer", vips: ["10.50.0.20"] }
  ],
  ingresses: [{ namespace: "demo", name: "shop", detail: "shop.demo.example.com", vips: ["10.50.0.10"] }],
  aviObjects: [["virtualservice", 5], ["pool", 4]],
  demoSynced: false
}

const HINTS = {
  kubeconfig: "/tmp/k.kubeconfig",
  exampleFile: "/tmp/k-example.yaml",
  aviUrl: "https://127.0.0.1:9443",
  aviUser: "admin",
  aviPassword: "pw"
}

const snapshot = (overrides: Partial<Snapshot>): Snapshot => ({
  nowMs: NOW,
  replicas: [],
  cluster,
  events: [],
  hints: HINTS,
  demo: false,
  screen: { kind: "main" },
  aviEntries: [],
  kubeEvents: [],
  rows: 40,
  columns: 160,
  ...overrides
})

describe("playground live view", () => {
  it("marks the Lease holder as leader, shows the Lease age, VIPs, exits and the keys", () => {
    const lines = plain(renderScreen(snapshot({
      replicas: [
        replica("ako-0", { status: "exited", exit: "SIGKILL", stats: undefined }),
        replica("ako-1"),
        replica("ako-2", { status: "starting", phase: "syncing caches", stats: undefined })
      ],
      events: [{
        atMs: NOW - 1000,
        source: "ako-1",
        level: "INFO",
        message: "became leader",
        text: "became leader (term 2)"
      }]
    })))
    const screen = lines.join("\n")
    expect(screen).toMatch(/ako-0\s+100\s+exited \(SIGKILL\)/)
    expect(screen).toMatch(/ako-1\s+100\s+LEADER\s+0\s+2\/1\s+yes\s+-\s+12\s+4\s+0/)
    expect(screen).toMatch(/ako-2\s+100\s+syncing caches/)
    // The longest role text still leaves every column where the header puts it.
    const header = lines.find((line) => line.startsWith("replica"))!
    for (const row of lines.filter((line) => /^ako-\d/.test(line))) {
      expect(row.indexOf(" ", header.indexOf("term") - 1), row).toBe(header.indexOf("term") - 1)
    }
    expect(screen).toContain("held by ako-1 for 12.0s, renewed 0.5s ago, holder changes 2")
    expect(screen).toContain("waiting for the demo's VIPs, 3 of 4 Services and Ingresses have a VIP")
    expect(screen).toContain("virtualservice 5  pool 4")
    expect(screen).toMatch(/demo\/web\s+LoadBalancer\s+10\.50\.0\.13/)
    expect(screen).toMatch(/demo\/hello\s+LoadBalancer\s+\(no VIP yet\)/)
    expect(screen).toMatch(/demo\/shop\s+shop\.demo\.example\.com\s+10\.50\.0\.10/)
    expect(screen).toMatch(/00:00:29\.000\s+ako-1\s+became leader \(term 2\)/)
    expect(screen).toMatch(/Yours[^\n]*\n\s+default\/mine\s+LoadBalancer\s+10\.50\.0\.20/)
    expect(screen.indexOf("default/mine")).toBeGreaterThan(screen.indexOf("demo/shop"))
    expect(screen).toContain("kubectl --kubeconfig /tmp/k.kubeconfig apply -f /tmp/k-example.yaml")
    expect(screen).toContain("kubectl --kubeconfig /tmp/k.kubeconfig get svc,ingress -A -w")
    expect(screen).toContain("Avi API https://127.0.0.1:9443  user admin  password pw")
    expect(screen).toContain(
      "k SIGKILL the leader  s SIGTERM the leader  r restart stopped replicas  a Avi objects  e Events  q quit"
    )
  })

  it("says when nobody holds the Lease", () => {
    const screen = plain(renderScreen(snapshot({
      cluster: {
        ...cluster,
        lease: { holder: undefined, acquireTimeMs: undefined, renewTimeMs: undefined, transitions: 3 }
      },
      demo: true
    }))).join("\n")
    expect(screen).toContain("ako-lease-lock: no holder (holder changes 3)")
    expect(screen).toContain("scripted demo running")
    expect(
      plain(renderScreen(snapshot({ cluster: { ...cluster, demoSynced: true } }))).join("\n")
    ).toContain("Synced demo published")
  })
})

describe("playground browsing screens", () => {
  const entries = ["a", "b", "c", "d", "e", "f"].map((letter) => ({
    type: "pool",
    name: `playground--pool-${letter}`,
    body: { name: `playground--pool-${letter}`, lb_algorithm: "LB_ALGORITHM_LEAST_CONNECTIONS", servers: [] }
  }))

  it("lists the Avi objects by type and name, highlights the picked one and scrolls with it", () => {
    const lines = plain(renderAviScreen(entries, { cursor: 5, open: false, offset: 0 }, 8))
    expect(lines[0]).toBe("Avi objects of this cluster  6 in all")
    expect(lines).toContain("> pool                   playground--pool-f")
    expect(lines.join("\n")).not.toContain("playground--pool-a")
    expect(lines).toHaveLength(8)
    expect(lines.at(-1)).toContain("Enter show its JSON")
  })

  it("shows the picked object's JSON as Avi holds it", () => {
    const lines = plain(renderAviScreen(entries, { cursor: 1, open: true, offset: 0 }, 20))
    expect(lines[0]).toMatch(/^pool playground--pool-b {2}lines 1-5 of 5$/)
    expect(lines).toContain("  \"lb_algorithm\": \"LB_ALGORITHM_LEAST_CONNECTIONS\",")
  })

  it("says when there is nothing yet, and lists Kubernetes Events newest last", () => {
    expect(plain(renderAviScreen([], { cursor: 0, open: false, offset: 0 }, 10)).join("\n")).toContain("none yet")
    const events = plain(renderEventsScreen([
      { atMs: NOW - 5000, type: "Normal", reason: "Synced", object: "Service demo/web", message: "ok", count: 1 },
      { atMs: NOW, type: "Warning", reason: "BadSecret", object: "Ingress demo/shop", message: "no key", count: 3 }
    ], 10))
    expect(events[2]).toBe("00:00:25 Normal Synced Service demo/web: ok")
    expect(events[3]).toBe("00:00:30 Warning BadSecret Ingress demo/shop (x3): no key")
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
