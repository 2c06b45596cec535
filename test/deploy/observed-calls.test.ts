/**
 * The declared list of API calls (deploy/api-calls.yaml) is only as good as its match with the code. This test runs
 * the built controller as the manifests' ServiceAccount against the simulators, and checks every request it made
 * is declared and granted by the RBAC of both the plain manifests and the chart. As the controller grows, the new
 * calls show up here without anyone updating the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, startAviSim } from "../../src/sim/avi/index.js"
import { startKubeSim } from "../../src/sim/kube/index.js"
import type { RequestLogEntry, RunningKubeSim } from "../../src/sim/kube/index.js"
import { exitWithin, freePort, spawnAkoTs, waitFor } from "../support/process.js"
import type { ApiRequest } from "./rbac.js"
import { describeRequest, rbacPolicyFrom, requestNameForAuthorization, ungranted } from "./rbac.js"
import {
  chartObjects,
  declaredCalls,
  declares,
  NAMESPACE,
  plainObjects,
  SERVICE_ACCOUNT,
  USER_NAMESPACE
} from "./support.js"

const TOKEN = "ako-ts-service-account-token"
const USER = `system:serviceaccount:${SERVICE_ACCOUNT.namespace}:${SERVICE_ACCOUNT.name}`

let kube: RunningKubeSim
let avi: Awaited<ReturnType<typeof startAviSim>>
let workDir: string

const base64 = (text: string) => Buffer.from(text).toString("base64")

beforeAll(async () => {
  kube = await startKubeSim({ tokens: { [TOKEN]: USER } })
  avi = await startAviSim({ http: true, controllerVersion: "30.2.1" })
  kube.ensureNamespace(NAMESPACE)
  kube.ensureNamespace(USER_NAMESPACE)
  kube.apply({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "avi-secret", namespace: NAMESPACE },
    type: "Opaque",
    data: { username: base64(AVI_SIM_DEFAULT_USER), password: base64(AVI_SIM_DEFAULT_PASSWORD) }
  })
  // Something to handle, so the leader's status writes and Events happen before the controller is stopped: one
  // Service that gets a VIP, one whose port matches no endpoint port (a Warning Event).
  const service = (
    name: string,
    targetPort: number | string,
    slicePorts: ReadonlyArray<{ name: string; port: number }>
  ) => {
    kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: USER_NAMESPACE },
      spec: {
        type: "LoadBalancer",
        selector: { app: name },
        ports: [{ name: "http", port: 80, targetPort, protocol: "TCP" }]
      }
    })
    kube.apply({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-slice`, namespace: USER_NAMESPACE, labels: { "kubernetes.io/service-name": name } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.1.0.1"], conditions: { ready: true } }],
      ports: slicePorts.map((port) => ({ ...port, protocol: "TCP" }))
    })
  }
  service("web", 8080, [{ name: "http", port: 8080 }])
  service("broken", "web", [{ name: "metrics", port: 9090 }, { name: "admin", port: 9091 }])
  workDir = mkdtempSync(join(tmpdir(), "ako-ts-observed-calls-"))
})

afterAll(async () => {
  await kube?.close()
  await avi?.close()
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true })
})

/** The request as the API server authorises it. Undefined for non-resource URLs (discovery, /version). */
const asApiRequest = (entry: RequestLogEntry): ApiRequest | undefined =>
  entry.resource === undefined ? undefined : {
    verb: entry.verb,
    group: entry.group ?? "",
    resource: entry.resource,
    subresource: entry.subresource,
    namespace: entry.namespace,
    name: requestNameForAuthorization(entry.verb, entry.name, entry.query)
  }

describe("the running controller's API calls", () => {
  it("are all declared in deploy/api-calls.yaml and granted by the manifests' and the chart's RBAC", async () => {
    const port = await freePort()
    kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "avi-k8s-config", namespace: NAMESPACE },
      data: {
        controllerIP: avi.url,
        clusterName: "rbac-test",
        cloudName: "Default-Cloud",
        vipNetworkList: JSON.stringify([{ networkName: "vip-network" }]),
        apiServerPort: String(port)
      }
    })
    const kubeconfig = join(workDir, "kubeconfig")
    kube.writeKubeconfig(kubeconfig, TOKEN)
    const controller = spawnAkoTs(["run", "--kubeconfig", kubeconfig], {
      POD_NAME: "ako-ts-0",
      POD_NAMESPACE: NAMESPACE
    })
    try {
      await waitFor("/readyz to answer 200", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`)
        return response.status === 200
      }, 30_000)
      // The leader's writes: the VIP patched into the status, and an Event about the broken Service.
      await waitFor("a VIP in the Service status", () => {
        const status = (kube.get("v1/Service", USER_NAMESPACE, "web") as { status?: { loadBalancer?: unknown } })
          .status
        return JSON.stringify(status?.loadBalancer ?? {}).includes("\"ip\"")
      }, 30_000)
      await waitFor(
        "an Event about the broken Service",
        () =>
          kube.list("v1/Event", USER_NAMESPACE).some((event) =>
            (event as { involvedObject?: { name?: string } }).involvedObject?.name === "broken"
          ),
        30_000
      )
      controller.child.kill("SIGTERM")
      expect(await exitWithin(controller, 20_000)).toBe(0)
    } finally {
      controller.child.kill("SIGKILL")
    }

    const entries = kube.requestLog().filter((entry) => entry.user === USER)
    const nonResource = entries.filter((entry) => entry.resource === undefined).map((entry) => entry.path)
    // Discovery and /version are granted to every authenticated user by the default system:discovery ClusterRole.
    expect(nonResource.filter((path) => !/^\/(api|apis|version|openapi)(\/|$)/.test(path))).toEqual([])
    const requests = entries.flatMap((entry) => asApiRequest(entry) ?? [])
    const observed = [...new Map(requests.map((request) => [describeRequest(request), request])).values()]

    // Not vacuous: the start-up reads and the writes waited for above are among them.
    expect(observed.map(describeRequest)).toEqual(expect.arrayContaining([
      "get configmaps named avi-k8s-config in namespace avi-system",
      "get secrets named avi-secret in namespace avi-system",
      "patch services/status named web in namespace shop",
      "create events in namespace shop"
    ]))
    const calls = declaredCalls()
    expect(observed.filter((request) => !calls.some((call) => declares(call, request))).map(describeRequest))
      .toEqual([])
    expect(ungranted(rbacPolicyFrom(plainObjects()), SERVICE_ACCOUNT, observed)).toEqual([])
    expect(ungranted(rbacPolicyFrom(chartObjects()), SERVICE_ACCOUNT, observed)).toEqual([])
  })
})
