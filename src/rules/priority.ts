// Rule priorities (falco_common.cpp): eight syslog-like levels, lower number = more severe.

export const PRIORITY_NAMES = [
  'Emergency',
  'Alert',
  'Critical',
  'Error',
  'Warning',
  'Notice',
  'Informational',
  'Debug',
] as const;

/** 0 (Emergency) … 7 (Debug). */
export type Priority = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const Priority = {
  EMERGENCY: 0,
  ALERT: 1,
  CRITICAL: 2,
  ERROR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFORMATIONAL: 6,
  DEBUG: 7,
} as const satisfies Record<string, Priority>;

/**
 * Case-insensitive priority name; "info" is accepted for Informational (legacy spelling).
 * Returns undefined for anything else.
 */
export function parsePriority(text: string): Priority | undefined {
  const lower = text.toLowerCase();
  for (let i = 0; i < PRIORITY_NAMES.length; i++) {
    if (lower === PRIORITY_NAMES[i]!.toLowerCase()) return i as Priority;
  }
  return lower === 'info' ? Priority.INFORMATIONAL : undefined;
}

/** The long name ("Informational"); `short` gives "Info" for Informational only, as Falco does. */
export function formatPriority(priority: Priority, short = false): string {
  if (short && priority === Priority.INFORMATIONAL) return 'Info';
  return PRIORITY_NAMES[priority];
}
