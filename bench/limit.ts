// The limit of the machine: a bare node:http server, in its own process, answering every request
// with the bytes docrest answered for the workload. A workload of several kinds of requests gets,
// per kind, docrest's answer to a sample of that kind (responses as JSON on stdin).
import { createServer } from 'node:http';

export interface LimitResponse {
  method: string;
  /** the kind's requests start with it */
  prefix: string;
  status: number;
  headers: Record<string, string>;
  /** base64 */
  body: string;
}

const port = Number(process.argv[2]);
const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const responses = (JSON.parse(Buffer.concat(chunks).toString()) as LimitResponse[])
    .map((r) => {
      const body = Buffer.from(r.body, 'base64');
      return { ...r, body, headers: { ...r.headers, 'Content-Length': body.length } };
    })
    // the longest prefix first: /coll?filter= before /coll
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const only = responses.length === 1 ? responses[0] : undefined;
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const r = only ?? responses.find((x) => x.method === req.method && req.url!.startsWith(x.prefix)) ?? responses[0]!;
      res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
  }).listen(port, '127.0.0.1', () => process.send?.('ready'));
});
