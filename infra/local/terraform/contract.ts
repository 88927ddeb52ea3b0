import type { HclDoc, HclModule } from './hcl';
import { mismatches, parseType } from './type-expr';

/** The contracts file's content (cli/terraform-contracts.ts renders it from the code). */
export interface Contracts {
  topics: Record<string, string>;
  settings: string[];
  secret_settings: string[];
  /** Settings that go together: each role gets both or neither. */
  setting_pairs: string[][];
  [name: string]: unknown;
}

/**
 * What a deployment must hand every role, or it runs against the machine's defaults (localhost):
 * outputs by these exact names, and these secret settings in `secret_env`.
 */
export const REQUIRED_OUTPUTS = [
  'env',
  'secret_env',
  'KAFKA_BROKERS',
  'KAFKA_SASL_MECHANISM',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'LAKE_URL',
  'BIGQUERY_PROJECT',
  'BIGQUERY_DATASET',
  'BIGQUERY_STAGING_URL',
  'BIGQUERY_LOCATION',
  'CLICKHOUSE_DATABASE',
];
export const REQUIRED_SECRETS = ['JWT_SECRET', 'DATABASE_URL', 'CLICKHOUSE_URL', 'TEMPORAL_API_KEY'];

/** Variables whose names say they hold a secret must be `sensitive`. */
const SECRET_NAME = /(password|secret|token|api_key|private_key|credential)/;
/** ...except names of a secret's id, version or expiry, which are not the secret. */
const ABOUT_A_SECRET = /_(id|ids|version|expiry)$/;
const SETTING_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/** Terraform's reference roots that are not resources. */
const NOT_RESOURCES = new Set([
  'var',
  'local',
  'module',
  'data',
  'ephemeral',
  'each',
  'count',
  'path',
  'terraform',
  'self',
]);
const DEFAULT_SERVICE_ACCOUNT = /-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com/;

type Blocks = Record<string, HclDoc[]>;

/** Every block of a kind across a module's files: name => body (the first, the loader reports duplicates). */
function named(m: HclModule, kind: string): Record<string, HclDoc> {
  const out: Record<string, HclDoc> = {};
  for (const doc of Object.values(m.files))
    for (const [name, blocks] of Object.entries((doc[kind] ?? {}) as Blocks)) out[name] ??= blocks[0]!;
  return out;
}

/** resource/data/ephemeral blocks: "type.name" => body. */
function typed(m: HclModule, kind: string): Record<string, HclDoc> {
  const out: Record<string, HclDoc> = {};
  for (const doc of Object.values(m.files))
    for (const [type, byName] of Object.entries((doc[kind] ?? {}) as Record<string, Blocks>))
      for (const [name, blocks] of Object.entries(byName)) out[`${type}.${name}`] ??= blocks[0]!;
  return out;
}

function locals(m: HclModule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const doc of Object.values(m.files))
    for (const block of (doc.locals ?? []) as HclDoc[]) Object.assign(out, block);
  return out;
}

/** Every string in a value, with the path it sits at. */
function strings(v: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${path}[${i}]`, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) strings(x, `${path}.${k}`, out);
  return out;
}

/** Every object key in a value (map keys and attribute names alike). */
function keys(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => keys(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      keys(x, out);
    }
  return out;
}

/** The expressions inside a hcl2json string: the parts between ${ and its closing brace. */
function expressions(s: string): string[] {
  const out: string[] = [];
  for (let i = s.indexOf('${'); i >= 0; i = s.indexOf('${', i + 1)) {
    let depth = 0;
    for (let j = i + 1; j < s.length; j++) {
      if (s[j] === '{') depth++;
      else if (s[j] === '}' && --depth === 0) {
        out.push(s.slice(i + 2, j));
        break;
      }
    }
  }
  return out;
}

/** Reference traversals in an expression (quoted strings removed): ["var","x"], ["module","a","b"]... */
function traversals(expr: string): string[][] {
  const code = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const out: string[][] = [];
  for (const m of code.matchAll(
    /(?<![.\w])([a-z_][a-z0-9_]*)((?:\.[a-z_][a-z0-9_-]*|\[\s*"[^"]*"\s*\])+)/gi,
  )) {
    const parts = [m[1]!, ...[...m[2]!.matchAll(/\.([a-z_][a-z0-9_-]*)/gi)].map((x) => x[1]!)];
    out.push(parts);
  }
  return out;
}

/**
 * The checks Terraform cannot make here (no provider schemas) and the contracts it cannot know:
 * returns every problem, as a sentence naming the file or module.
 */
export function contractProblems(modules: HclModule[], contracts: Contracts): string[] {
  const problems: string[] = [];
  const byDir = new Map(modules.map((m) => [m.dir, m]));
  const root = byDir.get('.');
  if (!root) return ['no root module (.tf files at the top of the tree)'];
  const settings = new Set(contracts.settings);
  const secretSettings = new Set(contracts.secret_settings);

  for (const m of modules) {
    const where = m.dir === '.' ? 'root module' : m.dir;
    const variables = named(m, 'variable');
    const outputs = named(m, 'output');
    const localValues = locals(m);
    const moduleCalls = named(m, 'module');
    const resources = typed(m, 'resource');
    const dataSources = typed(m, 'data');
    const ephemerals = typed(m, 'ephemeral');

    // Variables: typed, described, secrets sensitive.
    for (const [name, v] of Object.entries(variables)) {
      if (v.type === undefined) problems.push(`${where}: variable "${name}" has no type`);
      if (!v.description) problems.push(`${where}: variable "${name}" has no description`);
      if (SECRET_NAME.test(name) && !ABOUT_A_SECRET.test(name) && v.sensitive !== true)
        problems.push(`${where}: variable "${name}" holds a secret but is not sensitive = true`);
    }
    for (const [name, o] of Object.entries(outputs)) {
      if (!o.description) problems.push(`${where}: output "${name}" has no description`);
      if (
        SECRET_NAME.test(name) &&
        !ABOUT_A_SECRET.test(name) &&
        o.sensitive !== true &&
        name !== 'secret_env'
      )
        problems.push(`${where}: output "${name}" holds a secret but is not sensitive = true`);
    }

    // References resolve: variables, locals, modules and their outputs, resources, data, ephemeral.
    // Names a dynamic block binds (its label is the iterator).
    const iterators = new Set<string>();
    const dynamicLabels = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(dynamicLabels);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'dynamic' && x && typeof x === 'object')
            for (const label of Object.keys(x)) iterators.add(label);
          dynamicLabels(x);
        }
    };
    dynamicLabels(m.files);
    for (const [path, s] of strings(m.files, '')) {
      for (const expr of expressions(s)) {
        // Names bound by for expressions inside this one.
        const bound = new Set(
          [...expr.matchAll(/\bfor\s+([a-z_]\w*)(?:\s*,\s*([a-z_]\w*))?\s+in\b/gi)].flatMap((x) => [
            x[1]!,
            x[2]!,
          ]),
        );
        for (const t of traversals(expr)) {
          const [head, a, b] = t;
          const file = path.split('.')[1]?.replace(/\[.*$/, '') ?? m.dir;
          if (bound.has(head!) || iterators.has(head!)) continue;
          if (head === 'var' && a && !(a in variables))
            problems.push(`${file}: var.${a} is not declared in ${where}`);
          else if (head === 'local' && a && !(a in localValues))
            problems.push(`${file}: local.${a} is not defined in ${where}`);
          else if (head === 'module' && a) {
            const call = moduleCalls[a];
            if (!call) problems.push(`${file}: module.${a} is not declared in ${where}`);
            else if (b) {
              const target = byDir.get(String(call.source).replace(/^\.\//, ''));
              if (target && !(b in named(target, 'output')))
                problems.push(`${file}: module.${a}.${b}: ${target.dir} has no output "${b}"`);
            }
          } else if ((head === 'data' || head === 'ephemeral') && a && b) {
            if (!(`${a}.${b}` in (head === 'data' ? dataSources : ephemerals)))
              problems.push(`${file}: ${head}.${a}.${b} is not declared in ${where}`);
          } else if (
            head &&
            a &&
            !NOT_RESOURCES.has(head) &&
            head.includes('_') &&
            !(`${head}.${a}` in resources)
          )
            problems.push(`${file}: ${head}.${a} is not a resource of ${where}`);
          if (head === 'var' && a === 'contracts' && m.dir === '.') {
            let node: unknown = contracts;
            for (const part of t.slice(2)) {
              if (!node || typeof node !== 'object' || !(part in (node as object))) {
                problems.push(
                  `${file}: var.contracts.${t.slice(2).join('.')}: the code defines no such name`,
                );
                break;
              }
              node = (node as Record<string, unknown>)[part];
            }
          }
        }
      }
    }

    // Module calls pass declared variables, and every one without a default.
    for (const [name, call] of Object.entries(moduleCalls)) {
      const target = byDir.get(String(call.source).replace(/^\.\//, ''));
      if (!target) {
        problems.push(
          `${where}: module "${name}" has source ${call.source}, which is not a module of this tree`,
        );
        continue;
      }
      const declared = named(target, 'variable');
      const meta = new Set(['source', 'version', 'depends_on', 'providers', 'count', 'for_each']);
      for (const arg of Object.keys(call))
        if (!meta.has(arg) && !(arg in declared))
          problems.push(`${where}: module "${name}" sets ${arg}, which ${target.dir} does not declare`);
      for (const [v, body] of Object.entries(declared))
        if (!('default' in body) && !(v in call))
          problems.push(`${where}: module "${name}" does not set ${v}, required by ${target.dir}`);
    }

    // Providers used are required, with a version constraint.
    const required = new Map<string, HclDoc>();
    for (const doc of Object.values(m.files))
      for (const t of (doc.terraform ?? []) as HclDoc[])
        for (const rp of (t.required_providers ?? []) as HclDoc[])
          for (const [p, spec] of Object.entries(rp)) required.set(p, spec as HclDoc);
    const used = new Set(
      [...Object.keys(resources), ...Object.keys(dataSources), ...Object.keys(ephemerals)].map(
        (k) => k.split('_')[0]!,
      ),
    );
    for (const p of used) {
      const spec = required.get(p);
      if (!spec) problems.push(`${where}: uses provider "${p}" without declaring it in required_providers`);
      else if (!spec.version) problems.push(`${where}: provider "${p}" has no version constraint`);
    }

    // Buckets are never public; workloads never run as a default service account.
    for (const [id, r] of Object.entries(resources)) {
      if (id.startsWith('google_storage_bucket.')) {
        if (r.public_access_prevention !== 'enforced')
          problems.push(`${where}: ${id} does not enforce public access prevention`);
        if (r.uniform_bucket_level_access !== true)
          problems.push(`${where}: ${id} does not use uniform bucket-level access`);
      }
      if (
        /^google_storage_bucket_(iam|acl)|^google_storage_object_acl/.test(id) &&
        /allUsers|allAuthenticatedUsers/.test(JSON.stringify(r))
      )
        problems.push(`${where}: ${id} makes a bucket public`);
      if (DEFAULT_SERVICE_ACCOUNT.test(JSON.stringify(r)))
        problems.push(`${where}: ${id} names a default service account`);
      const runsAs = id.startsWith('google_cloud_run_v2_service.')
        ? r.template?.[0]?.service_account
        : id.startsWith('kubernetes_deployment')
          ? r.spec?.[0]?.template?.[0]?.spec?.[0]?.service_account_name
          : id.startsWith('google_container_cluster.')
            ? r.cluster_autoscaling?.[0]?.auto_provisioning_defaults?.[0]?.service_account
            : id.startsWith('google_compute_instance')
              ? r.service_account?.[0]?.email
              : null;
      if (runsAs === undefined)
        problems.push(`${where}: ${id} sets no service account, so it would run as a default one`);
    }

    // Settings: every capitalized name is one the code reads; secrets never as plain values.
    for (const [name] of Object.entries(outputs))
      if (/^[A-Z]/.test(name) && !settings.has(name))
        problems.push(`${where}: output "${name}" is not a setting the code reads`);
    const settingKeys = [...keys(localValues), ...keys(moduleCalls)].filter((k) => SETTING_NAME.test(k));
    for (const k of new Set(settingKeys))
      if (!settings.has(k)) problems.push(`${where}: ${k} is not a setting the code reads`);
    for (const k of keys(localValues.env ?? {}))
      if (secretSettings.has(k))
        problems.push(`${where}: ${k} is a secret but is set as a plain value in local.env`);
    // local.env reaches every role; the secret half of a pair reaches only its readers, so the
    // other half must travel with it, per role (a role given one alone refuses to start).
    for (const pair of contracts.setting_pairs) {
      const secretHalf = pair.find((x) => secretSettings.has(x));
      const shared = pair.filter((x) => x in ((localValues.env ?? {}) as object));
      if (secretHalf && shared.length > 0 && !shared.includes(secretHalf))
        problems.push(
          `${where}: ${shared.join(', ')} is given to every role (local.env) but ${secretHalf}, which goes with it, only to its secret's readers`,
        );
    }
  }

  // The contracts variable declares exactly what the code renders.
  const contractsVar = named(root, 'variable').contracts;
  if (!contractsVar) problems.push('root module: variable "contracts" is not declared');
  else {
    try {
      const type = parseType(String(contractsVar.type).replace(/^\$\{([\s\S]*)\}$/, '$1'));
      problems.push(...mismatches(contracts, type));
    } catch (e) {
      problems.push(`root module: variable "contracts": ${(e as Error).message}`);
    }
  }

  // Topics: exactly the code's, none named by hand.
  const kafka = byDir.get('modules/kafka');
  if (!kafka) problems.push('modules/kafka is missing');
  else {
    const created = Object.keys((locals(kafka).topic_settings ?? {}) as object);
    const wanted = Object.keys(contracts.topics);
    for (const t of created)
      if (!wanted.includes(t))
        problems.push(`modules/kafka: creates topic "${t}", which the code does not use`);
    for (const t of wanted)
      if (!created.includes(t)) problems.push(`modules/kafka: does not create the code's topic "${t}"`);
    for (const [id, r] of Object.entries(typed(kafka, 'resource')))
      if (id.startsWith('google_managed_kafka_topic.') && !/var\.topics/.test(String(r.topic_id)))
        problems.push(`modules/kafka: ${id} names its topic (${r.topic_id}) instead of taking the code's`);
  }

  // The outputs the roles need.
  const rootOutputs = named(root, 'output');
  for (const o of REQUIRED_OUTPUTS)
    if (!(o in rootOutputs)) problems.push(`root module: output "${o}" is missing`);
  const secretEnv = String(rootOutputs.secret_env?.value ?? '');
  const secretMap = locals(root).secret_settings as Record<string, string> | undefined;
  for (const s of REQUIRED_SECRETS)
    if (!secretMap || !(s in secretMap) || !/local\.secret_settings/.test(secretEnv))
      problems.push(`root module: secret setting ${s} is not in output "secret_env"`);
  return problems;
}
