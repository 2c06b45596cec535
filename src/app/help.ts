/**
 * The `--help` texts. @effect/cli's generated help names each value's type ("A file.", "A true or false value."),
 * lists its own built-in options and leaves the program name out of subcommand usage lines; a platform engineer
 * needs what each option does, its default, the environment the command reads and an example instead. The option
 * lists here are checked against the commands' real options by test/app/help.test.ts, so they cannot drift.
 */

export interface OptionHelp {
  /** `--name` as typed. */
  readonly flag: string
  /** The value's placeholder, for options that take one. */
  readonly value?: string
  readonly text: string
  /** The value in effect when the option is left out; undefined for switches (off unless given). */
  readonly defaultValue?: string
  /** The option may be given several times. */
  readonly repeatable?: boolean
}

export interface CommandHelp {
  /** Words after `ako-ts`: `[]` for the top level, `["sim", "kube"]`. */
  readonly path: ReadonlyArray<string>
  readonly summary: string
  readonly details: ReadonlyArray<string>
  readonly options: ReadonlyArray<OptionHelp>
  readonly environment: ReadonlyArray<readonly [name: string, meaning: string]>
  readonly examples: ReadonlyArray<readonly [command: string, what: string]>
}

const kubeconfig: OptionHelp = {
  flag: "--kubeconfig",
  value: "<file>",
  text: "The cluster to use (its current context).",
  defaultValue: "$KUBECONFIG, else ~/.kube/config, else the in-cluster ServiceAccount"
}

const runEnvironment: CommandHelp["environment"] = [
  [
    "POD_NAMESPACE",
    "Namespace of the ConfigMap avi-k8s-config, the Secret avi-secret and the Lease ako-lease-lock " +
    "(default avi-system)."
  ],
  ["POD_NAME", "This replica's identity in the Lease (default: the host name)."],
  [
    "CTRL_USERNAME, CTRL_PASSWORD, CTRL_AUTHTOKEN",
    "Avi credentials when the Secret avi-secret does not hold them."
  ],
  ["AKO_API_PORT", "Port of /healthz, /readyz and /metrics (default 8080; the ConfigMap's apiServerPort wins)."],
  ["LOG_LEVEL", "DEBUG, INFO, WARN or ERROR until the ConfigMap's logLevel is read (default INFO)."],
  ["AKO_TS_WORKERS", "Units reconciled in parallel by the leader (default 8)."],
  ["AKO_TS_AVI_CACHE_REFRESH", "How often every replica re-reads Avi, e.g. \"1 minute\" (the default)."],
  ["AKO_TS_AVI_REQUEST_TIMEOUT", "Timeout of one Avi request (default \"60 seconds\")."],
  [
    "AKO_TS_HEAP_TRIM",
    "How often a replica looks whether it went quiet after its heap grew, to give that memory back " +
    "(default \"10 seconds\"; off keeps it)."
  ],
  [
    "AKO_TS_DEPLOYMENT",
    "The Deployment the replicas belong to: it carries the configuration Events and the deleteConfig status " +
    "(default ako-ts)."
  ]
]

const simPort: OptionHelp = {
  flag: "--port",
  value: "<port>",
  text: "Port to listen on; 0 picks a free one.",
  defaultValue: "0"
}
const simHost: OptionHelp = { flag: "--host", value: "<address>", text: "Address to bind.", defaultValue: "127.0.0.1" }
const simHttp: OptionHelp = { flag: "--http", text: "Serve plain HTTP instead of HTTPS." }

const helpOptions: ReadonlyArray<OptionHelp> = [
  { flag: "--help", text: "Show this help (also -h)." },
  { flag: "--version", text: "Print the version of ako-ts." }
]

export const COMMAND_HELP: ReadonlyArray<CommandHelp> = [
  {
    path: [],
    summary: "Avi Kubernetes Operator in TypeScript: a drop-in for VMware AKO with active/passive replicas.",
    details: [
      "A bare `ako-ts` (and `npm start`) opens the playground: simulated Kubernetes and Avi in this process, with " +
      "controller replicas you can stop and watch take over. It never connects to a real cluster; `ako-ts run` does.",
      "`ako-ts <command> --help` describes each command."
    ],
    options: [],
    environment: [],
    examples: [
      ["ako-ts", "open the playground"],
      ["ako-ts run --kubeconfig ~/.kube/prod.yaml", "run one controller replica against that cluster"],
      ["ako-ts plan", "before switching from AKO: list what ako-ts would change"]
    ]
  },
  {
    path: ["run"],
    summary: "Run the controller: one replica of the active/passive set.",
    details: [
      "Reads the ConfigMap avi-k8s-config and the Secret avi-secret (the same ones AKO reads) from its namespace, " +
      "logs which cluster, context, namespace, identity and Avi controller it uses, fills its caches, then joins the " +
      "election on the Lease ako-lease-lock. Only the leader writes to Avi and Kubernetes.",
      "Outside a cluster the health server binds 127.0.0.1; in a pod it binds every address so probes reach it."
    ],
    options: [
      kubeconfig,
      {
        flag: "--health-address",
        value: "<address>",
        text: "Address the health and metrics server binds.",
        defaultValue: "0.0.0.0 in a pod (KUBERNETES_SERVICE_HOST set), else 127.0.0.1"
      }
    ],
    environment: runEnvironment,
    examples: [
      ["POD_NAMESPACE=avi-system ako-ts run", "run with the current kubeconfig context"],
      ["ako-ts run --kubeconfig ./staging.kubeconfig --health-address 0.0.0.0", "expose /metrics to the network"]
    ]
  },
  {
    path: ["plan"],
    summary: "Print what `run` would write to Avi and Kubernetes if it led now, without writing anything.",
    details: [
      "Reads the same configuration as `run`, lists Kubernetes and Avi, and prints every create, update and delete " +
      "it would make. It does not join the election. Exit code 0: nothing to write; 1: there is. Run it beside a " +
      "live AKO before switching: an empty plan means the switch writes nothing."
    ],
    options: [kubeconfig],
    environment: runEnvironment.slice(0, 3),
    examples: [["POD_NAMESPACE=avi-system ako-ts plan --kubeconfig ~/.kube/prod.yaml", "plan against production"]]
  },
  {
    path: ["playground"],
    summary: "Simulated Kubernetes and Avi in this process, a seeded demo and controller replicas.",
    details: [
      "Starts both simulators, seeds LoadBalancer Services and Ingresses, and runs controller replicas as child " +
      "processes. The live view shows the replicas, the Lease, the VIPs, the Avi objects and the Events; keys stop " +
      "the leader (k, s), restart replicas (r), switch views (a, e) and quit (q). Your own kubectl objects are " +
      "listed apart from the demo's. Nothing outside this process is contacted."
    ],
    options: [
      {
        flag: "--kubeconfig-out",
        value: "<file>",
        text: "Write a kubeconfig of the simulated cluster here; it stays after you quit.",
        defaultValue: "ako-ts-playground.kubeconfig in the system's temporary directory"
      },
      {
        flag: "--demo",
        text: "Scripted: once synced, SIGTERM the leader, then SIGKILL the next one, print the takeover times, exit."
      },
      { flag: "--replicas", value: "<1-9>", text: "Controller replicas to run.", defaultValue: "2" },
      {
        flag: "--no-tui",
        text: "Print plain lines instead of the live view (what a stdout that is not a terminal always gets)."
      }
    ],
    environment: [],
    examples: [
      ["ako-ts playground --replicas 3", "three replicas; press k to kill the leader"],
      ["ako-ts playground --demo --no-tui", "the scripted takeovers, as plain lines"]
    ]
  },
  {
    path: ["sim"],
    summary: "Run a simulator as its own process: `sim kube` (Kubernetes API) or `sim avi` (Avi Controller).",
    details: ["Each prints one `... ready url=...` line when it serves, and runs until SIGINT or SIGTERM."],
    options: [],
    environment: [],
    examples: [["ako-ts sim kube --kubeconfig-out /tmp/sim.kubeconfig", "a Kubernetes API for kubectl and ako-ts"]]
  },
  {
    path: ["sim", "kube"],
    summary: "Serve a simulated Kubernetes API until interrupted.",
    details: [
      "HTTPS with a self-signed CA by default. Requests need a bearer token: the admin token " +
      "ako-ts-sim-admin-token always works, and --token adds more."
    ],
    options: [
      simPort,
      simHost,
      {
        flag: "--kubeconfig-out",
        value: "<file>",
        text: "Write a kubeconfig (admin token, CA embedded) to this file.",
        defaultValue: "none written"
      },
      {
        flag: "--token",
        value: "<TOKEN=USER>",
        text: "Accept this bearer token as this user.",
        defaultValue: "only the admin token",
        repeatable: true
      },
      simHttp,
      {
        flag: "--watch-window",
        value: "<n>",
        text: "Change events kept for watch resumption; an older resourceVersion gets 410 Gone.",
        defaultValue: "1000"
      },
      {
        flag: "--bookmark-interval-ms",
        value: "<ms>",
        text: "BOOKMARK period for watches that ask for bookmarks.",
        defaultValue: "1000"
      },
      { flag: "--allow-anonymous", text: "Serve requests without a token as system:anonymous instead of 401." }
    ],
    environment: [],
    examples: [[
      "ako-ts sim kube --port 6443 --token ako-token=system:serviceaccount:avi-system:ako",
      "a fixed port and a token for a controller"
    ]]
  },
  {
    path: ["sim", "avi"],
    summary: "Serve a simulated Avi Controller REST API until interrupted.",
    details: ["HTTPS with a self-signed certificate by default; one user may log in."],
    options: [
      simPort,
      simHost,
      simHttp,
      { flag: "--user", value: "<name>", text: "The user that may log in.", defaultValue: "admin" },
      { flag: "--password", value: "<password>", text: "That user's password.", defaultValue: "avi-sim-admin" },
      {
        flag: "--snapshot",
        value: "<file>",
        text: "JSON file to restore the objects from at start and to write them to on shutdown.",
        defaultValue: "none: start empty, keep nothing"
      },
      { flag: "--basic-auth", text: "Also accept HTTP Basic authentication, as portal_configuration allows." },
      {
        flag: "--controller-version",
        value: "<version>",
        text: "Version reported in /api/initial-data and the highest X-Avi-Version accepted.",
        defaultValue: "22.1.3"
      },
      {
        flag: "--aborted-requests",
        value: "apply|drop",
        text: "A request whose client disconnects before the answer: apply it anyway (as a real controller " +
          "does) or drop it.",
        defaultValue: "apply"
      }
    ],
    environment: [],
    examples: [["ako-ts sim avi --port 9443 --password secret", "an Avi API on a fixed port"]]
  }
]

const INDENT = "  "
const WIDTH = 100

/** Words wrapped to the width, every line after the first indented to `indent`. */
const wrap = (text: string, indent: number, width = WIDTH): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(/\s+/)) {
    if (line !== "" && indent + line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === "" ? word : `${line} ${word}`
  }
  if (line !== "") lines.push(line)
  return lines.map((text, index) => index === 0 ? text : `${" ".repeat(indent)}${text}`)
}

const optionLabel = (option: OptionHelp) => option.value === undefined ? option.flag : `${option.flag} ${option.value}`

/** The commands one word below `help` (`sim` → `sim kube`, `sim avi`). */
const subcommandsOf = (help: CommandHelp): ReadonlyArray<CommandHelp> =>
  COMMAND_HELP.filter((other) =>
    other.path.length === help.path.length + 1 && help.path.every((word, i) => other.path[i] === word)
  )

const usageOf = (help: CommandHelp): string => {
  const command = ["ako-ts", ...help.path].join(" ")
  const subcommands = subcommandsOf(help)
  const options = help.options.map((option) => `[${optionLabel(option)}${option.repeatable === true ? " ..." : ""}]`)
  const parts = [command, ...(subcommands.length > 0 ? [`<${subcommands.map((s) => s.path.at(-1)).join("|")}>`] : [])]
  return [...parts, ...options].join(" ")
}

/** A labelled two-column list: the label column as wide as its widest entry, texts wrapped after it. */
const table = (rows: ReadonlyArray<readonly [string, string]>): ReadonlyArray<string> => {
  const labelWidth = Math.min(30, Math.max(...rows.map(([label]) => label.length)))
  return rows.flatMap(([label, text]) => {
    const column = INDENT.length + labelWidth + 2
    if (label.length > labelWidth) {
      return [`${INDENT}${label}`, `${" ".repeat(column)}${wrap(text, column).join("\n")}`]
    }
    return [`${INDENT}${label.padEnd(labelWidth)}  ${wrap(text, column).join("\n")}`]
  })
}

export const renderHelp = (help: CommandHelp): string => {
  const lines: Array<string> = [`${["ako-ts", ...help.path].join(" ")}: ${help.summary}`, "", "Usage:"]
  lines.push(`${INDENT}${wrap(usageOf(help), INDENT.length + 2).join("\n")}`)
  for (const paragraph of help.details) lines.push("", ...wrap(paragraph, 0))
  const subcommands = subcommandsOf(help)
  if (subcommands.length > 0) {
    lines.push("", "Commands:", ...table(subcommands.map((sub) => [sub.path.join(" "), sub.summary])))
  }
  lines.push(
    "",
    "Options:",
    ...table([...help.options, ...helpOptions].map((option) => [
      optionLabel(option),
      `${option.text}${option.repeatable === true ? " Repeatable." : ""}${
        option.defaultValue === undefined ? "" : ` Default: ${option.defaultValue}.`
      }`
    ]))
  )
  if (help.environment.length > 0) lines.push("", "Environment:", ...table(help.environment))
  if (help.examples.length > 0) {
    lines.push("", "Examples:")
    for (const [command, what] of help.examples) lines.push(`${INDENT}# ${what}`, `${INDENT}${command}`)
  }
  return `${lines.join("\n")}\n`
}

const HELP_FLAGS = new Set(["--help", "-h"])

/**
 * The help to print for a command line, or undefined when it asks for none. The command is the longest run of
 * leading words naming one (`sim kube --port 1 --help` is `sim kube`'s help); a help flag after an unknown word
 * still gets the closest command's help rather than a parse error.
 */
export const helpRequested = (args: ReadonlyArray<string>): string | undefined => {
  if (!args.some((arg) => HELP_FLAGS.has(arg))) return undefined
  let best = COMMAND_HELP[0]!
  for (const help of COMMAND_HELP) {
    if (help.path.length > best.path.length && help.path.every((word, i) => args[i] === word)) best = help
  }
  return renderHelp(best)
}
