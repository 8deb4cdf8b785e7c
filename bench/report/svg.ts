/** A hand-written line chart: one polyline per series of per-second values. */

export interface Series {
  label: string;
  color: string;
  values: number[];
}

const W = 760;
const H = 340;
const PAD = { left: 64, right: 20, top: 40, bottom: 48 };

export function lineChart(title: string, yLabel: string, series: Series[]): string {
  const seconds = Math.max(...series.map((s) => s.values.length), 1);
  const top = niceCeiling(Math.max(...series.flatMap((s) => s.values), 1));
  const x = (i: number) => PAD.left + ((W - PAD.left - PAD.right) * i) / Math.max(seconds - 1, 1);
  const y = (v: number) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * v) / top;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (top * i) / 5;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`,
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
    );
  }
  const step = Math.max(Math.ceil(seconds / 10), 1);
  for (let s = 0; s < seconds; s += step) {
    parts.push(`<text x="${x(s)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${s}</text>`);
  }
  parts.push(
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${y(0)}" stroke="#333"/>`,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle">seconds since start</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${escape(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const points = s.values.map((v, k) => `${round(x(k))},${round(y(v))}`).join(' ');
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`,
      `<rect x="${W - PAD.right - 230}" y="${PAD.top + i * 18}" width="12" height="3" fill="${s.color}"/>`,
      `<text x="${W - PAD.right - 212}" y="${PAD.top + 5 + i * 18}">${escape(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((n) => n >= value) ?? 10 * magnitude;
}

const round = (v: number) => Math.round(v * 10) / 10;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
