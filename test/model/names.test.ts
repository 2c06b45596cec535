import { describe, expect, it } from "vitest"
import {
  akoUser,
  dedicatedVsName,
  defaultRouterCertName,
  l4PoolName,
  l4VsName,
  l7InsecurePoolName,
  routeInsecurePoolName,
  shardVsNameForHost,
  sharedL7VsName,
  sniChildVsName,
  sniHttpPolicySetName,
  sniPoolName,
  tlsCertName
} from "../../src/model/index.js"

// Names exactly as AKO's lib.go builds them (reference/ako-objects.md §2, §3), so AKO's objects are adopted.
describe("AKO object names", () => {
  it("L4", () => {
    expect(l4VsName("c1", "red", "web")).toBe("c1--red-web")
    expect(l4PoolName("c1", "red", "web", "TCP", 80)).toBe("c1--red-web-TCP-80")
    expect(akoUser("c1")).toBe("ako-c1")
  })

  it("shared L7", () => {
    expect(sharedL7VsName("c1", 3)).toBe("c1--Shared-L7-3")
    expect(shardVsNameForHost("c1", "secure.example.com", "LARGE")).toBe("c1--Shared-L7-7")
    expect(shardVsNameForHost("c1", "secure.example.com", "MEDIUM")).toBe("c1--Shared-L7-3")
    expect(shardVsNameForHost("c1", "secure.example.com", "SMALL")).toBe("c1--Shared-L7-0")
    expect(l7InsecurePoolName("c1", "foo.com", "/api", "default", "web")).toBe("c1--foo.com_api-default-web")
    expect(l7InsecurePoolName("c1", "foo.com", "/api/v1", "default", "web")).toBe("c1--foo.com_api_v1-default-web")
    expect(l7InsecurePoolName("c1", "foo.com", "", "default", "web")).toBe("c1--foo.com-default-web")
  })

  it("SNI children, certificates and policies", () => {
    expect(sniChildVsName("c1", "foo.com")).toBe("c1--foo.com")
    expect(tlsCertName("c1", "foo.com")).toBe("c1--foo.com")
    expect(defaultRouterCertName("c1")).toBe("c1--router-certs-default")
    expect(sniPoolName("c1", "default", "foo.com", "/api", "web", false)).toBe("c1--default-foo.com_api-web")
    expect(sniPoolName("c1", "default", "foo.com", "/api", "web", true)).toBe(
      "c1--default-foo.com_api-web-L7-dedicated"
    )
    expect(sniHttpPolicySetName("c1", "default", "foo.com")).toBe("c1--default-foo.com")
    expect(dedicatedVsName("c1", "foo.com")).toBe("c1--foo.com-L7-dedicated")
  })

  it("Routes add the Service name to pool names", () => {
    expect(routeInsecurePoolName("c1", "foo.com", "/", "default", "r", "svc")).toBe("c1--foo.com_-default-r-svc")
  })
})
