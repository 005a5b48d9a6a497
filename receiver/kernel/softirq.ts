// Softirq vectors (include/linux/interrupt.h: HI_SOFTIRQ = 0 … RCU_SOFTIRQ = 9), by number.
export const SOFTIRQ_NAMES: readonly string[] = [
  'HI',
  'TIMER',
  'NET_TX',
  'NET_RX',
  'BLOCK',
  'IRQ_POLL',
  'TASKLET',
  'SCHED',
  'HRTIMER',
  'RCU',
];
export function softirqName(vec: number): string {
  return SOFTIRQ_NAMES[vec] ?? `VEC_${vec}`;
}
