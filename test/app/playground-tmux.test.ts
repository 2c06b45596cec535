/**
 * The playground as a user drives it: in a real terminal (tmux), its live view shows the replicas and hints, the
 * keys switch to the Avi objects (pick one, read its JSON) and the Kubernetes Events, kill the leader, and quit
 * leaves the kubeconfig the hints named. Screens are read with `tmux capture-pane`, polled with deadlines.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { waitFor } from "../support/process.js"

const PLAYGROUND = fileURLToPath(new URL("../../dist/src/app/playground/cli-main.js", import.meta.url))
// Its own tmux server, so the test neither sees nor disturbs a developer's sessions.
const SOCKET = `ako-ts-test-${process.pid}`
const SESSION = "playground"
const directory = mkdtempSync(join(tmpdir(), "ako-ts-tmux-"))
const kubeconfig = join(directory, "pg.kubeconfig")

const tmux = (...args: ReadonlyArray<string>) =>
  execFileSync("tmux", ["-L", SOCKET, ...args], {
    encoding: "utf8",
    env: { ...process.env, TERM: "xterm-256color" },
    stdio: ["ignore", "pipe", "pipe"]
  })

const screen = () => tmux("capture-pane", "-p", "-t", SESSION)
const press = (key: string) => void tmux("send-keys", "-t", SESSION, key)
const sessionAlive = () => {
  try {
    tmux("has-session", "-t", SESSION)
    return true
  } catch {
    return false
  }
}
const showing = (description: string, test: (text: string) => boolean, timeoutMs = 20_000) =>
  waitFor(description, () => test(screen()), timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}\n--- screen ---\n${screen()}`)
  })

afterAll(() => {
  try {
    tmux("kill-server")
  } catch {
    // already gone: the playground quit and the session with it
  }
  rmSync(directory, { recursive: true, force: true })
})

describe("the playground in a terminal", () => {
  it("shows the hints, the Avi objects with their JSON and the Events, takes the keys and quits cleanly", async () => {
    tmux(
      "new-session",
      "-d",
      "-s",
      SESSION,
      "-x",
      "160",
      "-y",
      "48",
      `${process.execPath} ${PLAYGROUND} --kubeconfig-out ${kubeconfig}`
    )
    await showing(
      "a leader and the demo's VIPs",
      (text) => text.includes("LEADER") && text.includes("demo published"),
      90_000
    )
    const main = screen()
    expect(main).toContain(`kubectl --kubeconfig ${kubeconfig} apply -f ${join(directory, "pg-example.yaml")}`)
    expect(main).toMatch(/Avi API https:\/\/127\.0\.0\.1:\d+ {2}user admin {2}password \S+/)
    expect(main).toContain("none yet: try the apply below")
    // The standby's cache holds the leader's objects within seconds, not after the default one-minute refresh.
    await showing(
      "a standby with a warm Avi cache",
      (text) => /standby\s+\d+\s+\d+\/\d+\s+yes\s+\S+\s+[1-9]\d*\s/.test(text)
    )

    press("a")
    await showing("the Avi objects", (text) => text.includes("Avi objects of this cluster"))
    await showing("the picked object", (text) => /^> virtualservice\s+playground--/m.test(text))
    press("Down")
    await showing("the cursor on the second object", (text) => /^ {2}virtualservice\s+playground--/m.test(text))
    press("Enter")
    await showing(
      "the object's JSON",
      (text) => /lines 1-\d+ of \d+/.test(text) && text.includes("\"name\": \"playground--")
    )
    press("Escape")
    await showing("the list again", (text) => text.includes("Enter show its JSON"))

    press("e")
    await showing("the Kubernetes Events", (text) => text.includes("Kubernetes Events"))
    press("m")
    await showing("the main view", (text) => text.includes("Lease ako-lease-lock"))

    press("k")
    await showing("the killed leader", (text) => text.includes("exited (SIGKILL)"))

    press("q")
    await waitFor("the playground to quit", () => !sessionAlive(), 40_000)
    expect(existsSync(kubeconfig)).toBe(true)
  })
})
