import * as k8s from "@kubernetes/client-node"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { apiError, eventually, kubeConfigFor, rawRequest } from "./_support.js"

// ako-ts's own CRD manifests, schema-compatible with AKO 2.2.1's (deploy/crds/README.md).
const crdDir = join(import.meta.dirname, "..", "..", "..", "deploy", "crds")

let sim: RunningKubeSim
let kc: k8s.KubeConfig
let custom: k8s.CustomObjectsApi
let extensions: k8s.ApiextensionsV1Api

beforeAll(async () => {
  sim = await startKubeSim({ bookmarkIntervalMs: 50 })
  kc = kubeConfigFor(sim)
  custom = kc.makeApiClient(k8s.CustomObjectsApi)
  extensions = kc.makeApiClient(k8s.ApiextensionsV1Api)
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith(".yaml"))) {
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(readFileSync(join(crdDir, file), "utf8"))
    await extensions.createCustomResourceDefinition({ body: crd })
  }
})
afterAll(() => sim.close())

const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch)

type Obj = Record<string, unknown> & {
  metadata: { name: string; resourceVersion: string; generation?: number; uid?: string }
  spec?: Record<string, unknown>
  status?: Record<string, unknown>
}

const hostRule = (name: string, virtualhost: Record<string, unknown>, apiVersion = "ako.vmware.com/v1beta1") => ({
  apiVersion,
  kind: "HostRule",
  metadata: { name, namespace: "default" },
  spec: { virtualhost }
})

const hostRules = { group: "ako.vmware.com", version: "v1beta1", namespace: "default", plural: "hostrules" }

interface Seen {
  readonly events: Array<{ type: string; object: Obj }>
  done: Error | null | undefined
  controller: AbortController
}

const watch = async (path: string, query: Record<string, string | boolean | number>): Promise<Seen> => {
  const seen: Seen = { events: [], done: undefined, controller: undefined as unknown as AbortController }
  seen.controller = await new k8s.Watch(kc).watch(path, query, (type, object: Obj) => {
    seen.events.push({ type, object })
  }, (error: Error | null) => {
    seen.done = error
  })
  return seen
}

describe("CustomResourceDefinitions in the kube sim, through client-node", () => {
  it("accepts the CRD manifests and reports them established, with their names and stored version", async () => {
    const crd = await extensions.readCustomResourceDefinition({ name: "hostrules.ako.vmware.com" })
    const conditions = Object.fromEntries((crd.status?.conditions ?? []).map((c) => [c.type, c]))
    expect(conditions["Established"]).toMatchObject({ status: "True", reason: "InitialNamesAccepted" })
    expect(conditions["NamesAccepted"]).toMatchObject({ status: "True", reason: "NoConflicts" })
    expect(crd.status?.acceptedNames).toMatchObject({
      kind: "HostRule",
      plural: "hostrules",
      shortNames: ["hostrule", "hr"]
    })
    expect(crd.status?.storedVersions).toEqual(["v1beta1"])
    const l4 = await extensions.readCustomResourceDefinition({ name: "l4rules.ako.vmware.com" })
    expect(l4.status?.acceptedNames).toMatchObject({ kind: "L4Rule", singular: "l4rule", shortNames: ["l4rule"] })
    expect(l4.status?.storedVersions).toEqual(["v1alpha2"])
    const infra = await extensions.readCustomResourceDefinition({ name: "aviinfrasettings.ako.vmware.com" })
    expect(infra.spec.scope).toBe("Cluster")
    expect(infra.status?.acceptedNames?.shortNames ?? []).toEqual([])
  })

  it("serves discovery for the new group: preferred version, resources, status subresources per version", async () => {
    const groups = (await rawRequest(sim, "GET", "/apis")).json<{ groups: Array<Record<string, unknown>> }>()
    const ako = groups.groups.find((g) => g["name"] === "ako.vmware.com")
    expect(ako).toMatchObject({
      versions: [
        { groupVersion: "ako.vmware.com/v1beta1", version: "v1beta1" },
        { groupVersion: "ako.vmware.com/v1alpha2", version: "v1alpha2" },
        { groupVersion: "ako.vmware.com/v1alpha1", version: "v1alpha1" }
      ],
      preferredVersion: { groupVersion: "ako.vmware.com/v1beta1", version: "v1beta1" }
    })
    const v1beta1 = (await rawRequest(sim, "GET", "/apis/ako.vmware.com/v1beta1")).json<{
      resources: Array<{ name: string; kind: string; namespaced: boolean; shortNames?: Array<string> }>
    }>()
    expect(v1beta1.resources.map((r) => r.name).sort()).toEqual([
      "aviinfrasettings",
      "aviinfrasettings/status",
      "hostrules",
      "hostrules/status",
      "httprules",
      "httprules/status"
    ])
    expect(v1beta1.resources.find((r) => r.name === "hostrules")).toMatchObject({
      kind: "HostRule",
      namespaced: true,
      shortNames: ["hostrule", "hr"]
    })
    expect(v1beta1.resources.find((r) => r.name === "aviinfrasettings")?.namespaced).toBe(false)
    // v1alpha1 of HostRule and AviInfraSetting declares no status subresource; HTTPRule's does.
    const v1alpha1 = (await rawRequest(sim, "GET", "/apis/ako.vmware.com/v1alpha1")).json<{
      resources: Array<{ name: string }>
    }>()
    expect(v1alpha1.resources.map((r) => r.name).sort()).toEqual([
      "aviinfrasettings",
      "hostrules",
      "httprules",
      "httprules/status"
    ])
  })

  it("creates, lists, watches and status-patches a HostRule", async () => {
    const start = sim.resourceVersion()
    const seen = await watch("/apis/ako.vmware.com/v1beta1/namespaces/default/hostrules", {
      resourceVersion: String(start)
    })
    const created = await custom.createNamespacedCustomObject({
      ...hostRules,
      body: hostRule("web", { fqdn: "web.example.com" })
    }) as Obj
    expect(created).toMatchObject({
      apiVersion: "ako.vmware.com/v1beta1",
      kind: "HostRule",
      metadata: { generation: 1 }
    })

    const list = await custom.listNamespacedCustomObject({ ...hostRules, fieldSelector: "metadata.name=web" }) as {
      kind: string
      items: Array<Obj>
    }
    expect(list.kind).toBe("HostRuleList")
    expect(list.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).toEqual([
      ["ako.vmware.com/v1beta1", "HostRule", "web"]
    ])

    const accepted = await custom.patchNamespacedCustomObjectStatus({
      ...hostRules,
      name: "web",
      body: { status: { status: "Accepted", error: "" } }
    }, merge) as Obj
    expect(accepted.status).toEqual({ status: "Accepted", error: "" })
    expect(accepted.metadata.generation).toBe(1)

    // A write to the main resource ignores status and bumps the generation for the spec change.
    const changed = await custom.patchNamespacedCustomObject({
      ...hostRules,
      name: "web",
      body: { spec: { virtualhost: { fqdn: "www.example.com" } }, status: { status: "Rejected" } }
    }, merge) as Obj
    expect(changed.metadata.generation).toBe(2)
    expect(changed.status).toEqual({ status: "Accepted", error: "" })

    await eventually(() => (seen.events.length >= 3 ? true : undefined), 5000, "three watch events")
    expect(seen.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      "ADDED web",
      "MODIFIED web",
      "MODIFIED web"
    ])
    expect(seen.events[1]!.object.status).toEqual({ status: "Accepted", error: "" })
    expect(seen.events[2]!.object.apiVersion).toBe("ako.vmware.com/v1beta1")
    seen.controller.abort()
  })

  it("watches custom resources with bookmarks and answers 410 for a compacted resourceVersion", async () => {
    const before = sim.resourceVersion()
    await custom.createNamespacedCustomObject({ ...hostRules, body: hostRule("bookmarked", { fqdn: "b.example.com" }) })
    const seen = await watch("/apis/ako.vmware.com/v1beta1/namespaces/default/hostrules", {
      resourceVersion: String(before),
      allowWatchBookmarks: true
    })
    await eventually(() => (seen.events.some((e) => e.type === "BOOKMARK") ? true : undefined), 5000, "a bookmark")
    expect(seen.events[0]).toMatchObject({ type: "ADDED", object: { metadata: { name: "bookmarked" } } })
    expect(seen.events.find((e) => e.type === "BOOKMARK")?.object).toMatchObject({
      kind: "HostRule",
      apiVersion: "ako.vmware.com/v1beta1"
    })
    seen.controller.abort()

    sim.compact()
    const gone = await rawRequest(
      sim,
      "GET",
      `/apis/ako.vmware.com/v1beta1/namespaces/default/hostrules?watch=true&resourceVersion=${before}`
    )
    expect(gone.status).toBe(410)
    expect(gone.json()).toMatchObject({ reason: "Expired", code: 410 })
  })

  it("serves every version and stores the storage version; reads through v1alpha1 only change apiVersion", async () => {
    const alphaWatch = await watch("/apis/ako.vmware.com/v1alpha1/namespaces/default/hostrules", {
      resourceVersion: String(sim.resourceVersion())
    })
    await custom.createNamespacedCustomObject({
      ...hostRules,
      version: "v1alpha1",
      body: hostRule("legacy", { fqdn: "legacy.example.com" }, "ako.vmware.com/v1alpha1")
    })
    expect(sim.get("hostrules.ako.vmware.com", "default", "legacy")?.apiVersion).toBe("ako.vmware.com/v1beta1")
    const asBeta = await custom.getNamespacedCustomObject({ ...hostRules, name: "legacy" }) as Obj
    expect(asBeta.apiVersion).toBe("ako.vmware.com/v1beta1")
    const asAlpha = await custom.getNamespacedCustomObject({ ...hostRules, version: "v1alpha1", name: "legacy" }) as Obj
    expect(asAlpha.apiVersion).toBe("ako.vmware.com/v1alpha1")
    expect(asAlpha.spec).toEqual(asBeta.spec)
    const alphaList = await custom.listNamespacedCustomObject({ ...hostRules, version: "v1alpha1" }) as {
      apiVersion: string
      items: Array<Obj>
    }
    expect(alphaList.apiVersion).toBe("ako.vmware.com/v1alpha1")
    expect(new Set(alphaList.items.map((i) => i.apiVersion))).toEqual(new Set(["ako.vmware.com/v1alpha1"]))
    await eventually(() => (alphaWatch.events.length >= 1 ? true : undefined), 5000, "the v1alpha1 watch event")
    expect(alphaWatch.events[0]).toMatchObject({
      type: "ADDED",
      object: { apiVersion: "ako.vmware.com/v1alpha1", metadata: { name: "legacy" } }
    })
    alphaWatch.controller.abort()
    // v1alpha1 has no status subresource: status is an ordinary field there, and /status is not found.
    const missing = await rawRequest(
      sim,
      "GET",
      "/apis/ako.vmware.com/v1alpha1/namespaces/default/hostrules/legacy/status"
    )
    expect(missing.status).toBe(404)
  })

  it("has the v1beta1-only fields in v1beta1 alone: writes through v1alpha1 prune them, as AKO's schemas do", async () => {
    const extras = {
      networkSecurityPolicy: "nsp",
      l7Rule: "tuning",
      useRegex: true,
      applicationRootPath: "/home",
      analyticsPolicy: { fullClientLogs: { enabled: true, duration: 15 } }
    }
    const beta = await custom.createNamespacedCustomObject({
      ...hostRules,
      body: hostRule("beta-fields", { fqdn: "beta.example.com", ...extras })
    }) as Obj
    expect(beta.spec?.["virtualhost"]).toEqual({
      fqdn: "beta.example.com",
      fqdnType: "Exact",
      ...extras,
      analyticsPolicy: { fullClientLogs: { enabled: true, duration: 15, throttle: "HIGH" }, logAllHeaders: false }
    })
    const alpha = await custom.createNamespacedCustomObject({
      ...hostRules,
      version: "v1alpha1",
      body: hostRule("alpha-fields", { fqdn: "alpha.example.com", ...extras }, "ako.vmware.com/v1alpha1")
    }) as Obj
    expect(alpha.spec?.["virtualhost"]).toEqual({
      fqdn: "alpha.example.com",
      fqdnType: "Exact",
      analyticsPolicy: { fullClientLogs: { enabled: true, throttle: "HIGH" }, logAllHeaders: false }
    })

    const httpRule = (version: string) =>
      custom.createNamespacedCustomObject({
        group: "ako.vmware.com",
        version,
        namespace: "default",
        plural: "httprules",
        body: {
          apiVersion: `ako.vmware.com/${version}`,
          kind: "HTTPRule",
          metadata: { name: `h2-${version}` },
          spec: { fqdn: "a.example.com", paths: [{ target: "/", enableHTTP2: true }] }
        }
      }) as Promise<Obj>
    expect((await httpRule("v1beta1")).spec?.["paths"]).toEqual([{ target: "/", enableHTTP2: true }])
    expect((await httpRule("v1alpha1")).spec?.["paths"]).toEqual([{ target: "/" }])
  })

  it("applies schema defaults, prunes unknown fields and keeps null only where the schema allows it", async () => {
    const l4 = await custom.createNamespacedCustomObject({
      group: "ako.vmware.com",
      version: "v1alpha2",
      namespace: "default",
      plural: "l4rules",
      body: {
        apiVersion: "ako.vmware.com/v1alpha2",
        kind: "L4Rule",
        metadata: { name: "defaults" },
        spec: {
          analyticsPolicy: { fullClientLogs: { enabled: true } },
          backendProperties: [{ port: 80, protocol: "TCP", futureField: "x" }],
          loadBalancerIP: null,
          notInSchema: { a: 1 }
        }
      }
    }) as Obj
    expect(l4.spec).toEqual({
      analyticsPolicy: { fullClientLogs: { enabled: true, duration: 30, throttle: 10 } },
      analyticsProfileRef: "System-Analytics-Profile",
      applicationProfileRef: "System-L4-Application",
      networkProfileRef: "System-TCP-Proxy",
      revokeVipRoute: false,
      backendProperties: [{
        port: 80,
        protocol: "TCP",
        enabled: true,
        lbAlgorithm: "LB_ALGORITHM_LEAST_CONNECTIONS"
      }]
    })
    // Defaults also land on later updates, where a field was removed.
    const updated = await custom.replaceNamespacedCustomObject({
      group: "ako.vmware.com",
      version: "v1alpha2",
      namespace: "default",
      plural: "l4rules",
      name: "defaults",
      body: { ...l4, spec: { listenerProperties: [{ port: 80, protocol: "TCP" }] } }
    }) as Obj
    expect(updated.spec?.["listenerProperties"]).toEqual([{ port: 80, protocol: "TCP", enableSsl: false }])
    expect(updated.spec?.["networkProfileRef"]).toBe("System-TCP-Proxy")
  })

  it("validates types, enums, bounds, patterns, required fields and oneOf with the server's messages", async () => {
    const enumFailure = await apiError(custom.createNamespacedCustomObject({
      ...hostRules,
      body: hostRule("bad-enum", { fqdn: "a.example.com", fqdnType: "Regex" })
    }))
    expect(enumFailure.code).toBe(422)
    expect(enumFailure.body).toMatchObject({
      reason: "Invalid",
      message: "HostRule.ako.vmware.com \"bad-enum\" is invalid: spec.virtualhost.fqdnType: Unsupported value: " +
        "\"Regex\": supported values: \"Exact\", \"Wildcard\", \"Contains\"",
      details: {
        name: "bad-enum",
        group: "ako.vmware.com",
        kind: "HostRule",
        causes: [{
          reason: "FieldValueNotSupported",
          field: "spec.virtualhost.fqdnType",
          message: "Unsupported value: \"Regex\": supported values: \"Exact\", \"Wildcard\", \"Contains\""
        }]
      }
    })

    const typeFailure = await apiError(custom.createNamespacedCustomObject({
      ...hostRules,
      body: hostRule("bad-type", { fqdn: 42, tcpSettings: { listeners: [{ port: 70000 }, { port: 1.5 }] } })
    }))
    expect(typeFailure.body["message"]).toBe(
      "HostRule.ako.vmware.com \"bad-type\" is invalid: [" +
        "spec.virtualhost.fqdn: Invalid value: \"integer\": spec.virtualhost.fqdn in body must be of type string: " +
        "\"integer\", " +
        "spec.virtualhost.tcpSettings.listeners[0].port: Invalid value: 70000: " +
        "spec.virtualhost.tcpSettings.listeners[0].port in body should be less than or equal to 65535, " +
        "spec.virtualhost.tcpSettings.listeners[1].port: Invalid value: \"number\": " +
        "spec.virtualhost.tcpSettings.listeners[1].port in body must be of type integer: \"number\"]"
    )
    const causes = (typeFailure.body["details"] as { causes: Array<{ reason: string }> }).causes
    expect(causes.map((c) => c.reason)).toEqual(["FieldValueTypeInvalid", "FieldValueInvalid", "FieldValueTypeInvalid"])

    const requiredFailure = await apiError(custom.createNamespacedCustomObject({
      ...hostRules,
      body: hostRule("no-fqdn", { tls: { sslKeyCertificate: { name: "c" } } })
    }))
    expect(requiredFailure.body["message"]).toBe(
      "HostRule.ako.vmware.com \"no-fqdn\" is invalid: [spec.virtualhost.fqdn: Required value, " +
        "spec.virtualhost.tls.sslKeyCertificate.type: Required value]"
    )

    const patternFailure = await apiError(custom.createNamespacedCustomObject({
      group: "ako.vmware.com",
      version: "v1alpha1",
      namespace: "default",
      plural: "httprules",
      body: {
        apiVersion: "ako.vmware.com/v1alpha1",
        kind: "HTTPRule",
        metadata: { name: "relative" },
        spec: { fqdn: "a.example.com", paths: [{ target: "foo" }] }
      }
    }))
    expect(patternFailure.body["message"]).toBe(
      "HTTPRule.ako.vmware.com \"relative\" is invalid: spec.paths[0].target: Invalid value: \"foo\": " +
        "spec.paths[0].target in body should match '^\\/.*$'"
    )

    const oneOfFailure = await apiError(custom.createNamespacedCustomObject({
      group: "ako.vmware.com",
      version: "v1alpha2",
      namespace: "default",
      plural: "ssorules",
      body: {
        apiVersion: "ako.vmware.com/v1alpha2",
        kind: "SSORule",
        metadata: { name: "neither" },
        spec: { fqdn: "a.example.com", ssoPolicyRef: "policy" }
      }
    }))
    expect(oneOfFailure.body["message"]).toContain(
      "<nil>: Invalid value: \"\": \"spec\" must validate one and only one schema (oneOf). Found none valid"
    )
    expect(sim.list("hostrules.ako.vmware.com", "default").map((o) => o.metadata?.name)).not.toContain("bad-enum")
  })

  it("refuses unknown fields with fieldValidation=Strict and drops them otherwise", async () => {
    const path = "/apis/ako.vmware.com/v1beta1/namespaces/default/hostrules"
    const body = { ...hostRule("strict", { fqdn: "s.example.com", colour: "blue" }), extra: true }
    const strict = await rawRequest(sim, "POST", `${path}?fieldValidation=Strict`, body)
    expect(strict.status).toBe(400)
    expect(strict.json()["message"]).toBe(
      "HostRule in version \"v1beta1\" cannot be handled as a HostRule: strict decoding error: " +
        "unknown field \"extra\", unknown field \"spec.virtualhost.colour\""
    )
    const lenient = await rawRequest(sim, "POST", path, body)
    expect(lenient.status).toBe(201)
    expect(lenient.json()["extra"]).toBeUndefined()
    expect(lenient.json<Obj>().spec).toEqual({ virtualhost: { fqdn: "s.example.com", fqdnType: "Exact" } })
  })

  it("refuses strategic merge patches for custom resources with 415", async () => {
    const response = await rawRequest(
      sim,
      "PATCH",
      "/apis/ako.vmware.com/v1beta1/namespaces/default/hostrules/web",
      { spec: { virtualhost: { fqdn: "x.example.com" } } },
      { "content-type": "application/strategic-merge-patch+json" }
    )
    expect(response.status).toBe(415)
    expect(response.json()["message"]).toBe(
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, " +
        "application/merge-patch+json, application/apply-patch+yaml"
    )
  })

  it("selects custom resources by metadata fields and declared selectableFields, and refuses other labels", async () => {
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: "widgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { plural: "widgets", kind: "Widget" },
          versions: [{
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: { color: { type: "string" }, size: { type: "integer" } }
                  }
                }
              }
            },
            selectableFields: [{ jsonPath: ".spec.color" }, { jsonPath: ".spec.size" }]
          }]
        }
      }
    })
    const widgets = { group: "example.com", version: "v1", namespace: "default", plural: "widgets" }
    const widget = (name: string, color: string, size: number) =>
      custom.createNamespacedCustomObject({
        ...widgets,
        body: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec: { color, size } }
      })
    await widget("a", "red", 1)
    await widget("b", "blue", 2)
    await widget("c", "red", 3)
    const names = async (fieldSelector: string) =>
      ((await custom.listNamespacedCustomObject({ ...widgets, fieldSelector })) as { items: Array<Obj> }).items.map((
        i
      ) => i.metadata.name)
    expect(await names("spec.color=red")).toEqual(["a", "c"])
    expect(await names("spec.color!=red")).toEqual(["b"])
    expect(await names("spec.color==red,spec.size=3")).toEqual(["c"])
    expect(await names("metadata.name=b,metadata.namespace=default")).toEqual(["b"])
    const refused = await apiError(custom.listNamespacedCustomObject({ ...widgets, fieldSelector: "spec.shape=round" }))
    expect(refused.code).toBe(400)
    expect(refused.body["message"]).toBe("field label not supported: spec.shape")
    // Cluster-scoped custom resources have no metadata.namespace to select on.
    const clusterScoped = await apiError(custom.listClusterCustomObject({
      group: "ako.vmware.com",
      version: "v1beta1",
      plural: "aviinfrasettings",
      fieldSelector: "metadata.namespace=default"
    }))
    expect(clusterScoped.body["message"]).toBe("field label not supported: metadata.namespace")
  })

  it("deletes a CRD's objects with it (watchers see them go), then ends their watches and stops serving it", async () => {
    const l7rules = { group: "ako.vmware.com", version: "v1alpha2", namespace: "default", plural: "l7rules" }
    for (const name of ["one", "two"]) {
      await custom.createNamespacedCustomObject({
        ...l7rules,
        body: {
          apiVersion: "ako.vmware.com/v1alpha2",
          kind: "L7Rule",
          metadata: { name, finalizers: ["x/y"] },
          spec: {}
        }
      })
    }
    const seen = await watch("/apis/ako.vmware.com/v1alpha2/namespaces/default/l7rules", {})
    await eventually(() => (seen.events.length >= 2 ? true : undefined), 5000, "the initial state")
    await extensions.deleteCustomResourceDefinition({ name: "l7rules.ako.vmware.com" })
    await eventually(() => (seen.done !== undefined ? true : undefined), 5000, "the end of the watch")
    expect(seen.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(
      expect.arrayContaining(["DELETED one", "DELETED two"])
    )
    const after = await rawRequest(sim, "GET", "/apis/ako.vmware.com/v1alpha2/namespaces/default/l7rules")
    expect(after.status).toBe(404)
    const resources = (await rawRequest(sim, "GET", "/apis/ako.vmware.com/v1alpha2")).json<{
      resources: Array<{ name: string }>
    }>()
    expect(resources.resources.map((r) => r.name)).not.toContain("l7rules")
    // Re-creating the definition serves an empty resource: the old objects are really gone.
    const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(
      readFileSync(join(crdDir, "l7rules.yaml"), "utf8")
    )
    await extensions.createCustomResourceDefinition({ body: crd })
    expect(((await custom.listNamespacedCustomObject(l7rules)) as { items: Array<unknown> }).items).toEqual([])
  })

  it("rejects a CRD whose name does not match its plural and group", async () => {
    const failure = await apiError(extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: "gadgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Regional",
          names: { plural: "gizmos", kind: "Gizmo" },
          versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }]
        }
      }
    }))
    expect(failure.code).toBe(422)
    expect(failure.body["message"]).toBe(
      "CustomResourceDefinition.apiextensions.k8s.io \"gadgets.example.com\" is invalid: [metadata.name: Invalid value: " +
        "\"gadgets.example.com\": must be spec.names.plural+\".\"+spec.group, spec.scope: Unsupported value: " +
        "\"Regional\": supported values: \"Cluster\", \"Namespaced\"]"
    )
  })
})
