/**
 * The QNetd arbitrator (`cluster.arbitrator.mode: qdevice`, issue #20): corosync-qnetd on
 * the arbitrator, corosync-qdevice on the twins, TLS certificates as pcs sets them up
 * (pcs/lib/corosync/qdevice_net.py):
 *
 *   arbitrator  corosync-qnetd-certutil -i                   the qnetd CA (once; shared by every cluster it serves)
 *   first twin  corosync-qdevice-net-certutil -i -c CA       its NSS db, trusting the CA
 *               corosync-qdevice-net-certutil -r -n CLUSTER  a certificate request
 *   arbitrator  corosync-qnetd-certutil -s -c REQ -n CLUSTER signs it
 *   first twin  corosync-qdevice-net-certutil -M -c CRT      imports it into a pk12
 *   other twins corosync-qdevice-net-certutil -i -c CA, -m -c P12
 *
 * Idempotent: a twin whose NSS db holds the "Cluster Cert" is left alone. The CA's private
 * key never leaves the arbitrator; the pk12 (the cluster's client key) goes from twin to
 * twin through hactl's memory only, never to disk on the orchestrator, never printed.
 */
import { type HostContext, NodeError, type PlaybookContext } from '../src/index.js';
import { QDEVICE_SERVICE, QNETD_SERVICE } from '../src/stack/corosync.js';

export const QNETD_DB = '/etc/corosync/qnetd/nssdb';
export const QNETD_CA = `${QNETD_DB}/qnetd-cacert.crt`;
export const QDEVICE_DB = '/etc/corosync/qdevice/net/nssdb';
const P12 = `${QDEVICE_DB}/qdevice-net-node.p12`;
/** the nickname corosync-qdevice looks its client certificate up by (net.tls_client_cert_name) */
const CLIENT_CERT = 'Cluster Cert';
/** exits 0 where the twin's NSS db already holds the cluster's client certificate */
export const QDEVICE_CERT_PRESENT = `certutil -L -d ${QDEVICE_DB} -n '${CLIENT_CERT}' >/dev/null 2>&1`;
const TMP = '/run/hactl-qdevice';

/** Certificates, then qnetd on the arbitrator. Call before the twins' corosync starts qdevice. */
export async function bootstrapQnetd<H extends string>(ctx: PlaybookContext<H>): Promise<void> {
  const { cluster, hosts } = ctx;
  const name = cluster.name;
  const arb = hosts.role('arbitrator');
  const twins = hosts.role('master', 'slave');
  await arb.all(async (h) => {
    await h.command('corosync-qnetd-certutil -i >/dev/null', { creates: QNETD_CA, name: 'the qnetd CA' });
    await h.service(QNETD_SERVICE, { state: 'started', enabled: true });
  }, 'qnetd');

  const missing: Array<HostContext<H>> = [];
  await twins.all(async (h) => {
    if ((await h.exec(QDEVICE_CERT_PRESENT)).code !== 0) missing.push(h);
  });
  if (!missing.length || ctx.hosts.hosts.some((h) => h.check)) {
    for (const h of missing) h.warn(`${h.name} has no qdevice certificate yet: bootstrap signs one at the arbitrator`);
    return;
  }
  const qnetd = arb.hosts[0];
  if (!qnetd)
    throw new NodeError(`${missing.map((h) => h.name).join(', ')} need a qdevice certificate, signed at the arbitrator`, {
      hint: 'run bootstrap with the arbitrator among its hosts (no --limit without it)',
    });
  const ca = await qnetd.sh(`cat ${QNETD_CA}`, { what: 'the qnetd CA certificate' });
  const init = (h: HostContext<H>) =>
    h.command(
      `set -e; mkdir -p ${TMP}; cat > ${TMP}/ca.crt; rm -rf ${QDEVICE_DB}; ` +
        `corosync-qdevice-net-certutil -i -c ${TMP}/ca.crt >/dev/null; rm -f ${TMP}/ca.crt`,
      { stdin: ca, unless: QDEVICE_CERT_PRESENT, name: 'qdevice NSS db trusting the qnetd CA' },
    );

  // the first twin without a certificate: request, signed at the arbitrator, imported
  let p12: string | undefined;
  const twinWithCert = twins.hosts.find((h) => !missing.includes(h));
  if (twinWithCert) p12 = await twinWithCert.sh(`base64 -w0 ${P12}`, { what: 'the cluster client pk12' });
  else {
    const first = missing.shift()!;
    await init(first);
    const req = await first.sh(`corosync-qdevice-net-certutil -r -n ${name} >/dev/null && base64 -w0 ${QDEVICE_DB}/qdevice-net-node.crq`, {
      what: 'a qdevice certificate request',
    });
    const crt = await qnetd.sh(
      // the request and the certificate are DER (binary): base64 both ways; the certutil script
      // does not fail when certutil does, so an empty certificate is the failure
      `set -e; mkdir -p ${TMP}; base64 -d > ${TMP}/${name}.crq; rm -f ${QNETD_DB}/cluster-${name}.crt; ` +
        `corosync-qnetd-certutil -s -c ${TMP}/${name}.crq -n ${name} >/dev/null; rm -f ${TMP}/${name}.crq; ` +
        `test -s ${QNETD_DB}/cluster-${name}.crt; base64 -w0 ${QNETD_DB}/cluster-${name}.crt`,
      { stdin: req, what: `the qnetd signature of ${name}'s certificate` },
    );
    await first.command(
      `set -e; mkdir -p ${TMP}; base64 -d > ${TMP}/cluster.crt; corosync-qdevice-net-certutil -M -c ${TMP}/cluster.crt >/dev/null; ` +
        `rm -f ${TMP}/cluster.crt; test -s ${P12}`,
      { stdin: crt, unless: QDEVICE_CERT_PRESENT, name: `the signed certificate of ${name}` },
    );
    p12 = await first.sh(`base64 -w0 ${P12}`, { what: 'the cluster client pk12' });
  }
  for (const h of missing) {
    await init(h);
    await h.command(
      `set -e; umask 077; mkdir -p ${TMP}; base64 -d > ${TMP}/node.p12; ` +
        `corosync-qdevice-net-certutil -m -c ${TMP}/node.p12 >/dev/null; rm -f ${TMP}/node.p12; ${QDEVICE_CERT_PRESENT}`,
      { stdin: p12, unless: QDEVICE_CERT_PRESENT, name: 'the cluster client certificate (pk12)' },
    );
  }
}

/** corosync-qdevice on the twins: once corosync runs (it reads its config from cmap). */
export async function startQdevice<H extends string>(ctx: PlaybookContext<H>): Promise<void> {
  await ctx.hosts.role('master', 'slave').all(async (h) => {
    await h.service(QDEVICE_SERVICE, { state: 'started', enabled: true });
  }, 'corosync-qdevice');
}
