/**
 * `ako-ts playground`: the Kubernetes and Avi simulators in this process, a seeded demo, and controller replicas as
 * child processes, shown live in the terminal (or as plain lines). Everything is a scoped resource: quitting, a
 * signal or the end of the scripted demo stops the replicas, closes the simulators and restores the terminal.
 */
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { existsSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startAviSim } from "../../sim/avi/index.js"
import type { AviSim } from "../../sim/avi/index.js"
import { startKubeSim } from "../../sim/kube/index.js"
import type { KubeSim } from "../../sim/kube/index.js"
import { ENTRY_POINT } from "../entry-point.js"
import { clampBrowser } from "./browse-view.js"
import { readAviEntries, readCluster, readKubeEvents, readLease } from "./cluster-view.js"
import { runDemo } from "./demo.js"
import { PlaygroundError } from "./errors.js"
import { makeReplicaSet } from "./replicas.js"
import type { ReplicaSet } from "./replicas.js"
import { AVI_PASSWORD, AVI_USER, exampleManifest, seedDemo } from "./seed.js"
import { ENTER_SCREEN, formatEvent, frame, LEAVE_SCREEN, renderScreen } from "./view.js"
import type { Hints, Screen } from "./view.js"

export interface PlaygroundOptions {
  /** Where to write an admin kubeconfig for the simulated cluster (else a temporary file). */
  readonly kubeconfigOut: Option.Option<string>
  /** Run the scripted takeovers, print their times and return. */
  readonly demo: boolean
  readonly replicas: number
  /** Plain lines instead of the live view (also what a non-terminal stdout gets). */
  readonly noTui: boolean
}

export const defaultPlaygroundOptions: PlaygroundOptions = {
  kubeconfigOut: Option.none(),
  demo: false,
  replicas: 2,
  noTui: false
}

const write = (text: string) => Effect.sync(() => void process.stdout.write(text))

const tryPromise = <A>(what: string, run: () => Promise<A>) =>
  Effect.tryPromise({
    try: run,
    catch: (cause) =>
      new PlaygroundError({ message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })
  })

const simulators = Effect.gen(function*() {
  const kube = yield* Effect.acquireRelease(
    tryPromise("cannot start the Kubernetes simulator", () => startKubeSim()),
    (sim) => Effect.promise(() => sim.close())
  )
  // HTTPS with its CA in avi-secret, so the replicas verify the controller's certificate as in production.
  const avi = yield* Effect.acquireRelease(
    tryPromise(
      "cannot start the Avi simulator",
      () => startAviSim({ users: [{ username: AVI_USER, password: AVI_PASSWORD }] })
    ),
    (sim) => Effect.promise(() => sim.close())
  )
  return { kube, avi }
})

const workDirectory = Effect.acquireRelease(
  tryPromise("cannot create a temporary directory", () => mkdtemp(join(tmpdir(), "ako-ts-playground-"))),
  (directory) => Effect.promise(() => rm(directory, { recursive: true, force: true }))
)

export const tryLines = (hints: Hints): ReadonlyArray<string> => [
  `kubeconfig of the simulated cluster: ${hints.kubeconfig} (kept after the playground quits)`,
  `Avi API: ${hints.aviUrl} user ${hints.aviUser} password ${hints.aviPassword}`,
  "try, in another terminal:",
  `  kubectl --kubeconfig ${hints.kubeconfig} get svc,ingress -A -w`,
  `  kubectl --kubeconfig ${hints.kubeconfig} apply -f ${hints.exampleFile}`
]

/**
 * Outside the work directory, which is removed at quit: the kubeconfig the hints name must still be there when the
 * user reads them after quitting (the simulators are gone then, but a restart writes the same path again).
 */
const defaultKubeconfig = () => join(tmpdir(), "ako-ts-playground.kubeconfig")
const exampleFileBeside = (kubeconfig: string) => kubeconfig.replace(/(\.kubeconfig|\.ya?ml)?$/, "-example.yaml")

/** Notes when the Lease changes hands and when the demo objects first all have VIPs, as events. */
const watchCluster = (kube: KubeSim, avi: AviSim, replicas: ReplicaSet) =>
  Effect.gen(function*() {
    let holder: string | undefined
    let synced = false
    const check = Effect.gen(function*() {
      const lease = readLease(kube)
      if (lease.holder !== holder) {
        holder = lease.holder
        yield* replicas.note(holder === undefined ? "Lease has no holder" : `Lease now held by ${holder}`)
      }
      if (!synced) {
        const cluster = readCluster(kube, avi)
        if (cluster.demoSynced) {
          synced = true
          for (const entry of [...cluster.services, ...cluster.ingresses]) {
            yield* replicas.note(`${entry.namespace}/${entry.name} has VIP ${entry.vips.join(", ")}`)
          }
        }
      }
    })
    yield* check.pipe(Effect.repeat(Schedule.spaced(Duration.millis(100))), Effect.forkScoped)
  })

const liveView = (
  kube: KubeSim,
  avi: AviSim,
  replicas: ReplicaSet,
  hints: Hints,
  demo: boolean,
  screen: Ref.Ref<Screen>
): Effect.Effect<Effect.Effect<void>, never, Scope.Scope> =>
  Effect.gen(function*() {
    yield* Effect.acquireRelease(write(ENTER_SCREEN), () => write(LEAVE_SCREEN))
    const draw = Effect.gen(function*() {
      const current = yield* Ref.get(screen)
      const lines = renderScreen({
        nowMs: yield* Clock.currentTimeMillis,
        replicas: yield* replicas.views,
        cluster: readCluster(kube, avi),
        events: yield* replicas.events,
        hints,
        demo,
        screen: current,
        aviEntries: current.kind === "avi" ? readAviEntries(avi) : [],
        kubeEvents: current.kind === "events" ? readKubeEvents(kube) : [],
        rows: process.stdout.rows ?? 40,
        columns: process.stdout.columns ?? 120
      })
      yield* write(frame(lines))
    })
    yield* draw.pipe(Effect.repeat(Schedule.spaced(Duration.millis(250))), Effect.forkScoped)
    return draw
  })

const lineView = (replicas: ReplicaSet) =>
  Effect.gen(function*() {
    const events = yield* replicas.subscribe
    yield* Stream.fromQueue(events).pipe(
      Stream.runForEach((event) => Console.log(formatEvent(event))),
      Effect.forkScoped
    )
  })

/** Keys typed in the terminal, one character each; stdin is in raw mode while the stream runs. */
const keys: Stream.Stream<string> = Stream.unwrapScoped(
  Effect.acquireRelease(
    Effect.sync(() => {
      process.stdin.setRawMode(true)
      process.stdin.resume()
    }),
    () =>
      Effect.sync(() => {
        process.stdin.setRawMode(false)
        process.stdin.pause()
      })
  ).pipe(Effect.as(Stream.async<string>((emit) => {
    const onData = (chunk: Buffer) => {
      for (const key of keysOf(chunk.toString("utf8"))) void emit.single(key)
    }
    process.stdin.on("data", onData)
    return Effect.sync(() => void process.stdin.off("data", onData))
  })))
)

const ESCAPE = "\u001b"
const UP = `${ESCAPE}[A`
const DOWN = `${ESCAPE}[B`

/** Splits a chunk of typed input into keys; an arrow key arrives as one three-character escape sequence. */
export const keysOf = (chunk: string): ReadonlyArray<string> => {
  const keys: Array<string> = []
  for (let i = 0; i < chunk.length; i++) {
    if (chunk[i] === ESCAPE && chunk[i + 1] === "[" && i + 2 < chunk.length) {
      keys.push(chunk.slice(i, i + 3))
      i += 2
    } else keys.push(chunk[i]!)
  }
  return keys
}

/**
 * The browsing screens' keys: arrows (or j/k) move or scroll, Enter opens and closes an object's JSON, Esc goes
 * back. They take precedence there, so `k` moves the cursor in the Avi list instead of killing the leader.
 */
const onBrowseKey = (screen: Screen, key: string, avi: AviSim): Screen | undefined => {
  if (key === "m") return { kind: "main" }
  if (key === "a") return { kind: "avi", browser: { cursor: 0, open: false, offset: 0 } }
  if (key === "e") return { kind: "events" }
  if (screen.kind !== "avi") return key === ESCAPE ? { kind: "main" } : undefined
  const { browser } = screen
  const count = readAviEntries(avi).length
  const step = key === UP || key === "k" ? -1 : key === DOWN || key === "j" ? 1 : 0
  if (step !== 0) {
    return {
      kind: "avi",
      browser: browser.open ?
        { ...browser, offset: Math.max(0, browser.offset + step) } :
        clampBrowser({ ...browser, cursor: browser.cursor + step }, count)
    }
  }
  if (key === "\r" || key === "\n") return { kind: "avi", browser: { ...browser, open: !browser.open, offset: 0 } }
  if (key === ESCAPE) return browser.open ? { kind: "avi", browser: { ...browser, open: false } } : { kind: "main" }
  return undefined
}

const onKey = (
  kube: KubeSim,
  avi: AviSim,
  replicas: ReplicaSet,
  quit: Deferred.Deferred<void>,
  screen: Ref.Ref<Screen>,
  redraw: Effect.Effect<void>
) =>
(key: string) => {
  const leader = readLease(kube).holder
  return Effect.gen(function*() {
    if (key === "q" || key === "\u0003") return yield* Deferred.succeed(quit, undefined)
    const current = yield* Ref.get(screen)
    const next = current.kind === "main" && key !== "a" && key !== "e" ? undefined : onBrowseKey(current, key, avi)
    if (next !== undefined) {
      yield* Ref.set(screen, next)
      return yield* redraw
    }
    if (current.kind !== "main") return
    yield* mainKey(key, leader, replicas)
  })
}

const mainKey = (key: string, leader: string | undefined, replicas: ReplicaSet) => {
  switch (key) {
    case "k":
    case "s":
      return leader === undefined ?
        replicas.note("no leader to stop", "WARN") :
        replicas.signal(leader, key === "k" ? "SIGKILL" : "SIGTERM").pipe(Effect.asVoid)
    case "r":
      return replicas.restartExited.pipe(
        Effect.flatMap((names) => names.length === 0 ? replicas.note("no stopped replica to restart") : Effect.void),
        Effect.catchAll((error) => replicas.note(error.message, "ERROR"))
      )
    default:
      return Effect.void
  }
}

const session = (options: PlaygroundOptions) =>
  Effect.gen(function*() {
    if (!existsSync(ENTRY_POINT)) {
      return yield* new PlaygroundError({
        message: `the built controller is missing at ${ENTRY_POINT}; run \`npm run build\` first`
      })
    }
    if (!Number.isInteger(options.replicas) || options.replicas < 1 || options.replicas > 9) {
      return yield* new PlaygroundError({ message: `--replicas must be between 1 and 9, not ${options.replicas}` })
    }
    const tui = !options.noTui && process.stdout.isTTY === true
    const { avi, kube } = yield* simulators
    const directory = yield* workDirectory
    yield* seedDemo(kube, avi)
    const kubeconfig = Option.getOrElse(options.kubeconfigOut, defaultKubeconfig)
    const hints: Hints = {
      kubeconfig,
      exampleFile: exampleFileBeside(kubeconfig),
      aviUrl: avi.url,
      aviUser: AVI_USER,
      aviPassword: AVI_PASSWORD
    }
    yield* Effect.try({
      try: () => {
        kube.writeKubeconfig(kubeconfig)
        writeFileSync(hints.exampleFile, exampleManifest)
      },
      catch: (cause) => new PlaygroundError({ message: `cannot write ${kubeconfig}: ${String(cause)}` })
    })
    yield* Console.log(`ako-ts playground: Kubernetes simulator ${kube.url}, Avi simulator ${avi.url}`)
    for (const line of tryLines(hints)) yield* Console.log(line)

    const replicas = yield* makeReplicaSet({ kube, entryPoint: ENTRY_POINT, directory })
    // Runs after the terminal is restored and before the replicas are stopped, so the wait has an explanation.
    yield* Effect.addFinalizer(() => Console.log("stopping the replicas and the simulators"))
    const screen = yield* Ref.make<Screen>({ kind: "main" })
    const redraw = tui ? yield* liveView(kube, avi, replicas, hints, options.demo, screen) : Effect.void
    if (!tui) yield* lineView(replicas)
    yield* watchCluster(kube, avi, replicas)
    yield* replicas.poll.pipe(Effect.repeat(Schedule.spaced(Duration.millis(500))), Effect.forkScoped)
    yield* Effect.forEach(
      Array.from({ length: options.replicas }, (_, index) => `ako-${index}`),
      replicas.launch,
      { discard: true }
    )

    const quit = yield* Deferred.make<void>()
    if (process.stdin.isTTY === true) {
      yield* keys.pipe(Stream.runForEach(onKey(kube, avi, replicas, quit, screen, redraw)), Effect.forkScoped)
    }
    const finished = options.demo ?
      runDemo({ replicas, kube, avi }).pipe(Effect.map(Option.some)) :
      Effect.never
    const summary = yield* Effect.raceFirst(finished, Deferred.await(quit).pipe(Effect.as(Option.none())))
    // Printed after the live view has closed, so the hints are on the terminal once the playground is gone.
    return [...Option.getOrElse(summary, (): ReadonlyArray<string> => []), ...(tui ? tryLines(hints) : [])]
  })

export const runPlayground = (options: PlaygroundOptions): Effect.Effect<void, PlaygroundError> =>
  Effect.gen(function*() {
    const summary = yield* Effect.scoped(session(options))
    for (const line of summary) yield* Console.log(line)
  })
