/**
 * Start-up configuration: who this replica is, the AKO settings and the Avi credentials, read in AKO's order and
 * logged once (without secrets) so an operator can see what the process is running with and where each value came from.
 */
import type * as k8s from "@kubernetes/client-node"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFile } from "node:fs/promises"
import { hostname } from "node:os"
import {
  decodeAkoConfig,
  decodeAviCredentials,
  decodeReplicaIdentity,
  readCredentialEnvironment,
  readFieldEnvironment,
  readReplicaEnvironment
} from "../config/index.js"
import type {
  AkoConfig,
  AviCredentials,
  ConfigInvalid,
  CredentialsInvalid,
  ReplicaIdentity,
  SecretData
} from "../config/index.js"
import { KubeReadError, readAkoConfigMap, readAviSecret } from "./kube-bootstrap.js"

/** The two objects AKO reads from its namespace at start; swapped for an in-memory version in tests. */
export class ClusterBootstrap extends Context.Tag("ako-ts/app/ClusterBootstrap")<ClusterBootstrap, {
  readonly readConfigMap: (
    namespace: string
  ) => Effect.Effect<Readonly<Record<string, string>> | undefined, KubeReadError>
  readonly readSecret: (namespace: string) => Effect.Effect<SecretData | undefined, KubeReadError>
}>() {
  static fromKubeConfig(kubeConfig: k8s.KubeConfig): Layer.Layer<ClusterBootstrap> {
    return Layer.succeed(ClusterBootstrap, {
      readConfigMap: (namespace) => readAkoConfigMap(kubeConfig, namespace),
      readSecret: (namespace) => readAviSecret(kubeConfig, namespace)
    })
  }
}

export interface Settings {
  readonly identity: ReplicaIdentity
  readonly config: AkoConfig
  readonly credentials: AviCredentials
}

const readCaFile = (path: string | undefined): Effect.Effect<string | undefined, KubeReadError> =>
  path === undefined || path.trim() === "" ? Effect.succeed(undefined) : Effect.tryPromise({
    try: () => readFile(path, "utf8"),
    catch: (error) =>
      new KubeReadError({
        object: `ROOT_CA_CERT_PATH file ${path}`,
        server: "local filesystem",
        detail: error instanceof Error ? error.message : String(error)
      })
  })

export const loadSettings: Effect.Effect<
  Settings,
  ConfigInvalid | CredentialsInvalid | KubeReadError,
  ClusterBootstrap
> = Effect.gen(function*() {
  const cluster = yield* ClusterBootstrap
  const identity = yield* decodeReplicaIdentity(yield* readReplicaEnvironment, hostname())
  const [configMap, secret] = yield* Effect.all(
    [cluster.readConfigMap(identity.podNamespace), cluster.readSecret(identity.podNamespace)],
    { concurrency: 2 }
  )
  const config = yield* decodeAkoConfig({ configMap, env: yield* readFieldEnvironment })
  const credentialEnv = yield* readCredentialEnvironment
  const credentials = yield* decodeAviCredentials({
    secret,
    secretNamespace: identity.podNamespace,
    env: { ...credentialEnv, caData: secret === undefined ? yield* readCaFile(credentialEnv.caPath) : undefined }
  })
  yield* Effect.logInfo("configuration loaded").pipe(Effect.annotateLogs({
    pod: identity.podName,
    namespace: identity.podNamespace,
    clusterName: config.clusterName,
    controller: config.controllerIP,
    cloud: config.cloudName,
    tenant: config.tenantName,
    shardVSSize: config.shardVSSize,
    serviceType: config.serviceType,
    configMap: configMap === undefined ? "absent (environment only)" : "present",
    credentials: `${
      credentials.auth._tag === "Password" ? "password" : "token"
    } for ${credentials.username} from ${credentials.source}`,
    origins: config.origins
  }))
  // Settings accepted although ako-ts does less than AKO with them (e.g. no static route sync): said once, at start.
  for (const warning of config.warnings) {
    yield* Effect.logWarning(warning.message).pipe(Effect.annotateLogs({ key: warning.key, reason: warning.reason }))
  }
  if (credentials.caData === undefined) {
    yield* Effect.logWarning(
      "no certificateAuthorityData in avi-secret: the Avi Controller's TLS certificate will NOT be verified (as AKO)"
    )
  }
  return { identity, config, credentials }
})
