import type { ClientRequest } from 'node:http';
import type { Agent } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent, type SocksProxyAgentOptions } from 'socks-proxy-agent';
import { AddressRefusedError, type AddressGuard } from '@fleet/net';
import { ProxyRefusedError } from './errors';

/** The agents of a session with a proxy: its WebSocket's and its media transfers'. */
export interface SessionAgents {
  readonly ws: Agent;
  readonly media: Agent;
  /**
   * Why the guard last refused the proxy for the WebSocket (its name resolved to a refused address),
   * cleared by reading: a socket that closed for it must fail, not reconnect, nor go around the proxy.
   */
  takeRefusal(): ProxyRefusedError | undefined;
  destroy(): void;
}

/** What agent-base hands an agent's `connect` (the request's options). */
type AgentConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

interface DestinationTls {
  readonly ca?: string[];
}

/** How the connection to the proxy itself is made: the guard's `lookup` for a name (none for an address). */
interface ProxyConnect {
  readonly lookup?: LookupFunction;
}

/**
 * An HTTP CONNECT proxy agent that also trusts `ca` on the TLS connection to the destination
 * (https-proxy-agent keeps its constructor's options for the connection to the proxy only).
 */
class ConnectProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    proxyUrl: string,
    private readonly tls: DestinationTls,
    proxyConnect: ProxyConnect,
  ) {
    super(proxyUrl, { ...tls, ...proxyConnect });
  }

  override connect(request: ClientRequest, options: AgentConnectOpts): Promise<Socket> {
    return super.connect(request, { ...options, ...this.tls } as AgentConnectOpts);
  }
}

/** A SOCKS5 proxy agent that trusts `ca` on the TLS connection to the destination. */
class SocksAgent extends SocksProxyAgent {
  constructor(
    proxyUrl: string,
    private readonly tls: DestinationTls,
    proxyConnect: ProxyConnect,
  ) {
    // socketOptions: how the socks client opens its TCP connection to the proxy.
    super(proxyUrl, { ...tls, socketOptions: proxyConnect } as SocksProxyAgentOptions);
  }

  override connect(request: ClientRequest, options: AgentConnectOpts): Promise<Socket> {
    return super.connect(request, { ...options, ...this.tls } as AgentConnectOpts);
  }
}

export interface ProxyAgentOptions {
  /** Judges the proxy's host (PROXY_ALLOW): an address now, a name at each connection after DNS. */
  readonly guard: AddressGuard;
  /** PEM the TLS to the destination (and to an https proxy) trusts, Node's roots included when wanted. */
  readonly ca?: readonly string[];
  /** Told of each refusal at connection time (a name that now resolves to a refused address). */
  readonly onRefused?: (error: ProxyRefusedError) => void;
}

/**
 * An agent that tunnels every connection through `proxyUrl`: an HTTP CONNECT proxy (`http://`, or
 * `https://` with TLS to the proxy) or a SOCKS5 one (`socks5://`, `socks5h://` resolving names at the
 * proxy), credentials taken from the URL. The proxy's host must pass `guard`: a refused address (or
 * metadata name) throws ProxyRefusedError now; a name is resolved by the guard at each connection,
 * which connects only to addresses it accepted (a refused one fails that connection). `ca`: the
 * simulator's media host in tests.
 */
export function createProxyAgent(proxyUrl: string, options: ProxyAgentOptions): Agent {
  const tls: DestinationTls = options.ca ? { ca: [...options.ca] } : {};
  const url = new URL(proxyUrl);
  const proxyConnect = guardedConnect(url.hostname, options);
  // Both serve http and https destinations alike (agent-base): what Baileys' https.Agent options take.
  const scheme = url.protocol;
  const agent =
    scheme === 'socks5:' || scheme === 'socks5h:' ? new SocksAgent(proxyUrl, tls, proxyConnect) : new ConnectProxyAgent(proxyUrl, tls, proxyConnect);
  return agent as unknown as Agent;
}

/** The guard's verdict on the proxy's host now, and the lookup that judges a name at each connection. */
function guardedConnect(hostname: string, options: ProxyAgentOptions): ProxyConnect {
  let connect: { lookup?: LookupFunction };
  try {
    connect = options.guard.connectOptions(hostname);
  } catch (error) {
    throw asProxyRefused(error);
  }
  const { lookup } = connect;
  if (!lookup) return {};
  const { onRefused } = options;
  if (!onRefused) return { lookup };
  return {
    lookup: (host, lookupOptions, callback) =>
      lookup(host, lookupOptions, (error, address, family) => {
        if (error instanceof AddressRefusedError) onRefused(new ProxyRefusedError(error.host, error.reason, error));
        callback(error, address, family);
      }),
  };
}

function asProxyRefused(error: unknown): unknown {
  return error instanceof AddressRefusedError ? new ProxyRefusedError(error.host, error.reason, error) : error;
}

/**
 * A session's agents over its proxy, both judged by `guard`; the media agent trusts `mediaCa` too.
 * Throws ProxyRefusedError when the proxy is an address the guard refuses.
 */
export function sessionAgents(proxyUrl: string, guard: AddressGuard, mediaCa?: readonly string[]): SessionAgents {
  let refusal: ProxyRefusedError | undefined;
  const ws = createProxyAgent(proxyUrl, { guard, onRefused: (error) => (refusal = error) });
  const media = createProxyAgent(proxyUrl, { guard, ...(mediaCa ? { ca: mediaCa } : {}) });
  return {
    ws,
    media,
    takeRefusal() {
      const taken = refusal;
      refusal = undefined;
      return taken;
    },
    destroy() {
      ws.destroy();
      media.destroy();
    },
  };
}
