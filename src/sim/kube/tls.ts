/** A fresh self-signed certificate per simulator start; it is its own CA, so clients trust exactly this server. */
import { isIP } from "node:net"
import { generate } from "selfsigned"

export interface ServerCertificate {
  readonly certPem: string
  readonly keyPem: string
}

export const generateCertificate = async (host: string): Promise<ServerCertificate> => {
  const altNames: Array<{ type: 2 | 7; value?: string; ip?: string }> = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" }
  ]
  if (isIP(host) !== 0 && host !== "127.0.0.1" && host !== "::1") altNames.push({ type: 7, ip: host })
  if (isIP(host) === 0 && host !== "localhost") altNames.push({ type: 2, value: host })
  const notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000)
  const result = await generate([{ name: "commonName", value: "ako-ts-kube-sim" }], {
    keyType: "ec",
    curve: "P-256",
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames }
    ]
  })
  return { certPem: result.cert, keyPem: result.private }
}
