// The scheme a request came in on: TLS on its connection, or X-Forwarded-Proto, but only from a
// proxy listed in docrest.trusted-proxies (anyone else could claim https).
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../config/load.ts';

export type Scheme = 'http' | 'https';
type RawRequest = IncomingMessage | Http2ServerRequest;

const encrypted = (req: RawRequest): boolean => (req.socket as { encrypted?: boolean }).encrypted === true;

function blockList(trusted: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of trusted) {
    const [addr = '', bits] = entry.trim().split('/');
    const family = isIP(addr);
    const prefix = Number(bits);
    const valid = family !== 0 && (bits === undefined || (/^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128)));
    if (!valid) throw new ConfigError(`docrest.trusted-proxies: '${entry}' is not an IP address or a CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, prefix, type);
  }
  return list;
}

export function schemeResolver(trusted: readonly string[]): (req: RawRequest) => Scheme {
  if (trusted.length === 0) return (req) => (encrypted(req) ? 'https' : 'http');
  const list = blockList(trusted);
  const isTrusted = (address: string | undefined): boolean => {
    if (!address) return false;
    // an IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d
    const v4 = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : undefined;
    return v4 ? list.check(v4, 'ipv4') : list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  };
  return (req) => {
    const xfp = req.headers['x-forwarded-proto'];
    if (typeof xfp === 'string' && isTrusted(req.socket.remoteAddress)) {
      // the first value is the one the client used (each further proxy appends its own)
      const first = xfp.split(',')[0]!.trim().toLowerCase();
      if (first === 'https' || first === 'http') return first;
    }
    return encrypted(req) ? 'https' : 'http';
  };
}
