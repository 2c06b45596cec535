import { Effect, Option } from "effect"
import { loadKubeConfig } from "../kube-bootstrap.js"

/**
 * True when nothing points at a cluster: no `--kubeconfig`, no KUBECONFIG or ~/.kube/config, not inside a pod. That is
 * when a bare `ako-ts` runs the playground instead of failing. Any other kubeconfig problem is the controller's to
 * report, so it answers false.
 */
export const noClusterConfigured = (kubeconfig: Option.Option<string>): Effect.Effect<boolean> =>
  Option.isSome(kubeconfig) ?
    Effect.succeed(false) :
    loadKubeConfig(undefined).pipe(
      Effect.as(false),
      Effect.catchTag("KubeConfigError", (error) => Effect.succeed(error.detail.startsWith("no Kubernetes cluster")))
    )
