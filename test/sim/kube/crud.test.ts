import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { apiError, kubeConfigFor, microTime, rawRequest } from "./_support.js"

let sim: RunningKubeSim
let coordination: k8s.CoordinationV1Api
let core: k8s.CoreV1Api
let networking: k8s.NetworkingV1Api

beforeAll(async () => {
  sim = await startKubeSim({ tokens: { "replica-a-token": "ako-0" } })
  const kc = kubeConfigFor(sim)
  coordination = kc.makeApiClient(k8s.CoordinationV1Api)
  core = kc.makeApiClient(k8s.CoreV1Api)
  networking = kc.makeApiClient(k8s.NetworkingV1Api)
})
afterAll(() => sim.close())

const lease = (name: string, holder: string): k8s.V1Lease => ({
  metadata: { name, namespace: "avi-system" },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: new k8s.V1MicroTime(Date.now()),
    renewTime: new k8s.V1MicroTime(Date.now()),
    leaseTransitions: 0
  }
})

describe("kube sim CRUD through client-node", () => {
  it("creates, reads and replaces a Lease; a stale resourceVersion gets 409 Conflict", async () => {
    await core.createNamespace({ body: { metadata: { name: "avi-system" } } })
    const created = await coordination.createNamespacedLease({
      namespace: "avi-system",
      body: lease("ako-lease-lock", "ako-0")
    })
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date)
    const firstVersion = created.metadata!.resourceVersion!

    const read = await coordination.readNamespacedLease({ name: "ako-lease-lock", namespace: "avi-system" })
    expect(read.spec?.holderIdentity).toBe("ako-0")
    read.spec!.renewTime = new k8s.V1MicroTime(Date.now())
    const renewed = await coordination.replaceNamespacedLease({
      name: "ako-lease-lock",
      namespace: "avi-system",
      body: read
    })
    expect(Number(renewed.metadata!.resourceVersion)).toBeGreaterThan(Number(firstVersion))

    const stale = { ...read, metadata: { ...read.metadata, resourceVersion: firstVersion } }
    stale.spec = { ...stale.spec, holderIdentity: "ako-1" }
    const failure = await apiError(
      coordination.replaceNamespacedLease({ name: "ako-lease-lock", namespace: "avi-system", body: stale })
    )
    expect(failure.code).toBe(409)
    expect(failure.body["reason"]).toBe("Conflict")
    expect(failure.body["message"]).toBe(
      "Operation cannot be fulfilled on leases.coordination.k8s.io \"ako-lease-lock\": the object has been modified; " +
        "please apply your changes to the latest version and try again"
    )
    const after = await coordination.readNamespacedLease({ name: "ako-lease-lock", namespace: "avi-system" })
    expect(after.spec?.holderIdentity).toBe("ako-0")
  })

  it("refuses a Lease whose renewTime has three fractional digits, as the real decoder does", async () => {
    const body = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "millis", namespace: "default" },
      spec: { holderIdentity: "x", renewTime: new Date(0).toISOString() }
    }
    const response = await fetchSim("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", body)
    expect(response.status).toBe(400)
    const status = response.json()
    expect(status["reason"]).toBe("BadRequest")
    expect(status["message"]).toContain(
      "parsing time \"1970-01-01T00:00:00.000Z\" as \"2006-01-02T15:04:05.000000Z07:00\""
    )
    const ok = await fetchSim("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", {
      ...body,
      spec: { holderIdentity: "x", renewTime: microTime(0) }
    })
    expect(ok.status).toBe(201)
  })

  it("answers NotFound, AlreadyExists and a missing namespace with Status bodies", async () => {
    const missing = await apiError(coordination.readNamespacedLease({ name: "nope", namespace: "default" }))
    expect(missing.code).toBe(404)
    expect(missing.body).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      message: "leases.coordination.k8s.io \"nope\" not found",
      details: { name: "nope", group: "coordination.k8s.io", kind: "leases" }
    })
    await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "dup" }, data: { a: "1" } }
    })
    const dup = await apiError(
      core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "dup" } } })
    )
    expect(dup.code).toBe(409)
    expect(dup.body["reason"]).toBe("AlreadyExists")
    const noNamespace = await apiError(
      core.createNamespacedConfigMap({ namespace: "ghost", body: { metadata: { name: "x" } } })
    )
    expect(noNamespace.code).toBe(404)
    expect(noNamespace.body["message"]).toBe("namespaces \"ghost\" not found")
  })

  it("rejects names that are not DNS-1123 with 422 Invalid", async () => {
    const bad = await apiError(
      core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "Not_Valid" } } })
    )
    expect(bad.code).toBe(422)
    expect(bad.body["reason"]).toBe("Invalid")
    expect(bad.body["message"]).toContain(
      "ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\""
    )
  })

  it("validates required fields: an Ingress path without pathType, a Service without ports", async () => {
    const ingress = await apiError(networking.createNamespacedIngress({
      namespace: "default",
      body: {
        metadata: { name: "web" },
        spec: {
          rules: [{
            host: "a.example.com",
            http: {
              paths: [{ path: "/", backend: { service: { name: "s", port: { number: 80 } } } } as k8s.V1HTTPIngressPath]
            }
          }]
        }
      }
    }))
    expect(ingress.code).toBe(422)
    expect(ingress.body["message"]).toContain("spec.rules[0].http.paths[0].pathType: Required value")
    const service = await apiError(
      core.createNamespacedService({
        namespace: "default",
        body: { metadata: { name: "svc" }, spec: { type: "LoadBalancer" } }
      })
    )
    expect(service.code).toBe(422)
    expect(service.body["message"]).toContain("spec.ports: Required value")
  })

  it("lists with label selectors: equality, in, notin, exists and !exists", async () => {
    await core.createNamespace({ body: { metadata: { name: "labels" } } })
    const make = (name: string, labels: Record<string, string>) =>
      core.createNamespacedConfigMap({ namespace: "labels", body: { metadata: { name, labels } } })
    await make("a", { app: "web", tier: "front" })
    await make("b", { app: "api", tier: "back" })
    await make("c", { app: "db" })
    const names = async (labelSelector: string) =>
      (await core.listNamespacedConfigMap({ namespace: "labels", labelSelector })).items.map((i) => i.metadata?.name)
    expect(await names("app=web")).toEqual(["a"])
    expect(await names("app!=web")).toEqual(["b", "c"])
    expect(await names("app in (web,api)")).toEqual(["a", "b"])
    expect(await names("app notin (web,api)")).toEqual(["c"])
    expect(await names("tier")).toEqual(["a", "b"])
    expect(await names("!tier")).toEqual(["c"])
    expect(await names("app in (web,api),tier=back")).toEqual(["b"])
    const byName = await core.listNamespacedConfigMap({ namespace: "labels", fieldSelector: "metadata.name=b" })
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(["b"])
    const all = await core.listConfigMapForAllNamespaces({ fieldSelector: "metadata.namespace=labels" })
    expect(all.items).toHaveLength(3)
  })

  it("paginates lists with limit and continue", async () => {
    await core.createNamespace({ body: { metadata: { name: "pages" } } })
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedSecret({
        namespace: "pages",
        body: { metadata: { name: `s-${i}` }, stringData: { i: String(i) } }
      })
    }
    const seen: Array<string> = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await core.listNamespacedSecret({
        namespace: "pages",
        limit: 3,
        ...(token ? { _continue: token } : {})
      })
      seen.push(...page.items.map((i) => i.metadata!.name!))
      token = page.metadata?._continue
      pages++
      if (token) expect(page.metadata?.remainingItemCount).toBe(7 - seen.length)
    } while (token)
    expect(pages).toBe(3)
    expect(seen).toEqual(["s-0", "s-1", "s-2", "s-3", "s-4", "s-5", "s-6"])
  })

  it("deletes one object and a collection by selector", async () => {
    await core.createNamespace({ body: { metadata: { name: "gone" } } })
    for (const name of ["x", "y", "z"]) {
      await core.createNamespacedConfigMap({
        namespace: "gone",
        body: { metadata: { name, labels: { drop: name === "x" ? "no" : "yes" } } }
      })
    }
    await core.deleteNamespacedConfigMap({ name: "x", namespace: "gone" })
    expect((await apiError(core.readNamespacedConfigMap({ name: "x", namespace: "gone" }))).code).toBe(404)
    await core.deleteCollectionNamespacedConfigMap({ namespace: "gone", labelSelector: "drop=yes" })
    expect((await core.listNamespacedConfigMap({ namespace: "gone" })).items).toHaveLength(0)
  })

  it("records every request with the user its token maps to; unknown tokens get 401", async () => {
    sim.clearRequestLog()
    const replica = kubeConfigFor(sim, "ako-0").makeApiClient(k8s.CoreV1Api)
    await replica.listNamespace()
    const wrong = new k8s.KubeConfig()
    wrong.loadFromString(sim.kubeconfig().replace(sim.adminToken, "bogus"))
    const denied = await apiError(wrong.makeApiClient(k8s.CoreV1Api).listNamespace())
    expect(denied.code).toBe(401)
    const raw = await rawRequest(sim, "GET", "/api/v1/namespaces", undefined, {}, "bogus")
    expect(raw.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 })
    const log = sim.requestLog()
    expect(log.map((e) => [e.user, e.verb, e.resource, e.code])).toEqual([
      ["ako-0", "list", "namespaces", 200],
      ["system:anonymous", "list", "namespaces", 401],
      ["system:anonymous", "list", "namespaces", 401]
    ])
    expect(log[0]!.endMs).toBeGreaterThanOrEqual(log[0]!.startMs)
  })

  it("bumps generation only when spec changes", async () => {
    const created = await networking.createIngressClass({
      body: { metadata: { name: "avi" }, spec: { controller: "ako.vmware.com/avi-lb" } }
    })
    expect(created.metadata?.generation).toBe(1)
    created.metadata!.labels = { a: "b" }
    const relabelled = await networking.replaceIngressClass({ name: "avi", body: created })
    expect(relabelled.metadata?.generation).toBe(1)
    relabelled.spec = { ...relabelled.spec, controller: "other" }
    const changed = await networking.replaceIngressClass({ name: "avi", body: relabelled })
    expect(changed.metadata?.generation).toBe(2)
  })

  it("validates events.k8s.io Events: MicroTime eventTime and required reporting fields", async () => {
    const kc = kubeConfigFor(sim)
    const events = kc.makeApiClient(k8s.EventsV1Api)
    const event: k8s.EventsV1Event = {
      metadata: { name: "ev1", namespace: "default" },
      eventTime: new k8s.V1MicroTime(Date.now()),
      reportingController: "ako.vmware.com/ako-ts",
      reportingInstance: "ako-0",
      action: "Synced",
      reason: "Added",
      type: "Normal",
      regarding: { kind: "Ingress", namespace: "default", name: "web" },
      note: "virtual service created"
    }
    const created = await events.createNamespacedEvent({ namespace: "default", body: event })
    expect(created.reportingController).toBe("ako.vmware.com/ako-ts")
    const missing = await apiError(events.createNamespacedEvent({
      namespace: "default",
      body: { ...event, metadata: { name: "ev2" }, reportingController: "" }
    }))
    expect(missing.code).toBe(422)
    expect(missing.body["message"]).toContain("reportingController: Required value")
    const millis = await fetchSim("POST", "/apis/events.k8s.io/v1/namespaces/default/events", {
      ...event,
      metadata: { name: "ev3" },
      eventTime: new Date().toISOString()
    })
    expect(millis.status).toBe(400)
  })

  it("allocates a cluster IP and node ports for a LoadBalancer Service and keeps them across updates", async () => {
    const created = await core.createNamespacedService({
      namespace: "default",
      body: {
        metadata: { name: "lb" },
        spec: { type: "LoadBalancer", ports: [{ port: 80 }], selector: { app: "web" } }
      }
    })
    const port = created.spec!.ports![0]!
    expect(created.spec?.clusterIP).toMatch(/^10\.96\./)
    expect(port.nodePort).toBeGreaterThanOrEqual(30000)
    expect(port.protocol).toBe("TCP")
    const replaced = await core.replaceNamespacedService({
      name: "lb",
      namespace: "default",
      body: {
        metadata: { name: "lb" },
        spec: { type: "LoadBalancer", ports: [{ port: 80 }], selector: { app: "api" } }
      }
    })
    expect(replaced.spec?.clusterIP).toBe(created.spec?.clusterIP)
    expect(replaced.spec?.ports?.[0]?.nodePort).toBe(port.nodePort)
  })

  it("answers 410 Expired for a continue token from before a compaction", async () => {
    await core.createNamespace({ body: { metadata: { name: "stale-pages" } } })
    for (const name of ["a", "b", "c"]) {
      await core.createNamespacedConfigMap({ namespace: "stale-pages", body: { metadata: { name } } })
    }
    const first = await core.listNamespacedConfigMap({ namespace: "stale-pages", limit: 1 })
    await core.createNamespacedConfigMap({ namespace: "stale-pages", body: { metadata: { name: "d" } } })
    sim.compact()
    const failure = await apiError(
      core.listNamespacedConfigMap({ namespace: "stale-pages", limit: 1, _continue: first.metadata!._continue! })
    )
    expect(failure.code).toBe(410)
    expect(failure.body["reason"]).toBe("Expired")
  })

  it("refuses a body of another kind than the URL names", async () => {
    const response = await fetchSim("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "wrong" }
    })
    expect(response.status).toBe(400)
    expect(response.json()["message"]).toContain("does not match the expected API version (v1)")
  })
})

const fetchSim = (method: string, path: string, body?: unknown) => rawRequest(sim, method, path, body)
