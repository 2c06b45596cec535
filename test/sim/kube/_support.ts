import * as k8s from "@kubernetes/client-node"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import type { KubeSim, RunningKubeSim } from "../../../src/sim/kube/index.js"
import { startKubeSim } from "../../../src/sim/kube/index.js"
import { kubectlPath } from "../../support/kube-tools.js"

const run = promisify(execFile)

export const kubeConfigFor = (sim: KubeSim, userOrToken?: string): k8s.KubeConfig => {
  const kc = new k8s.KubeConfig()
  kc.loadFromString(sim.kubeconfig(userOrToken))
  return kc
}

/** The ApiException client-node throws, or a failure if the call succeeded. */
export const apiError = async (call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> => {
  try {
    await call
  } catch (error) {
    if (error instanceof k8s.ApiException) {
      const body = typeof error.body === "string" ? JSON.parse(error.body) as Record<string, unknown> : error.body
      return { code: error.code, body: body as Record<string, unknown> }
    }
    throw error
  }
  throw new Error("expected the call to fail")
}

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export const eventually = async <A>(
  check: () => A | undefined | Promise<A | undefined>,
  timeoutMs = 5000,
  what = "condition"
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z")

export interface RawResponse {
  readonly status: number
  readonly text: string
  json<A = Record<string, unknown>>(): A
}

/** A plain HTTPS request trusting the simulator's certificate, for bodies client-node will not send. */
export const rawRequest = (
  sim: KubeSim,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  token: string | null = sim.adminToken
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(path, sim.url)
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body)
    const request = (url.protocol === "https:" ? https : http).request(url, {
      method,
      ...(sim.caPem === undefined ? {} : { ca: sim.caPem }),
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(payload === undefined ? {} : { "content-type": "application/json" }),
        ...headers
      }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        resolve({ status: response.statusCode ?? 0, text, json: <A>() => JSON.parse(text) as A })
      })
      response.on("error", reject)
    })
    request.on("error", reject)
    request.end(payload)
  })

/** A simulator with a kubeconfig written for kubectl, and a private work directory (discovery cache included). */
export interface KubectlSim {
  readonly sim: RunningKubeSim
  readonly dir: string
  readonly kubeconfig: string
  /** kubectl with this kubeconfig and cache directory; rejects with the process's stderr on a non-zero exit. */
  readonly kubectl: (...args: Array<string>) => Promise<{ readonly stdout: string; readonly stderr: string }>
  readonly close: () => Promise<void>
}

export const startKubectlSim = async (
  prefix: string,
  options: { readonly tokens?: Readonly<Record<string, string>>; readonly user?: string; readonly timeoutMs?: number } =
    {}
): Promise<KubectlSim> => {
  const sim = await startKubeSim(options.tokens === undefined ? {} : { tokens: options.tokens })
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const kubeconfig = join(dir, "kubeconfig")
  sim.writeKubeconfig(kubeconfig, options.user)
  const kubectl = (...args: Array<string>) =>
    run(kubectlPath(), ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "cache"), ...args], {
      timeout: options.timeoutMs ?? 20_000
    })
  return {
    sim,
    dir,
    kubeconfig,
    kubectl,
    close: async () => {
      await sim.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
