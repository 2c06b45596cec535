/**
 * What client-node's KubeConfig (dist/config.js) and its default HTTP library import from undici, in the bundle the
 * entry point loads (scripts/bundle.mjs): ako-ts sends every Kubernetes request over Node's https (transport.ts),
 * so undici (1.3 MB of source evaluated at start) and its HTTP parser are not loaded at all. Reaching one of these
 * is a defect: a new path into client-node's own transport. Should client-node import another name from undici,
 * the bundle fails to build.
 */
const notBundled = (name: string): never => {
  throw new Error(
    `undici.${name} is not bundled: ako-ts sends Kubernetes requests over node:https (src/k8s/transport.ts), ` +
      "and a path into client-node's own transport was reached"
  )
}

export class Agent {
  constructor() {
    notBundled("Agent")
  }
}

export class ProxyAgent {
  constructor() {
    notBundled("ProxyAgent")
  }
}

export const fetch = (): never => notBundled("fetch")
