// Kernel TCP state names (include/net/tcp_states.h, without TCP_) → semconv
// network.connection.state values (RFC 9293 names, lower case).
const STATES: Readonly<Record<string, string>> = {
  ESTABLISHED: 'established', SYN_SENT: 'syn_sent', SYN_RECV: 'syn_received', FIN_WAIT1: 'fin_wait_1',
  FIN_WAIT2: 'fin_wait_2', TIME_WAIT: 'time_wait', CLOSE: 'closed', CLOSE_WAIT: 'close_wait', LAST_ACK: 'last_ack',
  LISTEN: 'listen', CLOSING: 'closing', NEW_SYN_RECV: 'syn_received', BOUND_INACTIVE: 'bound_inactive',
};

/** '' for no state (a reset with no socket). Unknown names pass through in lower case. */
export function connectionState(kernelName: string): string {
  if (kernelName === '') return '';
  return STATES[kernelName.replace(/^TCP_/, '')] ?? kernelName.toLowerCase();
}
