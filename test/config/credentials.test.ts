import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"
import { decodeAviCredentials } from "../../src/config/index.js"

const secret = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Redacted.make(value)]))

const noEnv = { username: undefined, password: undefined, authToken: undefined, caData: undefined }

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

describe("Avi credentials", () => {
  it("reads username and password from avi-secret as Redacted", () => {
    const credentials = Either.getOrThrow(decodeAviCredentials({
      secret: secret({ username: "admin", password: "s3cret-pw" }),
      secretNamespace: "avi-system",
      env: noEnv
    }))
    expect(credentials.username).toBe("admin")
    expect(credentials.auth._tag).toBe("Password")
    expect(String(credentials.auth._tag === "Password" && credentials.auth.password)).toBe("<redacted>")
    expect(JSON.stringify(credentials)).not.toContain("s3cret-pw")
    expect(credentials.caData).toBeUndefined()
    expect(credentials.source).toBe("Secret avi-system/avi-secret")
  })

  it("uses the authtoken when there is no password", () => {
    const credentials = Either.getOrThrow(decodeAviCredentials({
      secret: secret({ username: "admin", authtoken: "tok-123", certificateAuthorityData: CA }),
      secretNamespace: "avi-system",
      env: noEnv
    }))
    expect(credentials.auth._tag).toBe("Token")
    expect(credentials.auth._tag === "Token" && Redacted.value(credentials.auth.token)).toBe("tok-123")
    expect(credentials.caData).toBe(CA)
  })

  it("rejects a Secret with neither password nor authtoken, naming the fields and not the values", () => {
    const result = decodeAviCredentials({
      secret: secret({ username: "admin-user", password: "  " }),
      secretNamespace: "avi-system",
      env: noEnv
    })
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.flip(result).pipe(Either.getOrThrow)
    expect(error._tag).toBe("CredentialsInvalid")
    expect(error.message).toContain("Secret avi-system/avi-secret")
    expect(error.message).toContain("neither password nor authtoken")
  })

  it("rejects a Secret without username and certificateAuthorityData that is not PEM", () => {
    const noUser = decodeAviCredentials({ secret: secret({ password: "p" }), secretNamespace: "ns", env: noEnv })
    expect(Either.flip(noUser).pipe(Either.getOrThrow).message).toContain("username is missing")
    const badCa = decodeAviCredentials({
      secret: secret({ username: "u", password: "hunter2", certificateAuthorityData: "not a cert" }),
      secretNamespace: "ns",
      env: noEnv
    })
    const message = Either.flip(badCa).pipe(Either.getOrThrow).message
    expect(message).toContain("certificateAuthorityData is not a PEM certificate")
    expect(message).not.toContain("hunter2")
  })

  it("falls back to CTRL_USERNAME / CTRL_PASSWORD when the Secret does not exist", () => {
    const credentials = Either.getOrThrow(decodeAviCredentials({
      secret: undefined,
      secretNamespace: "avi-system",
      env: { username: "envuser", password: Redacted.make("envpw"), authToken: undefined, caData: undefined }
    }))
    expect(credentials.username).toBe("envuser")
    expect(credentials.source).toContain("the environment")
    const missing = decodeAviCredentials({ secret: undefined, secretNamespace: "avi-system", env: noEnv })
    expect(Either.flip(missing).pipe(Either.getOrThrow).message).toContain("CTRL_USERNAME is missing")
  })
})
