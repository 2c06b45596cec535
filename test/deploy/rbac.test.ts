import { describe, expect, it } from "@effect/vitest"
import type { ApiRequest, PolicyRule } from "./rbac.js"
import { allows, describeRequest, rbacPolicyFrom, requestNameForAuthorization, ungranted } from "./rbac.js"
import type { Manifest } from "./support.js"
import { chartObjects, declaredCalls, NAMESPACE, plainObjects, requestOf, SERVICE_ACCOUNT } from "./support.js"

const sa = SERVICE_ACCOUNT

const role = (kind: "Role" | "ClusterRole", name: string, rules: ReadonlyArray<PolicyRule>, namespace?: string) =>
  ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    rules
  }) as Manifest

const binding = (
  kind: "RoleBinding" | "ClusterRoleBinding",
  roleKind: "Role" | "ClusterRole",
  roleName: string,
  subject: { readonly name: string; readonly namespace: string },
  namespace?: string
) =>
  ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name: `${roleName}-binding`, ...(namespace === undefined ? {} : { namespace }) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: roleName },
    subjects: [{ kind: "ServiceAccount", ...subject }]
  }) as Manifest

const leaseGet: ApiRequest = {
  verb: "get",
  group: "coordination.k8s.io",
  resource: "leases",
  namespace: NAMESPACE,
  name: "ako-lease-lock"
}

describe("the RBAC evaluator", () => {
  const namedLeaseRole = rbacPolicyFrom([
    role("Role", "lease", [{
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: ["ako-lease-lock"],
      verbs: ["get", "create", "watch"]
    }], NAMESPACE),
    binding("RoleBinding", "Role", "lease", sa, NAMESPACE)
  ])

  it("grants a named rule for that object only, and never for create (the name is unknown when authorising)", () => {
    expect(allows(namedLeaseRole, sa, leaseGet)).toBe(true)
    expect(allows(namedLeaseRole, sa, { ...leaseGet, name: "kube-controller-manager" })).toBe(false)
    expect(allows(namedLeaseRole, sa, { ...leaseGet, verb: "create", name: undefined })).toBe(false)
    expect(allows(namedLeaseRole, sa, { ...leaseGet, verb: "watch", name: undefined })).toBe(false)
  })

  it("applies a Role only in its namespace and only to the bound ServiceAccount", () => {
    expect(allows(namedLeaseRole, sa, { ...leaseGet, namespace: "kube-system" })).toBe(false)
    expect(allows(namedLeaseRole, sa, { ...leaseGet, namespace: undefined })).toBe(false)
    expect(allows(namedLeaseRole, { namespace: NAMESPACE, name: "other" }, leaseGet)).toBe(false)
    expect(allows(namedLeaseRole, { namespace: "default", name: sa.name }, leaseGet)).toBe(false)
  })

  it("applies a ClusterRole everywhere through a ClusterRoleBinding, in one namespace through a RoleBinding", () => {
    const rules = [{ apiGroups: [""], resources: ["services"], verbs: ["list"] }]
    const list: ApiRequest = { verb: "list", group: "", resource: "services" }
    const clusterWide = rbacPolicyFrom([
      role("ClusterRole", "r", rules),
      binding("ClusterRoleBinding", "ClusterRole", "r", sa)
    ])
    expect(allows(clusterWide, sa, list)).toBe(true)
    expect(allows(clusterWide, sa, { ...list, namespace: "shop" })).toBe(true)
    const oneNamespace = rbacPolicyFrom([
      role("ClusterRole", "r", rules),
      binding("RoleBinding", "ClusterRole", "r", sa, "shop")
    ])
    expect(allows(oneNamespace, sa, { ...list, namespace: "shop" })).toBe(true)
    expect(allows(oneNamespace, sa, list)).toBe(false)
  })

  it("needs resource/subresource for a subresource and the exact API group", () => {
    const policy = rbacPolicyFrom([
      role("ClusterRole", "r", [{ apiGroups: [""], resources: ["services"], verbs: ["patch"] }]),
      binding("ClusterRoleBinding", "ClusterRole", "r", sa)
    ])
    const patch: ApiRequest = { verb: "patch", group: "", resource: "services", namespace: "shop", name: "web" }
    expect(allows(policy, sa, patch)).toBe(true)
    expect(allows(policy, sa, { ...patch, subresource: "status" })).toBe(false)
    expect(allows(policy, sa, { ...patch, group: "networking.k8s.io" })).toBe(false)
  })

  it("names a list or watch with a metadata.name field selector as that object, as the API server does", () => {
    expect(requestNameForAuthorization("watch", undefined, { fieldSelector: "metadata.name=ako-lease-lock" }))
      .toBe("ako-lease-lock")
    expect(requestNameForAuthorization("list", undefined, { fieldSelector: "metadata.namespace=x,metadata.name==y" }))
      .toBe("y")
    expect(requestNameForAuthorization("list", undefined, { fieldSelector: "metadata.name!=y" })).toBeUndefined()
    expect(requestNameForAuthorization("list", undefined, {})).toBeUndefined()
    expect(requestNameForAuthorization("get", "z", {})).toBe("z")
  })
})

const allDeclared = () => declaredCalls().map((call) => requestOf(call))

describe("the manifests' RBAC against the controller's API calls (deploy/api-calls.yaml)", () => {
  it("lists the calls of every part of the controller", () => {
    const by = new Set(declaredCalls().map((call) => call.by))
    expect([...by].sort()).toEqual([
      "bootstrap",
      "crds",
      "deleteConfig",
      "election",
      "events",
      "reflector",
      "staticRoutes",
      "tokenRenewal",
      "writers"
    ])
  })

  it("grants AKO's custom resources as AKO does: reads everywhere and status writes, never a write of the resource", () => {
    const namespaced = ["hostrules", "httprules", "l4rules", "l7rules", "ssorules"]
    const resource = (verb: string, plural: string, extra: Partial<ApiRequest> = {}): ApiRequest => ({
      verb,
      group: "ako.vmware.com",
      resource: plural,
      ...(namespaced.includes(plural) ? { namespace: "shop" } : {}),
      ...extra
    })
    const granted = [...namespaced, "aviinfrasettings"].flatMap((plural) => [
      { verb: "list", group: "ako.vmware.com", resource: plural },
      { verb: "watch", group: "ako.vmware.com", resource: plural },
      resource("get", plural, { name: "r" }),
      resource("patch", plural, { subresource: "status", name: "r" }),
      resource("update", plural, { subresource: "status", name: "r" })
    ])
    const denied = [...namespaced, "aviinfrasettings"].flatMap((plural) => [
      resource("create", plural),
      resource("update", plural, { name: "r" }),
      resource("patch", plural, { name: "r" }),
      resource("delete", plural, { name: "r" })
    ])
    for (const policy of [rbacPolicyFrom(plainObjects()), rbacPolicyFrom(chartObjects())]) {
      expect(ungranted(policy, sa, granted)).toEqual([])
      expect(denied.filter((request) => allows(policy, sa, request)).map(describeRequest)).toEqual([])
    }
    // The CRDs the plain manifests and the chart install are these six resources.
    for (const objects of [plainObjects(), chartObjects()]) {
      expect(objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name).sort())
        .toEqual([...namespaced, "aviinfrasettings"].map((plural) => `${plural}.ako.vmware.com`).sort())
    }
  })

  it("the plain manifests grant every call", () => {
    expect(ungranted(rbacPolicyFrom(plainObjects()), sa, allDeclared())).toEqual([])
  })

  it("the chart grants every call, also when installed in another namespace", () => {
    expect(ungranted(rbacPolicyFrom(chartObjects()), sa, allDeclared())).toEqual([])
    const elsewhere = declaredCalls().map((call) => requestOf(call, "ako-prod"))
    expect(
      ungranted(rbacPolicyFrom(chartObjects({ namespace: "ako-prod" })), { ...sa, namespace: "ako-prod" }, elsewhere)
    )
      .toEqual([])
  })

  it("fails naming the call when a rule the controller needs is missing", () => {
    const withoutEvents = plainObjects().map((object) =>
      object.kind === "ClusterRole" ?
        {
          ...object,
          rules: (object["rules"] as ReadonlyArray<PolicyRule>).filter((r) => !r.resources?.includes("events"))
        } :
        object
    )
    expect(ungranted(rbacPolicyFrom(withoutEvents), sa, allDeclared())).toEqual([
      "create events in namespace shop",
      "patch events in namespace shop"
    ])
  })

  it("grants nothing the controller does not call: no wildcards, every rule verb backed by a declared call", () => {
    const calls = declaredCalls()
    for (const objects of [plainObjects(), chartObjects()]) {
      const rules = objects.filter((o) => o.kind === "Role" || o.kind === "ClusterRole")
        .flatMap((o) => (o["rules"] as ReadonlyArray<PolicyRule>).map((rule) => ({ kind: o.kind, rule })))
      const unused: Array<string> = []
      for (const { kind, rule } of rules) {
        expect([...rule.verbs, ...(rule.resources ?? []), ...(rule.apiGroups ?? [])]).not.toContain("*")
        for (const group of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            const [plural, subresource] = resource.split("/")
            for (const verb of rule.verbs) {
              const used = calls.some((call) =>
                call.verb === verb && call.group === group && call.resource === plural &&
                call.subresource === subresource && (kind === "Role") === (call.scope === "controller-namespace")
              )
              if (!used) unused.push(`${kind} ${verb} ${group}/${resource}`)
            }
          }
        }
      }
      expect(unused).toEqual([])
    }
  })

  it("confines the Lease, ConfigMap, Secret and Deployment rights to the controller's namespace and objects", () => {
    const denied: ReadonlyArray<ApiRequest> = [
      { ...leaseGet, verb: "update", name: "kube-scheduler" },
      { ...leaseGet, verb: "update", namespace: "kube-system" },
      { ...leaseGet, verb: "create", namespace: "kube-system", name: undefined },
      { verb: "get", group: "", resource: "secrets", namespace: "kube-system", name: "admin-token" },
      { verb: "get", group: "", resource: "configmaps", namespace: NAMESPACE, name: "other" },
      { verb: "patch", group: "apps", resource: "deployments", namespace: NAMESPACE, name: "other" },
      { verb: "update", group: "", resource: "services", namespace: "shop", name: "web" },
      { verb: "delete", group: "", resource: "services", namespace: "shop", name: "web" }
    ]
    for (const policy of [rbacPolicyFrom(plainObjects()), rbacPolicyFrom(chartObjects())]) {
      expect(denied.filter((request) => allows(policy, sa, request)).map(describeRequest)).toEqual([])
    }
  })
})
