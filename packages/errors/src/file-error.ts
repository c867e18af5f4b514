/**
 * Plain words for the file-system errors people cause (a folder given as a file, a missing or
 * unreadable file), so no digitlab message carries Node's raw `EISDIR: illegal operation…`.
 */

/** The errno codes described in words, and what to do about each. */
const reasons: Record<string, { problem: string; fix: string }> = {
  ENOENT: { problem: 'no such file or folder', fix: 'Check the path.' },
  EACCES: { problem: 'permission denied', fix: 'Give your user read access (chmod a+r), or run as a user who has it.' },
  EPERM: { problem: 'permission denied', fix: 'Give your user access to it, or run as a user who has it.' },
  EISDIR: { problem: 'is a folder, not a file', fix: 'Pass the file inside it.' },
  ENOTDIR: { problem: 'a part of the path is a file, not a folder', fix: 'Check the path.' },
  ELOOP: { problem: 'a symlink loop', fix: 'Point the symlink at a real file.' },
  EMFILE: { problem: 'too many open files', fix: 'Raise the open-file limit (ulimit -n) or read fewer files at once.' },
  ENAMETOOLONG: { problem: 'the path is too long', fix: 'Use a shorter path.' },
};

/**
 * Describes a file-system error on `path` as "`path`: problem (CODE). Fix." — for messages that a
 * person reads. Errors without a known errno code keep their own message.
 */
export function describeFileError(error: unknown, path: string): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const reason = typeof code === 'string' ? reasons[code] : undefined;
  if (!reason) return `${path}: cannot read it (${error instanceof Error ? error.message : String(error)}).`;
  return `${path}: ${reason.problem} (${code}). ${reason.fix}`;
}
