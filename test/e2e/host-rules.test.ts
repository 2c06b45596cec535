/**
 * HostRule and HTTPRule through the controller process, against both simulators: a rule changes the SNI child or
 * the pools and deleting it restores AKO's defaults; a rule naming a missing WAF policy is Rejected with AKO's text
 * and changes nothing; and a takeover over rules in place writes nothing to Avi and no CRD status.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { akoCrds } from "../support/crds.js"
import {
  applyTlsSecret,
  CLUSTER,
  handOver,
  loadBalancerService,
  QUICK_REPAIR_ENV,
  selfSigned,
  startCluster
} from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"
import { scaled } from "../support/time-scale.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const HOST = "secure.shop.example.com"
const CHILD = `${CLUSTER}--${HOST}`

interface RuleView {
  readonly status?: { readonly status?: string; readonly error?: string }
}

/** A cluster with AKO's CRDs, an IngressClass, a TLS Secret and a Service, plus the team's own Avi objects. */
const startShop = async (): Promise<E2eCluster> => {
  const c = await startCluster()
  for (const document of akoCrds("hostrules.yaml", "httprules.yaml", "l7rules.yaml")) c.kube.apply(document as never)
  c.kube.ensureNamespace("shop")
  c.kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "avi-lb" },
    spec: { controller: "ako.vmware.com/avi-lb" }
  })
  const pem = await applyTlsSecret(c.kube, "shop", "shop-tls", HOST)
  loadBalancerService(c.kube, "shop", "cart", { addresses: ["10.3.0.2"], type: "ClusterIP" })
  // The team's own objects on the controller: a certificate and an HTTP policy set (not created by AKO).
  c.avi.insert("sslkeyandcertificate", {
    name: "team-cert",
    type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
    certificate: { certificate: pem.cert },
    key: pem.key
  })
  c.avi.insert("httppolicyset", { name: "team-headers", http_request_policy: { rules: [] } })
  applyShopIngress(c, "/cart")
  return c
}

/** The shop's TLS Ingress: one path of HOST to the `cart` Service. */
const applyShopIngress = (c: E2eCluster, path: string) =>
  c.kube.apply({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "shop", namespace: "shop" },
    spec: {
      ingressClassName: "avi-lb",
      tls: [{ hosts: [HOST], secretName: "shop-tls" }],
      rules: [{
        host: HOST,
        http: { paths: [{ path, pathType: "Prefix", backend: { service: { name: "cart", port: { number: 80 } } } }] }
      }]
    }
  })

const hostRule = (name: string, virtualhost: Record<string, unknown>) => ({
  apiVersion: "ako.vmware.com/v1beta1",
  kind: "HostRule",
  metadata: { name, namespace: "shop" },
  spec: { virtualhost: { fqdn: HOST, ...virtualhost } }
})

const ruleStatus = (c: E2eCluster, kind: string, name: string) =>
  (c.kube.get(`ako.vmware.com/v1beta1/${kind}`, "shop", name) as RuleView | undefined)?.status

const child = (c: E2eCluster) => c.avi.findByName("virtualservice", CHILD)

const refNames = (value: unknown): ReadonlyArray<string> =>
  (Array.isArray(value) ? value : [value]).map((ref) => String(ref).split("#")[1] ?? String(ref))

describe("HostRule", () => {
  it(
    "sets the custom certificate, WAF policy and policy set on the SNI child; deleting it restores the defaults",
    async () => {
      const c = (cluster = await startShop())
      const replica = await c.startReplica("ako-0")
      await waitFor("the SNI child", () => child(c))
      const before = child(c)!
      expect(before["waf_policy_ref"]).toBeUndefined()

      c.kube.apply(hostRule("shop", {
        tls: { sslKeyCertificate: { name: "team-cert", type: "ref" } },
        wafPolicy: "System-WAF-Policy",
        httpPolicy: { policySets: ["team-headers"] }
      }))
      await waitFor("the HostRule Accepted", () => ruleStatus(c, "HostRule", "shop")?.status === "Accepted")
      const ruled = await waitFor("the WAF policy on the child", () => {
        const vs = child(c)
        return vs?.["waf_policy_ref"] === undefined ? undefined : vs
      })
      expect(refNames(ruled["waf_policy_ref"])).toEqual(["System-WAF-Policy"])
      expect(refNames(ruled["ssl_key_and_certificate_refs"])).toEqual(["team-cert"])
      const policies = (ruled["http_policies"] as ReadonlyArray<{ index: number; http_policy_set_ref: string }>)
        .map((entry) => [entry.index, refNames(entry.http_policy_set_ref)[0]])
      expect(policies).toEqual([[11, `${CLUSTER}--shop-${HOST}`], [17, "team-headers"]])
      expect(JSON.parse(String(ruled["service_metadata"])).crd_status).toEqual({
        type: "HostRule",
        value: "shop/shop",
        status: "ACTIVE"
      })
      const attached = (message: string) =>
        (c.kube.list("v1/Event", "shop") as ReadonlyArray<
          { reason?: string; message?: string; involvedObject?: { kind?: string; uid?: string } }
        >).some((event) =>
          event.reason === "Attached" && event.message === message && event.involvedObject?.kind === "HostRule" &&
          event.involvedObject.uid !== undefined
        )
      await waitFor(
        "the Attached Event on the HostRule",
        () => attached(`configuration applied to VirtualService ${CHILD}`)
      )
      // The Secret's certificate is no longer used: AKO deletes it.
      await waitFor(
        "the Secret's certificate gone",
        () => c.avi.findByName("sslkeyandcertificate", CHILD) === undefined
      )

      c.kube.delete("ako.vmware.com/v1beta1/HostRule", "shop", "shop")
      const restored = await waitFor("the defaults back", () => {
        const vs = child(c)
        return vs !== undefined && vs["waf_policy_ref"] === undefined ? vs : undefined
      })
      expect(refNames(restored["ssl_key_and_certificate_refs"])).toEqual([CHILD])
      expect(restored["http_policies"] as ReadonlyArray<unknown>).toHaveLength(1)
      expect(JSON.parse(String(restored["service_metadata"])).crd_status).toEqual({
        type: "HostRule",
        value: "shop/shop",
        status: "INACTIVE"
      })
      expect(c.avi.findByName("sslkeyandcertificate", CHILD)).toBeDefined()
      // The team's policy set and certificate are theirs: never deleted.
      expect(c.avi.findByName("httppolicyset", "team-headers")).toBeDefined()
      expect(c.avi.findByName("sslkeyandcertificate", "team-cert")).toBeDefined()
      await replica.stop()
    },
    scaled(90_000)
  )

  it("is Rejected with AKO's text when its WAF policy is missing, and changes nothing", async () => {
    const c = (cluster = await startShop())
    await c.startReplica("ako-0")
    await waitFor("the SNI child", () => child(c))
    c.kube.apply(hostRule("shop", { wafPolicy: "missing-waf" }))
    const status = await waitFor("the HostRule Rejected", () => {
      const current = ruleStatus(c, "HostRule", "shop")
      return current?.status === "Rejected" ? current : undefined
    })
    expect(status.error).toBe(`wafpolicy "missing-waf" not found on controller`)
    await waitFor(
      "a Rejected Event on the HostRule",
      () =>
        (c.kube.list("v1/Event", "shop") as ReadonlyArray<{ reason?: string; involvedObject?: { kind?: string } }>)
          .some((event) => event.involvedObject?.kind === "HostRule" && event.reason === "Rejected")
    )
    expect(child(c)?.["waf_policy_ref"]).toBeUndefined()
    expect(JSON.parse(String(child(c)?.["service_metadata"])).crd_status.type).toBe("")
  }, scaled(90_000))
})

describe("HostRule applicationRootPath", () => {
  it("serves `/` from the application root after a redirect, in the controller's own terms", async () => {
    const c = (cluster = await startShop())
    await c.startReplica("ako-0")
    applyShopIngress(c, "/")
    c.kube.apply(hostRule("shop", { applicationRootPath: "/store" }))
    const policy = `${CLUSTER}--shop-${HOST}`
    interface Rule {
      readonly match?: { readonly path?: { readonly match_str?: ReadonlyArray<string> } }
      readonly redirect_action?: { readonly port?: number; readonly protocol?: string }
    }
    const rules = await waitFor("the root redirects", () => {
      const found = (c.avi.findByName("httppolicyset", policy)?.["http_request_policy"] as
        | { readonly rules?: ReadonlyArray<Rule> }
        | undefined)?.rules ?? []
      return found.length === 3 ? found : undefined
    })
    expect(rules[0]?.match?.path?.match_str).toEqual(["/store"])
    expect(rules.slice(1).map((r) => `${r.redirect_action?.protocol}:${r.redirect_action?.port}`)).toEqual([
      "HTTP:80",
      "HTTPS:443"
    ])
  }, scaled(90_000))
})

describe("HostRule useRegex", () => {
  it("matches the host's paths as regexes through string groups, and puts everything back when it goes", async () => {
    const c = (cluster = await startShop())
    await c.startReplica("ako-0")
    const plainPool = `${CLUSTER}--shop-${HOST}_cart-shop`
    await waitFor("the pool", () => c.avi.findByName("pool", plainPool))
    c.kube.apply(hostRule("shop", { useRegex: true }))
    const groups = () => c.avi.objects("stringgroup").filter((sg) => String(sg["name"]).startsWith(`ako-${CLUSTER}-`))
    await waitFor(
      "the string group and the renamed pool",
      () => groups().length === 1 && c.avi.findByName("pool", plainPool) === undefined
    )
    expect(groups()[0]?.["kv"]).toEqual([{ key: "/cart" }])
    const policy = c.avi.findByName("httppolicyset", `${CLUSTER}--shop-${HOST}`)
    const rule = (policy?.["http_request_policy"] as { rules: ReadonlyArray<{ match?: { path?: unknown } }> }).rules[0]
    expect(rule?.match?.path).toMatchObject({ match_criteria: "REGEX_MATCH", match_case: "INSENSITIVE" })

    c.kube.delete("ako.vmware.com/v1beta1/HostRule", "shop", "shop")
    await waitFor(
      "the plain pool back and the string group gone",
      () => groups().length === 0 && c.avi.findByName("pool", plainPool) !== undefined
    )
  }, scaled(90_000))
})

describe("HTTPRule", () => {
  it("switches a pool's algorithm and health monitor, and back when it is deleted", async () => {
    const c = (cluster = await startShop())
    await c.startReplica("ako-0")
    const pool = `${CLUSTER}--shop-${HOST}_cart-shop`
    await waitFor("the pool", () => c.avi.findByName("pool", pool))
    c.kube.apply({
      apiVersion: "ako.vmware.com/v1beta1",
      kind: "HTTPRule",
      metadata: { name: "cart", namespace: "shop" },
      spec: {
        fqdn: HOST,
        paths: [{
          target: "/cart",
          loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" },
          healthMonitors: ["System-HTTP"]
        }]
      }
    })
    await waitFor("the HTTPRule Accepted", () => ruleStatus(c, "HTTPRule", "cart")?.status === "Accepted")
    const ruled = await waitFor("round robin", () => {
      const current = c.avi.findByName("pool", pool)
      return current?.["lb_algorithm"] === "LB_ALGORITHM_ROUND_ROBIN" ? current : undefined
    })
    expect(refNames(ruled["health_monitor_refs"])).toEqual(["System-HTTP"])

    c.kube.delete("ako.vmware.com/v1beta1/HTTPRule", "shop", "cart")
    const restored = await waitFor("the default algorithm", () => {
      const current = c.avi.findByName("pool", pool)
      return current?.["lb_algorithm"] !== "LB_ALGORITHM_ROUND_ROBIN" ? current : undefined
    })
    expect(refNames(restored["health_monitor_refs"])).toEqual(["System-TCP"])
  }, scaled(90_000))

  it("re-encrypts to the backend and verifies it with a PKI profile built from destinationCA", async () => {
    const c = (cluster = await startShop())
    await c.startReplica("ako-0")
    const pool = `${CLUSTER}--shop-${HOST}_cart-shop`
    const pki = `${pool}-pkiprofile`
    await waitFor("the pool", () => c.avi.findByName("pool", pool))
    const ca = await selfSigned("backend-ca")
    c.kube.apply({
      apiVersion: "ako.vmware.com/v1beta1",
      kind: "HTTPRule",
      metadata: { name: "cart", namespace: "shop" },
      spec: { fqdn: HOST, paths: [{ target: "/cart", tls: { type: "reencrypt", destinationCA: ca.cert } }] }
    })
    const verified = await waitFor("the pool verifying its backend", () => {
      const current = c.avi.findByName("pool", pool)
      return current?.["pki_profile_ref"] === undefined ? undefined : current
    })
    expect(refNames(verified["pki_profile_ref"])).toEqual([pki])
    expect(verified["sni_enabled"]).toBe(true)
    expect(refNames(verified["ssl_profile_ref"])).toEqual(["System-Standard"])
    expect(
      (c.avi.findByName("pkiprofile", pki)?.["ca_certs"] as ReadonlyArray<{ certificate?: string }>)[0]?.certificate
    )
      .toBe(ca.cert)

    c.kube.delete("ako.vmware.com/v1beta1/HTTPRule", "shop", "cart")
    await waitFor(
      "plain HTTP to the backend again, and the PKI profile gone",
      () =>
        c.avi.findByName("pool", pool)?.["sni_enabled"] === false &&
        c.avi.findByName("pool", pool)?.["pki_profile_ref"] === undefined &&
        c.avi.findByName("pkiprofile", pki) === undefined
    )
  }, scaled(90_000))
})

describe("a takeover with rules in place", () => {
  it("writes nothing to Avi and no CRD status", async () => {
    const c = (cluster = await startShop())
    c.kube.apply(hostRule("shop", {
      tls: { sslKeyCertificate: { name: "team-cert", type: "ref" } },
      wafPolicy: "System-WAF-Policy",
      httpPolicy: { policySets: ["team-headers"] },
      analyticsPolicy: { fullClientLogs: { enabled: true, throttle: "LOW" }, logAllHeaders: true },
      useRegex: true
    }))
    c.kube.apply({
      apiVersion: "ako.vmware.com/v1beta1",
      kind: "HTTPRule",
      metadata: { name: "cart", namespace: "shop" },
      spec: { fqdn: HOST, paths: [{ target: "/", loadBalancerPolicy: { algorithm: "LB_ALGORITHM_ROUND_ROBIN" } }] }
    })
    const first = await c.startReplica("ako-0", QUICK_REPAIR_ENV)
    await waitFor(
      "the rules applied",
      () =>
        child(c)?.["waf_policy_ref"] !== undefined && c.avi.objects("stringgroup").some((sg) =>
          String(sg["name"]).startsWith(`ako-${CLUSTER}-`)
        ) &&
        // The regex HostRule renames the host's pools; the HTTPRule reached them before the renaming, as in AKO.
        c.avi.objects("pool").some((pool) => pool["lb_algorithm"] === "LB_ALGORITHM_ROUND_ROBIN")
    )

    await handOver(c, first, "ako-1")
    expect(c.aviWritesOf("ako-1")).toEqual([])
    const crdWrites = c.kubeWritesOf("ako-1").filter((entry) => entry.path.includes("ako.vmware.com"))
    expect(crdWrites).toEqual([])
  }, scaled(120_000))
})
