/** `corosync-quorumtool -s` reduced to the votes hactl checks. */
export interface QuorumStatus {
  quorate: boolean;
  expectedVotes: number;
  totalVotes: number;
  nodes: number;
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
  };
}
