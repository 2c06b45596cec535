/**
 * Re-encrypt Routes (`spec.tls.termination: reencrypt`, reference/ako-objects.md §4, §11.3): the host is served like
 * an edge one, and each of its SNI pools speaks TLS to the backend (`sni_enabled`, the System-Standard SSL profile).
 * With `destinationCACertificate` the backend is verified against a PKI profile `<pool>-pkiprofile` of the pool's
 * own (AKO `validator.go:ParseHostPathForRoute`, `avi_model_l7_translator.go:BuildPoolSecurity`).
 */
import { ref } from "./avi-fields.js"
import type { PoolRuleSettings } from "./httprule.js"
import type { Reencrypt } from "./ingress.js"

/** `lib.DefaultPoolSSLProfile`, as AKO's pool model holds it (and sends it). */
export const REENCRYPT_SSL_PROFILE_REF = ref.byName("sslprofile", "System-Standard")

/**
 * A Route pool's fields AKO sets for re-encryption. AKO rebuilds such pools whole, so where a Route's pool no longer
 * re-encrypts (termination changed) they are dropped too, which ako-ts does by owning them.
 */
export const ROUTE_POOL_OWNED_FIELDS: ReadonlyArray<string> = ["ssl_profile_ref", "pki_profile_ref"]

export const reencryptOf = (destinationCA: string | undefined): Reencrypt => ({
  destinationCA: destinationCA === undefined || destinationCA === "" ? undefined : destinationCA
})

/**
 * The pool settings of a re-encrypting Route's pool. An HTTPRule on the same pool is applied after the Route (AKO
 * `BuildPoolHTTPRule` runs after `BuildPoolSecurity`): its SSL profile and its own `destinationCA` win. The Route's
 * PKI profile, when it has one, carries the pool's markers (unlike an HTTPRule's), and replaces a PKI profile an
 * HTTPRule names, as an HTTPRule's own profile does.
 */
export const withReencrypt = (rule: PoolRuleSettings, reencrypt: Reencrypt | undefined): PoolRuleSettings => {
  if (reencrypt === undefined) return rule
  const sslProfileRef = rule.crd?.sslProfileRef ?? REENCRYPT_SSL_PROFILE_REF
  const routeCA = rule.destinationCA === undefined ? reencrypt.destinationCA : undefined
  const { pkiProfileRef, ...crd } = rule.crd ?? {}
  const { pki_profile_ref: namedPki, ...fields } = rule.fields
  const keepNamed = routeCA === undefined && pkiProfileRef !== undefined
  return {
    ...rule,
    crd: { ...crd, sslProfileRef, ...(keepNamed ? { pkiProfileRef } : {}) },
    fields: { ...fields, ssl_profile_ref: sslProfileRef, ...(keepNamed ? { pki_profile_ref: namedPki } : {}) },
    sniEnabled: true,
    ...(routeCA === undefined ?
      {} :
      { destinationCA: routeCA, destinationCATarget: "", destinationCAMarkers: "pool" as const })
  }
}
