/**
 * The demo the playground starts with: AKO's ConfigMap and Secret pointing at the Avi simulator (over HTTPS, its
 * CA in `avi-secret`, so certificate verification is exercised), the `avi-lb` IngressClass, a few LoadBalancer
 * Services and two Ingresses, one of them TLS. Lease timings are short so a takeover is visible in seconds.
 */
import * as Effect from "effect/Effect"
import { generate } from "selfsigned"
import type { KubeSim } from "../../sim/kube/index.js"
import { PlaygroundError } from "./errors.js"

export const CONTROLLER_NAMESPACE = "avi-system"
export const DEMO_NAMESPACE = "demo"
export const CLUSTER_NAME = "playground"
export const AVI_USER = "admin"
export const AVI_PASSWORD = "playground-avi-password"

export const LEASE_TIMINGS = { leaseDuration: "6s", renewDeadline: "4s", retryPeriod: "1s" } as const

export const DEMO_SERVICES: ReadonlyArray<{ readonly name: string; readonly port: number; readonly address: string }> =
  [
    { name: "web", port: 80, address: "10.10.0.11" },
    { name: "api", port: 8080, address: "10.10.0.12" },
    { name: "grpc", port: 9090, address: "10.10.0.13" }
  ]

export const DEMO_INGRESSES: ReadonlyArray<{ readonly name: string; readonly host: string; readonly tls: boolean }> = [
  { name: "shop", host: "shop.demo.example.com", tls: false },
  { name: "secure", host: "secure.demo.example.com", tls: true }
]

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

export const akoConfig = (aviUrl: string): Record<string, string> => ({
  controllerIP: aviUrl,
  clusterName: CLUSTER_NAME,
  cloudName: "Default-Cloud",
  vipNetworkList: JSON.stringify([{ networkName: "vip-network" }]),
  shardVSSize: "SMALL",
  ...LEASE_TIMINGS
})

/** A Service with one ready endpoint, as a Deployment's pods would give it. */
const serviceWithEndpoints = (
  kube: KubeSim,
  name: string,
  type: "LoadBalancer" | "ClusterIP",
  port: number,
  address: string
) => {
  kube.apply({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: DEMO_NAMESPACE },
    spec: { type, selector: { app: name }, ports: [{ name: "http", port, targetPort: 8080, protocol: "TCP" }] }
  })
  kube.apply({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${name}-slice`,
      namespace: DEMO_NAMESPACE,
      labels: { "kubernetes.io/service-name": name }
    },
    addressType: "IPv4",
    endpoints: [{ addresses: [address], conditions: { ready: true } }],
    ports: [{ name: "http", port: 8080, protocol: "TCP" }]
  })
}

export const seedDemo = (kube: KubeSim, avi: { readonly url: string; readonly caPem: string | undefined }) =>
  Effect.gen(function*() {
    const tls = yield* Effect.tryPromise({
      try: () =>
        generate([{ name: "commonName", value: "secure.demo.example.com" }], { keySize: 2048, algorithm: "sha256" }),
      catch: (cause) => new PlaygroundError({ message: `cannot generate the demo TLS certificate: ${String(cause)}` })
    })
    yield* Effect.try({
      try: () => {
        kube.ensureNamespace(CONTROLLER_NAMESPACE)
        kube.ensureNamespace(DEMO_NAMESPACE)
        kube.apply({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "avi-secret", namespace: CONTROLLER_NAMESPACE },
          type: "Opaque",
          data: {
            username: base64(AVI_USER),
            password: base64(AVI_PASSWORD),
            ...(avi.caPem === undefined ? {} : { certificateAuthorityData: base64(avi.caPem) })
          }
        })
        kube.apply({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "avi-k8s-config", namespace: CONTROLLER_NAMESPACE },
          data: akoConfig(avi.url)
        })
        kube.apply({
          apiVersion: "networking.k8s.io/v1",
          kind: "IngressClass",
          metadata: { name: "avi-lb" },
          spec: { controller: "ako.vmware.com/avi-lb" }
        })
        DEMO_SERVICES.forEach((service) =>
          serviceWithEndpoints(kube, service.name, "LoadBalancer", service.port, service.address)
        )
        kube.apply({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "secure-tls", namespace: DEMO_NAMESPACE },
          type: "kubernetes.io/tls",
          data: { "tls.crt": base64(tls.cert), "tls.key": base64(tls.private) }
        })
        DEMO_INGRESSES.forEach((ingress, index) => {
          const backend = `${ingress.name}-backend`
          serviceWithEndpoints(kube, backend, "ClusterIP", 80, `10.10.1.${index + 1}`)
          kube.apply({
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: ingress.name, namespace: DEMO_NAMESPACE },
            spec: {
              ingressClassName: "avi-lb",
              ...(ingress.tls ? { tls: [{ hosts: [ingress.host], secretName: "secure-tls" }] } : {}),
              rules: [{
                host: ingress.host,
                http: {
                  paths: [{
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: backend, port: { number: 80 } } }
                  }]
                }
              }]
            }
          })
        })
      },
      catch: (cause) => new PlaygroundError({ message: `cannot seed the demo objects: ${String(cause)}` })
    })
  })

/**
 * A manifest a user can `kubectl apply` to watch a new Service get its VIP. It goes to `default`, not the demo's
 * namespace, so the view lists it among the user's own objects.
 */
export const exampleManifest = `apiVersion: v1
kind: Service
metadata:
  name: hello
  namespace: default
spec:
  type: LoadBalancer
  selector:
    app: hello
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: hello-slice
  namespace: default
  labels:
    kubernetes.io/service-name: hello
addressType: IPv4
endpoints:
- addresses: ["10.10.2.1"]
  conditions:
    ready: true
ports:
- name: http
  port: 8080
  protocol: TCP
`
