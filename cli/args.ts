import { UserFacingError } from '../core/errors';

/** `--name value` and `--flag` options plus positional words; no dependency needed for this. */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string | true>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      const next = argv[i + 1];
      if (inline !== undefined) options[name] = inline;
      else if (next !== undefined && !next.startsWith('--')) {
        options[name] = next;
        i++;
      } else options[name] = true;
    } else positional.push(a);
  }
  return { positional, options };
}

export function requireOption(args: ParsedArgs, name: string, example: string): string {
  const v = args.options[name];
  if (typeof v !== 'string' || v === '')
    throw new UserFacingError(`--${name} is required`, `for example: ${example}`);
  return v;
}
