/**
 * The cluster key a playbook pushes (corosync authkey, heartbeat authkeys), from the
 * inventory's secrets dir. When that has none, the nodes are asked first (the file's fact,
 * usually already read with the others): a running cluster's key is never replaced by a
 * new one — hactl refuses, or takes the nodes' key over with --adopt-secrets.
 */

import { Secret } from '../src/core/secret.js';
import type { PlaybookContext } from '../src/index.js';
import { type ClusterKeySpec, decideClusterKey, loadOrCreateSecret, readSecret, storeSecret } from '../src/stack/secrets.js';

export async function clusterKey(ctx: PlaybookContext, hosts: PlaybookContext['hosts'], spec: ClusterKeySpec): Promise<Secret> {
  const { cluster } = ctx;
  const local = readSecret(cluster.secretsDir, spec.name);
  if (local) return local;
  const nodes = await Promise.all(hosts.live.map(async (h) => ({ host: h.name, fact: await h.fileFact(spec.nodePath) })));
  const d = decideClusterKey(spec, { dir: cluster.secretsDir, local, nodes, adopt: ctx.options.adoptSecrets === true });
  const file = `${cluster.secretsDir}/${spec.name}`;
  switch (d.kind) {
    case 'local':
      return d.secret;
    case 'generate':
      // check mode (plan) never creates anything, not even on the orchestrator
      return ctx.check ? new Secret(`(${spec.name} not generated yet)`) : loadOrCreateSecret(cluster.secretsDir, spec.name, spec.bytes);
    case 'adopt':
      if (ctx.check) {
        ctx.log(`would adopt the ${spec.what} of ${d.from} (sha256 ${d.sha256.slice(0, 12)}…) into ${file}`);
        return new Secret(d.value);
      }
      // a warning, not a log line: it is in the run summary (and --json) for the operator to see
      ctx.warn(
        `adopted the ${spec.what} of ${d.from} (sha256 ${d.sha256.slice(0, 12)}…, the same on every node that has one): ` +
          `stored in ${file}`,
      );
      return storeSecret(cluster.secretsDir, spec.name, d.value);
  }
}
