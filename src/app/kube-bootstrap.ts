/**
 * What the process reads from Kubernetes before anything else can start: the ConfigMap `avi-k8s-config` and the
 * Secret `avi-secret` in the controller's namespace, read through the API as AKO does. A missing object is a normal
 * answer (AKO's environment fallback applies); any other failure stops start-up with a typed error that says which
 * object and which API server.
 */
import * as k8s from "@kubernetes/client-node"
import { Data, Duration, Effect, Redacted } from "effect"
import { CONFIGMAP_NAME, SECRET_NAME } from "../config/index.js"
import type { SecretData } from "../config/index.js"

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
export const loadKubeConfig = (kubeconfigPath: string | undefined): Effect.Effect<k8s.KubeConfig, KubeConfigError> =>
  Effect.try({
    try: () => {
      const kubeConfig = new k8s.KubeConfig()
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

/** client-node does not abort a request when the promise is abandoned; the signal must be set on its request context. */
const abortWith = (signal: AbortSignal): k8s.ConfigurationOptions => ({
  middleware: [{
    pre: (context) => {
      context.setSignal(signal)
      return new k8s.Observable(Promise.resolve(context))
    },
    post: (response) => new k8s.Observable(Promise.resolve(response))
  }],
  middlewareMergeStrategy: "append"
})

const REQUEST_TIMEOUT = Duration.seconds(10)

const describeFailure = (error: unknown): string => {
  if (error instanceof k8s.ApiException) {
    const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body)
    return `HTTP ${error.code}: ${body.slice(0, 300)}`
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : ""
    return `${error.message}${cause}`
  }
  return String(error)
}

const readOptional = <A>(
  kubeConfig: k8s.KubeConfig,
  object: string,
  read: (options: k8s.ConfigurationOptions) => Promise<A>
): Effect.Effect<A | undefined, KubeReadError> =>
  Effect.tryPromise({
    try: (signal) => read(abortWith(signal)).then((value): A | undefined => value),
    catch: (error) => error
  }).pipe(
    Effect.timeoutFail({ duration: REQUEST_TIMEOUT, onTimeout: () => new Error(`no answer within 10 s`) }),
    Effect.catchAll((error) =>
      error instanceof k8s.ApiException && error.code === 404 ?
        Effect.succeed(undefined) :
        Effect.fail(
          new KubeReadError({
            object,
            server: kubeConfig.getCurrentCluster()?.server ?? "(unknown)",
            detail: describeFailure(error)
          })
        )
    )
  )

export const readAkoConfigMap = (
  kubeConfig: k8s.KubeConfig,
  namespace: string
): Effect.Effect<Readonly<Record<string, string>> | undefined, KubeReadError> => {
  const api = kubeConfig.makeApiClient(k8s.CoreV1Api)
  return readOptional(
    kubeConfig,
    `ConfigMap ${namespace}/${CONFIGMAP_NAME}`,
    (options) => api.readNamespacedConfigMap({ name: CONFIGMAP_NAME, namespace }, options)
  ).pipe(Effect.map((configMap) => configMap === undefined ? undefined : { ...configMap.data }))
}

/** Secret values are wrapped in `Redacted` the moment they are decoded from base64. */
export const readAviSecret = (
  kubeConfig: k8s.KubeConfig,
  namespace: string
): Effect.Effect<SecretData | undefined, KubeReadError> => {
  const api = kubeConfig.makeApiClient(k8s.CoreV1Api)
  return readOptional(
    kubeConfig,
    `Secret ${namespace}/${SECRET_NAME}`,
    (options) => api.readNamespacedSecret({ name: SECRET_NAME, namespace }, options)
  ).pipe(Effect.map((secret) => {
    if (secret === undefined) return undefined
    const decoded: Record<string, Redacted.Redacted<string>> = {}
    for (const [key, base64] of Object.entries(secret.data ?? {})) {
      decoded[key] = Redacted.make(Buffer.from(base64, "base64").toString("utf8"))
    }
    for (const [key, text] of Object.entries(secret.stringData ?? {})) decoded[key] = Redacted.make(text)
    return decoded
  }))
}
