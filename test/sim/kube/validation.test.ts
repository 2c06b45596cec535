import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningKubeSim, startKubeSim } from "../../../src/sim/kube/index.js"
import { rawRequest } from "./_support.js"

let sim: RunningKubeSim

beforeAll(async () => {
  sim = await startKubeSim()
})
afterAll(() => sim.close())

// The texts apimachinery's validation package builds (RegexError keeps Go's double space between examples).
const subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and " +
  "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const wildcard = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must " +
  "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. " +
  "'*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const dns1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
  "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is " +
  "'[a-z]([-a-z0-9]*[a-z0-9])?')"
const dns1123Label = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " +
  "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
const namePart = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an " +
  "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is " +
  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
const labelValue =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and " +
  "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for " +
  "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

interface Invalid {
  readonly status: number
  readonly message: string
  readonly causes: ReadonlyArray<{ reason: string; field: string; message: string }>
}

const create = async (path: string, body: Record<string, unknown>): Promise<Invalid> => {
  const response = await rawRequest(sim, "POST", path, body)
  const status = response.json<{ message?: string; details?: { causes?: Invalid["causes"] } }>()
  return { status: response.status, message: status.message ?? "", causes: status.details?.causes ?? [] }
}

const ingress = (name: string, spec: Record<string, unknown>) =>
  create("/apis/networking.k8s.io/v1/namespaces/default/ingresses", { metadata: { name }, spec })

const backend = { service: { name: "web", port: { number: 80 } } }

const rule = (host: string | undefined, paths: ReadonlyArray<Record<string, unknown>>) => ({
  ...(host === undefined ? {} : { host }),
  http: { paths }
})

const service = (name: string, spec: Record<string, unknown>) =>
  create("/api/v1/namespaces/default/services", { metadata: { name }, spec })

describe("the kube sim validates as the real API server, with its messages", () => {
  it("Ingress hosts: DNS-1123 subdomains, a wildcard only as the whole first label, no IP addresses", async () => {
    const prefix = { path: "/", pathType: "Prefix", backend }
    expect(
      (await ingress("ok", { rules: [rule("*.example.com", [prefix]), rule("a-b.example.com", [prefix])] })).status
    )
      .toBe(201)
    const upper = await ingress("upper", { rules: [rule("Web.Example.com", [prefix])] })
    expect(upper.status).toBe(422)
    expect(upper.message).toBe(
      `Ingress.networking.k8s.io "upper" is invalid: spec.rules[0].host: Invalid value: "Web.Example.com": ${subdomain}`
    )
    const inner = await ingress("inner", { rules: [rule("foo.*.example.com", [prefix])] })
    expect(inner.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.rules[0].host",
        message: `Invalid value: "foo.*.example.com": ${wildcard}`
      }
    ])
    const star = await ingress("star", { rules: [rule("*", [prefix])] })
    expect(star.causes.map((c) => c.message)).toEqual([`Invalid value: "*": ${wildcard}`])
    const ip = await ingress("ip", { rules: [rule("10.1.2.3", [prefix])] })
    expect(ip.message).toBe(
      "Ingress.networking.k8s.io \"ip\" is invalid: spec.rules[0].host: Invalid value: \"10.1.2.3\": must be a DNS " +
        "name, not an IP address"
    )
    const tls = await ingress("tls", { rules: [rule("a.example.com", [prefix])], tls: [{ hosts: ["A.example.com"] }] })
    expect(tls.causes.map((c) => c.field)).toEqual(["spec.tls[0].hosts[0]"])
  })

  it("Ingress paths: absolute for Prefix and Exact, no dot segments, a known pathType, a backend", async () => {
    const relative = await ingress("relative", {
      rules: [rule("a.example.com", [{ path: "api", pathType: "Prefix", backend }, {
        path: "/a//b/..",
        pathType: "Exact",
        backend
      }, { path: "", pathType: "ImplementationSpecific", backend }])]
    })
    expect(relative.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path",
      "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b/..\": must not contain '//'",
      "spec.rules[0].http.paths[1].path: Invalid value: \"/a//b/..\": cannot end with '/..'"
    ])
    const types = await ingress("types", {
      rules: [rule("a.example.com", [{ path: "/", backend }, { path: "/", pathType: "Regex", backend }])]
    })
    expect(types.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified",
      "spec.rules[0].http.paths[1].pathType: Unsupported value: \"Regex\": supported values: \"Exact\", " +
      "\"ImplementationSpecific\", \"Prefix\""
    ])
    const backends = await ingress("backends", {
      rules: [rule("a.example.com", [
        { path: "/", pathType: "Prefix" },
        { path: "/b", pathType: "Prefix", backend: { service: { name: "Web" } } },
        { path: "/c", pathType: "Prefix", backend: { service: { name: "web", port: { number: 70000 } } } }
      ])]
    })
    expect(backends.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.rules[0].http.paths[0].backend: Invalid value: \"\": resource or service backend is required",
      `spec.rules[0].http.paths[1].backend.service.name: Invalid value: "Web": ${dns1035}`,
      "spec.rules[0].http.paths[1].backend: Required value: port name or number is required",
      "spec.rules[0].http.paths[2].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, " +
      "inclusive"
    ])
    const empty = await ingress("empty", {})
    expect(empty.message).toBe(
      "Ingress.networking.k8s.io \"empty\" is invalid: spec: Invalid value: []networking.IngressRule(nil): either " +
        "`defaultBackend` or `rules` must be specified"
    )
    expect((await ingress("default-only", { defaultBackend: backend })).status).toBe(201)
  })

  it("Services: DNS-1035 names, ports 1-65535, names required beside other ports and unique, unique port+protocol", async () => {
    const name = await service("1web", { ports: [{ port: 80 }] })
    expect(name.message).toBe(`Service "1web" is invalid: metadata.name: Invalid value: "1web": ${dns1035}`)
    const range = await service("range", { ports: [{ port: 0 }] })
    // targetPort defaults to port, so an invalid port is reported twice, as by the real server.
    expect(range.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"
    ])
    const unnamed = await service("unnamed", { ports: [{ port: 80 }, { port: 443 }] })
    expect(unnamed.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.ports[0].name: Required value",
      "spec.ports[1].name: Required value"
    ])
    const duplicates = await service("duplicates", {
      ports: [{ name: "web", port: 80 }, { name: "web", port: 80 }, { name: "dns", port: 80, protocol: "UDP" }]
    })
    expect(duplicates.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.ports[1].name: Duplicate value: \"web\"",
      "spec.ports[1]: Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), " +
      "Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"
    ])
    const badNames = await service("bad-names", {
      ports: [{ name: "Web", port: 80, targetPort: "http_port" }, { name: "b", port: 81, protocol: "HTTP" }]
    })
    expect(badNames.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      `spec.ports[0].name: Invalid value: "Web": ${dns1123Label}`,
      "spec.ports[0].targetPort: Invalid value: \"http_port\": must contain only alpha-numeric characters (a-z, 0-9), " +
      "and hyphens (-)",
      "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
    ])
    expect(
      (await service("tcp-and-udp", {
        ports: [{ name: "dns", port: 53 }, { name: "dns-udp", port: 53, protocol: "UDP" }]
      })).status
    ).toBe(201)
  })

  it("Service types: ClusterIP, NodePort, LoadBalancer, ExternalName (with a DNS name) and nothing else", async () => {
    const type = await service("typed", { type: "Ingress", ports: [{ port: 80 }] })
    expect(type.message).toBe(
      "Service \"typed\" is invalid: spec.type: Unsupported value: \"Ingress\": supported values: \"ClusterIP\", " +
        "\"ExternalName\", \"LoadBalancer\", \"NodePort\""
    )
    const external = await service("external", { type: "ExternalName" })
    expect(external.causes.map((c) => `${c.field}: ${c.message}`)).toEqual(["spec.externalName: Required value"])
    expect((await service("external-ok", { type: "ExternalName", externalName: "db.example.com." })).status).toBe(201)
    const headless = await service("headless-lb", { type: "LoadBalancer", clusterIP: "None", ports: [{ port: 80 }] })
    expect(headless.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"
    ])
    const nodePort = await service("cluster-ip-node-port", { ports: [{ port: 80, nodePort: 30080 }] })
    expect(nodePort.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    ])
  })

  it("object names follow each kind's rule: subdomains, but DNS labels for namespaces", async () => {
    expect((await create("/api/v1/namespaces/default/configmaps", { metadata: { name: "a.b-c" } })).status).toBe(201)
    const dotted = await create("/api/v1/namespaces", { metadata: { name: "team.a" } })
    expect(dotted.message).toBe(
      "Namespace \"team.a\" is invalid: metadata.name: Invalid value: \"team.a\": must not contain dots"
    )
    const upper = await create("/api/v1/namespaces", { metadata: { name: "Team" } })
    expect(upper.causes.map((c) => c.message)).toEqual([`Invalid value: "Team": ${dns1123Label}`])
    const long = await create("/api/v1/namespaces/default/configmaps", { metadata: { name: "a".repeat(254) } })
    expect(long.causes.map((c) => c.message)).toEqual([
      `Invalid value: "${"a".repeat(254)}": must be no more than 253 characters`
    ])
    const pod = await create("/api/v1/namespaces/default/pods", {
      metadata: { name: "Web_1" },
      spec: { containers: [{ name: "c", image: "i" }] }
    })
    expect(pod.causes.map((c) => c.message)).toEqual([`Invalid value: "Web_1": ${subdomain}`])
  })

  it("label keys and values, and annotation keys", async () => {
    const configMap = (name: string, metadata: Record<string, unknown>) =>
      create("/api/v1/namespaces/default/configmaps", { metadata: { name, ...metadata } })
    expect((await configMap("ok", { labels: { "app.kubernetes.io/name": "web", empty: "" } })).status).toBe(201)
    const keys = await configMap("keys", {
      labels: { "bad key": "x", "Example.com/app": "x", "a/b/c": "x", ["k".repeat(64)]: "x" }
    })
    expect(keys.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      `metadata.labels: Invalid value: "bad key": ${namePart}`,
      `metadata.labels: Invalid value: "Example.com/app": prefix part ${subdomain}`,
      "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' " +
      "or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', " +
      "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain " +
      "prefix and '/' (e.g. 'example.com/MyName')",
      `metadata.labels: Invalid value: "${"k".repeat(64)}": name part must be no more than 63 characters`
    ])
    const values = await configMap("values", { labels: { a: "-x", b: "v".repeat(64) } })
    expect(values.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      `metadata.labels: Invalid value: "-x": ${labelValue}`,
      `metadata.labels: Invalid value: "${"v".repeat(64)}": must be no more than 63 characters`
    ])
    const annotations = await configMap("annotations", { annotations: { "bad key": "x", "Upper.Case/OK": "x" } })
    expect(annotations.causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      `metadata.annotations: Invalid value: "bad key": ${namePart}`
    ])
    const selector = await service("selector", { selector: { "bad key": "x" }, ports: [{ port: 80 }] })
    expect(selector.causes.map((c) => c.field)).toEqual(["spec.selector"])
  })
})
