/**
 * The playground's two browsing screens, as plain text like view.ts: the Avi objects ako-ts made (names per type,
 * one picked to show its JSON as Avi holds it) and the Kubernetes Events the replicas emitted. A counter of Avi
 * objects says that something happened; the names and bodies show what ako-ts actually wrote.
 */

import { BOLD, DIM, INVERSE, RESET, YELLOW } from "./ansi.js"

export interface AviEntry {
  readonly type: string
  readonly name: string
  readonly body: Readonly<Record<string, unknown>>
}

export interface KubeEventEntry {
  readonly atMs: number | undefined
  readonly type: string
  readonly reason: string
  /** `Kind namespace/name` of the object the Event is about. */
  readonly object: string
  readonly message: string
  readonly count: number
}

/** Where the user is in the Avi screen: the highlighted object, and whether its JSON is open (scrolled by `offset`). */
export interface AviBrowser {
  readonly cursor: number
  readonly open: boolean
  readonly offset: number
}

/** Keeps the cursor inside the list (objects come and go while the user browses). */
export const clampBrowser = (browser: AviBrowser, count: number): AviBrowser => ({
  ...browser,
  cursor: Math.max(0, Math.min(browser.cursor, count - 1))
})

/** A line that wrapped would push the screen's first lines off the top of the terminal. */
const fit = (line: string, columns: number) => line.length > columns ? `${line.slice(0, columns - 1)}…` : line

export const renderAviScreen = (
  entries: ReadonlyArray<AviEntry>,
  browser: AviBrowser,
  rows: number,
  columns = 200
): ReadonlyArray<string> => {
  const lines: Array<string> = [
    `${BOLD}Avi objects of this cluster${RESET}  ${DIM}${entries.length} in all${RESET}`,
    ""
  ]
  const keys = browser.open ?
    `${BOLD}↑/↓${RESET} scroll  ${BOLD}Enter${RESET}/${BOLD}Esc${RESET} back to the list  ${BOLD}q${RESET} quit` :
    `${BOLD}↑/↓${RESET} pick  ${BOLD}Enter${RESET} show its JSON  ${BOLD}m${RESET} main view  ${BOLD}e${RESET} Events  ${BOLD}q${RESET} quit`
  const room = Math.max(3, rows - lines.length - 2)
  if (entries.length === 0) {
    lines.push(`${DIM}none yet: the leader creates them once its caches are synced${RESET}`)
  } else if (browser.open) {
    const picked = entries[clampBrowser(browser, entries.length).cursor]!
    const json = JSON.stringify(picked.body, null, 2).split("\n")
    const offset = Math.max(0, Math.min(browser.offset, json.length - room + 1))
    lines[0] = `${BOLD}${picked.type}${RESET} ${picked.name}  ${DIM}lines ${offset + 1}-${
      Math.min(json.length, offset + room - 1)
    } of ${json.length}${RESET}`
    lines.push(...json.slice(offset, offset + room - 1).map((line) => fit(line, columns)))
  } else {
    const cursor = clampBrowser(browser, entries.length).cursor
    // A window around the cursor, so a long list scrolls instead of running off the screen.
    const start = Math.max(0, Math.min(cursor - Math.floor(room / 2), entries.length - room))
    entries.slice(start, start + room).forEach((entry, i) => {
      const text = fit(`${entry.type.padEnd(22)} ${entry.name}`, columns - 2)
      lines.push(start + i === cursor ? `${INVERSE}> ${text}${RESET}` : `  ${text}`)
    })
  }
  while (lines.length < rows - 1) lines.push("")
  lines.push(keys)
  return lines
}

const clock = (ms: number | undefined) => ms === undefined ? "--:--:--" : new Date(ms).toISOString().slice(11, 19)

export const renderEventsScreen = (
  events: ReadonlyArray<KubeEventEntry>,
  rows: number,
  columns = 200
): ReadonlyArray<string> => {
  const lines: Array<string> = [
    `${BOLD}Kubernetes Events${RESET}  ${DIM}what the replicas told Kubernetes, newest last${RESET}`,
    ""
  ]
  const room = Math.max(3, rows - lines.length - 2)
  if (events.length === 0) lines.push(`${DIM}no Events yet${RESET}`)
  for (const event of events.slice(-room)) {
    const text = fit(
      `${clock(event.atMs)} ${event.type} ${event.reason} ${event.object}${
        event.count > 1 ? ` (x${event.count})` : ""
      }: ${event.message}`,
      columns
    )
    lines.push(event.type === "Normal" ? text : text.replace(event.type, `${YELLOW}${event.type}${RESET}`))
  }
  while (lines.length < rows - 1) lines.push("")
  lines.push(`${BOLD}m${RESET} main view  ${BOLD}a${RESET} Avi objects  ${BOLD}q${RESET} quit`)
  return lines
}
