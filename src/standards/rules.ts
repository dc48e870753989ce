import type { Problem } from '../validation/problems.js';
import { formatPath } from '../validation/problems.js';
import type { StandardFile } from './schema.js';

/** Checks a standard's internal references: unique codes and numbers, duties that point at real KSBs. */
export function checkStandard(std: StandardFile): Problem[] {
  const problems: Problem[] = [];
  const codes = new Set<string>();
  std.ksbs.forEach((ksb, i) => {
    if (codes.has(ksb.code))
      problems.push({ path: formatPath(['ksbs', i, 'code']), message: `Duplicate KSB code "${ksb.code}"` });
    codes.add(ksb.code);
  });
  const numbers = new Set<number>();
  std.duties.forEach((duty, i) => {
    if (numbers.has(duty.number))
      problems.push({ path: formatPath(['duties', i, 'number']), message: `Duplicate duty number ${duty.number}` });
    numbers.add(duty.number);
    duty.ksbs.forEach((code, j) => {
      if (!codes.has(code))
        problems.push({
          path: formatPath(['duties', i, 'ksbs', j]),
          message: `Duty ${duty.number} refers to unknown KSB "${code}"`,
        });
    });
  });
  return problems;
}

export const KSB_KINDS = { K: 'Knowledge', S: 'Skills', B: 'Behaviours' } as const;
export type KsbKind = keyof typeof KSB_KINDS;

export function ksbKind(code: string): KsbKind {
  const kind = code.charAt(0);
  if (kind === 'K' || kind === 'S' || kind === 'B') return kind;
  throw new Error(`Not a KSB code: ${code}`);
}

export interface MatrixRow {
  code: string;
  text: string;
  /** One cell per duty, in duty order: does that duty draw on this KSB? */
  cells: boolean[];
  /** True when no duty refers to this KSB: a gap in the published standard worth seeing. */
  unreferenced: boolean;
}

/** The duty × KSB matrix, one row per KSB in published order. */
export function dutyKsbMatrix(std: Pick<StandardFile, 'duties' | 'ksbs'>): {
  dutyNumbers: number[];
  rows: MatrixRow[];
} {
  const dutyNumbers = std.duties.map((d) => d.number);
  const rows = std.ksbs.map((ksb) => {
    const cells = std.duties.map((duty) => duty.ksbs.includes(ksb.code));
    return { code: ksb.code, text: ksb.text, cells, unreferenced: !cells.some(Boolean) };
  });
  return { dutyNumbers, rows };
}
