/**
 * AKO's `Attached` Events: a rule hears when its configuration is applied to, or removed from, a virtual service or
 * pool, and only then (a write that leaves the rule in place says nothing).
 */
import { describe, expect, it } from "vitest"
import { attachmentEvents } from "../../src/app/rule-events.js"

const withStatus = (type: string, value: string, status: string) => ({
  service_metadata: JSON.stringify({ namespace: "shop", crd_status: { type, value, status } })
})
const none = { service_metadata: JSON.stringify({ crd_status: { type: "", value: "", status: "" } }) }

describe("Attached Events of rules", () => {
  it("a HostRule applied to a VS, then removed from it", () => {
    expect(attachmentEvents("virtualservice", "c1--a.example.com", none, withStatus("HostRule", "team/r", "ACTIVE")))
      .toEqual([{
        kind: "HostRule",
        namespace: "team",
        name: "r",
        message: "configuration applied to VirtualService c1--a.example.com"
      }])
    expect(
      attachmentEvents(
        "virtualservice",
        "c1--a.example.com",
        withStatus("HostRule", "team/r", "ACTIVE"),
        withStatus("HostRule", "team/r", "INACTIVE")
      )
    ).toEqual([{
      kind: "HostRule",
      namespace: "team",
      name: "r",
      message: "configuration removed from VirtualService c1--a.example.com"
    }])
  })

  it("a VS that moves from one HostRule to another tells both; a VS deleted tells its rule", () => {
    const events = attachmentEvents(
      "virtualservice",
      "vs",
      withStatus("HostRule", "team/old", "ACTIVE"),
      withStatus("HostRule", "team/new", "ACTIVE")
    )
    expect(events.map((e) => `${e.name}: ${e.message}`)).toEqual([
      "old: configuration removed from VirtualService vs",
      "new: configuration applied to VirtualService vs"
    ])
    expect(attachmentEvents("virtualservice", "vs", withStatus("HostRule", "team/old", "ACTIVE"), undefined))
      .toHaveLength(1)
  })

  it("an HTTPRule names the target path and the pool", () => {
    expect(attachmentEvents("pool", "c1--p", none, withStatus("HTTPRule", "shop/rr//cart", "ACTIVE"))).toEqual([{
      kind: "HTTPRule",
      namespace: "shop",
      name: "rr",
      message: "configuration for target path /cart applied to Pool c1--p"
    }])
  })

  it("says nothing when the rule stays as it was, or when no rule is involved", () => {
    const active = withStatus("HostRule", "team/r", "ACTIVE")
    expect(attachmentEvents("virtualservice", "vs", active, active)).toEqual([])
    expect(attachmentEvents("virtualservice", "vs", none, none)).toEqual([])
    expect(attachmentEvents("virtualservice", "vs", undefined, none)).toEqual([])
  })
})
