/**
 * The resource table of the simulator. Everything the HTTP layer and the store need to know about a type lives in
 * one row, so serving a new type is one `defineResource` call in `builtinResources`.
 */
import { validateIngress, validateService } from "./rules.js"
import { defaultFieldLabels, type FieldLabels } from "./selectors.js"
import { type FieldError, type NameRule, required, requiredString, validateMicroTime } from "./validation.js"

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
  readonly listKind: string
  readonly plural: string
  readonly singular: string
  readonly shortNames: ReadonlyArray<string>
  readonly namespaced: boolean
  readonly hasStatus: boolean
  /**
   * Top-level fields whose change bumps `metadata.generation`; `["*"]`: every field but metadata (and status when it
   * is a subresource), as for custom resources; undefined: the type has no generation.
   */
  readonly generationFields: ReadonlyArray<string> | undefined
  /** Name rule: most types use DNS-1123 subdomains; namespaces, services use DNS labels. */
  readonly nameRule: NameRule
  readonly decode: (object: KubeObject) => DecodeError | undefined
  /** Server-side defaulting of a decoded body (before validation); the store adds Service allocation itself. */
  readonly defaults: (object: KubeObject) => KubeObject
  readonly validate: (object: KubeObject) => ReadonlyArray<FieldError>
  /** Paths of fields the type's schema does not declare, for fieldValidation=Strict; undefined: no schema to ask. */
  readonly unknownFields: ((object: KubeObject) => ReadonlyArray<string>) | undefined
  /**
   * The registry strategy's last word before a write is stored: fields the server owns (a CRD's status). Runs on
   * creates and updates, after validation, with the stored object when there is one.
   */
  readonly prepare: ((object: KubeObject, previous: KubeObject | undefined, now: number) => KubeObject) | undefined
  readonly verbs: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  /** Extra columns of `kubectl get` (server-side Table), after Name. */
  readonly columns: ReadonlyArray<PrintColumn>
  /** Whether the Table ends with the built-in Age column (custom resources declare their own columns instead). */
  readonly ageColumn: boolean
  /** What a fieldSelector may name, with the values it matches. */
  readonly fieldLabels: FieldLabels
  /** The version objects are stored in; reads through another served version only rewrite `apiVersion`. */
  readonly storageVersion: string
  /**
   * Served from a CustomResourceDefinition: list items keep apiVersion and kind (unstructured lists do), and
   * strategic merge patch is refused as the real server refuses it for custom resources.
   */
  readonly custom: boolean
}

export interface PrintColumn {
  readonly name: string
  readonly cell: (object: KubeObject) => string | number
  /** Column type as in the Table's columnDefinitions (string, integer, number, boolean, date); default string. */
  readonly type?: string
  readonly format?: string
  readonly description?: string
  /** Columns with priority > 0 are printed only by `kubectl get -o wide`. */
  readonly priority?: number
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

/** The apiVersion objects of a type are stored with. */
export const storageApiVersion = (type: ResourceType): string =>
  type.group === "" ? type.storageVersion : `${type.group}/${type.storageVersion}`

export interface ResourceSpec {
  readonly group: string
  readonly version: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: boolean
  readonly listKind?: string
  readonly singular?: string
  readonly shortNames?: ReadonlyArray<string>
  readonly hasStatus?: boolean
  readonly generationFields?: ReadonlyArray<string>
  readonly nameRule?: ResourceType["nameRule"]
  readonly decode?: ResourceType["decode"]
  readonly defaults?: ResourceType["defaults"]
  readonly validate?: ResourceType["validate"]
  readonly unknownFields?: ResourceType["unknownFields"]
  readonly prepare?: ResourceType["prepare"]
  readonly categories?: ReadonlyArray<string>
  readonly columns?: ReadonlyArray<PrintColumn>
  readonly ageColumn?: boolean
  readonly fieldLabels?: FieldLabels
  readonly storageVersion?: string
  readonly custom?: boolean
}

const standardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

export const defineResource = (spec: ResourceSpec): ResourceType => ({
  group: spec.group,
  version: spec.version,
  kind: spec.kind,
  listKind: spec.listKind ?? `${spec.kind}List`,
  plural: spec.plural,
  singular: spec.singular ?? spec.kind.toLowerCase(),
  shortNames: spec.shortNames ?? [],
  namespaced: spec.namespaced,
  hasStatus: spec.hasStatus ?? false,
  generationFields: spec.generationFields,
  nameRule: spec.nameRule ?? "subdomain",
  decode: spec.decode ?? (() => undefined),
  defaults: spec.defaults ?? ((object) => object),
  validate: spec.validate ?? (() => []),
  unknownFields: spec.unknownFields,
  prepare: spec.prepare,
  verbs: standardVerbs,
  categories: spec.categories ?? [],
  columns: spec.columns ?? [],
  ageColumn: spec.ageColumn ?? true,
  fieldLabels: spec.fieldLabels ?? defaultFieldLabels,
  storageVersion: spec.storageVersion ?? spec.version,
  custom: spec.custom ?? false
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

const fieldText = (object: KubeObject, path: ReadonlyArray<string>): string => {
  const value = field(object, path)
  return typeof value === "string" ? value : ""
}

/** A Go bool field as the selectable field set prints it (strconv.FormatBool of the zero value when unset). */
const fieldBool = (object: KubeObject, path: ReadonlyArray<string>): string => String(field(object, path) === true)

const metadataName = (o: KubeObject) => fieldText(o, ["metadata", "name"])
const metadataNamespace = (o: KubeObject) => fieldText(o, ["metadata", "namespace"])

/**
 * Kinds with their own field label conversion answer this for anything else (core/v1 Pod, Node, Namespace, Event,
 * Secret, Service; events.k8s.io Event; every custom resource).
 */
export const labelNotSupported = (label: string) => `field label not supported: ${label}`

const podFieldLabels: FieldLabels = {
  fields: {
    "metadata.name": metadataName,
    "metadata.namespace": metadataNamespace,
    "spec.nodeName": (o) => fieldText(o, ["spec", "nodeName"]),
    "spec.restartPolicy": (o) => fieldText(o, ["spec", "restartPolicy"]),
    "spec.schedulerName": (o) => fieldText(o, ["spec", "schedulerName"]),
    "spec.serviceAccountName": (o) => fieldText(o, ["spec", "serviceAccountName"]),
    "spec.hostNetwork": (o) => fieldBool(o, ["spec", "hostNetwork"]),
    "status.phase": (o) => fieldText(o, ["status", "phase"]),
    // The internal type keeps only podIPs; podIP is its first entry.
    "status.podIP": (o) => {
      const ips = field(o, ["status", "podIPs"])
      const first = Array.isArray(ips) ? fieldText(ips[0] as KubeObject, ["ip"]) : ""
      return first !== "" ? first : fieldText(o, ["status", "podIP"])
    },
    // Accepted by the conversion function but absent from the field set, so it only ever equals "".
    "status.podIPs": () => "",
    "status.nominatedNodeName": (o) => fieldText(o, ["status", "nominatedNodeName"])
  },
  aliases: { "spec.host": "spec.nodeName" },
  refuse: labelNotSupported
}

// Node and Namespace are cluster-scoped and their conversion functions do not even accept metadata.namespace.
const nodeFieldLabels: FieldLabels = {
  fields: { "metadata.name": metadataName, "spec.unschedulable": (o) => fieldBool(o, ["spec", "unschedulable"]) },
  refuse: labelNotSupported
}

const namespaceFieldLabels: FieldLabels = {
  fields: { "metadata.name": metadataName, "status.phase": (o) => fieldText(o, ["status", "phase"]) },
  refuse: labelNotSupported
}

const secretFieldLabels: FieldLabels = {
  fields: {
    "metadata.name": metadataName,
    "metadata.namespace": metadataNamespace,
    type: (o) => fieldText(o, ["type"])
  },
  refuse: labelNotSupported
}

const serviceFieldLabels: FieldLabels = {
  fields: {
    "metadata.name": metadataName,
    "metadata.namespace": metadataNamespace,
    "spec.clusterIP": (o) => fieldText(o, ["spec", "clusterIP"]),
    "spec.type": (o) => fieldText(o, ["spec", "type"])
  },
  refuse: labelNotSupported
}

const objectReferenceFields = ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"]

/** `source` is the reporting component, or the new-style reporting controller when an event has no source. */
const eventSource = (component: string, controller: string) => (component !== "" ? component : controller)

const eventFieldLabels: FieldLabels = {
  fields: {
    "metadata.name": metadataName,
    "metadata.namespace": metadataNamespace,
    ...Object.fromEntries(
      objectReferenceFields.map((f) => [`involvedObject.${f}`, (o: KubeObject) => fieldText(o, ["involvedObject", f])])
    ),
    reason: (o) => fieldText(o, ["reason"]),
    reportingComponent: (o) => fieldText(o, ["reportingComponent"]),
    source: (o) => eventSource(fieldText(o, ["source", "component"]), fieldText(o, ["reportingComponent"])),
    type: (o) => fieldText(o, ["type"])
  },
  refuse: labelNotSupported
}

/**
 * events.k8s.io/v1 names the same field set in its own terms: `regarding.*` for involvedObject.*,
 * `reportingController` for reportingComponent, and `source` for deprecatedSource (there is no label for `note`).
 */
const eventsV1FieldLabels: FieldLabels = {
  fields: {
    "metadata.name": metadataName,
    "metadata.namespace": metadataNamespace,
    ...Object.fromEntries(
      objectReferenceFields.map((f) => [`regarding.${f}`, (o: KubeObject) => fieldText(o, ["regarding", f])])
    ),
    reason: (o) => fieldText(o, ["reason"]),
    reportingController: (o) => fieldText(o, ["reportingController"]),
    source: (o) => eventSource(fieldText(o, ["deprecatedSource", "component"]), fieldText(o, ["reportingController"])),
    type: (o) => fieldText(o, ["type"])
  },
  refuse: labelNotSupported
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/**
 * Secret decoding folds `stringData` into `data` (base64, overwriting keys present in both) and drops it, so it is
 * never stored or returned; `type` defaults to Opaque.
 */
const secretDefaults = (object: KubeObject): KubeObject => {
  const { stringData, ...rest } = object
  const secret: KubeObject = {
    ...rest,
    type: typeof rest["type"] === "string" && rest["type"] !== "" ? rest["type"] : "Opaque"
  }
  if (isRecord(stringData) && Object.keys(stringData).length > 0) {
    const data: Record<string, unknown> = isRecord(rest["data"]) ? { ...rest["data"] } : {}
    for (const [key, value] of Object.entries(stringData)) {
      data[key] = Buffer.from(typeof value === "string" ? value : String(value), "utf8").toString("base64")
    }
    secret["data"] = data
  }
  return secret
}

/** The Pod defaults the selectable fields read: restartPolicy Always, the default scheduler. */
const podDefaults = (object: KubeObject): KubeObject => {
  if (!isRecord(object["spec"])) return object
  const spec = object["spec"]
  return {
    ...object,
    spec: {
      ...spec,
      restartPolicy: spec["restartPolicy"] ?? "Always",
      schedulerName: spec["schedulerName"] ?? "default-scheduler"
    }
  }
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
    fieldLabels: namespaceFieldLabels,
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
    validate: validateService,
    fieldLabels: serviceFieldLabels,
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
    defaults: secretDefaults,
    fieldLabels: secretFieldLabels,
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
    fieldLabels: nodeFieldLabels,
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
    defaults: podDefaults,
    fieldLabels: podFieldLabels,
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
    fieldLabels: eventFieldLabels,
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
    fieldLabels: eventsV1FieldLabels,
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
    validate: validateIngress
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

/**
 * Lookup of the resource table by the keys HTTP paths and callers use. Types come and go at run time as
 * CustomResourceDefinitions are created, changed and deleted; listeners hear about every change.
 */
export class Registry {
  private current: ReadonlyArray<ResourceType>
  private readonly byPath = new Map<string, ResourceType>()
  private readonly listeners = new Set<() => void>()

  constructor(types: ReadonlyArray<ResourceType>) {
    this.current = types
    this.index()
  }

  get types(): ReadonlyArray<ResourceType> {
    return this.current
  }

  private index(): void {
    this.byPath.clear()
    for (const type of this.current) this.byPath.set(`${apiVersionOf(type)}/${type.plural}`, type)
  }

  /** Replaces the types `owns` selects with `types` (a CRD's served versions), then tells the listeners. */
  replace(owns: (type: ResourceType) => boolean, types: ReadonlyArray<ResourceType>): void {
    this.current = [...this.current.filter((t) => !owns(t)), ...types]
    this.index()
    for (const listener of this.listeners) listener()
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
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
    const types = this.current
    const slash = ref.lastIndexOf("/")
    if (slash > 0) {
      const apiVersion = ref.slice(0, slash)
      const name = ref.slice(slash + 1)
      return types.find((t) =>
        apiVersionOf(t) === apiVersion && (t.kind === name || t.plural === name || t.singular === name)
      )
    }
    const dot = ref.indexOf(".")
    if (dot > 0) {
      const head = ref.slice(0, dot)
      const group = ref.slice(dot + 1)
      // Several served versions of a custom resource: the storage version stands for the resource.
      const matches = types.filter((t) => t.group === group && (t.plural === head || t.kind === head))
      return matches.find((t) => t.version === t.storageVersion) ?? matches[0]
    }
    // Bare names prefer the core group (as kubectl does), so "events" is core/v1 Event.
    const matches = types.filter((t) =>
      t.plural === ref || t.kind === ref || t.singular === ref || t.shortNames.includes(ref)
    )
    return matches.find((t) => t.group === "") ?? matches.find((t) => t.version === t.storageVersion) ?? matches[0]
  }

  apiVersions(): ReadonlyArray<{ group: string; version: string }> {
    const seen = new Map<string, { group: string; version: string }>()
    for (const t of this.current) seen.set(apiVersionOf(t), { group: t.group, version: t.version })
    return [...seen.values()]
  }
}
