export interface BenchResult {
  name: string;
  ratio: number;
  target: string;
  pass: boolean;
  detail: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function printResults(title: string, results: readonly BenchResult[]): void {
  const width = Math.max(...results.map((r) => r.name.length));
  process.stdout.write(`\n${title}\n`);
  for (const r of results) {
    process.stdout.write(
      `  ${r.name.padEnd(width)}  ${r.ratio.toFixed(3).padStart(7)}  target ${r.target.padEnd(7)}  ${r.pass ? 'ok  ' : 'MISS'}  ${r.detail}\n`,
    );
  }
}
