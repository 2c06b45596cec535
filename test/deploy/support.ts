/** Reading what deploy/ ships: the plain manifests, the chart rendered by the real helm, and the list of API calls. */
import { loadAllYaml } from "@kubernetes/client-node"
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { defineResource } from "../../src/sim/kube/index.js"
import { helmPath } from "../support/kube-tools.js"
import type { ApiRequest } from "./rbac.js"

export const REPO = fileURLToPath(new URL("../../", import.meta.url))
export const DEPLOY = join(REPO, "deploy")
export const BASE = join(DEPLOY, "base")
export const CRDS = join(DEPLOY, "crds")
export const CHART = join(DEPLOY, "helm", "ako-ts")
export const NAMESPACE = "avi-system"
export const SERVICE_ACCOUNT = { namespace: NAMESPACE, name: "ako-ts" }

export type Manifest = Record<string, unknown> & {
  readonly apiVersion: string
  readonly kind: string
  readonly metadata: { readonly name: string; readonly namespace?: string } & Record<string, unknown>
}

const parseDocuments = (text: string): ReadonlyArray<Manifest> =>
  (loadAllYaml(text) as ReadonlyArray<unknown>).filter((doc): doc is Manifest =>
    typeof doc === "object" && doc !== null && "kind" in doc
  )

/** The manifest files of deploy/base (kustomization.yaml itself excluded), in a stable order. */
export const plainManifestFiles = (): ReadonlyArray<string> =>
  readdirSync(BASE).filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml").sort()

/** The CustomResourceDefinition files of deploy/crds, in a stable order. */
export const crdManifestFiles = (): ReadonlyArray<string> =>
  readdirSync(CRDS).filter((file) => file.endsWith(".yaml")).sort()

export const crdObjects = (): ReadonlyArray<Manifest> =>
  crdManifestFiles().flatMap((file) => parseDocuments(readFileSync(join(CRDS, file), "utf8")))

/** What `kubectl apply -k deploy/base` installs: the base's own files and the CRDs it includes (`../crds`). */
export const plainObjects = (): ReadonlyArray<Manifest> => [
  ...crdObjects(),
  ...plainManifestFiles().flatMap((file) => parseDocuments(readFileSync(join(BASE, file), "utf8")))
]

const helmHome = join(tmpdir(), "ako-ts-helm")

/** The real helm, with its cache/config/data directories out of the user's home. */
export const helm = (args: ReadonlyArray<string>): string =>
  execFileSync(helmPath(), [...args], {
    encoding: "utf8",
    // stderr is kept on the thrown error (refusal messages are asserted), not printed
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_DATA_HOME: join(helmHome, "data")
    }
  })

/** The values an install cannot do without (controller, cluster name, VIP network) and credentials. */
export const INSTALL_VALUES = join(REPO, "test", "deploy", "fixtures", "install-values.yaml")

/**
 * `helm template` of the chart; `set` are --set pairs, `values` values files (later ones win, --set wins over all).
 * INSTALL_VALUES comes first unless `bare`, since the chart refuses to render without its required values.
 * The chart's crds/ are included, as `helm install` installs them.
 */
export const renderChart = (
  options: {
    readonly namespace?: string
    readonly set?: Readonly<Record<string, string>>
    readonly values?: string | ReadonlyArray<string>
    readonly bare?: boolean
  } = {}
): string =>
  helm([
    "template",
    "ako-ts",
    CHART,
    "--namespace",
    options.namespace ?? NAMESPACE,
    "--include-crds",
    ...Object.entries(options.set ?? {}).flatMap(([key, value]) => ["--set", `${key}=${value}`]),
    ...[...(options.bare === true ? [] : [INSTALL_VALUES]), ...[options.values ?? []].flat()]
      .flatMap((file) => ["--values", file])
  ])

export const chartObjects = (options: Parameters<typeof renderChart>[0] = {}): ReadonlyArray<Manifest> =>
  parseDocuments(renderChart(options))

export const find = (objects: ReadonlyArray<Manifest>, kind: string, name: string): Manifest => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name)
  if (found === undefined) throw new Error(`no ${kind} ${name} among ${objects.map(identify).join(", ")}`)
  return found
}

export const identify = (object: Manifest): string =>
  `${object.kind} ${
    object.metadata.namespace === undefined ? "" : `${object.metadata.namespace}/`
  }${object.metadata.name}`

export type CallScope = "cluster" | "any-namespace" | "controller-namespace"

export interface DeclaredCall {
  readonly verb: string
  readonly group: string
  readonly resource: string
  readonly subresource?: string
  readonly scope: CallScope
  readonly name?: string
  readonly by: string
}

export const declaredCalls = (): ReadonlyArray<DeclaredCall> => {
  const [document] = loadAllYaml(readFileSync(join(DEPLOY, "api-calls.yaml"), "utf8")) as ReadonlyArray<
    { readonly calls: ReadonlyArray<DeclaredCall> }
  >
  return document?.calls ?? []
}

/** A namespace where users keep their Services and Ingresses, for calls whose scope is "any-namespace". */
export const USER_NAMESPACE = "shop"

/** The concrete request a declared call stands for, with the controller installed in `controllerNamespace`. */
export const requestOf = (call: DeclaredCall, controllerNamespace = NAMESPACE): ApiRequest => ({
  verb: call.verb,
  group: call.group,
  resource: call.resource,
  subresource: call.subresource,
  namespace: call.scope === "cluster" ? undefined : call.scope === "controller-namespace" ?
    controllerNamespace :
    USER_NAMESPACE,
  name: call.name
})

/** Whether an observed request is one of the declared calls (any-namespace calls cover every namespace). */
export const declares = (call: DeclaredCall, request: ApiRequest, controllerNamespace = NAMESPACE): boolean =>
  call.verb === request.verb && call.group === request.group && call.resource === request.resource &&
  call.subresource === request.subresource &&
  (call.scope === "cluster" ?
    request.namespace === undefined :
    call.scope === "controller-namespace" ?
    request.namespace === controllerNamespace :
    request.namespace !== undefined) &&
  (call.name === undefined || call.name === request.name)

/** Types the simulator does not serve by itself but the manifests contain (its supported extension point). */
export const deployResources = [
  defineResource({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRole",
    plural: "clusterroles",
    namespaced: false
  }),
  defineResource({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "ClusterRoleBinding",
    plural: "clusterrolebindings",
    namespaced: false
  }),
  defineResource({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "Role",
    plural: "roles",
    namespaced: true
  }),
  defineResource({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    kind: "RoleBinding",
    plural: "rolebindings",
    namespaced: true
  }),
  defineResource({
    group: "policy",
    version: "v1",
    kind: "PodDisruptionBudget",
    plural: "poddisruptionbudgets",
    namespaced: true,
    shortNames: ["pdb"],
    hasStatus: true,
    generationFields: ["spec"]
  })
]
