/**
 * The controller replicas of the playground: `ako-ts run` child processes of the built entry point, each with its own
 * Kubernetes user (token), kubeconfig, pod name and health port. Each child lives in its own scope, so a replica can
 * be killed and started again while the playground runs, and closing the playground stops every child that is left.
 * Their JSON log lines become the events the view shows; their /metrics and /readyz give the table.
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Queue from "effect/Queue"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"
import type { Readable } from "node:stream"
import type { KubeSim } from "../../sim/kube/index.js"
import { PlaygroundError } from "./errors.js"
import { parseSamples, sumOf } from "./prometheus-text.js"
import { CONTROLLER_NAMESPACE } from "./seed.js"

export type ReplicaStatus = "starting" | "running" | "stopping" | "exited"

export interface ReplicaStats {
  readonly leader: boolean
  readonly term: number | undefined
  /** Times this replica gained and lost the Lease (ako_election_transitions_total by direction). */
  readonly gained: number | undefined
  readonly lost: number | undefined
  readonly renewAgeSeconds: number | undefined
  readonly aviCached: number | undefined
  readonly desiredUnits: number | undefined
  readonly queueDepth: number | undefined
  readonly ready: boolean
}

export interface ReplicaView {
  readonly name: string
  readonly pid: number | undefined
  readonly port: number
  readonly status: ReplicaStatus
  /** How the process ended: `code 0`, `SIGKILL`, … */
  readonly exit: string | undefined
  /** What a replica that is not ready yet is doing, from its log: reading config, syncing caches, electing. */
  readonly phase: string
  readonly stats: ReplicaStats | undefined
}

export interface PlaygroundEvent {
  readonly atMs: number
  /** A replica's name, or `playground` for what the playground itself did. */
  readonly source: string
  readonly level: string
  /** The log message as the replica wrote it (what the scripted demo waits for). */
  readonly message: string
  /** What the view shows. */
  readonly text: string
}

export type StopSignal = "SIGTERM" | "SIGKILL"

export interface ReplicaSetConfig {
  readonly kube: KubeSim
  /** The built `ako-ts` entry point (dist/src/app/main.js). */
  readonly entryPoint: string
  /** Where the replicas' kubeconfigs go. */
  readonly directory: string
  /** Kept events; the view shows the last few. */
  readonly eventLimit?: number
}

export interface ReplicaSet {
  /** Starts `name` (again, when it exited); returns once the process is spawned. */
  readonly launch: (name: string) => Effect.Effect<void, PlaygroundError>
  /** Sends the signal when the replica is alive; false when it is not. */
  readonly signal: (name: string, signal: StopSignal) => Effect.Effect<boolean>
  /** Starts every exited replica again under its own name; returns their names. */
  readonly restartExited: Effect.Effect<ReadonlyArray<string>, PlaygroundError>
  /** `ako-<n>` for the lowest n never used. */
  readonly freshName: Effect.Effect<string>
  readonly views: Effect.Effect<ReadonlyArray<ReplicaView>>
  readonly events: Effect.Effect<ReadonlyArray<PlaygroundEvent>>
  /** Every event from now on. */
  readonly subscribe: Effect.Effect<Queue.Dequeue<PlaygroundEvent>, never, Scope.Scope>
  readonly note: (text: string, level?: string) => Effect.Effect<void>
  /** Reads /metrics and /readyz of every live replica once. */
  readonly poll: Effect.Effect<void>
  /** The exit of `name`, or None when it is still running after `timeout`. */
  readonly awaitExit: (name: string, timeout: Duration.DurationInput) => Effect.Effect<Option.Option<string>>
}

interface Handle {
  readonly child: ChildProcess
  readonly exited: Deferred.Deferred<string>
  readonly scope: Scope.CloseableScope
}

const STOP_GRACE = Duration.seconds(10)

export const freePort: Effect.Effect<number, PlaygroundError> = Effect.async((resume) => {
  const server = createServer()
  server.once(
    "error",
    (error) => resume(Effect.fail(new PlaygroundError({ message: `no free port: ${error.message}` })))
  )
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const isAlive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

/** SIGTERM first, so a leader releases its Lease; SIGKILL when it does not stop within the grace period. */
const stopChild = (child: ChildProcess, exited: Deferred.Deferred<string>) =>
  Effect.gen(function*() {
    if (!isAlive(child)) return
    child.kill("SIGTERM")
    const graceful = yield* Deferred.await(exited).pipe(Effect.timeoutOption(STOP_GRACE))
    if (Option.isSome(graceful)) return
    child.kill("SIGKILL")
    yield* Deferred.await(exited).pipe(Effect.timeoutOption(Duration.seconds(5)))
  })

const linesOf = (readable: Readable): Stream.Stream<string> =>
  Stream.async<string>((emit) => {
    readable.setEncoding("utf8")
    readable.on("data", (chunk: string) => void emit.single(chunk))
    readable.once("end", () => void emit.end())
    readable.once("error", () => void emit.end())
  }).pipe(Stream.splitLines)

const LogLine = Schema.parseJson(Schema.Struct({
  message: Schema.Unknown,
  logLevel: Schema.String,
  annotations: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({})
  })
}))
const decodeLogLine = Schema.decodeUnknownOption(LogLine)

const messageText = (message: unknown): string =>
  Array.isArray(message)
    ? message.map(messageText).join(" ")
    : typeof message === "string"
    ? message
    : JSON.stringify(message)

const annotation = (annotations: Readonly<Record<string, unknown>>, key: string): string => {
  const value = annotations[key]
  return value === undefined ? "?" : typeof value === "string" ? value : JSON.stringify(value)
}

/**
 * The start-up step a log line begins. A first start takes several seconds (Node, the configuration, lists and
 * watches, the Avi cache, the election); the view says which step each replica is in instead of a bare "starting".
 */
export const startPhaseAfter = (message: string): string | undefined => {
  if (message === "ako-ts starting") return "reading config"
  if (message === "ako-ts running") return "syncing caches"
  if (message.startsWith("caches synced")) return "electing"
  return undefined
}

/** The lines worth showing, in the view's words; everything else a replica logs stays out of the way. */
const describeLogLine = (
  message: string,
  level: string,
  annotations: Readonly<Record<string, unknown>>
): string | undefined => {
  switch (message) {
    case "ako-ts running":
      return "running"
    case "caches synced: Kubernetes stores, desired graph and Avi cache":
      return "caches synced"
    case "became leader":
      return `became leader (term ${annotation(annotations, "term")})`
    case "takeover complete; serving the work queue":
      return `takeover complete (${annotation(annotations, "units")} units, ${
        annotation(annotations, "stale")
      } stale deleted)`
    case "lease released":
      return "lease released"
    case "active work interrupted: leadership ended":
      return "active work stopped: leadership ended"
    case "ako-ts stopped: every component closed":
      return "stopped cleanly"
  }
  if (level === "WARN" || level === "ERROR" || level === "FATAL") {
    const detail = Object.entries(annotations).map(([key, value]) =>
      `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`
    ).join(" ")
    return `${level} ${message}${detail === "" ? "" : ` ${detail}`}`.slice(0, 300)
  }
  return undefined
}

const fetchText = (url: string) =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(url, { signal })
      return { status: response.status, body: await response.text() }
    },
    catch: () => "unreachable" as const
  }).pipe(Effect.timeoutFail({ duration: Duration.millis(800), onTimeout: () => "unreachable" as const }))

export const makeReplicaSet = (config: ReplicaSetConfig): Effect.Effect<ReplicaSet, never, Scope.Scope> =>
  Effect.gen(function*() {
    const limit = config.eventLimit ?? 200
    const handles = yield* Ref.make<ReadonlyMap<string, Handle>>(new Map())
    const views = yield* Ref.make<ReadonlyMap<string, ReplicaView>>(new Map())
    const events = yield* Ref.make<ReadonlyArray<PlaygroundEvent>>([])
    const hub = yield* PubSub.unbounded<PlaygroundEvent>()
    const everUsed = yield* Ref.make<ReadonlySet<string>>(new Set())

    // Every child still running when the playground closes is stopped, all at once so the shutdown takes one grace
    // period, not one per replica.
    yield* Effect.addFinalizer(() =>
      Ref.get(handles).pipe(
        Effect.flatMap((current) =>
          Effect.forEach(current.values(), (handle) => Scope.close(handle.scope, Exit.void), {
            concurrency: "unbounded",
            discard: true
          })
        )
      )
    )

    const record = (source: string, level: string, message: string, text: string) =>
      Effect.gen(function*() {
        const event: PlaygroundEvent = { atMs: yield* Clock.currentTimeMillis, source, level, message, text }
        yield* Ref.update(events, (current) => [...current, event].slice(-limit))
        yield* PubSub.publish(hub, event)
      })

    const note = (text: string, level = "INFO") => record("playground", level, text, text)

    const updateView = (name: string, f: (view: ReplicaView) => ReplicaView) =>
      Ref.update(views, (current) => {
        const view = current.get(name)
        return view === undefined ? current : new Map([...current, [name, f(view)]])
      })

    const onLine = (name: string, line: string) =>
      Option.match(decodeLogLine(line), {
        onNone: () => Effect.void,
        onSome: (entry) => {
          const message = messageText(entry.message)
          const phase = startPhaseAfter(message)
          const text = describeLogLine(message, entry.logLevel, entry.annotations)
          return Effect.zipRight(
            phase === undefined ? Effect.void : updateView(name, (view) => ({ ...view, phase })),
            text === undefined ? Effect.void : record(name, entry.logLevel, message, text)
          )
        }
      })

    const launch = (name: string): Effect.Effect<void, PlaygroundError> =>
      Effect.gen(function*() {
        const previous = (yield* Ref.get(handles)).get(name)
        if (previous !== undefined) {
          if (isAlive(previous.child)) return
          yield* Scope.close(previous.scope, Exit.void)
        }
        const port = yield* freePort
        const token = `playground-token-${name}`
        const kubeconfig = join(config.directory, `${name}.kubeconfig`)
        yield* Effect.try({
          try: () => {
            config.kube.addToken(token, name)
            config.kube.writeKubeconfig(kubeconfig, token, CONTROLLER_NAMESPACE)
          },
          catch: (cause) => new PlaygroundError({ message: `cannot write the kubeconfig of ${name}: ${String(cause)}` })
        })
        const scope = yield* Scope.make()
        const exited = yield* Deferred.make<string>()
        const child = yield* Effect.acquireRelease(
          Effect.sync(() => {
            const child = spawn(process.execPath, [config.entryPoint, "run", "--kubeconfig", kubeconfig], {
              env: {
                PATH: process.env["PATH"] ?? "",
                HOME: process.env["HOME"] ?? "/tmp",
                POD_NAME: name,
                POD_NAMESPACE: CONTROLLER_NAMESPACE,
                AKO_API_PORT: String(port),
                LOG_LEVEL: "INFO",
                // A standby's cache is re-read from Avi every minute by default; the leader writes the demo's
                // objects seconds after start, so a standby would show an empty cache for that minute.
                AKO_TS_AVI_CACHE_REFRESH: "5 seconds"
              },
              stdio: ["ignore", "pipe", "pipe"]
            })
            child.once("exit", (code, signal) =>
              Deferred.unsafeDone(exited, Exit.succeed(signal ?? `code ${code ?? "?"}`)))
            child.once("error", (error) =>
              Deferred.unsafeDone(exited, Exit.succeed(`failed: ${error.message}`)))
            return child
          }),
          (child) => stopChild(child, exited)
        ).pipe(Scope.extend(scope))
        yield* Ref.update(handles, (current) => new Map([...current, [name, { child, exited, scope }]]))
        yield* Ref.update(everUsed, (current) => new Set([...current, name]))
        yield* Ref.update(views, (current) =>
          new Map([...current, [name, {
            name,
            pid: child.pid,
            port,
            status: "starting" as const,
            exit: undefined,
            phase: "starting Node",
            stats: undefined
          }]]))
        yield* note(`started ${name} (pid ${child.pid ?? "?"}, health port ${port})`)
        if (child.stdout !== null) {
          yield* linesOf(child.stdout).pipe(Stream.runForEach((line) => onLine(name, line)), Effect.forkIn(scope))
        }
        if (child.stderr !== null) {
          yield* linesOf(child.stderr).pipe(
            Stream.filter((line) => line.trim() !== ""),
            Stream.runForEach((line) => record(name, "STDERR", line, `stderr: ${line.slice(0, 200)}`)),
            Effect.forkIn(scope)
          )
        }
        yield* Deferred.await(exited).pipe(
          Effect.tap((how) =>
            updateView(name, (view) => ({ ...view, status: "exited", exit: how, stats: undefined })).pipe(
              Effect.zipRight(note(`${name} exited (${how})`))
            )
          ),
          Effect.forkIn(scope)
        )
      })

    const signal = (name: string, how: StopSignal) =>
      Effect.gen(function*() {
        const handle = (yield* Ref.get(handles)).get(name)
        if (handle === undefined || !isAlive(handle.child)) return false
        yield* note(`${how} → ${name}`)
        handle.child.kill(how)
        if (how === "SIGTERM") yield* updateView(name, (view) => ({ ...view, status: "stopping" }))
        return true
      })

    const restartExited = Effect.gen(function*() {
      const exited = [...(yield* Ref.get(views)).values()].filter((view) => view.status === "exited")
      yield* Effect.forEach(exited, (view) => launch(view.name), { discard: true })
      return exited.map((view) => view.name)
    })

    const freshName = Ref.get(everUsed).pipe(Effect.map((used) => {
      let index = 0
      while (used.has(`ako-${index}`)) index++
      return `ako-${index}`
    }))

    const pollOne = (view: ReplicaView) =>
      Effect.gen(function*() {
        if (view.status === "exited") return
        const base = `http://127.0.0.1:${view.port}`
        const [metrics, readyz] = yield* Effect.all([fetchText(`${base}/metrics`), fetchText(`${base}/readyz`)], {
          concurrency: 2
        }).pipe(Effect.either, Effect.map((result) => result._tag === "Right" ? result.right : [undefined, undefined]))
        if (metrics === undefined) return
        const samples = parseSamples(metrics.body)
        const identity = { identity: view.name }
        const stats: ReplicaStats = {
          leader: sumOf(samples, "ako_election_leader", identity) === 1,
          term: sumOf(samples, "ako_election_term", identity),
          gained: sumOf(samples, "ako_election_transitions_total", { ...identity, direction: "acquired" }),
          lost: sumOf(samples, "ako_election_transitions_total", { ...identity, direction: "lost" }),
          renewAgeSeconds: sumOf(samples, "ako_election_last_renew_age_seconds", identity),
          aviCached: sumOf(samples, "ako_avi_cache_objects"),
          desiredUnits: sumOf(samples, "ako_desired_units"),
          queueDepth: sumOf(samples, "ako_workqueue_depth"),
          ready: readyz?.status === 200
        }
        yield* updateView(view.name, (current) =>
          current.status === "exited" ? current : {
            ...current,
            status: current.status === "starting" ? "running" : current.status,
            stats
          })
      })

    const poll = Ref.get(views).pipe(
      Effect.flatMap((current) =>
        Effect.forEach(current.values(), pollOne, { concurrency: "unbounded", discard: true })
      )
    )

    const awaitExit = (name: string, timeout: Duration.DurationInput) =>
      Ref.get(handles).pipe(Effect.flatMap((current) => {
        const handle = current.get(name)
        return handle === undefined ?
          Effect.succeed(Option.none<string>()) :
          Deferred.await(handle.exited).pipe(Effect.timeoutOption(timeout))
      }))

    return {
      launch,
      signal,
      restartExited,
      freshName,
      views: Ref.get(views).pipe(Effect.map((current) => [...current.values()])),
      events: Ref.get(events),
      subscribe: PubSub.subscribe(hub),
      note,
      poll,
      awaitExit
    }
  })
