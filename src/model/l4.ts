/**
 * Service type LoadBalancer → VsVip, one Pool per port, L4PolicySet, VirtualService (reference/ako-objects.md §2,
 * AKO `nodes/avi_model_l4_translator.go`, `rest/avi_obj_vs.go`).
 */
import { desiredObject, markers, ref, serviceMetadata } from "./avi-fields.js"
import type { MarkerFields } from "./checksum.js"
import { l4PolicySetChecksum, poolChecksum, virtualServiceChecksum } from "./checksum.js"
import { isIpAddress, owned, parentVsFields, preferredSubDomain, vrfOf, vsVipObject } from "./common.js"
import type { DesiredAviObject, DesiredUnit, Problem } from "./desired.js"
import { infraSettingForService, settingsUnder } from "./infra-setting.js"
import type { ClusterSnapshot, Service, ServicePort } from "./kube.js"
import { objectRef } from "./kube.js"
import type { ServiceL4Rule } from "./l4rule.js"
import { L4RULE_ANNOTATION, L4RULE_POOL_FIELDS, L4RULE_VS_FIELDS, l4RuleForService, l4RulePool } from "./l4rule.js"
import { l4PoolName, l4VsName, unitKey } from "./names.js"
import { poolPlacementFields } from "./node-networks.js"
import { checksumServers, poolPort, poolServers, slicesServePort } from "./servers.js"
import type { ModelSettings } from "./settings.js"
import { settingsInNamespace } from "./tenants.js"

export const LOAD_BALANCER_IP_ANNOTATION = "ako.vmware.com/load-balancer-ip"
export const EXTERNAL_DNS_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
export const APPLICATION_PROFILE_ANNOTATION = "ako.vmware.com/application-profile"
export const DISABLE_TRAFFIC_ANNOTATION = "ako.vmware.com/disable-traffic"
export const SHARED_VIP_ANNOTATION = "ako.vmware.com/enable-shared-vip"

export type Protocol = "TCP" | "UDP" | "SCTP"

export const protocolOf = (port: ServicePort): Protocol =>
  port.protocol === "UDP" ? "UDP" : port.protocol === "SCTP" ? "SCTP" : "TCP"

const NETWORK_PROFILE = {
  tcpProxy: "System-TCP-Proxy",
  tcpFastPath: "System-TCP-Fast-Path",
  udpFastPath: "System-UDP-Fast-Path",
  sctpProxy: "System-SCTP-Proxy"
} as const

export const HEALTH_MONITOR: Record<Protocol, string> = { TCP: "System-TCP", UDP: "System-UDP", SCTP: "System-SCTP" }

/**
 * What AKO's model holds for mixed protocols: the name enters the VS checksum, while the body gets
 * `networkProfileFor`'s choice plus per-port overrides.
 */
export const MIXED_NETWORK_PROFILE = "Mixed-Network-Profile-Internal"

/**
 * AKO `getNetworkProfile` / `AviVsBuild`: one protocol picks its profile; mixed ports use the TCP one (UDP Fast Path
 * when no port is TCP) plus per-port overrides for UDP and SCTP.
 */
export const networkProfileFor = (protocols: ReadonlySet<Protocol>, settings: ModelSettings): string => {
  const tcp = settings.enterpriseLicense ? NETWORK_PROFILE.tcpProxy : NETWORK_PROFILE.tcpFastPath
  if (protocols.size === 1 && protocols.has("UDP")) return NETWORK_PROFILE.udpFastPath
  if (protocols.size === 1 && protocols.has("SCTP")) return NETWORK_PROFILE.sctpProxy
  return protocols.size > 1 && !protocols.has("TCP") ? NETWORK_PROFILE.udpFastPath : tcp
}

export const overrideProfile = (protocol: Protocol): string | undefined =>
  protocol === "UDP" ? NETWORK_PROFILE.udpFastPath : protocol === "SCTP" ? NETWORK_PROFILE.sctpProxy : undefined

const RFC1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const DNS_LABEL_LENGTH = 63

const isRfc1035Label = (label: string): boolean => label.length <= DNS_LABEL_LENGTH && RFC1035_LABEL.test(label)

/** AKO `CorrectLabelToSatisfyRFC1035`: a label that breaks RFC 1035 gets a letter in front when that mends it. */
const correctedLabel = (label: string, prefix: string): string =>
  isRfc1035Label(label) || !isRfc1035Label(prefix + label) ? label : prefix + label

/**
 * AKO `CheckAndShortenLabelToFollowRFC1035`, for the flat format where `<svc>-<ns>` is one label: the name is cut to
 * fit 63 characters, and the namespace too when it alone leaves no room (never ending in a hyphen).
 */
const shortenedFlatLabels = (name: string, namespace: string): readonly [string, string] => {
  if (name.length + namespace.length + 1 <= DNS_LABEL_LENGTH) return [name, namespace]
  let ns = namespace
  let room = DNS_LABEL_LENGTH - ns.length - 1
  if (room <= 0) {
    const nsRoom = DNS_LABEL_LENGTH - name.length - 1
    ns = ns.slice(0, nsRoom <= 0 ? 48 : nsRoom).replace(/-+$/, "")
    room = DNS_LABEL_LENGTH - ns.length - 1
  }
  return [name.length > room ? name.slice(0, room) : name, ns]
}

/**
 * FQDNs as AKO's `ConstructAviL4VsNode`: only while autoFQDN is on, the external-dns annotation wins (taken as one
 * FQDN, as AKO does not split it), else the auto FQDN `<svc>.<ns>.<domain>` / `<svc>-<ns>.<domain>` with AKO's
 * RFC 1035 label fixes (`getAutoFQDNForService`).
 */
export const serviceFqdns = (settings: ModelSettings, service: Service): ReadonlyArray<string> => {
  if (settings.autoFQDN === "disabled") return []
  const annotated = service.metadata?.annotations?.[EXTERNAL_DNS_ANNOTATION]
  if (annotated !== undefined) return [annotated]
  const fqdn = autoServiceFqdn(settings, service)
  return fqdn === undefined ? [] : [fqdn]
}

/**
 * AKO `getAutoFQDNForService`: `<svc>.<ns>.<domain>` / `<svc>-<ns>.<domain>` with the RFC 1035 label fixes;
 * undefined while autoFQDN is off or the cloud has no DNS sub-domain.
 */
export const autoServiceFqdn = (settings: ModelSettings, service: Service): string | undefined => {
  if (settings.autoFQDN === "disabled") return undefined
  const domain = preferredSubDomain(settings)
  if (domain === undefined) return undefined
  const name = correctedLabel(service.metadata?.name ?? "", "s")
  const namespace = correctedLabel(service.metadata?.namespace ?? "", "n")
  if (settings.autoFQDN === "flat") {
    const [shortName, shortNamespace] = shortenedFlatLabels(name, namespace)
    return `${shortName}-${shortNamespace}.${domain}`
  }
  return `${name}.${namespace}.${domain}`
}

export interface UnitResult {
  readonly unit: DesiredUnit | undefined
  readonly problems: ReadonlyArray<Problem>
}

/**
 * The unit of one LoadBalancer Service (the caller has checked that ako-ts handles it, and that it shares no VIP:
 * `sharedVipKey`).
 */
/**
 * The pool of one Service port: its servers, the protocol's health monitor unless an L4Rule names others, and the
 * L4Rule's backend fields; a Service that names an L4Rule owns those fields (`ownedFields`).
 */
export const l4PoolObject = (
  snapshot: ClusterSnapshot,
  placed: ModelSettings,
  l4Rule: ServiceL4Rule,
  pool: {
    readonly poolName: string
    readonly poolMarkers: MarkerFields
    readonly service: Service
    readonly port: ServicePort
    readonly protocol: Protocol
    /** Pool metadata a shared VIP's pools carry (`namespace_svc_name`, `hostnames`); none for a Service's own VS. */
    readonly namespaceServiceNames?: ReadonlyArray<string>
    readonly hostnames?: ReadonlyArray<string>
  }
): DesiredAviObject => {
  const { hostnames = [], namespaceServiceNames = [], poolMarkers, poolName, port, protocol, service } = pool
  const servers = poolServers(snapshot, placed, service, port, false)
  const rulePool = l4RulePool(l4Rule.rule, port.port, protocol)
  const monitors = rulePool === undefined || rulePool.healthMonitorRefs.length === 0 ?
    [ref.healthMonitor(HEALTH_MONITOR[protocol])] :
    rulePool.healthMonitorRefs
  const object = desiredObject(
    "pool",
    poolName,
    placed.tenantName,
    {
      ...owned(placed, poolName, markers(placed.clusterName, poolMarkers)),
      cloud_ref: ref.cloud(placed.cloudName),
      ...(placed.t1lr === undefined ? { vrf_ref: ref.vrf(vrfOf(placed)) } : { tier1_lr: placed.t1lr }),
      ...poolPlacementFields(placed),
      service_metadata: serviceMetadata({ namespaceSvcName: namespaceServiceNames, hostnames }),
      sni_enabled: false,
      graceful_disable_timeout: 1,
      servers,
      health_monitor_refs: monitors,
      ...rulePool?.fields
    },
    [],
    poolChecksum({
      clusterName: placed.clusterName,
      protocol,
      port: poolPort(servers, port),
      portName: port.name ?? "",
      servers: checksumServers(servers),
      sniEnabled: false,
      priorityLabel: "",
      namespaceServiceNames,
      hostnames,
      markers: poolMarkers,
      t1lr: placed.t1lr,
      networkPlacement: placed.nodeNetworkPlacement,
      crd: rulePool?.crd,
      generated: rulePool?.generated
    })
  )
  return l4Rule.annotated ? { ...object, ownedFields: L4RULE_POOL_FIELDS } : object
}

/**
 * The L4PolicySet of an L4 VS: one rule per listener, named by its pool's ref, selecting that pool on the listener's
 * port and protocol (AKO `rest/avi_obj_l4ps.go`).
 */
export const l4PolicySetObject = (
  settings: ModelSettings,
  vsName: string,
  tenant: string,
  rules: ReadonlyArray<{ readonly port: number; readonly protocol: string; readonly pool: string }>,
  policyMarkers: MarkerFields,
  pools: ReadonlyArray<DesiredAviObject>
): DesiredAviObject =>
  desiredObject(
    "l4policyset",
    vsName,
    tenant,
    {
      ...owned(settings, vsName, markers(settings.clusterName, policyMarkers)),
      l4_connection_policy: {
        rules: rules.map((rule, index) => {
          const poolRef = ref.pool(rule.pool)
          return {
            name: poolRef,
            index,
            action: { select_pool: { action_type: "L4_RULE_ACTION_SELECT_POOL", pool_ref: poolRef } },
            match: {
              port: { match_criteria: "IS_IN", ports: [rule.port] },
              protocol: { match_criteria: "IS_IN", protocol: `PROTOCOL_${rule.protocol}` }
            }
          }
        })
      }
    },
    pools.map((pool) => ({ type: "pool", name: pool.name })),
    l4PolicySetChecksum(settings.clusterName, rules, policyMarkers)
  )

export const translateService = (
  snapshot: ClusterSnapshot,
  global: ModelSettings,
  service: Service
): UnitResult => {
  const namespace = service.metadata?.namespace ?? ""
  const settings = settingsInNamespace(snapshot, global, namespace)
  const name = service.metadata?.name ?? ""
  const owner = objectRef("Service", service)
  const annotations = service.metadata?.annotations ?? {}
  const cluster = settings.clusterName
  const tenant = settings.tenantName
  const vsName = l4VsName(cluster, namespace, name)
  const ports = service.spec?.ports ?? []

  const protocols = new Set(ports.map(protocolOf))
  const networkProfile = networkProfileFor(protocols, settings)
  const mixed = protocols.size > 1
  const l4Rule = l4RuleForService(snapshot, service, mixed ? MIXED_NETWORK_PROFILE : networkProfile)
  const ruleVs = l4Rule.virtualService
  const staticIp = [
    service.spec?.loadBalancerIP,
    annotations[LOAD_BALANCER_IP_ANNOTATION],
    ruleVs?.generated.loadBalancerIP
  ]
    .find((ip) => ip !== undefined && ip !== "")
  if (staticIp !== undefined && !isIpAddress(staticIp)) {
    return {
      unit: undefined,
      problems: [{
        object: owner,
        field: service.spec?.loadBalancerIP === staticIp ?
          "spec.loadBalancerIP" :
          annotations[LOAD_BALANCER_IP_ANNOTATION] === staticIp ?
          `metadata.annotations[${LOAD_BALANCER_IP_ANNOTATION}]` :
          `metadata.annotations[${L4RULE_ANNOTATION}]`,
        reason: "InvalidStaticIP",
        message: `${staticIp} is not an IP address; the virtual service ${vsName} is not created`
      }]
    }
  }

  const fqdns = serviceFqdns(settings, service)
  const infra = infraSettingForService(snapshot, service)
  const placed = settingsUnder(settings, infra.bound)
  const vsVip = vsVipObject(placed, vsName, fqdns, staticIp)

  const pools: Array<DesiredAviObject> = ports.map((port) => {
    const protocol = protocolOf(port)
    const poolName = l4PoolName(cluster, namespace, name, protocol, port.port)
    const poolMarkers: MarkerFields = { Namespace: namespace, ServiceName: name, Port: String(port.port) }
    return l4PoolObject(snapshot, placed, l4Rule, { poolName, poolMarkers, service, port, protocol })
  })

  const rules = ports.map((port) => ({
    port: port.port,
    protocol: protocolOf(port),
    pool: l4PoolName(cluster, namespace, name, protocolOf(port), port.port)
  }))
  const policyMarkers: MarkerFields = {
    Namespace: namespace,
    ServiceName: name,
    Protocol: [...protocols].sort().join(",")
  }
  // A listener with SSL: AKO's VS serves its (single) pool directly, without an L4 policy set.
  const sslEnabled = ruleVs?.sslEnabled === true
  const l4PolicySet = sslEnabled ? undefined : l4PolicySetObject(settings, vsName, tenant, rules, policyMarkers, pools)

  const applicationProfile = annotations[APPLICATION_PROFILE_ANNOTATION] ?? "System-L4-Application"
  const trafficEnabled = annotations[DISABLE_TRAFFIC_ANNOTATION]?.toLowerCase() !== "true"
  const vsMarkers: MarkerFields = { Namespace: namespace, ServiceName: name }
  const vsObject = desiredObject(
    "virtualservice",
    vsName,
    tenant,
    {
      ...parentVsFields(placed, vsName, markers(cluster, vsMarkers)),
      application_profile_ref: ref.applicationProfile(applicationProfile),
      network_profile_ref: ref.networkProfile(networkProfile),
      services: ports.map((port) => {
        const override = mixed ? overrideProfile(protocolOf(port)) : undefined
        return {
          port: port.port,
          port_range_end: port.port,
          enable_ssl: false,
          enable_http2: false,
          ...(override === undefined ? {} : { override_network_profile_ref: ref.networkProfile(override) })
        }
      }),
      ...(l4PolicySet === undefined ? {} : {
        l4_policies: [{ index: 0, l4_policy_set_ref: ref.l4PolicySet(vsName) }],
        remove_listening_port_on_vs_down: true
      }),
      ...(sslEnabled && pools.length > 0 ? { pool_ref: `/api/pool/?name=${pools[pools.length - 1]!.name}` } : {}),
      traffic_enabled: trafficEnabled,
      error_page_profile_ref: "",
      service_metadata: serviceMetadata({ namespaceSvcName: [`${namespace}/${name}`], hostnames: fqdns }),
      ...ruleVs?.fields
    },
    l4PolicySet === undefined ?
      [{ type: "vsvip", name: vsName }, ...pools.map((pool) => ({ type: "pool" as const, name: pool.name }))] :
      [{ type: "vsvip", name: vsName }, { type: "l4policyset", name: vsName }],
    virtualServiceChecksum({
      clusterName: cluster,
      refs: [
        `VSVIP${vsName}`,
        ...(l4PolicySet === undefined ? [] : [`L4Policy${vsName}`]),
        ...pools.map((pool) => `Pool${pool.name}`),
        ...(ruleVs?.certificateRefs ?? []).map((certificate) => `SslKeyAndCertificate${certificate}`)
      ],
      applicationProfile,
      serviceEngineGroup: placed.serviceEngineGroupName,
      networkProfile: mixed ? MIXED_NETWORK_PROFILE : networkProfile,
      ports: ports.map((port) => ({
        port: port.port,
        targetPort: port.targetPort ?? port.port,
        protocol: protocolOf(port),
        enableSsl: false,
        name: port.name ?? ""
      })),
      hostnames: fqdns,
      trafficEnabled,
      enableRhi: placed.enableRhi ?? false,
      markers: vsMarkers,
      crd: ruleVs?.crd,
      generated: ruleVs?.generated
    })
  )
  const virtualService = l4Rule.annotated ? { ...vsObject, ownedFields: L4RULE_VS_FIELDS } : vsObject

  const problems: Array<Problem> = [...infra.problems, ...l4Rule.problems]
  if (settings.serviceType !== "NodePort") {
    problems.push(...ports.flatMap((port, index) =>
      slicesServePort(snapshot, service, port) ? [] : [{
        object: owner,
        field: `spec.ports[${index}]`,
        reason: "PortNotFound" as const,
        message: `no EndpointSlice of ${namespace}/${name} serves port ${port.name ?? port.port}; pool ${
          l4PoolName(cluster, namespace, name, protocolOf(port), port.port)
        } has no servers`
      }]
    ))
  }

  return {
    unit: {
      key: unitKey(tenant, vsName),
      kind: "L4Service",
      tenant,
      virtualService: vsName,
      owners: [owner],
      objects: l4PolicySet === undefined
        ? [vsVip, ...pools, virtualService]
        : [vsVip, ...pools, l4PolicySet, virtualService],
      statuses: [{ object: owner, vsVip: vsName, virtualService: vsName, hosts: fqdns }]
    },
    problems
  }
}
