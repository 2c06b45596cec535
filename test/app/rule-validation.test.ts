/**
 * Validation of HostRules, HTTPRules, L7Rules and L4Rules (reference/ako-crds.md §1.2, §2.2, §5.2, §4.2) with the real clients
 * against both simulators (level 3): the status texts AKO writes, the rules in effect, status writes only when
 * they change, Events, the WriteGuard, and no verdict when the controller cannot be asked.
 */
import { describe, expect, it } from "@effect/vitest"
import { loadAllYaml } from "@kubernetes/client-node"
import { Effect, Either, Fiber, Layer, Option, Redacted, Ref, Schedule, Stream } from "effect"
import type { Scope } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { LiveConfig } from "../../src/app/live-config.js"
import { makeRuleValidation } from "../../src/app/rule-validation.js"
import type { RuleValidation } from "../../src/app/rule-validation.js"
import { AviClient } from "../../src/avi/index.js"
import { eventRecorderLayer, kubeClientFromString, makeReflectors, NotLeader, WriteGuard } from "../../src/k8s/index.js"
import type { ReflectorsShape } from "../../src/k8s/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"
import type { KubeSim } from "../../src/sim/kube/index.js"
import { makeKubeSim } from "../../src/sim/kube/index.js"

const DEPLOY_CRDS = fileURLToPath(new URL("../../deploy/crds/", import.meta.url))
const CLUSTER = "c1"
const NS = "red"

interface Env {
  readonly kube: KubeSim
  readonly avi: AviSim
  readonly leader: Ref.Ref<boolean>
  readonly events: Ref.Ref<boolean>
  /** Starts the reflectors (the objects created so far are listed) and makes a validation over them. */
  readonly start: Effect.Effect<
    { readonly reflectors: ReflectorsShape; readonly rules: RuleValidation },
    never,
    Scope.Scope
  >
  /** Another validation over the same reflectors: a replica that has judged nothing yet. */
  readonly another: (reflectors: ReflectorsShape) => Effect.Effect<RuleValidation>
}

const withEnv = <A, E>(body: (env: Env) => Effect.Effect<A, E, Scope.Scope>) =>
  Effect.scoped(Effect.gen(function*() {
    const kube = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" }, bookmarkIntervalMs: 200 })
    const avi = yield* makeAviSim({ http: true })
    for (const file of ["hostrules.yaml", "httprules.yaml", "l7rules.yaml", "l4rules.yaml"]) {
      for (const document of loadAllYaml(readFileSync(join(DEPLOY_CRDS, file), "utf8"))) kube.apply(document as never)
    }
    kube.ensureNamespace(NS)
    const leader = yield* Ref.make(true)
    const events = yield* Ref.make(true)
    const refuse = new NotLeader({ reason: "test" })
    const guard = Layer.succeed(WriteGuard, {
      check: Effect.flatMap(Ref.get(leader), (ok) => ok ? Effect.void : Effect.fail(refuse)),
      admit: <X, Y, Z>(write: Effect.Effect<X, Y, Z>) =>
        Effect.flatMap(Ref.get(leader), (ok): Effect.Effect<X, Y | NotLeader, Z> => ok ? write : Effect.fail(refuse))
    })
    const kubeClient = kubeClientFromString(kube.kubeconfig("token-ako"))
    const services = Layer.mergeAll(
      eventRecorderLayer({ instance: "ako-0" }).pipe(Layer.provide(guard)),
      guard,
      AviClient.layer({
        controller: avi.url,
        username: AVI_SIM_DEFAULT_USER,
        password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
        clientIdentity: "ako-ts/test",
        tenant: "admin",
        retries: 0,
        requestTimeout: "10 seconds"
      }),
      Layer.succeed(LiveConfig, { enableEvents: events, deleteConfig: undefined as never })
    ).pipe(Layer.provideMerge(kubeClient))
    const context = yield* Layer.build(services)
    const settings = { clusterName: CLUSTER, tenantName: "admin" }
    const env: Env = {
      kube,
      avi,
      leader,
      events,
      start: Effect.gen(function*() {
        const reflectors = yield* makeReflectors({ namespace: "avi-system", openshift: false }).pipe(
          Effect.provide(context)
        )
        yield* Effect.forkScoped(reflectors.run)
        yield* reflectors.ready
        const rules = yield* makeRuleValidation(reflectors, settings).pipe(Effect.provide(context))
        return { reflectors, rules }
      }),
      another: (reflectors) => makeRuleValidation(reflectors, settings).pipe(Effect.provide(context))
    }
    return yield* body(env)
  }))

const eventually = <A, E>(check: Effect.Effect<Option.Option<A>, E>, what: string) =>
  check.pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail("not yet" as const), onSome: Effect.succeed })),
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: "15 seconds", onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )
const when = (condition: boolean) => condition ? Option.some(true) : Option.none()

const hostRule = (name: string, virtualhost: Record<string, unknown>, namespace = NS) => ({
  apiVersion: "ako.vmware.com/v1beta1",
  kind: "HostRule",
  metadata: { name, namespace },
  spec: { virtualhost }
})
const httpRule = (name: string, paths: ReadonlyArray<Record<string, unknown>>) => ({
  apiVersion: "ako.vmware.com/v1beta1",
  kind: "HTTPRule",
  metadata: { name, namespace: NS },
  spec: { fqdn: `${name}.example.com`, paths }
})
const l7Rule = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "ako.vmware.com/v1alpha2",
  kind: "L7Rule",
  metadata: { name, namespace: NS },
  spec
})
// As the API server stores one: the schema defaults filled in.
const l4Rule = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "ako.vmware.com/v1alpha2",
  kind: "L4Rule",
  metadata: { name, namespace: NS },
  spec: {
    analyticsProfileRef: "System-Analytics-Profile",
    applicationProfileRef: "System-L4-Application",
    networkProfileRef: "System-TCP-Proxy",
    revokeVipRoute: false,
    ...spec
  }
})
const backend = (settings: Record<string, unknown>) => ({
  port: 80,
  protocol: "TCP",
  enabled: true,
  lbAlgorithm: "LB_ALGORITHM_LEAST_CONNECTIONS",
  ...settings
})
const sslListener = { listenerProperties: [{ port: 443, protocol: "TCP", enableSsl: true }] }

const statusOf = (kube: KubeSim, plural: string, name: string, namespace = NS) =>
  (kube.get(plural, namespace, name) as { status?: { status?: string; error?: string } } | undefined)?.status
const statusPatches = (kube: KubeSim) =>
  kube.requestLog().filter((e) => e.user === "ako-0" && e.verb === "patch" && e.subresource === "status")
const eventsIn = (kube: KubeSim, namespace = NS) =>
  kube.list("v1/Event", namespace) as ReadonlyArray<{
    reason?: string
    message?: string
    type?: string
    involvedObject?: { kind?: string; name?: string; apiVersion?: string; uid?: string }
  }>

describe("rule validation (HostRule §1.2, HTTPRule §2.2, L7Rule §5.2)", () => {
  it.live(
    "writes AKO's status text for every HostRule check, in AKO's order",
    () =>
      withEnv(({ avi, kube, start }) =>
        Effect.gen(function*() {
          avi.insert("httppolicyset", { name: "ako-owned", created_by: `ako-${CLUSTER}` })
          kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "shop-cert", namespace: NS } })
          kube.create(l7Rule("present", {}))
          const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
            ["a-owner", { fqdn: "dup.example.com" }, ""],
            ["b-duplicate", { fqdn: "dup.example.com" }, "duplicate fqdn dup.example.com found in red/a-owner"],
            [
              "bad-ip",
              { fqdn: "ip.example.com", tcpSettings: { loadBalancerIP: "not-an-ip" } },
              "loadBalancerIP not-an-ip is not a valid IP"
            ],
            [
              "gslb-same",
              { fqdn: "g.example.com", gslb: { fqdn: "g.example.com" } },
              "GSLB FQDN and local FQDN are same"
            ],
            [
              "no-ssl",
              { fqdn: "l.example.com", tcpSettings: { listeners: [{ port: 8080 }, { port: 8443, enableSSL: false }] } },
              "Hosting parent virtualservice must have SSL enabled"
            ],
            [
              "alias-wildcard",
              { fqdn: "w.example.com", fqdnType: "Wildcard", aliases: ["x.example.com"] },
              "Aliases is supported only when FQDN type is set as Exact"
            ],
            [
              "alias-fqdn",
              { fqdn: "af.example.com", aliases: ["af.example.com"] },
              "Duplicate entry found. Aliases field has same entry as the FQDN field"
            ],
            [
              "alias-twice",
              { fqdn: "at.example.com", aliases: ["t.example.com", "t.example.com"] },
              "Aliases must be unique"
            ],
            [
              "alias-gslb",
              { fqdn: "ag.example.com", gslb: { fqdn: "gs.example.com" }, aliases: ["gs.example.com"] },
              "Aliases must not contain GSLB FQDN"
            ],
            [
              "alias-taken",
              { fqdn: "ak.example.com", aliases: ["dup.example.com"] },
              "dup.example.com is already in use by hostrule dup.example.com"
            ],
            [
              "no-secret",
              { fqdn: "s.example.com", tls: { sslKeyCertificate: { name: "missing-cert", type: "secret" } } },
              "secret \"missing-cert\" not found"
            ],
            [
              "no-alt-secret",
              {
                fqdn: "s2.example.com",
                tls: {
                  sslKeyCertificate: {
                    name: "shop-cert",
                    type: "secret",
                    alternateCertificate: { name: "alt-cert", type: "secret" }
                  }
                }
              },
              "secret \"alt-cert\" not found"
            ],
            [
              "two-icap",
              { fqdn: "i.example.com", icapProfile: ["one", "two"] },
              "Can only have 1 ICAP profile associated with VS"
            ],
            // several missing refs: the first in the documented order is reported
            [
              "no-waf",
              { fqdn: "waf.example.com", errorPageProfile: "nope-epp", wafPolicy: "team-waf" },
              "wafpolicy \"team-waf\" not found on controller"
            ],
            [
              "l4-profile",
              { fqdn: "ap.example.com", applicationProfile: "System-L4-Application" },
              "applicationprofile \"System-L4-Application\" found on controller is invalid, must be of type: " +
              "APPLICATION_PROFILE_TYPE_HTTP"
            ],
            [
              "ako-owned",
              { fqdn: "own.example.com", httpPolicy: { policySets: ["ako-owned"] } },
              "httppolicyset \"ako-owned\" Invalid operation, object referred is created by current AKO instance"
            ],
            [
              "no-cert-ref",
              { fqdn: "cr.example.com", tls: { sslKeyCertificate: { name: "team-cert", type: "ref" } } },
              "sslkeyandcertificate \"team-cert\" not found on controller"
            ],
            [
              "no-datascript",
              { fqdn: "ds.example.com", datascripts: ["Default-PASV-FTP", "team-ds"] },
              "vsdatascriptset \"team-ds\" not found on controller"
            ],
            ["no-l7rule", { fqdn: "l7.example.com", l7Rule: "absent" }, "l7rule.ako.vmware.com \"absent\" not found"],
            [
              "shared-regex",
              { fqdn: "c1--Shared-L7-0.admin.avi.com", useRegex: true },
              "hostrule useRegex with fqdn c1--Shared-L7-0.admin.avi.com cannot be applied to shared virtualservices"
            ],
            [
              "shared-root",
              { fqdn: "Shared-L7-1", applicationRootPath: "/app" },
              "hostrule applicationRootPath with fqdn Shared-L7-1 cannot be applied to shared virtualservices"
            ],
            [
              "valid",
              {
                fqdn: "shop.example.com",
                aliases: ["www.shop.example.com"],
                wafPolicy: "System-WAF-Policy",
                applicationProfile: "System-Secure-HTTP",
                analyticsProfile: "System-Analytics-Profile",
                errorPageProfile: "Custom-Error-Page-Profile",
                datascripts: ["Default-PASV-FTP"],
                l7Rule: "present",
                tcpSettings: { listeners: [{ port: 443, enableSSL: true }], loadBalancerIP: "10.50.0.20" },
                tls: { sslKeyCertificate: { name: "shop-cert", type: "secret" }, sslProfile: "System-Standard-PFS" }
              },
              ""
            ]
          ]
          for (const [name, virtualhost] of cases) kube.create(hostRule(name, virtualhost))
          const { rules } = yield* start
          yield* rules.validateAll
          for (const [name, , error] of cases) {
            expect({ name, status: statusOf(kube, "hostrules", name) }).toEqual({
              name,
              status: { status: error === "" ? "Accepted" : "Rejected", error }
            })
          }
          expect(statusOf(kube, "l7rules", "present")).toEqual({ status: "Accepted", error: "" })
          // one collection GET per reference, with the fields AKO asks for
          const wafGets = avi.requestLog().filter((e) => e.method === "GET" && e.objectType === "wafpolicy")
          expect(wafGets.map((e) => e.query).sort()).toEqual([
            "name=System-WAF-Policy&fields=name%2Ctype%2Clabels%2Ccreated_by",
            "name=team-waf&fields=name%2Ctype%2Clabels%2Ccreated_by"
          ])
          const effective = yield* rules.effective
          expect([...effective.hostRules.keys()].sort()).toEqual(["red/a-owner", "red/valid"])
        })
      ),
    60_000
  )

  it.live(
    "asks the controller once per pass for a policy many rules name, and judges every rule",
    () =>
      withEnv(({ avi, kube, start }) =>
        Effect.gen(function*() {
          for (let i = 0; i < 20; i++) {
            kube.create(hostRule(`shop-${i}`, { fqdn: `shop-${i}.example.com`, wafPolicy: "System-WAF-Policy" }))
          }
          kube.create(hostRule("odd", { fqdn: "odd.example.com", wafPolicy: "missing-waf" }))
          const { rules } = yield* start
          yield* rules.validateAll
          const gets = avi.requestLog().filter((e) => e.method === "GET" && e.objectType === "wafpolicy")
          expect(gets).toHaveLength(2)
          for (let i = 0; i < 20; i++) expect(statusOf(kube, "hostrules", `shop-${i}`)?.status).toBe("Accepted")
          expect(statusOf(kube, "hostrules", "odd")?.error).toBe(`wafpolicy "missing-waf" not found on controller`)
          // A later pass asks again: the controller may have changed since.
          yield* rules.validateAll
          expect(avi.requestLog().filter((e) => e.method === "GET" && e.objectType === "wafpolicy")).toHaveLength(4)
        })
      ),
    30_000
  )

  it.live(
    "asks the controller in the tenant of the rule's namespace",
    () =>
      withEnv(({ avi, kube, start }) =>
        Effect.gen(function*() {
          kube.create({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: "blue", annotations: { "ako.vmware.com/tenant-name": "team-blue" } }
          })
          kube.create(hostRule("shop", { fqdn: "blue.example.com", wafPolicy: "blue-waf" }, "blue"))
          const { rules } = yield* start
          yield* rules.validateAll
          const gets = avi.requestLog().filter((e) => e.objectType === "wafpolicy")
          expect(gets.map((e) => e.tenant)).toEqual(["team-blue"])
          expect(statusOf(kube, "hostrules", "shop", "blue")?.status).toBe("Rejected")
        })
      ),
    30_000
  )

  it.live(
    "HTTPRule: pkiProfile with destinationCA, then the controller refs; L7Rule: its refs",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(
            httpRule("pki", [{ target: "/", tls: { type: "reencrypt", pkiProfile: "p", destinationCA: "PEM" } }])
          )
          kube.create(httpRule("hm", [{ target: "/", healthMonitors: ["System-HTTP", "team-hm"] }]))
          kube.create(httpRule("persist", [{ target: "/a", applicationPersistence: "team-persist" }]))
          kube.create(httpRule("ok", [{
            target: "/",
            healthMonitors: ["System-HTTP"],
            applicationPersistence: "System-Persistence-Client-IP",
            tls: { type: "reencrypt", sslProfile: "System-Standard" }
          }]))
          kube.create(l7Rule("bot", { botPolicyRef: "team-bot" }))
          kube.create(l7Rule("app", { applicationProfile: { kind: "AviRef", name: "System-L4-Application" } }))
          kube.create(l7Rule("waf", { wafPolicy: { kind: "AviRef", name: "System-WAF-Policy" } }))
          const { rules } = yield* start
          yield* rules.validateAll
          expect(statusOf(kube, "httprules", "pki")).toEqual({
            status: "Rejected",
            error: "PKIProfile and DestinationCA fields are set in the HTTPRule. Only one of the field should be set."
          })
          expect(statusOf(kube, "httprules", "hm")).toEqual({
            status: "Rejected",
            error: "healthmonitor \"team-hm\" not found on controller"
          })
          expect(statusOf(kube, "httprules", "persist")).toEqual({
            status: "Rejected",
            error: "applicationpersistenceprofile \"team-persist\" not found on controller"
          })
          expect(statusOf(kube, "httprules", "ok")).toEqual({ status: "Accepted", error: "" })
          expect(statusOf(kube, "l7rules", "bot")).toEqual({
            status: "Rejected",
            error: "botdetectionpolicy \"team-bot\" not found on controller"
          })
          expect(statusOf(kube, "l7rules", "app")?.error).toBe(
            "applicationprofile \"System-L4-Application\" found on controller is invalid, must be of type: " +
              "APPLICATION_PROFILE_TYPE_HTTP"
          )
          expect(statusOf(kube, "l7rules", "waf")).toEqual({ status: "Accepted", error: "" })
          expect([...(yield* rules.effective).httpRules.keys()]).toEqual(["red/ok"])
        })
      ),
    30_000
  )

  it.live(
    "writes a status only when it changes (a steady state and a takeover write nothing); Events follow",
    () =>
      withEnv(({ another, events, kube, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("good", { fqdn: "good.example.com" }))
          kube.create(hostRule("bad", { fqdn: "bad.example.com", wafPolicy: "team-waf" }))
          const { reflectors, rules } = yield* start
          yield* rules.validateAll
          expect(statusPatches(kube)).toHaveLength(2)
          const written = eventsIn(kube)
          expect(written.map((e) => [e.involvedObject?.name, e.type, e.reason, e.message]).sort()).toEqual([
            ["bad", "Warning", "Rejected", "wafpolicy \"team-waf\" not found on controller"],
            ["good", "Normal", "Accepted", "HostRule is valid and accepted"]
          ])
          expect(written[0]?.involvedObject?.apiVersion).toBe("ako.vmware.com/v1beta1")
          expect(written[0]?.involvedObject?.uid).toBeDefined()
          // the reflector sees the statuses; validating again (or a new leader's pass) writes nothing
          yield* eventually(
            Effect.map(
              reflectors.hostRules.snapshot,
              (s) => when([...s.values()].every((r) => r.status !== undefined))
            ),
            "the statuses in the store"
          )
          yield* rules.validateAll
          // a new leader that has judged nothing finds every status as it would write it
          const takeover = yield* another(reflectors)
          yield* takeover.validateAll
          expect(statusPatches(kube)).toHaveLength(2)
          expect(eventsIn(kube)).toHaveLength(2)
          // a change of verdict with Events off: the status is written, no Event
          yield* Ref.set(events, false)
          kube.apply(hostRule("good", { fqdn: "good.example.com", wafPolicy: "team-waf" }))
          yield* eventually(
            Effect.map(
              reflectors.hostRules.get("red/good"),
              (r) => when(Option.getOrUndefined(r)?.spec?.virtualhost?.wafPolicy !== undefined)
            ),
            "the edit"
          )
          yield* rules.validateAll
          expect(statusOf(kube, "hostrules", "good")?.status).toBe("Rejected")
          expect(eventsIn(kube)).toHaveLength(2)
        })
      ),
    30_000
  )

  it.live(
    "a replica that is not the leader writes nothing: validateAll fails with NotLeader",
    () =>
      withEnv(({ kube, leader, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("shop", { fqdn: "shop.example.com" }))
          const { rules } = yield* start
          yield* Ref.set(leader, false)
          const result = yield* Effect.either(rules.validateAll)
          expect(Either.isLeft(result) && result.left._tag).toBe("NotLeader")
          expect(statusPatches(kube)).toHaveLength(0)
          expect(statusOf(kube, "hostrules", "shop")).toBeUndefined()
        })
      ),
    30_000
  )

  it.live(
    "a controller that does not answer gives no verdict: no Rejected; judged once it answers",
    () =>
      withEnv(({ avi, kube, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("shop", { fqdn: "shop.example.com", wafPolicy: "System-WAF-Policy" }))
          const { rules } = yield* start
          avi.faults.errorRate(1, 503)
          yield* rules.validateAll
          expect(statusPatches(kube)).toHaveLength(0)
          avi.faults.clear()
          const running = yield* Effect.forkScoped(rules.run)
          yield* eventually(
            Effect.sync(() => when(statusOf(kube, "hostrules", "shop")?.status === "Accepted")),
            "the HostRule accepted"
          )
          yield* Fiber.interrupt(running)
        })
      ),
    30_000
  )
})

describe("L4Rule validation (§4.2)", () => {
  it.live(
    "a default L4Rule is Accepted; every check writes AKO's text, in AKO's order",
    () =>
      withEnv(({ avi, kube, start }) =>
        Effect.gen(function*() {
          avi.insert("applicationprofile", { name: "team-l4", type: "APPLICATION_PROFILE_TYPE_L4" })
          // the application profile is not checked for its creator (AKO's quirk), other references are
          avi.insert("applicationprofile", {
            name: "ako-l4",
            type: "APPLICATION_PROFILE_TYPE_L4",
            created_by: `ako-${CLUSTER}`
          })
          avi.insert("vsdatascriptset", { name: "ako-ds", created_by: `ako-${CLUSTER}` })
          const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
            ["default", {}, ""],
            ["bad-ip", { loadBalancerIP: "10.0.0.300" }, "loadBalancerIP 10.0.0.300 is not valid"],
            ["zero-padded-ip", { loadBalancerIP: "10.0.0.07" }, "loadBalancerIP 10.0.0.07 is not valid"],
            ["ipv6", { loadBalancerIP: "2001:db8::10" }, ""],
            [
              "http-profile",
              { applicationProfileRef: "System-HTTP", loadBalancerIP: "10.0.0.30" },
              "applicationprofile \"System-HTTP\" found on controller is invalid, must be of type: " +
              "APPLICATION_PROFILE_TYPE_L4 or APPLICATION_PROFILE_TYPE_SSL"
            ],
            [
              "no-profile",
              { applicationProfileRef: "team-missing" },
              "applicationprofile \"team-missing\" not found on controller"
            ],
            ["ako-profile", { applicationProfileRef: "ako-l4" }, ""],
            [
              "ssl-no-listener",
              { applicationProfileRef: "System-SSL-Application" },
              "SSL is not enabled in l4rule listener Spec but App Profile System-SSL-Application is of type SSL"
            ],
            [
              "ssl-udp",
              {
                ...sslListener,
                applicationProfileRef: "System-SSL-Application",
                networkProfileRef: "System-UDP-Fast-Path"
              },
              "networkprofile \"System-UDP-Fast-Path\" found on controller is invalid, must be of type: " +
              "PROTOCOL_TYPE_TCP_PROXY for L4 SSL support"
            ],
            [
              "ssl-no-cert",
              {
                ...sslListener,
                applicationProfileRef: "System-SSL-Application",
                sslKeyAndCertificateRefs: ["team-cert"]
              },
              "sslkeyandcertificate \"team-cert\" not found on controller"
            ],
            [
              "ssl",
              { ...sslListener, applicationProfileRef: "System-SSL-Application", sslProfileRef: "System-Standard" },
              ""
            ],
            [
              "l4-ssl-listener",
              { ...sslListener, applicationProfileRef: "team-l4" },
              "SSL is enabled in l4rule listener Spec but App Profile team-l4 is not of type SSL"
            ],
            // AKO turns the default profile into System-SSL-Application for an SSL listener
            ["default-ssl-listener", sslListener, ""],
            [
              "l4-ssl-profile",
              { sslProfileRef: "System-Standard" },
              "App Profile System-L4-Application is not of type SSL but SslProfileRef is set"
            ],
            [
              "l4-certs",
              { sslKeyAndCertificateRefs: ["team-cert"] },
              "App Profile System-L4-Application is not of type SSL but SslKeyAndCertificateRefs are set"
            ],
            [
              "no-hash",
              { backendProperties: [backend({}), backend({ port: 81, lbAlgorithm: "LB_ALGORITHM_CONSISTENT_HASH" })] },
              "lbAlgorithmHash must be specified when lbAlgorithm is \"LB_ALGORITHM_CONSISTENT_HASH\""
            ],
            [
              "no-header",
              {
                backendProperties: [backend({
                  lbAlgorithm: "LB_ALGORITHM_CONSISTENT_HASH",
                  lbAlgorithmHash: "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER"
                })]
              },
              "lbAlgorithmConsistentHashHdr must be specified when lbAlgorithmHash is " +
              "\"LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER\""
            ],
            [
              "extra-hash",
              { backendProperties: [backend({ lbAlgorithmHash: "LB_ALGORITHM_CONSISTENT_HASH_SOURCE_IP_ADDRESS" })] },
              "lbAlgorithmHash must not be specified when lbAlgorithm is \"LB_ALGORITHM_LEAST_CONNECTIONS\""
            ],
            [
              "extra-header",
              {
                backendProperties: [
                  backend({ lbAlgorithm: "LB_ALGORITHM_ROUND_ROBIN", lbAlgorithmConsistentHashHdr: "x" })
                ]
              },
              "lbAlgorithmConsistentHashHdr must not be specified when lbAlgorithm is \"LB_ALGORITHM_ROUND_ROBIN\""
            ],
            [
              "hash",
              {
                backendProperties: [backend({
                  lbAlgorithm: "LB_ALGORITHM_CONSISTENT_HASH",
                  lbAlgorithmHash: "LB_ALGORITHM_CONSISTENT_HASH_CUSTOM_HEADER",
                  lbAlgorithmConsistentHashHdr: "X-User"
                })]
              },
              ""
            ],
            [
              "hm-crd",
              { backendProperties: [backend({ healthMonitorCrdRefs: ["my-hm"], healthMonitorRefs: ["team-hm"] })] },
              "healthMonitorCrdRefs are not supported: the AKO CRD operator is not enabled"
            ],
            [
              "no-hm",
              { backendProperties: [backend({ healthMonitorRefs: ["System-TCP", "team-hm"] })], revokeVipRoute: true },
              "healthmonitor \"team-hm\" not found on controller"
            ],
            [
              "no-analytics",
              { analyticsProfileRef: "team-analytics", securityPolicyRef: "team-sp" },
              "analyticsprofile \"team-analytics\" not found on controller"
            ],
            ["no-netprofile", { networkProfileRef: "team-np" }, "networkprofile \"team-np\" not found on controller"],
            [
              "ako-datascript",
              { vsDatascriptRefs: ["Default-PASV-FTP", "ako-ds"] },
              "vsdatascriptset \"ako-ds\" Invalid operation, object referred is created by current AKO instance"
            ],
            [
              "no-pki",
              { backendProperties: [backend({ pkiProfileRef: "team-pki", sslProfileRef: "System-Standard" })] },
              "pkiprofile \"team-pki\" not found on controller"
            ],
            ["revoke", { revokeVipRoute: true }, "RevokeVipRoute is only supported in NSX-T Cloud"],
            [
              "valid",
              {
                loadBalancerIP: "10.0.0.40",
                performanceLimits: { maxConcurrentConnections: 100, maxThroughput: 50 },
                analyticsPolicy: { fullClientLogs: { enabled: true, duration: 30, throttle: 10 } },
                vsDatascriptRefs: ["Default-PASV-FTP"],
                listenerProperties: [{ port: 80, protocol: "TCP", enableSsl: false }],
                backendProperties: [backend({
                  healthMonitorRefs: ["System-TCP"],
                  applicationPersistenceProfileRef: "System-Persistence-Client-IP",
                  minServersUp: 1,
                  analyticsPolicy: { enableRealtimeMetrics: true }
                })]
              },
              ""
            ]
          ]
          for (const [name, spec] of cases) kube.create(l4Rule(name, spec))
          const { rules } = yield* start
          yield* rules.validateAll
          for (const [name, , error] of cases) {
            expect({ name, status: statusOf(kube, "l4rules", name) }).toEqual({
              name,
              status: { status: error === "" ? "Accepted" : "Rejected", error }
            })
          }
          // the application profile and the SSL network profile are asked for with AKO's fields, once per pass
          const gets = (type: string) =>
            avi.requestLog().filter((e) => e.method === "GET" && e.objectType === type).map((e) => e.query)
          expect(gets("applicationprofile").filter((q) => q?.includes("System-SSL-Application"))).toEqual([
            "name=System-SSL-Application&fields=name%2Ctype%2Clabels%2Ccreated_by"
          ])
          expect(gets("networkprofile").filter((q) => q?.includes("System-UDP-Fast-Path"))).toEqual([
            "name=System-UDP-Fast-Path&fields=name%2Cprofile%2Clabels%2Ccreated_by"
          ])
          expect([...(yield* rules.effective).l4Rules.keys()].sort()).toEqual(
            cases.filter(([, , error]) => error === "").map(([name]) => `${NS}/${name}`).sort()
          )
        })
      ),
    60_000
  )
})

describe("the rules in effect", () => {
  it.live(
    "accepted ⇒ in effect; edited into something invalid ⇒ the previous spec stays; deleted ⇒ gone",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("shop", { fqdn: "shop.example.com", wafPolicy: "System-WAF-Policy" }))
          kube.create(httpRule("shop", [{ target: "/", healthMonitors: ["System-HTTP"] }]))
          const { reflectors, rules } = yield* start
          const keys = yield* rules.subscribe
          const seen = yield* Ref.make<ReadonlyArray<string>>([])
          yield* keys.pipe(Stream.runForEach((key) => Ref.update(seen, (all) => [...all, key])), Effect.forkScoped)
          yield* rules.validateAll
          yield* Effect.forkScoped(rules.run)
          const first = yield* rules.effective
          expect(first.hostRules.get("red/shop")?.spec?.virtualhost?.wafPolicy).toBe("System-WAF-Policy")
          expect(first.httpRules.get("red/shop")?.spec?.paths?.[0]?.healthMonitors).toEqual(["System-HTTP"])

          kube.apply(hostRule("shop", { fqdn: "shop.example.com", wafPolicy: "team-waf" }))
          kube.apply(httpRule("shop", [{ target: "/", healthMonitors: ["team-hm"] }]))
          yield* eventually(
            Effect.sync(() =>
              when(
                statusOf(kube, "hostrules", "shop")?.status === "Rejected" &&
                  statusOf(kube, "httprules", "shop")?.status === "Rejected"
              )
            ),
            "both rules rejected"
          )
          // the store has the invalid spec; the rules in effect keep the accepted one
          expect(Option.getOrThrow(yield* reflectors.hostRules.get("red/shop")).spec?.virtualhost?.wafPolicy).toBe(
            "team-waf"
          )
          const kept = yield* rules.effective
          expect(kept.hostRules.get("red/shop")?.spec?.virtualhost?.wafPolicy).toBe("System-WAF-Policy")
          expect(kept.httpRules.get("red/shop")?.spec?.paths?.[0]?.healthMonitors).toEqual(["System-HTTP"])

          // fixed again: the new spec is in effect
          kube.apply(
            hostRule("shop", { fqdn: "shop.example.com", wafPolicy: "System-WAF-Policy", aliases: ["x.shop"] })
          )
          yield* eventually(
            Effect.map(
              rules.effective,
              (e) => when((e.hostRules.get("red/shop")?.spec?.virtualhost?.aliases ?? []).length === 1)
            ),
            "the fixed spec in effect"
          )
          // The verdict is in effect before its status is written back.
          yield* eventually(
            Effect.sync(() => when(statusOf(kube, "hostrules", "shop")?.status === "Accepted")),
            "the fixed rule Accepted"
          )

          kube.delete("hostrules", NS, "shop")
          kube.delete("httprules", NS, "shop")
          yield* eventually(
            Effect.map(rules.effective, (e) => when(e.hostRules.size === 0 && e.httpRules.size === 0)),
            "the rules gone"
          )
          const published = yield* Ref.get(seen)
          expect(published).toContain("HostRule/red/shop")
          expect(published).toContain("HTTPRule/red/shop")
        })
      ),
    30_000
  )

  it.live(
    "a spec edited since this replica accepted the rule: the accepted spec stays in effect until judged",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("shop", { fqdn: "shop.example.com", wafPolicy: "System-WAF-Policy" }))
          const { reflectors, rules } = yield* start
          yield* rules.validateAll
          // edited; the status still says Accepted, but this replica judged the earlier spec
          kube.apply({
            ...hostRule("shop", { wafPolicy: "team-waf", fqdn: "shop.example.com" }),
            status: { status: "Accepted", error: "" }
          })
          yield* eventually(
            Effect.map(
              reflectors.hostRules.get("red/shop"),
              (r) => when(Option.getOrUndefined(r)?.spec?.virtualhost?.wafPolicy === "team-waf")
            ),
            "the edit"
          )
          const effective = yield* rules.effective
          expect(effective.hostRules.get("red/shop")?.spec?.virtualhost?.wafPolicy).toBe("System-WAF-Policy")
          // back to the judged spec, written with its keys in another order: it counts as judged, nothing to write
          kube.apply({
            ...hostRule("shop", { wafPolicy: "System-WAF-Policy", fqdn: "shop.example.com" }),
            status: { status: "Accepted", error: "" }
          })
          yield* eventually(
            Effect.map(
              reflectors.hostRules.get("red/shop"),
              (r) => when(Option.getOrUndefined(r)?.spec?.virtualhost?.wafPolicy === "System-WAF-Policy")
            ),
            "the second edit"
          )
          const current = Option.getOrThrow(yield* reflectors.hostRules.get("red/shop"))
          expect((yield* rules.effective).hostRules.get("red/shop")).toBe(current)
          yield* rules.validateAll
          expect(statusPatches(kube)).toHaveLength(1)
        })
      ),
    30_000
  )

  it.live(
    "a replica that has judged nothing trusts the status the leader wrote",
    () =>
      withEnv(({ another, kube, start }) =>
        Effect.gen(function*() {
          kube.create({
            ...hostRule("accepted", { fqdn: "a.example.com" }),
            status: { status: "Accepted", error: "" }
          })
          kube.create({
            ...hostRule("rejected", { fqdn: "r.example.com" }),
            status: { status: "Rejected", error: "wafpolicy \"x\" not found on controller" }
          })
          kube.create(hostRule("unjudged", { fqdn: "u.example.com" }))
          kube.create({ ...httpRule("accepted", []), status: { status: "Accepted", error: "" } })
          kube.create({ ...l4Rule("accepted", {}), status: { status: "Accepted", error: "" } })
          kube.create({ ...l4Rule("rejected", {}), status: { status: "Rejected", error: "RevokeVipRoute" } })
          kube.create(l4Rule("unjudged", {}))
          const { reflectors } = yield* start
          const passive = yield* another(reflectors)
          const effective = yield* passive.effective
          expect([...effective.hostRules.keys()]).toEqual(["red/accepted"])
          expect([...effective.httpRules.keys()]).toEqual(["red/accepted"])
          expect([...effective.l4Rules.keys()]).toEqual(["red/accepted"])
        })
      ),
    30_000
  )

  it.live(
    "L4Rule: accepted ⇒ in effect; edited into something invalid ⇒ the previous spec stays; fixed ⇒ the new one",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(l4Rule("lb", { loadBalancerIP: "10.0.0.40" }))
          const { reflectors, rules } = yield* start
          const keys = yield* rules.subscribe
          const seen = yield* Ref.make<ReadonlyArray<string>>([])
          yield* keys.pipe(Stream.runForEach((key) => Ref.update(seen, (all) => [...all, key])), Effect.forkScoped)
          yield* rules.validateAll
          yield* Effect.forkScoped(rules.run)
          expect(statusOf(kube, "l4rules", "lb")).toEqual({ status: "Accepted", error: "" })
          expect((yield* rules.effective).l4Rules.get("red/lb")?.spec?.loadBalancerIP).toBe("10.0.0.40")

          kube.apply(l4Rule("lb", { loadBalancerIP: "10.0.0.400" }))
          yield* eventually(
            Effect.sync(() => when(statusOf(kube, "l4rules", "lb")?.status === "Rejected")),
            "the L4Rule rejected"
          )
          expect(statusOf(kube, "l4rules", "lb")?.error).toBe("loadBalancerIP 10.0.0.400 is not valid")
          expect(Option.getOrThrow(yield* reflectors.l4Rules.get("red/lb")).spec?.loadBalancerIP).toBe("10.0.0.400")
          expect((yield* rules.effective).l4Rules.get("red/lb")?.spec?.loadBalancerIP).toBe("10.0.0.40")

          kube.apply(l4Rule("lb", { loadBalancerIP: "10.0.0.41" }))
          yield* eventually(
            Effect.map(
              rules.effective,
              (e) => when(e.l4Rules.get("red/lb")?.spec?.loadBalancerIP === "10.0.0.41")
            ),
            "the fixed spec in effect"
          )
          kube.delete("l4rules", NS, "lb")
          yield* eventually(Effect.map(rules.effective, (e) => when(e.l4Rules.size === 0)), "the L4Rule gone")
          expect(yield* Ref.get(seen)).toContain("L4Rule/red/lb")
        })
      ),
    30_000
  )

  it.live(
    "run re-validates a HostRule when the L7Rule or the Secret it names appears",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(hostRule("l7", { fqdn: "l7.example.com", l7Rule: "later" }))
          kube.create(hostRule("tls", {
            fqdn: "tls.example.com",
            tls: { sslKeyCertificate: { name: "later-cert", type: "secret" } }
          }))
          const { rules } = yield* start
          yield* rules.validateAll
          expect(statusOf(kube, "hostrules", "l7")?.status).toBe("Rejected")
          expect(statusOf(kube, "hostrules", "tls")?.status).toBe("Rejected")
          yield* Effect.forkScoped(rules.run)
          kube.create(l7Rule("later", {}))
          kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "later-cert", namespace: NS } })
          yield* eventually(
            Effect.sync(() =>
              when(
                statusOf(kube, "hostrules", "l7")?.status === "Accepted" &&
                  statusOf(kube, "hostrules", "tls")?.status === "Accepted"
              )
            ),
            "both HostRules accepted"
          )
        })
      ),
    30_000
  )
})
