/**
 * Validation of HostRules, HTTPRules, L7Rules, AviInfraSettings and L4Rules (reference/ako-crds.md §1.2, §2.2, §5.2,
 * §3.2, §4.2) with the real Kubernetes client against the Kubernetes simulator and the real Avi client against the Avi
 * simulator (level 3; AviInfraSettings also against the in-memory Avi client): the status texts AKO writes, the rules
 * in effect, status writes only when they change, Events, the WriteGuard, and no verdict when the controller cannot
 * be asked.
 */
import { describe, expect, it } from "@effect/vitest"
import { loadAllYaml } from "@kubernetes/client-node"
import { Context, Effect, Either, Fiber, Layer, Option, Redacted, Ref, Schedule, Stream } from "effect"
import type { Scope } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { LiveConfig } from "../../src/app/live-config.js"
import { acceptedRules, makeRuleValidation } from "../../src/app/rule-validation.js"
import type { RuleValidation, RuleValidationSettings } from "../../src/app/rule-validation.js"
import { AviClient, AviMemoryStore, AviPreconditionFailed } from "../../src/avi/index.js"
import type { AviMemoryStoreService, AviObjectType } from "../../src/avi/index.js"
import { eventRecorderLayer, kubeClientFromString, makeReflectors, NotLeader, WriteGuard } from "../../src/k8s/index.js"
import type { ReflectorsShape } from "../../src/k8s/index.js"
import type { AviSim } from "../../src/sim/avi/index.js"
import { AVI_SIM_DEFAULT_PASSWORD, AVI_SIM_DEFAULT_USER, makeAviSim } from "../../src/sim/avi/index.js"
import type { KubeSim } from "../../src/sim/kube/index.js"
import { makeKubeSim } from "../../src/sim/kube/index.js"

const DEPLOY_CRDS = fileURLToPath(new URL("../../deploy/crds/", import.meta.url))
const CLUSTER = "c1"
const NS = "red"

type AviBackend = "simulator" | "memory"

/** What the tests read and seed on the Avi side, the same way for both backends. */
interface AviSide {
  readonly insert: (type: AviObjectType, body: Record<string, unknown>) => Effect.Effect<void>
  readonly object: (type: AviObjectType, name: string) => Effect.Effect<Record<string, unknown> | undefined>
  /** Calls of this method to `/api/<type>…` (collection or object). */
  readonly calls: (method: string, type: string) => Effect.Effect<ReadonlyArray<{ readonly path: string }>>
}

interface Env {
  readonly kube: KubeSim
  /** The Avi simulator (also running, unused, when the Avi client is the in-memory one). */
  readonly avi: AviSim
  readonly side: AviSide
  /** The in-memory Avi client's store, when that is the client. */
  readonly memory: Option.Option<AviMemoryStoreService>
  readonly cloudUuid: string
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

const withEnv = <A, E>(
  body: (env: Env) => Effect.Effect<A, E, Scope.Scope>,
  options: { readonly backend?: AviBackend; readonly settings?: Partial<RuleValidationSettings> } = {}
) =>
  Effect.scoped(Effect.gen(function*() {
    const kube = yield* makeKubeSim({ tokens: { "token-ako": "ako-0" }, bookmarkIntervalMs: 200 })
    const avi = yield* makeAviSim({ http: true })
    const crds = ["hostrules.yaml", "httprules.yaml", "l7rules.yaml", "l4rules.yaml", "aviinfrasettings.yaml"]
    for (const file of crds) {
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
    const memory = options.backend === "memory" ?
      yield* Layer.build(AviClient.layerTest()).pipe(Effect.map(Option.some)) :
      Option.none()
    const aviClient = Option.match(memory, {
      onNone: () =>
        AviClient.layer({
          controller: avi.url,
          username: AVI_SIM_DEFAULT_USER,
          password: Redacted.make(AVI_SIM_DEFAULT_PASSWORD),
          clientIdentity: "ako-ts/test",
          tenant: "admin",
          retries: 0,
          requestTimeout: "10 seconds"
        }),
      onSome: (context) => Layer.succeedContext(context)
    })
    const services = Layer.mergeAll(
      eventRecorderLayer({ instance: "ako-0" }).pipe(Layer.provide(guard)),
      guard,
      aviClient,
      Layer.succeed(LiveConfig, { enableEvents: events, deleteConfig: undefined as never })
    ).pipe(Layer.provideMerge(kubeClient))
    const context = yield* Layer.build(services)
    const side: AviSide = Option.match(memory, {
      onNone: (): AviSide => ({
        insert: (type, body) => Effect.sync(() => void avi.insert(type, body)),
        object: (type, name) => Effect.sync(() => avi.findByName(type, name)),
        calls: (method, type) =>
          Effect.sync(() => avi.requestLog().filter((e) => e.method === method && e.objectType === type))
      }),
      onSome: (memoryContext): AviSide => {
        const store = Context.get(memoryContext, AviMemoryStore)
        return {
          insert: (type, body) => Effect.orDie(store.insert(type, body as never)),
          object: (type, name) =>
            Effect.map(
              store.objects(type),
              (all) => all.find((o) => o.name === name) as Record<string, unknown> | undefined
            ),
          // typed calls log the type, raw ones (`request`) their path
          calls: (method, type) =>
            Effect.map(store.calls, (all) =>
              all.filter((c) =>
                c.method === method &&
                (c.type === type || c.type === `/api/${type}` || c.type.startsWith(`/api/${type}/`))
              ).map((c) => ({ path: c.type.startsWith("/") ? c.type : `/api/${type}/${c.target}` })))
        }
      }
    })
    const cloud = yield* side.object("cloud", "Default-Cloud")
    const cloudUuid = String(cloud?.["uuid"] ?? "")
    const settings: RuleValidationSettings = {
      clusterName: CLUSTER,
      tenantName: "admin",
      cloudName: "Default-Cloud",
      cloudUuid,
      cloudType: String(cloud?.["vtype"] ?? ""),
      ...options.settings
    }
    const env: Env = {
      kube,
      avi,
      side,
      memory: Option.map(memory, (memoryContext) => Context.get(memoryContext, AviMemoryStore)),
      cloudUuid,
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

const infraSetting = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "ako.vmware.com/v1beta1",
  kind: "AviInfraSetting",
  metadata: { name },
  spec
})
const infraStatus = (kube: KubeSim, name: string) => statusOf(kube, "aviinfrasettings", name, "")
const segLabels = (side: AviSide, name: string) =>
  Effect.map(side.object("serviceenginegroup", name), (o) => o?.["labels"])

for (const backend of ["simulator", "memory"] as const) {
  describe(`AviInfraSetting validation (§3.2), Avi client: ${backend}`, () => {
    it.live(
      "every check writes AKO's text, in AKO's order; a valid setting is Accepted, with an Event on it",
      () =>
        withEnv(({ avi, kube, side, start }) =>
          Effect.gen(function*() {
            yield* side.insert("serviceenginegroup", {
              name: "ako-seg",
              cloud_ref: "/api/cloud/?name=Default-Cloud",
              created_by: `ako-${CLUSTER}`
            })
            const vip = (network: Record<string, unknown>) => ({ network: { vipNetworks: [network] } })
            const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
              ["bgp", { network: { bgpPeerLabels: ["peer-1"] } }, "BGPPeerLabels cannot be set if EnableRhi is false."],
              [
                "bgp-rhi-off",
                // checked before anything else
                { network: { enableRhi: false, bgpPeerLabels: ["peer-1"], listeners: [{ port: 80 }] } },
                "BGPPeerLabels cannot be set if EnableRhi is false."
              ],
              [
                "bad-cidr",
                vip({ networkName: "vip-network", cidr: "10.0.0.0/33" }),
                "invalid CIDR configuration 10.0.0.0/33 detected for networkName vip-network in vipNetworkList"
              ],
              [
                "cidr-no-mask",
                vip({ networkName: "vip-network", cidr: "10.0.0.0" }),
                "invalid CIDR configuration 10.0.0.0 detected for networkName vip-network in vipNetworkList"
              ],
              [
                "bad-v6cidr",
                vip({ networkName: "vip-network", cidr: "10.50.0.0/16", v6cidr: "2001:db8::/129" }),
                "invalid IPv6 CIDR configuration 2001:db8::/129 detected for networkName vip-network in vipNetworkList"
              ],
              [
                "long-v6cidr",
                vip({ networkName: "vip-network", v6cidr: `${"f".repeat(40)}:1/64x` }),
                `invalid IPv6 CIDR configuration ${"f".repeat(40)}:1/64x detected for networkName vip-network ` +
                "in vipNetworkList"
              ],
              [
                "no-ssl",
                { network: { listeners: [{ port: 80 }, { port: 8080, enableSSL: false }] } },
                "One of the port in aviInfraSetting must have SSL enabled"
              ],
              [
                "no-vip-network",
                { seGroup: { name: "team-seg" }, network: { vipNetworks: [{ networkName: "team-vip" }] } },
                "network \"team-vip\" not found on controller"
              ],
              [
                "no-node-network",
                { network: { nodeNetworks: [{ networkName: "team-nodes", cidrs: ["10.1.0.0/16"] }] } },
                "network \"team-nodes\" not found on controller"
              ],
              ["no-seg", { seGroup: { name: "team-seg" } }, "serviceenginegroup \"team-seg\" not found on controller"],
              [
                "ako-seg",
                { seGroup: { name: "ako-seg" } },
                "serviceenginegroup \"ako-seg\" Invalid operation, object referred is created by current AKO instance"
              ],
              [
                "valid",
                {
                  seGroup: { name: "Default-Group" },
                  network: {
                    vipNetworks: [{ networkName: "vip-network", cidr: "10.50.0.0/16", v6cidr: "2001:db8::/64" }],
                    nodeNetworks: [{ networkName: "vip-network", cidrs: ["10.50.0.0/16"] }],
                    enableRhi: true,
                    bgpPeerLabels: ["peer-1"],
                    listeners: [{ port: 80 }, { port: 443, enableSSL: true }]
                  },
                  l7Settings: { shardSize: "SMALL" }
                },
                ""
              ],
              ["empty", {}, ""]
            ]
            for (const [name, spec] of cases) kube.create(infraSetting(name, spec))
            const { rules } = yield* start
            yield* rules.validateAll
            for (const [name, , error] of cases) {
              expect({ name, status: infraStatus(kube, name) }).toEqual({
                name,
                status: { status: error === "" ? "Accepted" : "Rejected", error }
              })
            }
            expect([...(yield* rules.effective).aviInfraSettings.keys()].sort()).toEqual(["empty", "valid"])
            // one look-up per name and pass
            expect(yield* side.calls("GET", "network")).toHaveLength(3)
            if (backend === "simulator") {
              // in the global tenant, with the fields AKO asks for
              const gets = avi.requestLog().filter((e) => e.method === "GET" && e.objectType === "network")
              expect(gets.map((e) => [e.tenant, e.query]).sort()).toEqual(
                ["team-nodes", "team-vip", "vip-network"].map((n) => [
                  "admin",
                  `name=${n}&fields=name%2Ctype%2Clabels%2Ccreated_by`
                ])
              )
            }
            // Events of a cluster-scoped object land in `default`, naming no namespace
            const written = eventsIn(kube, "default").filter((e) => e.involvedObject?.name === "valid")
            expect(written.map((e) => [e.type, e.reason, e.message])).toEqual([
              ["Normal", "Accepted", "AviInfraSetting is valid and accepted"]
            ])
            expect(written[0]?.involvedObject).toMatchObject({
              apiVersion: "ako.vmware.com/v1beta1",
              kind: "AviInfraSetting",
              name: "valid"
            })
            expect(written[0]?.involvedObject).not.toHaveProperty("namespace")
          }), { backend }),
      60_000
    )

    it.live(
      "a network by UUID: GET /api/network/<uuid>?cloud_uuid=<cloud>; a missing one is Rejected; AWS clouds skip it",
      () =>
        Effect.gen(function*() {
          const cases = (uuid: string) =>
            [
              ["by-uuid", { network: { vipNetworks: [{ networkUUID: uuid, cidr: "10.50.0.0/16" }] } }],
              ["missing-uuid", { network: { nodeNetworks: [{ networkUUID: "network-nope" }] } }]
            ] as const
          yield* withEnv(({ avi, cloudUuid, kube, side, start }) =>
            Effect.gen(function*() {
              const network = yield* side.object("network", "vip-network")
              const uuid = String(network?.["uuid"])
              for (const [name, spec] of cases(uuid)) kube.create(infraSetting(name, spec))
              const { rules } = yield* start
              yield* rules.validateAll
              expect(infraStatus(kube, "by-uuid")).toEqual({ status: "Accepted", error: "" })
              expect(infraStatus(kube, "missing-uuid")).toEqual({
                status: "Rejected",
                error: "network \"network-nope\" not found on controller"
              })
              const paths = (yield* side.calls("GET", "network")).map((c) => c.path).sort()
              expect(paths).toEqual([`/api/network/${uuid}`, "/api/network/network-nope"])
              if (backend === "simulator") {
                const queries = avi.requestLog().filter((e) => e.objectType === "network").map((e) => e.query)
                expect(queries).toEqual([`cloud_uuid=${cloudUuid}`, `cloud_uuid=${cloudUuid}`])
              }
            }), { backend })
          // AKO does not ask on AWS (nor Azure) clouds: accepted unseen
          yield* withEnv(({ kube, side, start }) =>
            Effect.gen(function*() {
              for (const [name, spec] of cases("network-other")) kube.create(infraSetting(name, spec))
              const { rules } = yield* start
              yield* rules.validateAll
              expect(infraStatus(kube, "missing-uuid")).toEqual({ status: "Accepted", error: "" })
              expect(yield* side.calls("GET", "network")).toEqual([])
            }), { backend, settings: { cloudType: "CLOUD_AWS" } })
        }),
      60_000
    )

    it.live(
      "the SE group gets AKO's clustername label once when it has none; a labelled one is left alone",
      () =>
        withEnv(({ kube, side, start }) =>
          Effect.gen(function*() {
            yield* side.insert("serviceenginegroup", {
              name: "team-seg",
              cloud_ref: "/api/cloud/?name=Default-Cloud",
              max_se: 7,
              description: "set by the team"
            })
            yield* side.insert("serviceenginegroup", {
              name: "labelled-seg",
              cloud_ref: "/api/cloud/?name=Default-Cloud",
              labels: [{ key: "clustername", value: "other-cluster" }]
            })
            kube.create(infraSetting("team", { seGroup: { name: "team-seg" } }))
            kube.create(infraSetting("labelled", { seGroup: { name: "labelled-seg" } }))
            kube.create(infraSetting("rejected", { seGroup: { name: "team-seg" }, network: { bgpPeerLabels: ["p"] } }))
            const { rules } = yield* start
            yield* rules.validateAll
            expect(yield* segLabels(side, "team-seg")).toEqual([{ key: "clustername", value: CLUSTER }])
            const team = yield* side.object("serviceenginegroup", "team-seg")
            expect(team).toMatchObject({ max_se: 7, description: "set by the team" })
            expect(yield* segLabels(side, "labelled-seg")).toEqual([{ key: "clustername", value: "other-cluster" }])
            const puts = yield* side.calls("PUT", "serviceenginegroup")
            expect(puts).toHaveLength(1)
            // another pass (or a dependent re-validation) over the same acceptance labels nothing again
            const gets = (yield* side.calls("GET", "serviceenginegroup")).length
            yield* rules.validateAll
            expect(yield* side.calls("PUT", "serviceenginegroup")).toHaveLength(1)
            // the ref check asks again each pass; the labelling does not
            expect(yield* side.calls("GET", "serviceenginegroup")).toHaveLength(gets + 2)
          }), { backend }),
      60_000
    )

    it.live(
      "no SE group labelling with disableStaticRouteSync",
      () =>
        withEnv(({ kube, side, start }) =>
          Effect.gen(function*() {
            kube.create(infraSetting("infra", { seGroup: { name: "Default-Group" } }))
            const { rules } = yield* start
            yield* rules.validateAll
            expect(infraStatus(kube, "infra")?.status).toBe("Accepted")
            expect(yield* side.calls("PUT", "serviceenginegroup")).toEqual([])
            expect(((yield* segLabels(side, "Default-Group")) as ReadonlyArray<unknown> | undefined) ?? []).toEqual([])
          }), { backend, settings: { disableStaticRouteSync: true } }),
      30_000
    )

    it.live(
      "accepted ⇒ in effect; edited into something invalid ⇒ the accepted spec stays; fixed ⇒ the new one; deleted ⇒ gone",
      () =>
        withEnv(({ kube, start }) =>
          Effect.gen(function*() {
            kube.create(
              infraSetting("infra", { seGroup: { name: "Default-Group" }, l7Settings: { shardSize: "SMALL" } })
            )
            const { reflectors, rules } = yield* start
            const keys = yield* rules.subscribe
            const seen = yield* Ref.make<ReadonlyArray<string>>([])
            yield* keys.pipe(Stream.runForEach((key) => Ref.update(seen, (all) => [...all, key])), Effect.forkScoped)
            yield* rules.validateAll
            yield* Effect.forkScoped(rules.run)
            expect((yield* rules.effective).aviInfraSettings.get("infra")?.spec?.l7Settings?.shardSize).toBe("SMALL")

            kube.apply(infraSetting("infra", { seGroup: { name: "team-missing" }, l7Settings: { shardSize: "LARGE" } }))
            yield* eventually(
              Effect.sync(() => when(infraStatus(kube, "infra")?.status === "Rejected")),
              "the setting rejected"
            )
            expect(infraStatus(kube, "infra")?.error).toBe(
              "serviceenginegroup \"team-missing\" not found on controller"
            )
            const stored = Option.getOrThrow(yield* reflectors.aviInfraSettings.get("infra"))
            expect(stored.spec?.seGroup?.name).toBe("team-missing")
            const kept = (yield* rules.effective).aviInfraSettings.get("infra")
            expect(kept?.spec?.seGroup?.name).toBe("Default-Group")
            expect(kept?.spec?.l7Settings?.shardSize).toBe("SMALL")

            kube.apply(
              infraSetting("infra", { seGroup: { name: "Default-Group" }, l7Settings: { shardSize: "LARGE" } })
            )
            yield* eventually(
              Effect.map(
                rules.effective,
                (e) => when(e.aviInfraSettings.get("infra")?.spec?.l7Settings?.shardSize === "LARGE")
              ),
              "the fixed spec in effect"
            )
            kube.delete("aviinfrasettings", "", "infra")
            yield* eventually(
              Effect.map(rules.effective, (e) => when(e.aviInfraSettings.size === 0)),
              "the setting gone"
            )
            expect(yield* Ref.get(seen)).toContain("AviInfraSetting/infra")
          }), { backend }),
      30_000
    )

    it.live(
      "a takeover over Accepted settings writes no status and no Event; a passive replica and plan trust the status",
      () =>
        withEnv(({ another, kube, start }) =>
          Effect.gen(function*() {
            kube.create(infraSetting("good", { seGroup: { name: "Default-Group" } }))
            kube.create(infraSetting("bad", { network: { listeners: [{ port: 80 }] } }))
            kube.create(infraSetting("unjudged", {}))
            const { reflectors, rules } = yield* start
            yield* rules.validateAll
            expect(statusPatches(kube)).toHaveLength(3)
            yield* eventually(
              Effect.map(
                reflectors.aviInfraSettings.snapshot,
                (s) => when([...s.values()].every((r) => r.status !== undefined))
              ),
              "the statuses in the store"
            )
            kube.create({ ...infraSetting("later", {}), status: { status: "Accepted", error: "" } })
            yield* eventually(
              Effect.map(reflectors.aviInfraSettings.get("later"), Option.map(() => true)),
              "the stored setting"
            )
            kube.create(infraSetting("fresh", {}))
            yield* eventually(
              Effect.map(reflectors.aviInfraSettings.get("fresh"), Option.map(() => true)),
              "the unjudged setting"
            )
            const passive = yield* another(reflectors)
            expect([...(yield* passive.effective).aviInfraSettings.keys()].sort()).toEqual([
              "good",
              "later",
              "unjudged"
            ])
            expect([...(yield* acceptedRules(reflectors).effective).aviInfraSettings.keys()].sort()).toEqual([
              "good",
              "later",
              "unjudged"
            ])
            const events = eventsIn(kube, "default").length
            const patches = statusPatches(kube).length
            // a new leader: the stored verdicts are what it would write, except for the one never judged
            kube.delete("aviinfrasettings", "", "fresh")
            yield* eventually(
              Effect.map(reflectors.aviInfraSettings.get("fresh"), (o) => when(Option.isNone(o))),
              "the unjudged setting gone"
            )
            yield* passive.validateAll
            expect(statusPatches(kube)).toHaveLength(patches)
            expect(eventsIn(kube, "default")).toHaveLength(events)
          }), { backend }),
      30_000
    )
  })
}

describe("AviInfraSetting SE group labelling, in-memory Avi client", () => {
  it.live(
    "a 412 (the SE group changed since it was read) is read again and retried once; a failure is only logged",
    () =>
      withEnv(({ kube, memory, side, start }) =>
        Effect.gen(function*() {
          const store = Option.getOrThrow(memory)
          const stale = new AviPreconditionFailed({ method: "PUT", path: "/api/serviceenginegroup", message: "stale" })
          yield* side.insert("serviceenginegroup", { name: "seg-a", cloud_ref: "/api/cloud/?name=Default-Cloud" })
          yield* side.insert("serviceenginegroup", { name: "seg-b", cloud_ref: "/api/cloud/?name=Default-Cloud" })
          kube.create(infraSetting("a", { seGroup: { name: "seg-a" } }))
          const { reflectors, rules } = yield* start
          yield* store.failNext({ method: "PUT", type: "serviceenginegroup", error: stale })
          yield* rules.validateAll
          expect(yield* segLabels(side, "seg-a")).toEqual([{ key: "clustername", value: CLUSTER }])
          expect(yield* side.calls("PUT", "serviceenginegroup")).toHaveLength(2)

          kube.create(infraSetting("b", { seGroup: { name: "seg-b" } }))
          yield* eventually(Effect.map(reflectors.aviInfraSettings.get("b"), Option.map(() => true)), "the setting")
          yield* store.failNext({ method: "PUT", type: "serviceenginegroup", times: 2, error: stale })
          yield* rules.validateAll
          expect(infraStatus(kube, "b")).toEqual({ status: "Accepted", error: "" })
          expect(yield* segLabels(side, "seg-b")).toBeUndefined()
          expect(yield* side.calls("PUT", "serviceenginegroup")).toHaveLength(4)
        }), { backend: "memory" }),
    30_000
  )
})

describe("validation order", () => {
  it.live(
    "a pass validates in AKO's boot order: L7Rule, HostRule, HTTPRule, AviInfraSetting, L4Rule",
    () =>
      withEnv(({ kube, start }) =>
        Effect.gen(function*() {
          kube.create(l4Rule("l4", {}))
          kube.create(infraSetting("infra", {}))
          kube.create(httpRule("http", []))
          kube.create(hostRule("host", { fqdn: "host.example.com" }))
          kube.create(l7Rule("l7", {}))
          const { rules } = yield* start
          yield* rules.validateAll
          expect(statusPatches(kube).map((e) => e.resource)).toEqual([
            "l7rules",
            "hostrules",
            "httprules",
            "aviinfrasettings",
            "l4rules"
          ])
        })
      ),
    30_000
  )
})
