/**
 * The self-signed certificate the simulator serves HTTPS with (and seeds as System-Default-Cert). Generated once
 * per process: key generation is the slowest part of starting a simulator.
 */
import { generate } from "selfsigned"

export interface CertificatePair {
  readonly cert: string
  readonly key: string
}

let cached: Promise<CertificatePair> | undefined

export const simulatorCertificate = (): Promise<CertificatePair> => {
  cached ??= generate(
    [{ name: "commonName", value: "avi-controller" }, { name: "organizationName", value: "ako-ts" }],
    {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notAfterDate: new Date(Date.now() + 10 * 365 * 86_400_000),
      extensions: [
        { name: "basicConstraints", cA: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 2, value: "avi-controller" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" }
          ]
        }
      ]
    }
  ).then((pems) => ({ cert: pems.cert, key: pems.private }))
  return cached
}
