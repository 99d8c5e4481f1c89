// The limit of the machine: a bare node:http server, in its own process, answering every request
// with the bytes docrest answered for the workload (status, headers, body from argv/stdin).
import { createServer } from 'node:http';

const [port, status, headersJson] = process.argv.slice(2);
const chunks: Buffer[] = [];
process.stdin.on('data', (c: Buffer) => chunks.push(c));
process.stdin.on('end', () => {
  const body = Buffer.concat(chunks);
  const headers = { ...JSON.parse(headersJson!), 'Content-Length': body.length };
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(Number(status), headers);
      res.end(body);
    });
  }).listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
});
