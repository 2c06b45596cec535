/**
 * Who this replica is and where it lives: `POD_NAME` (the Lease holder identity) and `POD_NAMESPACE` (the Lease,
 * ConfigMap and Secret namespace), both injected by the downward API in-cluster.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { DEFAULT_NAMESPACE } from "./ako-config.js"
import { ConfigInvalid } from "./errors.js"

export interface ReplicaIdentity {
  readonly podName: string
  readonly podNamespace: string
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export const decodeReplicaIdentity = (
  env: { readonly podName: string | undefined; readonly podNamespace: string | undefined },
  hostname: string
): Either.Either<ReplicaIdentity, ConfigInvalid> => {
  const podNamespace = env.podNamespace?.trim() || DEFAULT_NAMESPACE
  const podName = env.podName?.trim() || hostname
  if (podNamespace.length > 63 || !DNS_1123_LABEL.test(podNamespace)) {
    return Either.left(
      new ConfigInvalid({
        source: "the environment",
        issues: [{
          key: "POD_NAMESPACE",
          env: "POD_NAMESPACE",
          value: podNamespace,
          allowed: "a Kubernetes namespace name (lower-case DNS-1123 label)"
        }]
      })
    )
  }
  return Either.right({ podName, podNamespace })
}

export const readReplicaEnvironment: Effect.Effect<{
  readonly podName: string | undefined
  readonly podNamespace: string | undefined
}> = Effect.all({
  podName: Config.option(Config.string("POD_NAME")),
  podNamespace: Config.option(Config.string("POD_NAMESPACE"))
}).pipe(
  Effect.map((values) => ({
    podName: Option.getOrUndefined(values.podName),
    podNamespace: Option.getOrUndefined(values.podNamespace)
  })),
  Effect.orElseSucceed(() => ({ podName: undefined, podNamespace: undefined }))
)
