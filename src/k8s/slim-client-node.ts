/**
 * Loads client-node's KubeConfig without its generated API (see client-node-config-deps.ts): a resolve hook sends
 * config.js's one import of `./gen/index.js` to a module exporting the two names it uses. Registered once by the
 * entry point before anything loads client-node; tests and library users load client-node whole, which behaves
 * the same. Should a client-node release import more from there, loading fails at start-up (the process tests spawn
 * the built entry point), never later.
 */
import { registerHooks } from "node:module"

const CONFIG_MODULE = "/@kubernetes/client-node/dist/config.js"

export const registerSlimClientNode = (): void => {
  const target = new URL("./client-node-config-deps.js", import.meta.url).href
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === "./gen/index.js" && context.parentURL?.endsWith(CONFIG_MODULE) === true ?
        nextResolve(target, context) :
        nextResolve(specifier, context)
  })
}
