/**
 * Avi loses what ako-ts wrote behind its back (a backup restore, a wipe, an operator's cleanup). The next cache
 * refresh notices, and the units are written again at once, not at the next full resync; meanwhile and afterwards
 * the Service status shows only an address Avi really gives it.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import { CLUSTER, loadBalancerService, serviceVips, startCluster } from "../support/e2e.js"
import type { E2eCluster } from "../support/e2e.js"
import { waitFor } from "../support/process.js"

let cluster: E2eCluster | undefined

afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const vipOf = (c: E2eCluster, name: string): string | undefined => {
  const vsvip = c.avi.findByName("vsvip", name) as
    | { vip?: ReadonlyArray<{ ip_address?: { addr?: string } }> }
    | undefined
  return vsvip?.vip?.[0]?.ip_address?.addr
}

describe("Avi emptied behind ako-ts's back", () => {
  it("rewrites the lost objects after the next refresh (no full resync configured) and keeps the status true", async () => {
    // fullSyncFrequency is 0 in the e2e configuration: only the refresh can bring the objects back.
    const c = (cluster = await startCluster())
    loadBalancerService(c.kube, "red", "web", { addresses: ["10.1.0.1"] })
    await c.startReplica("ako-0", { AKO_TS_AVI_CACHE_REFRESH: "2 seconds" })
    const vs = `${CLUSTER}--red-web`
    await waitFor("the first VIP", () => serviceVips(c.kube, "red", "web").length > 0)
    const first = vipOf(c, vs)
    expect(serviceVips(c.kube, "red", "web")).toEqual([first])

    for (const type of ["virtualservice", "l4policyset", "pool", "vsvip"]) {
      for (const object of c.avi.objects(type)) {
        if (String(object["name"]).startsWith(`${CLUSTER}--`)) {
          c.avi.remove(type, String(object["uuid"]), { force: true })
        }
      }
    }
    // Another VsVip takes the freed address, so the recreated one gets a new address.
    c.avi.insert("vsvip", {
      name: "someone-else",
      cloud_ref: "/api/cloud/?name=Default-Cloud",
      vip: [{
        vip_id: "0",
        auto_allocate_ip: true,
        ipam_network_subnet: { network_ref: "/api/network/?name=vip-network" }
      }]
    })
    await waitFor(
      "the virtual service written again",
      () => c.avi.findByName("virtualservice", vs) !== undefined,
      30_000
    )
    await waitFor(
      "the status to show the new VIP only",
      () => {
        const now = vipOf(c, vs)
        return now !== undefined && JSON.stringify(serviceVips(c.kube, "red", "web")) === JSON.stringify([now])
      },
      30_000
    )
    expect(vipOf(c, vs)).not.toBe(first)
    expect(c.avi.findByName("l4policyset", vs)).toBeDefined()
    expect(c.avi.findByName("pool", `${vs}-TCP-80`)).toBeDefined()
  })
})
