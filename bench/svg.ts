// Small, dependency-free SVG charts for bench/REPORT.md: grouped horizontal bars, one group per
// case (e.g. group size), one bar per system, with the value printed at the end of each bar.

export interface BarGroup {
  label: string;
  /** system name → value; a missing or non-finite value is drawn as "n/a" */
  values: Record<string, number | undefined>;
}

export interface BarChart {
  title: string;
  unit: string;
  groups: BarGroup[];
  /** draw a log scale (values spanning orders of magnitude) */
  log?: boolean;
}

const COLORS = ['#0f766e', '#c2410c', '#4338ca', '#a16207', '#be123c', '#15803d'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en');
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

/**
 * @example writeFileSync('fanout.svg', barChart({ title: 'Deliveries/s', unit: 'msg/s', groups: [{ label: '10 members', values: { Mekong: 818, 'y-websocket': 4838 } }] }));
 */
export function barChart(chart: BarChart): string {
  const systems = [...new Set(chart.groups.flatMap((g) => Object.keys(g.values)))];
  const finite = chart.groups.flatMap((g) => Object.values(g.values)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const max = Math.max(...finite, 1e-9);
  const min = Math.min(...finite, max);
  const barH = 16;
  const gap = 6;
  const left = 150;
  const width = 720;
  const plotW = width - left - 90;
  const scale = (v: number) => {
    if (!chart.log) return (v / max) * plotW;
    const lo = Math.log10(min / 2);
    return ((Math.log10(v) - lo) / (Math.log10(max) - lo)) * plotW;
  };
  let y = 48;
  const parts: string[] = [];
  for (const g of chart.groups) {
    parts.push(`<text x="8" y="${y + (systems.length * (barH + 2)) / 2 + 4}" font-size="12" fill="#111">${esc(g.label)}</text>`);
    systems.forEach((s, i) => {
      const v = g.values[s];
      const by = y + i * (barH + 2);
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
        const w = Math.max(1, scale(v));
        parts.push(`<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="${barH}" fill="${COLORS[i % COLORS.length]}"/>`);
        parts.push(`<text x="${left + w + 4}" y="${by + barH - 4}" font-size="11" fill="#333">${fmt(v)}</text>`);
      } else {
        parts.push(`<text x="${left + 4}" y="${by + barH - 4}" font-size="11" fill="#888">n/a</text>`);
      }
    });
    y += systems.length * (barH + 2) + gap * 2;
  }
  const legend = systems
    .map((s, i) => `<rect x="${left + i * 150}" y="26" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${left + i * 150 + 14}" y="35" font-size="11">${esc(s)}</text>`)
    .join('');
  const height = y + 8;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="18" font-size="14" font-weight="bold">${esc(chart.title)} (${esc(chart.unit)}${chart.log ? ', log scale' : ''})</text>
${legend}
${parts.join('\n')}
</svg>
`;
}
