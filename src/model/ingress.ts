/**
 * Ingress parsing (AKO `nodes/validator.go:ParseHostPathForIngress`): each Ingress becomes host/path entries with
 * their backend's servers, secure hosts carry their certificate. Bad input becomes a problem on the Ingress and only
 * drops what it concerns.
 */
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import { sortedSubDomains } from "./common.js"
import type { Problem } from "./desired.js"
import { hostRuleFor } from "./hostrule.js"
import type { BoundInfraSetting } from "./infra-setting.js"
import type { ClusterSnapshot, Ingress, ObjectRef, Secret, ServicePort } from "./kube.js"
import { objectRef } from "./kube.js"
import { DEFAULT_ROUTER_SECRET, defaultRouterCertName, tlsCertName } from "./names.js"
import type { PoolServer } from "./servers.js"
import { poolPort, poolServers } from "./servers.js"
import type { ModelSettings } from "./settings.js"

export const ENABLE_TLS_ANNOTATION = "ako.vmware.com/enable-tls"
export const PASSTHROUGH_ANNOTATION = "passthrough.ako.vmware.com/enabled"

/** A certificate taken from a Secret, named as AKO names it. */
export interface Certificate {
  readonly name: string
  readonly certificate: string
  readonly key: string
  readonly secret: ObjectRef
  /** Set when a HostRule names an Avi certificate (type `ref`) instead: nothing is read from a Secret. */
  readonly aviRef?: string | undefined
  /**
   * A Secret's second certificate (`alt.crt`, `alt.key`, e.g. ECC next to RSA): AKO uploads it as `<name>-alt` and
   * serves both (`pkg/utils/constants.go` K8S_TLS_SECRET_ALT_*).
   */
  readonly alt?: { readonly name: string; readonly certificate: string; readonly key: string } | undefined
  /** A Route's `spec.tls.caCertificate` (inline certificates only): AKO uploads it as a CA certificate of its own. */
  readonly caCertificate?: string | undefined
}

/** A re-encrypting Route's backend side: its pools speak TLS, verified against this CA when one is given. */
export interface Reencrypt {
  readonly destinationCA: string | undefined
}

/** One path of one host of one Ingress (or Route), ready to become a pool. */
export interface HostPath {
  readonly source: ObjectRef
  readonly namespace: string
  /** The Ingress (or Route) name that goes into pool names and markers. */
  readonly objectName: string
  readonly host: string
  /** `""` for a rule without a path. */
  readonly path: string
  readonly pathType: string
  readonly serviceName: string
  readonly servers: ReadonlyArray<PoolServer>
  /** Pool ratio (Route weights; 100 for Ingress paths). */
  readonly ratio: number
  /** Present on secure hosts. */
  readonly certificate: Certificate | undefined
  /** Routes: whether a plain-HTTP request is redirected (Ingress TLS hosts always are). */
  readonly redirect: boolean
  /** Routes add `-<svc>` to pool names. */
  readonly poolNameHasService: boolean
  /** The backend Service port's name (AKO's pool `PortName`), `""` when unnamed or unknown. */
  readonly portName: string
  /** The port the servers listen on (AKO's pool `Port`). */
  readonly backendPort: number
  /** The Service port the rule names (80 when it names the port by name), AKO's `SvcPort`. */
  readonly servicePort: number
  /** A Route's insecure companion of an edge host with `insecureEdgeTerminationPolicy: Allow`. */
  readonly insecureEdgeAllow: boolean
  /** The source's creationTimestamp (RFC 3339, `""` when unknown): the oldest claim on a host path wins. */
  readonly created: string
  /** The AviInfraSetting of the Ingress or Route (its VS's placement, and names when cluster-scoped). */
  readonly infra?: BoundInfraSetting | undefined
  /** The Avi tenant of the source's namespace (`ako.vmware.com/tenant-name`); absent: `tenantName`. */
  readonly tenant?: string | undefined
  /** A re-encrypt Route's secure path: its pools re-encrypt to the backend. */
  readonly reencrypt?: Reencrypt | undefined
}

export interface ParsedIngress {
  readonly paths: ReadonlyArray<HostPath>
  readonly problems: ReadonlyArray<Problem>
}

const decodeBase64 = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const decoded = Encoding.decodeBase64String(value)
  return Either.isRight(decoded) ? decoded.right : undefined
}

const looksLikePem = (text: string | undefined): text is string =>
  text !== undefined && /-----BEGIN [A-Z0-9 ]+-----/.test(text)

/**
 * The certificate a HostRule gives a host: an Avi certificate by name (type `ref`), or one AKO builds from a Secret
 * in the HostRule's namespace (type `secret`), named like an Ingress certificate.
 */
export const hostRuleCertificate = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  host: string,
  source: ObjectRef,
  field: string
): Either.Either<Certificate, Problem> | undefined => {
  const matched = hostRuleFor(snapshot.hostRules, host)
  const certificate = matched?.rule.spec?.virtualhost?.tls?.sslKeyCertificate
  const name = certificate?.name ?? ""
  if (matched === undefined || name === "") return undefined
  const namespace = matched.ref.namespace ?? ""
  const secret: ObjectRef = { kind: "Secret", namespace, name }
  if (certificate?.type !== "secret") return Either.right({ name: "", certificate: "", key: "", secret, aviRef: name })
  return Either.mapLeft(
    certificateFromSecret(
      snapshot.secrets.get(`${namespace}/${name}`),
      secret,
      tlsCertName(settings.clusterName, host, settings.infraName)
    ),
    (e) => ({
      object: source,
      field,
      reason: e.reason,
      message: `${e.message} (named by HostRule ${matched.key}); host ${host} is not served`
    })
  )
}

/** The cert and key of a TLS Secret (`tls.crt`, `tls.key`), or the reason it cannot be used. */
export const certificateFromSecret = (
  secret: Secret | undefined,
  secretRef: ObjectRef,
  name: string
): Either.Either<Certificate, { reason: "SecretNotFound" | "SecretMalformed"; message: string }> => {
  const where = `${secretRef.namespace ?? ""}/${secretRef.name}`
  if (secret === undefined) {
    return Either.left({ reason: "SecretNotFound", message: `TLS Secret ${where} does not exist` })
  }
  const certificate = decodeBase64(secret.data?.["tls.crt"])
  const key = decodeBase64(secret.data?.["tls.key"])
  if (!looksLikePem(certificate) || !looksLikePem(key)) {
    return Either.left({
      reason: "SecretMalformed",
      message: `TLS Secret ${where} needs PEM data in tls.crt and tls.key`
    })
  }
  // AKO takes the alternate certificate only with both of its keys; ako-ts also only when both are PEM, as it does
  // for the main one.
  const altCertificate = decodeBase64(secret.data?.["alt.crt"])
  const altKey = decodeBase64(secret.data?.["alt.key"])
  const alt = looksLikePem(altCertificate) && looksLikePem(altKey) ?
    { alt: { name: `${name}-alt`, certificate: altCertificate, key: altKey } } :
    {}
  return Either.right({ name, certificate, key, secret: secretRef, ...alt })
}

/** AKO `IsValidHostName`: a plain suffix match against the cloud's sub-domains (no label boundary check). */
const hostAllowed = (settings: ModelSettings, host: string): boolean =>
  settings.dnsSubDomains.length === 0 || settings.dnsSubDomains.some((domain) => host.endsWith(domain))

/** The Service port an Ingress backend names, by number or by name. */
export const namedServicePort = (
  ports: ReadonlyArray<ServicePort>,
  wanted: { readonly number?: number | undefined; readonly name?: string | undefined } | undefined
): ServicePort | undefined => {
  if (wanted?.name !== undefined && wanted.name !== "") return ports.find((p) => p.name === wanted.name)
  const number = wanted?.number === undefined || wanted.number === 0 ? 80 : wanted.number
  return ports.find((p) => p.port === number)
}

/**
 * A rule's host, or why the rule is ignored; undefined when `hostFilter` leaves it out. A rule without a host gets
 * `<ingress>.<namespace>.<first DNS sub-domain>`, as in AKO; a host outside the cloud's DNS sub-domains is refused.
 */
export const ruleHost = (
  settings: ModelSettings,
  source: ObjectRef,
  ruleIndex: number,
  rule: { readonly host?: string | undefined },
  hostFilter: (host: string) => boolean
): Either.Either<string, Problem> | undefined => {
  const field = `spec.rules[${ruleIndex}].host`
  let host = rule.host ?? ""
  if (host === "") {
    const domain = sortedSubDomains(settings)[0]
    if (domain === undefined) {
      return Either.left({
        object: source,
        field,
        reason: "HostMissing",
        message: "a rule without host needs a DNS sub-domain in the Avi cloud; the rule is ignored"
      })
    }
    host = `${source.name}.${source.namespace ?? ""}.${domain.startsWith(".") ? domain.slice(1) : domain}`
  }
  if (!hostFilter(host)) return undefined
  if (!hostAllowed(settings, host)) {
    return Either.left({
      object: source,
      field,
      reason: "HostNotInDnsSubDomains",
      message: `host ${host} is not in the cloud's DNS sub-domains (${
        settings.dnsSubDomains.join(", ")
      }); the rule is ignored`
    })
  }
  return Either.right(host)
}

/** All servable host paths of a handled Ingress. */

export const parseIngress = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  ingress: Ingress,
  /** Only hosts it accepts are parsed (a one-unit recompute skips other shards' servers); problems come only for those. */
  hostFilter: (host: string) => boolean = () => true
): ParsedIngress => {
  const source = objectRef("Ingress", ingress)
  const namespace = source.namespace ?? ""
  const name = source.name
  const problems: Array<Problem> = []
  const paths: Array<HostPath> = []

  // A passthrough Ingress lands on a passthrough shard instead (passthrough.ts), never on an L7 VS.
  if (ingress.metadata?.annotations?.[PASSTHROUGH_ANNOTATION] === "true") return { paths: [], problems: [] }
  const tlsSecretOf = new Map<string, string>()
  for (const tls of ingress.spec?.tls ?? []) {
    for (const host of tls.hosts ?? []) {
      if (!tlsSecretOf.has(host) && tls.secretName !== undefined && tls.secretName !== "") {
        tlsSecretOf.set(host, tls.secretName)
      }
    }
  }
  const enableTls = ingress.metadata?.annotations?.[ENABLE_TLS_ANNOTATION] === "true"
  const certificates = new Map<string, Either.Either<Certificate, Problem>>()
  const certificateFor = (host: string): Either.Either<Certificate, Problem> | undefined => {
    const cached = certificates.get(host)
    if (cached !== undefined) return cached
    const secretName = tlsSecretOf.get(host)
    let result: Either.Either<Certificate, Problem> | undefined
    const ruled = hostRuleCertificate(snapshot, settings, host, source, "spec.rules[].host")
    if (ruled !== undefined) {
      // A HostRule's certificate makes the host secure, with or without a `spec.tls` entry (which it overrides).
      result = ruled
    } else if (secretName !== undefined) {
      const ref: ObjectRef = { kind: "Secret", namespace, name: secretName }
      result = Either.mapLeft(
        certificateFromSecret(
          snapshot.secrets.get(`${namespace}/${secretName}`),
          ref,
          tlsCertName(settings.clusterName, host, settings.infraName)
        ),
        (e) => ({
          object: source,
          field: "spec.tls",
          reason: e.reason,
          message: `${e.message}; host ${host} is not served`
        })
      )
    } else if (enableTls) {
      const ref: ObjectRef = { kind: "Secret", namespace: settings.akoNamespace, name: DEFAULT_ROUTER_SECRET }
      result = Either.mapLeft(
        certificateFromSecret(
          snapshot.secrets.get(`${settings.akoNamespace}/${DEFAULT_ROUTER_SECRET}`),
          ref,
          defaultRouterCertName(settings.clusterName)
        ),
        (e) => ({
          object: source,
          field: `metadata.annotations[${ENABLE_TLS_ANNOTATION}]`,
          reason: e.reason,
          message: `${e.message}; host ${host} is not served`
        })
      )
    }
    if (result !== undefined) {
      certificates.set(host, result)
      if (Either.isLeft(result)) problems.push(result.left)
    }
    return result
  }

  for (const [ruleIndex, rule] of (ingress.spec?.rules ?? []).entries()) {
    const ruled = ruleHost(settings, source, ruleIndex, rule, hostFilter)
    if (ruled === undefined) continue
    if (Either.isLeft(ruled)) {
      problems.push(ruled.left)
      continue
    }
    const host = ruled.right
    const tls = certificateFor(host)
    if (tls !== undefined && Either.isLeft(tls)) continue
    const certificate = tls === undefined ? undefined : tls.right
    for (const [pathIndex, entry] of (rule.http?.paths ?? []).entries()) {
      const backend = entry.backend?.service
      const serviceName = backend?.name ?? ""
      const field = `spec.rules[${ruleIndex}].http.paths[${pathIndex}].backend.service`
      const service = snapshot.services.get(`${namespace}/${serviceName}`)
      const requestedPort = backend?.port?.number === undefined || backend.port.number === 0 ? 80 : backend.port.number
      let servers: ReadonlyArray<PoolServer> = []
      let portName = ""
      let backendPort = requestedPort
      if (service === undefined) {
        problems.push({
          object: source,
          field: `${field}.name`,
          reason: "ServiceNotFound",
          message: `Service ${namespace}/${serviceName} does not exist; pool for ${host}${
            entry.path ?? ""
          } has no servers`
        })
      } else {
        const port = namedServicePort(service.spec?.ports ?? [], backend?.port)
        if (port === undefined) {
          const wanted = backend?.port?.name ?? String(backend?.port?.number ?? 80)
          problems.push({
            object: source,
            field: `${field}.port`,
            reason: "PortNotFound",
            message: `Service ${namespace}/${serviceName} has no port ${wanted}; pool for ${host}${
              entry.path ?? ""
            } has no servers`
          })
        } else {
          servers = poolServers(snapshot, settings, service, port, true)
          portName = port.name ?? ""
          backendPort = poolPort(servers, port)
        }
      }
      paths.push({
        source,
        namespace,
        objectName: name,
        host,
        path: entry.path ?? "",
        pathType: entry.pathType ?? "ImplementationSpecific",
        serviceName,
        servers,
        ratio: 100,
        certificate,
        redirect: certificate !== undefined,
        poolNameHasService: false,
        portName,
        backendPort,
        servicePort: requestedPort,
        insecureEdgeAllow: false,
        created: ingress.metadata?.creationTimestamp ?? ""
      })
    }
  }
  return { paths, problems }
}
