/**
 * Every error the process prints says what happened (issue 13 item 5): a bad command line names the bad argument,
 * and a tagged error without a message of its own still reads as a sentence.
 */
import { describe, expect, it } from "@effect/vitest"
import { Data } from "effect"
import { describeFailure } from "../../src/app/cli.js"
import { NotLeader } from "../../src/election/index.js"
import { exitWithin, jsonLines, spawnAkoTs } from "../support/process.js"

const failureLine = async (args: ReadonlyArray<string>) => {
  const spawned = spawnAkoTs(args)
  const code = await exitWithin(spawned, 30_000)
  const lines = jsonLines(spawned.stdout()).filter((line) => line["logLevel"] === "ERROR")
  return { code, messages: lines.map((line) => String(line["message"])) }
}

describe("command-line errors", () => {
  it("ako-ts --bogus exits 1 with a sentence naming --bogus", async () => {
    const { code, messages } = await failureLine(["--bogus"])
    expect(code).toBe(1)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain("'--bogus'")
    expect(messages[0]).not.toContain("[object Object]")
    // the ways out are named too
    expect(messages[0]).toContain("run")
  })

  it("ako-ts run --nope exits 1 with a sentence naming --nope", async () => {
    const { code, messages } = await failureLine(["run", "--nope"])
    expect(code).toBe(1)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain("'--nope'")
    expect(messages[0]).not.toContain("[object Object]")
  })
})

class Bare extends Data.TaggedError("Bare")<{ readonly detail: string; readonly attempts: number }> {}

describe("describeFailure", () => {
  it("renders NotLeader as what happened, with its reason", () => {
    const text = describeFailure(new NotLeader({ reason: "renew deadline passed during the write" }), [])
    expect(text).toBe("write refused: this replica is not the leader (renew deadline passed during the write)")
  })

  it("renders a tagged error without a message from its tag and fields", () => {
    expect(describeFailure(new Bare({ detail: "socket closed", attempts: 3 }), [])).toBe(
      "Bare: detail=socket closed, attempts=3"
    )
  })

  it("keeps an error's own message", () => {
    expect(describeFailure(new Error("disk full"), [])).toBe("disk full")
    expect(describeFailure("plain text", [])).toBe("plain text")
  })
})
