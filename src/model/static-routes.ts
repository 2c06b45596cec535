/**
 * Static route sync (AKO `nodes/avi_vrf_translator.go`, `rest/avi_obj_vrf.go`, reference/ako-objects.md §11.5): in
 * ClusterIP mode the Service Engines reach pod IPs through one route per node pod CIDR, next hop the node's IP, in
 * the VRF. The VRF is shared with other clusters and with the administrator's own routes, so only the routes
 * labelled `clustername=<this cluster>` are ours; everything else is kept as it is.
 *
 * AKO names its routes `<cluster>-<uuid4>-<i>` with a uuid chosen per node and process; ako-ts keeps the uuid a
 * node's routes already have (so a switch from AKO rewrites nothing) and otherwise derives one from the node's name.
 */
import type { BlockAffinity, CiliumNode, HostSubnet, Node } from "./kube.js"
import { compareStrings } from "./kube.js"
import { sha1Hex } from "./sha1.js"

export const CALICO_IPV4_ANNOTATION = "projectcalico.org/IPv4Address"
export const CALICO_IPV6_ANNOTATION = "projectcalico.org/IPv6Address"
export const ANTREA_TRANSPORT_ANNOTATION = "node.antrea.io/transport-addresses"
export const POD_CIDRS_ANNOTATION = "ako.vmware.com/pod-cidrs"
export const OVN_NODE_SUBNETS_ANNOTATION = "k8s.ovn.org/node-subnets"

export interface StaticRouteSettings {
  readonly clusterName: string
  /** `cniPlugin`, lower case; undefined or "" for the node's own pod CIDRs. */
  readonly cniPlugin: string | undefined
  readonly ipFamily: "V4" | "V6" | "V4_V6"
}

export interface IpAddr {
  readonly addr: string
  readonly type: "V4" | "V6"
}

/** A VRF static route as the controller stores it (Go SDK `StaticRoute`). */
export interface StaticRoute {
  readonly route_id: string
  readonly prefix: { readonly ip_addr: IpAddr; readonly mask: number }
  readonly next_hop: IpAddr
  readonly labels?: ReadonlyArray<{ readonly key: string; readonly value?: string }>
}

/** A node AKO cannot route to, and why (AKO logs it and leaves the node out). */
export interface NodeRouteProblem {
  readonly node: string
  readonly message: string
}

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|[1-9]?\d)$/
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
const isV4 = (addr: string) => IPV4.test(addr)
const isV6 = (addr: string) => addr.includes(":") && /^[0-9a-fA-F:.]+$/.test(addr)

/** CNIs that keep pod CIDRs in their own resources (BlockAffinity, HostSubnet, CiliumNode) instead of the Node. */
export const CNI_POD_CIDR_RESOURCES: Readonly<Record<string, string>> = {
  calico: "crd.projectcalico.org/v1 blockaffinities",
  openshift: "network.openshift.io/v1 hostsubnets",
  cilium: "cilium.io/v2 ciliumnodes"
}

/** The CNI's own resources as the controller last listed them; `unavailable` when they could not be (no CRD). */
export type CniPodCidrSource =
  | { readonly cni: "unavailable"; readonly reason: string }
  | { readonly cni: "calico"; readonly blockAffinities: Iterable<BlockAffinity> }
  | { readonly cni: "openshift"; readonly hostSubnets: Iterable<HostSubnet> }
  | { readonly cni: "cilium"; readonly ciliumNodes: Iterable<CiliumNode> }

export type PodCidrs = { readonly cidrs: ReadonlyArray<string> } | { readonly error: string }

/** In the API server's list order (by name), which AKO's list follows. */
const byName = <A extends { readonly metadata?: { readonly name?: string | undefined } | undefined }>(
  items: Iterable<A>
): ReadonlyArray<A> => [...items].sort((a, b) => compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""))

/** Appends what is not there yet, as AKO's `utils.HasElem` check does. */
const addDistinct = (index: Map<string, Array<string>>, node: string, cidrs: ReadonlyArray<string>) => {
  const list = index.get(node) ?? []
  for (const cidr of cidrs) if (!list.includes(cidr)) list.push(cidr)
  index.set(node, list)
}

/**
 * `lib.GetPodCIDR` for calico, openshift and cilium, indexed once per pass: node name → its pod CIDRs, or why they
 * cannot be read. A node none of the resources names has no pod CIDRs (and so no routes), as in AKO. Calico's
 * `spec.state` and `spec.deleted` are not looked at: AKO routes every BlockAffinity of the node, and a route that
 * differed from AKO's would be rewritten at every switch between the two.
 */
export const cniPodCidrs = (source: CniPodCidrSource): (node: string) => PodCidrs => {
  const index = new Map<string, Array<string>>()
  const errors = new Map<string, string>()
  let everyNode: string | undefined
  switch (source.cni) {
    case "unavailable":
      everyNode = source.reason
      break
    case "calico":
      for (const affinity of byName(source.blockAffinities)) {
        const node = affinity.spec?.node
        if (node === undefined) continue
        const cidr = affinity.spec?.cidr ?? ""
        if (cidr === "") errors.set(node, `BlockAffinity ${affinity.metadata?.name ?? ""} of node ${node} has no cidr`)
        else addDistinct(index, node, [cidr])
      }
      break
    case "openshift":
      for (const subnet of byName(source.hostSubnets)) {
        // AKO gives up on the whole list when one HostSubnet has no host: no node's pod CIDRs are known then.
        if (subnet.host === undefined) {
          everyNode ??= `HostSubnet ${subnet.metadata?.name ?? ""} has no host`
          continue
        }
        if (subnet.subnet === undefined) {
          errors.set(subnet.host, `HostSubnet ${subnet.metadata?.name ?? ""} of node ${subnet.host} has no subnet`)
        } else addDistinct(index, subnet.host, [subnet.subnet])
      }
      break
    case "cilium":
      for (const ciliumNode of byName(source.ciliumNodes)) {
        const node = ciliumNode.metadata?.name ?? ""
        const podCIDRs = ciliumNode.spec?.ipam?.podCIDRs
        if (podCIDRs === undefined) errors.set(node, `CiliumNode ${node} has no spec.ipam.podCIDRs`)
        else addDistinct(index, node, podCIDRs)
      }
      break
  }
  return (node) => {
    if (everyNode !== undefined) return { error: `the pod CIDRs of node ${node} cannot be read: ${everyNode}` }
    const error = errors.get(node)
    return error === undefined ? { cidrs: index.get(node) ?? [] } : { error }
  }
}

/**
 * `lib.GetPodCIDR`: where a node's pod CIDRs come from depends on the CNI. For calico, openshift and cilium they
 * come from the CNI's resources (`fromCni`, see `cniPodCidrs`); without them every such node's CIDRs are unknown.
 */
export const podCidrsOf = (
  node: Node,
  settings: StaticRouteSettings,
  fromCni?: (node: string) => PodCidrs
): PodCidrs => {
  const name = node.metadata?.name ?? ""
  const annotations = node.metadata?.annotations ?? {}
  const cni = settings.cniPlugin ?? ""
  const resource = CNI_POD_CIDR_RESOURCES[cni]
  if (resource !== undefined) {
    return fromCni === undefined
      ? { error: `the pod CIDRs of node ${name} are in ${resource}, not read` }
      : fromCni(name)
  }
  if (cni === "ovn-kubernetes") {
    const text = annotations[OVN_NODE_SUBNETS_ANNOTATION]
    if (text === undefined) return { error: `${OVN_NODE_SUBNETS_ANNOTATION} annotation not found on node ${name}` }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (cause) {
      return { error: `${OVN_NODE_SUBNETS_ANNOTATION} on node ${name} is not JSON: ${String(cause)}` }
    }
    const value = typeof parsed === "object" && parsed !== null
      ? (parsed as Record<string, unknown>)["default"]
      : undefined
    const cidrs = typeof value === "string"
      ? [value]
      : Array.isArray(value)
      ? value.filter((v) => typeof v === "string")
      : []
    return cidrs.length > 0 && cidrs.every((cidr) => cidr !== "") ?
      { cidrs } :
      { error: `no pod CIDR in ${OVN_NODE_SUBNETS_ANNOTATION} on node ${name}` }
  }
  const annotated = annotations[POD_CIDRS_ANNOTATION]
  if (annotated !== undefined) {
    const cidrs = annotated.trim().split(",").map((cidr) => cidr.trim()).filter((cidr) => cidr !== "")
    const bad = cidrs.find((cidr) => !IPV4_CIDR.test(cidr))
    return bad === undefined ?
      { cidrs } :
      { error: `CIDR value ${bad} in annotation ${POD_CIDRS_ANNOTATION} of node ${name} is of incorrect format` }
  }
  const spec = node.spec
  if ((spec?.podCIDR ?? "") === "") return { error: `node ${name} has no spec.podCIDR` }
  return { cidrs: spec?.podCIDRs ?? [spec?.podCIDR ?? ""] }
}

/** `lib.GetIPFromNode`: the node's address per family, from the CNI's annotations first, else its InternalIPs. */
export const nodeAddresses = (node: Node, settings: StaticRouteSettings) => {
  const v4Enabled = settings.ipFamily !== "V6"
  const v6Enabled = settings.ipFamily !== "V4"
  const annotations = node.metadata?.annotations ?? {}
  let v4: string | undefined
  let v6: string | undefined
  if (settings.cniPlugin === "calico") {
    if (v4Enabled) v4 = annotations[CALICO_IPV4_ANNOTATION]?.split("/")[0]
    if (v6Enabled) v6 = annotations[CALICO_IPV6_ANNOTATION]?.split("/")[0]
  } else if (settings.cniPlugin === "antrea") {
    for (const addr of (annotations[ANTREA_TRANSPORT_ANNOTATION] ?? "").split(",")) {
      if (v4Enabled && isV4(addr)) v4 = addr
      else if (v6Enabled && isV6(addr)) v6 = addr
    }
  }
  for (const address of node.status?.addresses ?? []) {
    if (address.type !== "InternalIP" || address.address === undefined) continue
    if (v4Enabled && v4 === undefined && isV4(address.address)) v4 = address.address
    else if (v6Enabled && v6 === undefined && isV6(address.address)) v6 = address.address
  }
  return { v4: v4 === "" ? undefined : v4, v6: v6 === "" ? undefined : v6 }
}

/** Our routes: the first label is `clustername` with this cluster's name. */
export const isOwnRoute = (route: unknown, clusterName: string): boolean => {
  const labels = (route as { readonly labels?: unknown } | undefined)?.labels
  if (!Array.isArray(labels) || labels.length === 0) return false
  const first = labels[0] as { readonly key?: unknown; readonly value?: unknown } | undefined
  return first?.key === "clustername" && first.value === clusterName
}

/** `<uuid>` of `<cluster>-<uuid>-<i>`. */
const routeIdPrefix = (routeId: string, clusterName: string): string | undefined => {
  const start = `${clusterName}-`
  if (!routeId.startsWith(start)) return undefined
  const rest = routeId.slice(start.length)
  const dash = rest.lastIndexOf("-")
  return dash <= 0 ? undefined : rest.slice(0, dash)
}

/** A uuid4-shaped id from the node's name, so that every replica names a new node's routes the same. */
const derivedUuid = (clusterName: string, nodeName: string): string => {
  const hex = sha1Hex(`${clusterName}/${nodeName}`)
  const variant = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${
    hex.slice(20, 32)
  }`
}

/**
 * This cluster's routes for the nodes, nodes in name order and each node's CIDRs in its own order (AKO builds them
 * node by node at start). A node's existing routes keep their id prefix when their next hop is still the node's.
 * `cni` carries the CNI's resources where the CNI keeps the pod CIDRs there (`CNI_POD_CIDR_RESOURCES`).
 */
export const clusterRoutes = (
  nodes: Iterable<Node>,
  settings: StaticRouteSettings,
  existing: ReadonlyArray<unknown>,
  cni?: CniPodCidrSource
): { readonly routes: ReadonlyArray<StaticRoute>; readonly problems: ReadonlyArray<NodeRouteProblem> } => {
  const fromCni = cni === undefined ? undefined : cniPodCidrs(cni)
  const ownExisting = existing.filter((route) => isOwnRoute(route, settings.clusterName)) as ReadonlyArray<StaticRoute>
  const routes: Array<StaticRoute> = []
  const problems: Array<NodeRouteProblem> = []
  const sorted = [...nodes].sort((a, b) => compareStrings(a.metadata?.name ?? "", b.metadata?.name ?? ""))
  for (const node of sorted) {
    const name = node.metadata?.name ?? ""
    const { v4, v6 } = nodeAddresses(node, settings)
    if (v4 === undefined && v6 === undefined) {
      problems.push({ node: name, message: `no node IP for node ${name}` })
      continue
    }
    const mine = ownExisting.filter((route) =>
      (v4 !== undefined && route.next_hop?.addr === v4) || (v6 !== undefined && route.next_hop?.addr === v6)
    )
    const cidrs = podCidrsOf(node, settings, fromCni)
    if ("error" in cidrs) {
      problems.push({ node: name, message: cidrs.error })
      // Not knowing a node's pod CIDRs is no reason to cut its pods off: its routes stay until it goes (AKO drops
      // them; a CNI resource that is late or missing would take every pod network down).
      routes.push(...mine)
      continue
    }
    const kept = mine[0]
    const prefix = (kept === undefined ? undefined : routeIdPrefix(kept.route_id, settings.clusterName)) ??
      derivedUuid(settings.clusterName, name)
    cidrs.cidrs.forEach((cidr, index) => {
      const [addr = "", mask = "0"] = cidr.split("/")
      const family = v4 !== undefined && IPV4_CIDR.test(cidr)
        ? "V4"
        : v6 !== undefined && IPV6_CIDR.test(cidr)
        ? "V6"
        : undefined
      // AKO skips a CIDR of a family the node has no address in.
      if (family === undefined) return
      routes.push({
        route_id: `${settings.clusterName}-${prefix}-${index}`,
        prefix: { ip_addr: { addr, type: family }, mask: Number(mask) },
        next_hop: { addr: family === "V4" ? v4 ?? "" : v6 ?? "", type: family },
        labels: [{ key: "clustername", value: settings.clusterName }]
      })
    })
  }
  return { routes, problems }
}

/** What a route does; its id does not matter (AKO's ids are random per process). */
const routeKey = (route: unknown): string => {
  const r = route as StaticRoute
  return `${r.prefix?.ip_addr?.addr}/${r.prefix?.mask}|${r.next_hop?.addr}`
}

/**
 * The VRF's routes with ours replaced, or undefined when ours are already what they should be (then nothing is
 * written). Every route that is not ours stays, in its place; ours follow them, as AKO merges.
 */
export const mergedVrfRoutes = (
  existing: ReadonlyArray<unknown>,
  clusterName: string,
  own: ReadonlyArray<StaticRoute>
): ReadonlyArray<unknown> | undefined => {
  const current = existing.filter((route) => isOwnRoute(route, clusterName)).map(routeKey).sort(compareStrings)
  const wanted = own.map(routeKey).sort(compareStrings)
  if (current.length === wanted.length && current.every((key, i) => key === wanted[i])) return undefined
  return [...existing.filter((route) => !isOwnRoute(route, clusterName)), ...own]
}
