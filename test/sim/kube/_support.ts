import * as k8s from "@kubernetes/client-node"
import * as http from "node:http"
import * as https from "node:https"
import type { KubeSim } from "../../../src/sim/kube/index.js"

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
