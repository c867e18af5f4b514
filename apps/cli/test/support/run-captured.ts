/** Runs a command's `run(argv)` in-process and returns its exit code and what it wrote on stdout. */
export async function runCaptured(run: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(argv), stdout: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}
