import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './fleet-harness';

type Env = Record<string, string>;

/** The environment each Fleet process gets from one deployment's files, as its runtime would build it. */
export interface DeployEnvs {
  readonly ingress: Env;
  readonly workers: readonly Env[];
  readonly dispatcher: Env;
  readonly backup: Env;
}

const DEPLOY = path.join(REPO_ROOT, 'deploy');

/**
 * What an operator fills in: example values still saying `change-me…` become a valid value of the
 * variable's shape (the same for every process, so that agreement between processes still shows).
 */
function filledIn(env: Env): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) {
    if (!value.startsWith('change-me')) out[name] = value;
    else out[name] = name === 'SESSION_SECRETS_KEY' ? 'ab'.repeat(32) : `${name.toLowerCase()}-operator-value-0123456789abcdef`;
  }
  return out;
}

/** The `ENV` lines of the Dockerfile's final stage (NODE_ENV=production): every container starts with them. */
function imageEnv(): Env {
  const text = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));
  return Object.fromEntries([...finalStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** `${NAME:?message}`, `${NAME:-default}` and `${NAME}` as docker compose interpolates them from `shell`. */
function interpolate(value: string, shell: Env): string {
  return value.replace(/\$\{(\w+)(?:(:[-?])([^}]*))?\}/g, (_whole, name: string, operator?: string, operand?: string) => {
    const set = shell[name];
    if (set !== undefined && set !== '') return set;
    if (operator === ':?') throw new Error(`docker-compose.yml needs ${name}: ${operand ?? ''}`);
    return operator === ':-' ? (operand ?? '') : '';
  });
}

/** docker-compose.yml with `shell` as the operator's environment (anchors merged, variables interpolated). */
export function composeEnvs(shell: Env): DeployEnvs {
  const file = parse(readFileSync(path.join(DEPLOY, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | number> }>;
  };
  const envOf = (name: string): Env => {
    const declared = file.services[name]?.environment ?? {};
    const env = Object.fromEntries(Object.entries(declared).map(([key, value]) => [key, interpolate(String(value), shell)]));
    return { ...imageEnv(), ...env };
  };
  const workers = Object.keys(file.services).filter((name) => name.startsWith('worker-'));
  return { ingress: envOf('ingress'), workers: workers.map(envOf), dispatcher: envOf('dispatcher'), backup: envOf('backup') };
}

interface K8sObject {
  kind: string;
  metadata: { name: string };
  data?: Env;
  stringData?: Env;
  spec?: { template?: { spec: { containers: K8sContainer[] } } };
}

interface K8sContainer {
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
}

/** deploy/k8s: each workload's first container (envFrom the ConfigMap and the Secret, then `env`, `$(VAR)` expanded). */
export function k8sEnvs(): DeployEnvs {
  const dir = path.join(DEPLOY, 'k8s');
  const objects = readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => doc.toJS() as K8sObject | null))
    .filter((object): object is K8sObject => object !== null);
  const find = (kind: string, name: string): K8sObject => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
    if (!found) throw new Error(`deploy/k8s has no ${kind} ${name}`);
    return found;
  };
  const envOf = (kind: string, name: string, podName = `${name}-0`): Env => {
    const container = find(kind, name).spec!.template!.spec.containers[0]!;
    let env: Env = { ...imageEnv() };
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef) env = { ...env, ...find('ConfigMap', source.configMapRef.name).data };
      if (source.secretRef) env = { ...env, ...filledIn(find('Secret', source.secretRef.name).stringData ?? {}) };
    }
    for (const entry of container.env ?? []) {
      const value = entry.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? podName : (entry.value ?? '');
      env[entry.name] = value.replace(/\$\((\w+)\)/g, (_whole, ref: string) => env[ref] ?? '');
    }
    return env;
  };
  return {
    ingress: envOf('Deployment', 'fleet-ingress'),
    workers: [envOf('StatefulSet', 'fleet-worker', 'fleet-worker-0'), envOf('StatefulSet', 'fleet-worker', 'fleet-worker-1')],
    dispatcher: envOf('Deployment', 'fleet-dispatcher'),
    backup: envOf('Deployment', 'fleet-backup'),
  };
}

/** KEY=VALUE lines of an environment file (comments and blank lines skipped). */
function envFile(file: string): Env {
  const env: Env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_]\w*)=(.*)$/.exec(line);
    if (match) env[match[1]!] = match[2]!.trim();
  }
  return env;
}

/** Where the examples of the units' environment files are: /etc/fleet/<name>.env → deploy/systemd/<name>.env.example. */
function exampleOf(unitPath: string): string {
  return path.join(DEPLOY, 'systemd', `${path.basename(unitPath)}.example`);
}

/** A systemd unit's environment: `Environment=` then each `EnvironmentFile=` (a `-` one may be missing), `%i` = `instance`. */
function unitEnv(unit: string, instance = 'instance-1'): Env {
  const text = readFileSync(path.join(DEPLOY, 'systemd', unit), 'utf8').replaceAll('%i', instance);
  let env: Env = {};
  for (const [, key, value] of text.matchAll(/^(Environment|EnvironmentFile)=(.*)$/gm)) {
    if (key === 'Environment') {
      for (const pair of value!.trim().split(/\s+/)) {
        const at = pair.indexOf('=');
        env[pair.slice(0, at)] = pair.slice(at + 1);
      }
      continue;
    }
    const optional = value!.startsWith('-');
    const example = exampleOf(optional ? value!.slice(1) : value!);
    if (existsSync(example)) env = { ...env, ...filledIn(envFile(example)) };
    else if (!optional) throw new Error(`${unit} needs ${value}, and deploy/systemd has no ${path.basename(example)}`);
  }
  return env;
}

/** deploy/systemd: the units with the example environment files in place of /etc/fleet/*.env. */
export function systemdEnvs(): DeployEnvs {
  return {
    ingress: unitEnv('fleet-ingress.service'),
    workers: [unitEnv('fleet-worker@.service', 'instance-1')],
    dispatcher: unitEnv('fleet-dispatcher.service'),
    backup: unitEnv('fleet-backup.service'),
  };
}
