/**
 * `digitlab completion bash|zsh|fish` — prints a completion script: command names, each command's
 * flags (read from its `--help` text, so they cannot drift), and values for `--model`, `--data`,
 * `--backend` and `--strategy`. Install: `digitlab completion bash > ~/.local/share/bash-completion/completions/digitlab`,
 * `digitlab completion zsh > "${fpath[1]}/_digitlab"`, `digitlab completion fish > ~/.config/fish/completions/digitlab.fish`.
 */
import { listModels } from '@digitlab/models/node';
import { finetuneStrategyNames } from '@digitlab/trainer/node';
import { commands } from '../command-list.js';
import { UsageError, runCommand } from '../cli-support.js';

/** The `--help` text. */
export const usage = `usage: digitlab completion bash|zsh|fish

Prints a shell completion script for digitlab on stdout.
  bash   digitlab completion bash > ~/.local/share/bash-completion/completions/digitlab
  zsh    digitlab completion zsh > "\${fpath[1]}/_digitlab"   (or: source <(digitlab completion zsh))
  fish   digitlab completion fish > ~/.config/fish/completions/digitlab.fish
`;

const shells = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof shells)[number];

/** What the scripts complete: each command with its flags, and the values of a few flags. */
export interface CompletionSpec {
  commands: Record<string, { summary: string; flags: string[] }>;
  values: Record<string, string[]>;
}

/** Reads every command's flags from its usage text. */
export async function completionSpec(): Promise<CompletionSpec> {
  const result: CompletionSpec['commands'] = {};
  for (const [name, { module, summary }] of Object.entries(commands)) {
    const text = name === 'completion' ? usage : ((await import(new URL(`.${module.slice('./commands'.length)}`, import.meta.url).href)) as { usage: string }).usage;
    const flags = new Set([...text.matchAll(/--[a-z][a-z0-9-]*/g)].map((match) => match[0]));
    for (const common of ['--help', '--config', '--verbose']) flags.add(common);
    result[name] = { summary, flags: [...flags].sort() };
  }
  const models = listModels().map((entry) => entry.name as string);
  return {
    commands: result,
    values: {
      '--backend': ['auto', 'wasm', 'cpu', 'tensorflow', 'cuda'],
      '--strategy': [...finetuneStrategyNames],
      '--model': [...models.map((name) => `pretrained:${name}`), ...models],
      '--from': models.map((name) => `pretrained:${name}`),
      '--data': ['mnist', 'mnist:digits=', 'csv:', 'folder:'],
      '--test': ['mnist', 'csv:', 'folder:'],
    },
  };
}

const words = (list: readonly string[]) => list.join(' ');

/** The bash script (zsh runs it through bashcompinit). */
export function bashScript(spec: CompletionSpec): string {
  const valueCases = Object.entries(spec.values)
    .map(([flag, values]) => `    ${flag}) COMPREPLY=($(compgen -W "${words(values)}" -- "$cur"))${flag === '--model' || flag === '--from' ? ' $(compgen -d -- "$cur")' : ''}; return ;;`)
    .join('\n');
  const commandCases = Object.entries(spec.commands)
    .map(([name, { flags }]) => `    ${name}) COMPREPLY=($(compgen -W "${words(flags)}" -- "$cur")) ;;`)
    .join('\n');
  return `# digitlab completion for bash (digitlab completion bash)
_digitlab() {
  local cur prev command
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  command="\${COMP_WORDS[1]}"
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${words(Object.keys(spec.commands))} --help --version" -- "$cur"))
    return
  fi
  if [[ "$command" == completion ]]; then
    COMPREPLY=($(compgen -W "${words(shells)}" -- "$cur"))
    return
  fi
  case "$prev" in
${valueCases}
    --out|--resume|--directory|--cache-directory) COMPREPLY=($(compgen -d -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    case "$command" in
${commandCases}
    esac
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -F _digitlab digitlab
`;
}

/** The zsh script: the bash one through zsh's bashcompinit. */
export function zshScript(spec: CompletionSpec): string {
  return `#compdef digitlab
# digitlab completion for zsh (digitlab completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(spec)}`;
}

/** The fish script. */
export function fishScript(spec: CompletionSpec): string {
  const quote = (text: string) => `'${text.replace(/'/g, "\\'")}'`;
  const lines = ['# digitlab completion for fish (digitlab completion fish)', 'complete -c digitlab -f'];
  for (const [name, { summary }] of Object.entries(spec.commands)) lines.push(`complete -c digitlab -n __fish_use_subcommand -a ${name} -d ${quote(summary)}`);
  lines.push(`complete -c digitlab -n '__fish_seen_subcommand_from completion' -a ${quote(words(shells))}`);
  for (const [name, { flags }] of Object.entries(spec.commands)) {
    for (const flag of flags) {
      const values = spec.values[flag];
      lines.push(`complete -c digitlab -n '__fish_seen_subcommand_from ${name}' -l ${flag.slice(2)}${values ? ` -x -a ${quote(words(values))}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Runs `digitlab completion`. */
export async function run(argv: string[]): Promise<number> {
  return runCommand('completion', argv, usage, async () => {
    const [shell, ...extra] = argv;
    if (!shells.includes(shell as Shell) || extra.length > 0) {
      throw new UsageError(`completion takes one shell: ${shells.join(', ')}; got ${argv.length === 0 ? 'none' : `"${argv.join(' ')}"`}`);
    }
    const spec = await completionSpec();
    process.stdout.write(shell === 'bash' ? bashScript(spec) : shell === 'zsh' ? zshScript(spec) : fishScript(spec));
  });
}
