#!/usr/bin/env node
/**
 * Process entry point. It checks the Node version before anything else loads: on an older Node a dependency fails
 * while loading (undici reads APIs Node 20 lacks), and the user would see a TypeError instead of the cause. Only
 * built-in globals are used until the check has passed; the program itself is imported dynamically afterwards.
 */
const REQUIRED_NODE_MAJOR = 24

const found = process.versions.node
if (Number(found.split(".")[0]) !== REQUIRED_NODE_MAJOR) {
  process.stderr.write(
    `ako-ts needs Node ${REQUIRED_NODE_MAJOR} (found ${found} at ${process.execPath}). ` +
      "Run it through npm (`npm start`, `npm run ako-ts -- <command>`), which uses the Node 24 pinned in the " +
      "project, or install Node 24 LTS (.nvmrc).\n"
  )
  process.exit(1)
}

await import("./entry.js")

export {}
