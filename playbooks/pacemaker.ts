/**
 * The Pacemaker stack: two twins (master, slave) and an arbitrator that only votes; DRBD
 * replicates the twins' disks; Corosync 3 (knet, encrypted) carries membership and
 * quorum; Pacemaker moves the floating IP, the DRBD primary role, the filesystem, the
 * services and the guests to the survivor.
 */

import { CRM_MON, clusterFormed } from '../src/facts/crm-mon.js';
import { cibBeforePath, type HostContext, NodeError, type PlaybookContext } from '../src/index.js';
import { cibApplyScript, describeForeign, OWNED_TAG, planCib } from '../src/stack/cib.js';
import { COROSYNC_AUTHKEY, COROSYNC_CONF, COROSYNC_VALIDATE, corosyncView, members } from '../src/stack/corosync.js';
import { assertUniqueIds, declaredCheckScript, declaredError, declaredProblems } from '../src/stack/declared.js';
import { drbdResFile } from '../src/stack/drbd.js';
import { pacemakerCorePackages } from '../src/stack/driver.js';
import { guestFile } from '../src/stack/guests.js';
import { directsLvs, IPVS_KERNEL_CHECK, LDIRECTORD_CF, LDIRECTORD_VALIDATE, ldirectordView } from '../src/stack/lvs.js';
import {
  CIB_DIR,
  CIB_FILES,
  cibView,
  clusterProperties,
  describePropertyChanges,
  FORMATION_DC_DEADTIME,
  FORMATION_PROPERTY_CHECK,
  FORMATION_PROPERTY_DELETE,
  FRESH_NODE_CHECK,
  hasFormationProperty,
  LIVE_CONFIGURATION,
  ownedProperties,
  propertyChanges,
  SBD_RUNNING_CHECK,
  SECRET_FILE_MODE,
  STATUS_AND_CONFIGURATION,
  type StatusAndConfiguration,
  seedCibScript,
  setPropertiesCommand,
  settleSeconds,
} from '../src/stack/pacemaker.js';
import { stackPackages } from '../src/stack/packages.js';
import { SBD_DEFAULTS, SBD_SERVICE, sbdHeaderScript, sbdHeadersPresent, sbdView, stonithWatchdogTimeout } from '../src/stack/sbd.js';
import { COROSYNC_KEY } from '../src/stack/secrets.js';
import { bootstrapDrbd, type DrbdHandler } from './drbd.js';
import { bootstrapGuests } from './guests.js';
import { bootstrapLvm, lvmPlans, lvmRead } from './lvm.js';
import { bootstrapQnetd, startQdevice } from './qdevice.js';
import { clusterKey } from './secrets.js';
import { needsServiceKindFiles, serviceKindFiles } from './service-kinds.js';
import { ensureWatchdog } from './watchdog.js';

/** Whether pacemakerd runs, where there is no systemd (the namespace lab). */
const PACEMAKERD_STATUS = 'pgrep -x pacemakerd';

export async function bootstrapPacemaker(ctx: PlaybookContext<PacemakerHandler>): Promise<void> {
  const { cluster, hosts } = ctx;
  // the corosync members: a QNetd arbitrator (cluster.arbitrator.mode: qdevice) runs corosync-qnetd only
  const memberNames = new Set(members(cluster).map((n) => n.name));
  const voters = hosts.where((h) => memberNames.has(h.name));
  const twins = hosts.role('master', 'slave');
  const isTwin = (h: HostContext<PacemakerHandler>) => h.node.role === 'master' || h.node.role === 'slave';
  // where ldirectord and the LVS addresses run: a director pair of its own (the three tiers), else the twins
  const directors = hosts.where((h) => directsLvs(cluster, h.node));
  const runsResources = (h: HostContext<PacemakerHandler>) => isTwin(h) || directsLvs(cluster, h.node);

  // 0. A fresh cluster (no voter has an on-disk CIB or runs pacemakerd) forms while the
  //    twins install their services, DRBD and guests: its stack starts right after
  //    corosync.conf (phase 2c), on a first CIB with a short dc-deadtime, so the first DC
  //    election does not wait 20 s either (docs/performance.md). A cluster with history keeps
  //    the order of the howto: everything in place before the stack starts (its CIB may hold
  //    resources that need it). No phase of its own: the question rides with the facts.
  //    Every fact this playbook reads on a host comes in that one round trip: on a converged
  //    node the later phases need no reads of their own (an install drops the stale ones).
  //    The master reads the cluster's status and live configuration in it too: on a cluster
  //    with history where no task changes anything (a re-run), the formation check and the
  //    resources phase use that read instead of a round trip of their own.
  const freshNodes = new Set<string>();
  const isVoter = new Set(voters.hosts.map((h) => h.name));
  let earlyStatus: string | undefined;
  // the twins' disks and LVM's view (lvm:) ride along too: judged before the first change
  const lvmCommand = lvmRead(cluster);
  const lvmOut = new Map<string, string | undefined>();
  await hosts.all(async (h) => {
    const probes = isVoter.has(h.name) ? [FRESH_NODE_CHECK] : [];
    const master = h.node.role === 'master';
    const lvm = lvmCommand !== undefined && isTwin(h) ? [lvmCommand] : [];
    const { probes: answers, reads } = await h.gatherReads({
      packages: stackPackages(cluster, h.node),
      files: pacemakerFiles(ctx, h),
      services: pacemakerServices(ctx, h),
      probes,
      reads: [...(master ? [STATUS_AND_CONFIGURATION.command] : []), ...lvm],
    });
    if (answers.get(FRESH_NODE_CHECK)) freshNodes.add(h.name);
    if (master) earlyStatus = reads.get(STATUS_AND_CONFIGURATION.command);
    if (lvm.length) lvmOut.set(h.name, reads.get(lvm[0]!));
  });
  // a disk of lvm: that holds anything stops the run here, before any node changes
  const lvmPlan = lvmPlans(cluster, lvmOut);
  /** no task of this run changed (or would change) anything on any host so far */
  const untouched = (): boolean => hosts.hosts.every((x) => x.results.every((r) => !r.changed && !r.failed));
  const fresh = voters.hosts.length > 0 && voters.hosts.every((h) => freshNodes.has(h.name));

  // 1. Packages. Daemons are not started by the install: their config comes first. A fresh
  //    cluster's twins install only the stack's own packages here, the rest in phase 2d.
  await hosts.all(async (h) => {
    const packages = stackPackages(cluster, h.node);
    await h.apt(fresh ? pacemakerCorePackages(cluster, h.node) : packages, { noStart: true });
  }, 'packages');

  // 2. Corosync: the shared key first (the parser needs it when crypto is on), then
  //    corosync.conf, checked by `corosync -t`. A running corosync reloads, no restart.
  //    Without a local key, the nodes' authkey facts decide: a running cluster's key is
  //    never replaced (refusal, or --adopt-secrets takes it over).
  const authkey = await clusterKey(ctx, voters, COROSYNC_KEY);
  await voters.all(async (h) => {
    await h.file(COROSYNC_AUTHKEY, { content: authkey.reveal(), mode: '0400', owner: 'root', secret: true, notify: 'reload corosync' });
    await h.template('corosync/corosync.conf.hbs', COROSYNC_CONF, {
      vars: corosyncView(cluster),
      validate: COROSYNC_VALIDATE,
      notify: 'reload corosync',
    });
  }, 'corosync configuration');

  // 2a. A QNetd arbitrator: its CA, each twin's certificate signed by it, qnetd started
  if (cluster.qdevice) await bootstrapQnetd(ctx);

  // 2b. SBD (cluster.stonith.sbd): the watchdog (softdog where none is; refused on a node
  //     that shares its kernel), /etc/default/sbd, the disk headers (written only where
  //     `sbd dump` finds none), and sbd.service enabled: it is RequiredBy corosync, so it
  //     starts and stops with corosync (RefuseManualStart), never by hand.
  const sbd = cluster.stonith.sbd;
  if (sbd) {
    await voters.all(async (h) => {
      await ensureWatchdog(h, { device: sbd.watchdog, softdog: sbd.softdog, field: 'cluster.stonith.sbd.watchdog' });
      const conf = await h.template('sbd/sbd.hbs', SBD_DEFAULTS, { vars: sbdView(cluster) });
      const r = await h.service(SBD_SERVICE, { enabled: true });
      // sbd reads its file at start only, and starts and stops with corosync: no reload, no restart of our own
      // (a stopped stack starts with it below: nothing to restart)
      if ((r.changed || conf.changed) && !freshNodes.has(h.name) && (await h.exec('pgrep -x corosync >/dev/null')).code === 0)
        h.warn(`sbd on ${h.name} takes ${SBD_DEFAULTS} at its start, with corosync: restart the cluster stack there to arm it`);
    }, 'sbd');
    if (sbd.devices.length)
      await hosts.role('master').once(async (h) => {
        await h.command(sbdHeaderScript(sbd), { unless: sbdHeadersPresent(sbd), name: `sbd headers on ${sbd.devices.join(', ')}` });
      }, 'sbd devices');
  }

  // 2c/2d. A fresh cluster: the stack starts now and forms while the twins install the
  //     rest of their packages (cluster-managed services disabled in init: the cluster
  //     decides where they run), DRBD and the guests.
  const stackStart = Date.now();
  let started = false;
  const startStack = async (): Promise<void> => {
    await voters.all(async (h) => {
      const systemd = (await h.initSystem()) === 'systemd';
      if (isTwin(h) && !fresh) await disableClusterServices(h);
      if (fresh)
        await h.change('first CIB with a short dc-deadtime', {
          changed: true,
          reason: `a fresh cluster: the first DC election waits dc-deadtime ${FORMATION_DC_DEADTIME}, not 20 s (removed once formed)`,
          steps: [{ command: 'sh -s', stdin: seedCibScript(), label: 'seed the first CIB' }],
        });
      await h.service('corosync', { state: 'started', enabled: true });
      const r = await h.service(
        'pacemaker',
        systemd
          ? { state: 'started', enabled: true }
          : { state: 'started', start: 'setsid -f pacemakerd </dev/null >/dev/null 2>&1', status: PACEMAKERD_STATUS },
      );
      if (r.changed && runsResources(h)) started = true;
    }, 'start corosync and pacemaker');
  };
  const disableClusterServices = async (h: HostContext<PacemakerHandler>): Promise<void> => {
    for (const s of cluster.services) await h.service(s.name, { enabled: false });
  };
  if (fresh) {
    await startStack();
    // the twins' services, DRBD and guests; the directors' ldirectord and ipvsadm
    await hosts
      .where((h) => runsResources(h))
      .all(async (h) => {
        const core = new Set(pacemakerCorePackages(cluster, h.node));
        const rest = stackPackages(cluster, h.node).filter((p) => !core.has(p));
        if (rest.length) await h.apt(rest, { noStart: true });
        if (isTwin(h)) await disableClusterServices(h);
      }, 'service packages');
  }

  // 3. LVM on the twins (lvm:, installed with the packages above): the groups and logical
  //    volumes DRBD and the guests may use as disks. Then DRBD on the twins: configured and
  //    validated everywhere; activated where the kernel has the module (the namespace lab
  //    does not: a notice names the node).
  const newVolumes = await bootstrapLvm(twins, lvmPlan);
  const drbdActive = await bootstrapDrbd(ctx, twins, newVolumes);

  // 4. Guests: domain definitions validated by libvirt's schema (KVM) or field checks (Xen).
  await bootstrapGuests(ctx, twins);

  // 4b. LVS: ldirectord.cf checked by ldirectord's own parser on both twins (or both
  //     directors, when the inventory has a pair of them), ldirectord kept out of the boot
  //     (the cluster runs it beside the virtual addresses). Without IPVS in such a node's
  //     kernel (the namespace lab) the addresses and ldirectord stay out of the CIB.
  let ipvs = true;
  if (cluster.lvs.length)
    await directors.all(async (h) => {
      if ((await h.exec(IPVS_KERNEL_CHECK)).code !== 0) {
        ipvs = false;
        h.warn(`no IPVS in ${h.name}'s kernel: ldirectord.cf is rendered and validated, but LVS is left out of the CIB`);
      }
      await h.template('ldirectord/ldirectord.cf.hbs', LDIRECTORD_CF, { vars: ldirectordView(cluster), validate: LDIRECTORD_VALIDATE });
      await h.service('ldirectord', { enabled: false });
    }, 'lvs');

  // 4c. The service kinds' files on both twins: NFS lease and grace time, a mariadb datadir off DRBD.
  if (needsServiceKindFiles(cluster)) await twins.all((h) => serviceKindFiles(h, cluster), 'service kinds');

  // 5. A cluster with history starts its stack (if it is not running) once everything is
  //    in place; then every cluster waits for its members and quorum.
  if (!fresh) await startStack();
  if (cluster.qdevice) await startQdevice(ctx);
  /** the live configuration read by the formation wait's last poll (a cluster with history) */
  let liveConfiguration: string | undefined;
  await hosts.role('master').once(async (h) => {
    const names = members(cluster).map((n) => n.name);
    const deadtime = fresh ? `: dc-deadtime ${FORMATION_DC_DEADTIME} on this fresh cluster` : '';
    if (!h.check) h.info(`waiting for ${names.join(', ')} to be online with quorum (Pacemaker elects a DC first${deadtime})`);
    // a cluster with history: the last poll reads the live configuration too, for the
    // transient below and the resources phase (one round trip instead of three)
    let last: StatusAndConfiguration = {};
    const early = !fresh && earlyStatus !== undefined && untouched() ? STATUS_AND_CONFIGURATION.parse(earlyStatus, 0) : undefined;
    if (fresh) await h.waitFor(CRM_MON, clusterFormed(names), { timeoutS: 180, what: 'the cluster to form' });
    else if (early && clusterFormed(names)(early.status) === true) last = early;
    else
      await h.waitFor(STATUS_AND_CONFIGURATION, (v) => clusterFormed(names)((last = v).status), {
        timeoutS: 180,
        what: 'the cluster to form',
      });
    // the formation dc-deadtime goes once the cluster has formed (also a leftover of an
    // interrupted run); a check-mode run (plan, drift) leaves hactl's transient alone
    if (h.check) return;
    const formedS = ((Date.now() - stackStart) / 1000).toFixed(1);
    const transient =
      last.configuration !== undefined ? hasFormationProperty(last.configuration) : (await h.exec(FORMATION_PROPERTY_CHECK)).code === 0;
    // unchanged until the resources phase reads it (only hactl's own reads come between)
    if (!transient && last.configuration !== undefined) liveConfiguration = last.configuration;
    const back = clusterProperties(cluster).crm_config['dc-deadtime'];
    const formed = fresh ? `the cluster formed ${formedS} s after the stack start; ` : '';
    const follows = back ? `the inventory's ${back} follows` : 'the default applies';
    await h.change('dc-deadtime back to normal', {
      changed: transient,
      reason: transient
        ? `${formed}the formation dc-deadtime ${FORMATION_DC_DEADTIME} removed (${follows})`
        : 'no formation dc-deadtime in the CIB',
      steps: transient ? [{ command: FORMATION_PROPERTY_DELETE }] : [],
    });
  }, 'cluster formation');

  // 5b. SBD runs once corosync started it (RequiredBy): only then may the cluster get a
  //     positive stonith-watchdog-timeout, else every controller shuts down (Pacemaker:
  //     "stonith-watchdog-timeout configured but SBD not active")
  const sbdDown: string[] = [];
  if (sbd)
    await voters.all(async (h) => {
      if ((await h.exec(SBD_RUNNING_CHECK)).code !== 0) sbdDown.push(h.name);
    }, 'sbd running');
  const sbdInactive = sbdDown.length > 0;
  if (sbdInactive && stonithWatchdogTimeout(cluster))
    ctx.warn(
      `sbd does not run on ${sbdDown.join(', ')}: stonith-watchdog-timeout is not set (Pacemaker would shut down without SBD); ` +
        'restart the cluster stack there (sbd starts with corosync), then run bootstrap again',
    );

  // 6. Pacemaker resources: rendered, compared with the elements hactl owns in the live
  //    CIB, the owned-only patch verified on a shadow CIB and applied when they differ.
  //    Operators' resources, constraints and properties are never touched.
  await hosts.role('master').once(async (h) => {
    const systemd = (await h.initSystem()) === 'systemd';
    const view = cibView(cluster, { drbd: drbdActive, serviceClass: systemd ? 'systemd' : 'lsb', ipvs });
    if (cluster.drbd.length && !drbdActive)
      ctx.warn(
        'DRBD-backed resources (filesystems, services and guests that declare `drbd:`) are left out of the CIB: no DRBD kernel module',
      );
    if (!cluster.stonith.enabled)
      ctx.warn(
        'STONITH is disabled: this cluster runs WITHOUT FENCING. ' +
          'A node that hangs or loses only its cluster link can cause a split brain. ' +
          'Declare cluster.stonith in the inventory for production.',
      );
    const props = clusterProperties(cluster, { sbdInactive });
    const desired = {
      resources: h.render('pacemaker/resources.xml.hbs', view),
      constraints: h.render('pacemaker/constraints.xml.hbs', view),
      'fencing-topology': h.render('pacemaker/fencing-topology.xml.hbs', view),
    };
    // the inventory's own resources (pacemaker:) are checked here before anything of the
    // CIB changes: the agent installed, its parameters known, its validate-all content
    assertUniqueIds(cluster, desired.resources, desired.constraints);
    if (cluster.pacemaker.resources.length) {
      const r = await h.exec('sh -s', { stdin: declaredCheckScript(cluster) });
      const refused = declaredError(cluster, declaredProblems(cluster, r.stdout + r.stderr, h.name));
      if (refused) throw refused;
    }
    const live = liveConfiguration !== undefined ? { code: 0, stdout: liveConfiguration, stderr: '' } : await h.exec(LIVE_CONFIGURATION);
    if (live.code !== 0 && !h.check)
      throw new NodeError('cannot read the live CIB', { host: h.name, output: (live.stderr || live.stdout).trim() });
    const liveXml = live.code === 0 ? live.stdout : undefined;
    // only the named nvpairs, and only those that differ, are written (docs/cib.md)
    const propChanges = propertyChanges(liveXml, props);
    await h.change('cluster properties', {
      changed: propChanges.length > 0,
      reason: propChanges.length
        ? `set ${propChanges.map((c) => c.name).join(', ')}`
        : 'the properties and defaults hactl sets have their values',
      diff: propChanges.length ? describePropertyChanges(propChanges) : undefined,
      steps: propChanges.length ? [{ command: setPropertiesCommand(propChanges) }] : [],
    });
    // the desired sections stay on the master (drift compares with them); the staged CIB
    // holds the fence credentials: private, like its backups. Their facts in one read (the
    // packages phase's install dropped the gathered ones on a fresh cluster).
    await h.gather({ files: CIB_FILES.map((f) => `${CIB_DIR}/${f}`) });
    await h.template('pacemaker/resources.xml.hbs', `${CIB_DIR}/resources.xml`, { vars: view, mode: SECRET_FILE_MODE });
    await h.template('pacemaker/constraints.xml.hbs', `${CIB_DIR}/constraints.xml`, { vars: view, mode: SECRET_FILE_MODE });
    await h.template('pacemaker/fencing-topology.xml.hbs', `${CIB_DIR}/fencing-topology.xml`, { vars: view, mode: SECRET_FILE_MODE });
    // only the elements hactl owns change (src/stack/cib.ts, docs/cib.md): the live
    // configuration is read, the owned-only patch planned here, verified on a shadow there
    const plan = planCib(liveXml, desired, ownedProperties(props));
    if (plan.adopted.length)
      h.info(`adopting CIB elements an earlier hactl made (now marked as owned in the tag ${OWNED_TAG}): ${plan.adopted.join(', ')}`);
    if (plan.foreign.length) h.info(`left as they are, not managed by hactl: ${plan.foreign.map(describeForeign).join(', ')}`);
    const changed = plan.ops.length > 0 || plan.tag;
    const applied = await h.change(
      'apply the CIB (owned elements only, verified on a shadow copy first)',
      {
        changed,
        reason: plan.summary,
        diff: changed ? plan.diff : undefined,
        steps: changed
          ? [
              {
                command: 'sh -s',
                stdin: cibApplyScript(plan.ops, plan.tag ? plan.owned : undefined, CIB_DIR, h.generation && cibBeforePath(h.generation)),
                label: 'owned-element CIB patch',
              },
            ]
          : [],
      },
      { notify: 'wait for the cluster to settle' },
    );
    // a cluster this run started on an existing CIB (e.g. after both twins were down) starts
    // its resources now: wait for them before the smoke checks, as after an apply
    if (started && !applied.changed && !h.check) {
      h.info('Pacemaker was started with resources in its CIB: waiting for them to start');
      await waitForResources(h);
    }
  }, 'pacemaker resources');
}

/** Waits until Pacemaker has started (or given up on) every resource, bounded by {@link settleSeconds}. */
async function waitForResources(h: HostContext): Promise<void> {
  await h.sh(`crm_resource --wait --timeout=${settleSeconds(h.cluster)}s`, { what: 'waiting for Pacemaker to start the resources' });
}

/** What this stack's tasks may notify: its handlers and the DRBD phase's. */
export type PacemakerHandler = keyof typeof pacemakerHandlers | DrbdHandler;

/** Handlers the bootstrap playbook registers for this stack. */
export const pacemakerHandlers = {
  'wait for the cluster to settle': async (h: HostContext) => waitForResources(h),
  'reload corosync': async (h: HostContext) =>
    void (await h.sh('if pgrep -x corosync >/dev/null; then corosync-cfgtool -R >/dev/null; fi', { what: 'corosync-cfgtool -R' })),
};

/** The files bootstrap manages on this host (Pacemaker stack), for the up-front gather. */
function pacemakerFiles({ cluster }: PlaybookContext<PacemakerHandler>, h: HostContext<PacemakerHandler>): string[] {
  const twin = h.node.role === 'master' || h.node.role === 'slave';
  const files: string[] = [];
  if (h.node.role !== 'realserver') files.push(COROSYNC_AUTHKEY, COROSYNC_CONF, ...(cluster.stonith.sbd ? [SBD_DEFAULTS] : []));
  if (twin && cluster.drbd.length) files.push('/etc/drbd.d/global_common.conf', ...cluster.drbd.map(drbdResFile));
  if (twin) files.push(...cluster.guests.map(guestFile));
  if (directsLvs(cluster, h.node)) files.push(LDIRECTORD_CF);
  if (h.node.role === 'master') files.push(...CIB_FILES.map((f) => `${CIB_DIR}/${f}`));
  return files;
}

/** The services bootstrap manages on this host (as systemd sees them; sysv ones are read when used). */
function pacemakerServices(
  { cluster }: PlaybookContext<PacemakerHandler>,
  h: HostContext<PacemakerHandler>,
): Array<string | { name: string; status: string }> {
  if (h.node.role === 'realserver') return [];
  const twin = h.node.role === 'master' || h.node.role === 'slave';
  const lvs = directsLvs(cluster, h.node) ? ['ldirectord'] : [];
  return [
    ...(twin ? cluster.services.map((s) => s.name) : []),
    ...lvs,
    'corosync',
    'pacemaker',
    // without systemd, the stack start asks pgrep (Debian's sysv script misbehaves over SSH):
    // read here too, or that start costs a round trip of its own
    { name: 'pacemaker', status: PACEMAKERD_STATUS },
    ...(cluster.stonith.sbd ? [SBD_SERVICE] : []),
  ];
}
