import { describe, expect, it } from "vitest"
import { jsonPatch, mergePatch, strategicMergePatch } from "../../../src/sim/kube/patch.js"

describe("strategic merge patch", () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: "web", image: "nginx:1", ports: [{ containerPort: 80 }] },
            { name: "sidecar", image: "envoy:1" }
          ]
        }
      }
    }
  }

  it("merges containers by name and keeps fields the patch does not mention", () => {
    const patched = strategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: "web", image: "nginx:2" }] } } }
    })
    expect(patched).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              { name: "web", image: "nginx:2", ports: [{ containerPort: 80 }] },
              { name: "sidecar", image: "envoy:1" }
            ]
          }
        }
      }
    })
  })

  it("deletes list elements with $patch: delete and orders by $setElementOrder", () => {
    const patched = strategicMergePatch(deployment, {
      spec: {
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "extra" }, { name: "web" }],
            containers: [{ name: "sidecar", $patch: "delete" }, { name: "extra", image: "busybox" }]
          }
        }
      }
    }) as typeof deployment
    expect(patched.spec.template.spec.containers.map((c) => c.name)).toEqual(["extra", "web"])
  })

  it("merges service ports by port and finalizers as a set, with primitive deletions", () => {
    const patched = strategicMergePatch(
      { metadata: { finalizers: ["a", "b"] }, spec: { ports: [{ port: 80, protocol: "TCP" }] } },
      {
        metadata: { finalizers: ["c"], "$deleteFromPrimitiveList/finalizers": ["a"] },
        spec: { ports: [{ port: 80, name: "http" }, { port: 443, name: "https" }] }
      }
    )
    expect(patched).toEqual({
      metadata: { finalizers: ["b", "c"] },
      spec: { ports: [{ port: 80, protocol: "TCP", name: "http" }, { port: 443, name: "https" }] }
    })
  })

  it("replaces lists without a merge key, like status.loadBalancer.ingress", () => {
    const patched = strategicMergePatch(
      { status: { loadBalancer: { ingress: [{ ip: "1.1.1.1" }, { ip: "2.2.2.2" }] } } },
      { status: { loadBalancer: { ingress: [{ ip: "3.3.3.3" }] } } }
    )
    expect(patched).toEqual({ status: { loadBalancer: { ingress: [{ ip: "3.3.3.3" }] } } })
  })
})

describe("JSON merge patch and JSON patch", () => {
  it("merge patch replaces lists and deletes null keys (RFC 7386)", () => {
    expect(mergePatch({ a: [1, 2], b: { c: 1, d: 2 } }, { a: [3], b: { c: null } })).toEqual({ a: [3], b: { d: 2 } })
  })

  it("JSON patch handles move, copy and the '-' index, and never mutates its input", () => {
    const input = { list: [1], a: { b: 1 } }
    const result = jsonPatch(input, [
      { op: "add", path: "/list/-", value: 2 },
      { op: "copy", from: "/a", path: "/c" },
      { op: "move", from: "/a/b", path: "/moved" }
    ])
    expect(result).toEqual({ list: [1, 2], a: {}, c: { b: 1 }, moved: 1 })
    expect(input).toEqual({ list: [1], a: { b: 1 } })
  })
})
