/**
 * Shared VIP: LoadBalancer Services of one namespace annotated `ako.vmware.com/enable-shared-vip: <key>` are served
 * by one VS `<cluster>--<ns>-<key>` with one VsVip and one L4PolicySet of that name, and a pool per member Service
 * port (reference/ako-objects.md §11.1; AKO `nodes/avi_model_advl4_translator.go` `ConstructSharedVipSvcLBNode`,
 * `ConstructSharedVipPolPoolNodes`, and the consistency checks of `nodes/dequeue_ingestion.go`
 * `handleL4SharedVipService`).
 */
import { desiredObject, markers, ref, serviceMetadata } from "./avi-fields.js"
import type { MarkerFields } from "./checksum.js"
import { virtualServiceChecksum } from "./checksum.js"
import { isIpAddress, parentVsFields, preferredSubDomain, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, Problem, StatusIntent } from "./desired.js"
import { INFRA_SETTING_ANNOTATION, infraSettingForService, settingsUnder } from "./infra-setting.js"
import type { ClusterSnapshot, ObjectRef, Service, ServicePort } from "./kube.js"
import { compareStrings, objectRef } from "./kube.js"
import type { Protocol, UnitResult } from "./l4.js"
import {
  autoServiceFqdn,
  EXTERNAL_DNS_ANNOTATION,
  l4PolicySetObject,
  l4PoolObject,
  LOAD_BALANCER_IP_ANNOTATION,
  MIXED_NETWORK_PROFILE,
  networkProfileFor,
  overrideProfile,
  protocolOf,
  SHARED_VIP_ANNOTATION
} from "./l4.js"
import { L4RULE_ANNOTATION, L4RULE_VS_FIELDS, l4RuleForService } from "./l4rule.js"
import { sharedVipPoolName, sharedVipVsName, unitKey } from "./names.js"
import { slicesServePort } from "./servers.js"
import type { ModelSettings } from "./settings.js"

/** The VIP a Service shares, or undefined: AKO treats an empty annotation value as none (`!= ""`). */
export const sharedVipKeyOf = (service: Service): string | undefined => {
  const key = service.metadata?.annotations?.[SHARED_VIP_ANNOTATION]
  return key === undefined || key === "" ? undefined : key
}

/** One shared VIP: its namespace and annotation value, and its member Services in lister order. */
export interface SharedVipGroup {
  readonly namespace: string
  readonly key: string
  readonly members: ReadonlyArray<Service>
}

/** `<ns>/<key>`, AKO's lister key of a shared VIP. */
export const sharedVipGroupKey = (namespace: string, key: string): string => `${namespace}/${key}`

/**
 * The shared VIPs of these Services (the caller passes only Services it handles). Members are in name order: AKO's
 * lister order is the order it saw the Services, which no other process can know, so the first member (whose static
 * IP, AviInfraSetting and L4Rule the VIP takes) is the first by name here.
 */
export const sharedVipGroups = (services: Iterable<Service>): ReadonlyArray<SharedVipGroup> => {
  const groups = new Map<string, { namespace: string; key: string; members: Array<Service> }>()
  for (const service of services) {
    const key = sharedVipKeyOf(service)
    if (key === undefined) continue
    const namespace = service.metadata?.namespace ?? ""
    const id = sharedVipGroupKey(namespace, key)
    const group = groups.get(id)
    if (group === undefined) groups.set(id, { namespace, key, members: [service] })
    else group.members.push(service)
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([, group]) => ({
      ...group,
      members: group.members.sort((a, b) => compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""))
    }))
}

interface StaticIp {
  readonly ip: string
  readonly field: string
}

/** AKO `HasSpecLoadBalancerIP`, else `HasLoadBalancerIPAnnotation`: the address a Service asks for. */
const requestedIp = (service: Service): StaticIp | undefined => {
  const spec = service.spec?.loadBalancerIP
  if (spec !== undefined && spec !== "") return { ip: spec, field: "spec.loadBalancerIP" }
  const annotated = service.metadata?.annotations?.[LOAD_BALANCER_IP_ANNOTATION]
  if (annotated !== undefined && annotated !== "") {
    return { ip: annotated, field: `metadata.annotations[${LOAD_BALANCER_IP_ANNOTATION}]` }
  }
  return undefined
}

const annotation = (service: Service, key: string): string => service.metadata?.annotations?.[key] ?? ""

const portKey = (port: ServicePort): string => `${protocolOf(port)}-${port.port}`

interface Membership {
  readonly accepted: ReadonlyArray<Service>
  readonly problems: ReadonlyArray<Problem>
}

/**
 * AKO's checks between members (`handleL4SharedVipService`): the first member's static IP, AviInfraSetting
 * annotation and L4Rule annotation hold for every other member. AKO deletes the whole VS when one member breaks
 * them; here only that member stays out (and is told why), so a mistake in one Service does not take the address
 * from the others. A member whose port and protocol another member already listens on stays out too: the VS could
 * not serve both (AKO only names this rule).
 */
const checkMembers = (group: SharedVipGroup, vsName: string): Membership => {
  const [first, ...rest] = group.members
  if (first === undefined) return { accepted: [], problems: [] }
  const firstName = first.metadata?.name ?? ""
  const firstIp = requestedIp(first)?.ip ?? ""
  const firstInfra = annotation(first, INFRA_SETTING_ANNOTATION)
  const firstRule = annotation(first, L4RULE_ANNOTATION)
  const accepted: Array<Service> = [first]
  const problems: Array<Problem> = []
  const listeners = new Map<string, string>()
  for (const port of first.spec?.ports ?? []) listeners.set(portKey(port), firstName)
  const refuse = (service: Service, field: string, why: string) =>
    problems.push({
      object: objectRef("Service", service),
      field,
      reason: "InvalidConfiguration",
      message: `${why}; the Service is left out of the shared virtual service ${vsName}`
    })
  for (const service of rest) {
    const ip = requestedIp(service)
    if (ip !== undefined && ip.ip !== firstIp) {
      refuse(
        service,
        ip.field,
        `static IP ${ip.ip} differs from ${firstIp === "" ? "none" : firstIp} of ${firstName}, which shares the VIP`
      )
      continue
    }
    const infra = annotation(service, INFRA_SETTING_ANNOTATION)
    if (infra !== firstInfra) {
      refuse(
        service,
        `metadata.annotations[${INFRA_SETTING_ANNOTATION}]`,
        `AviInfraSetting "${infra}" is not the one ${firstName}, which shares the VIP, names ("${firstInfra}")`
      )
      continue
    }
    const rule = annotation(service, L4RULE_ANNOTATION)
    if (rule !== firstRule) {
      refuse(
        service,
        `metadata.annotations[${L4RULE_ANNOTATION}]`,
        `L4Rule "${rule}" is not the one ${firstName}, which shares the VIP, names ("${firstRule}")`
      )
      continue
    }
    const ports = service.spec?.ports ?? []
    const clash = ports.findIndex((port) => listeners.has(portKey(port)))
    if (clash >= 0) {
      const port = ports[clash]!
      refuse(
        service,
        `spec.ports[${clash}]`,
        `port ${port.port}/${protocolOf(port)} is already served for ${listeners.get(portKey(port))}, which shares ` +
          `the VIP`
      )
      continue
    }
    for (const port of ports) listeners.set(portKey(port), service.metadata?.name ?? "")
    accepted.push(service)
  }
  return { accepted, problems }
}

/**
 * The shared VS's FQDNs (`ConstructSharedVipSvcLBNode`): only when the cloud has DNS sub-domains, each member's
 * external-dns annotation, else its auto FQDN (none while autoFQDN is off).
 */
const sharedFqdns = (settings: ModelSettings, members: ReadonlyArray<Service>): ReadonlyArray<string> => {
  if (preferredSubDomain(settings) === undefined) return []
  return members.flatMap((service) => {
    const annotated = service.metadata?.annotations?.[EXTERNAL_DNS_ANNOTATION]
    if (annotated !== undefined) return [annotated]
    const fqdn = autoServiceFqdn(settings, service)
    return fqdn === undefined ? [] : [fqdn]
  })
}

interface Listener {
  readonly service: Service
  readonly port: ServicePort
  readonly index: number
  readonly protocol: Protocol
  readonly pool: string
}

/** The unit of one shared VIP, or only problems when no member can be served. */
export const translateSharedVip = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  group: SharedVipGroup
): UnitResult => {
  const cluster = settings.clusterName
  // AKO builds shared VIPs in the configured tenant (`lib.GetTenant()`), whatever the namespace says.
  const tenant = settings.tenantName
  const { namespace, key } = group
  const vsName = sharedVipVsName(cluster, namespace, key)
  const membership = checkMembers(group, vsName)
  const members = membership.accepted
  const first = members[0]
  if (first === undefined) return { unit: undefined, problems: membership.problems }

  const listeners: Array<Listener> = members.flatMap((service) =>
    (service.spec?.ports ?? []).map((port, index) => ({
      service,
      port,
      index,
      protocol: protocolOf(port),
      pool: sharedVipPoolName(cluster, namespace, service.metadata?.name ?? "", key, protocolOf(port), port.port)
    }))
  )
  const protocols = new Set(listeners.map((l) => l.protocol))
  const networkProfile = networkProfileFor(protocols, settings)
  const mixed = protocols.size > 1
  const modelNetworkProfile = mixed ? MIXED_NETWORK_PROFILE : networkProfile

  // The first member's AviInfraSetting (its own, else its Namespace's) places the pools; the VS and VsVip take it
  // only when that Service names a setting or an L4Rule itself, as AKO looks it up for them only then.
  const firstAnnotated = annotation(first, INFRA_SETTING_ANNOTATION) !== "" ||
    annotation(first, L4RULE_ANNOTATION) !== ""
  const infra = infraSettingForService(snapshot, first)
  const poolPlaced = settingsUnder(settings, infra.bound)
  const vsPlaced = firstAnnotated ? poolPlaced : settings
  const l4Rule = l4RuleForService(snapshot, first, modelNetworkProfile)
  const ruleVs = firstAnnotated ? l4Rule.virtualService : undefined

  const requested = requestedIp(first)
  const staticIp = ruleVs?.generated.loadBalancerIP ?? requested?.ip
  if (staticIp !== undefined && !isIpAddress(staticIp)) {
    return {
      unit: undefined,
      problems: [...membership.problems, {
        object: objectRef("Service", first),
        field: requested?.ip === staticIp ? requested.field : `metadata.annotations[${L4RULE_ANNOTATION}]`,
        reason: "InvalidStaticIP",
        message: `${staticIp} is not an IP address; the shared virtual service ${vsName} is not created`
      }]
    }
  }

  const fqdns = sharedFqdns(settings, members)
  const vsVip = vsVipObject(vsPlaced, vsName, fqdns, staticIp)

  const pools: Array<DesiredAviObject> = listeners.map(({ pool: poolName, port, protocol, service }) => {
    const serviceName = service.metadata?.name ?? ""
    const poolMarkers: MarkerFields = {
      Namespace: namespace,
      ServiceName: serviceName,
      Port: String(port.port),
      Protocol: protocol,
      GatewayName: key
    }
    const fqdn = autoServiceFqdn(settings, service)
    return l4PoolObject(snapshot, poolPlaced, l4Rule, {
      poolName,
      poolMarkers,
      service,
      port,
      protocol,
      namespaceServiceNames: [`${namespace}/${serviceName}`],
      hostnames: fqdn === undefined ? [] : [fqdn]
    })
  })

  const sharedMarkers: MarkerFields = { Namespace: namespace, GatewayName: key }
  const rules = listeners.map((l) => ({ port: l.port.port, protocol: l.protocol, pool: l.pool }))
  const l4PolicySet = l4PolicySetObject(settings, vsName, tenant, rules, sharedMarkers, pools)

  const applicationProfile = "System-L4-Application"
  const vsObject = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(vsPlaced, vsName, markers(cluster, sharedMarkers)),
      application_profile_ref: ref.applicationProfile(applicationProfile),
      network_profile_ref: ref.networkProfile(networkProfile),
      services: listeners.map(({ port, protocol }) => {
        const override = mixed ? overrideProfile(protocol) : undefined
        return {
          port: port.port,
          port_range_end: port.port,
          enable_ssl: false,
          enable_http2: false,
          ...(override === undefined ? {} : { override_network_profile_ref: ref.networkProfile(override) })
        }
      }),
      l4_policies: [{ index: 0, l4_policy_set_ref: ref.l4PolicySet(vsName) }],
      remove_listening_port_on_vs_down: true,
      // No traffic_enabled: AKO's shared VIP node leaves it unset, so the body has none and the checksum no part.
      error_page_profile_ref: "",
      service_metadata: serviceMetadata({ hostnames: fqdns }),
      ...ruleVs?.fields
    },
    [{ type: "vsvip", name: vsName }, { type: "l4policyset", name: vsName }],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        `VSVIP${vsName}`,
        `L4Policy${vsName}`,
        ...pools.map((pool) => `Pool${pool.name}`),
        ...(ruleVs?.certificateRefs ?? []).map((certificate) => `SslKeyAndCertificate${certificate}`)
      ],
      applicationProfile,
      serviceEngineGroup: vsPlaced.serviceEngineGroupName,
      networkProfile: modelNetworkProfile,
      // AKO's listeners here carry no target port (Go's zero IntOrString, `0`) and are named `<PROTO>-<port>`.
      ports: listeners.map(({ port, protocol }) => ({
        port: port.port,
        targetPort: 0,
        protocol,
        enableSsl: false,
        name: `${protocol}-${port.port}`
      })),
      hostnames: fqdns,
      trafficEnabled: undefined,
      enableRhi: vsPlaced.enableRhi ?? false,
      markers: sharedMarkers,
      crd: ruleVs?.crd,
      generated: ruleVs?.generated
    })
  )
  const virtualService = l4Rule.annotated ? { ...vsObject, ownedFields: L4RULE_VS_FIELDS } : vsObject

  const problems: Array<Problem> = [...membership.problems, ...infra.problems, ...l4Rule.problems]
  if (settings.serviceType !== "NodePort") {
    for (const { service, port, index, pool } of listeners) {
      if (slicesServePort(snapshot, service, port)) continue
      problems.push({
        object: objectRef("Service", service),
        field: `spec.ports[${index}]`,
        reason: "PortNotFound",
        message: `no EndpointSlice of ${namespace}/${service.metadata?.name ?? ""} serves port ${
          port.name ?? port.port
        }; pool ${pool} has no servers`
      })
    }
  }

  // Members left out are owners too (with no status): their change recomputes the unit, their old problems go
  // with it, and a status they carry is cleared, as AKO clears every member's when it deletes the VS over them.
  const owners: Array<ObjectRef> = group.members.map((service) => objectRef("Service", service))
  // Every member shows the shared VIP; AKO writes each one's status from its pools' metadata (its own auto FQDN).
  const statuses: Array<StatusIntent> = members.map((service) => {
    const fqdn = autoServiceFqdn(settings, service)
    return {
      object: objectRef("Service", service),
      vsVip: vsName,
      virtualService: vsName,
      hosts: fqdn === undefined ? [] : [fqdn]
    }
  })
  const unit: DesiredUnit = {
    key: unitKey(tenant, vsName),
    kind: "L4Service",
    tenant,
    virtualService: vsName,
    owners,
    objects: [vsVip, ...pools, l4PolicySet, virtualService],
    statuses
  }
  return { unit, problems }
}
