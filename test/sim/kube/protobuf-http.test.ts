import * as https from "node:https"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { decodeObject, encodeMessage, encodeObject, PROTOBUF, wrap } from "../../../src/sim/kube/protobuf.js"

let sim: RunningKubeSim

beforeAll(async () => {
  sim = await startKubeSim()
})
afterAll(() => sim.close())

interface BinaryResponse {
  readonly status: number
  readonly contentType: string
  readonly body: Buffer
  object(): Record<string, unknown>
}

/** Accept as kubectl's typed calls send it. */
const PREFER_PROTOBUF = `${PROTOBUF},application/json`

/** An HTTPS request with a binary body and a binary answer; the protobuf answer is decoded on demand. */
const request = (
  method: string,
  path: string,
  options: { body?: Uint8Array | undefined; contentType?: string; accept?: string; token?: string | null } = {}
): Promise<BinaryResponse> =>
  new Promise((resolve, reject) => {
    const token = options.token === undefined ? sim.adminToken : options.token
    const call = https.request(new URL(path, sim.url), {
      method,
      ca: sim.caPem!,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        // Node sends a DELETE body without framing unless told its length.
        ...(options.body === undefined ? {} : { "content-length": options.body.length }),
        ...(options.contentType === undefined ? {} : { "content-type": options.contentType }),
        ...(options.accept === undefined ? {} : { accept: options.accept })
      }
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => {
        const body = Buffer.concat(chunks)
        const contentType = response.headers["content-type"] ?? ""
        resolve({
          status: response.statusCode ?? 0,
          contentType,
          body,
          object: () =>
            contentType === PROTOBUF ? decodeObject(body) : JSON.parse(body.toString("utf8")) as Record<string, unknown>
        })
      })
      response.on("error", reject)
    })
    call.on("error", reject)
    call.end(options.body)
  })

const configMap = (name: string, data: Record<string, string>) =>
  encodeObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data })!

describe("the kube sim over protobuf", () => {
  it("creates from a protobuf body and answers in protobuf when the client prefers it", async () => {
    const created = await request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("pb-a", { a: "1" }),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(created.status).toBe(201)
    expect(created.contentType).toBe(PROTOBUF)
    expect(created.body.subarray(0, 4).toString("latin1")).toBe("k8s\u0000")
    const object = created.object()
    expect(object).toMatchObject({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1" } })
    const stored = sim.get("v1/ConfigMap", "default", "pb-a")!
    expect(object["metadata"]).toEqual({
      name: "pb-a",
      namespace: "default",
      uid: stored.metadata!.uid,
      resourceVersion: stored.metadata!.resourceVersion,
      creationTimestamp: stored.metadata!.creationTimestamp
    })
    expect(stored["data"]).toEqual({ a: "1" })
  })

  it("answers a protobuf create in JSON when the client asks for JSON", async () => {
    const created = await request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("pb-b", { b: "2" }),
      contentType: PROTOBUF,
      accept: "application/json"
    })
    expect(created.status).toBe(201)
    expect(created.contentType).toBe("application/json")
    expect(created.object()).toMatchObject({ kind: "ConfigMap", metadata: { name: "pb-b" }, data: { b: "2" } })
  })

  it("gets and lists in protobuf, and still serves Tables as JSON", async () => {
    sim.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s1", namespace: "default" },
      data: { k: "dg==" }
    })
    const got = await request("GET", "/api/v1/namespaces/default/secrets/s1", { accept: PREFER_PROTOBUF })
    expect(got.contentType).toBe(PROTOBUF)
    expect(got.object()).toMatchObject({ kind: "Secret", metadata: { name: "s1" }, data: { k: "dg==" } })
    const listed = await request("GET", "/api/v1/namespaces/default/secrets", { accept: PREFER_PROTOBUF })
    const list = listed.object() as { kind: string; metadata: { resourceVersion: string }; items: Array<unknown> }
    expect(list.kind).toBe("SecretList")
    expect(list.metadata.resourceVersion).toBe(String(sim.resourceVersion()))
    expect(list.items).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: "s1" }) })])
    const table = await request("GET", "/api/v1/namespaces/default/secrets", {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    })
    expect(table.contentType).toBe("application/json")
    expect(table.object()["kind"]).toBe("Table")
  })

  it("sends errors as a protobuf Status", async () => {
    const missing = await request("GET", "/api/v1/namespaces/default/configmaps/nope", { accept: PREFER_PROTOBUF })
    expect(missing.status).toBe(404)
    expect(missing.contentType).toBe(PROTOBUF)
    expect(missing.object()).toEqual({
      apiVersion: "v1",
      kind: "Status",
      metadata: {},
      status: "Failure",
      message: "configmaps \"nope\" not found",
      reason: "NotFound",
      details: { name: "nope", kind: "configmaps" },
      code: 404
    })
    const twice = await request("POST", "/api/v1/namespaces/default/configmaps", {
      body: configMap("pb-a", {}),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(twice.status).toBe(409)
    expect(twice.object()).toMatchObject({ kind: "Status", reason: "AlreadyExists" })
    const anonymous = await request("GET", "/api/v1/namespaces", { accept: PREFER_PROTOBUF, token: null })
    expect(anonymous.status).toBe(401)
    expect(anonymous.object()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 })
  })

  it("replaces from a protobuf body with optimistic concurrency", async () => {
    const created = sim.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: { ports: [{ port: 80 }] }
    })
    const put = (resourceVersion: string) =>
      request("PUT", "/api/v1/namespaces/default/services/web", {
        body: encodeObject({
          ...created,
          metadata: { ...created.metadata, resourceVersion },
          spec: { ...(created["spec"] as object), selector: { app: "web" } }
        }),
        contentType: PROTOBUF,
        accept: PREFER_PROTOBUF
      })
    const stale = await put("1")
    expect(stale.status).toBe(409)
    expect(stale.object()).toMatchObject({ kind: "Status", reason: "Conflict" })
    const fresh = await put(created.metadata!.resourceVersion!)
    expect(fresh.status).toBe(200)
    const clusterIP = (created["spec"] as { clusterIP: string }).clusterIP
    expect(fresh.object()).toMatchObject({ spec: { selector: { app: "web" }, clusterIP } })
    expect(sim.get("v1/Service", "default", "web")?.["spec"]).toMatchObject({
      selector: { app: "web" },
      ports: [{ port: 80, protocol: "TCP", targetPort: 80 }]
    })
  })

  it("defaults a zero targetPort, as Go clients send an unset one, to the port", async () => {
    const created = await request("POST", "/api/v1/namespaces/default/services", {
      body: encodeObject({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "zero" },
        spec: { ports: [{ port: 443 }] }
      }),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(created.status).toBe(201)
    expect(created.object()).toMatchObject({ spec: { ports: [{ port: 443, protocol: "TCP", targetPort: 443 }] } })
  })

  it("deletes with protobuf DeleteOptions and honours their preconditions", async () => {
    sim.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "doomed", namespace: "default" } })
    const options = (resourceVersion: string) =>
      wrap({
        apiVersion: "v1",
        kind: "DeleteOptions",
        raw: encodeMessage("DeleteOptions", { preconditions: { resourceVersion } })
      })
    const stale = await request("DELETE", "/api/v1/namespaces/default/configmaps/doomed", {
      body: options("1"),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(stale.object()).toMatchObject({ reason: "Conflict" })
    expect(stale.status).toBe(409)
    const current = sim.get("v1/ConfigMap", "default", "doomed")!.metadata!.resourceVersion!
    const deleted = await request("DELETE", "/api/v1/namespaces/default/configmaps/doomed", {
      body: options(current),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(deleted.status).toBe(200)
    expect(sim.get("v1/ConfigMap", "default", "doomed")).toBeUndefined()
  })

  it("keeps kinds without a protobuf message in JSON: 415 for bodies, JSON or 406 for answers", async () => {
    sim.create({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "ako-lease-lock", namespace: "default" },
      spec: { holderIdentity: "ako-0" }
    })
    const path = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
    const json = await request("GET", `${path}/ako-lease-lock`, { accept: PREFER_PROTOBUF })
    expect(json.status).toBe(200)
    expect(json.contentType).toBe("application/json")
    expect(json.object()).toMatchObject({ kind: "Lease", spec: { holderIdentity: "ako-0" } })
    const only = await request("GET", `${path}/ako-lease-lock`, { accept: PROTOBUF })
    expect(only.status).toBe(406)
    expect(only.object()).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 })
    const body = await request("POST", path, {
      body: wrap({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", raw: new Uint8Array() }),
      contentType: PROTOBUF,
      accept: PREFER_PROTOBUF
    })
    expect(body.status).toBe(415)
    expect(body.object()).toMatchObject({
      reason: "UnsupportedMediaType",
      message: "the body of the request was in an unknown format - accepted media types include: application/json"
    })
  })
})
