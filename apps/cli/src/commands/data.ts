/** `digitlab data` — placeholder until @digitlab/datasets lands: prints nothing useful yet. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('digitlab data: not implemented yet\n');
  return 1;
}
