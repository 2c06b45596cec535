import { readFileSync } from "node:fs"

/** The package version, read once from package.json (two levels above src/app in both src/ and dist/src/). */
const findVersion = (): string => {
  for (const relative of ["../../package.json", "../../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string
        version?: string
      }
      if (manifest.name === "ako-ts" && manifest.version !== undefined) return manifest.version
    } catch {
      // try the next candidate location
    }
  }
  return "0.0.0-unknown"
}

/**
 * The version this replica announces in the Lease. `AKO_TS_VERSION_OVERRIDE` replaces it, so version-skew handling
 * can be exercised (and a canary build labelled) without building another package.
 */
export const VERSION: string = process.env["AKO_TS_VERSION_OVERRIDE"]?.trim() || findVersion()
