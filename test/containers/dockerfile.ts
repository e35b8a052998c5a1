import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

export interface Stage {
  name?: string;
  from: string;
  instructions: Instruction[];
}

export interface Copy {
  from?: string;
  chown?: string;
  sources: string[];
  destination: string;
}

/**
 * Enough of a Dockerfile parser for checking this project's file: comments and parser directives
 * dropped, `\` continuations joined, instructions grouped into stages by FROM.
 */
export function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function readDockerfile(path = join(process.cwd(), 'Dockerfile')) {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--')) {
    const [flag = '', value = ''] = words.shift()!.slice(2).split('=');
    flags.set(flag, value);
  }
  const destination = words.pop() ?? '';
  return { from: flags.get('from'), chown: flags.get('chown'), sources: words, destination };
}

/** `ENV A=1 B=2` lines of a stage, merged (no quoting needed in this file). */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    stage.instructions
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => i.args.split(/\s+/))
      .map((pair) => pair.split('=') as [string, string]),
  );
}
