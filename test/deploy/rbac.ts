/**
 * A small RBAC authoriser with Kubernetes' rules (pkg/registry/rbac/validation): a request is allowed when a binding
 * whose subjects include the caller points at a role with a matching rule. ClusterRoleBindings apply everywhere;
 * RoleBindings (to a Role or a ClusterRole) only to namespaced requests in their own namespace. A rule with
 * resourceNames matches only requests that name one object, which a create never does.
 */

export interface PolicyRule {
  readonly apiGroups?: ReadonlyArray<string>
  readonly resources?: ReadonlyArray<string>
  readonly verbs: ReadonlyArray<string>
  readonly resourceNames?: ReadonlyArray<string>
  readonly nonResourceURLs?: ReadonlyArray<string>
}

export interface ApiRequest {
  readonly verb: string
  readonly group: string
  readonly resource: string
  readonly subresource?: string | undefined
  /** Undefined for cluster-scoped objects and for lists/watches across all namespaces. */
  readonly namespace?: string | undefined
  /** The one object the request is about; undefined for create and for unfiltered lists/watches. */
  readonly name?: string | undefined
}

export interface ServiceAccountRef {
  readonly namespace: string
  readonly name: string
}

interface Subject {
  readonly kind: string
  readonly name: string
  readonly namespace?: string
}

interface Binding {
  readonly namespace: string | undefined
  readonly roleKind: string
  readonly roleName: string
  readonly subjects: ReadonlyArray<Subject>
}

export interface RbacPolicy {
  readonly roles: ReadonlyMap<string, ReadonlyArray<PolicyRule>>
  readonly clusterRoles: ReadonlyMap<string, ReadonlyArray<PolicyRule>>
  readonly bindings: ReadonlyArray<Binding>
}

type Manifest = Record<string, unknown>

const record = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {}

const metadataOf = (object: Manifest) => record(object["metadata"])
const nameOf = (object: Manifest) => String(metadataOf(object)["name"] ?? "")
const namespaceOf = (object: Manifest) => {
  const namespace = metadataOf(object)["namespace"]
  return typeof namespace === "string" && namespace !== "" ? namespace : undefined
}

const RBAC_API = "rbac.authorization.k8s.io/v1"

/** The RBAC objects among arbitrary manifests (others are ignored). */
export const rbacPolicyFrom = (objects: ReadonlyArray<Manifest>): RbacPolicy => {
  const roles = new Map<string, ReadonlyArray<PolicyRule>>()
  const clusterRoles = new Map<string, ReadonlyArray<PolicyRule>>()
  const bindings: Array<Binding> = []
  for (const object of objects) {
    if (object["apiVersion"] !== RBAC_API) continue
    const rules = (object["rules"] ?? []) as ReadonlyArray<PolicyRule>
    switch (object["kind"]) {
      case "Role":
        roles.set(`${namespaceOf(object) ?? ""}/${nameOf(object)}`, rules)
        break
      case "ClusterRole":
        clusterRoles.set(nameOf(object), rules)
        break
      case "RoleBinding":
      case "ClusterRoleBinding": {
        const roleRef = record(object["roleRef"])
        bindings.push({
          namespace: object["kind"] === "RoleBinding" ? namespaceOf(object) : undefined,
          roleKind: String(roleRef["kind"]),
          roleName: String(roleRef["name"]),
          subjects: (object["subjects"] ?? []) as ReadonlyArray<Subject>
        })
        break
      }
    }
  }
  return { roles, clusterRoles, bindings }
}

const matches = (list: ReadonlyArray<string> | undefined, value: string) =>
  list !== undefined && (list.includes("*") || list.includes(value))

const resourceMatches = (rule: PolicyRule, request: ApiRequest) => {
  const wanted = request.subresource === undefined ? request.resource : `${request.resource}/${request.subresource}`
  const resources = rule.resources ?? []
  return resources.includes("*") || resources.includes(wanted) ||
    (request.subresource !== undefined && resources.includes(`${request.resource}/*`)) ||
    (request.subresource !== undefined && resources.includes(`*/${request.subresource}`))
}

export const ruleAllows = (rule: PolicyRule, request: ApiRequest): boolean =>
  matches(rule.verbs, request.verb) &&
  matches(rule.apiGroups, request.group) &&
  resourceMatches(rule, request) &&
  (rule.resourceNames === undefined || rule.resourceNames.length === 0 ||
    (request.name !== undefined && rule.resourceNames.includes(request.name)))

const subjectIs = (subject: Subject, account: ServiceAccountRef, bindingNamespace: string | undefined) => {
  switch (subject.kind) {
    case "ServiceAccount":
      return subject.name === account.name && (subject.namespace ?? bindingNamespace) === account.namespace
    case "User":
      return subject.name === `system:serviceaccount:${account.namespace}:${account.name}`
    case "Group":
      return ["system:serviceaccounts", `system:serviceaccounts:${account.namespace}`, "system:authenticated"]
        .includes(subject.name)
    default:
      return false
  }
}

/** The rules that apply to `account` for requests in `namespace` (undefined: cluster scope). */
const rulesFor = (policy: RbacPolicy, account: ServiceAccountRef, namespace: string | undefined) =>
  policy.bindings.flatMap((binding) => {
    if (!binding.subjects.some((subject) => subjectIs(subject, account, binding.namespace))) return []
    if (binding.namespace !== undefined && binding.namespace !== namespace) return []
    if (binding.roleKind === "ClusterRole") return policy.clusterRoles.get(binding.roleName) ?? []
    if (binding.roleKind === "Role" && binding.namespace !== undefined) {
      return policy.roles.get(`${binding.namespace}/${binding.roleName}`) ?? []
    }
    return []
  })

export const allows = (policy: RbacPolicy, account: ServiceAccountRef, request: ApiRequest): boolean =>
  rulesFor(policy, account, request.namespace).some((rule) => ruleAllows(rule, request))

export const describeRequest = (request: ApiRequest): string => {
  const resource = `${request.resource}${request.subresource === undefined ? "" : `/${request.subresource}`}`
  const qualified = request.group === "" ? resource : `${resource}.${request.group}`
  const where = request.namespace === undefined ? "cluster-wide" : `in namespace ${request.namespace}`
  const name = request.name === undefined ? "" : ` named ${request.name}`
  return `${request.verb} ${qualified}${name} ${where}`
}

/** The requests `account` may not make, described for a failure message. */
export const ungranted = (
  policy: RbacPolicy,
  account: ServiceAccountRef,
  requests: ReadonlyArray<ApiRequest>
): ReadonlyArray<string> => requests.filter((request) => !allows(policy, account, request)).map(describeRequest)

/**
 * How the API server names a request for authorisation: a list or watch with `fieldSelector=metadata.name=X` is
 * about the object X (apiserver's RequestInfoFactory), so resourceNames rules apply to it.
 */
export const requestNameForAuthorization = (
  verb: string,
  name: string | undefined,
  query: Readonly<Record<string, string>>
): string | undefined => {
  if (name !== undefined && name !== "") return name
  if (verb !== "list" && verb !== "watch") return undefined
  const selector = query["fieldSelector"]
  if (selector === undefined) return undefined
  const terms = selector.split(",").map((term) => term.trim()).filter((term) => term !== "")
  // As fields.Selector.RequiresExactMatch: any one `metadata.name=` (or `==`) term of the conjunction.
  return terms.map((term) => /^metadata\.name==?(.+)$/.exec(term)?.[1]).find((value) => value !== undefined)
}
