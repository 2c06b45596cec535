import { fileURLToPath } from "node:url"

/**
 * The built entry point, dist/src/app/main.js, for what spawns replicas (the playground). Found from this module
 * because it sits beside main.js both in tsc's output and in the bundle (scripts/bundle.mjs writes its chunks to
 * dist/src/app/), where a module in a subdirectory would find a different path in each.
 */
export const ENTRY_POINT = fileURLToPath(new URL("./main.js", import.meta.url))
