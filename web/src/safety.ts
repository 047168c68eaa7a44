// Safety numbers as people read them: twelve groups of five digits in three rows of four.

/** Digits in a safety number (six 5-digit groups from each of the two people). */
export const SAFETY_NUMBER_DIGITS = 60;
const GROUP = 5;
const PER_ROW = 4;

/**
 * Splits a 60-digit safety number into 12 groups of 5, ignoring spaces someone typed or pasted.
 * Returns null for anything else, so the app shows an error instead of misleading digits.
 * @example safetyNumberGroups('12345'.repeat(12)) // ['12345', '12345', … 12 groups]
 */
export function safetyNumberGroups(number: string): string[] | null {
  const digits = number.replace(/\s+/g, '');
  if (!new RegExp(`^\\d{${SAFETY_NUMBER_DIGITS}}$`).test(digits)) return null;
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += GROUP) groups.push(digits.slice(i, i + GROUP));
  return groups;
}

/** The groups laid out in rows of four, the way two people read them aloud to each other. */
export function safetyNumberRows(groups: readonly string[]): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < groups.length; i += PER_ROW) rows.push(groups.slice(i, i + PER_ROW));
  return rows;
}
