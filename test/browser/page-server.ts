// The pages the browser suites load: a plain node:http server on another port (another origin
// than docrest's), serving a few files from a folder, never cached.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

/** `files`: URL path → [file name in `dir`, content type]. */
export function servePages(dir: string, files: Record<string, [string, string]>): Promise<Server> {
  const server = createServer((req, res) => {
    const f = files[(req.url ?? '/').split('?')[0]!];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': f[1], 'Cache-Control': 'no-store' }).end(readFileSync(join(dir, f[0])));
  });
  return new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve(server)));
}
