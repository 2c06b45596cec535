import { describe, expect, it } from "vitest"
import { messages, protobufKinds } from "../../../src/sim/kube/protobuf-schema.js"
import {
  decodeDeleteOptions,
  decodeMessage,
  decodeObject,
  decodeRequestObject,
  encodeMessage,
  encodeObject,
  MAGIC,
  negotiateResponse,
  parseAccept,
  responseEncoding,
  unwrap,
  wrap
} from "../../../src/sim/kube/protobuf.js"
import { ApiError, invalid, notFound } from "../../../src/sim/kube/status.js"

/**
 * Request bodies kubectl 1.34.5 sent for `create namespace foo`, `create configmap cm1 --from-literal=a=1
 * --from-literal=b=two`, `create secret generic avi-secret --from-literal=username=admin --from-literal=password=s3cret`,
 * `create serviceaccount sa1` and `create service clusterip svc1 --tcp=80:8080`, recorded from the wire. They are
 * gogo-protobuf's output, so decoding them and encoding the result again must give the same bytes.
 */
const kubectl = {
  namespace: "6b3873000a0f0a02763112094e616d657370616365121b0a130a03666f6f12001a0022002a0032003800420012001a020a00" +
    "1a002200",
  configMap: "6b3873000a0f0a0276311209436f6e6669674d617012270a130a03636d3112001a0022002a0032003800420012060a01611201" +
    "3112080a0162120374776f1a002200",
  secret: "6b3873000a0c0a027631120653656372657412450a1a0a0a6176692d73656372657412001a0022002a00320038004200121" +
    "20a0870617373776f7264120673336372657412110a08757365726e616d65120561646d696e1a001a002200",
  serviceAccount: "6b3873000a140a027631120e536572766963654163636f756e7412150a130a0373613112001a0022002a0032003800" +
    "42001a002200",
  service: "6b3873000a0d0a027631120753657276696365126c0a210a047376633112001a0022002a003200380042005a0b0a036170701" +
    "2047376633112430a1b0a0738302d38303830120354435018502207080010903f1a002800120b0a036170701204737663311a00220943" +
    "6c757374657249503a00420052005a00600068001a020a001a002200"
}

const bytes = (hex: string) => Buffer.from(hex, "hex")

const apiError = (run: () => unknown): ApiError => {
  try {
    run()
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error("expected an ApiError")
}

describe("protobuf codec: kubectl's own bodies", () => {
  it("decodes them to what the server's Go structs print as JSON", () => {
    // Zero values of omitempty fields vanish; non-pointer structs stay, the zero creationTimestamp as null.
    expect(decodeObject(bytes(kubectl.namespace))).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "foo", creationTimestamp: null },
      spec: {},
      status: {}
    })
    expect(decodeObject(bytes(kubectl.configMap))).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm1", creationTimestamp: null },
      data: { a: "1", b: "two" }
    })
    expect(decodeObject(bytes(kubectl.secret))).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "avi-secret", creationTimestamp: null },
      data: { username: Buffer.from("admin").toString("base64"), password: Buffer.from("s3cret").toString("base64") }
    })
    expect(decodeObject(bytes(kubectl.serviceAccount))).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "sa1", creationTimestamp: null }
    })
    expect(decodeObject(bytes(kubectl.service))).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc1", creationTimestamp: null, labels: { app: "svc1" } },
      spec: {
        ports: [{ name: "80-8080", protocol: "TCP", port: 80, targetPort: 8080 }],
        selector: { app: "svc1" },
        type: "ClusterIP"
      },
      status: { loadBalancer: {} }
    })
  })

  it("encodes the decoded objects back to the same bytes", () => {
    for (const [what, hex] of Object.entries(kubectl)) {
      expect(encodeObject(decodeObject(bytes(hex)))?.toString("hex"), what).toBe(hex)
    }
  })
})

const roundTrip = (object: Record<string, unknown>) => decodeObject(encodeObject(object)!)

const metadata = {
  name: "web",
  generateName: "web-",
  namespace: "shop",
  uid: "8f1c1a52-1d3e-4a65-9a43-1f1e6f3c0a11",
  resourceVersion: "42",
  generation: 3,
  creationTimestamp: "2026-01-02T03:04:05Z",
  deletionTimestamp: "2026-01-02T03:05:00Z",
  deletionGracePeriodSeconds: 0,
  labels: { app: "web", "app.kubernetes.io/part-of": "shop" },
  annotations: { "ako.vmware.com/enable-tls": "true" },
  ownerReferences: [{
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: "web",
    uid: "0d5b9b4e-2f7c-4bb4-8d0a-7cfe1b0d9e01",
    controller: true,
    blockOwnerDeletion: false
  }],
  finalizers: ["ako.vmware.com/cleanup"],
  managedFields: [{
    manager: "kubectl-client-side-apply",
    operation: "Update",
    apiVersion: "v1",
    time: "2026-01-02T03:04:05Z",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } } },
    subresource: "status"
  }]
}

describe("protobuf codec: round trips", () => {
  it("keeps every ObjectMeta field, pointer zeros included", () => {
    // deletionGracePeriodSeconds and blockOwnerDeletion are pointers: a zero that was set must survive.
    const namespace = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata,
      spec: { finalizers: ["kubernetes"] },
      status: {
        phase: "Terminating",
        conditions: [{
          type: "NamespaceDeletionContentFailure",
          status: "False",
          lastTransitionTime: "2026-01-02T03:04:06Z",
          reason: "ContentDeleted",
          message: "All content successfully deleted"
        }]
      }
    }
    expect(roundTrip(namespace)).toEqual(namespace)
  })

  it("keeps ConfigMap data, binaryData and an explicit immutable: false", () => {
    const configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "avi-k8s-config", namespace: "avi-system", creationTimestamp: "2026-01-02T03:04:05Z" },
      immutable: false,
      data: { controllerIP: "10.0.0.10", clusterName: "c1", empty: "" },
      binaryData: { blob: Buffer.from([0, 1, 2, 255]).toString("base64") }
    }
    expect(roundTrip(configMap)).toEqual(configMap)
  })

  it("keeps Secret bytes exactly, binary ones too", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "avi-secret", namespace: "avi-system", creationTimestamp: "2026-01-02T03:04:05Z" },
      immutable: true,
      data: {
        username: Buffer.from("admin").toString("base64"),
        certificateAuthorityData: Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n").toString("base64"),
        raw: Buffer.from([0, 128, 255]).toString("base64")
      },
      type: "Opaque"
    }
    expect(roundTrip(secret)).toEqual(secret)
    // stringData is write-only on the server but still travels in a request body.
    const withStringData = { ...secret, stringData: { password: "s3cret" } }
    expect(roundTrip(withStringData)).toEqual(withStringData)
  })

  it("keeps ServiceAccount references and automountServiceAccountToken: false", () => {
    const serviceAccount = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "ako-sa", namespace: "avi-system", creationTimestamp: "2026-01-02T03:04:05Z" },
      secrets: [{ name: "ako-token", namespace: "avi-system", kind: "Secret" }],
      imagePullSecrets: [{ name: "registry" }],
      automountServiceAccountToken: false
    }
    expect(roundTrip(serviceAccount)).toEqual(serviceAccount)
  })

  it("keeps a LoadBalancer Service with named target ports, status ingress and conditions", () => {
    const service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "shop", creationTimestamp: "2026-01-02T03:04:05Z" },
      spec: {
        ports: [
          { name: "https", protocol: "TCP", appProtocol: "https", port: 443, targetPort: "https", nodePort: 30443 },
          { name: "http", protocol: "TCP", port: 80, targetPort: 8080, nodePort: 30080 }
        ],
        selector: { app: "web" },
        clusterIP: "10.96.0.10",
        clusterIPs: ["10.96.0.10"],
        type: "LoadBalancer",
        externalIPs: ["192.0.2.1"],
        sessionAffinity: "ClientIP",
        loadBalancerIP: "10.50.0.9",
        loadBalancerSourceRanges: ["10.0.0.0/8"],
        externalTrafficPolicy: "Local",
        healthCheckNodePort: 31000,
        publishNotReadyAddresses: true,
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        allocateLoadBalancerNodePorts: false,
        loadBalancerClass: "ako.vmware.com/avi-lb",
        internalTrafficPolicy: "Cluster",
        trafficDistribution: "PreferClose"
      },
      status: {
        loadBalancer: {
          ingress: [{
            ip: "10.50.0.9",
            hostname: "web.example.com",
            ipMode: "VIP",
            ports: [{ port: 443, protocol: "TCP", error: "Pending" }]
          }]
        },
        conditions: [{
          type: "Ready",
          status: "True",
          observedGeneration: 2,
          lastTransitionTime: "2026-01-02T03:04:05Z",
          reason: "Programmed",
          message: ""
        }]
      }
    }
    expect(roundTrip(service)).toEqual(service)
  })

  it("keeps lists with their continue token and remaining count", () => {
    for (const kind of ["Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service"]) {
      const list = {
        apiVersion: "v1",
        kind: `${kind}List`,
        metadata: { resourceVersion: "77", continue: "eyJydiI6Nzd9", remainingItemCount: 0 },
        items: [{ metadata: { name: "a", creationTimestamp: "2026-01-02T03:04:05Z" } }]
      }
      const decoded = roundTrip(list) as { metadata: unknown; items: Array<{ metadata: unknown }> }
      expect(decoded.metadata, kind).toEqual(list.metadata)
      expect(decoded.items.map((i) => i.metadata), kind).toEqual([list.items[0]!.metadata])
    }
    // Go's list types have no omitempty on items: an empty list still says so.
    expect(roundTrip({ apiVersion: "v1", kind: "ServiceList", metadata: { resourceVersion: "1" }, items: [] }))
      .toEqual({ apiVersion: "v1", kind: "ServiceList", metadata: { resourceVersion: "1" }, items: [] })
  })

  it("writes time as whole seconds and reads the zero time as null, as metav1.Time does", () => {
    const decoded = decodeMessage(
      "ObjectMeta",
      encodeMessage("ObjectMeta", { creationTimestamp: "2026-01-02T03:04:05Z" })
    )
    expect(decoded).toEqual({ creationTimestamp: "2026-01-02T03:04:05Z" })
    expect(decodeMessage("ObjectMeta", encodeMessage("ObjectMeta", {}))).toEqual({ creationTimestamp: null })
    // An empty Time message is the zero time: field 8 with length 0.
    expect(Buffer.from(encodeMessage("ObjectMeta", {})).toString("hex")).toBe("0a0012001a0022002a00320038004200")
  })
})

describe("protobuf codec: the envelope", () => {
  it("starts every body with k8s\\0 and carries apiVersion and kind in a runtime.Unknown", () => {
    const body = encodeObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } })!
    expect([...body.subarray(0, 4)]).toEqual([0x6b, 0x38, 0x73, 0x00])
    expect(body.subarray(0, 4).toString("latin1")).toBe("k8s\u0000")
    const envelope = unwrap(body)
    expect({ apiVersion: envelope.apiVersion, kind: envelope.kind }).toEqual({ apiVersion: "v1", kind: "ConfigMap" })
    expect(decodeMessage("ConfigMap", envelope.raw)).toEqual({ metadata: { name: "x", creationTimestamp: null } })
    // contentEncoding and contentType are written empty, as the real server does (fields 3 and 4, length 0).
    expect(body.subarray(-4).toString("hex")).toBe("1a002200")
    expect(wrap(envelope).equals(body)).toBe(true)
  })

  it("refuses bodies without the magic prefix with the decoder's message", () => {
    const error = apiError(() => decodeObject(Buffer.from("{\"kind\":\"ConfigMap\"}")))
    expect(error.status).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
    })
    expect(apiError(() => decodeObject(Buffer.concat([MAGIC, Buffer.from([0x0a, 0x05, 0x01])]))).code).toBe(400)
  })
})

describe("protobuf codec: Status bodies", () => {
  it("carries a NotFound and an Invalid Status with details and causes", () => {
    const missing = notFound({ group: "", resource: "secrets" }, "avi-secret").status
    // details.group is omitempty in Go: the core group's "" does not come back, as from a real server.
    expect(roundTrip({ ...missing })).toEqual({ ...missing, details: { name: "avi-secret", kind: "secrets" } })
    const rejected = invalid({ group: "networking.k8s.io", kind: "Ingress" }, "web", [
      { field: "spec.rules[0].http.paths[0].pathType", type: "FieldValueRequired", message: "Required value" },
      { field: "spec", type: "FieldValueInvalid", message: "Invalid value: \"\": either `defaultBackend` or `rules`" }
    ]).status
    const decoded = roundTrip({ ...rejected })
    expect(decoded).toEqual(rejected)
    expect(decoded).toMatchObject({ kind: "Status", code: 422, reason: "Invalid", details: { kind: "Ingress" } })
  })
})

describe("protobuf codec: kinds without a message", () => {
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "ako-lease-lock" },
    spec: { holderIdentity: "ako-0" }
  }

  it("are not encoded, so responses fall back to JSON", () => {
    expect(encodeObject(lease)).toBeUndefined()
    expect(negotiateResponse("application/vnd.kubernetes.protobuf, application/json", 200, lease)).toBeUndefined()
  })

  it("answer a protobuf request body with 415 and the real server's wording", () => {
    const error = apiError(() => decodeRequestObject(Buffer.from(MAGIC), "coordination.k8s.io/v1", "Lease"))
    expect(error.status).toMatchObject({
      code: 415,
      reason: "UnsupportedMediaType",
      message: "the body of the request was in an unknown format - accepted media types include: application/json"
    })
  })

  it("are refused inside an envelope sent to a kind that has one", () => {
    const body = wrap({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", raw: new Uint8Array() })
    expect(apiError(() => decodeRequestObject(body, "v1", "ConfigMap")).status).toMatchObject({
      code: 400,
      message: "no kind \"Lease\" is registered for version \"coordination.k8s.io/v1\" in protobuf"
    })
  })

  it("answer a client that takes only protobuf with 406", () => {
    const answer = negotiateResponse("application/vnd.kubernetes.protobuf", 200, lease)
    expect(answer?.code).toBe(406)
    expect(JSON.parse(answer!.bytes.toString("utf8"))).toMatchObject({
      reason: "NotAcceptable",
      message: "only the following media types are accepted: application/json"
    })
  })
})

describe("content negotiation", () => {
  it("orders Accept clauses by q, exact types before wildcards, then as sent", () => {
    expect(parseAccept("*/*;q=0.8, application/json;q=0.9, application/vnd.kubernetes.protobuf").map((r) => r.subtype))
      .toEqual(["vnd.kubernetes.protobuf", "json", "*"])
    expect(parseAccept("*/*, application/json").map((r) => r.type)).toEqual(["application", "*"])
  })

  it("chooses protobuf only when the client prefers it and the kind has a message", () => {
    expect(responseEncoding("application/vnd.kubernetes.protobuf,application/json", true)).toBe("protobuf")
    expect(responseEncoding("application/vnd.kubernetes.protobuf,application/json", false)).toBe("json")
    expect(responseEncoding("application/json, application/vnd.kubernetes.protobuf", true)).toBe("json")
    expect(responseEncoding("application/json;q=0.5, application/vnd.kubernetes.protobuf", true)).toBe("protobuf")
    expect(responseEncoding("application/vnd.kubernetes.protobuf;q=0, application/json", true)).toBe("json")
    expect(responseEncoding("*/*", true)).toBe("json")
    expect(responseEncoding(undefined, true)).toBe("json")
    // A Table is never protobuf here; the JSON clause that follows answers.
    expect(responseEncoding("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json", true))
      .toBe("json")
    expect(responseEncoding("application/vnd.kubernetes.protobuf", false)).toBe("notAcceptable")
    expect(responseEncoding("application/yaml", false)).toBe("json")
  })

  it("leaves bodies without a kind (health, version, admin API) to JSON", () => {
    expect(negotiateResponse("application/vnd.kubernetes.protobuf", 200, "ok")).toBeUndefined()
    expect(negotiateResponse("application/vnd.kubernetes.protobuf", 200, { major: "1" })).toBeUndefined()
  })
})

describe("protobuf codec: DeleteOptions", () => {
  it("reads client-go's typed delete bodies, whatever the group version in the envelope", () => {
    const options = { preconditions: { resourceVersion: "7" }, propagationPolicy: "Foreground", dryRun: ["All"] }
    for (const apiVersion of ["v1", "apps/v1", "meta.k8s.io/v1"]) {
      const body = wrap({ apiVersion, kind: "DeleteOptions", raw: encodeMessage("DeleteOptions", options) })
      expect(decodeDeleteOptions(body)).toEqual(options)
    }
    expect(decodeDeleteOptions(new Uint8Array())).toEqual({})
  })
})

describe("protobuf schema", () => {
  it("gives every message distinct field numbers and names, and every kind a message", () => {
    const names = new Set(messages.map((m) => m.name))
    for (const message of messages) {
      expect(new Set(message.fields.map((f) => f.id)).size, message.name).toBe(message.fields.length)
      expect(new Set(message.fields.map((f) => f.name)).size, message.name).toBe(message.fields.length)
      for (const f of message.fields) {
        if (!["string", "bool", "int32", "int64", "bytes"].includes(f.type)) expect(names, f.type).toContain(f.type)
      }
    }
    for (const message of protobufKinds.values()) expect(names).toContain(message)
  })
})
