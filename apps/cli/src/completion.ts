import type { Command } from 'commander';

/** Words completed after each command (its sub-commands, its resource types, its options). */
function words(command: Command): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  const resources: Record<string, string[]> = {
    get: ['instances', 'workers', 'definitions', 'templates', 'events'],
    describe: ['instance', 'worker'],
    create: ['instance'],
    stop: ['instance'],
    collect: ['instance'],
    delete: ['instance'],
    start: ['instance'],
    drain: ['worker'],
    cordon: ['worker'],
    uncordon: ['worker'],
    completion: ['bash', 'zsh'],
  };
  const visit = (cmd: Command, path: string) => {
    const flags = cmd.options.flatMap((o) =>
      [o.long, o.short].filter((f): f is string => f !== undefined),
    );
    table[path] = [
      ...cmd.commands.map((c) => c.name()),
      ...(resources[cmd.name()] ?? []),
      ...flags,
    ];
    for (const sub of cmd.commands)
      visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(command, '');
  return table;
}

/** A bash completion script built from the command tree (zsh loads it through bashcompinit). */
export function completionScript(
  program: Command,
  shell: 'bash' | 'zsh',
): string {
  const cases = Object.entries(words(program))
    .map(([path, list]) => `    "${path}") words="${list.join(' ')}" ;;`)
    .join('\n');
  const body = `# lcmctl completion (${shell}): source <(lcmctl completion ${shell})
_lcmctl() {
  local cur path="" w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case " $(_lcmctl_words "\${path:+$path }$w") " in
      "  ") ;;
      *) path="\${path:+$path }$w" ;;
    esac
  done
  COMPREPLY=($(compgen -W "$(_lcmctl_words "$path")" -- "$cur"))
}
_lcmctl_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
`;
  const zsh = 'autoload -U +X bashcompinit && bashcompinit\n';
  return `${shell === 'zsh' ? zsh : ''}${body}complete -F _lcmctl lcmctl\n`;
}
