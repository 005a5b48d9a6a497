// SPDX-License-Identifier: Apache-2.0
/*
 * The attach layer of the per-interface tc probes (flow, dns): a set of tcx links, two per
 * (namespace, interface), made inside the target namespace with BPF_F_BEFORE (the front of the
 * chain). A probe owns one `struct tcx_set` with its pair of programs; the argument grammar and
 * the JSON answers are the same for every such probe:
 *
 *   attach <inode>:<netns path>:<ifname>[:host] …   (host = a pod's host-side veth: programs swapped)
 *   detach <inode>[:<ifname>] …
 *
 * Links are BPF links, not netlink tc filters: they go away with the helper (its fds) and with
 * the device (a deleted namespace leaves nothing behind); tcx_gone() finds the latter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <net/if.h>

#include <bpf/bpf.h>

#include "helper.h"

/* tcx (Linux 6.6) is newer than Debian 12's uapi headers: values from include/uapi/linux/bpf.h */
#define TCX_INGRESS  46
#define TCX_EGRESS   47
#define TCX_F_BEFORE (1U << 3)
_Static_assert(BPF_LSM_CGROUP == 43, "attach type numbering");

static void tcx_close(struct tcx_att *a)
{
	for (int i = 0; i < 2; i++)
		if (a->link[i] >= 0)
			close(a->link[i]);
	a->link[0] = a->link[1] = -1;
}

void tcx_clear(struct tcx_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		tcx_close(&s->atts[i]);
	s->n = 0;
}

static int tcx_link(int prog_fd, int ifindex, __u32 type)
{
	/* bpf_attr.link_create for tcx: prog_fd, target_ifindex, attach_type, flags, then
	 * tcx.relative_fd (0 + BPF_F_BEFORE = the very front) and expected_revision */
	union {
		struct {
			__u32 prog_fd, ifindex, attach_type, flags, relative_fd, pad;
			__u64 expected_revision;
		} lc;
		__u8 raw[64];
	} attr;
	memset(&attr, 0, sizeof(attr));
	attr.lc.prog_fd = (__u32)prog_fd;
	attr.lc.ifindex = (__u32)ifindex;
	attr.lc.attach_type = type;
	attr.lc.flags = TCX_F_BEFORE;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

static struct tcx_att *tcx_find(struct tcx_set *s, unsigned long inode, const char *ifname)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->atts[i].inode == inode && (!ifname || strcmp(s->atts[i].ifname, ifname) == 0))
			return &s->atts[i];
	return NULL;
}

static void tcx_target_json(struct sb *b, bool *first, const char *target, bool ok, const char *state, int ifindex,
			    const char *err)
{
	sb_printf(b, "%s{\"target\":", *first ? "" : ",");
	sb_str(b, target);
	sb_printf(b, ",\"ok\":%s,\"state\":", ok ? "true" : "false");
	sb_str(b, state);
	sb_printf(b, ",\"ifindex\":%d,\"error\":", ifindex);
	sb_str(b, err);
	sb_printf(b, "}");
	*first = false;
}

void tcx_attach(struct tcx_set *s, struct sb *b, char *args)
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char target[512], err[512] = "";
		snprintf(target, sizeof(target), "%s", t);
		/* <inode>:<path>:<ifname>[:host] */
		char *p1 = strchr(t, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
		if (!p1 || !p2) {
			tcx_target_json(b, &first, target, false, "invalid", 0,
					"expected <inode>:<netns path>:<ifname>[:host]");
			continue;
		}
		*p1 = *p2 = 0;
		char *endp;
		unsigned long inode = strtoul(t, &endp, 10);
		char *ifname = p2 + 1, *p3 = strchr(ifname, ':');
		bool host = false;
		if (p3) {
			*p3 = 0;
			host = strcmp(p3 + 1, "host") == 0;
		}
		if (*endp || !inode || !*ifname || strlen(ifname) >= IFNAMSIZ || (p3 && !host)) {
			tcx_target_json(b, &first, target, false, "invalid", 0,
					"expected <inode>:<netns path>:<ifname>[:host]");
			continue;
		}
		struct tcx_att *a = tcx_find(s, inode, ifname);
		if (a && a->link[0] >= 0) {
			tcx_target_json(b, &first, target, true, "already", a->ifindex, "");
			continue;
		}
		if (netns_enter(p1 + 1, inode, err, sizeof(err)) < 0) {
			tcx_target_json(b, &first, target, false, strncmp(err, "gone:", 5) == 0 ? "gone" : "error", 0,
					err);
			continue;
		}
		int ifindex = (int)if_nametoindex(ifname);
		int l[2] = {-1, -1};
		int e = 0;
		if (ifindex > 0) {
			l[0] = tcx_link(host ? s->prog_tx : s->prog_rx, ifindex, TCX_INGRESS);
			if (l[0] < 0)
				e = errno;
			else if ((l[1] = tcx_link(host ? s->prog_rx : s->prog_tx, ifindex, TCX_EGRESS)) < 0) {
				e = errno;
				close(l[0]);
				l[0] = -1;
			}
		} else {
			e = errno ? errno : ENODEV;
		}
		netns_leave();
		if (ifindex <= 0) {
			snprintf(err, sizeof(err), "no interface %s in namespace %lu: %s", ifname, inode, strerror(e));
			tcx_target_json(b, &first, target, false, "error", 0, err);
			continue;
		}
		if (l[0] < 0) {
			snprintf(err, sizeof(err), "tcx link on %s (ifindex %d) in namespace %lu: %s", ifname, ifindex,
				 inode, strerror(e));
			tcx_target_json(b, &first, target, false, "error", ifindex, err);
			continue;
		}
		if (!a) {
			if (s->n == s->cap) {
				s->cap = s->cap ? s->cap * 2 : 64;
				s->atts = realloc(s->atts, s->cap * sizeof(*s->atts));
				if (!s->atts) {
					fprintf(stderr, "helper: out of memory\n");
					exit(3);
				}
			}
			a = &s->atts[s->n++];
		}
		a->inode = inode;
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
		a->ifindex = ifindex;
		a->host = host;
		a->link[0] = l[0];
		a->link[1] = l[1];
		tcx_target_json(b, &first, target, true, "attached", ifindex, "");
	}
}

static void tcx_remove_at(struct tcx_set *s, size_t i)
{
	tcx_close(&s->atts[i]);
	s->atts[i] = s->atts[--s->n];
}

void tcx_detach(struct tcx_set *s, struct sb *b, char *args, void (*forget)(unsigned long inode, int ifindex))
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char target[512];
		snprintf(target, sizeof(target), "%s", t);
		char *c = strchr(t, ':');
		if (c)
			*c++ = 0;
		char *endp;
		unsigned long inode = strtoul(t, &endp, 10);
		if (*endp || !inode) {
			tcx_target_json(b, &first, target, false, "invalid", 0, "expected <inode>[:<ifname>]");
			continue;
		}
		int n = 0;
		for (size_t i = 0; i < s->n;) {
			if (s->atts[i].inode == inode && (!c || strcmp(s->atts[i].ifname, c) == 0)) {
				tcx_remove_at(s, i);
				n++;
			} else {
				i++;
			}
		}
		/* a pod's entries are keyed by its namespace (pod side) — gone with it either way */
		if (forget)
			forget(inode, 0);
		tcx_target_json(b, &first, target, true, n ? "detached" : "absent", 0, "");
	}
}

/* a tcx link whose device was deleted (with its namespace) reports ifindex 0 */
static bool tcx_link_alive(int fd)
{
	__u8 info[256];
	__u32 len = sizeof(info);
	memset(info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return false;
	__u32 ifindex;
	memcpy(&ifindex, info + 16, sizeof(ifindex)); /* bpf_link_info.tcx.ifindex */
	return ifindex != 0;
}

void tcx_gone(struct tcx_set *s, struct sb *b, void (*forget)(unsigned long inode, int ifindex))
{
	sb_printf(b, ",\"gone\":[");
	bool first = true;
	for (size_t i = 0; i < s->n;) {
		if (!tcx_link_alive(s->atts[i].link[0])) {
			sb_printf(b, "%s[%lu,", first ? "" : ",", s->atts[i].inode);
			sb_str(b, s->atts[i].ifname);
			sb_printf(b, "]");
			first = false;
			unsigned long inode = s->atts[i].inode;
			int ifindex = s->atts[i].ifindex;
			bool host = s->atts[i].host;
			tcx_remove_at(s, i);
			if (forget)
				forget(inode, host ? ifindex : 0);
		} else {
			i++;
		}
	}
	sb_printf(b, "]");
}

void tcx_command(const struct tcx_probe *p, char *args)
{
	char *id = next_word(&args);
	char *verb = next_word(&args);
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"%s\",\"id\":", p->name);
	sb_str(&b, id);
	sb_printf(&b, ",\"verb\":");
	sb_str(&b, verb);
	char err[1100] = "";
	bool ok = true;
	if (strcmp(verb, "load") == 0) {
		ok = p->opts(args, err, sizeof(err)) && p->load();
		if (!err[0] && !ok)
			snprintf(err, sizeof(err), "%s", p->error);
		if (p->describe)
			p->describe(&b);
	} else if (strcmp(verb, "attach") == 0) {
		if (!p->load()) {
			ok = false;
			snprintf(err, sizeof(err), "%s", p->error);
		} else {
			sb_printf(&b, ",\"targets\":[");
			tcx_attach(p->set, &b, args);
			sb_printf(&b, "]");
		}
	} else if (strcmp(verb, "detach") == 0) {
		sb_printf(&b, ",\"targets\":[");
		if (p->loaded())
			tcx_detach(p->set, &b, args, p->forget);
		sb_printf(&b, "]");
	} else if (strcmp(verb, "dump") == 0) {
		if (!p->loaded()) {
			ok = false;
			snprintf(err, sizeof(err), "%s is not loaded", p->name);
		} else {
			p->dump(&b, args);
		}
	} else if (strcmp(verb, "unload") == 0) {
		p->unload();
	} else {
		ok = false;
		snprintf(err, sizeof(err), "unknown verb '%s' (load, attach, detach, dump, unload)", verb);
	}
	sb_printf(&b, ",\"ok\":%s,\"error\":", ok ? "true" : "false");
	sb_str(&b, err);
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}
