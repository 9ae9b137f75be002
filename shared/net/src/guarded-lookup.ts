import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

/** Every address a host name resolves to (A and AAAA). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const systemResolve: ResolveAll = (host) => dns.lookup(host, { all: true, verbatim: true });

/**
 * A `lookup` for `http.request` that checks every address a name resolves to (`check` throws to
 * refuse) and hands the connection only checked addresses. The socket connects to what this
 * returns, so a name cannot resolve to one address for the check and another for the connection
 * (DNS rebinding). One refused address refuses the name.
 */
export function guardedLookup(resolve: ResolveAll, check: (host: string, address: string) => void): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname)
      .then((found) => {
        for (const { address } of found) check(hostname, address);
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = family ? found.filter((entry) => entry.family === family) : found;
        const first = usable[0];
        if (!first) throw Object.assign(new Error(`${hostname} has no ${family ? `IPv${family} ` : ''}address`), { code: 'ENOTFOUND' });
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}
