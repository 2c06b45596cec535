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
const UNTYPED = "CustomResourceDefinitionAsWritten"

export const akoCrds = (...files: ReadonlyArray<string>): ReadonlyArray<Record<string, unknown>> =>
  files.flatMap((file) => {
    const text = readFileSync(`${DEPLOY_CRDS}${file}`, "utf8").replace(
      /^kind: CustomResourceDefinition$/gm,
      `kind: ${UNTYPED}`
    )
    return (loadAllYaml(text) as ReadonlyArray<Record<string, unknown>>)
      .filter((document) => document !== null && typeof document === "object")
      .map((document) => document["kind"] === UNTYPED ? { ...document, kind: "CustomResourceDefinition" } : document)
  })
