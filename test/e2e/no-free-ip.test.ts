/**
 * An exhausted VIP network: the Service that gets no address hears why (a Warning Event on it), and gets its
 * address as soon as another Service gives one back, not at the next slow retry (90 s).
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { loadBalancerService, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe("no free VIP address", () => {
  it("puts an Event on the Service left without one, and retries at once when an address is freed", async () => {
    const c = (cluster = await startCluster({
      avi: { vipNetwork: { cidr: "10.50.0.0/24", staticRange: ["10.50.0.10", "10.50.0.11"] } }
    }))
    loadBalancerService(c.kube, "red", "a", { addresses: ["10.1.0.1"] })
    loadBalancerService(c.kube, "red", "b", { addresses: ["10.1.0.2"] })
    await c.startReplica("ako-0")
    await waitFor(
      "two VIPs",
      () => serviceVips(c.kube, "red", "a").length + serviceVips(c.kube, "red", "b").length === 2
    )

    loadBalancerService(c.kube, "red", "c", { addresses: ["10.1.0.3"] })
    const events = () =>
      (c.kube.list("v1/Event", "red") as ReadonlyArray<{ reason?: string; involvedObject?: { name?: string } }>)
        .filter((event) => event.involvedObject?.name === "c")
    await waitFor(
      "an Event on the Service without an address",
      () => events().some((event) => event.reason === "AviNoFreeIp")
    )
    expect(serviceVips(c.kube, "red", "c")).toEqual([])

    const freedAt = Date.now()
    c.kube.delete("v1/Service", "red", "a")
    // Well inside the 90 s slow retry: the freed address is taken up at once.
    await waitFor(
      "the freed address on the waiting Service",
      () => serviceVips(c.kube, "red", "c").length === 1,
      20_000
    )
    expect(Date.now() - freedAt).toBeLessThan(60_000)
  })
})
