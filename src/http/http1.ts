/**
 * A small HTTP/1.1 client, for the Avi controller's requests and the API server's (not its watches): keep-alive
 * connections to one origin, one exchange at a time on each, the request head and body written in one piece, the
 * answer read by Content-Length, chunked coding or the connection's end. Node's http client cost about 0.3 ms of CPU
 * per exchange (a ClientRequest, the agent's bookkeeping, header validation, streams on both sides), a third of a
 * 1,000-Service burst's budget at four Avi exchanges and a status write per Service (bench/latency.ts). Neither API
 * needs what that buys: no upgrades, no 100-continue, no pipelining, no streaming of bodies, answers small enough to
 * hold.
 *
 * Framing follows RFC 9112: 1xx answers before the final one are skipped; HEAD, 204 and 304 have no body; chunked
 * wins over Content-Length; an answer with neither ends with the connection. A connection is reused only after a
 * complete answer that did not say `Connection: close`, and an idle one is closed after `idleTimeoutMillis`, before
 * a server's own keep-alive timeout would close it under a new request.
 */
import * as net from "node:net"
import * as tls from "node:tls"

export interface Http1Answer {
  readonly status: number
  readonly body: Buffer
  /** Every `Set-Cookie` line, in order; undefined when there is none. */
  readonly setCookie: ReadonlyArray<string> | undefined
}

export interface Http1Request {
  readonly method: string
  /** Path and query, starting with `/`. */
  readonly target: string
  /** Lower-case names; `host`, `connection` and `content-length` are set here. */
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | undefined
}

export interface Http1PoolOptions {
  /** `http:` or `https:` origin: scheme, host and port; a path is ignored. */
  readonly origin: string
  /**
   * TLS settings for https (the CA, a client certificate, `servername`, `rejectUnauthorized`); absent, Node's
   * defaults: the certificate is verified against the system's CAs.
   */
  readonly tls?: tls.ConnectionOptions | undefined
  /** Delay before TCP keep-alive probes on a connection (default 1 s). */
  readonly keepAliveMillis?: number | undefined
  /** Idle connections are closed after this long (default 4 s, under common server keep-alive timeouts of 5 s+). */
  readonly idleTimeoutMillis?: number | undefined
  /** Bytes of an answer's head, status line and headers (default 16 KiB, as Node's http). */
  readonly maxHeadBytes?: number | undefined
}

/** Why an exchange got no answer; `message` never holds the request. */
export class Http1Error extends Error {}

type Done = (error: Http1Error | undefined, answer: Http1Answer | undefined) => void

const CRLF_CRLF = Buffer.from("\r\n\r\n", "latin1")
const CRLF = Buffer.from("\r\n", "latin1")
const EMPTY = Buffer.alloc(0)
/** Field values and targets must not end a line: a CR or LF would let a value write headers of its own. */
const LINE_BREAK = /[\r\n]/
/** RFC 9110 token characters, for methods and header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

interface Exchange {
  readonly noBody: boolean
  readonly done: Done
}

/** One connection's reading state for the exchange in flight. */
class Connection {
  exchange: Exchange | undefined
  private pending: Buffer = EMPTY
  private phase: "idle" | "head" | "length" | "chunk-size" | "chunk-data" | "trailers" | "until-close" = "idle"
  private status = 0
  private setCookie: Array<string> | undefined
  private keepAlive = true
  private remaining = 0
  private readonly bodyParts: Array<Buffer> = []
  idleTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly socket: net.Socket,
    private readonly maxHeadBytes: number,
    private readonly onFree: () => void
  ) {}

  start(exchange: Exchange, bytes: string): void {
    this.exchange = exchange
    this.phase = "head"
    this.pending = EMPTY
    this.bodyParts.length = 0
    this.setCookie = undefined
    this.keepAlive = true
    this.socket.write(bytes)
  }

  onData(chunk: Buffer): void {
    if (this.exchange === undefined) {
      // Bytes no request asked for: the connection's framing can no longer be trusted.
      this.socket.destroy()
      return
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    try {
      this.advance()
    } catch (error) {
      this.fail(error instanceof Http1Error ? error : new Http1Error(String(error)))
      this.socket.destroy()
    }
  }

  /** The connection ended or broke: an answer read to the end completes, anything else in flight fails. */
  onClose(reason: string): void {
    if (this.exchange === undefined) return
    if (this.phase === "until-close") {
      // `advance` has moved every byte into the body already
      this.keepAlive = false
      this.complete()
      return
    }
    this.fail(new Http1Error(reason))
  }

  fail(error: Http1Error): void {
    const exchange = this.exchange
    this.exchange = undefined
    this.phase = "idle"
    exchange?.done(error, undefined)
  }

  private advance(): void {
    for (;;) {
      switch (this.phase) {
        case "head": {
          const end = this.pending.indexOf(CRLF_CRLF)
          if (end < 0) {
            if (this.pending.length > this.maxHeadBytes) throw new Http1Error("answer head too large")
            return
          }
          if (end > this.maxHeadBytes) throw new Http1Error("answer head too large")
          const head = this.pending.toString("latin1", 0, end)
          this.pending = this.pending.subarray(end + 4)
          this.readHead(head)
          break
        }
        case "length": {
          if (this.takeBody()) this.complete()
          return
        }
        case "chunk-size": {
          const end = this.pending.indexOf(CRLF)
          if (end < 0) {
            if (this.pending.length > 1024) throw new Http1Error("malformed chunk size")
            return
          }
          const line = this.pending.toString("latin1", 0, end)
          this.pending = this.pending.subarray(end + 2)
          const sizeText = (line.split(";", 1)[0] ?? "").trim()
          if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText)) throw new Http1Error("malformed chunk size")
          const size = parseInt(sizeText, 16)
          if (size === 0) {
            this.phase = "trailers"
          } else {
            this.remaining = size
            this.phase = "chunk-data"
          }
          break
        }
        case "chunk-data": {
          // The chunk, then its CRLF.
          if (!this.takeBody() || this.pending.length < 2) return
          if (this.pending[0] !== 13 || this.pending[1] !== 10) throw new Http1Error("malformed chunk")
          this.pending = this.pending.subarray(2)
          this.phase = "chunk-size"
          break
        }
        case "trailers": {
          // Trailer fields, if any, end with an empty line; they are read and dropped.
          if (this.pending.length >= 2 && this.pending[0] === 13 && this.pending[1] === 10) {
            this.pending = this.pending.subarray(2)
            this.complete()
            return
          }
          const end = this.pending.indexOf(CRLF_CRLF)
          if (end < 0) {
            if (this.pending.length > this.maxHeadBytes) throw new Http1Error("trailers too large")
            return
          }
          this.pending = this.pending.subarray(end + 4)
          this.complete()
          return
        }
        case "until-close":
          if (this.pending.length > 0) this.bodyParts.push(this.pending)
          this.pending = EMPTY
          return
        case "idle":
          return
      }
    }
  }

  /** Moves up to `remaining` pending bytes into the body; true once none remain to be read. */
  private takeBody(): boolean {
    const take = Math.min(this.remaining, this.pending.length)
    if (take > 0) {
      this.bodyParts.push(this.pending.subarray(0, take))
      this.pending = this.pending.subarray(take)
      this.remaining -= take
    }
    return this.remaining === 0
  }

  private readHead(head: string): void {
    const lines = head.split("\r\n")
    const statusLine = lines[0] ?? ""
    const match = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(statusLine)
    if (match === null) throw new Http1Error("malformed status line")
    const status = Number(match[2])
    let length: number | undefined
    let chunked = false
    let close = match[1] === "0"
    const setCookie: Array<string> = []
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!
      const colon = line.indexOf(":")
      if (colon <= 0) throw new Http1Error("malformed header line")
      const name = line.slice(0, colon).toLowerCase()
      const value = line.slice(colon + 1).trim()
      if (name === "content-length") {
        if (!/^\d{1,15}$/.test(value) || (length !== undefined && length !== Number(value))) {
          throw new Http1Error("malformed content-length")
        }
        length = Number(value)
      } else if (name === "transfer-encoding") {
        const codings = value.toLowerCase().split(",").map((coding) => coding.trim())
        if (codings[codings.length - 1] !== "chunked") throw new Http1Error(`unsupported transfer-encoding ${value}`)
        chunked = true
      } else if (name === "connection") {
        const options = value.toLowerCase().split(",").map((option) => option.trim())
        if (options.includes("close")) close = true
        else if (options.includes("keep-alive")) close = false
      } else if (name === "set-cookie") {
        setCookie.push(value)
      }
    }
    // An interim answer (100 Continue, 103 Early Hints): the final one follows on the same exchange.
    if (status >= 100 && status < 200) {
      this.phase = "head"
      return
    }
    this.status = status
    this.setCookie = setCookie.length === 0 ? undefined : setCookie
    this.keepAlive = !close
    if (this.exchange?.noBody === true || status === 204 || status === 304) {
      this.complete()
    } else if (chunked) {
      this.phase = "chunk-size"
    } else if (length !== undefined) {
      this.remaining = length
      this.phase = "length"
      if (length === 0) this.complete()
    } else {
      this.keepAlive = false
      this.phase = "until-close"
    }
  }

  private complete(): void {
    const exchange = this.exchange
    if (exchange === undefined) return
    const body = this.bodyParts.length === 0 ?
      EMPTY :
      this.bodyParts.length === 1 ?
      this.bodyParts[0]! :
      Buffer.concat(this.bodyParts)
    this.bodyParts.length = 0
    const reusable = this.keepAlive && this.pending.length === 0
    this.pending = EMPTY
    this.phase = "idle"
    this.exchange = undefined
    if (reusable) this.onFree()
    else this.socket.destroy()
    exchange.done(undefined, { status: this.status, body, setCookie: this.setCookie })
  }
}

/** Keep-alive connections to one origin. */
export class Http1Pool {
  private readonly secure: boolean
  private readonly host: string
  private readonly port: number
  private readonly hostHeader: string
  private readonly idleTimeoutMillis: number
  private readonly maxHeadBytes: number
  private readonly idle: Array<Connection> = []
  private readonly open = new Set<Connection>()
  private closed = false
  private retired = false

  constructor(private readonly options: Http1PoolOptions) {
    const url = new URL(options.origin)
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new Http1Error(`unsupported scheme ${url.protocol}`)
    }
    this.secure = url.protocol === "https:"
    // URL keeps the brackets of an IPv6 literal in `hostname`; a socket wants the address without them.
    this.host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
    this.port = url.port === "" ? (this.secure ? 443 : 80) : Number(url.port)
    this.hostHeader = url.host
    this.idleTimeoutMillis = options.idleTimeoutMillis ?? 4000
    this.maxHeadBytes = options.maxHeadBytes ?? 16 * 1024
  }

  /**
   * Sends one exchange; `done` is called once, with the answer or why there is none. The returned function abandons
   * the exchange (its connection is closed, `done` is not called).
   */
  request(request: Http1Request, done: Done): () => void {
    let bytes: string
    try {
      bytes = this.render(request)
    } catch (error) {
      done(error instanceof Http1Error ? error : new Http1Error(String(error)), undefined)
      return () => {}
    }
    if (this.closed) {
      done(new Http1Error("client closed"), undefined)
      return () => {}
    }
    let connection = this.idle.pop()
    while (connection !== undefined && connection.socket.destroyed) connection = this.idle.pop()
    if (connection === undefined) connection = this.connect()
    else {
      if (connection.idleTimer !== undefined) clearTimeout(connection.idleTimer)
      connection.socket.ref()
    }
    const used = connection
    let settled = false
    used.start({
      noBody: request.method === "HEAD",
      done: (error, answer) => {
        if (settled) return
        settled = true
        done(error, answer)
      }
    }, bytes)
    return () => {
      if (settled) return
      settled = true
      used.exchange = undefined
      used.socket.destroy()
    }
  }

  /**
   * Keeps no connection from now on: idle ones close now, busy ones as their exchange ends, and an exchange still
   * sent here gets a connection of its own, closed after it. A pool replaced by one of another identity lets what
   * was already given it finish on the identity it started with, as a retired Node agent does.
   */
  retire(): void {
    this.retired = true
    for (const connection of this.idle) connection.socket.destroy()
    this.idle.length = 0
  }

  /** Closes every connection; exchanges in flight fail. */
  close(): void {
    this.closed = true
    for (const connection of this.open) connection.socket.destroy()
    this.idle.length = 0
  }

  private render(request: Http1Request): string {
    if (!TOKEN.test(request.method)) throw new Http1Error(`invalid method ${request.method}`)
    if (!request.target.startsWith("/") || LINE_BREAK.test(request.target) || request.target.includes(" ")) {
      throw new Http1Error("invalid request target")
    }
    let head = `${request.method} ${request.target} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nconnection: keep-alive\r\n`
    for (const name in request.headers) {
      const value = request.headers[name]!
      if (!TOKEN.test(name) || LINE_BREAK.test(value)) throw new Http1Error(`invalid character in header ${name}`)
      const lower = name.toLowerCase()
      if (lower === "host" || lower === "connection" || lower === "content-length") continue
      head += `${name}: ${value}\r\n`
    }
    if (request.body !== undefined) {
      head += `content-length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`
    } else if (request.method === "POST" || request.method === "PUT" || request.method === "PATCH") {
      head += "content-length: 0\r\n\r\n"
    } else {
      head += "\r\n"
    }
    return head
  }

  private connect(): Connection {
    const socket = this.secure ?
      tls.connect({
        host: this.host,
        port: this.port,
        // SNI takes a name, never an address literal.
        ...(net.isIP(this.host) === 0 ? { servername: this.host } : {}),
        ...this.options.tls
      }) :
      net.connect({ host: this.host, port: this.port })
    socket.setNoDelay(true)
    socket.setKeepAlive(true, this.options.keepAliveMillis ?? 1000)
    const connection: Connection = new Connection(socket, this.maxHeadBytes, () => this.release(connection))
    this.open.add(connection)
    socket.on("data", (chunk: Buffer) => connection.onData(chunk))
    socket.on("error", (error) => connection.onClose(`${error.name}: ${error.message}`))
    socket.on("close", () => {
      this.open.delete(connection)
      if (connection.idleTimer !== undefined) clearTimeout(connection.idleTimer)
      const at = this.idle.indexOf(connection)
      if (at >= 0) this.idle.splice(at, 1)
      connection.onClose("connection closed before the answer ended")
    })
    return connection
  }

  private release(connection: Connection): void {
    if (this.retired) connection.socket.destroy()
    if (this.closed || connection.socket.destroyed) return
    connection.idleTimer = setTimeout(() => connection.socket.destroy(), this.idleTimeoutMillis)
    connection.idleTimer.unref()
    // An idle connection does not keep the process alive (as Node's agent does with its free sockets).
    connection.socket.unref()
    this.idle.push(connection)
  }
}
