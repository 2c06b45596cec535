/** The embedded playground: `playgroundCommand` for the `ako-ts` command line, `runPlayground` for a bare `ako-ts`. */
export { playgroundCommand } from "./command.js"
export { PlaygroundError } from "./errors.js"
export { defaultPlaygroundOptions, runPlayground } from "./playground.js"
export type { PlaygroundOptions } from "./playground.js"
