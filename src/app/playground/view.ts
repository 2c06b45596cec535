/**
 * The live terminal view, as plain text (the caller adds the ANSI cursor moves): replicas, the Lease, what Kubernetes
 * and Avi hold, recent events and the keys. Pure, so what a user sees can be tested without a terminal.
 */
import { BOLD, DIM, GREEN, RED, RESET, YELLOW } from "./ansi.js"
import { renderAviScreen, renderEventsScreen } from "./browse-view.js"
import type { AviBrowser, AviEntry, KubeEventEntry } from "./browse-view.js"
import type { ClusterState, Published } from "./cluster-view.js"
import type { PlaygroundEvent, ReplicaView } from "./replicas.js"
import { DEMO_NAMESPACE } from "./seed.js"

/** What a newcomer needs at hand to use the simulated cluster and Avi from another terminal. */
export interface Hints {
  readonly kubeconfig: string
  /** A manifest of a LoadBalancer Service of the user's own, ready for `kubectl apply -f`. */
  readonly exampleFile: string
  readonly aviUrl: string
  readonly aviUser: string
  readonly aviPassword: string
}

export type Screen =
  | { readonly kind: "main" }
  | { readonly kind: "avi"; readonly browser: AviBrowser }
  | { readonly kind: "events" }

export interface Snapshot {
  readonly nowMs: number
  readonly replicas: ReadonlyArray<ReplicaView>
  readonly cluster: ClusterState
  readonly events: ReadonlyArray<PlaygroundEvent>
  readonly hints: Hints
  readonly demo: boolean
  readonly screen: Screen
  readonly aviEntries: ReadonlyArray<AviEntry>
  readonly kubeEvents: ReadonlyArray<KubeEventEntry>
  /** The terminal's size. */
  readonly rows: number
  readonly columns: number
}

// Built from a string: a control character in a regex literal reads as a mistake.
const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

const seconds = (ms: number | undefined) => ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23)

const cell = (value: string | number | undefined, width: number) => String(value ?? "-").padEnd(width).slice(0, width)

const ROLE_WIDTH = 17

const role = (replica: ReplicaView, holder: string | undefined) => {
  if (replica.status === "exited") return `${RED}exited (${replica.exit ?? "?"})${RESET}`
  if (replica.status === "stopping") return `${YELLOW}stopping${RESET}`
  if (replica.stats?.leader === true || holder === replica.name) return `${GREEN}${BOLD}LEADER${RESET}`
  if (replica.stats?.ready === true) return "standby"
  return `${DIM}${replica.phase}${RESET}`
}

const publishedLine = (entry: Published) =>
  `  ${cell(`${entry.namespace}/${entry.name}`, 24)} ${cell(entry.detail, 30)} ${
    entry.vips.length === 0 ? `${DIM}(no VIP yet)${RESET}` : entry.vips.join(", ")
  }`

export const formatEvent = (event: PlaygroundEvent) => `${clock(event.atMs)}  ${cell(event.source, 10)} ${event.text}`

export const renderScreen = (snapshot: Snapshot, eventLines = 8): ReadonlyArray<string> => {
  const { columns, rows } = snapshot
  if (snapshot.screen.kind === "avi") {
    return renderAviScreen(snapshot.aviEntries, snapshot.screen.browser, rows, columns)
  }
  if (snapshot.screen.kind === "events") return renderEventsScreen(snapshot.kubeEvents, rows, columns)
  const { cluster, hints, nowMs } = snapshot
  const lease = cluster.lease
  const lines: Array<string> = []
  lines.push(`${BOLD}ako-ts playground${RESET}  ${DIM}Kubernetes and Avi simulated in this process${RESET}`)
  lines.push("")
  lines.push(
    `${BOLD}${cell("replica", 8)} ${cell("pid", 8)} ${cell("role", ROLE_WIDTH)} ${cell("term", 5)} ${
      cell("won/lost", 8)
    } ${cell("ready", 6)} ${cell("renew age", 10)} ${cell("avi cached", 11)} ${cell("units", 6)} queue${RESET}`
  )
  for (const replica of snapshot.replicas) {
    const stats = replica.stats
    const roleText = role(replica, lease.holder)
    // ANSI codes take no columns: pad the visible text, not the escaped one.
    const visible = roleText.replace(ANSI_STYLE, "")
    const padded = visible.length > ROLE_WIDTH ?
      roleText.replace(visible, visible.slice(0, ROLE_WIDTH)) :
      `${roleText}${" ".repeat(ROLE_WIDTH - visible.length)}`
    lines.push(
      `${cell(replica.name, 8)} ${cell(replica.pid, 8)} ${padded} ${cell(stats?.term, 5)} ${
        cell(stats === undefined ? undefined : `${stats.gained ?? 0}/${stats.lost ?? 0}`, 8)
      } ${cell(stats === undefined ? undefined : stats.ready ? "yes" : "no", 6)} ${
        cell(stats?.renewAgeSeconds === undefined ? undefined : `${stats.renewAgeSeconds.toFixed(1)}s`, 10)
      } ${cell(stats?.aviCached, 11)} ${cell(stats?.desiredUnits, 6)} ${stats?.queueDepth ?? "-"}`
    )
  }
  lines.push("")
  lines.push(
    lease.holder === undefined ?
      `${BOLD}Lease${RESET} ako-lease-lock: ${YELLOW}no holder${RESET} (holder changes ${lease.transitions})` :
      `${BOLD}Lease${RESET} ako-lease-lock: held by ${GREEN}${lease.holder}${RESET} for ${
        seconds(lease.acquireTimeMs === undefined ? undefined : nowMs - lease.acquireTimeMs)
      }, renewed ${
        seconds(lease.renewTimeMs === undefined ? undefined : nowMs - lease.renewTimeMs)
      } ago, holder changes ${lease.transitions}`
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
  const isDemo = (entry: Published) => entry.namespace === DEMO_NAMESPACE
  lines.push("")
  lines.push(`${BOLD}Demo${RESET} ${DIM}(namespace ${DEMO_NAMESPACE}, seeded)${RESET}`)
  lines.push(...cluster.services.filter(isDemo).map(publishedLine))
  lines.push(...cluster.ingresses.filter(isDemo).map(publishedLine))
  const yours = [...cluster.services, ...cluster.ingresses].filter((entry) => !isDemo(entry))
  lines.push(`${BOLD}Yours${RESET} ${DIM}(what you kubectl apply)${RESET}`)
  lines.push(...(yours.length === 0 ? [`  ${DIM}none yet: try the apply below${RESET}`] : yours.map(publishedLine)))
  lines.push("")
  lines.push(`${BOLD}Recent events${RESET}`)
  lines.push(...snapshot.events.slice(-eventLines).map((event) => `  ${formatEvent(event)}`.slice(0, columns)))
  lines.push("")
  lines.push(`${BOLD}Try${RESET} in another terminal:`)
  lines.push(`  kubectl --kubeconfig ${hints.kubeconfig} apply -f ${hints.exampleFile}`)
  lines.push(`  kubectl --kubeconfig ${hints.kubeconfig} get svc,ingress -A -w`)
  lines.push(`  Avi API ${hints.aviUrl}  user ${hints.aviUser}  password ${hints.aviPassword}`)
  lines.push(
    snapshot.demo ?
      `${BOLD}scripted demo running${RESET}  q quit` :
      `${BOLD}k${RESET} SIGKILL the leader  ${BOLD}s${RESET} SIGTERM the leader  ${BOLD}r${RESET} restart stopped replicas  ${BOLD}a${RESET} Avi objects  ${BOLD}e${RESET} Events  ${BOLD}q${RESET} quit`
  )
  return lines
}

/** Home, each line cleared to its end, then everything below cleared: a redraw without flicker. */
export const frame = (lines: ReadonlyArray<string>) =>
  `\u001b[H${lines.map((line) => `${line}\u001b[K`).join("\n")}\u001b[J`
export const ENTER_SCREEN = "\u001b[?1049h\u001b[?25l"
export const LEAVE_SCREEN = "\u001b[?25h\u001b[?1049l"
