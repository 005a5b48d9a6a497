/* SPDX-License-Identifier: Apache-2.0 */
/* What the helper's translation units share: output and JSON framing (out.c), libbpf's log and
 * the kernel's BTF enums (btf.c), the collector commands (tcpsummary.c, qdisc.c), and the loop's
 * stop flag (helper.c). Single-threaded: no locking anywhere. */
#ifndef KS_HELPER_H
#define KS_HELPER_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

/* helper.c */
extern volatile sig_atomic_t stop_requested;
extern bool verbose;

/* out.c: records and frames to stdout */
void out_flush(void);
void out_put(const void *p, size_t n);
extern bool out_broken;

struct sb {
	char *p;
	size_t len, cap;
};
void sb_reserve(struct sb *b, size_t more);
__attribute__((format(printf, 2, 3))) void sb_printf(struct sb *b, const char *fmt, ...);
void sb_str(struct sb *b, const char *s);
void sb_free(struct sb *b);
void send_json(struct sb *b);
/* base64 of n bytes into b (a JSON string's contents: no quotes or escapes needed) */
void sb_base64(struct sb *b, const unsigned char *in, size_t n);
/* the first white-space separated word of *args, cut off; *args moves to the next word */
char *next_word(char **args);
void send_error(const char *what, const char *detail);

__u64 ts_ns(clockid_t c);
/* this process's CPU time, ns */
__u64 cpu_ns(void);
__u64 mono_ms(void);
void send_clock(void);

/* btf.c: libbpf's messages, the kernel's BTF */
extern char log_tail[3072];
extern size_t log_tail_len;
void log_tail_reset(void);
/* the last `max` bytes of the verifier log, for a load error */
const char *log_tail_last(size_t max);
int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap);

extern struct btf *vmlinux_btf;
extern char btf_error[256];
void enum_json(struct sb *b, const struct btf_type *t, const char *prefix);
const struct btf_type *find_enum(const char *name);
const struct btf_type *find_tcp_state_enum(void);
long drop_reason_value(const char *name);

/* tcpsummary.c, qdisc.c: node-wide collectors that are commands, not probes */
void cmd_tcpsummary(const char *args);
void tsum_teardown(void);
/* tasks.c: every process's namespace, cgroup set, parent and I/O counters in one walk */
void cmd_tasks(const char *args);
void tasks_teardown(void);
void cmd_qdisc(char *args);
/* qdisc.c: the helper's own network namespace (opened once), for commands that setns and back */
extern int qd_self_ns;
/* enter the namespace at path (checked to be inode; an error starting "gone:" when it went):
 * 0 = inside, and the caller must netns_leave() */
int netns_enter(const char *path, unsigned long inode, char *err, size_t errlen);
void netns_leave(void);
/* tcx.c: the attach layer of the per-interface tc probes (flow, dns): tcx links per
 * (namespace, interface), the same command grammar and answers for each probe */
#include <net/if.h>
struct tcx_att {
	unsigned long inode;
	char ifname[IF_NAMESIZE];
	int ifindex; /* where the links are: the host-side veth's index for a host attachment */
	bool host;
	unsigned long link_ns; /* the namespace of the links (the helper's own for a host attachment) */
	int link[2];	       /* ingress, egress */
};
struct tcx_set {
	struct tcx_att *atts;
	size_t n, cap;
	int prog_rx, prog_tx;	    /* the pod receives / sends (swapped on a host-side veth) */
	int prog_cg_rx, prog_cg_tx; /* cgroup_skb ingress / egress, for a probe that has them (flow) */
	/* a probe whose programs name the pod of a host-side veth in the kernel (dns): a hash map
	 * host ifindex (u32) → pod namespace inode (u32), kept by the attach layer; 0 = none */
	int owner_fd;
};
void tcx_attach(struct tcx_set *s, struct sb *b, char *args);
void tc_target_json(struct sb *b, bool *first, const char *target, bool ok, const char *state, const char *id_name,
		    unsigned long long id, const char *err);
/* forget(inode, ifindex): the probe drops its map entries of a detached namespace (ifindex 0 = all) */
void tcx_detach(struct tcx_set *s, struct sb *b, char *args, void (*forget)(unsigned long inode, int ifindex));
void tcx_gone(struct tcx_set *s, struct sb *b, void (*forget)(unsigned long inode, int ifindex));
void tcx_clear(struct tcx_set *s);
/* a tc probe's load options: a table generated from its descriptor (bpf/helper/tc_<name>.gen.h)
 * over the fields of its options struct */
enum tc_opt_type {
	TC_OPT_U32,    /* a number in [min, max] */
	TC_OPT_BOOL,   /* 0|1 */
	TC_OPT_CHOICE, /* one of values ('|'-separated), stored as its index + 1 */
	TC_OPT_LIST,   /* repeated: up to max items of TC_OPT_ITEM bytes, the count at count_off */
};
#define TC_OPT_ITEM 256
struct tc_opt {
	const char *name;
	enum tc_opt_type type;
	size_t off;
	__u32 min, max;
	const char *values;
	size_t count_off;
};
/* what a tc probe's descriptor gives its command (tc_<name>_desc in tc_<name>.gen.h) */
struct tc_desc {
	const char *name; /* the command */
	const struct tc_opt *options;
	size_t noptions;
	const char *usage; /* the load options, for the bad-option message */
	const char *verbs; /* its own verbs, for the unknown-verb message ("" = none) */
};
struct tcx_probe;
/* key=value words of args into the options struct o (already holding the starting values); false
 * with "bad option '<word>' (<usage>)" in err on a word no option takes */
bool tc_opts_parse(const struct tcx_probe *p, void *o, char *args, char *err, size_t errlen);
/* a tc probe's command: `<probe> <id> load|attach|detach|dump|unload ...`, answered as one JSON line */
struct tcx_probe {
	const struct tc_desc *desc;
	/* optional: the probe's own test of a list option's item (dns: a suffix is a DNS name) */
	bool (*check)(const char *option, const char *value);
	struct tcx_set *set;
	const char *error; /* why the last load failed */
	bool (*opts)(char *args, char *err, size_t errlen);
	bool (*load)(void); /* loads once; true when loaded */
	bool (*loaded)(void);
	void (*forget)(unsigned long inode, int ifindex);
	void (*dump)(struct sb *b, char *args);
	void (*read)(struct sb *b, char *args); /* optional: the `read` verb (flow's cycle read) */
	void (*unload)(void);
	void (*describe)(struct sb *b); /* optional: what load answers besides ok/error */
	/* optional: a verb of the probe's own (flow's cgattach/cgdetach); false = not one of them */
	bool (*verb)(const char *verb, struct sb *b, char *args, bool *ok, char *err, size_t errlen);
};
void tcx_command(const struct tcx_probe *p, char *args);
/* before a tc probe's load: the verifier log emptied; false (error written) without kernel BTF */
bool tcx_btf_ready(char *error, size_t errlen);
/* the tc probes (flow.c, dns.c): tc_<name>_probe, listed in tc.gen.h from the descriptors */

#endif
