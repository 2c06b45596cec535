/**
 * Avi credentials as AKO reads them: the Secret `avi-secret` in the controller's namespace (`username`, `password`
 * or `authtoken`, optional `certificateAuthorityData`), else the environment fallback `CTRL_USERNAME` /
 * `CTRL_PASSWORD` (`CTRL_AUTHTOKEN`, `ROOT_CA_CERT_PATH` for the CA file). Values become `Redacted` at the moment
 * they are read, and errors name fields only.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { CredentialsInvalid } from "./errors.js"

export const SECRET_NAME = "avi-secret"

export type AviAuth =
  | { readonly _tag: "Password"; readonly password: Redacted.Redacted<string> }
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string> }

export interface AviCredentials {
  readonly username: string
  readonly auth: AviAuth
  /** PEM bundle the controller's certificate must chain to; absent means the certificate is not verified (as AKO). */
  readonly caData: string | undefined
  readonly source: string
}

/** The Secret's data, already base64-decoded, with values wrapped before anything can log them. */
export type SecretData = Readonly<Record<string, Redacted.Redacted<string>>>

export interface CredentialEnvironment {
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly authToken: Redacted.Redacted<string> | undefined
  /** Contents of the file named by ROOT_CA_CERT_PATH, read by the caller. */
  readonly caData: string | undefined
}

const nonBlank = (value: Redacted.Redacted<string> | undefined): Redacted.Redacted<string> | undefined =>
  value !== undefined && Redacted.value(value).trim() !== "" ? value : undefined

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/

const fromParts = (
  source: string,
  fieldNames: { username: string; password: string; token: string; ca: string },
  parts: CredentialEnvironment
): Either.Either<AviCredentials, CredentialsInvalid> => {
  const username = parts.username?.trim()
  if (username === undefined || username === "") {
    return Either.left(new CredentialsInvalid({ source, reason: `${fieldNames.username} is missing or empty` }))
  }
  const password = nonBlank(parts.password)
  const token = nonBlank(parts.authToken)
  if (password === undefined && token === undefined) {
    return Either.left(
      new CredentialsInvalid({
        source,
        reason: `neither ${fieldNames.password} nor ${fieldNames.token} is set; one of them is required`
      })
    )
  }
  const caData = parts.caData?.trim() === "" ? undefined : parts.caData
  if (caData !== undefined && !PEM_CERTIFICATE.test(caData)) {
    return Either.left(
      new CredentialsInvalid({ source, reason: `${fieldNames.ca} is not a PEM certificate (BEGIN CERTIFICATE)` })
    )
  }
  // AKO prefers the password when both are present (token login is the fallback for password-less accounts).
  const auth: AviAuth = password !== undefined ?
    { _tag: "Password", password } :
    { _tag: "Token", token: token! }
  return Either.right({ username, auth, caData, source })
}

export const decodeAviCredentials = (input: {
  readonly secret: SecretData | undefined
  readonly secretNamespace: string
  readonly env: CredentialEnvironment
}): Either.Either<AviCredentials, CredentialsInvalid> => {
  if (input.secret !== undefined) {
    const data = input.secret
    const reveal = (key: string) => {
      const value = data[key]
      return value === undefined ? undefined : Redacted.value(value)
    }
    return fromParts(
      `Secret ${input.secretNamespace}/${SECRET_NAME}`,
      { username: "username", password: "password", token: "authtoken", ca: "certificateAuthorityData" },
      {
        username: reveal("username"),
        password: data["password"],
        authToken: data["authtoken"],
        caData: reveal("certificateAuthorityData")
      }
    )
  }
  return fromParts(
    `the environment (no Secret ${input.secretNamespace}/${SECRET_NAME})`,
    { username: "CTRL_USERNAME", password: "CTRL_PASSWORD", token: "CTRL_AUTHTOKEN", ca: "ROOT_CA_CERT_PATH" },
    input.env
  )
}

/** The environment half of the fallback; the CA path is returned unread so the caller owns file I/O. */
export const readCredentialEnvironment: Effect.Effect<{
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly authToken: Redacted.Redacted<string> | undefined
  readonly caPath: string | undefined
}> = Effect.all({
  username: Config.option(Config.string("CTRL_USERNAME")),
  password: Config.option(Config.redacted("CTRL_PASSWORD")),
  authToken: Config.option(Config.redacted("CTRL_AUTHTOKEN")),
  caPath: Config.option(Config.string("ROOT_CA_CERT_PATH"))
}).pipe(
  Effect.orElseSucceed(() => ({
    username: Option.none(),
    password: Option.none(),
    authToken: Option.none(),
    caPath: Option.none()
  })),
  Effect.map((values) => ({
    username: Option.getOrUndefined(values.username),
    password: Option.getOrUndefined(values.password),
    authToken: Option.getOrUndefined(values.authToken),
    caPath: Option.getOrUndefined(values.caPath)
  }))
)
