import type { ClientRequest } from 'node:http';
import type { Agent } from 'node:https';
import type { Socket } from 'node:net';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent, type SocksProxyAgentOptions } from 'socks-proxy-agent';

/** The agents of a session with a proxy: its WebSocket's and its media transfers'. */
export interface SessionAgents {
  readonly ws: Agent;
  readonly media: Agent;
  destroy(): void;
}

/** What agent-base hands an agent's `connect` (the request's options). */
type AgentConnectOpts = Parameters<HttpsProxyAgent<string>['connect']>[1];

interface DestinationTls {
  readonly ca?: string[];
}

/**
 * An HTTP CONNECT proxy agent that also trusts `ca` on the TLS connection to the destination
 * (https-proxy-agent keeps its constructor's options for the connection to the proxy only).
 */
class ConnectProxyAgent extends HttpsProxyAgent<string> {
  constructor(proxyUrl: string, private readonly tls: DestinationTls) {
    super(proxyUrl, tls);
  }

  override connect(request: ClientRequest, options: AgentConnectOpts): Promise<Socket> {
    return super.connect(request, { ...options, ...this.tls } as AgentConnectOpts);
  }
}

/** A SOCKS5 proxy agent that trusts `ca` on the TLS connection to the destination. */
class SocksAgent extends SocksProxyAgent {
  constructor(proxyUrl: string, private readonly tls: DestinationTls) {
    super(proxyUrl, tls as SocksProxyAgentOptions);
  }

  override connect(request: ClientRequest, options: AgentConnectOpts): Promise<Socket> {
    return super.connect(request, { ...options, ...this.tls } as AgentConnectOpts);
  }
}

/**
 * An agent that tunnels every connection through `proxyUrl`: an HTTP CONNECT proxy (`http://`, or
 * `https://` with TLS to the proxy) or a SOCKS5 one (`socks5://`, `socks5h://` resolving names at the
 * proxy), credentials taken from the URL. `ca` (PEM, Node's roots included when wanted) is what the
 * TLS to the destination (and to an https proxy) trusts: the simulator's media host in tests.
 */
export function createProxyAgent(proxyUrl: string, ca?: readonly string[]): Agent {
  const tls: DestinationTls = ca ? { ca: [...ca] } : {};
  const scheme = new URL(proxyUrl).protocol;
  // Both serve http and https destinations alike (agent-base): what Baileys' https.Agent options take.
  const agent = scheme === 'socks5:' || scheme === 'socks5h:' ? new SocksAgent(proxyUrl, tls) : new ConnectProxyAgent(proxyUrl, tls);
  return agent as unknown as Agent;
}

/** A session's agents over its proxy; the media agent trusts `mediaCa` too. */
export function sessionAgents(proxyUrl: string, mediaCa?: readonly string[]): SessionAgents {
  const ws = createProxyAgent(proxyUrl);
  const media = createProxyAgent(proxyUrl, mediaCa);
  return {
    ws,
    media,
    destroy() {
      ws.destroy();
      media.destroy();
    },
  };
}
