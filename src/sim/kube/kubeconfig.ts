/** Kubeconfig text for a simulator endpoint: CA data embedded, one bearer-token user, one context. */
export interface KubeconfigInput {
  readonly server: string
  readonly caPem: string | undefined
  readonly user: string
  readonly token: string
  readonly namespace?: string
}

// JSON strings are valid YAML double-quoted scalars, which keeps names like "system:serviceaccount:a:b" intact.
const q = (value: string) => JSON.stringify(value)

export const renderKubeconfig = (input: KubeconfigInput): string => {
  const cluster = input.caPem === undefined
    ? `    server: ${q(input.server)}\n    insecure-skip-tls-verify: true\n`
    : `    server: ${q(input.server)}\n    certificate-authority-data: ${
      q(Buffer.from(input.caPem, "utf8").toString("base64"))
    }\n`
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: ako-ts-sim",
    "  cluster:",
    cluster.trimEnd(),
    "contexts:",
    "- name: ako-ts-sim",
    "  context:",
    "    cluster: ako-ts-sim",
    `    user: ${q(input.user)}`,
    `    namespace: ${q(input.namespace ?? "default")}`,
    "current-context: ako-ts-sim",
    "users:",
    `- name: ${q(input.user)}`,
    "  user:",
    `    token: ${q(input.token)}`,
    ""
  ].join("\n")
}
