import * as Data from "effect/Data"

/** Anything that stops the playground from starting or its scripted demo from finishing. */
export class PlaygroundError extends Data.TaggedError("PlaygroundError")<{ readonly message: string }> {}
