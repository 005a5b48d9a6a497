// Kernel TCP states (include/net/tcp_states.h, uapi-stable numbers): names without TCP_, and the
// semconv network.connection.state value (RFC 9293 names, lower case) of each.

/** TCP state numbers as the kernel (and /proc/net/tcp) writes them → names without TCP_. Used
 *  until the helper's hello brings the kernel's own enum from BTF, and for procfs. */
export const TCP_STATE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'ESTABLISHED'],
  [2, 'SYN_SENT'],
  [3, 'SYN_RECV'],
  [4, 'FIN_WAIT1'],
  [5, 'FIN_WAIT2'],
  [6, 'TIME_WAIT'],
  [7, 'CLOSE'],
  [8, 'CLOSE_WAIT'],
  [9, 'LAST_ACK'],
  [10, 'LISTEN'],
  [11, 'CLOSING'],
  [12, 'NEW_SYN_RECV'],
  [13, 'BOUND_INACTIVE'],
]);

const STATES: Readonly<Record<string, string>> = {
  ESTABLISHED: 'established',
  SYN_SENT: 'syn_sent',
  SYN_RECV: 'syn_received',
  FIN_WAIT1: 'fin_wait_1',
  FIN_WAIT2: 'fin_wait_2',
  TIME_WAIT: 'time_wait',
  CLOSE: 'closed',
  CLOSE_WAIT: 'close_wait',
  LAST_ACK: 'last_ack',
  LISTEN: 'listen',
  CLOSING: 'closing',
  NEW_SYN_RECV: 'syn_received',
  BOUND_INACTIVE: 'bound_inactive',
};

/** '' for no state (a reset with no socket). Unknown names pass through in lower case. */
export function connectionState(kernelName: string): string {
  if (kernelName === '') return '';
  return STATES[kernelName.replace(/^TCP_/, '')] ?? kernelName.toLowerCase();
}
