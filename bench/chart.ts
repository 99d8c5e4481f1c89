// The benchmark chart: one pair of horizontal bars per workload (docrest and the machine's
// limit), as a self-contained SVG for the README.
interface Bar {
  workload: string;
  docrest: { rps: number };
  limit: { rps: number };
  ratio: number;
}

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function chart(rows: Bar[], machine: Record<string, unknown>): string {
  const width = 860;
  const left = 250;
  const barH = 14;
  const rowH = 42;
  const top = 50;
  const max = Math.max(1, ...rows.flatMap((r) => [r.docrest.rps, r.limit.rps]));
  const scale = (v: number) => ((width - left - 90) * v) / max;
  const height = top + rows.length * rowH + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">docrest vs. bare node:http (the limit), requests/s</text>`,
    `<text x="10" y="38" fill="#555">${esc(`${machine.cpus} cores, Node ${machine.node}, ${machine.generator}, docrest workers: ${machine.workers}, ${String(machine.date).slice(0, 10)}`)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="10" y="${y + barH + 4}">${esc(r.workload)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${scale(r.docrest.rps).toFixed(1)}" height="${barH}" fill="#2b6cb0"/>`);
    parts.push(`<text x="${left + scale(r.docrest.rps) + 5}" y="${y + 11}">${Math.round(r.docrest.rps)} (${(r.ratio * 100).toFixed(0)}%)</text>`);
    parts.push(`<rect x="${left}" y="${y + barH + 2}" width="${scale(r.limit.rps).toFixed(1)}" height="${barH}" fill="#cbd5e0"/>`);
    parts.push(`<text x="${left + scale(r.limit.rps) + 5}" y="${y + barH + 13}" fill="#555">${Math.round(r.limit.rps)} limit</text>`);
  });
  parts.push(`<text x="10" y="${height - 8}" fill="#555">blue: docrest (embedded engine, Basic auth as admin); grey: node:http answering the same bytes</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
