/**
 * `--help`: every command's text is written for a platform engineer (what each option does, its default, the
 * environment, an example, the program name in the usage), and the documented options are exactly the options the
 * command accepts, so the help cannot drift from the parser.
 */
import { Command, CommandDescriptor, HelpDoc, Usage } from "@effect/cli"
import { describe, expect, it } from "@effect/vitest"
import { rootCommand } from "../../src/app/cli.js"
import { COMMAND_HELP, helpRequested, renderHelp } from "../../src/app/help.js"
import { aviSimCommand } from "../../src/sim/avi/cli.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, AVI_SIM_DEFAULT_VERSION } from "../../src/sim/avi/index.js"
import { kubeSimCommand } from "../../src/sim/kube/cli.js"
import { ADMIN_TOKEN } from "../../src/sim/kube/sim.js"
import { spawnAkoTs } from "../support/process.js"

const ANSI_STYLE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")

/** The usage @effect/cli derives for `ako-ts <path>` from the command's parser. */
const usageAt = (path: ReadonlyArray<string>): Usage.Usage => {
  if (path.join(" ") === "sim kube") return Command.getUsage(kubeSimCommand)
  if (path.join(" ") === "sim avi") return Command.getUsage(aviSimCommand)
  const found = [...Command.getSubcommands(rootCommand)].find(([name]) => name === path.join(" "))
  if (found === undefined) throw new Error(`no command ${path.join(" ")}`)
  return CommandDescriptor.getUsage(found[1])
}

/** The long option names the parser accepts for a leaf command (its usage line lists exactly those). */
const parsedFlags = (path: ReadonlyArray<string>): ReadonlyArray<string> => {
  const usage = HelpDoc.toAnsiText(Usage.getHelp(usageAt(path))).replace(ANSI_STYLE, "")
  return [...new Set(usage.match(/--[a-z][a-z-]*/g) ?? [])].sort()
}

/** Help text with the wrapping undone, for looking for phrases. */
const flat = (text: string | undefined) => (text ?? "").replace(/\s+/g, " ")

const LEAVES = [["run"], ["plan"], ["playground"], ["sim", "kube"], ["sim", "avi"]]

describe("ako-ts --help", () => {
  it.each(LEAVES)("documents exactly the options `%s` accepts, each with a sentence", (...path) => {
    const help = COMMAND_HELP.find((entry) => entry.path.join(" ") === path.join(" "))!
    expect(help.options.map((option) => option.flag).sort()).toEqual(parsedFlags(path))
    for (const option of help.options) expect(option.text).toMatch(/^[A-Z].*\.$/)
    expect(help.examples.length).toBeGreaterThan(0)
  })

  it("names the program in every usage line and leaves @effect/cli's type boilerplate and built-ins out", () => {
    for (const help of COMMAND_HELP) {
      const text = renderHelp(help)
      expect(text).toContain(`Usage:\n  ako-ts${help.path.length === 0 ? "" : ` ${help.path.join(" ")}`}`)
      for (const noise of ["A file.", "A true or false value.", "--wizard", "--completions", "--log-level"]) {
        expect(text).not.toContain(noise)
      }
      expect(text).toContain("Examples:")
    }
  })

  it("says that a bare ako-ts opens the playground and never a real cluster", () => {
    expect(flat(helpRequested(["--help"]))).toMatch(/bare `ako-ts` \(and `npm start`\) opens the playground/)
    expect(flat(helpRequested(["--help"]))).toContain("never connects to a real cluster")
  })

  it("tells `run` users where the configuration comes from", () => {
    const text = flat(helpRequested(["run", "--help"]))
    for (const needed of ["POD_NAMESPACE", "avi-k8s-config", "avi-secret", "AKO_API_PORT", "ako-lease-lock"]) {
      expect(text).toContain(needed)
    }
  })

  it("shows --token of `sim kube` as optional and repeatable, and the simulators' real defaults", () => {
    expect(flat(helpRequested(["sim", "kube", "-h"]))).toContain("[--token <TOKEN=USER> ...]")
    expect(helpRequested(["sim", "kube", "-h"])).toContain(ADMIN_TOKEN)
    const avi = flat(helpRequested(["sim", "avi", "--port", "1", "--help"]))
    expect(avi).toContain(`Default: ${AVI_SIM_DEFAULT_PASSWORD}.`)
    expect(avi).toContain(`Default: ${AVI_SIM_DEFAULT_USER}.`)
    expect(avi).toContain(`Default: ${AVI_SIM_DEFAULT_VERSION}.`)
  })

  it("is printed by the built entry point with exit code 0, for the deepest command named", async () => {
    const spawned = spawnAkoTs(["sim", "avi", "--help"])
    expect(await spawned.exited).toBe(0)
    expect(spawned.stdout()).toBe(helpRequested(["sim", "avi", "--help"]))
  })
})
