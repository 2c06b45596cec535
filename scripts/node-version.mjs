// npm puts the pinned `node` devDependency first on PATH for scripts; this line proves which Node runs the suite.
const major = Number(process.versions.node.split(".")[0])
console.log(`node ${process.version} (${process.execPath})`)
if (major !== 24) {
  console.error(`ako-ts runs on Node 24 LTS; this is ${process.version}. Run through npm scripts so the pinned node is used.`)
  process.exit(1)
}
