/**
 * `sslkeyandcertificate.certificate` as a controller returns it: the fields the PEM holds, parsed, in the types of
 * the Go SDK's `SSLCertificate` model (AKO 2.2.1 cannot decode anything else), and the controller's refusals.
 * Expected values are computed here independently of the simulator (hash of the DER, dates given to the generator).
 */
import { createHash, createPublicKey, X509Certificate } from "node:crypto"
import { generate } from "selfsigned"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AVI_SIM_DEFAULT_PASSWORD, startAviSim } from "../../../src/sim/avi/index.js"
import { AviSession, pathOf } from "./raw-client.js"

type Sim = Awaited<ReturnType<typeof startAviSim>>
let sim: Sim
let avi: AviSession

beforeAll(async () => {
  sim = await startAviSim({ http: true })
  avi = new AviSession(sim)
  expect((await avi.login("admin", AVI_SIM_DEFAULT_PASSWORD)).status).toBe(200)
})
afterAll(() => sim.close())

const NOT_BEFORE = new Date("2024-01-02T03:04:05Z")
const NOT_AFTER = new Date("2034-01-02T03:04:05Z")

// One attribute only: selfsigned copies the CA's subject as Node prints it (one per line), which it cannot re-parse.
const ca = generate(
  [{ name: "commonName", value: "Sim Test CA" }],
  {
    // selfsigned signs with RSA CA keys only
    keyType: "rsa",
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: NOT_BEFORE,
    notAfterDate: NOT_AFTER,
    extensions: [{ name: "basicConstraints", cA: true }]
  }
)

const ecRoot = generate([{ name: "commonName", value: "Sim EC Root" }], {
  keyType: "ec",
  curve: "P-256",
  algorithm: "sha256",
  extensions: [{ name: "basicConstraints", cA: true }]
})

const leaf = ca.then((issuer) =>
  generate(
    [
      { name: "commonName", value: "shop.example.com" },
      { name: "organizationName", value: "Example Corp" },
      { shortName: "OU", value: "Web" },
      { name: "countryName", value: "DE" },
      { shortName: "ST", value: "Berlin" },
      { name: "localityName", value: "Berlin" }
    ],
    {
      keyType: "rsa",
      keySize: 2048,
      algorithm: "sha256",
      notBeforeDate: NOT_BEFORE,
      notAfterDate: NOT_AFTER,
      ca: { key: issuer.private, cert: issuer.cert },
      extensions: [{
        name: "subjectAltName",
        altNames: [{ type: 2, value: "shop.example.com" }, { type: 2, value: "www.shop.example.com" }]
      }]
    }
  )
)

/** `openssl x509 -fingerprint` of a PEM, computed from the DER. */
const sha1Fingerprint = (pem: string) =>
  `SHA1 Fingerprint=${
    createHash("sha1").update(new X509Certificate(pem).raw).digest("hex").toUpperCase().match(/../g)!.join(":")
  }`

/** The JSON types of the Go SDK's `SSLCertificate` (go/models/s_s_l_certificate.go) for the fields we fill. */
const sdkTypes: Record<string, "string" | "number" | "boolean" | "object" | "string[]"> = {
  certificate: "string",
  days_until_expire: "number",
  expiry_status: "string",
  fingerprint: "string",
  issuer: "object",
  key_params: "object",
  not_after: "string",
  not_before: "string",
  public_key: "string",
  self_signed: "boolean",
  serial_number: "string",
  subject: "object",
  subject_alt_names: "string[]",
  version: "string"
}

const expectGoSdkShape = (certificate: Record<string, unknown>) => {
  for (const [field, value] of Object.entries(certificate)) {
    const want = sdkTypes[field]
    expect(want, `unexpected certificate.${field}`).toBeDefined()
    if (want === "string[]") {
      expect(Array.isArray(value) && value.every((v) => typeof v === "string"), field).toBe(true)
    } else {
      expect(typeof value, field).toBe(want)
    }
  }
  for (const description of [certificate.subject, certificate.issuer] as Array<Record<string, unknown>>) {
    for (const value of Object.values(description)) expect(typeof value).toBe("string")
  }
}

describe("sslkeyandcertificate.certificate", () => {
  it("is parsed from the PEM: subject, issuer, validity, serial, fingerprint and the public key as PEM", async () => {
    const pems = await leaf
    const issuer = await ca
    const res = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--shop.example.com",
      created_by: "ako-c1",
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: pems.cert },
      key: pems.private
    })
    expect(res.status, res.text).toBe(201)
    const got = await avi.get(`${pathOf(res.json.url)}?include_name=true`)
    for (const body of [res.json, got.json]) {
      const certificate = body.certificate
      expectGoSdkShape(certificate)
      expect(certificate.public_key).toBe(
        createPublicKey(pems.private).export({ type: "spki", format: "pem" }).toString()
      )
      expect(certificate.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
      expect(certificate.subject).toEqual({
        common_name: "shop.example.com",
        organization: "Example Corp",
        organization_unit: "Web",
        country: "DE",
        state: "Berlin",
        locality: "Berlin",
        distinguished_name: expect.stringContaining("CN=shop.example.com")
      })
      expect(certificate.issuer).toEqual({ common_name: "Sim Test CA", distinguished_name: "CN=Sim Test CA" })
      expect(certificate.not_before).toBe("2024-01-02 03:04:05")
      expect(certificate.not_after).toBe("2034-01-02 03:04:05")
      expect(certificate.serial_number).toBe(BigInt(`0x${new X509Certificate(pems.cert).serialNumber}`).toString())
      expect(certificate.serial_number).toMatch(/^\d+$/)
      expect(certificate.fingerprint).toBe(sha1Fingerprint(pems.cert))
      expect(certificate.fingerprint).not.toBe(sha1Fingerprint(issuer.cert))
      expect(certificate.self_signed).toBe(false)
      expect(certificate.subject_alt_names).toEqual(["shop.example.com", "www.shop.example.com"])
      expect(certificate.key_params).toEqual({
        algorithm: "SSL_KEY_ALGORITHM_RSA",
        rsa_params: { key_size: "SSL_KEY_2048_BITS", exponent: 65537 }
      })
      expect(body.key_params).toEqual(certificate.key_params)
      expect(body.key).toBe("<sensitive>")
    }
  })

  it("describes an EC CA certificate without a key as self-signed with its curve", async () => {
    const issuer = await ecRoot
    const res = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--sim-ec-root",
      type: "SSL_CERTIFICATE_TYPE_CA",
      certificate: { certificate: issuer.cert }
    })
    expect(res.status, res.text).toBe(201)
    expectGoSdkShape(res.json.certificate)
    expect(res.json.certificate).toMatchObject({
      self_signed: true,
      fingerprint: sha1Fingerprint(issuer.cert),
      public_key: createPublicKey(issuer.private).export({ type: "spki", format: "pem" }).toString(),
      key_params: { algorithm: "SSL_KEY_ALGORITHM_EC", ec_params: { curve: "SSL_KEY_EC_CURVE_SECP256R1" } }
    })
    expect(res.json.key).toBeUndefined()
  })

  it("a GET result PUT back unchanged (stale parsed fields included) is parsed again, not stored as sent", async () => {
    const pems = await leaf
    const created = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--roundtrip",
      certificate: { certificate: pems.cert },
      key: pems.private
    })
    const edited = {
      ...created.json,
      certificate: { ...created.json.certificate, public_key: { algorithm: "from an old simulator" }, serial_number: 1 }
    }
    const put = await avi.put(pathOf(created.json.url), edited)
    expect(put.status, put.text).toBe(200)
    expectGoSdkShape(put.json.certificate)
    expect(put.json.certificate.public_key).toBe(created.json.certificate.public_key)
    expect(put.json.certificate.serial_number).toBe(created.json.certificate.serial_number)
  })

  it("marks an expired certificate as such", async () => {
    const old = await generate([{ name: "commonName", value: "old.example.com" }], {
      keyType: "ec",
      algorithm: "sha256",
      notBeforeDate: new Date("2020-01-01T00:00:00Z"),
      notAfterDate: new Date("2021-01-01T00:00:00Z")
    })
    const res = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--old",
      certificate: { certificate: old.cert },
      key: old.private
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.certificate).toMatchObject({
      expiry_status: "SSL_CERTIFICATE_EXPIRED",
      days_until_expire: 0,
      not_after: "2021-01-01 00:00:00"
    })
  })

  it("the seeded System-Default-Cert has the same shape", async () => {
    const seeded = (await avi.get("/api/sslkeyandcertificate?name=System-Default-Cert")).json.results[0]
    expectGoSdkShape(seeded.certificate)
    expect(seeded.certificate.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)
    expect(seeded.certificate.fingerprint).toBe(sha1Fingerprint(sim.caPem ?? seeded.certificate.certificate))
  })
})

describe("refusals", () => {
  it("junk certificates answer 500 Import error naming common_name; key problems 400; nothing is stored", async () => {
    const pems = await leaf
    const other = await generate([{ name: "commonName", value: "other" }], { keyType: "rsa", algorithm: "sha256" })
    const junk = [
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----",
      "not even PEM",
      pems.private
    ]
    for (const [index, certificate] of junk.entries()) {
      const res = await avi.post("/api/sslkeyandcertificate", {
        name: `c1--junk-${index}`,
        certificate: { certificate },
        key: pems.private
      })
      expect(res.status, certificate).toBe(500)
      expect(res.json.error).toContain("Import error")
      expect(res.json.error).toContain("common_name")
    }
    const mismatch = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--mismatch",
      certificate: { certificate: pems.cert },
      key: other.private
    })
    expect(mismatch.status).toBe(400)
    expect(mismatch.json.error).toBe("Import error: the private key does not match the certificate")
    const badKey = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--bad-key",
      certificate: { certificate: pems.cert },
      key: "-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----"
    })
    expect(badKey.status).toBe(400)
    expect(badKey.json.error).toContain("Import error")
    const stored = await avi.get("/api/sslkeyandcertificate?name.contains=c1--junk&page_size=100")
    expect(stored.json.count).toBe(0)
    expect((await avi.get("/api/sslkeyandcertificate?name.in=c1--mismatch,c1--bad-key")).json.count).toBe(0)
  })
})

describe("what AKO sends for a Route's CA certificate and a re-encrypting pool", () => {
  it("a CA certificate with AKO's empty key is stored without one, and a certificate refers to it by name", async () => {
    const issuer = await ca
    const pems = await leaf
    const caRes = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--route.example.com-cacert",
      created_by: "ako-c1",
      type: "SSL_CERTIFICATE_TYPE_CA",
      certificate: { certificate: issuer.cert },
      key: ""
    })
    expect(caRes.status, caRes.text).toBe(201)
    expect(caRes.json.key).toBeUndefined()
    expect(caRes.json.type).toBe("SSL_CERTIFICATE_TYPE_CA")
    expect(caRes.json.certificate.certificate).toBe(issuer.cert)
    const certRes = await avi.post("/api/sslkeyandcertificate", {
      name: "c1--route.example.com",
      type: "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE",
      certificate: { certificate: pems.cert },
      key: pems.private,
      ca_certs: [{
        ca_ref: "/api/sslkeyandcertificate/?name=c1--route.example.com-cacert",
        name: "c1--route.example.com-cacert"
      }]
    })
    expect(certRes.status, certRes.text).toBe(201)
    const got = await avi.get(`${pathOf(certRes.json.url)}?include_name=true`)
    expect(got.json.ca_certs).toEqual([{
      ca_ref: caRes.json.url,
      name: "c1--route.example.com-cacert"
    }])
    // Referred to: the CA goes only after the certificate that names it.
    expect((await avi.delete(pathOf(caRes.json.url))).status).toBe(400)
    expect((await avi.delete(pathOf(certRes.json.url))).status).toBe(204)
    expect((await avi.delete(pathOf(caRes.json.url))).status).toBe(204)
  })

  it("a PKI profile's CA is parsed like a certificate, and a pool re-encrypts with it", async () => {
    const issuer = await ca
    const pki = await avi.post("/api/pkiprofile", {
      name: "c1--pool-pkiprofile",
      created_by: "ako-c1",
      crl_check: false,
      ca_certs: [{ certificate: issuer.cert }]
    })
    expect(pki.status, pki.text).toBe(201)
    expect(pki.json.crl_check).toBe(false)
    expect(pki.json.ca_certs[0].certificate).toBe(issuer.cert)
    expect(pki.json.ca_certs[0].subject.common_name).toBe("Sim Test CA")
    const pool = await avi.post("/api/pool", {
      name: "c1--pool",
      sni_enabled: true,
      ssl_profile_ref: "/api/sslprofile?name=System-Standard",
      pki_profile_ref: "/api/pkiprofile?name=c1--pool-pkiprofile"
    })
    expect(pool.status, pool.text).toBe(201)
    expect(pool.json.sni_enabled).toBe(true)
    expect(pool.json.pki_profile_ref).toBe(pki.json.url)
    const junk = await avi.post("/api/pkiprofile", {
      name: "c1--junk-pkiprofile",
      ca_certs: [{ certificate: "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----" }]
    })
    expect(junk.status).toBe(500)
    expect(junk.json.error).toContain("Import error")
    expect((await avi.delete(pathOf(pool.json.url))).status).toBe(204)
    expect((await avi.delete(pathOf(pki.json.url))).status).toBe(204)
  })
})
