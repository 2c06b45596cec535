/**
 * Pool servers as AKO computes them (reference/ako-objects.md §7, AKO `PopulateServers*`): from EndpointSlices in
 * ClusterIP mode, from node InternalIPs and the node port in NodePort mode.
 */
import type { ChecksumServer } from "./checksum.js"
import type { ClusterSnapshot, EndpointSlice, Service, ServicePort } from "./kube.js"
import { compareStrings, slicesOfService } from "./kube.js"
import type { ModelSettings } from "./settings.js"
import { nodeAddresses } from "./static-routes.js"

export interface PoolServer {
  readonly ip: { readonly addr: string; readonly type: "V4" | "V6" }
  readonly port: number
  readonly external_uuid?: string
  readonly enabled: boolean
  readonly server_node?: string
}

/**
 * The backend port of a pool as AKO's model holds it: the port its servers use (EndpointSlice port, or node port),
 * else the Service port (a Service with no endpoints yet).
 */
export const poolPort = (servers: ReadonlyArray<PoolServer>, servicePort: ServicePort): number =>
  servers[0]?.port ?? servicePort.port

/** Servers as AKO's checksum sees them (`AviPoolMetaServer`: the port lives on the pool, so it is 0 here). */
export const checksumServers = (servers: ReadonlyArray<PoolServer>): ReadonlyArray<ChecksumServer> =>
  servers.map((s) => ({
    addr: s.ip.addr,
    type: s.ip.type,
    serverNode: s.server_node ?? "",
    port: 0,
    enabled: s.enabled
  }))

export const SKIP_NODEPORT_ANNOTATION = "skipnodeport.ako.vmware.com/enabled"

/** Clouds where AKO honours `ipFamily` (`IsV6EnabledCloud`); an unknown cloud is taken as the no-access one. */
const V6_ENABLED_CLOUDS: ReadonlySet<string> = new Set(["CLOUD_VCENTER", "CLOUD_NONE", "CLOUD_NSXT"])

/**
 * The IP families AKO programs (`lib.GetIPFamily`): the configured one on vCenter, NSX-T and no-access clouds, where
 * unset means dual stack; V4 everywhere else, whatever was configured.
 */
export const ipFamilyOf = (settings: ModelSettings): "V4" | "V6" | "V4_V6" =>
  settings.cloudType === undefined || V6_ENABLED_CLOUDS.has(settings.cloudType) ? settings.ipFamily ?? "V4_V6" : "V4"

/** Which address families a pool may take for this Service: the configured ones its `ipFamilies` also has. */
const acceptedFamilies = (settings: ModelSettings, service: Service) => {
  const configured = ipFamilyOf(settings)
  const families = service.spec?.ipFamilies ?? []
  // AKO: two families mean both; otherwise the first decides, and no families means IPv4.
  const serviceV6 = families.length === 2 || families[0] === "IPv6"
  const serviceV4 = families.length === 2 || families[0] !== "IPv6"
  return {
    v4: serviceV4 && configured !== "V6",
    v6: serviceV6 && configured !== "V4"
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const isV4 = (addr: string) => IPV4.test(addr)
const isV6 = (addr: string) => addr.includes(":") && /^[0-9a-fA-F:.]+$/.test(addr)

/** The address type a pool server of an accepted family gets, or undefined when the address is not taken. */
const serverAddressType = (
  accepted: { readonly v4: boolean; readonly v6: boolean },
  addr: string
): "V4" | "V6" | undefined => accepted.v4 && isV4(addr) ? "V4" : accepted.v6 && isV6(addr) ? "V6" : undefined

/**
 * AKO's port match: a slice port matches by the Service port's name or by the numeric targetPort; one slice with
 * one port matches regardless (named targetPorts resolve through the slice).
 */
const matchingSlicePort = (
  slice: EndpointSlice,
  servicePort: ServicePort,
  onlySliceWithOnePort: boolean
): number | undefined => {
  const ports = slice.ports ?? []
  if (onlySliceWithOnePort) return ports[0]?.port
  const targetPort = typeof servicePort.targetPort === "number" ? servicePort.targetPort : undefined
  const match = ports.find((p) =>
    (p.name !== undefined && p.name !== "" && p.name === servicePort.name) ||
    (targetPort !== undefined && p.port === targetPort) ||
    (servicePort.name === undefined && servicePort.targetPort === undefined && p.port === servicePort.port)
  )
  return match?.port
}

/**
 * False when the Service has EndpointSlices that list ports but none of them is this Service port: the pool stays
 * empty however many pods are ready, which is a misconfiguration the user should hear about (a port name typo).
 */
export const slicesServePort = (snapshot: ClusterSnapshot, service: Service, servicePort: ServicePort): boolean => {
  const namespace = service.metadata?.namespace ?? ""
  const name = service.metadata?.name ?? ""
  const slices = slicesOfService(snapshot, namespace, name).filter((slice) => (slice.ports?.length ?? 0) > 0)
  if (slices.length === 0) return true
  const single = slices.length === 1 && (slices[0]?.ports?.length ?? 0) === 1 &&
    (service.spec?.ports?.length ?? 0) === 1
  return slices.some((slice) => matchingSlicePort(slice, servicePort, single) !== undefined)
}

/** Servers from the Service's EndpointSlices; not-ready and terminating endpoints stay in the pool disabled. */
export const endpointServers = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  service: Service,
  servicePort: ServicePort
): ReadonlyArray<PoolServer> => {
  const namespace = service.metadata?.namespace ?? ""
  const name = service.metadata?.name ?? ""
  const accepted = acceptedFamilies(settings, service)
  // All of the Service's slices, as AKO reads them: a dual-stack Service has one per address type.
  const slices = slicesOfService(snapshot, namespace, name)
  // Only for a single-port Service: otherwise every pool of the Service would get the one port.
  const single = slices.length === 1 && (slices[0]?.ports?.length ?? 0) === 1 &&
    (service.spec?.ports?.length ?? 0) === 1
  const servers = new Map<string, PoolServer>()
  for (const slice of slices) {
    const port = matchingSlicePort(slice, servicePort, single)
    if (port === undefined) continue
    for (const endpoint of slice.endpoints ?? []) {
      const addr = endpoint.addresses?.[0]
      if (addr === undefined || addr === "") continue
      const type = serverAddressType(accepted, addr)
      if (type === undefined) continue
      const key = `${addr}:${port}`
      if (servers.has(key)) continue
      const ready = endpoint.conditions?.ready === true && endpoint.conditions.terminating !== true
      servers.set(key, {
        ip: { addr, type },
        port,
        external_uuid: key,
        enabled: ready,
        ...(endpoint.nodeName !== undefined && endpoint.nodeName !== "" ? { server_node: endpoint.nodeName } : {})
      })
    }
  }
  return sortServers([...servers.values()])
}

/** Nodes whose pods back the Service with a ready endpoint (for `externalTrafficPolicy: Local`). */
const nodesWithReadyEndpoints = (snapshot: ClusterSnapshot, service: Service): ReadonlySet<string> => {
  const nodes = new Set<string>()
  for (const slice of slicesOfService(snapshot, service.metadata?.namespace ?? "", service.metadata?.name ?? "")) {
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === true && endpoint.nodeName !== undefined) nodes.add(endpoint.nodeName)
    }
  }
  return nodes
}

/** Servers from node InternalIPs (filtered by nodeKey/nodeValue) on the Service port's nodePort. */
export const nodePortServers = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  service: Service,
  servicePort: ServicePort
): ReadonlyArray<PoolServer> => {
  const nodePort = servicePort.nodePort
  if (nodePort === undefined || nodePort === 0) return []
  const local = service.spec?.externalTrafficPolicy === "Local" ?
    nodesWithReadyEndpoints(snapshot, service) :
    undefined
  const accepted = acceptedFamilies(settings, service)
  const servers: Array<PoolServer> = []
  const nodes = [...snapshot.nodes.values()].sort((a, b) =>
    compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? "")
  )
  for (const node of nodes) {
    const nodeName = node.metadata?.name ?? ""
    if (settings.nodeKey !== undefined && node.metadata?.labels?.[settings.nodeKey] !== (settings.nodeValue ?? "")) {
      continue
    }
    if (local !== undefined && !local.has(nodeName)) continue
    // AKO's node address per family (Calico's and Antrea's annotations first, else the first InternalIP), IPv4 first.
    const addresses = nodeAddresses(node, {
      clusterName: settings.clusterName,
      cniPlugin: settings.cniPlugin,
      ipFamily: ipFamilyOf(settings)
    })
    const v4 = accepted.v4 ? addresses.v4 : undefined
    const v6 = accepted.v6 ? addresses.v6 : undefined
    const ip = v4 !== undefined
      ? { addr: v4, type: "V4" as const }
      : v6 !== undefined
      ? { addr: v6, type: "V6" as const }
      : undefined
    if (ip === undefined) continue
    servers.push({ ip, port: nodePort, enabled: true })
  }
  return sortServers(servers)
}

/**
 * The servers of a pool for `servicePort` of `service` in the configured mode. Ingress/Route backends of type
 * LoadBalancer get no servers in ClusterIP mode (AKO only looks them up in its ClusterIP store).
 */
export const poolServers = (
  snapshot: ClusterSnapshot,
  settings: ModelSettings,
  service: Service,
  servicePort: ServicePort,
  forL7: boolean
): ReadonlyArray<PoolServer> => {
  // AKO checks only that the annotation is there, whatever its value.
  const skipNodePort = service.metadata?.annotations?.[SKIP_NODEPORT_ANNOTATION] !== undefined
  if (settings.serviceType === "NodePort" && !skipNodePort) {
    return nodePortServers(snapshot, settings, service, servicePort)
  }
  if (forL7 && service.spec?.type === "LoadBalancer") return []
  return endpointServers(snapshot, settings, service, servicePort)
}

const sortServers = (servers: Array<PoolServer>): ReadonlyArray<PoolServer> =>
  servers.sort((a, b) => compareStrings(a.ip.addr, b.ip.addr) || a.port - b.port)
