/**
 * What the process reads from Kubernetes before anything else can start: the ConfigMap `avi-k8s-config` and the
 * Secret `avi-secret` in the controller's namespace, read through the API as AKO does. A missing object is a normal
 * answer (AKO's environment fallback applies); any other failure stops start-up with a typed error that says which
 * object and which API server.
 */
import { KubeConfig } from "@kubernetes/client-node/dist/config.js"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { CONFIGMAP_NAME, SECRET_NAME } from "../config/index.js"
import type { SecretData } from "../config/index.js"
import { makeKubeClient } from "../k8s/index.js"

export class KubeReadError extends Data.TaggedError("KubeReadError")<{
  readonly object: string
  readonly server: string
  readonly detail: string
}> {
  override get message(): string {
    return `cannot read ${this.object} from the Kubernetes API at ${this.server}: ${this.detail}`
  }
}

export class KubeConfigError extends Data.TaggedError("KubeConfigError")<{ readonly detail: string }> {
  override get message(): string {
    return `cannot load a Kubernetes connection: ${this.detail}`
  }
}

/** `KUBECONFIG` or ~/.kube/config, else the in-cluster ServiceAccount (client-node's `loadFromDefault`). */
export const loadKubeConfig = (kubeconfigPath: string | undefined): Effect.Effect<KubeConfig, KubeConfigError> =>
  Effect.try({
    try: () => {
      const kubeConfig = new KubeConfig()
      if (kubeconfigPath === undefined) kubeConfig.loadFromDefault()
      else kubeConfig.loadFromFile(kubeconfigPath)
      const cluster = kubeConfig.getCurrentCluster()
      if (cluster === null) throw new Error("the kubeconfig names no current cluster")
      // client-node's last resort when nothing is configured; a request there can only fail, so say why now.
      if (kubeconfigPath === undefined && cluster.name === "cluster" && cluster.server === "http://localhost:8080") {
        throw new Error(
          "no Kubernetes cluster configured: set KUBECONFIG, pass --kubeconfig FILE, or run inside a cluster"
        )
      }
      return kubeConfig
    },
    catch: (error) => new KubeConfigError({ detail: error instanceof Error ? error.message : String(error) })
  })

const REQUEST_TIMEOUT = Duration.seconds(10)

/** A GET whose 404 means "absent" (AKO's environment fallback applies); anything else stops the start. */
const readOptional = (
  kubeConfig: KubeConfig,
  object: string,
  path: string
): Effect.Effect<Record<string, unknown> | undefined, KubeReadError> =>
  makeKubeClient(kubeConfig).request({ method: "GET", path }).pipe(
    Effect.map((body) => body as Record<string, unknown>),
    Effect.timeoutFail({ duration: REQUEST_TIMEOUT, onTimeout: () => "no answer within 10 s" }),
    Effect.catchAll((error) =>
      typeof error !== "string" && error._tag === "KubeApiError" && error.status === 404 ?
        Effect.succeed(undefined) :
        Effect.fail(
          new KubeReadError({
            object,
            server: kubeConfig.getCurrentCluster()?.server ?? "(unknown)",
            detail: typeof error === "string" ? error : error.message
          })
        )
    )
  )

const namespacedPath = (namespace: string, plural: string, name: string) =>
  `/api/v1/namespaces/${encodeURIComponent(namespace)}/${plural}/${encodeURIComponent(name)}`

const stringMap = (value: unknown): Readonly<Record<string, string>> =>
  typeof value === "object" && value !== null ?
    Object.fromEntries(
      Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string")
    ) :
    {}

export const readAkoConfigMap = (
  kubeConfig: KubeConfig,
  namespace: string
): Effect.Effect<Readonly<Record<string, string>> | undefined, KubeReadError> =>
  readOptional(
    kubeConfig,
    `ConfigMap ${namespace}/${CONFIGMAP_NAME}`,
    namespacedPath(namespace, "configmaps", CONFIGMAP_NAME)
  )
    .pipe(Effect.map((configMap) => configMap === undefined ? undefined : stringMap(configMap["data"])))

/** Secret values are wrapped in `Redacted` the moment they are decoded from base64. */
export const readAviSecret = (
  kubeConfig: KubeConfig,
  namespace: string
): Effect.Effect<SecretData | undefined, KubeReadError> =>
  readOptional(kubeConfig, `Secret ${namespace}/${SECRET_NAME}`, namespacedPath(namespace, "secrets", SECRET_NAME))
    .pipe(Effect.map((secret) => {
      if (secret === undefined) return undefined
      const decoded: Record<string, Redacted.Redacted<string>> = {}
      for (const [key, base64] of Object.entries(stringMap(secret["data"]))) {
        decoded[key] = Redacted.make(Buffer.from(base64, "base64").toString("utf8"))
      }
      for (const [key, text] of Object.entries(stringMap(secret["stringData"]))) decoded[key] = Redacted.make(text)
      return decoded
    }))
