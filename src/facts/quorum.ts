/** `corosync-quorumtool -s` reduced to the votes hactl checks. */
export interface QuorumStatus {
  quorate: boolean;
  expectedVotes: number;
  totalVotes: number;
  nodes: number;
  /** names in the `Membership information` table (the local node included) */
  members: string[];
}

export const QUORUM_COMMAND = 'corosync-quorumtool -s';

/** Pure parser for {@link QUORUM_COMMAND} (its exit code is 0 or 2 for not quorate). */
export function parseQuorum(out: string): QuorumStatus {
  const num = (label: string): number => Number(new RegExp(`^${label}:\\s*(\\d+)`, 'm').exec(out)?.[1] ?? 0);
  return {
    quorate: /^Quorate:\s*Yes/m.test(out),
    expectedVotes: num('Expected votes'),
    totalVotes: num('Total votes'),
    nodes: num('Nodes'),
    members: quorumMembers(out),
  };
}

/**
 * The node names of the `Membership information` table: rows of nodeid, votes, name
 * (the `(local)` marker after the name is ignored). With a quorum device the table has a
 * `Qdevice` column of flags between votes and name (`A,V,NMW`, `NR`), and a row of its own
 * (nodeid 0, name `Qdevice`), which is no node.
 * @example
 * quorumMembers('Membership information\n----------------------\n    Nodeid      Votes Name\n         1          1 master (local)\n')
 * // ['master']
 */
export function quorumMembers(out: string): string[] {
  const names: string[] = [];
  let inTable = false;
  let qdevice = false;
  for (const line of out.split('\n')) {
    if (/^Membership information/.test(line)) inTable = true;
    if (inTable && /^\s*Nodeid\s+Votes\s+Qdevice\s+Name/.test(line)) qdevice = true;
    const row = inTable ? /^\s*(\d+)\s+\d+\s+(\S+)(?:\s+(\S+))?/.exec(line) : null;
    if (!row) continue;
    if (!qdevice) {
      names.push(row[2]!);
      continue;
    }
    if (row[1] === '0') continue; // the quorum device's own row
    // the flags column may be empty: then the name comes right after the votes
    const flags = /^([A-Z]+,)*[A-Z]+$/.test(row[2]!) && row[3] !== undefined && row[3] !== '(local)';
    names.push(flags ? row[3]! : row[2]!);
  }
  return names;
}
