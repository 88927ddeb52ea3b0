import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * @cdktf/hcl2json (HCL's Go parser in WASM). Loaded untyped on purpose: its declarations pull in the
 * DOM library, whose fetch types then disagree with Node's across the whole project.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<unknown> };

/** One .tf file as HCL's JSON form (@cdktf/hcl2json): blocks are arrays, expressions "${...}". */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HclDoc = Record<string, any>;

/** A Terraform module: its folder (relative to the root) and its files, parsed. */
export interface HclModule {
  dir: string;
  files: Record<string, HclDoc>;
}

function tfFiles(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    if (name.startsWith('.')) continue;
    if (statSync(path).isDirectory()) out.push(...tfFiles(path));
    else if (name.endsWith('.tf')) out.push(path);
  }
  return out;
}

/** Every module under root, parsed; a file HCL cannot parse throws, naming it. */
export async function parseTree(root: string): Promise<HclModule[]> {
  const modules = new Map<string, HclModule>();
  for (const path of tfFiles(root)) {
    const dir = relative(root, dirname(path)) || '.';
    const m = modules.get(dir) ?? { dir, files: {} };
    m.files[relative(root, path)] = (await parse(path, readFileSync(path, 'utf8'))) as HclDoc;
    modules.set(dir, m);
  }
  return [...modules.values()];
}

/** "${expr}" → expr: where Terraform's JSON syntax takes a bare expression, not a template. */
const bare = (v: unknown) => (typeof v === 'string' ? v.replace(/^\$\{([\s\S]*)\}$/, '$1') : v);

function bareMetaArguments(block: HclDoc): void {
  if (Array.isArray(block.depends_on)) block.depends_on = block.depends_on.map(bare);
  if (typeof block.provider === 'string') block.provider = bare(block.provider);
  if (block.providers && typeof block.providers === 'object')
    for (const k of Object.keys(block.providers)) block.providers[k] = bare(block.providers[k]);
  for (const l of block.lifecycle ?? []) {
    if (Array.isArray(l.ignore_changes)) l.ignore_changes = l.ignore_changes.map(bare);
    if (Array.isArray(l.replace_triggered_by)) l.replace_triggered_by = l.replace_triggered_by.map(bare);
  }
}

/**
 * The document in Terraform's JSON configuration syntax. hcl2json writes every expression as a
 * template; Terraform's JSON syntax wants a few meta-arguments bare (variable types, depends_on,
 * provider references, lifecycle lists).
 */
export function toTerraformJson(doc: HclDoc): HclDoc {
  const copy = structuredClone(doc);
  for (const blocks of Object.values(copy.variable ?? {}) as HclDoc[][])
    for (const b of blocks) if (b.type !== undefined) b.type = bare(b.type);
  for (const kind of ['resource', 'data', 'ephemeral'])
    for (const byName of Object.values(copy[kind] ?? {}) as Record<string, HclDoc[]>[])
      for (const blocks of Object.values(byName)) for (const b of blocks) bareMetaArguments(b);
  for (const kind of ['module', 'output'])
    for (const blocks of Object.values(copy[kind] ?? {}) as HclDoc[][])
      for (const b of blocks) bareMetaArguments(b);
  return copy;
}

/** Writes every module of the tree under `into` as .tf.json files; returns the folders written. */
export function writeJsonTree(modules: HclModule[], into: string): string[] {
  const dirs: string[] = [];
  for (const m of modules) {
    for (const [file, doc] of Object.entries(m.files)) {
      const out = join(into, `${file}.json`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, JSON.stringify(toTerraformJson(doc)));
    }
    dirs.push(join(into, m.dir));
  }
  return dirs;
}
