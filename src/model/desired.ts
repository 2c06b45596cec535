/**
 * What the translation produces: per unit (one Avi parent VS and everything it needs) the Avi objects as AKO would
 * send them, in the order they must be written, plus the statuses to write back and the problems to report.
 */
import type { ObjectRef } from "./kube.js"

export type AviObjectType =
  | "vsvip"
  | "virtualservice"
  | "pool"
  | "poolgroup"
  | "l4policyset"
  | "httppolicyset"
  | "vsdatascriptset"
  | "sslkeyandcertificate"
  | "pkiprofile"
  | "stringgroup"

export type AviBody = Readonly<Record<string, unknown>>

export interface ObjectId {
  readonly type: AviObjectType
  readonly name: string
}

export interface DesiredAviObject {
  readonly type: AviObjectType
  readonly name: string
  readonly tenant: string
  /** The JSON body as AKO sends it: refs by name, checksum field (where the type has one) filled in. */
  readonly body: AviBody
  /** Decimal FNV-1a 32 of the significant fields; equal to what `observedChecksum` finds on an up-to-date object. */
  readonly checksum: string
  /** The objects this body refers to by name; they are written first. */
  readonly dependsOn: ReadonlyArray<ObjectId>
  /**
   * The Kubernetes objects whose input this Avi object comes from, when narrower than the unit's owners (a host's
   * certificate: the Ingresses of that host). A refusal of this object is reported on these, and only these.
   */
  readonly sources?: ReadonlyArray<ObjectRef> | undefined
  /**
   * Fields ako-ts owns on this object although no marker says so (an L4Rule's): the checksum alone says whether the
   * object is up to date, and an update drops those of them the body leaves out.
   */
  readonly ownedFields?: ReadonlyArray<string> | undefined
  /**
   * Fields sent when the object is created and then left as Avi holds them: an update keeps Avi's value and they do
   * not count when deciding whether the object is up to date (a VsVip's `vip` under an Infoblox or custom IPAM).
   */
  readonly keptOnUpdate?: ReadonlyArray<string> | undefined
}

export type UnitKind = "L4Service" | "L7Shard" | "L7Dedicated" | "Passthrough"

/**
 * Which Kubernetes object should show which VIP: the VIP of `vsVip`, and for each host (or FQDN) the VS whose uuid
 * goes into `ako.vmware.com/host-fqdn-vs-uuid-map` (the SNI child for secure hosts, the parent otherwise).
 */
export interface StatusIntent {
  readonly object: ObjectRef
  readonly vsVip: string
  readonly virtualService: string
  /** Ingress: the host; Service: its FQDNs (the first one becomes `status.loadBalancer.ingress[].hostname`). */
  readonly hosts: ReadonlyArray<string>
}

export interface DesiredUnit {
  /** AKO's model name `<tenant>/<parent VS name>`. */
  readonly key: string
  readonly kind: UnitKind
  readonly tenant: string
  /** The parent virtual service of the unit. */
  readonly virtualService: string
  /** Kubernetes objects that contributed (sorted by kind/namespace/name). */
  readonly owners: ReadonlyArray<ObjectRef>
  /** Dependency order: VsVip, certificates, pools, pool groups, policies, datascripts, VS (then SNI children). */
  readonly objects: ReadonlyArray<DesiredAviObject>
  readonly statuses: ReadonlyArray<StatusIntent>
  /**
   * Keep what Avi has for this VS, untouched: its objects come from an AviInfraSetting that exists but is not in
   * effect (Rejected), whose accepted spec this process never saw. `objects` is empty; `statuses` point at the VS.
   */
  readonly held?: boolean | undefined
}

export type DesiredState = ReadonlyMap<string, DesiredUnit>

export type ProblemReason =
  | "ServiceNotFound"
  | "PortNotFound"
  | "SecretNotFound"
  | "SecretMalformed"
  | "HostNotInDnsSubDomains"
  | "HostMissing"
  | "InvalidStaticIP"
  | "Unsupported"
  | "NameConflict"
  | "HostPathConflict"
  | "InvalidConfiguration"

/** A per-object translation problem; the app turns it into a Kubernetes Event (type Warning) on `object`. */
export interface Problem {
  readonly object: ObjectRef
  readonly field: string
  readonly reason: ProblemReason
  readonly message: string
}

export interface Translation {
  readonly desired: DesiredState
  readonly problems: ReadonlyArray<Problem>
}
