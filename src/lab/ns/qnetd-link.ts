/**
 * `lab up --qnetd-lab DIR`: a second lab whose twins use the QNetd arbitrator of the lab in
 * DIR (issue #20: one qnetd serves several clusters). The two labs stay separate netns on
 * their own subnets; a veth pair joins their lab netns (the routers of the two bridges):
 *
 *   lab N netns  qnM 10.76.N.1/30  <── veth ──>  qnN 10.76.N.2/30  lab M netns
 *                route 10.77.M.0/24 via .2            route 10.77.N.0/24 via .1
 *
 * with IPv4 forwarding on inside those two lab netns only (the host's ip_forward and routes
 * are not touched). Every lab node routes 10.77.0.0/16 through its own bridge
 * ({@link LAB_ROUTE}, set at each boot), so nothing on a node changes when labs join.
 * The pair lives in both lab netns: `lab down` of either lab deletes it (and the routes
 * through it) with its netns; lab N's state also records it for its own `lab down`.
 */
import { InputError, NodeError } from '../../core/errors.js';
import type { LabNet } from '../net.js';
import { netnsExists } from '../network.js';
import { attempt, must } from '../proc.js';
import { labRoute } from './network.js';
import { hostKeyOf } from './node.js';
import { labExec } from './ops.js';
import { type LabPaths, labPaths } from './paths.js';
import type { LabJournal } from './state.js';
import { loadState, netOf } from './state.js';

const ip = (...args: string[]): Promise<string> => must('ip', args);

/** The names and addresses of the link between client lab `n` and QNetd lab `m`. */
export function qnetdLinkOf(n: LabNet, m: LabNet): { here: string; there: string; hereAddress: string; thereAddress: string } {
  return { here: `qn${m.index}`, there: `qn${n.index}`, hereAddress: `10.76.${n.index}.1`, thereAddress: `10.76.${n.index}.2` };
}

/** What the client lab's inventory and SSH files need of the QNetd lab's arbitrator. */
export interface QnetdArbitrator {
  stateDir: string;
  index: number;
  name: string;
  address: string;
  /** its SSH host key (`type blob`), for the client lab's known_hosts */
  hostKey: string;
}

/**
 * The arbitrator of the running lab in `stateDir`, checked to be usable from lab `net`.
 * @throws InputError when that lab is not up, is this lab's index, or has no arbitrator
 */
export function qnetdArbitrator(stateDir: string, net: LabNet): QnetdArbitrator {
  const paths = labPaths(stateDir);
  const s = loadState(paths);
  if (!s) throw new InputError(`--qnetd-lab: no lab in ${stateDir}`);
  const m = netOf(s);
  if (m.index === net.index) throw new InputError(`--qnetd-lab: the lab in ${stateDir} has this lab's index ${net.index}`);
  if (!netnsExists(m.netns)) throw new InputError(`--qnetd-lab: the lab in ${stateDir} is not running`);
  const arb = s.nodes.find((n) => n.role === 'arbitrator');
  if (!arb) throw new InputError(`--qnetd-lab: the lab in ${stateDir} has no arbitrator node`);
  return { stateDir: paths.stateDir, index: m.index, name: arb.name, address: arb.address, hostKey: hostKeyOf(paths, arb.name) };
}

const forward = (netns: string): Promise<string> => must('ip', ['netns', 'exec', netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);

/**
 * Joins lab `net` (the client, its journal `j`) to the QNetd lab `arb`: the veth pair
 * between the two lab netns, forwarding inside them, the routes, the lab route on the
 * arbitrator (a lab booted before hactl set it at boot), and this lab's client key in the
 * arbitrator's authorized_keys, so hactl here reaches it with this lab's ssh files.
 */
export async function joinQnetdLab(j: LabJournal, net: LabNet, arb: QnetdArbitrator, clientPub: string): Promise<void> {
  const m = netOf({ index: arb.index });
  const l = qnetdLinkOf(net, m);
  await attempt('ip', ['-n', net.netns, 'link', 'del', l.here]); // a pair left by an earlier lab of this index
  await attempt('ip', ['-n', m.netns, 'link', 'del', l.there]);
  j.link(net.netns, l.here);
  await ip('-n', net.netns, 'link', 'add', l.here, 'type', 'veth', 'peer', 'name', l.there, 'netns', m.netns);
  await ip('-n', net.netns, 'addr', 'add', `${l.hereAddress}/30`, 'dev', l.here);
  await ip('-n', m.netns, 'addr', 'add', `${l.thereAddress}/30`, 'dev', l.there);
  await ip('-n', net.netns, 'link', 'set', l.here, 'up');
  await ip('-n', m.netns, 'link', 'set', l.there, 'up');
  await ip('-n', net.netns, 'route', 'replace', m.network, 'via', l.thereAddress);
  await ip('-n', m.netns, 'route', 'replace', net.network, 'via', l.hereAddress);
  await forward(net.netns);
  await forward(m.netns);
  const mPaths: LabPaths = labPaths(arb.stateDir);
  const arbNode = loadState(mPaths)?.nodes.find((n) => n.name === arb.name);
  if (arbNode) await labRoute(m, arbNode);
  const key = clientPub.trim();
  const r = await labExec(
    arb.name,
    [
      'sh',
      '-c',
      'mkdir -p /root/.ssh && k=$(cat) && f=/root/.ssh/authorized_keys && { grep -qxF "$k" $f 2>/dev/null || echo "$k" >> $f; }',
    ],
    { stateDir: arb.stateDir, input: key, timeoutMs: 15_000 },
  );
  if (r.code !== 0)
    throw new NodeError(`could not authorize this lab's SSH key on ${arb.name} of ${arb.stateDir}: ${r.stderr || r.stdout}`);
}
