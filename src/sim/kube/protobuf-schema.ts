/**
 * The Kubernetes protobuf messages the simulator speaks. Field numbers come from the API's generated.proto files
 * (k8s.io/api core/v1; k8s.io/apimachinery meta/v1, runtime, util/intstr). Each field also says how Go's
 * encoding/json writes it, because the real server decodes a protobuf body into a Go struct and everything after
 * that (storage, JSON readers) sees what that struct marshals to: zero values of `omitempty` fields vanish, pointer
 * fields keep a zero that was sent, and non-pointer structs are always written (`{}`, `null` for a zero Time).
 */
import protobuf from "protobufjs/light.js"

export type Scalar = "string" | "bool" | "int32" | "int64" | "bytes"

/** Messages whose JSON form is not an object of their fields. */
export type SpecialMessage = "Time" | "IntOrString" | "FieldsV1"

/**
 * How the Go field is declared:
 * - `omitempty`: a value with `omitempty` — written by gogo-protobuf even when zero, dropped from JSON when zero;
 * - `always`: a value without `omitempty`, or a non-pointer struct — always in JSON;
 * - `pointer`: `*T` — absent when nil, a zero value that was sent stays.
 */
export type Presence = "omitempty" | "always" | "pointer"

export interface FieldDef {
  /** The JSON name; go-to-protobuf uses it as the protobuf field name too. */
  readonly name: string
  readonly id: number
  /** A scalar, or the name of another message in `messages`. */
  readonly type: string
  readonly label: "single" | "repeated" | "map"
  readonly presence: Presence
}

export interface MessageDef {
  readonly name: string
  readonly fields: ReadonlyArray<FieldDef>
}

const field = (name: string, id: number, type: string, presence: Presence = "omitempty"): FieldDef => ({
  name,
  id,
  type,
  label: "single",
  presence
})
const pointer = (name: string, id: number, type: string) => field(name, id, type, "pointer")
/** A non-pointer struct, or a value field without `omitempty`. */
const always = (name: string, id: number, type: string) => field(name, id, type, "always")
const repeated = (name: string, id: number, type: string, presence: Presence = "omitempty"): FieldDef => ({
  name,
  id,
  type,
  label: "repeated",
  presence
})
/** `map<string, type>`; Go writes map keys sorted, and every map here has `omitempty`. */
const map = (name: string, id: number, type: string): FieldDef => ({
  name,
  id,
  type,
  label: "map",
  presence: "omitempty"
})
const message = (name: string, ...fields: ReadonlyArray<FieldDef>): MessageDef => ({ name, fields })

/** An object with metadata, spec and status, as most kinds are. */
const object = (name: string, spec?: string, status?: string) =>
  message(
    name,
    always("metadata", 1, "ObjectMeta"),
    ...(spec === undefined ? [] : [always("spec", 2, spec)]),
    ...(status === undefined ? [] : [always("status", 3, status)])
  )

/** `XList`: ListMeta and items; `items` has no `omitempty` in Go, so an empty list still says `"items": []`. */
const list = (item: string) =>
  message(`${item}List`, always("metadata", 1, "ListMeta"), repeated("items", 2, item, "always"))

export const messages: ReadonlyArray<MessageDef> = [
  // k8s.io/apimachinery/pkg/apis/meta/v1
  message("Time", field("seconds", 1, "int64"), field("nanos", 2, "int32")),
  message("FieldsV1", field("Raw", 1, "bytes")),
  message(
    "OwnerReference",
    always("apiVersion", 5, "string"),
    always("kind", 1, "string"),
    always("name", 3, "string"),
    always("uid", 4, "string"),
    pointer("controller", 6, "bool"),
    pointer("blockOwnerDeletion", 7, "bool")
  ),
  message(
    "ManagedFieldsEntry",
    field("manager", 1, "string"),
    field("operation", 2, "string"),
    field("apiVersion", 3, "string"),
    pointer("time", 4, "Time"),
    field("fieldsType", 6, "string"),
    pointer("fieldsV1", 7, "FieldsV1"),
    field("subresource", 8, "string")
  ),
  message(
    "ObjectMeta",
    field("name", 1, "string"),
    field("generateName", 2, "string"),
    field("namespace", 3, "string"),
    field("selfLink", 4, "string"),
    field("uid", 5, "string"),
    field("resourceVersion", 6, "string"),
    field("generation", 7, "int64"),
    always("creationTimestamp", 8, "Time"),
    pointer("deletionTimestamp", 9, "Time"),
    pointer("deletionGracePeriodSeconds", 10, "int64"),
    map("labels", 11, "string"),
    map("annotations", 12, "string"),
    repeated("ownerReferences", 13, "OwnerReference"),
    repeated("finalizers", 14, "string"),
    repeated("managedFields", 17, "ManagedFieldsEntry")
  ),
  message(
    "ListMeta",
    field("selfLink", 1, "string"),
    field("resourceVersion", 2, "string"),
    field("continue", 3, "string"),
    pointer("remainingItemCount", 4, "int64")
  ),
  message("StatusCause", field("reason", 1, "string"), field("message", 2, "string"), field("field", 3, "string")),
  message(
    "StatusDetails",
    field("name", 1, "string"),
    field("group", 2, "string"),
    field("kind", 3, "string"),
    field("uid", 6, "string"),
    repeated("causes", 4, "StatusCause"),
    field("retryAfterSeconds", 5, "int32")
  ),
  message(
    "Status",
    always("metadata", 1, "ListMeta"),
    field("status", 2, "string"),
    field("message", 3, "string"),
    field("reason", 4, "string"),
    pointer("details", 5, "StatusDetails"),
    field("code", 6, "int32")
  ),
  message(
    "Condition",
    always("type", 1, "string"),
    always("status", 2, "string"),
    field("observedGeneration", 3, "int64"),
    always("lastTransitionTime", 4, "Time"),
    always("reason", 5, "string"),
    always("message", 6, "string")
  ),
  message("Preconditions", pointer("uid", 1, "string"), pointer("resourceVersion", 2, "string")),
  message(
    "DeleteOptions",
    pointer("gracePeriodSeconds", 1, "int64"),
    pointer("preconditions", 2, "Preconditions"),
    pointer("orphanDependents", 3, "bool"),
    pointer("propagationPolicy", 4, "string"),
    repeated("dryRun", 5, "string"),
    pointer("ignoreStoreReadErrorWithClusterBreakingPotential", 6, "bool")
  ),
  // k8s.io/apimachinery/pkg/util/intstr
  message("IntOrString", field("type", 1, "int64"), field("intVal", 2, "int32"), field("strVal", 3, "string")),
  // k8s.io/apimachinery/pkg/runtime: the envelope every protobuf body travels in
  message("TypeMeta", field("apiVersion", 1, "string"), field("kind", 2, "string")),
  message(
    "Unknown",
    always("typeMeta", 1, "TypeMeta"),
    field("raw", 2, "bytes"),
    field("contentEncoding", 3, "string"),
    field("contentType", 4, "string")
  ),
  // k8s.io/api/core/v1
  message(
    "ObjectReference",
    field("kind", 1, "string"),
    field("namespace", 2, "string"),
    field("name", 3, "string"),
    field("uid", 4, "string"),
    field("apiVersion", 5, "string"),
    field("resourceVersion", 6, "string"),
    field("fieldPath", 7, "string")
  ),
  message("LocalObjectReference", field("name", 1, "string")),
  object("Namespace", "NamespaceSpec", "NamespaceStatus"),
  message("NamespaceSpec", repeated("finalizers", 1, "string")),
  message("NamespaceStatus", field("phase", 1, "string"), repeated("conditions", 2, "NamespaceCondition")),
  message(
    "NamespaceCondition",
    always("type", 1, "string"),
    always("status", 2, "string"),
    always("lastTransitionTime", 4, "Time"),
    field("reason", 5, "string"),
    field("message", 6, "string")
  ),
  list("Namespace"),
  message(
    "ConfigMap",
    always("metadata", 1, "ObjectMeta"),
    pointer("immutable", 4, "bool"),
    map("data", 2, "string"),
    map("binaryData", 3, "bytes")
  ),
  list("ConfigMap"),
  message(
    "Secret",
    always("metadata", 1, "ObjectMeta"),
    pointer("immutable", 5, "bool"),
    map("data", 2, "bytes"),
    map("stringData", 4, "string"),
    field("type", 3, "string")
  ),
  list("Secret"),
  message(
    "ServiceAccount",
    always("metadata", 1, "ObjectMeta"),
    repeated("secrets", 2, "ObjectReference"),
    repeated("imagePullSecrets", 3, "LocalObjectReference"),
    pointer("automountServiceAccountToken", 4, "bool")
  ),
  list("ServiceAccount"),
  object("Service", "ServiceSpec", "ServiceStatus"),
  message(
    "ServiceSpec",
    repeated("ports", 1, "ServicePort"),
    map("selector", 2, "string"),
    field("clusterIP", 3, "string"),
    repeated("clusterIPs", 18, "string"),
    field("type", 4, "string"),
    repeated("externalIPs", 5, "string"),
    field("sessionAffinity", 7, "string"),
    field("loadBalancerIP", 8, "string"),
    repeated("loadBalancerSourceRanges", 9, "string"),
    field("externalName", 10, "string"),
    field("externalTrafficPolicy", 11, "string"),
    field("healthCheckNodePort", 12, "int32"),
    field("publishNotReadyAddresses", 13, "bool"),
    pointer("sessionAffinityConfig", 14, "SessionAffinityConfig"),
    repeated("ipFamilies", 19, "string"),
    pointer("ipFamilyPolicy", 17, "string"),
    pointer("allocateLoadBalancerNodePorts", 20, "bool"),
    pointer("loadBalancerClass", 21, "string"),
    pointer("internalTrafficPolicy", 22, "string"),
    pointer("trafficDistribution", 23, "string")
  ),
  message(
    "ServicePort",
    field("name", 1, "string"),
    field("protocol", 2, "string"),
    pointer("appProtocol", 6, "string"),
    always("port", 3, "int32"),
    always("targetPort", 4, "IntOrString"),
    field("nodePort", 5, "int32")
  ),
  message("SessionAffinityConfig", pointer("clientIP", 1, "ClientIPConfig")),
  message("ClientIPConfig", pointer("timeoutSeconds", 1, "int32")),
  message("ServiceStatus", always("loadBalancer", 1, "LoadBalancerStatus"), repeated("conditions", 2, "Condition")),
  message("LoadBalancerStatus", repeated("ingress", 1, "LoadBalancerIngress")),
  message(
    "LoadBalancerIngress",
    field("ip", 1, "string"),
    field("hostname", 2, "string"),
    pointer("ipMode", 3, "string"),
    repeated("ports", 4, "PortStatus")
  ),
  message("PortStatus", always("port", 1, "int32"), always("protocol", 2, "string"), pointer("error", 3, "string")),
  list("Service")
]

/**
 * Kinds served in protobuf, by `apiVersion/kind` as in the envelope's TypeMeta. Everything else is JSON only:
 * requests in protobuf get 415 and responses fall back to JSON.
 */
export const protobufKinds: ReadonlyMap<string, string> = new Map(
  ["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service"].flatMap((kind) => [
    [`v1/${kind}`, kind],
    [`v1/${kind}List`, `${kind}List`]
  ]).concat([["v1/Status", "Status"]]) as Array<[string, string]>
)

const PACKAGE = "k8s"

const scalars: ReadonlySet<string> = new Set<Scalar>(["string", "bool", "int32", "int64", "bytes"])

/** The protobufjs reflection of `messages`: no .proto files and no code generation. */
const buildRoot = (): protobuf.Root => {
  const root = new protobuf.Root()
  const namespace = root.define(PACKAGE)
  for (const def of messages) {
    const type = new protobuf.Type(def.name)
    for (const f of def.fields) {
      if (f.label === "map") type.add(new protobuf.MapField(f.name, f.id, "string", f.type))
      else type.add(new protobuf.Field(f.name, f.id, f.type, f.label === "repeated" ? "repeated" : "optional"))
    }
    namespace.add(type)
  }
  root.resolveAll()
  return root
}

const root = buildRoot()

const definitions: ReadonlyMap<string, MessageDef> = new Map(messages.map((m) => [m.name, m]))

export const messageDef = (name: string): MessageDef => {
  const def = definitions.get(name)
  if (def === undefined) throw new Error(`no protobuf message ${name}`)
  return def
}

export const messageType = (name: string): protobuf.Type => root.lookupType(`${PACKAGE}.${name}`)

export const isScalar = (type: string): type is Scalar => scalars.has(type)
