/**
 * The live terminal view, as plain text (the caller adds the ANSI cursor moves): replicas, the Lease, what Kubernetes
 * and Avi hold, recent events and the keys. Pure, so what a user sees can be tested without a terminal.
 */
import type { ClusterState, Published } from "./cluster-view.js"
import type { PlaygroundEvent, ReplicaView } from "./replicas.js"

export interface Snapshot {
  readonly nowMs: number
  readonly replicas: ReadonlyArray<ReplicaView>
  readonly cluster: ClusterState
  readonly events: ReadonlyArray<PlaygroundEvent>
  readonly kubeconfig: string
  readonly demo: boolean
}

const BOLD = "\u001b[1m"
const DIM = "\u001b[2m"
const GREEN = "\u001b[32m"
const YELLOW = "\u001b[33m"
const RED = "\u001b[31m"
const RESET = "\u001b[0m"

// Built from a string: a control character in a regex literal reads as a mistake.
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

const seconds = (ms: number | undefined) => ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23)

const cell = (value: string | number | undefined, width: number) => String(value ?? "-").padEnd(width).slice(0, width)

const role = (replica: ReplicaView, holder: string | undefined) => {
  if (replica.status === "exited") return `${RED}exited (${replica.exit ?? "?"})${RESET}`
  if (replica.status === "stopping") return `${YELLOW}stopping${RESET}`
  if (replica.status === "starting") return `${DIM}starting${RESET}`
  if (replica.stats?.leader === true || holder === replica.name) return `${GREEN}${BOLD}LEADER${RESET}`
  return "standby"
}

const publishedLine = (entry: Published) =>
  `  ${cell(`${entry.namespace}/${entry.name}`, 24)} ${cell(entry.detail, 30)} ${
    entry.vips.length === 0 ? `${DIM}(no VIP yet)${RESET}` : entry.vips.join(", ")
  }`

export const formatEvent = (event: PlaygroundEvent) => `${clock(event.atMs)}  ${cell(event.source, 10)} ${event.text}`

export const renderScreen = (snapshot: Snapshot, eventLines = 10): ReadonlyArray<string> => {
  const { cluster, nowMs } = snapshot
  const lease = cluster.lease
  const lines: Array<string> = []
  lines.push(`${BOLD}ako-ts playground${RESET}  ${DIM}Kubernetes and Avi simulated in this process${RESET}`)
  lines.push("")
  lines.push(
    `${BOLD}${cell("replica", 8)} ${cell("pid", 8)} ${cell("role", 10)} ${cell("term", 5)} ${cell("changes", 8)} ${
      cell("ready", 6)
    } ${cell("renew age", 10)} ${cell("avi cached", 11)} ${cell("units", 6)} queue${RESET}`
  )
  for (const replica of snapshot.replicas) {
    const stats = replica.stats
    const roleText = role(replica, lease.holder)
    // ANSI codes take no columns: pad the visible text, not the escaped one.
    const visible = roleText.replace(ANSI_STYLE, "")
    lines.push(
      `${cell(replica.name, 8)} ${cell(replica.pid, 8)} ${roleText}${" ".repeat(Math.max(1, 11 - visible.length))}${
        cell(stats?.term, 5)
      } ${cell(stats?.transitions, 8)} ${cell(stats === undefined ? undefined : stats.ready ? "yes" : "no", 6)} ${
        cell(stats?.renewAgeSeconds === undefined ? undefined : `${stats.renewAgeSeconds.toFixed(1)}s`, 10)
      } ${cell(stats?.aviCached, 11)} ${cell(stats?.desiredUnits, 6)} ${stats?.queueDepth ?? "-"}`
    )
  }
  lines.push("")
  lines.push(
    lease.holder === undefined ?
      `${BOLD}Lease${RESET} ako-lease-lock: ${YELLOW}no holder${RESET} (transitions ${lease.transitions})` :
      `${BOLD}Lease${RESET} ako-lease-lock: held by ${GREEN}${lease.holder}${RESET} for ${
        seconds(lease.acquireTimeMs === undefined ? undefined : nowMs - lease.acquireTimeMs)
      }, renewed ${
        seconds(lease.renewTimeMs === undefined ? undefined : nowMs - lease.renewTimeMs)
      } ago, transitions ${lease.transitions}`
  )
  const published = [...cluster.services, ...cluster.ingresses]
  const withVip = published.filter((entry) => entry.vips.length > 0).length
  lines.push(
    `${BOLD}Synced${RESET} ${
      cluster.demoSynced ? `${GREEN}demo published${RESET}` : `${YELLOW}waiting for the demo's VIPs${RESET}`
    }, ${withVip} of ${published.length} Services and Ingresses have a VIP`
  )
  lines.push(
    `${BOLD}Avi objects${RESET} ${
      cluster.aviObjects.length === 0 ?
        `${DIM}none yet${RESET}` :
        cluster.aviObjects.map(([type, count]) => `${type} ${count}`).join("  ")
    }`
  )
  lines.push("")
  lines.push(`${BOLD}Services (LoadBalancer)${RESET}`)
  lines.push(...cluster.services.map(publishedLine))
  lines.push(`${BOLD}Ingresses${RESET}`)
  lines.push(...cluster.ingresses.map(publishedLine))
  lines.push("")
  lines.push(`${BOLD}Recent events${RESET}`)
  lines.push(...snapshot.events.slice(-eventLines).map((event) => `  ${formatEvent(event)}`))
  lines.push("")
  lines.push(`${DIM}kubectl --kubeconfig ${snapshot.kubeconfig} get svc,ingress -A -w${RESET}`)
  lines.push(
    snapshot.demo ?
      `${BOLD}scripted demo running${RESET}  q quit` :
      `${BOLD}k${RESET} SIGKILL the leader  ${BOLD}s${RESET} SIGTERM the leader  ${BOLD}r${RESET} restart stopped replicas  ${BOLD}q${RESET} quit`
  )
  return lines
}

/** Home, each line cleared to its end, then everything below cleared: a redraw without flicker. */
export const frame = (lines: ReadonlyArray<string>) =>
  `\u001b[H${lines.map((line) => `${line}\u001b[K`).join("\n")}\u001b[J`
export const ENTER_SCREEN = "\u001b[?1049h\u001b[?25l"
export const LEAVE_SCREEN = "\u001b[?25h\u001b[?1049l"
