/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinitions and the resources they define.
 *
 * Creating a CRD registers one resource type per served version at once: discovery, CRUD, list and watch, the status
 * subresource where a version declares it, printer columns, selectable fields, and the version's structural schema
 * (defaults, pruning, validation). Objects are stored in the storage version; reading or writing through another
 * served version only rewrites `apiVersion` (conversion strategy None; webhooks are not called). The CRD is stored with
 * the status the real controllers converge to (NamesAccepted and Established True, acceptedNames, storedVersions)
 * instead of reaching it a moment later. Deleting a CRD deletes its objects (finalizers of those objects are dropped,
 * as when the cleanup is forced), then the types disappear and their open watches end.
 */
import { isObject, type Json, objectAt } from "./json.js"
import {
  apiVersionOf,
  defineResource,
  type KubeObject,
  labelNotSupported,
  type PrintColumn,
  type Registry,
  type ResourceType
} from "./registry.js"
import { jsonPathValue, normalize, type Schema, unknownFields, validateSchema } from "./schema.js"
import type { FieldLabels } from "./selectors.js"
import type { Store } from "./store.js"
import { humanDuration } from "./table.js"
import {
  duplicate,
  type FieldError,
  invalid,
  isDns1035Label,
  isDns1123Subdomain,
  notSupported,
  required
} from "./validation.js"

const listAt = (object: unknown, key: string): Array<unknown> =>
  isObject(object) && Array.isArray(object[key]) ? object[key] : []

const str = (value: unknown): string => (typeof value === "string" ? value : "")

const strings = (value: unknown): Array<string> =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []

export const CRD_GROUP = "apiextensions.k8s.io"

const isCrdType = (type: ResourceType) => type.group === CRD_GROUP && type.plural === "customresourcedefinitions"

/** v1 defaulting (SetDefaults_CustomResourceDefinition): conversion None, singular and listKind from the kind. */
const crdDefaults = (object: KubeObject): KubeObject => {
  if (!isObject(object["spec"])) return object
  const spec = object["spec"]
  const names = objectAt(spec, "names")
  const kind = str(names["kind"])
  return {
    ...object,
    spec: {
      ...spec,
      conversion: isObject(spec["conversion"]) ? spec["conversion"] : { strategy: "None" },
      names: {
        ...names,
        ...(names["singular"] === undefined && kind !== "" ? { singular: kind.toLowerCase() } : {}),
        ...(names["listKind"] === undefined && kind !== "" ? { listKind: `${kind}List` } : {})
      }
    }
  }
}

/**
 * The checks of `ValidateCustomResourceDefinition` that a manifest is likely to trip; values the server prints with
 * Go's %#v (the versions slice) are shown as JSON.
 */
const validateCrd = (object: KubeObject): ReadonlyArray<FieldError> => {
  const errors: Array<FieldError> = []
  const spec = objectAt(object, "spec")
  const names = objectAt(spec, "names")
  const group = str(spec["group"])
  const plural = str(names["plural"])
  const name = str(object.metadata?.name)
  if (name !== `${plural}.${group}`) {
    errors.push(invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"))
  }
  if (group === "") errors.push(required("spec.group"))
  else {
    errors.push(...isDns1123Subdomain(group).map((m) => invalid("spec.group", group, m)))
    if (!group.includes(".")) errors.push(invalid("spec.group", group, "should be a domain with at least one dot"))
  }
  const scope = str(spec["scope"])
  if (scope === "") errors.push(required("spec.scope"))
  else if (scope !== "Cluster" && scope !== "Namespaced") {
    errors.push(notSupported("spec.scope", scope, ["Cluster", "Namespaced"]))
  }
  if (plural === "") errors.push(required("spec.names.plural"))
  else errors.push(...isDns1035Label(plural).map((m) => invalid("spec.names.plural", plural, m)))
  if (str(names["kind"]) === "") errors.push(required("spec.names.kind"))
  const versions = listAt(spec, "versions")
  if (versions.length === 0) errors.push(required("spec.versions"))
  const seen = new Set<string>()
  versions.forEach((raw, i) => {
    const version = isObject(raw) ? raw : {}
    const versionName = str(version["name"])
    errors.push(...isDns1035Label(versionName).map((m) => invalid(`spec.versions[${i}].name`, versionName, m)))
    if (seen.has(versionName)) errors.push(duplicate(`spec.versions[${i}].name`, versionName))
    seen.add(versionName)
    if (!isObject(objectAt(version, "schema")["openAPIV3Schema"])) {
      errors.push(required(`spec.versions[${i}].schema.openAPIV3Schema`, "schemas are required"))
    }
  })
  if (versions.length > 0 && versions.filter((v) => isObject(v) && v["storage"] === true).length !== 1) {
    const shown = { goSyntax: JSON.stringify(versions.map((v) => (isObject(v) ? v["name"] : v))) }
    errors.push(invalid("spec.versions", shown, "must have exactly one version marked as storage version"))
  }
  return errors
}

const condition = (
  type: string,
  reason: string,
  message: string,
  previous: ReadonlyArray<unknown>,
  now: string
) => {
  const before = previous.find((c) => isObject(c) && c["type"] === type && c["status"] === "True")
  return {
    type,
    status: "True",
    lastTransitionTime: isObject(before) && typeof before["lastTransitionTime"] === "string"
      ? before["lastTransitionTime"]
      : now,
    reason,
    message
  }
}

const storageVersionOf = (spec: Json): string => {
  const storage = listAt(spec, "versions").find((v) => isObject(v) && v["storage"] === true)
  return isObject(storage) ? str(storage["name"]) : ""
}

/** The status the naming and establishing controllers write for a CRD without name conflicts. */
const crdStatus = (object: KubeObject, previous: KubeObject | undefined, nowMs: number): KubeObject => {
  const spec = objectAt(object, "spec")
  const names = objectAt(spec, "names")
  const before = objectAt(previous, "status")
  const conditions = listAt(before, "conditions")
  const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z")
  const storage = storageVersionOf(spec)
  const stored = [...new Set([...strings(before["storedVersions"]), ...(storage === "" ? [] : [storage])])]
  return {
    ...object,
    status: {
      acceptedNames: {
        plural: str(names["plural"]),
        singular: str(names["singular"]),
        ...(strings(names["shortNames"]).length > 0 ? { shortNames: strings(names["shortNames"]) } : {}),
        kind: str(names["kind"]),
        listKind: str(names["listKind"]),
        ...(strings(names["categories"]).length > 0 ? { categories: strings(names["categories"]) } : {})
      },
      conditions: [
        condition("NamesAccepted", "NoConflicts", "no conflicts found", conditions, now),
        condition("Established", "InitialNamesAccepted", "the initial names have been accepted", conditions, now)
      ],
      storedVersions: stored
    }
  }
}

export const crdResource: ResourceType = defineResource({
  group: CRD_GROUP,
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  namespaced: false,
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  hasStatus: true,
  generationFields: ["spec"],
  defaults: crdDefaults,
  validate: validateCrd,
  prepare: crdStatus,
  columns: [{ name: "Created At", type: "date", cell: (o) => str(o.metadata?.creationTimestamp) }],
  ageColumn: false
})

/** A cell as the server's printer-column convertor shows it: dates as ages, scalars as they are, nothing as <none>. */
const cellOf = (value: unknown, type: string): string | number => {
  if (value === undefined || value === null) return "<none>"
  if (type === "date") {
    const time = Date.parse(String(value))
    return Number.isNaN(time) ? "<invalid>" : humanDuration(Date.now() - time)
  }
  if (typeof value === "number") return value
  if (typeof value === "string") return value
  if (typeof value === "boolean") return String(value)
  return JSON.stringify(value)
}

const printerColumns = (version: Json): ReadonlyArray<PrintColumn> => {
  const declared = listAt(version, "additionalPrinterColumns").filter(isObject)
  // Without declared columns the server still prints the object's age.
  const columns = declared.length > 0
    ? declared
    : [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }]
  return columns.map((c) => {
    const type = str(c["type"]) || "string"
    const path = str(c["jsonPath"])
    return {
      name: str(c["name"]),
      type,
      ...(str(c["format"]) === "" ? {} : { format: str(c["format"]) }),
      ...(str(c["description"]) === "" ? {} : { description: str(c["description"]) }),
      ...(typeof c["priority"] === "number" ? { priority: c["priority"] } : {}),
      cell: (o: KubeObject) => cellOf(jsonPathValue(o, path), type)
    }
  })
}

/** A selectable field's value as the server's field set holds it: strings as they are, other scalars printed. */
const selectableValue = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : ""

/** metadata.name, metadata.namespace (namespaced resources only) and the version's declared selectableFields. */
const customFieldLabels = (namespaced: boolean, version: Json): FieldLabels => {
  const fields: Record<string, (object: Record<string, unknown>) => string> = {
    "metadata.name": (o) => str(objectAt(o, "metadata")["name"])
  }
  if (namespaced) fields["metadata.namespace"] = (o) => str(objectAt(o, "metadata")["namespace"])
  for (const selectable of listAt(version, "selectableFields").filter(isObject)) {
    const path = str(selectable["jsonPath"])
    if (path !== "") fields[path.replace(/^\./, "")] = (o) => selectableValue(jsonPathValue(o, path))
  }
  return { fields, refuse: labelNotSupported }
}

/** One resource type per served version of a CRD. */
export const customResourceTypes = (crd: KubeObject): ReadonlyArray<ResourceType> => {
  const spec = objectAt(crd, "spec")
  const names = objectAt(spec, "names")
  const namespaced = spec["scope"] === "Namespaced"
  const storageVersion = storageVersionOf(spec)
  return listAt(spec, "versions").filter(isObject).filter((v) => v["served"] !== false).map((version) => {
    const schema = objectAt(version, "schema")["openAPIV3Schema"]
    const structural = isObject(schema) ? (schema as Schema) : undefined
    return defineResource({
      group: str(spec["group"]),
      version: str(version["name"]),
      kind: str(names["kind"]),
      listKind: str(names["listKind"]) || `${str(names["kind"])}List`,
      plural: str(names["plural"]),
      singular: str(names["singular"]) || str(names["kind"]).toLowerCase(),
      shortNames: strings(names["shortNames"]),
      categories: strings(names["categories"]),
      namespaced,
      hasStatus: isObject(objectAt(version, "subresources")["status"]),
      generationFields: ["*"],
      defaults: (o) => (structural === undefined ? o : normalize(o, structural)),
      validate: (o) => (structural === undefined ? [] : validateSchema(o, structural)),
      ...(structural === undefined ? {} : { unknownFields: (o: KubeObject) => unknownFields(o, structural) }),
      columns: printerColumns(version),
      ageColumn: false,
      fieldLabels: customFieldLabels(namespaced, version),
      storageVersion,
      custom: true
    })
  })
}

const ownedBy = (crd: KubeObject) => {
  const spec = objectAt(crd, "spec")
  const group = str(spec["group"])
  const plural = str(objectAt(spec, "names")["plural"])
  return (type: ResourceType) => type.custom && type.group === group && type.plural === plural
}

/**
 * Wires CRDs to the registry: stored definitions serve their types, removed ones take their objects and types
 * with them.
 */
export const installCrdController = (store: Store, registry: Registry): void => {
  store.setHooks({
    removing: (type, object) => {
      if (!isCrdType(type)) return
      const served = registry.types.find(ownedBy(object))
      if (served === undefined) return
      for (const instance of store.list(served, undefined).items) {
        const meta = instance.metadata ?? {}
        const current = store.find(served, meta.namespace, meta.name ?? "")
        if (current === undefined) continue
        if ((current.metadata?.finalizers ?? []).length > 0) {
          store.patch(served, meta.namespace, meta.name ?? "", "merge", { metadata: { finalizers: null } }, undefined)
        }
        if (store.find(served, meta.namespace, meta.name ?? "") !== undefined) {
          store.delete(served, meta.namespace, meta.name ?? "")
        }
      }
    },
    committed: (type, eventType, object) => {
      if (!isCrdType(type)) return
      if (eventType === "DELETED") {
        const served = registry.types.find(ownedBy(object))
        registry.replace(ownedBy(object), [])
        if (served !== undefined) store.dropTable(served)
      } else {
        registry.replace(ownedBy(object), customResourceTypes(object))
      }
    }
  })
}

/** The apiVersion a stored custom resource is shown with when read through `type`'s version. */
export const asServedVersion = (type: ResourceType, object: KubeObject): KubeObject =>
  object.apiVersion === undefined || object.apiVersion === apiVersionOf(type)
    ? object
    : { ...object, apiVersion: apiVersionOf(type) }
