/**
 * AKO's CRD manifests from deploy/crds, as `kubectl apply -f` sends them. client-node's `loadAllYaml` reads a
 * CustomResourceDefinition into its typed model, which renames schema keywords (`default` becomes `_default`), so
 * an API server (or the simulator) given that object would fill no schema defaults. Read under a kind client-node
 * does not type, the documents stay as written.
 */
import { loadAllYaml } from "@kubernetes/client-node"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const DEPLOY_CRDS = fileURLToPath(new URL("../../deploy/crds/", import.meta.url))
const CNI_CRDS = fileURLToPath(new URL("../fixtures/cni-crds/", import.meta.url))
const UNTYPED = "CustomResourceDefinitionAsWritten"

const crdsIn = (directory: string, files: ReadonlyArray<string>): ReadonlyArray<Record<string, unknown>> =>
  files.flatMap((file) => {
    const text = readFileSync(`${directory}${file}`, "utf8").replace(
      /^kind: CustomResourceDefinition$/gm,
      `kind: ${UNTYPED}`
    )
    return (loadAllYaml(text) as ReadonlyArray<Record<string, unknown>>)
      .filter((document) => document !== null && typeof document === "object")
      .map((document) => document["kind"] === UNTYPED ? { ...document, kind: "CustomResourceDefinition" } : document)
  })

export const akoCrds = (...files: ReadonlyArray<string>) => crdsIn(DEPLOY_CRDS, files)

/** The CNIs' CRDs of test/fixtures/cni-crds (blockaffinities.yaml, hostsubnets.yaml, ciliumnodes.yaml). */
export const cniCrds = (...files: ReadonlyArray<string>) => crdsIn(CNI_CRDS, files)
