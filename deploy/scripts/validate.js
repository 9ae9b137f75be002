#!/usr/bin/env node
// Structural checks of the deployment files (no Docker engine or cluster needed): every YAML parses,
// the worker StatefulSet has /health probes and the shared RWX volume, every PDB selects a workload,
// the compose workers share one sessions volume with distinct INSTANCE_IDs. Exit 1 with the problems.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseAllDocuments } = require('yaml');

const root = path.resolve(__dirname, '..');

function docs(file) {
  const all = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  for (const doc of all) if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
  return all.map((doc) => doc.toJS()).filter(Boolean);
}

function k8s() {
  const problems = [];
  const dir = path.join(root, 'k8s');
  const objects = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => docs(path.join(dir, f)));
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const workers = find('StatefulSet', 'fleet-worker');
  if (!workers) problems.push('no StatefulSet fleet-worker');
  else {
    const container = workers.spec.template.spec.containers[0];
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      if (container[probe]?.httpGet?.path !== '/health') problems.push(`worker ${probe} is not GET /health`);
    }
    const instance = (container.env || []).find((e) => e.name === 'INSTANCE_ID');
    if (instance?.valueFrom?.fieldRef?.fieldPath !== 'metadata.name') problems.push('worker INSTANCE_ID must be the pod name');
    const claim = workers.spec.template.spec.volumes.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
    const pvc = find('PersistentVolumeClaim', claim);
    if (!pvc?.spec.accessModes.includes('ReadWriteMany')) problems.push(`worker volume ${claim} is not a ReadWriteMany claim`);
  }
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const wanted = pdb.spec.selector.matchLabels;
    const match = objects.some((o) => o.spec?.template && Object.entries(wanted).every(([k, v]) => o.spec.template.metadata.labels?.[k] === v));
    if (!match) problems.push(`PDB ${pdb.metadata.name} selects nothing`);
  }
  if (!objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'fleet-worker')) problems.push('no PDB for the workers');
  return { problems, summary: `${objects.length} Kubernetes objects` };
}

function compose() {
  const problems = [];
  const [file] = docs(path.join(root, 'docker-compose.yml'));
  const services = file.services;
  const workers = Object.entries(services).filter(([name]) => name.startsWith('worker-'));
  const ids = workers.map(([, s]) => s.environment.INSTANCE_ID);
  if (new Set(ids).size !== ids.length) problems.push(`duplicate INSTANCE_ID among ${ids.join(', ')}`);
  for (const [name, s] of workers) {
    if (!(s.volumes || []).some((v) => String(v).startsWith('sessions:'))) problems.push(`${name} does not mount the sessions volume`);
    if (!s.healthcheck) problems.push(`${name} has no healthcheck`);
  }
  for (const [name, s] of Object.entries(services)) {
    for (const dep of Object.keys(s.depends_on || {})) if (!services[dep]) problems.push(`${name} depends on unknown ${dep}`);
  }
  return { problems, summary: `${Object.keys(services).length} compose services, workers ${ids.join(', ')}` };
}

function systemd() {
  const problems = [];
  const dir = path.join(root, 'systemd');
  const units = fs.readdirSync(dir).filter((f) => /\.(service|timer|mount)$/.test(f));
  for (const unit of units) {
    const text = fs.readFileSync(path.join(dir, unit), 'utf8');
    if (!/^\[(Unit|Mount|Timer|Service)\]/m.test(text)) problems.push(`${unit}: no section`);
  }
  if (!units.includes('fleet-worker@.service')) problems.push('no fleet-worker@.service template');
  return { problems, summary: `${units.length} systemd units` };
}

const checks = { k8s, compose, systemd };
const kind = process.argv[2];
const selected = kind ? [kind] : Object.keys(checks);
let failed = false;
for (const name of selected) {
  if (!checks[name]) throw new Error(`unknown check ${name}`);
  const { problems, summary } = checks[name]();
  if (problems.length > 0) {
    failed = true;
    process.stderr.write(`${name}: ${problems.join('; ')}\n`);
  } else process.stdout.write(`${name}: ok (${summary})\n`);
}
process.exitCode = failed ? 1 : 0;
