// A TCP proxy the test controls, placed between the service and PostgreSQL or
// Redis: forward, refuse (nothing listening), stall (accept, never answer),
// cut (drop every open connection), or add latency.
import net from 'node:net';

export type ProxyMode = 'forward' | 'stall' | 'refuse';

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private mode: ProxyMode = 'forward';
  latencyMs = 0;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(targetHost, targetPort);
    await p.listen(0);
    return p;
  }

  private listen(port: number): Promise<void> {
    const server = net.createServer((client) => this.onConnection(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  private onConnection(client: net.Socket) {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => {});
    if (this.mode === 'stall') return; // accepted, never forwarded
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    const pipe = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (this.mode === 'stall') return; // swallow: the peer hears nothing
        if (this.latencyMs > 0) setTimeout(() => to.write(chunk), this.latencyMs);
        else to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
  }

  url(base: string): string {
    const u = new URL(base);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Drops every open connection (both directions). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Accept connections but forward nothing, and freeze open ones. */
  stall(): void {
    this.mode = 'stall';
  }

  /** Stop listening: new connections are refused; open ones are dropped. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** Back to normal forwarding (re-listening on the same port if refused). */
  async restore(): Promise<void> {
    if (this.mode === 'stall') this.cut();
    this.mode = 'forward';
    if (!this.server) await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
