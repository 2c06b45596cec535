/**
 * Controller-side behaviour per type: VIP allocation for VsVip, parent/child bookkeeping for virtual services,
 * certificate parsing, server defaults for pools. Error texts are the ones clients match on (avi-api.md §2.4).
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from "node:crypto"
import { apiError } from "./errors.js"
import type { Body, StoredObject, StoreView, TypeHooks, WriteContext } from "./types.js"

export const isRecord = (value: unknown): value is Body =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const records = (value: unknown): Array<Body> => Array.isArray(value) ? value.filter(isRecord) : []

const str = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

// ---------------------------------------------------------------- IPv4 arithmetic

export const ipToInt = (addr: string): number | undefined => {
  const parts = addr.split(".")
  if (parts.length !== 4) return undefined
  let out = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    out = out * 256 + n
  }
  return out
}

export const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".")

interface Range {
  readonly begin: number
  readonly end: number
}

const subnetsOf = (network: StoredObject): Array<{ base: number; mask: number; ranges: Array<Range> }> =>
  records(network.body.configured_subnets).flatMap((subnet) => {
    const prefix = isRecord(subnet.prefix) ? subnet.prefix : {}
    const ipAddr = isRecord(prefix.ip_addr) ? prefix.ip_addr : {}
    const base = ipToInt(str(ipAddr.addr) ?? "")
    const mask = typeof prefix.mask === "number" ? prefix.mask : 32
    if (base === undefined) return []
    // Controllers since 20.1 keep VIP ranges in `static_ip_ranges` (typed); `static_ranges` is the older field.
    const vipRanges = records(subnet.static_ip_ranges)
      .filter((r) => r.type === undefined || r.type === "STATIC_IPS_FOR_VIP_AND_SE" || r.type === "STATIC_IPS_FOR_VIP")
      .flatMap((r) => isRecord(r.range) ? [r.range] : [])
    const ranges = [...records(subnet.static_ranges), ...vipRanges].flatMap((range): Array<Range> => {
      const begin = ipToInt(str(isRecord(range.begin) ? range.begin.addr : undefined) ?? "")
      const end = ipToInt(str(isRecord(range.end) ? range.end.addr : undefined) ?? "")
      return begin !== undefined && end !== undefined && begin <= end ? [{ begin, end }] : []
    })
    return [{ base, mask, ranges }]
  })

const inSubnet = (ip: number, base: number, mask: number): boolean => {
  if (mask === 0) return true
  const shift = 32 - mask
  return Math.floor(ip / 2 ** shift) === Math.floor(base / 2 ** shift)
}

// ---------------------------------------------------------------- IPv6 arithmetic

/** An IPv6 address as a 128-bit integer, or undefined when the text is not one. */
export const ip6ToBigInt = (addr: string): bigint | undefined => {
  if (!/^[0-9a-fA-F:]+$/.test(addr) || !addr.includes(":")) return undefined
  const halves = addr.split("::")
  if (halves.length > 2) return undefined
  const groups = (text: string) => text === "" ? [] : text.split(":")
  const head = groups(halves[0] ?? "")
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail]
  let out = 0n
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    out = (out << 16n) + BigInt(parseInt(group, 16))
  }
  return out
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups as `::`. */
export const bigIntToIp6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(":")
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`
}

interface Range6 {
  readonly begin: bigint
  readonly end: bigint
}

const subnets6Of = (network: StoredObject): Array<{ base: bigint; mask: number; ranges: Array<Range6> }> =>
  records(network.body.configured_subnets).flatMap((subnet) => {
    const prefix = isRecord(subnet.prefix) ? subnet.prefix : {}
    const ipAddr = isRecord(prefix.ip_addr) ? prefix.ip_addr : {}
    const base = ip6ToBigInt(str(ipAddr.addr) ?? "")
    const mask = typeof prefix.mask === "number" ? prefix.mask : 128
    if (base === undefined) return []
    const vipRanges = records(subnet.static_ip_ranges)
      .filter((r) => r.type === undefined || r.type === "STATIC_IPS_FOR_VIP_AND_SE" || r.type === "STATIC_IPS_FOR_VIP")
      .flatMap((r) => isRecord(r.range) ? [r.range] : [])
    const ranges = [...records(subnet.static_ranges), ...vipRanges].flatMap((range): Array<Range6> => {
      const begin = ip6ToBigInt(str(isRecord(range.begin) ? range.begin.addr : undefined) ?? "")
      const end = ip6ToBigInt(str(isRecord(range.end) ? range.end.addr : undefined) ?? "")
      return begin !== undefined && end !== undefined && begin <= end ? [{ begin, end }] : []
    })
    return [{ base, mask, ranges }]
  })

const inSubnet6 = (ip: bigint, base: bigint, mask: number): boolean => {
  const shift = BigInt(128 - mask)
  return ip >> shift === base >> shift
}

const requestedSubnet6 = (subnet: unknown): { base: bigint; mask: number } | undefined => {
  if (!isRecord(subnet) || !isRecord(subnet.ip_addr)) return undefined
  const base = ip6ToBigInt(str(subnet.ip_addr.addr) ?? "")
  return base === undefined ? undefined : { base, mask: typeof subnet.mask === "number" ? subnet.mask : 128 }
}

/** The lowest free IPv6 address of the network's VIP ranges (within the requested subnet), after the last one given. */
const allocate6 = (
  network: StoredObject,
  within: { base: bigint; mask: number } | undefined,
  taken: (addr: string) => boolean,
  store: StoreView
): string | undefined => {
  const ranges = subnets6Of(network)
    .filter((s) => within === undefined || (s.mask >= within.mask && inSubnet6(s.base, within.base, within.mask)))
    .flatMap((s) => s.ranges)
  const size = ranges.reduce((n, r) => n + r.end - r.begin + 1n, 0n)
  if (size === 0n) return undefined
  const hintKey = `${network.uuid}#v6`
  const hint = BigInt(store.allocationHint(hintKey) ?? 0)
  // Every taken address costs one step at most, so the search ends long before a /64 would be walked.
  const steps = size < 1_000_000n ? size : 1_000_000n
  for (let step = 0n; step < steps; step++) {
    let offset = (hint + step) % size
    for (const range of ranges) {
      const width = range.end - range.begin + 1n
      if (offset < width) {
        const addr = bigIntToIp6(range.begin + offset)
        if (!taken(addr)) {
          store.setAllocationHint(hintKey, Number((hint + step + 1n) % size))
          return addr
        }
        break
      }
      offset -= width
    }
  }
  return undefined
}

// ---------------------------------------------------------------- VsVip

const ipamNetworkOf = (body: Body, store: StoreView): StoredObject | undefined => {
  const cloud = store.getRef(body.cloud_ref)
  const ipam = cloud ? store.getRef(cloud.body.ipam_provider_ref) : undefined
  const internal = ipam && isRecord(ipam.body.internal_profile) ? ipam.body.internal_profile : undefined
  const first = records(internal?.usable_networks)[0]
  return store.getRef(first?.nw_ref)
}

/** The `{ip_addr: {addr}, mask}` a VIP asks to be allocated from, if any. */
const requestedSubnet = (subnet: unknown): { base: number; mask: number } | undefined => {
  if (!isRecord(subnet) || !isRecord(subnet.ip_addr)) return undefined
  const base = ipToInt(str(subnet.ip_addr.addr) ?? "")
  return base === undefined ? undefined : { base, mask: typeof subnet.mask === "number" ? subnet.mask : 32 }
}

const allocate = (
  network: StoredObject,
  within: { base: number; mask: number } | undefined,
  taken: (addr: string) => boolean,
  store: StoreView
): string | undefined => {
  const ranges = subnetsOf(network)
    .filter((s) => within === undefined || (s.mask >= within.mask && inSubnet(s.base, within.base, within.mask)))
    .flatMap((s) => s.ranges)
  const size = ranges.reduce((n, r) => n + r.end - r.begin + 1, 0)
  if (size === 0) return undefined
  // Resume after the last allocation so allocating N addresses costs O(N), not O(N^2).
  const hint = store.allocationHint(network.uuid) ?? 0
  for (let step = 0; step < size; step++) {
    let offset = (hint + step) % size
    for (const range of ranges) {
      const width = range.end - range.begin + 1
      if (offset < width) {
        const addr = intToIp(range.begin + offset)
        if (!taken(addr)) {
          store.setAllocationHint(network.uuid, (hint + step + 1) % size)
          return addr
        }
        break
      }
      offset -= width
    }
  }
  return undefined
}

const addressOf = (value: unknown): string | undefined => isRecord(value) ? str(value.addr) : undefined

const vipAddresses = (body: Body): Array<string> =>
  records(body.vip).flatMap((vip) =>
    [addressOf(vip.ip_address), addressOf(vip.ip6_address)].filter((a): a is string => a !== undefined && a !== "")
  )

export const vsVipHooks: TypeHooks = {
  claims: vipAddresses,
  prepare: (body, ctx) => {
    const previousVips = ctx.previous ? records(ctx.previous.body.vip) : []
    const mine = new Set<string>()
    const taken = (addr: string) => {
      if (mine.has(addr)) return true
      const owner = ctx.store.ipOwner(addr)
      return owner !== undefined && owner !== ctx.uuid
    }
    const vips = records(body.vip)
    vips.forEach((vip, index) => {
      if (vip.vip_id === undefined) vip.vip_id = String(index)
      const previousAtIndex = previousVips[index]
      if (
        previousAtIndex && previousAtIndex.vip_id !== undefined && String(previousAtIndex.vip_id) !== String(vip.vip_id)
      ) {
        throw apiError(400, "Changing an existing VIP's vip_id is not supported")
      }
      const previous = previousVips.find((p) => String(p.vip_id) === String(vip.vip_id))
      const subnet = isRecord(vip.ipam_network_subnet) ? vip.ipam_network_subnet : undefined
      const network = subnet?.network_ref !== undefined
        ? ctx.store.getRef(subnet.network_ref)
        : ipamNetworkOf(body, ctx.store)
      // Which families an auto-allocated VIP gets: V4_ONLY unless the client asked for IPv6.
      const ipType = str(vip.auto_allocate_ip_type) ?? str(previous?.auto_allocate_ip_type) ?? "V4_ONLY"
      let allocated = false
      const requested = addressOf(vip.ip_address)
      const previousAddr = addressOf(previous?.ip_address)
      if (previousAddr !== undefined) {
        if (requested !== undefined && requested !== previousAddr) {
          throw apiError(400, "If a new preferred IP is needed, please recreate the VIP")
        }
        vip.ip_address = { addr: previousAddr, type: "V4" }
        for (const key of ["avi_allocated_vip", "auto_allocate_ip_type", "prefix_length"]) {
          if (previous?.[key] !== undefined) vip[key] = previous[key]
        }
        mine.add(previousAddr)
      } else if (requested !== undefined) {
        const ip = ipToInt(requested)
        if (ip === undefined) throw apiError(400, `Invalid IP address ${requested}`)
        if (taken(requested)) throw apiError(400, `IP address ${requested} is already in use`)
        if (network && subnet?.network_ref !== undefined) {
          const fits = subnetsOf(network).some((s) => inSubnet(ip, s.base, s.mask))
          if (!fits) {
            throw apiError(
              400,
              `IP address ${requested} is not in any configured subnet of Network ${network.body.name}`
            )
          }
        }
        vip.ip_address = { addr: requested, type: "V4" }
        mine.add(requested)
      } else if (vip.auto_allocate_ip === true && ipType !== "V6_ONLY") {
        if (!network) throw apiError(400, "Network object not found! No usable network for VIP allocation")
        const addr = allocate(network, requestedSubnet(subnet?.subnet), taken, ctx.store)
        if (addr === undefined) throw apiError(400, `No available free IPs in Network ${network.body.name}`)
        vip.ip_address = { addr, type: "V4" }
        allocated = true
        mine.add(addr)
      }
      const requested6 = addressOf(vip.ip6_address)
      const previousAddr6 = addressOf(previous?.ip6_address)
      if (previousAddr6 !== undefined) {
        if (requested6 !== undefined && ip6ToBigInt(requested6) !== ip6ToBigInt(previousAddr6)) {
          throw apiError(400, "If a new preferred IP is needed, please recreate the VIP")
        }
        vip.ip6_address = { addr: previousAddr6, type: "V6" }
        for (const key of ["avi_allocated_vip", "auto_allocate_ip_type"]) {
          if (previous?.[key] !== undefined) vip[key] = previous[key]
        }
        mine.add(previousAddr6)
      } else if (requested6 !== undefined) {
        const ip = ip6ToBigInt(requested6)
        if (ip === undefined) throw apiError(400, `Invalid IP address ${requested6}`)
        const canonical = bigIntToIp6(ip)
        if (taken(canonical)) throw apiError(400, `IP address ${requested6} is already in use`)
        if (network && subnet?.network_ref !== undefined) {
          const fits = subnets6Of(network).some((s) => inSubnet6(ip, s.base, s.mask))
          if (!fits) {
            throw apiError(
              400,
              `IP address ${requested6} is not in any configured subnet of Network ${network.body.name}`
            )
          }
        }
        vip.ip6_address = { addr: canonical, type: "V6" }
        mine.add(canonical)
      } else if (vip.auto_allocate_ip === true && (ipType === "V6_ONLY" || ipType === "V4_V6")) {
        if (!network) throw apiError(400, "Network object not found! No usable network for VIP allocation")
        const addr = allocate6(network, requestedSubnet6(subnet?.subnet6), taken, ctx.store)
        if (addr === undefined) throw apiError(400, `No available free IPv6 addresses in Network ${network.body.name}`)
        vip.ip6_address = { addr, type: "V6" }
        allocated = true
        mine.add(addr)
      }
      if (allocated) {
        vip.avi_allocated_vip = true
        vip.auto_allocate_ip_type = ipType
      }
      if (vip.ip_address !== undefined) vip.prefix_length = vip.prefix_length ?? 32
      vip.enabled = vip.enabled ?? true
      vip.auto_allocate_ip = vip.auto_allocate_ip ?? false
      vip.auto_allocate_floating_ip = vip.auto_allocate_floating_ip ?? false
    })
  }
}

// ---------------------------------------------------------------- VirtualService

const parentUuidOf = (body: Body | undefined): string | undefined => {
  const ref = str(body?.vh_parent_vs_ref)
  return ref?.slice(ref.lastIndexOf("/") + 1)
}

export const virtualServiceHooks: TypeHooks = {
  prepare: (body, ctx) => {
    if (body.type === "VS_TYPE_VH_CHILD") {
      const parent = ctx.store.getRef(body.vh_parent_vs_ref)
      if (!parent) throw apiError(400, "vh_parent_vs_ref is required for a virtual service of type VS_TYPE_VH_CHILD")
      if (parent.body.type !== "VS_TYPE_VH_PARENT") {
        throw apiError(400, `Parent virtual service ${String(parent.body.name)} is not of type VS_TYPE_VH_PARENT`)
      }
    }
    for (const service of records(body.services)) {
      if (service.port_range_end === undefined) service.port_range_end = service.port
      if (service.enable_ssl === undefined) service.enable_ssl = false
      if (service.enable_http2 === undefined) service.enable_http2 = false
    }
    if (body.enable_http2 === undefined) body.enable_http2 = false
    const cloud = ctx.store.getRef(body.cloud_ref)
    if (cloud) body.cloud_type = cloud.body.vtype ?? "CLOUD_NONE"
  },
  afterChange: (before, after, store) => {
    // The controller rewrites the parent's vh_child_vs_uuid, so the parent's _last_modified moves too.
    const parents = new Set([parentUuidOf(before?.body), parentUuidOf(after?.body)])
    for (const parent of parents) if (parent) store.touch("virtualservice", parent)
  },
  render: (out, obj, store) => {
    const children = store.childrenOf(obj.uuid)
    if (children.length > 0 || obj.body.type === "VS_TYPE_VH_PARENT") out.vh_child_vs_uuid = [...children]
  }
}

// ---------------------------------------------------------------- VrfContext

const validAddress = (value: unknown): boolean => {
  if (!isRecord(value) || typeof value.addr !== "string") return false
  if (value.type === "V6") return value.addr.includes(":")
  return (value.type === undefined || value.type === "V4") && ipToInt(value.addr) !== undefined
}

/**
 * `static_routes[]` (AKO GETs a VRF and PUTs it back whole with its routes merged in): `route_id`, `prefix` and
 * `next_hop` are required by the model (Go SDK `StaticRoute`), addresses must parse, and a route id names one route
 * (texts unverified).
 */
export const vrfContextHooks: TypeHooks = {
  prepare: (body) => {
    if (body.static_routes === undefined) return
    if (!Array.isArray(body.static_routes)) throw apiError(400, "static_routes must be a list of static routes")
    const ids = new Set<string>()
    body.static_routes.forEach((route: unknown, index) => {
      if (!isRecord(route)) throw apiError(400, `static_routes[${index}] must be an object`)
      for (const field of ["route_id", "prefix", "next_hop"]) {
        if (route[field] === undefined || route[field] === null) {
          throw apiError(400, `Field static_routes[${index}].${field} is required`)
        }
      }
      const id = String(route.route_id)
      const prefix = route.prefix
      if (!isRecord(prefix) || !validAddress(prefix.ip_addr) || typeof prefix.mask !== "number") {
        throw apiError(400, `Invalid prefix in static route ${id}`)
      }
      if (!validAddress(route.next_hop)) throw apiError(400, `Invalid next_hop in static route ${id}`)
      if (ids.has(id)) throw apiError(400, `Duplicate route_id ${id} in static_routes`)
      ids.add(id)
    })
  }
}

// ---------------------------------------------------------------- Pool

export const poolHooks: TypeHooks = {
  prepare: (body) => {
    for (const server of records(body.servers)) {
      const ip = isRecord(server.ip) ? str(server.ip.addr) : undefined
      if (server.ratio === undefined) server.ratio = 1
      if (server.hostname === undefined && ip !== undefined) server.hostname = ip
      if (server.enabled === undefined) server.enabled = true
      if (server.verify_network === undefined) server.verify_network = false
      if (server.static === undefined) server.static = false
    }
  }
}

// ---------------------------------------------------------------- SSLKeyAndCertificate

export const SENSITIVE = "<sensitive>"

/** `SSLCertificateDescription` fields by the attribute short names Node prints in `X509Certificate.subject`. */
const dnFields: Record<string, string> = {
  CN: "common_name",
  O: "organization",
  OU: "organization_unit",
  L: "locality",
  ST: "state",
  C: "country",
  emailAddress: "email_address"
}

const parseDn = (dn: string): Body => {
  const out: Body = {}
  const parts = dn.split("\n").filter((line) => line.length > 0)
  for (const line of parts) {
    const eq = line.indexOf("=")
    if (eq < 0) continue
    const field = dnFields[line.slice(0, eq)]
    if (field) out[field] = line.slice(eq + 1)
  }
  // One line, in certificate order, as `openssl x509 -subject -nameopt sep_comma_plus_space` prints it (unverified).
  out.distinguished_name = parts.join(", ")
  return out
}

const aviDate = (date: Date): string => date.toISOString().replace("T", " ").slice(0, 19)

const keyAlgorithm = (type: string | undefined): string =>
  type === "ec" ? "SSL_KEY_ALGORITHM_EC" : "SSL_KEY_ALGORITHM_RSA"

const curves: Record<string, string> = {
  prime256v1: "SSL_KEY_EC_CURVE_SECP256R1",
  secp384r1: "SSL_KEY_EC_CURVE_SECP384R1",
  secp521r1: "SSL_KEY_EC_CURVE_SECP521R1"
}

/** `SSLKeyParams` of a key: algorithm plus RSA size and exponent or the EC curve, in the controller's enums. */
const keyParams = (key: KeyObject): Body => {
  const details = key.asymmetricKeyDetails ?? {}
  if (key.asymmetricKeyType === "ec") {
    const curve = details.namedCurve
    return {
      algorithm: "SSL_KEY_ALGORITHM_EC",
      ec_params: { curve: (curve && curves[curve]) ?? `SSL_KEY_EC_CURVE_${String(curve).toUpperCase()}` }
    }
  }
  return {
    algorithm: keyAlgorithm(key.asymmetricKeyType),
    rsa_params: {
      key_size: `SSL_KEY_${details.modulusLength ?? 2048}_BITS`,
      exponent: Number(details.publicExponent ?? 65537n)
    }
  }
}

const DAY_MS = 86_400_000

/** The controller's 500 for a certificate it cannot import; AKO raises an event on `Import error` + `common_name`. */
const importError = (cause: unknown) =>
  apiError(
    500,
    `Import error: could not parse certificate, common_name unavailable (${
      cause instanceof Error ? cause.message : String(cause)
    })`
  )

/**
 * `SSLCertificate` as the controller returns it after parsing the PEM: every field is what the Go SDK's model
 * declares (strings, `subject`/`issuer` objects), so AKO 2.2.1 can decode it; `public_key` is the SPKI PEM.
 */
export const describeCertificate = (pem: string, nowMs: number): Body => {
  let cert: X509Certificate
  try {
    cert = new X509Certificate(pem)
  } catch (cause) {
    throw importError(cause)
  }
  const publicKey = cert.publicKey
  const notAfter = new Date(cert.validTo)
  const expiry = notAfter.getTime() < nowMs
    ? "SSL_CERTIFICATE_EXPIRED"
    : notAfter.getTime() - nowMs < 30 * DAY_MS
    ? "SSL_CERTIFICATE_EXPIRY_WARNING"
    : "SSL_CERTIFICATE_GOOD"
  const altNames = (cert.subjectAltName ?? "").split(", ").flatMap((entry) =>
    entry.startsWith("DNS:") ? [entry.slice(4)] : []
  )
  return {
    certificate: pem,
    subject: parseDn(cert.subject),
    issuer: parseDn(cert.issuer),
    not_before: aviDate(new Date(cert.validFrom)),
    not_after: aviDate(notAfter),
    expiry_status: expiry,
    days_until_expire: Math.max(0, Math.floor((notAfter.getTime() - nowMs) / DAY_MS)),
    // Issued by itself and signed with its own key, not merely subject == issuer.
    self_signed: cert.checkIssued(cert) && cert.verify(publicKey),
    // Decimal, as the controller's Python stack prints an integer serial (unverified).
    serial_number: BigInt(`0x${cert.serialNumber}`).toString(10),
    fingerprint: `SHA1 Fingerprint=${cert.fingerprint}`,
    public_key: publicKey.export({ type: "spki", format: "pem" }).toString(),
    key_params: keyParams(publicKey),
    subject_alt_names: altNames,
    // X.509 v3 is version field value 2.
    version: "2"
  }
}

export const sslHooks: TypeHooks = {
  prepare: (body, ctx) => {
    const certificate = isRecord(body.certificate) ? body.certificate : undefined
    const pem = str(certificate?.certificate)
    if (!certificate || pem === undefined) throw apiError(400, "certificate.certificate is required")
    const described = describeCertificate(pem, ctx.nowMs)
    body.certificate = { ...certificate, ...described }
    body.type = body.type ?? "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"
    body.status = "SSL_CERTIFICATE_FINISHED"
    body.format = body.format ?? "SSL_PEM"
    body.certificate_base64 = body.certificate_base64 ?? false
    body.enable_ocsp_stapling = body.enable_ocsp_stapling ?? false
    // An empty key is no key: AKO sends `key: ""` with a CA certificate, which has none.
    const given = str(body.key)
    const key = given !== undefined && given !== "" && given !== SENSITIVE ? given : ctx.previous?.secrets.key
    if (key === undefined || body.type === "SSL_CERTIFICATE_TYPE_CA") {
      delete body.key
      return {}
    }
    let publicKey
    try {
      publicKey = createPublicKey(createPrivateKey(key))
    } catch {
      throw apiError(400, "Import error: the private key could not be parsed")
    }
    const certKey = new X509Certificate(pem).publicKey
    const der = (k: typeof publicKey) => k.export({ type: "spki", format: "der" }).toString("base64")
    if (der(publicKey) !== der(certKey)) {
      throw apiError(400, "Import error: the private key does not match the certificate")
    }
    body.key = SENSITIVE
    body.key_params = keyParams(publicKey)
    return { key }
  }
}

// ---------------------------------------------------------------- PKIProfile

/**
 * The controller parses each CA of a PKI profile as it does a certificate (the same description fields, the same
 * import error for a PEM it cannot read; the message for a PKI profile is unverified).
 */
export const pkiProfileHooks: TypeHooks = {
  prepare: (body, ctx) => {
    body.ca_certs = records(body.ca_certs).map((ca) => {
      const pem = str(ca.certificate)
      if (pem === undefined) throw apiError(400, "ca_certs.certificate is required")
      return { ...ca, ...describeCertificate(pem, ctx.nowMs) }
    })
    return {}
  }
}

export type { WriteContext }
