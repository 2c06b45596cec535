/**
 * A deliberately dumb HTTP client for conformance tests: raw requests, raw headers, cookies handled by hand the way
 * the Go SDK does it (csrftoken + session cookies collected from the login response, X-CSRFToken on every call).
 */
import * as http from "node:http"
import * as https from "node:https"

export interface Target {
  readonly url: string
  readonly caPem?: string | undefined
}

export interface RawResponse {
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly text: string
  /** Wire JSON as parsed; tests assert on it field by field, so it is deliberately untyped. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any
  readonly cookies: Map<string, string>
  readonly setCookie: ReadonlyArray<string>
}

export interface RawRequest {
  readonly method?: string
  readonly path: string
  readonly headers?: Record<string, string>
  readonly body?: unknown
  readonly signal?: AbortSignal
}

export const request = (target: Target, req: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const url = new URL(target.url)
    const payload = req.body === undefined
      ? undefined
      : typeof req.body === "string"
      ? req.body
      : JSON.stringify(req.body)
    const options: https.RequestOptions = {
      method: req.method ?? "GET",
      host: url.hostname,
      port: url.port,
      path: req.path,
      headers: {
        ...(payload !== undefined ? { "Content-Length": Buffer.byteLength(payload).toString() } : {}),
        ...req.headers
      },
      agent: false,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(url.protocol === "https:" && target.caPem ? { ca: target.caPem } : {})
    }
    const client = url.protocol === "https:" ? https : http
    const r = client.request(options, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("error", reject)
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        let json: unknown = undefined
        try {
          json = text.length > 0 ? JSON.parse(text) : undefined
        } catch {
          json = undefined
        }
        const setCookie = res.headers["set-cookie"] ?? []
        const cookies = new Map<string, string>()
        for (const c of setCookie) {
          const first = c.split(";")[0]!
          const eq = first.indexOf("=")
          cookies.set(first.slice(0, eq), first.slice(eq + 1))
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, cookies, setCookie })
      })
    })
    r.on("error", reject)
    if (payload !== undefined) r.write(payload)
    r.end()
  })

/** A logged-in client, as the Go SDK behaves: JSON content type, version, tenant, CSRF and cookies on every call. */
export class AviSession {
  csrf = ""
  sessionId = ""
  tenant: string | undefined = "admin"
  version = "22.1.3"

  constructor(readonly target: Target) {}

  async login(username: string, password: string): Promise<RawResponse> {
    const res = await request(this.target, {
      method: "POST",
      path: "/login",
      headers: { "Content-Type": "application/json", "X-Avi-Version": this.version },
      body: { username, password }
    })
    if (res.status === 200) {
      this.csrf = res.cookies.get("csrftoken") ?? ""
      this.sessionId = res.cookies.get("avi-sessionid") ?? ""
    }
    return res
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      "Content-Type": "application/json",
      "X-Avi-Version": this.version,
      "X-CSRFToken": this.csrf,
      Referer: `${this.target.url}/`,
      Cookie: `csrftoken=${this.csrf}; avi-sessionid=${this.sessionId}; sessionid=${this.sessionId}`,
      ...(this.tenant !== undefined ? { "X-Avi-Tenant": this.tenant } : {}),
      ...extra
    }
  }

  call(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<RawResponse> {
    return request(this.target, { method, path, headers: this.headers(extra), body })
  }

  get(path: string, extra?: Record<string, string>) {
    return this.call("GET", path, undefined, extra)
  }
  post(path: string, body: unknown, extra?: Record<string, string>) {
    return this.call("POST", path, body, extra)
  }
  put(path: string, body: unknown, extra?: Record<string, string>) {
    return this.call("PUT", path, body, extra)
  }
  patch(path: string, body: unknown, extra?: Record<string, string>) {
    return this.call("PATCH", path, body, extra)
  }
  delete(path: string, extra?: Record<string, string>) {
    return this.call("DELETE", path, undefined, extra)
  }
}

/** Path of an object from its `url` (drops scheme, host and `#name`). */
export const pathOf = (url: string): string => new URL(url).pathname
