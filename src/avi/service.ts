/**
 * The `AviClient` service: the controller's only path to Avi. `AviClient.layer(config)` talks HTTP(S) to a
 * controller; `AviClient.layerTest()` is an in-memory controller with the same interface for tests of other modules.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { AviClientConfig } from "./config.js"
import type { AviError } from "./errors.js"
import { makeLive } from "./live.js"
import { AviMemoryStore, makeMemory } from "./memory.js"
import type { AviMemoryOptions } from "./memory.js"
import type { AviBody, AviObject, AviObjectType } from "./objects.js"
import { httpClientTransport, nodeTransport } from "./transport.js"

export interface AviCallOptions {
  /** `X-Avi-Tenant` for this call; `*` reads across all tenants. Default: the client's tenant. */
  readonly tenant?: string | undefined
}

export type AviPatchOp = "add" | "replace" | "delete"

export type AviQueryValue = string | number | boolean

/** Collection filters. `include_name` defaults to true (refs carry `#name`), `page_size` to 100 (as AKO). */
export interface AviListFilters {
  readonly created_by?: string | undefined
  readonly name?: string | undefined
  readonly "cloud_ref.name"?: string | undefined
  readonly include_name?: boolean | undefined
  readonly page_size?: number | undefined
  readonly [param: string]: AviQueryValue | undefined
}

export type AviMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** Any other call: macro API, `/api/initial-data`, `/api/cluster/runtime`, singletons. */
export interface AviRequest {
  readonly method: AviMethod
  /** Path from the controller root, e.g. `/api/cluster/runtime`. */
  readonly path: string
  readonly query?: Readonly<Record<string, AviQueryValue | undefined>> | undefined
  readonly body?: unknown
  readonly tenant?: string | undefined
}

export interface AviClientService {
  /** The tenant this view sends by default. */
  readonly tenant: string
  /** The `X-Avi-Version` in use: configured, or detected from `/api/initial-data` and capped at 30.2.1. */
  readonly version: Effect.Effect<string, AviError>
  /** `GET /api/<type>/<uuid>?include_name`; fails with AviNotFound when absent. */
  readonly get: <K extends AviObjectType>(
    type: K,
    uuid: string,
    options?: AviCallOptions
  ) => Effect.Effect<AviObject<K>, AviError>
  /** `GET /api/<type>?name=<name>&include_name`. */
  readonly findByName: <K extends AviObjectType>(
    type: K,
    name: string,
    options?: AviCallOptions
  ) => Effect.Effect<Option.Option<AviObject<K>>, AviError>
  /** Every matching object, page by page, following `next`. */
  readonly list: <K extends AviObjectType>(
    type: K,
    filters?: AviListFilters,
    options?: AviCallOptions
  ) => Stream.Stream<AviObject<K>, AviError>
  readonly listAll: <K extends AviObjectType>(
    type: K,
    filters?: AviListFilters,
    options?: AviCallOptions
  ) => Effect.Effect<ReadonlyArray<AviObject<K>>, AviError>
  /** `POST /api/<type>`; returns the object as stored (uuid, `_last_modified`, refs with `#name`). */
  readonly create: <K extends AviObjectType>(
    type: K,
    body: AviBody<K>,
    options?: AviCallOptions
  ) => Effect.Effect<AviObject<K>, AviError>
  /**
   * `PUT /api/<type>/<uuid>`, a full replace. A body carrying `_last_modified` (e.g. a GET result) is refused with
   * AviPreconditionFailed if the object changed since.
   */
  readonly update: <K extends AviObjectType>(
    type: K,
    uuid: string,
    body: AviBody<K>,
    options?: AviCallOptions
  ) => Effect.Effect<AviObject<K>, AviError>
  /** `PATCH /api/<type>/<uuid>` with `{<op>: body}`: add appends to lists, replace swaps, delete removes. */
  readonly patch: <K extends AviObjectType>(
    type: K,
    uuid: string,
    op: AviPatchOp,
    body: Partial<AviBody<K>>,
    options?: AviCallOptions
  ) => Effect.Effect<AviObject<K>, AviError>
  /** `DELETE /api/<type>/<uuid>`; an object already gone (404) counts as deleted. */
  readonly delete: (type: AviObjectType, uuid: string, options?: AviCallOptions) => Effect.Effect<void, AviError>
  /** Any other call; returns the parsed JSON body (undefined when empty). */
  readonly request: (request: AviRequest) => Effect.Effect<unknown, AviError>
  /** The same client (same session) sending `tenant` by default. */
  readonly withTenant: (tenant: string) => AviClientService
}

export class AviClient extends Context.Tag("ako-ts/AviClient")<AviClient, AviClientService>() {
  /**
   * Live client over keep-alive HTTP/1.1 connections (src/http/http1.ts) with the config's TLS settings: `caData`
   * verifies the controller's certificate, no CA skips verification (as AKO does).
   */
  static readonly layer = (config: AviClientConfig): Layer.Layer<AviClient> =>
    Layer.scoped(
      AviClient,
      Effect.flatMap(
        nodeTransport({ ca: config.caData, tracing: config.tracing === true }),
        (transport) => makeLive(config, transport)
      )
    )

  /**
   * Live client over an HttpClient you provide (custom transports, stubs in unit tests). Spans of its requests are
   * traced only with `tracing: true`, and never carry the session cookie or the CSRF token.
   */
  static readonly layerWith = (config: AviClientConfig): Layer.Layer<AviClient, never, HttpClient.HttpClient> =>
    Layer.scoped(
      AviClient,
      Effect.flatMap(
        HttpClient.HttpClient,
        (client) => makeLive(config, httpClientTransport(client, config.tracing === true))
      )
    )

  /** In-memory controller with the same interface, plus the `AviMemoryStore` handle to seed and inspect it. */
  static readonly layerTest = (options?: AviMemoryOptions): Layer.Layer<AviClient | AviMemoryStore> =>
    Layer.effectContext(
      makeMemory(options).pipe(
        Effect.map((memory) => Context.make(AviClient, memory.client).pipe(Context.add(AviMemoryStore, memory.store)))
      )
    )
}
