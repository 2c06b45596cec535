/**
 * The embedded playground: `playgroundCommand` for the `ako-ts` command line, `runPlayground` for a bare `ako-ts`
 * when no cluster is configured (see `noClusterConfigured`).
 */
export { playgroundCommand } from "./command.js"
export { PlaygroundError } from "./errors.js"
export { noClusterConfigured } from "./no-cluster.js"
export { defaultPlaygroundOptions, runPlayground } from "./playground.js"
export type { PlaygroundOptions } from "./playground.js"
