/**
 * The resource table of the simulator. Everything the HTTP layer and the store need to know about a type lives in
 * one row, so serving a new type is one `defineResource` call in `builtinResources`.
 */
import { type FieldError, required, requiredString, validateMicroTime } from "./validation.js"

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string
  kind?: string
  metadata?: ObjectMeta
}

export interface ObjectMeta {
  name?: string
  generateName?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: Array<string>
  ownerReferences?: Array<unknown>
  [key: string]: unknown
}

/**
 * Rejections at decode time (400) differ from validation failures (422) on the real server: a MicroTime with the
 * wrong number of digits never reaches validation because the JSON decoder refuses it.
 */
export interface DecodeError {
  readonly message: string
}

export interface ResourceType {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly singular: string
  readonly shortNames: ReadonlyArray<string>
  readonly namespaced: boolean
  readonly hasStatus: boolean
  /** Top-level fields whose change bumps `metadata.generation`; undefined: the type has no generation. */
  readonly generationFields: ReadonlyArray<string> | undefined
  /** Name rule: most types use DNS-1123 subdomains; namespaces, services use DNS labels. */
  readonly nameRule: "subdomain" | "label" | "dns1035"
  readonly decode: (object: KubeObject) => DecodeError | undefined
  readonly validate: (object: KubeObject) => ReadonlyArray<FieldError>
  readonly verbs: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  /** Extra columns of `kubectl get` (server-side Table), between Name and Age. */
  readonly columns: ReadonlyArray<PrintColumn>
}

export interface PrintColumn {
  readonly name: string
  readonly cell: (object: KubeObject) => string | number
}

export const apiVersionOf = (type: Pick<ResourceType, "group" | "version">): string =>
  type.group === "" ? type.version : `${type.group}/${type.version}`

/** `leases.coordination.k8s.io`, the form used in Status messages. */
export const qualifiedResource = (type: ResourceType): string =>
  type.group === "" ? type.plural : `${type.plural}.${type.group}`

/** Kind.group form used in Invalid messages: `Lease.coordination.k8s.io`. */
export const qualifiedKind = (type: ResourceType): string =>
  type.group === "" ? type.kind : `${type.kind}.${type.group}`

export const resourceKey = (type: Pick<ResourceType, "group" | "plural">): string => `${type.group}/${type.plural}`

interface ResourceSpec {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: boolean
  readonly shortNames?: ReadonlyArray<string>
  readonly hasStatus?: boolean
  readonly generationFields?: ReadonlyArray<string>
  readonly nameRule?: ResourceType["nameRule"]
  readonly decode?: ResourceType["decode"]
  readonly validate?: ResourceType["validate"]
  readonly categories?: ReadonlyArray<string>
  readonly columns?: ReadonlyArray<PrintColumn>
}

const standardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

export const defineResource = (spec: ResourceSpec): ResourceType => ({
  group: spec.group,
  version: spec.version,
  kind: spec.kind,
  plural: spec.plural,
  singular: spec.kind.toLowerCase(),
  shortNames: spec.shortNames ?? [],
  namespaced: spec.namespaced,
  hasStatus: spec.hasStatus ?? false,
  generationFields: spec.generationFields,
  nameRule: spec.nameRule ?? "subdomain",
  decode: spec.decode ?? (() => undefined),
  validate: spec.validate ?? (() => []),
  verbs: standardVerbs,
  categories: spec.categories ?? [],
  columns: spec.columns ?? []
})

const field = (object: KubeObject, path: ReadonlyArray<string>): unknown => {
  let current: unknown = object
  for (const key of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

const leaseValidate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const duration = field(object, ["spec", "leaseDurationSeconds"])
  if (duration !== undefined && (typeof duration !== "number" || !Number.isInteger(duration) || duration <= 0)) {
    errors.push({
      field: "spec.leaseDurationSeconds",
      type: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(duration)}: must be greater than 0`
    })
  }
  const transitions = field(object, ["spec", "leaseTransitions"])
  if (transitions !== undefined && (typeof transitions !== "number" || transitions < 0)) {
    errors.push({
      field: "spec.leaseTransitions",
      type: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(transitions)}: must be greater than or equal to 0`
    })
  }
  return errors
}

const serviceValidate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const type = field(object, ["spec", "type"]) ?? "ClusterIP"
  const ports = field(object, ["spec", "ports"])
  if (type !== "ExternalName" && (!Array.isArray(ports) || ports.length === 0)) {
    errors.push(required("spec.ports"))
  }
  if (Array.isArray(ports)) {
    ports.forEach((port: unknown, index) => {
      const number = field(port as KubeObject, ["port"])
      if (typeof number !== "number" || number < 1 || number > 65535) {
        errors.push({
          field: `spec.ports[${index}].port`,
          type: "FieldValueInvalid",
          message: `Invalid value: ${JSON.stringify(number ?? 0)}: must be between 1 and 65535, inclusive`
        })
      }
    })
  }
  const allowed = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]
  if (typeof type !== "string" || !allowed.includes(type)) {
    errors.push({
      field: "spec.type",
      type: "FieldValueNotSupported",
      message: `Unsupported value: ${JSON.stringify(type)}: supported values: ${
        allowed.map((a) => `"${a}"`).join(", ")
      }`
    })
  }
  return errors
}

const ingressValidate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const rules = field(object, ["spec", "rules"])
  const defaultBackend = field(object, ["spec", "defaultBackend"])
  if ((!Array.isArray(rules) || rules.length === 0) && defaultBackend === undefined) {
    errors.push({
      field: "spec",
      type: "FieldValueInvalid",
      message: "Invalid value: \"\": either `defaultBackend` or `rules` must be specified"
    })
  }
  if (Array.isArray(rules)) {
    rules.forEach((rule: unknown, i) => {
      const paths = field(rule as KubeObject, ["http", "paths"])
      if (Array.isArray(paths)) {
        paths.forEach((p: unknown, j) => {
          const pathType = field(p as KubeObject, ["pathType"])
          if (pathType === undefined) errors.push(required(`spec.rules[${i}].http.paths[${j}].pathType`))
          if (field(p as KubeObject, ["backend"]) === undefined) {
            errors.push(required(`spec.rules[${i}].http.paths[${j}].backend`))
          }
        })
      }
    })
  }
  return errors
}

const containersRequired = (object: KubeObject, prefix: string): ReadonlyArray<FieldError> => {
  const containers = field(object, [...prefix.split("."), "containers"])
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${prefix}.containers`)]
  return containers.flatMap((c: unknown, i) => [
    ...requiredString(c as KubeObject, ["name"], `${prefix}.containers[${i}].name`),
    ...requiredString(c as KubeObject, ["image"], `${prefix}.containers[${i}].image`)
  ])
}

const workloadValidate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  if (field(object, ["spec", "selector"]) === undefined) errors.push(required("spec.selector"))
  errors.push(...containersRequired(object, "spec.template.spec"))
  return errors
}

const routeValidate = (object: KubeObject): ReadonlyArray<FieldError> =>
  requiredString(object, ["spec", "to", "name"], "spec.to.name")

const microTimeDecoder =
  (kind: string, version: string, fields: ReadonlyArray<ReadonlyArray<string>>) =>
  (object: KubeObject): DecodeError | undefined => {
    for (const path of fields) {
      const problem = validateMicroTime(field(object, path))
      if (problem !== undefined) {
        return { message: `${kind} in version "${version}" cannot be handled as a ${kind}: ${problem}` }
      }
    }
    return undefined
  }

const eventTimes = microTimeDecoder("Event", "v1", [["eventTime"], ["series", "lastObservedTime"]])

const eventsV1Validate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = [
    ...(field(object, ["eventTime"]) === undefined ? [required("eventTime")] : []),
    ...requiredString(object, ["reportingController"], "reportingController"),
    ...requiredString(object, ["reportingInstance"], "reportingInstance"),
    ...requiredString(object, ["action"], "action"),
    ...requiredString(object, ["reason"], "reason")
  ]
  const type = field(object, ["type"])
  if (type !== "Normal" && type !== "Warning") {
    errors.push({
      field: "type",
      type: "FieldValueInvalid",
      message: `Invalid value: ${JSON.stringify(type ?? "")}: has invalid value: ${String(type ?? "")}`
    })
  }
  return errors
}

const eventValidate = (object: KubeObject): ReadonlyArray<FieldError> =>
  field(object, ["involvedObject"]) === undefined && field(object, ["regarding"]) === undefined
    ? [required("involvedObject")]
    : []

const ingressClassValidate = (object: KubeObject): ReadonlyArray<FieldError> =>
  requiredString(object, ["spec", "controller"], "spec.controller")

const endpointSliceValidate = (object: KubeObject): ReadonlyArray<FieldError> => {
  const addressType = field(object, ["addressType"])
  const errors: Array<FieldError> = []
  if (addressType === undefined) errors.push(required("addressType"))
  if (!Array.isArray(field(object, ["endpoints"]))) errors.push(required("endpoints"))
  return errors
}

const text = (object: KubeObject, path: ReadonlyArray<string>, fallback = "<none>"): string => {
  const value = field(object, path)
  return value === undefined || value === null || value === "" ? fallback : String(value)
}

const count = (object: KubeObject, path: ReadonlyArray<string>): number => {
  const value = field(object, path)
  return value !== null && typeof value === "object" ? Object.keys(value).length : 0
}

const loadBalancerAddresses = (object: KubeObject): Array<string> => {
  const ingress = field(object, ["status", "loadBalancer", "ingress"])
  return Array.isArray(ingress)
    ? ingress.map((i: unknown) => text(i as KubeObject, ["ip"], "") || text(i as KubeObject, ["hostname"], ""))
    : []
}

const serviceColumns: ReadonlyArray<PrintColumn> = [
  { name: "Type", cell: (o) => text(o, ["spec", "type"], "ClusterIP") },
  { name: "Cluster-IP", cell: (o) => text(o, ["spec", "clusterIP"]) },
  {
    name: "External-IP",
    cell: (o) => {
      const addresses = loadBalancerAddresses(o)
      if (addresses.length > 0) return addresses.join(",")
      return field(o, ["spec", "type"]) === "LoadBalancer" ? "<pending>" : "<none>"
    }
  },
  {
    name: "Port(s)",
    cell: (o) => {
      const ports = field(o, ["spec", "ports"])
      return Array.isArray(ports)
        ? ports.map((p: unknown) =>
          `${text(p as KubeObject, ["port"], "")}/${text(p as KubeObject, ["protocol"], "TCP")}`
        )
          .join(",")
        : "<none>"
    }
  }
]

const ingressColumns: ReadonlyArray<PrintColumn> = [
  { name: "Class", cell: (o) => text(o, ["spec", "ingressClassName"]) },
  {
    name: "Hosts",
    cell: (o) => {
      const rules = field(o, ["spec", "rules"])
      const hosts = Array.isArray(rules) ? rules.map((r: unknown) => text(r as KubeObject, ["host"], "*")) : []
      return hosts.length > 0 ? hosts.join(",") : "*"
    }
  },
  { name: "Address", cell: (o) => loadBalancerAddresses(o).join(",") },
  { name: "Ports", cell: (o) => (field(o, ["spec", "tls"]) === undefined ? "80" : "80, 443") }
]

const ready = (object: KubeObject) =>
  `${Number(field(object, ["status", "readyReplicas"]) ?? 0)}/${Number(field(object, ["spec", "replicas"]) ?? 1)}`

export const builtinResources: ReadonlyArray<ResourceType> = [
  defineResource({
    group: "",
    version: "v1",
    kind: "Namespace",
    plural: "namespaces",
    columns: [{ name: "Status", cell: (o) => text(o, ["status", "phase"], "Active") }],
    namespaced: false,
    shortNames: ["ns"],
    hasStatus: true,
    nameRule: "label"
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Service",
    plural: "services",
    columns: serviceColumns,
    namespaced: true,
    shortNames: ["svc"],
    hasStatus: true,
    nameRule: "dns1035",
    validate: serviceValidate,
    categories: ["all"]
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Endpoints",
    plural: "endpoints",
    namespaced: true,
    shortNames: ["ep"]
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Secret",
    plural: "secrets",
    columns: [{ name: "Type", cell: (o) => text(o, ["type"], "Opaque") }, {
      name: "Data",
      cell: (o) => count(o, ["data"])
    }],
    namespaced: true
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "ConfigMap",
    plural: "configmaps",
    columns: [{ name: "Data", cell: (o) => count(o, ["data"]) }],
    namespaced: true,
    shortNames: ["cm"]
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "ServiceAccount",
    plural: "serviceaccounts",
    columns: [{ name: "Secrets", cell: (o) => (Array.isArray(o["secrets"]) ? o["secrets"].length : 0) }],
    namespaced: true,
    shortNames: ["sa"]
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Node",
    plural: "nodes",
    namespaced: false,
    shortNames: ["no"],
    hasStatus: true
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    columns: [{ name: "Status", cell: (o) => text(o, ["status", "phase"], "Pending") }, {
      name: "IP",
      cell: (o) => text(o, ["status", "podIP"])
    }],
    namespaced: true,
    shortNames: ["po"],
    hasStatus: true,
    validate: (o) => containersRequired(o, "spec"),
    categories: ["all"]
  }),
  defineResource({
    group: "",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
    shortNames: ["ev"],
    decode: eventTimes,
    validate: eventValidate
  }),
  defineResource({
    group: "events.k8s.io",
    version: "v1",
    kind: "Event",
    plural: "events",
    namespaced: true,
    shortNames: ["ev"],
    decode: eventTimes,
    validate: eventsV1Validate
  }),
  defineResource({
    group: "discovery.k8s.io",
    version: "v1",
    kind: "EndpointSlice",
    plural: "endpointslices",
    namespaced: true,
    validate: endpointSliceValidate
  }),
  defineResource({
    group: "networking.k8s.io",
    version: "v1",
    kind: "Ingress",
    plural: "ingresses",
    columns: ingressColumns,
    namespaced: true,
    shortNames: ["ing"],
    hasStatus: true,
    generationFields: ["spec"],
    validate: ingressValidate
  }),
  defineResource({
    group: "networking.k8s.io",
    version: "v1",
    kind: "IngressClass",
    plural: "ingressclasses",
    columns: [{ name: "Controller", cell: (o) => text(o, ["spec", "controller"]) }],
    namespaced: false,
    generationFields: ["spec"],
    validate: ingressClassValidate
  }),
  defineResource({
    group: "coordination.k8s.io",
    version: "v1",
    kind: "Lease",
    plural: "leases",
    columns: [{ name: "Holder", cell: (o) => text(o, ["spec", "holderIdentity"], "") }],
    namespaced: true,
    decode: microTimeDecoder("Lease", "v1", [["spec", "acquireTime"], ["spec", "renewTime"]]),
    validate: leaseValidate
  }),
  defineResource({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    columns: [{ name: "Ready", cell: ready }],
    namespaced: true,
    shortNames: ["deploy"],
    hasStatus: true,
    generationFields: ["spec"],
    validate: workloadValidate,
    categories: ["all"]
  }),
  defineResource({
    group: "apps",
    version: "v1",
    kind: "StatefulSet",
    plural: "statefulsets",
    columns: [{ name: "Ready", cell: ready }],
    namespaced: true,
    shortNames: ["sts"],
    hasStatus: true,
    generationFields: ["spec"],
    validate: workloadValidate,
    categories: ["all"]
  }),
  defineResource({
    group: "route.openshift.io",
    version: "v1",
    kind: "Route",
    plural: "routes",
    columns: [{ name: "Host", cell: (o) => text(o, ["spec", "host"]) }, {
      name: "Services",
      cell: (o) => text(o, ["spec", "to", "name"])
    }],
    namespaced: true,
    hasStatus: true,
    generationFields: ["spec"],
    validate: routeValidate,
    categories: ["all"]
  })
]

/** Lookup of the resource table by the keys HTTP paths and callers use. */
export class Registry {
  readonly types: ReadonlyArray<ResourceType>
  private readonly byPath = new Map<string, ResourceType>()

  constructor(types: ReadonlyArray<ResourceType>) {
    this.types = types
    for (const type of types) this.byPath.set(`${apiVersionOf(type)}/${type.plural}`, type)
  }

  /** By apiVersion and plural, as in the URL. */
  byUrl(apiVersion: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${apiVersion}/${plural}`)
  }

  /**
   * Forgiving lookup for direct store access: "coordination.k8s.io/v1/Lease", "v1/Service", "leases",
   * "Lease", "ingresses.networking.k8s.io".
   */
  resolve(ref: string): ResourceType | undefined {
    const slash = ref.lastIndexOf("/")
    if (slash > 0) {
      const apiVersion = ref.slice(0, slash)
      const name = ref.slice(slash + 1)
      return this.types.find((t) =>
        apiVersionOf(t) === apiVersion && (t.kind === name || t.plural === name || t.singular === name)
      )
    }
    const dot = ref.indexOf(".")
    if (dot > 0) {
      const head = ref.slice(0, dot)
      const group = ref.slice(dot + 1)
      return this.types.find((t) => t.group === group && (t.plural === head || t.kind === head))
    }
    // Bare names prefer the core group (as kubectl does), so "events" is core/v1 Event.
    const matches = this.types.filter((t) =>
      t.plural === ref || t.kind === ref || t.singular === ref || t.shortNames.includes(ref)
    )
    return matches.find((t) => t.group === "") ?? matches[0]
  }

  apiVersions(): ReadonlyArray<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>()
    for (const t of this.types) seen.set(apiVersionOf(t), { group: t.group, version: t.version })
    return [...seen.values()]
  }
}
