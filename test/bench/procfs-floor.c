// The kernel floor of one collection cycle of the default probe set (test/bench/procfs.ts builds and
// runs it next to the agent, in the same run, over the same namespaces). Per cycle it does the
// kernel work the agent cannot avoid and nothing else: list /proc, readlink every process's ns/net,
// group the processes by namespace, then open, read into one reused buffer and close
//   - per namespace (its lowest pid): net/dev, snmp, snmp6, netstat, sockstat, sockstat6, stat/nf_conntrack;
//   - once: net/softnet_stat and /proc/sys/net/netfilter/nf_conntrack_max;
//   - per process: io and cgroup.
// No parsing, no allocation per file. Prints one JSON line: its own CPU (ns, user and system) over
// the cycles, and what it read.
//   procfs-floor <cycles> [proc root] [open | parse | emit | emit-numbers | kept | walk | walk-kept] [interval ms]
// With `parse`, it also converts every decimal number of every file it read (the first parse a
// native reader would do before handing numbers to the agent): what that step adds to the floor.
// With `emit`, it writes every file it read to stdout as one frame per cycle ([u64 frame length],
// then [u32 length][bytes] per file, native byte order) and its JSON line to stderr: a batch reader
// handing the agent the texts in one pipe instead of four fs calls per file
// (procfs-node-floor.ts `batch` decodes it). With `emit-numbers`, each file goes into the frame as
// its numbers instead ([u32 count][count × f64]): the reads and the first parse in C, handing the
// agent numbers (`batch-numbers`).
// With `kept`, every file is opened once (in a cycle before the timed ones) and read again from
// offset 0 with pread each cycle, never closed: the kernel work of the agent's kept files
// (receiver/kernel/read-proc.ts), where procfs makes a seq_file's text afresh on each read from 0.
// As the agent does, a kept one-record file (made by single_open: snmp, snmp6, netstat, sockstat,
// sockstat6, io, cgroup, stat) ends at a read shorter than asked for, without the read of EOF.
// The /proc listing and the ns/net links are read each cycle as before.
// With an interval, the cycles are paced as the agent's are (one every interval, sleeping between
// them) instead of run back to back, where each cycle runs on the caches the one before warmed: the
// same reads once a second can cost more (procfs.ts measures both). The CPU of the sleeps themselves
// (their wake-ups) is left out of cpuNs and given apart (sleepNs).
// With `walk` (or `walk-kept`: the per-namespace files kept as with `kept`), the processes and their
// namespaces come from one read of the helper's task iterator (bpf/probes/tasks.bpf.c) pinned at
// $PROCFS_FLOOR_TASKS_ITER (`bpftool iter pin`; reading the pinned file runs the walk), as the agent
// takes them when its helper runs: no /proc listing, no ns/net link, io or cgroup per process. Its
// rows (struct ks_task_row, bpf/include/ks_tasks.h: 80 bytes, tgid, tid, ppid, netns first) are
// only grouped by namespace, not folded.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 65536

static char buf[1 << 20];
static long reads, failed, bytes, numbers;
static int parse, emit, emit_numbers;
static double nums[1 << 18];
static unsigned int nnums;
static char *frame;
static size_t frame_len, frame_cap;

static void frame_put(const char *p, size_t n) {
  if (frame_len + n > frame_cap) {
    while (frame_len + n > frame_cap) frame_cap = frame_cap ? frame_cap * 2 : 1 << 20;
    frame = realloc(frame, frame_cap);
    if (!frame) { fprintf(stderr, "procfs-floor: out of memory\n"); exit(1); }
  }
  memcpy(frame + frame_len, p, n);
  frame_len += n;
}
static unsigned long long checksum;

/* Every run of digits as one unsigned number (files are read whole: procfs text of these files fits
 * the buffer; a number split across two reads would only be counted twice). */
static void parse_numbers(const char *p, ssize_t n) {
  unsigned long long v = 0;
  int in = 0;
  for (ssize_t i = 0; i < n; i++) {
    unsigned c = (unsigned char)p[i] - '0';
    if (c < 10) { v = v * 10 + c; in = 1; }
    else if (in) {
      checksum += v; numbers++;
      if (emit_numbers && nnums < sizeof nums / sizeof nums[0]) nums[nnums++] = (double)v;
      v = 0; in = 0;
    }
  }
  if (in) {
    checksum += v; numbers++;
    if (emit_numbers && nnums < sizeof nums / sizeof nums[0]) nums[nnums++] = (double)v;
  }
}

static int kept, walk;
static const char *walk_path;
struct kept_file { char *path; int fd; int one_record; };
static struct kept_file kept_files[4 * MAX_PIDS];
static int nkept, kept_cursor;

/* A file the kernel makes with single_open(): its first short read is its end (read-proc.ts). */
static int one_record(const char *path) {
  static const char *names[] = { "snmp", "snmp6", "netstat", "sockstat", "sockstat6", "io", "cgroup", "stat" };
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* The kept descriptor of `path`, opened the first time. The cycle visits the files in the same order
 * each time, so the next one is at the cursor; a search only when the machine's processes changed. */
static int kept_fd(const char *path, int *one) {
  if (kept_cursor < nkept && strcmp(kept_files[kept_cursor].path, path) == 0) {
    *one = kept_files[kept_cursor].one_record;
    return kept_files[kept_cursor++].fd;
  }
  for (int i = 0; i < nkept; i++)
    if (strcmp(kept_files[i].path, path) == 0) {
      kept_cursor = i + 1;
      *one = kept_files[i].one_record;
      return kept_files[i].fd;
    }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  *one = one_record(path);
  if (fd >= 0 && nkept < (int)(sizeof kept_files / sizeof kept_files[0])) {
    kept_files[nkept].path = strdup(path);
    kept_files[nkept].fd = fd;
    kept_files[nkept].one_record = *one;
    kept_cursor = ++nkept;
  }
  return fd;
}

static void read_file(const char *path) {
  int short_is_end = 0;
  int fd = kept ? kept_fd(path, &short_is_end) : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { failed++; return; }
  size_t len = 0;
  off_t off = 0;
  for (;;) {
    size_t asked = sizeof buf - len;
    ssize_t n = kept ? pread(fd, buf + len, asked, off) : read(fd, buf + len, asked);
    if (n <= 0) break;
    off += n;
    bytes += n;
    if (parse) parse_numbers(buf + len, n);
    if (emit) len += n;
    if (short_is_end && (size_t)n < asked) break;
  }
  if (!kept) close(fd);
  if (emit_numbers) {
    frame_put((const char *)&nnums, sizeof nnums);
    frame_put((const char *)nums, nnums * sizeof nums[0]);
    nnums = 0;
  } else if (emit) {
    unsigned int l = (unsigned int)len;
    frame_put((const char *)&l, sizeof l);
    frame_put(buf, len);
  }
  reads++;
}

struct proc { int pid; unsigned long ino; };
static struct proc procs[MAX_PIDS];

static int by_ino_pid(const void *a, const void *b) {
  const struct proc *x = a, *y = b;
  if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
  return x->pid - y->pid;
}

static const char *NETNS_FILES[] = { "dev", "snmp", "snmp6", "netstat", "sockstat", "sockstat6", "stat/nf_conntrack" };

/* The per-namespace files of procs[0..n) (grouped by namespace, each read from its lowest pid), then
 * the node-wide ones; the namespaces' count. */
static long read_namespaces(const char *root, int n) {
  char path[512];
  qsort(procs, n, sizeof procs[0], by_ino_pid);
  long ns = 0;
  for (int i = 0; i < n; i++) {
    if (i > 0 && procs[i].ino == procs[i - 1].ino) continue;
    ns++;
    for (size_t f = 0; f < sizeof NETNS_FILES / sizeof NETNS_FILES[0]; f++) {
      snprintf(path, sizeof path, "%s/%d/net/%s", root, procs[i].pid, NETNS_FILES[f]);
      read_file(path);
    }
  }
  if (n > 0) {
    snprintf(path, sizeof path, "%s/%d/net/softnet_stat", root, procs[0].pid);
    read_file(path);
  }
  snprintf(path, sizeof path, "%s/sys/net/netfilter/nf_conntrack_max", root);
  read_file(path);
  return ns;
}

/* One read of the pinned task iterator: its processes (leaders in a namespace) into procs. */
static int walk_tasks(void) {
  static unsigned char rows[MAX_PIDS * 4 * 80];
  int fd = open(walk_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = 0;
  ssize_t r;
  while (len < sizeof rows && (r = read(fd, rows + len, sizeof rows - len)) > 0) len += (size_t)r;
  close(fd);
  bytes += (long)len;
  reads++;
  int n = 0;
  for (size_t o = 0; o + 80 <= len && n < MAX_PIDS; o += 80) {
    unsigned int tgid, tid, netns;
    memcpy(&tgid, rows + o, 4);
    memcpy(&tid, rows + o + 4, 4);
    memcpy(&netns, rows + o + 12, 4);
    if (tid != tgid || netns == 0) continue;
    procs[n].pid = (int)tgid;
    procs[n].ino = netns;
    n++;
  }
  return n;
}

static int cycle(const char *root, long *namespaces) {
  char path[512], link[128];
  kept_cursor = 0;
  if (walk) {
    int n = walk_tasks();
    if (n < 0) return -1;
    *namespaces = read_namespaces(root, n);
    return n;
  }
  // The host's namespace, as discovery finds it (pid 1's, else the agent's own).
  snprintf(path, sizeof path, "%s/1/ns/net", root);
  if (readlink(path, link, sizeof link) < 0) {
    snprintf(path, sizeof path, "%s/self/ns/net", root);
    if (readlink(path, link, sizeof link) < 0) { /* nothing */ }
  }
  DIR *d = opendir(root);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < MAX_PIDS) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "%s/%s/ns/net", root, e->d_name);
    ssize_t l = readlink(path, link, sizeof link - 1);
    if (l < 0) continue;
    link[l] = 0;
    unsigned long ino;
    if (sscanf(link, "net:[%lu]", &ino) != 1) continue;
    procs[n].pid = atoi(e->d_name);
    procs[n].ino = ino;
    n++;
  }
  closedir(d);
  long ns = read_namespaces(root, n);
  for (int i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/%d/io", root, procs[i].pid);
    read_file(path);
    snprintf(path, sizeof path, "%s/%d/cgroup", root, procs[i].pid);
    read_file(path);
  }
  *namespaces = ns;
  return n;
}

static long long ns_of(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(int argc, char **argv) {
  int cycles = argc > 1 ? atoi(argv[1]) : 1;
  const char *root = argc > 2 ? argv[2] : "/proc";
  parse = argc > 3 && strcmp(argv[3], "parse") == 0;
  emit_numbers = argc > 3 && strcmp(argv[3], "emit-numbers") == 0;
  emit = emit_numbers || (argc > 3 && strcmp(argv[3], "emit") == 0);
  parse = parse || emit_numbers;
  walk = argc > 3 && (strcmp(argv[3], "walk") == 0 || strcmp(argv[3], "walk-kept") == 0);
  kept = argc > 3 && (strcmp(argv[3], "kept") == 0 || strcmp(argv[3], "walk-kept") == 0);
  walk_path = getenv("PROCFS_FLOOR_TASKS_ITER");
  if (walk && (!walk_path || !*walk_path)) { fprintf(stderr, "procfs-floor: %s needs PROCFS_FLOOR_TASKS_ITER (a pinned task iterator)\n", argv[3]); return 2; }
  int interval_ms = argc > 4 ? atoi(argv[4]) : 0;
  if (cycles < 1) { fprintf(stderr, "procfs-floor: cycles must be a positive number, got %s\n", argv[1]); return 2; }
  if (argc > 3 && !parse && !emit && !kept && !walk && strcmp(argv[3], "open") != 0) {
    fprintf(stderr, "procfs-floor: unknown mode %s (open, parse, emit, emit-numbers, kept, walk, walk-kept)\n", argv[3]);
    return 2;
  }
  if (argc > 4 && interval_ms < 1) { fprintf(stderr, "procfs-floor: interval must be a positive number of ms, got %s\n", argv[4]); return 2; }
  long long sleep_ns = 0;
  struct timespec c0, c1;
  struct rusage r0, r1;
  long namespaces = 0;
  int processes = 0;
  if (kept) {
    // The opens, outside the timed cycles (the agent opens its files once too).
    cycle(root, &namespaces);
    reads = failed = bytes = 0;
  }
  getrusage(RUSAGE_SELF, &r0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (int i = 0; i < cycles; i++) {
    if (interval_ms > 0) {
      struct timespec s0, s1, pause = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &s0);
      nanosleep(&pause, NULL);
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &s1);
      sleep_ns += ns_of(&s1) - ns_of(&s0);
    }
    processes = cycle(root, &namespaces);
    if (processes < 0) { fprintf(stderr, "procfs-floor: cannot %s %s\n", walk ? "read" : "list", walk ? walk_path : root); return 1; }
    if (emit) {
      // One frame per cycle: its length, then the files.
      unsigned long long l = frame_len;
      if (fwrite(&l, sizeof l, 1, stdout) != 1 || fwrite(frame, 1, frame_len, stdout) != frame_len) return 1;
      fflush(stdout);
      frame_len = 0;
    }
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  getrusage(RUSAGE_SELF, &r1);
  long long user = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000000LL + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec);
  long long sys = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000LL + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
  fprintf(emit ? stderr : stdout, "{\"cycles\":%d,\"cpuNs\":%lld,\"userUs\":%lld,\"systemUs\":%lld,\"namespaces\":%ld,\"processes\":%d,\"reads\":%ld,\"failed\":%ld,\"bytes\":%ld,\"numbers\":%ld,\"checksum\":%llu,\"sleepNs\":%lld,\"intervalMs\":%d}\n",
         cycles, ns_of(&c1) - ns_of(&c0) - sleep_ns, user, sys, namespaces, processes, reads, failed, bytes, numbers, checksum, sleep_ns, interval_ms);
  return 0;
}
