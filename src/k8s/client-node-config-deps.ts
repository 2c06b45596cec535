/**
 * What client-node's KubeConfig (dist/config.js) takes from its generated API, without the rest of it: the
 * generated index re-exports every API group and model, about 40 MiB of a replica's memory, none of which ako-ts
 * uses (requests and watches go through KubeConfig's authentication only). The bundle the entry point loads
 * (scripts/bundle.mjs) points config.js's import here; should a client-node release take more from there, the
 * bundle fails to build rather than the controller to start.
 */
export { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js"
export { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js"
