import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { scaled } from "../../support/time-scale.js"
import { AviSession, request } from "./raw-client.js"

const dir = mkdtempSync(join(tmpdir(), "avi-sim-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const eventually = async <A>(
  probe: () => A | undefined | Promise<A | undefined>,
  timeoutMs: number,
  what: string
): Promise<A> => {
  const deadline = Date.now() + scaled(timeoutMs)
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe("snapshot", () => {
  it("snapshot() / restore() round-trips objects, uuids, _last_modified, keys and VIP allocations", async () => {
    const a = await startAviSim({ http: true })
    const b = await startAviSim({ http: true, seed: false })
    try {
      const vip = a.insert("vsvip", { name: "snap-vip", vip: [{ vip_id: "0", auto_allocate_ip: true }] })
      const snap = a.snapshot()
      b.restore(JSON.parse(JSON.stringify(snap)))
      expect(snap.clusterUuid).toMatch(/^cluster-/)
      const restored = b.get("vsvip", String(vip.uuid))
      expect(restored?._last_modified).toBe(vip._last_modified)
      expect(restored?.vip).toEqual(vip.vip)
      const avi = new AviSession(b)
      await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)
      // the allocation survived: the next VIP gets another address
      const next = await avi.post("/api/vsvip", { name: "snap-vip-2", vip: [{ vip_id: "0", auto_allocate_ip: true }] })
      expect(next.status).toBe(201)
      expect(next.json.vip[0].ip_address.addr).not.toBe(
        (vip.vip as Array<{ ip_address: { addr: string } }>)[0]!.ip_address.addr
      )
      expect((await avi.get("/api/sslkeyandcertificate?name=System-Default-Cert")).json.results[0].key).toBe(
        "<sensitive>"
      )
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("snapshotFile: written on close, restored on start", async () => {
    const file = join(dir, "inproc.json")
    const first = await startAviSim({ http: true, snapshotFile: file })
    const pool = first.insert("pool", { name: "persisted", created_by: "ako-c1" })
    await first.close()
    expect(existsSync(file)).toBe(true)
    const second = await startAviSim({ http: true, snapshotFile: file })
    try {
      expect(second.get("pool", String(pool.uuid))?.name).toBe("persisted")
      expect(second.objects("cloud")).toHaveLength(1)
    } finally {
      await second.close()
    }
  })
})

describe("avi sim command", () => {
  it("serves until SIGTERM, prints its address and credentials, and writes the snapshot", async () => {
    const file = join(dir, "cli.json")
    const script = fileURLToPath(new URL("./cli-main.mjs", import.meta.url))
    const child = spawn(process.execPath, [script, "--port", "0", "--http", "--snapshot", file])
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const line = await eventually(
        () => (stdout.includes("\n") ? stdout.split("\n")[0] : undefined),
        20_000,
        `ready line (stderr: ${stderr})`
      )
      expect(line).toMatch(
        new RegExp(`^avi-sim ready url=http://127\\.0\\.0\\.1:\\d+ user=admin password=${AVI_SIM_DEFAULT_PASSWORD}$`)
      )
      const url = /url=(\S+)/.exec(line)![1]!
      const avi = new AviSession({ url })
      expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
      expect((await avi.post("/api/pool", { name: "from-cli" })).status).toBe(201)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stdout.trim().split("\n")).toHaveLength(1)
    const saved = JSON.parse(readFileSync(file, "utf8"))
    expect(saved.objects.some((o: { body: { name: string } }) => o.body.name === "from-cli")).toBe(true)
  })

  it("takes --user, --password, --controller-version and --aborted-requests and does not print the password", async () => {
    const script = fileURLToPath(new URL("./cli-main.mjs", import.meta.url))
    const child = spawn(process.execPath, [
      script,
      "--user",
      "ops",
      "--password",
      "s3cret",
      "--controller-version",
      "30.2.1",
      "--aborted-requests",
      "drop"
    ])
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const line = await eventually(() => (stdout.includes("\n") ? stdout.split("\n")[0] : undefined), 20_000, "ready")
      expect(line).toMatch(/^avi-sim ready url=https:\/\/127\.0\.0\.1:\d+ user=ops password=\(from --password\)$/)
      expect(line).not.toContain("s3cret")
      const url = /url=(\S+)/.exec(line)![1]!
      const pem = await fetchCa(url)
      const avi = new AviSession({ url, caPem: pem })
      const login = await avi.login("ops", "s3cret")
      expect(login.status).toBe(200)
      expect(login.json.version.Version).toBe("30.2.1")
      expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(401)

      // --aborted-requests drop: a create whose client gave up during an injected delay never lands
      const target = { url, caPem: pem }
      const delay = await request(target, {
        method: "POST",
        path: "/_sim/faults/latency",
        body: { ms: 500, path: "/api/pool" }
      })
      expect(delay.status).toBe(204)
      const controller = new AbortController()
      const cut = request(target, {
        method: "POST",
        path: "/api/pool",
        headers: avi.headers(),
        body: { name: "cut-by-client" },
        signal: controller.signal
      }).catch((error: Error) => error.name)
      await eventually(
        async () => {
          const log = await request(target, { path: "/_sim/log" })
          return log.json.some((e: { method: string; path: string }) => e.method === "POST" && e.path === "/api/pool")
            ? true
            : undefined
        },
        5_000,
        "the POST to reach the simulator"
      )
      controller.abort()
      expect(await cut).toBe("AbortError")
      // same delay, sent later: answered after the cut POST's delay ran out
      expect((await avi.get("/api/pool?name=cut-by-client")).json.count).toBe(0)
      const log = await request(target, { path: "/_sim/log" })
      expect(log.json.find((e: { method: string; path: string }) => e.method === "POST" && e.path === "/api/pool"))
        .toMatchObject({ aborted: true, status: 0 })
    } finally {
      child.kill("SIGINT")
    }
    expect(await exited).toBe(0)
  })
})

/** Reads the server's self-signed certificate off the TLS handshake (as a client without a CA would pin it). */
const fetchCa = async (url: string): Promise<string> => {
  const tls = await import("node:tls")
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw
      socket.end()
      resolve(
        `-----BEGIN CERTIFICATE-----\n${raw.toString("base64").replace(/.{64}/g, "$&\n")}\n-----END CERTIFICATE-----\n`
      )
    })
    socket.on("error", reject)
  })
}
