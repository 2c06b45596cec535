/**
 * The one shape the stores hold: API JSON reduced to the fields the controller reads (field names as served;
 * everything the API may omit is optional). Unknown fields are dropped by decoding.
 */
import * as Schema from "effect/Schema"

const opt = Schema.optional
const Str = Schema.String
const Num = Schema.Number
const Bool = Schema.Boolean
const StringMap = Schema.Record({ key: Str, value: Str })

/**
 * kubectl's `last-applied-configuration` annotation is a whole JSON copy of the object as last applied: on a
 * cluster managed with `kubectl apply` it is most of an object's size, and nothing in ako-ts reads it.
 */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
const Annotations = Schema.transform(StringMap, Schema.typeSchema(StringMap), {
  strict: true,
  decode: (annotations) => {
    if (!(LAST_APPLIED in annotations)) return annotations
    const { [LAST_APPLIED]: _lastApplied, ...read } = annotations
    return read
  },
  encode: (annotations) => annotations
})

export const ObjectMeta = Schema.Struct({
  name: opt(Str),
  namespace: opt(Str),
  uid: opt(Str),
  resourceVersion: opt(Str),
  generation: opt(Num),
  creationTimestamp: opt(Str),
  deletionTimestamp: opt(Str),
  annotations: opt(Annotations),
  labels: opt(StringMap)
})

const LoadBalancerStatus = Schema.Struct({
  ingress: opt(Schema.Array(Schema.Struct({ ip: opt(Str), hostname: opt(Str) })))
})

export const Service = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    type: opt(Str),
    clusterIP: opt(Str),
    ports: opt(Schema.Array(Schema.Struct({
      name: opt(Str),
      protocol: opt(Str),
      port: Num,
      targetPort: opt(Schema.Union(Num, Str)),
      nodePort: opt(Num)
    }))),
    selector: opt(StringMap),
    loadBalancerIP: opt(Str),
    loadBalancerClass: opt(Str),
    externalTrafficPolicy: opt(Str),
    ipFamilies: opt(Schema.Array(Str))
  })),
  status: opt(Schema.Struct({ loadBalancer: opt(LoadBalancerStatus) }))
})
export type Service = typeof Service.Type

export const EndpointSlice = Schema.Struct({
  metadata: opt(ObjectMeta),
  addressType: opt(Str),
  endpoints: opt(Schema.Array(Schema.Struct({
    addresses: opt(Schema.Array(Str)),
    conditions: opt(Schema.Struct({ ready: opt(Bool), serving: opt(Bool), terminating: opt(Bool) })),
    nodeName: opt(Str)
  }))),
  ports: opt(Schema.Array(Schema.Struct({ name: opt(Str), port: opt(Num), protocol: opt(Str) })))
})
export type EndpointSlice = typeof EndpointSlice.Type

const IngressBackend = Schema.Struct({
  service: opt(Schema.Struct({
    name: opt(Str),
    port: opt(Schema.Struct({ number: opt(Num), name: opt(Str) }))
  }))
})

export const Ingress = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    ingressClassName: opt(Str),
    defaultBackend: opt(IngressBackend),
    tls: opt(Schema.Array(Schema.Struct({ hosts: opt(Schema.Array(Str)), secretName: opt(Str) }))),
    rules: opt(Schema.Array(Schema.Struct({
      host: opt(Str),
      http: opt(Schema.Struct({
        paths: opt(Schema.Array(Schema.Struct({ path: opt(Str), pathType: opt(Str), backend: opt(IngressBackend) })))
      }))
    })))
  })),
  status: opt(Schema.Struct({ loadBalancer: opt(LoadBalancerStatus) }))
})
export type Ingress = typeof Ingress.Type

export const IngressClass = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    controller: opt(Str),
    // An AviInfraSetting for the class's Ingresses: `{apiGroup: ako.vmware.com, kind: AviInfraSetting, name}`.
    parameters: opt(Schema.Struct({ apiGroup: opt(Str), kind: opt(Str), name: opt(Str) }))
  }))
})
export type IngressClass = typeof IngressClass.Type

export const Secret = Schema.Struct({
  metadata: opt(ObjectMeta),
  type: opt(Str),
  data: opt(StringMap)
})
export type Secret = typeof Secret.Type

export const Namespace = Schema.Struct({ metadata: opt(ObjectMeta) })
export type Namespace = typeof Namespace.Type

export const Node = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({ unschedulable: opt(Bool), podCIDR: opt(Str), podCIDRs: opt(Schema.Array(Str)) })),
  status: opt(Schema.Struct({
    addresses: opt(Schema.Array(Schema.Struct({ type: opt(Str), address: opt(Str) })))
  }))
})
export type Node = typeof Node.Type

// The CNIs' own resources that hold pod CIDRs (static route sync, src/model/static-routes.ts); all cluster-scoped.
export const BlockAffinity = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({ node: opt(Str), cidr: opt(Str), state: opt(Str), deleted: opt(Str) }))
})
export type BlockAffinity = typeof BlockAffinity.Type

export const HostSubnet = Schema.Struct({
  metadata: opt(ObjectMeta),
  host: opt(Str),
  hostIP: opt(Str),
  subnet: opt(Str)
})
export type HostSubnet = typeof HostSubnet.Type

export const CiliumNode = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({ ipam: opt(Schema.Struct({ podCIDRs: opt(Schema.Array(Str)) })) }))
})
export type CiliumNode = typeof CiliumNode.Type

export const ConfigMap = Schema.Struct({ metadata: opt(ObjectMeta), data: opt(StringMap) })
export type ConfigMap = typeof ConfigMap.Type

const RouteTarget = Schema.Struct({ kind: opt(Str), name: opt(Str), weight: opt(Num) })

export const Route = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    host: opt(Str),
    subdomain: opt(Str),
    path: opt(Str),
    to: opt(RouteTarget),
    alternateBackends: opt(Schema.Array(RouteTarget)),
    port: opt(Schema.Struct({ targetPort: opt(Schema.Union(Num, Str)) })),
    tls: opt(Schema.Struct({
      termination: opt(Str),
      certificate: opt(Str),
      key: opt(Str),
      caCertificate: opt(Str),
      destinationCACertificate: opt(Str),
      insecureEdgeTerminationPolicy: opt(Str)
    }))
  })),
  status: opt(Schema.Struct({
    ingress: opt(Schema.Array(Schema.Struct({
      host: opt(Str),
      routerName: opt(Str),
      conditions: opt(
        Schema.Array(Schema.Struct({ type: opt(Str), status: opt(Str), reason: opt(Str), message: opt(Str) }))
      )
    })))
  }))
})
export type Route = typeof Route.Type

/** The store key: `namespace/name`, or `name` for cluster-scoped objects (as src/model keys its snapshot). */
export const objectKey = (metadata: { readonly name?: string | undefined; readonly namespace?: string | undefined }) =>
  metadata.namespace === undefined || metadata.namespace === ""
    ? metadata.name ?? ""
    : `${metadata.namespace}/${metadata.name ?? ""}`

export type ObjectMetaType = typeof ObjectMeta.Type

// AKO's CRDs (reference/ako-crds.md §1.1, §2.1, §3.1, §4.1, §5.1). The status is kept: a replica that has not validated
// a rule itself trusts the verdict the leader wrote there.
const CrdStatus = Schema.Struct({ status: opt(Str), error: opt(Str) })
const CertificateRef = { name: opt(Str), type: opt(Str) }
const AnalyticsPolicy = Schema.Struct({
  fullClientLogs: opt(Schema.Struct({ enabled: opt(Bool), throttle: opt(Str), duration: opt(Num) })),
  logAllHeaders: opt(Bool)
})
const StrList = Schema.Array(Str)

export const HostRule = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    virtualhost: opt(Schema.Struct({
      fqdn: opt(Str),
      fqdnType: opt(Str),
      enableVirtualHost: opt(Bool),
      tls: opt(Schema.Struct({
        sslKeyCertificate: opt(Schema.Struct({
          ...CertificateRef,
          alternateCertificate: opt(Schema.Struct(CertificateRef))
        })),
        sslProfile: opt(Str),
        termination: opt(Str)
      })),
      httpPolicy: opt(Schema.Struct({ policySets: opt(StrList), overwrite: opt(Bool) })),
      wafPolicy: opt(Str),
      applicationProfile: opt(Str),
      analyticsProfile: opt(Str),
      errorPageProfile: opt(Str),
      networkSecurityPolicy: opt(Str),
      l7Rule: opt(Str),
      applicationRootPath: opt(Str),
      icapProfile: opt(StrList),
      datascripts: opt(StrList),
      aliases: opt(StrList),
      useRegex: opt(Bool),
      gslb: opt(Schema.Struct({ fqdn: opt(Str), includeAliases: opt(Bool) })),
      analyticsPolicy: opt(AnalyticsPolicy),
      tcpSettings: opt(Schema.Struct({
        listeners: opt(Schema.Array(Schema.Struct({ port: opt(Num), enableSSL: opt(Bool) }))),
        loadBalancerIP: opt(Str)
      }))
    }))
  })),
  status: opt(CrdStatus)
})
export type HostRule = typeof HostRule.Type

export const HTTPRule = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    fqdn: opt(Str),
    paths: opt(Schema.Array(Schema.Struct({
      target: opt(Str),
      loadBalancerPolicy: opt(Schema.Struct({ algorithm: opt(Str), hash: opt(Str), hostHeader: opt(Str) })),
      healthMonitors: opt(StrList),
      applicationPersistence: opt(Str),
      enableHTTP2: opt(Bool),
      tls: opt(Schema.Struct({
        type: opt(Str),
        sslProfile: opt(Str),
        pkiProfile: opt(Str),
        destinationCA: opt(Str)
      }))
    })))
  })),
  status: opt(CrdStatus)
})
export type HTTPRule = typeof HTTPRule.Type

/** In SNI mode an L7Rule is only validated (reference/ako-crds.md §5.3), so its spec is kept whole, undecoded. */
export const L7Rule = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Record({ key: Str, value: Schema.Unknown })),
  status: opt(CrdStatus)
})
export type L7Rule = typeof L7Rule.Type

/** An L4Rule (reference/ako-crds.md §4.1); the API server fills the schema defaults. */
export const L4Rule = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    analyticsProfileRef: opt(Str),
    applicationProfileRef: opt(Str),
    networkProfileRef: opt(Str),
    analyticsPolicy: opt(Schema.Struct({
      fullClientLogs: opt(Schema.Struct({ enabled: opt(Bool), duration: opt(Num), throttle: opt(Num) }))
    })),
    performanceLimits: opt(Schema.Struct({ maxConcurrentConnections: opt(Num), maxThroughput: opt(Num) })),
    loadBalancerIP: opt(Str),
    networkSecurityPolicyRef: opt(Str),
    securityPolicyRef: opt(Str),
    sslProfileRef: opt(Str),
    sslKeyAndCertificateRefs: opt(StrList),
    vsDatascriptRefs: opt(StrList),
    revokeVipRoute: opt(Bool),
    listenerProperties: opt(Schema.Array(Schema.Struct({ port: opt(Num), protocol: opt(Str), enableSsl: opt(Bool) }))),
    backendProperties: opt(Schema.Array(Schema.Struct({
      port: opt(Num),
      protocol: opt(Str),
      enabled: opt(Bool),
      lbAlgorithm: opt(Str),
      lbAlgorithmHash: opt(Str),
      lbAlgorithmConsistentHashHdr: opt(Str),
      applicationPersistenceProfileRef: opt(Str),
      healthMonitorRefs: opt(StrList),
      healthMonitorCrdRefs: opt(StrList),
      minServersUp: opt(Num),
      pkiProfileRef: opt(Str),
      sslKeyAndCertificateRef: opt(Str),
      sslProfileRef: opt(Str),
      analyticsPolicy: opt(Schema.Struct({ enableRealtimeMetrics: opt(Bool) }))
    })))
  })),
  status: opt(CrdStatus)
})
export type L4Rule = typeof L4Rule.Type

/** An AviInfraSetting (reference/ako-crds.md §3.1); cluster-scoped, so stores key it by name. */
export const AviInfraSetting = Schema.Struct({
  metadata: opt(ObjectMeta),
  spec: opt(Schema.Struct({
    seGroup: opt(Schema.Struct({ name: opt(Str) })),
    network: opt(Schema.Struct({
      vipNetworks: opt(Schema.Array(Schema.Struct({
        networkName: opt(Str),
        networkUUID: opt(Str),
        cidr: opt(Str),
        v6cidr: opt(Str)
      }))),
      nodeNetworks: opt(Schema.Array(Schema.Struct({
        networkName: opt(Str),
        networkUUID: opt(Str),
        cidrs: opt(StrList)
      }))),
      enableRhi: opt(Bool),
      enablePublicIP: opt(Bool),
      bgpPeerLabels: opt(StrList),
      listeners: opt(Schema.Array(Schema.Struct({ port: opt(Num), enableSSL: opt(Bool), enableHTTP2: opt(Bool) })))
    })),
    l7Settings: opt(Schema.Struct({ shardSize: opt(Str) })),
    nsxSettings: opt(Schema.Struct({ t1lr: opt(Str) }))
  })),
  status: opt(CrdStatus)
})
export type AviInfraSetting = typeof AviInfraSetting.Type
