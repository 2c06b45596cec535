/** Plain JSON objects as the simulator reads request bodies and stored objects. */
export type Json = Record<string, unknown>

export const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/** The object under `key`, or an empty one: reading a missing spec is not an error here. */
export const objectAt = (object: unknown, key: string): Json =>
  isObject(object) && isObject(object[key]) ? object[key] : {}
