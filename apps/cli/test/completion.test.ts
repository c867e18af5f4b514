/**
 * `digitlab completion`: the built binary prints scripts; the bash one is run in a real bash with
 * the words a user would have typed, and completes commands, each command's own flags and values.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repository = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repository, 'apps', 'cli', 'dist', 'bin.js');
let bashScript: string;

function digitlab(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What bash offers for `words` (the last one being completed), with the script sourced. */
function complete(...words: string[]): string[] {
  const program = `${bashScript}\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _digitlab; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

beforeAll(() => {
  execFileSync('npx', ['tsc', '--build', 'apps/cli'], { cwd: repository, stdio: 'inherit' });
  const result = digitlab('completion', 'bash');
  expect(result.code, result.stderr).toBe(0);
  bashScript = result.stdout;
}, 300_000);

describe('digitlab completion', () => {
  it('bash completes commands, the flags of the command typed, and flag values', () => {
    expect(complete('digitlab', 'fi')).toEqual(['finetune']);
    expect(complete('digitlab', '')).toEqual(expect.arrayContaining(['train', 'evaluate', 'predict', 'finetune', 'lr-find', 'completion']));
    expect(complete('digitlab', 'finetune', '--st')).toEqual(['--strategy']);
    expect(complete('digitlab', 'predict', '--re')).toEqual(['--recursive']);
    expect(complete('digitlab', 'train', '--re')).toEqual(['--resume']);
    expect(complete('digitlab', 'train', '--strategy')).toEqual([]); // train has no --strategy flag
    expect(complete('digitlab', 'finetune', '--strategy', 'lo')).toEqual(['lora']);
    expect(complete('digitlab', 'evaluate', '--backend', 'w')).toEqual(['wasm']);
    expect(complete('digitlab', 'evaluate', '--model', 'pretrained:b')).toEqual(['pretrained:bn-cnn']);
    expect(complete('digitlab', 'completion', 'f')).toEqual(['fish']);
  });

  it('zsh and fish scripts name every command; a missing or unknown shell exits 2', () => {
    const zsh = digitlab('completion', 'zsh');
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef digitlab\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    const fish = digitlab('completion', 'fish');
    expect(fish.code).toBe(0);
    expect(fish.stdout).toContain("complete -c digitlab -n __fish_use_subcommand -a finetune -d 'adapt a saved or pretrained model");
    expect(fish.stdout).toContain("complete -c digitlab -n '__fish_seen_subcommand_from predict' -l recursive");
    for (const args of [['completion'], ['completion', 'powershell']]) {
      const bad = digitlab(...args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/completion takes one shell: bash, zsh, fish/);
    }
  });
});
