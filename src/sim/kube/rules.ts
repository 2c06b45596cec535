/**
 * Per-kind validation of the built-in types the controller writes or reads most: Services and Ingresses, in the order
 * and with the messages of `ValidateService` (pkg/apis/core/validation) and `ValidateIngressSpec`
 * (pkg/apis/networking/validation). Objects arrive defaulted (port protocol, targetPort, type, sessionAffinity).
 */
import { isObject, type Json, objectAt } from "./json.js"
import {
  duplicate,
  type FieldError,
  forbidden,
  invalid,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isIp,
  isValidPortName,
  isValidPortNum,
  isWildcardDns1123Subdomain,
  labelProblems,
  notSupported,
  required
} from "./validation.js"

const str = (value: unknown): string => (typeof value === "string" ? value : "")

const num = (value: unknown): number => (typeof value === "number" ? value : 0)

const goString = (value: string) => JSON.stringify(value)

// Go iterates sets in sorted order when it lists the allowed values (sets.List), so these are sorted.
const serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
const portProtocols = ["SCTP", "TCP", "UDP"]
const sessionAffinities = ["ClientIP", "None"]
const pathTypes = ["Exact", "ImplementationSpecific", "Prefix"]

/** `ValidatePortNumOrName` for an IntOrString targetPort. */
const portNumOrName = (value: unknown, path: string): Array<FieldError> => {
  if (typeof value === "string") return isValidPortName(value).map((m) => invalid(path, value, m))
  const n = num(value)
  return isValidPortNum(n).map((m) => invalid(path, n, m))
}

/** The Go syntax of the `core.ServicePort{Protocol, Port}` key the duplicate-port check reports. */
const servicePortKey = (protocol: string, port: number) => ({
  goSyntax: `core.ServicePort{Name:"", Protocol:${goString(protocol)}, AppProtocol:(*string)(nil), Port:${port}, ` +
    `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`
})

export const validateService = (service: Json): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const spec = objectAt(service, "spec")
  const type = spec["type"]
  const ports = Array.isArray(spec["ports"]) ? spec["ports"] : []
  const clusterIPs = Array.isArray(spec["clusterIPs"]) ? spec["clusterIPs"] : [spec["clusterIP"]]
  const headless = clusterIPs[0] === "None"
  if (ports.length === 0 && !headless && type !== "ExternalName") errors.push(required("spec.ports"))
  if ((type === "LoadBalancer" || type === "NodePort") && headless) {
    errors.push(invalid("spec.clusterIPs[0]", "None", `may not be set to 'None' for ${type} services`))
  }
  if (type === "ExternalName") {
    const cname = str(spec["externalName"]).replace(/\.$/, "")
    if (cname.length === 0) errors.push(required("spec.externalName"))
    else errors.push(...isDns1123Subdomain(cname).map((m) => invalid("spec.externalName", cname, m)))
  }
  const names = new Set<string>()
  ports.forEach((raw: unknown, i) => {
    const port = isObject(raw) ? raw : {}
    const path = `spec.ports[${i}]`
    const name = str(port["name"])
    if (ports.length > 1 && name === "") errors.push(required(`${path}.name`))
    else if (name !== "") {
      errors.push(...isDns1123Label(name).map((m) => invalid(`${path}.name`, name, m)))
      if (names.has(name)) errors.push(duplicate(`${path}.name`, name))
      else names.add(name)
    }
    const number = num(port["port"])
    errors.push(...isValidPortNum(number).map((m) => invalid(`${path}.port`, number, m)))
    const protocol = str(port["protocol"])
    if (protocol === "") errors.push(required(`${path}.protocol`))
    else if (!portProtocols.includes(protocol)) errors.push(notSupported(`${path}.protocol`, protocol, portProtocols))
    errors.push(...portNumOrName(port["targetPort"], `${path}.targetPort`))
  })
  if (spec["selector"] !== undefined && spec["selector"] !== null) {
    errors.push(...labelProblems(spec["selector"], "spec.selector"))
  }
  const affinity = str(spec["sessionAffinity"])
  if (affinity === "") errors.push(required("spec.sessionAffinity"))
  else if (!sessionAffinities.includes(affinity)) {
    errors.push(notSupported("spec.sessionAffinity", affinity, sessionAffinities))
  }
  if (typeof type !== "string" || type === "") errors.push(required("spec.type"))
  else if (!serviceTypes.includes(type)) errors.push(notSupported("spec.type", type, serviceTypes))
  if (type === "ClusterIP") {
    ports.forEach((raw: unknown, i) => {
      if (isObject(raw) && num(raw["nodePort"]) !== 0) {
        errors.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"))
      }
    })
  }
  const nodePorts = new Set<string>()
  const seen = new Set<string>()
  ports.forEach((raw: unknown, i) => {
    const port = isObject(raw) ? raw : {}
    const protocol = str(port["protocol"])
    const nodePort = num(port["nodePort"])
    if (nodePort !== 0) {
      const key = `${protocol}/${nodePort}`
      if (nodePorts.has(key)) errors.push(duplicate(`spec.ports[${i}].nodePort`, nodePort))
      nodePorts.add(key)
    }
    const key = `${protocol}/${num(port["port"])}`
    if (seen.has(key)) errors.push(duplicate(`spec.ports[${i}]`, servicePortKey(protocol, num(port["port"]))))
    seen.add(key)
  })
  return errors
}

const ingressHost = (host: string, path: string): Array<FieldError> => {
  const errors: Array<FieldError> = []
  if (isIp(host)) errors.push(invalid(path, host, "must be a DNS name, not an IP address"))
  // A `*` is allowed only as the whole first label; the wildcard rule says so in its own words.
  const problems = host.includes("*") ? isWildcardDns1123Subdomain(host) : isDns1123Subdomain(host)
  errors.push(...problems.map((m) => invalid(path, host, m)))
  return errors
}

const ingressBackend = (backend: Json, path: string): Array<FieldError> => {
  const resource = backend["resource"]
  const service = backend["service"]
  if (resource !== undefined && resource !== null && service !== undefined && service !== null) {
    return [invalid(path, "", "cannot set both resource and service backends")]
  }
  if (isObject(resource)) {
    const errors: Array<FieldError> = []
    if (str(resource["kind"]) === "") errors.push(required(`${path}.resource.kind`))
    if (str(resource["name"]) === "") errors.push(required(`${path}.resource.name`))
    return errors
  }
  if (!isObject(service)) return [invalid(path, "", "resource or service backend is required")]
  const errors: Array<FieldError> = []
  const name = str(service["name"])
  if (name === "") errors.push(required(`${path}.service.name`))
  else errors.push(...isDns1035Label(name).map((m) => invalid(`${path}.service.name`, name, m)))
  const port = objectAt(service, "port")
  const portName = str(port["name"])
  const portNumber = num(port["number"])
  if (portName !== "" && portNumber !== 0) errors.push(invalid(path, "", "cannot set both port name & port number"))
  else if (portName !== "") {
    errors.push(...isValidPortName(portName).map((m) => invalid(`${path}.service.port.name`, portName, m)))
  } else if (portNumber !== 0) {
    errors.push(...isValidPortNum(portNumber).map((m) => invalid(`${path}.service.port.number`, portNumber, m)))
  } else errors.push(required(path, "port name or number is required"))
  return errors
}

const ingressPath = (raw: unknown, path: string): Array<FieldError> => {
  const entry = isObject(raw) ? raw : {}
  const pathType = entry["pathType"]
  if (pathType === undefined || pathType === null) return [required(`${path}.pathType`, "pathType must be specified")]
  const errors: Array<FieldError> = []
  const value = str(entry["path"])
  if (pathType === "Exact" || pathType === "Prefix") {
    if (!value.startsWith("/")) errors.push(invalid(`${path}.path`, value, "must be an absolute path"))
    for (const sequence of ["//", "/./", "/../", "%2f", "%2F"]) {
      if (value.includes(sequence)) errors.push(invalid(`${path}.path`, value, `must not contain '${sequence}'`))
    }
    for (const suffix of ["/..", "/."]) {
      if (value.endsWith(suffix)) errors.push(invalid(`${path}.path`, value, `cannot end with '${suffix}'`))
    }
  } else if (pathType === "ImplementationSpecific") {
    if (value.length > 0 && !value.startsWith("/")) {
      errors.push(invalid(`${path}.path`, value, "must be an absolute path"))
    }
  } else {
    errors.push(notSupported(`${path}.pathType`, str(pathType), pathTypes))
  }
  errors.push(...ingressBackend(objectAt(entry, "backend"), `${path}.backend`))
  return errors
}

export const validateIngress = (ingress: Json): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const spec = objectAt(ingress, "spec")
  const rules = spec["rules"]
  const defaultBackend = spec["defaultBackend"]
  const ruleList = Array.isArray(rules) ? rules : []
  if (ruleList.length === 0 && (defaultBackend === undefined || defaultBackend === null)) {
    // Go prints the (empty) rules slice with %#v: nil when absent, an empty literal when sent as [].
    const shown = Array.isArray(rules) ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)"
    errors.push(invalid("spec", { goSyntax: shown }, "either `defaultBackend` or `rules` must be specified"))
  }
  if (isObject(defaultBackend)) errors.push(...ingressBackend(defaultBackend, "spec.defaultBackend"))
  ruleList.forEach((raw: unknown, i) => {
    const rule = isObject(raw) ? raw : {}
    const host = str(rule["host"])
    if (host !== "") errors.push(...ingressHost(host, `spec.rules[${i}].host`))
    const http = rule["http"]
    if (isObject(http)) {
      const paths = Array.isArray(http["paths"]) ? http["paths"] : []
      if (paths.length === 0) errors.push(required(`spec.rules[${i}].http.paths`))
      paths.forEach((p: unknown, j) => errors.push(...ingressPath(p, `spec.rules[${i}].http.paths[${j}]`)))
    }
  })
  const tls = Array.isArray(spec["tls"]) ? spec["tls"] : []
  tls.forEach((raw: unknown, i) => {
    const hosts = isObject(raw) && Array.isArray(raw["hosts"]) ? raw["hosts"] : []
    hosts.forEach((h: unknown, j) => {
      const host = str(h)
      const problems = host.includes("*") ? isWildcardDns1123Subdomain(host) : isDns1123Subdomain(host)
      errors.push(...problems.map((m) => invalid(`spec.tls[${i}].hosts[${j}]`, host, m)))
    })
  })
  const className = spec["ingressClassName"]
  if (typeof className === "string") {
    errors.push(...isDns1123Subdomain(className).map((m) => invalid("spec.ingressClassName", className, m)))
  }
  return errors
}
