// Block device numbers (the kernel's dev_t: major << 20 | minor) → names, from
// /sys/dev/block/<major>:<minor>/uevent (DEVNAME=). Cached; unknown numbers stay "major:minor".
import { readFileSync } from 'node:fs';

const cache = new Map<number, string>();

export function kernelDevMajorMinor(dev: number): [number, number] {
  return [dev >>> 20, dev & 0xfffff];
}

export function blockDeviceName(dev: number, sysRoot = '/sys'): string {
  const hit = cache.get(dev);
  if (hit !== undefined) return hit;
  const [maj, min] = kernelDevMajorMinor(dev);
  let name = `${maj}:${min}`;
  try {
    const m = /^DEVNAME=(.+)$/m.exec(readFileSync(`${sysRoot}/dev/block/${maj}:${min}/uevent`, 'utf8'));
    if (m) name = m[1]!.trim();
  } catch {
    /* device gone or no sysfs: keep the numbers */
  }
  if (cache.size > 4096) cache.clear();
  cache.set(dev, name);
  return name;
}

/** The kernel's REQ_OP_* (include/linux/blk_types.h), lower case without the prefix. */
const REQ_OPS: Readonly<Record<number, string>> = {
  0: 'read',
  1: 'write',
  2: 'flush',
  3: 'discard',
  5: 'secure_erase',
  7: 'zone_append',
  9: 'write_zeroes',
  10: 'zone_open',
  11: 'zone_close',
  12: 'zone_finish',
  13: 'zone_reset',
  15: 'zone_reset_all',
  34: 'drv_in',
  35: 'drv_out',
};
export function blockOperationName(op: number): string {
  return REQ_OPS[op] ?? `op_${op}`;
}
