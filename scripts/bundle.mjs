// Bundles what the entry point loads (dist/src/app/start.js and everything it imports, dependencies included)
// into dist/src/app/start.bundle.js, with the commands other than `run` split into chunks beside it that load only
// when used; main.js imports the bundle. Every replica keeps its code's source text in memory for life: the unbundled tree (about
// 1,200 modules with their comments) held 16 MiB of source strings and took a second to load; the bundle holds a
// fraction of that (bench/memory.ts). main.js stays tsc's own, so the Node version check still runs before any
// dependency loads. The output keeps tsc's directory, so paths a module finds from `import.meta.url` are the same.
// A separate name, not tsc's start.js: tsc builds incrementally and would not rewrite an unchanged start.js, so a
// bundle written over it would outlive the sources it was made from.
//
// `node scripts/bundle.mjs` after tsc (npm run build, the test global setup and scripts/start.mjs do this).
import { build } from "esbuild"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

/**
 * client-node's config.js imports its whole generated API for two names; they come from
 * src/k8s/client-node-config-deps.ts instead. A name it lacks fails the build (esbuild checks every import).
 */
const slimClientNode = (root) => ({
  name: "slim-client-node",
  setup(builder) {
    builder.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) =>
      args.importer.endsWith(join("@kubernetes", "client-node", "dist", "config.js")) ?
        { path: join(root, "dist", "src", "k8s", "client-node-config-deps.js") } :
        undefined)
  }
})

/**
 * client-node's KubeConfig and its default HTTP library import undici; ako-ts's requests go over node:https
 * (src/k8s/transport.ts), so their undici is src/k8s/undici-not-bundled.ts, which throws if ever reached.
 */
const noUndiciForClientNode = (root) => ({
  name: "no-undici-for-client-node",
  setup(builder) {
    builder.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes(join("@kubernetes", "client-node", "dist")) ?
        { path: join(root, "dist", "src", "k8s", "undici-not-bundled.js") } :
        undefined)
  }
})

export const bundleStart = async (root) => {
  const app = join(root, "dist", "src", "app")
  // Chunk names carry a hash: the last build's must go, or they would pile up in dist/ and in the image.
  for (const file of readdirSync(app)) if (file.startsWith("start.bundle")) rmSync(join(app, file))
  const result = await build({
    entryPoints: [join(app, "start.js")],
    outdir: app,
    allowOverwrite: true,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    entryNames: "[name].bundle",
    chunkNames: "start.bundle-[hash]",
    // Whitespace and syntax only: names stay as written, so a defect's stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    // Bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __akoCreateRequire } from \"node:module\"; const require = __akoCreateRequire(import.meta.url);" },
    plugins: [slimClientNode(root), noUndiciForClientNode(root)],
    logLevel: "warning"
  })
  if (result.errors.length > 0) throw new Error(`bundling failed: ${result.errors.map((error) => error.text).join("; ")}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await bundleStart(join(import.meta.dirname, ".."))
}
