import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as K from "../../src/k8s/resources.js"
import type { SnapshotParts } from "../../src/model/index.js"
import { makeSnapshot, translate } from "../../src/model/index.js"
import { settings } from "./fixtures/builders.js"

// The k8s layer's store shapes must be usable as model input as they are: this file fails to typecheck, and the
// test fails, if the two drift apart.
describe("objects decoded by the k8s layer", () => {
  it("are model input without conversion", () => {
    const decode = <A, I>(schema: Schema.Schema<A, I>, json: unknown): A => Schema.decodeUnknownSync(schema)(json)
    const parts: SnapshotParts = {
      services: [
        decode(K.Service, {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web", namespace: "red", creationTimestamp: "2026-01-01T00:00:00Z" },
          spec: { type: "LoadBalancer", ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] }
        }),
        decode(K.Service, {
          metadata: { name: "backend", namespace: "red" },
          spec: { type: "ClusterIP", ports: [{ name: "http", port: 80, targetPort: "http" }] }
        })
      ],
      endpointSlices: [decode(K.EndpointSlice, {
        metadata: { name: "web-x", namespace: "red", labels: { "kubernetes.io/service-name": "web" } },
        addressType: "IPv4",
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true }, nodeName: "n1" }]
      })],
      ingresses: [decode(K.Ingress, {
        metadata: { name: "app", namespace: "red" },
        spec: {
          ingressClassName: "avi-lb",
          rules: [{
            host: "app.example.com",
            http: {
              paths: [{
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "backend", port: { name: "http" } } }
              }]
            }
          }]
        }
      })],
      ingressClasses: [
        decode(K.IngressClass, { metadata: { name: "avi-lb" }, spec: { controller: "ako.vmware.com/avi-lb" } })
      ],
      secrets: [decode(K.Secret, { metadata: { name: "s", namespace: "red" }, type: "kubernetes.io/tls", data: {} })],
      namespaces: [decode(K.Namespace, { metadata: { name: "red" } })],
      nodes: [
        decode(K.Node, {
          metadata: { name: "n1" },
          status: { addresses: [{ type: "InternalIP", address: "192.168.0.1" }] }
        })
      ],
      routes: [
        decode(K.Route, {
          metadata: { name: "r", namespace: "red" },
          spec: { host: "r.example.com", to: { kind: "Service", name: "backend" } }
        })
      ]
    }
    const { desired, problems } = translate(makeSnapshot(parts), settings())
    expect(problems).toEqual([])
    expect([...desired.keys()]).toEqual(["admin/c1--Shared-L7-2", "admin/c1--Shared-L7-3", "admin/c1--red-web"])
  })
})
