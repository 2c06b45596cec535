import * as k8s from "@kubernetes/client-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { apiError, eventually, kubeConfigFor, microTime, rawRequest } from "./_support.js"

let sim: RunningKubeSim
let kc: k8s.KubeConfig
let core: k8s.CoreV1Api
let events: k8s.EventsV1Api

beforeAll(async () => {
  sim = await startKubeSim()
  kc = kubeConfigFor(sim)
  core = kc.makeApiClient(k8s.CoreV1Api)
  events = kc.makeApiClient(k8s.EventsV1Api)
})
afterAll(() => sim.close())

const names = (items: ReadonlyArray<{ metadata?: { name?: string } }>) => items.map((i) => i.metadata?.name)

const refusal = async (path: string): Promise<{ status: number; message: string }> => {
  const response = await rawRequest(sim, "GET", path)
  return { status: response.status, message: response.json<{ message: string }>().message }
}

describe("field selectors in the kube sim, per kind as the real server supports them", () => {
  it("Secrets by type: AKO's type!=helm.sh/release.v1 in lists and watches", async () => {
    await core.createNamespace({ body: { metadata: { name: "secrets" } } })
    await core.createNamespacedSecret({ namespace: "secrets", body: { metadata: { name: "avi-secret" } } })
    await core.createNamespacedSecret({
      namespace: "secrets",
      body: { metadata: { name: "sh.helm.release.v1.ako.v1" }, type: "helm.sh/release.v1" }
    })
    await core.createNamespacedSecret({
      namespace: "secrets",
      body: { metadata: { name: "tls" }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } }
    })
    const fieldSelector = "type!=helm.sh/release.v1"
    expect(names((await core.listNamespacedSecret({ namespace: "secrets", fieldSelector })).items)).toEqual([
      "avi-secret",
      "tls"
    ])
    expect(names((await core.listNamespacedSecret({ namespace: "secrets", fieldSelector: "type==Opaque" })).items))
      .toEqual(["avi-secret"])

    const seen: Array<string> = []
    const controller = await new k8s.Watch(kc).watch(
      "/api/v1/namespaces/secrets/secrets",
      { fieldSelector, resourceVersion: String(sim.resourceVersion()) },
      (type, object: k8s.V1Secret) => seen.push(`${type} ${object.metadata?.name}`),
      () => undefined
    )
    await core.createNamespacedSecret({
      namespace: "secrets",
      body: { metadata: { name: "sh.helm.release.v1.ako.v2" }, type: "helm.sh/release.v1" }
    })
    await core.createNamespacedSecret({ namespace: "secrets", body: { metadata: { name: "after" } } })
    await eventually(() => (seen.length >= 1 ? true : undefined))
    expect(seen).toEqual(["ADDED after"])
    controller.abort()
  })

  it("Pods by node, phase, restart policy, scheduler, service account, IPs and nominated node", async () => {
    await core.createNamespace({ body: { metadata: { name: "pods" } } })
    const pod = (name: string, spec: Partial<k8s.V1PodSpec>, status: k8s.V1PodStatus) =>
      sim.create({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "pods" },
        spec: { containers: [{ name: "c", image: "i" }], ...spec },
        status
      })
    pod("a", { nodeName: "node-1", serviceAccountName: "ako-sa" }, { phase: "Running", podIPs: [{ ip: "10.0.0.1" }] })
    pod("b", { nodeName: "node-2", restartPolicy: "Never", hostNetwork: true }, {
      phase: "Pending",
      nominatedNodeName: "node-3"
    })
    const select = async (fieldSelector: string) =>
      names((await core.listNamespacedPod({ namespace: "pods", fieldSelector })).items)
    expect(await select("spec.nodeName=node-1")).toEqual(["a"])
    expect(await select("spec.host=node-2")).toEqual(["b"])
    expect(await select("status.phase!=Running")).toEqual(["b"])
    expect(await select("spec.restartPolicy=Always")).toEqual(["a"])
    expect(await select("spec.schedulerName=default-scheduler")).toEqual(["a", "b"])
    expect(await select("spec.serviceAccountName=ako-sa")).toEqual(["a"])
    expect(await select("status.podIP=10.0.0.1")).toEqual(["a"])
    expect(await select("status.nominatedNodeName=node-3")).toEqual(["b"])
    expect(await select("spec.hostNetwork=false")).toEqual(["a"])
    expect(await select("metadata.namespace=pods,metadata.name=b")).toEqual(["b"])
    const refused = await apiError(core.listNamespacedPod({ namespace: "pods", fieldSelector: "spec.priority=1" }))
    expect(refused).toMatchObject({
      code: 400,
      body: { reason: "BadRequest", message: "field label not supported: spec.priority" }
    })
  })

  it("Nodes by spec.unschedulable and Namespaces by status.phase; neither takes metadata.namespace", async () => {
    sim.create({ apiVersion: "v1", kind: "Node", metadata: { name: "cordoned" }, spec: { unschedulable: true } })
    sim.create({ apiVersion: "v1", kind: "Node", metadata: { name: "ready" } })
    expect(names((await core.listNode({ fieldSelector: "spec.unschedulable=false" })).items)).toEqual(["ready"])
    expect(names((await core.listNode({ fieldSelector: "spec.unschedulable==true" })).items)).toEqual(["cordoned"])
    expect(await refusal("/api/v1/nodes?fieldSelector=metadata.namespace%3D")).toEqual({
      status: 400,
      message: "field label not supported: metadata.namespace"
    })
    expect(names((await core.listNamespace({ fieldSelector: "status.phase=Active,metadata.name=default" })).items))
      .toEqual(["default"])
  })

  it("Services by spec.type and spec.clusterIP", async () => {
    await core.createNamespace({ body: { metadata: { name: "services" } } })
    const service = (name: string, spec: k8s.V1ServiceSpec) =>
      core.createNamespacedService({ namespace: "services", body: { metadata: { name }, spec } })
    await service("lb", { type: "LoadBalancer", ports: [{ port: 443 }] })
    await service("headless", { clusterIP: "None", ports: [{ port: 80 }] })
    const select = async (fieldSelector: string) =>
      names((await core.listNamespacedService({ namespace: "services", fieldSelector })).items)
    expect(await select("spec.type=LoadBalancer")).toEqual(["lb"])
    expect(await select("spec.clusterIP=None")).toEqual(["headless"])
    expect(await select("spec.type!=LoadBalancer")).toEqual(["headless"])
    const refused = await refusal("/api/v1/namespaces/services/services?fieldSelector=spec.ports%3D80")
    expect(refused.message).toBe("field label not supported: spec.ports")
  })

  it("core/v1 Events by involvedObject, reason, type, source and reporting component", async () => {
    await core.createNamespace({ body: { metadata: { name: "events" } } })
    const event = (name: string, fields: Partial<k8s.CoreV1Event>) =>
      core.createNamespacedEvent({
        namespace: "events",
        body: { metadata: { name }, involvedObject: { kind: "Service", name: "web", namespace: "events" }, ...fields }
      })
    await event("old", {
      involvedObject: { kind: "Service", name: "web", namespace: "events", uid: "u-1", apiVersion: "v1" },
      reason: "Synced",
      type: "Normal",
      source: { component: "avi-k8s-controller" }
    })
    await event("new", {
      involvedObject: {
        kind: "Ingress",
        name: "web",
        namespace: "events",
        uid: "u-2",
        resourceVersion: "7",
        fieldPath: "spec.rules[0]"
      },
      reason: "Failed",
      type: "Warning",
      reportingComponent: "ako-ts",
      reportingInstance: "ako-0"
    })
    const select = async (fieldSelector: string) =>
      names((await core.listNamespacedEvent({ namespace: "events", fieldSelector })).items)
    expect(await select("involvedObject.uid=u-1")).toEqual(["old"])
    expect(await select("involvedObject.kind=Ingress,involvedObject.name=web")).toEqual(["new"])
    expect(await select("involvedObject.apiVersion=v1")).toEqual(["old"])
    expect(await select("involvedObject.resourceVersion=7,involvedObject.fieldPath=spec.rules[0]")).toEqual(["new"])
    expect(await select("involvedObject.namespace=events,reason=Synced")).toEqual(["old"])
    expect(await select("type!=Normal")).toEqual(["new"])
    expect(await select("source=avi-k8s-controller")).toEqual(["old"])
    // An event without source.component is selected by its reporting component under `source` too.
    expect(await select("source=ako-ts")).toEqual(["new"])
    expect(await select("reportingComponent=ako-ts")).toEqual(["new"])
    expect((await refusal("/api/v1/namespaces/events/events?fieldSelector=message%3Dx")).message).toBe(
      "field label not supported: message"
    )
  })

  it("events.k8s.io/v1 Events by regarding.*, reason, type, reportingController and source", async () => {
    const event = (name: string, regarding: k8s.V1ObjectReference, controller: string, type: string) =>
      events.createNamespacedEvent({
        namespace: "events",
        body: {
          metadata: { name },
          eventTime: microTime(Date.now()) as unknown as Date,
          regarding,
          reason: "Synced",
          action: "Sync",
          type,
          reportingController: controller,
          reportingInstance: "x"
        }
      })
    await event("v1-a", { kind: "Service", name: "web", namespace: "events", uid: "r-1" }, "ako-ts", "Normal")
    await event("v1-b", { kind: "Ingress", name: "web", namespace: "events", uid: "r-2" }, "other", "Warning")
    const select = async (fieldSelector: string) =>
      names((await events.listNamespacedEvent({ namespace: "events", fieldSelector })).items)
    expect(await select("regarding.uid=r-2")).toEqual(["v1-b"])
    expect(await select("regarding.kind=Service,regarding.name=web")).toEqual(["v1-a"])
    expect(await select("reportingController=ako-ts")).toEqual(["v1-a"])
    expect(await select("source=other,type=Warning,reason=Synced")).toEqual(["v1-b"])
    // involvedObject.* is the core/v1 spelling; this group version does not take it.
    expect(
      (await refusal("/apis/events.k8s.io/v1/namespaces/events/events?fieldSelector=involvedObject.uid%3Dr-1"))
        .message
    ).toBe("field label not supported: involvedObject.uid")
  })

  it("other kinds take metadata.name and metadata.namespace only, with apimachinery's default message", async () => {
    expect(await refusal("/api/v1/configmaps?fieldSelector=data.key%3Dx")).toEqual({
      status: 400,
      message: "\"data.key\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    })
    expect((await refusal("/apis/networking.k8s.io/v1/ingresses?fieldSelector=spec.ingressClassName%3Davi-lb")).message)
      .toBe("\"spec.ingressClassName\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
  })

  it("parses the selector grammar as fields.ParseSelector does: operators, escapes and errors", async () => {
    await core.createNamespace({ body: { metadata: { name: "grammar" } } })
    await core.createNamespacedSecret({ namespace: "grammar", body: { metadata: { name: "odd" }, type: "a,b=c" } })
    await core.createNamespacedSecret({ namespace: "grammar", body: { metadata: { name: "plain" } } })
    expect(
      names((await core.listNamespacedSecret({ namespace: "grammar", fieldSelector: "type=a\\,b\\=c" })).items)
    ).toEqual(["odd"])
    expect((await refusal("/api/v1/namespaces/grammar/secrets?fieldSelector=type%3Da%3Db")).message).toBe(
      "invalid field selector: unescaped character in value: ="
    )
    expect((await refusal("/api/v1/namespaces/grammar/secrets?fieldSelector=type%3Da%5Cx")).message).toBe(
      "invalid field selector: invalid escape sequence: \\x"
    )
    expect((await refusal("/api/v1/namespaces/grammar/secrets?fieldSelector=type")).message).toBe(
      "invalid selector: 'type'; can't understand 'type'"
    )
    // Deleting a collection honours the field selector too.
    const removed = await rawRequest(sim, "DELETE", "/api/v1/namespaces/grammar/secrets?fieldSelector=type%3DOpaque")
    expect(removed.status).toBe(200)
    expect(names(sim.list("v1/Secret", "grammar"))).toEqual(["odd"])
  })
})
