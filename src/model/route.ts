/**
 * OpenShift Routes on the same shared/SNI model as Ingresses (reference/ako-objects.md §4): pool names add
 * `-<svc>`, alternateBackends add pools with their weight as ratio, edge certificates are inline (or the default
 * `router-certs-default`), insecureEdgeTerminationPolicy Redirect/Allow/None, re-encrypt to the backend
 * (route-reencrypt.ts). Passthrough Routes are passthrough.ts's.
 */
import * as Either from "effect/Either"
import type { Problem } from "./desired.js"
import { namespaceAccepted } from "./filters.js"
import type { Certificate, HostPath } from "./ingress.js"
import { certificateFromSecret, hostRuleCertificate } from "./ingress.js"
import type { ClusterSnapshot, ObjectRef, Route, ServicePort } from "./kube.js"
import { objectRef } from "./kube.js"
import { DEFAULT_ROUTER_SECRET, defaultRouterCertName, tlsCertName } from "./names.js"
import { reencryptOf } from "./route-reencrypt.js"
import type { PoolServer } from "./servers.js"
import { poolPort, poolServers } from "./servers.js"
import type { ModelSettings } from "./settings.js"

export const routePort = (
  ports: ReadonlyArray<ServicePort>,
  target: number | string | undefined
): ServicePort | undefined => {
  if (target === undefined) return ports[0]
  if (typeof target === "string") return ports.find((p) => p.name === target || p.targetPort === target)
  return ports.find((p) => p.targetPort === target || p.port === target)
}

const hasPem = (text: string | undefined): text is string =>
  text !== undefined && /-----BEGIN [A-Z0-9 ]+-----/.test(text)

export const parseRoute = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  route: Route,
  hostFilter: (host: string) => boolean = () => true
): { readonly paths: ReadonlyArray<HostPath>; readonly problems: ReadonlyArray<Problem> } => {
  const source = objectRef("Route", route)
  const namespace = source.namespace ?? ""
  if (
    route.metadata?.deletionTimestamp !== undefined || !namespaceAccepted(snapshot, settings, namespace) ||
    route.spec?.tls?.termination === "passthrough"
  ) {
    return { paths: [], problems: [] }
  }
  const subdomain = route.spec?.subdomain ?? ""
  const host = route.spec?.host !== undefined && route.spec.host !== "" ?
    route.spec.host :
    subdomain !== "" && settings.defaultDomain !== undefined ?
    `${subdomain}.${settings.defaultDomain.replace(/^\./, "")}` :
    ""
  if (host !== "" && !hostFilter(host)) return { paths: [], problems: [] }
  if (host === "") {
    return {
      paths: [],
      problems: [{ object: source, field: "spec.host", reason: "HostMissing", message: "the Route has no host" }]
    }
  }
  const tls = route.spec?.tls
  const termination = tls?.termination
  let certificate: Certificate | undefined
  // A HostRule's certificate makes the host secure and wins over the Route's own (AKO `ParseHostPathForRoute`).
  const ruled = hostRuleCertificate(snapshot, settings, host, source, "spec.host")
  if (ruled !== undefined && Either.isLeft(ruled)) return { paths: [], problems: [ruled.left] }
  if (ruled !== undefined) {
    certificate = ruled.right
  } else if (termination === "edge" || termination === "reencrypt") {
    if (hasPem(tls?.certificate) && hasPem(tls?.key)) {
      certificate = {
        name: tlsCertName(settings.clusterName, host, settings.infraName),
        certificate: tls.certificate,
        key: tls.key,
        secret: source,
        // AKO takes the CA of inline certificates only (`BuildTlsCertNode`), not of the default one.
        ...(tls.caCertificate === undefined || tls.caCertificate === "" ? {} : { caCertificate: tls.caCertificate })
      }
    } else {
      const ref: ObjectRef = { kind: "Secret", namespace: settings.akoNamespace, name: DEFAULT_ROUTER_SECRET }
      const fromDefault = certificateFromSecret(
        snapshot.secrets.get(`${settings.akoNamespace}/${DEFAULT_ROUTER_SECRET}`),
        ref,
        defaultRouterCertName(settings.clusterName)
      )
      if (Either.isLeft(fromDefault)) {
        return {
          paths: [],
          problems: [{
            object: source,
            field: "spec.tls",
            reason: fromDefault.left.reason,
            message:
              `${fromDefault.left.message}; the ${termination} Route has no certificate of its own and is not served`
          }]
        }
      }
      certificate = fromDefault.right
    }
  }
  const insecurePolicy = tls?.insecureEdgeTerminationPolicy ?? "None"
  // A HostRule's certificate makes AKO build the host as an edge one: no re-encryption (`ParseHostPathForRoute`).
  const reencrypt = certificate !== undefined && ruled === undefined && termination === "reencrypt" ?
    reencryptOf(tls?.destinationCACertificate) :
    undefined
  const problems: Array<Problem> = []
  const paths: Array<HostPath> = []
  const backends = [
    ...(route.spec?.to === undefined ? [] : [{ ...route.spec.to, field: "spec.to" }]),
    ...(route.spec?.alternateBackends ?? []).map((b, i) => ({ ...b, field: `spec.alternateBackends[${i}]` }))
  ]
  for (const backend of backends) {
    const weight = backend.weight ?? 100
    if (weight === 0) continue
    const serviceName = backend.name ?? ""
    const service = snapshot.services.get(`${namespace}/${serviceName}`)
    let servers: ReadonlyArray<PoolServer> = []
    let portName = ""
    let servicePort = typeof route.spec?.port?.targetPort === "number" ? route.spec.port.targetPort : 80
    let backendPort = servicePort
    if (service === undefined) {
      problems.push({
        object: source,
        field: `${backend.field}.name`,
        reason: "ServiceNotFound",
        message: `Service ${namespace}/${serviceName} does not exist; its pool has no servers`
      })
    } else {
      const port = routePort(service.spec?.ports ?? [], route.spec?.port?.targetPort)
      if (port === undefined) {
        problems.push({
          object: source,
          field: "spec.port.targetPort",
          reason: "PortNotFound",
          message: `Service ${namespace}/${serviceName} has no port ${String(route.spec?.port?.targetPort)}`
        })
      } else {
        servers = poolServers(snapshot, settings, service, port, true)
        portName = port.name ?? ""
        servicePort = port.port
        backendPort = poolPort(servers, port)
      }
    }
    const base = {
      source,
      namespace,
      objectName: source.name,
      host,
      path: route.spec?.path ?? "",
      pathType: "Prefix",
      serviceName,
      servers,
      ratio: weight,
      poolNameHasService: true,
      portName,
      backendPort,
      servicePort,
      created: route.metadata?.creationTimestamp ?? ""
    }
    paths.push({
      ...base,
      certificate,
      // AKO gives a host secured by a HostRule no redirect, whatever the Route's policy says (a quirk, reproduced).
      redirect: certificate !== undefined && ruled === undefined && insecurePolicy === "Redirect",
      insecureEdgeAllow: false,
      ...(reencrypt === undefined ? {} : { reencrypt })
    })
    if (certificate !== undefined && insecurePolicy === "Allow") {
      // Also served in plain HTTP; AKO marks these pools so that they never drive the Route's status.
      paths.push({ ...base, certificate: undefined, redirect: false, insecureEdgeAllow: true })
    }
  }
  return { paths, problems }
}
