// SPDX-License-Identifier: Apache-2.0
/*
 * The attach layer of the per-interface tc probes (flow, dns): a set of tcx links, two per
 * (namespace, interface), made inside the target namespace with BPF_F_BEFORE (the front of the
 * chain). A probe owns one `struct tcx_set` with its pair of programs; the argument grammar and
 * the JSON answers are the same for every such probe:
 *
 *   attach <inode>:<netns path>:<ifname>[:host] …
 *     host: on the host end of the pod's veth instead — found through <ifname>'s peer (its iflink,
 *     read with rtnetlink inside the pod), checked to be a device of the helper's own namespace
 *     whose peer is <ifname>; the programs swapped so rx/tx stay the pod's. The links are on a
 *     host interface: detach (or the pod's veth going away with its namespace) removes them.
 *   detach <inode>[:<ifname>] …
 *
 * Links are BPF links, not netlink tc filters: they go away with the helper (its fds) and with
 * the device (a deleted namespace leaves nothing behind); tcx_gone() finds the latter.
 */
#define _GNU_SOURCE
#include <ctype.h>
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
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <bpf/bpf.h>

#include "helper.h"
#include "tcx_verbs.gen.h"

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

/* The peer of a veth (IFLA_LINK) in the current namespace; *other_ns: the peer is in another
 * namespace (IFLA_LINK_NETNSID). 0 = no peer (not a veth-like device); -errno on failure. */
static int tcx_iflink(int ifindex, bool *other_ns)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = ifindex;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int link = -EIO;
	*other_ns = false;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		link = -errno;
		close(fd);
		return link;
	}
	static char buf[32768];
	int len = (int)recv(fd, buf, sizeof(buf), 0);
	if (len < 0)
		link = -errno;
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; len > 0 && NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);
			link = e->error ? e->error : -EIO;
			break;
		}
		if (nh->nlmsg_type != RTM_NEWLINK)
			continue;
		struct ifinfomsg *ifi = NLMSG_DATA(nh);
		int al = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
		link = 0;
		for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, al); a = RTA_NEXT(a, al)) {
			if (a->rta_type == IFLA_LINK && RTA_PAYLOAD(a) >= 4)
				memcpy(&link, RTA_DATA(a), 4);
			if (a->rta_type == IFLA_LINK_NETNSID)
				*other_ns = true;
		}
		break;
	}
	close(fd);
	return link;
}

/* the inode of the helper's own network namespace (where host-side links are) */
static unsigned long tcx_self_ns(void)
{
	struct stat st;
	return stat("/proc/self/ns/net", &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* the host side's ifindex → the pod's namespace, for a probe that names pods in the kernel */
static void tcx_owner(struct tcx_set *s, int ifindex, unsigned long inode, bool add)
{
	if (!s->owner_fd)
		return;
	__u32 k = (__u32)ifindex, v = (__u32)inode;
	if (add)
		bpf_map_update_elem(s->owner_fd, &k, &v, BPF_ANY);
	else
		bpf_map_delete_elem(s->owner_fd, &k);
}

/* a detached or gone attachment's map entries: the pod's, and on the host side those of the
 * host device (a probe that keys by the device's namespace, flow, has them there) */
static void tcx_forget(struct tcx_set *s, const struct tcx_att *a, void (*forget)(unsigned long inode, int ifindex))
{
	if (a->host)
		tcx_owner(s, a->ifindex, a->inode, false);
	if (!forget)
		return;
	forget(a->inode, 0);
	if (a->host)
		forget(a->link_ns, a->ifindex);
}

static struct tcx_att *tcx_find(struct tcx_set *s, unsigned long inode, const char *ifname)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->atts[i].inode == inode && (!ifname || strcmp(s->atts[i].ifname, ifname) == 0))
			return &s->atts[i];
	return NULL;
}

/* One target's outcome in an attach or detach answer: the interface (`ifindex`) or the cgroup (`id`)
 * it named, as the agent's attach layer reads both. */
void tc_target_json(struct sb *b, bool *first, const char *target, bool ok, const char *state, const char *id_name,
		    unsigned long long id, const char *err)
{
	sb_printf(b, "%s{\"target\":", *first ? "" : ",");
	sb_str(b, target);
	sb_printf(b, ",\"ok\":%s,\"state\":", ok ? "true" : "false");
	sb_str(b, state);
	sb_printf(b, ",\"%s\":%llu,\"error\":", id_name, id);
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
			tc_target_json(b, &first, target, false, "invalid", "ifindex", 0,
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
			tc_target_json(b, &first, target, false, "invalid", "ifindex", 0,
				       "expected <inode>:<netns path>:<ifname>[:host]");
			continue;
		}
		struct tcx_att *a = tcx_find(s, inode, ifname);
		if (a && a->link[0] >= 0) {
			tc_target_json(b, &first, target, true, "already", "ifindex", a->ifindex, "");
			continue;
		}
		if (netns_enter(p1 + 1, inode, err, sizeof(err)) < 0) {
			tc_target_json(b, &first, target, false, strncmp(err, "gone:", 5) == 0 ? "gone" : "error",
				       "ifindex", 0, err);
			continue;
		}
		int ifindex = (int)if_nametoindex(ifname);
		int l[2] = {-1, -1};
		int e = 0;
		bool other = false;
		int peer = ifindex > 0 && host ? tcx_iflink(ifindex, &other) : 0;
		bool inside = true;
		if (host && ifindex > 0) {
			/* the links go on the host end, in the helper's own namespace */
			netns_leave();
			inside = false;
			bool back_other = false;
			int back = peer > 0 && other ? tcx_iflink(peer, &back_other) : 0;
			if (peer <= 0 || !other || back != ifindex || !back_other) {
				if (peer < 0)
					snprintf(err, sizeof(err), "%s in namespace %lu: rtnetlink: %s", ifname, inode,
						 strerror(-peer));
				else
					snprintf(err, sizeof(err),
						 "%s in namespace %lu is no veth to this node's namespace: "
						 "attach inside the pod instead",
						 ifname, inode);
				tc_target_json(b, &first, target, false, "error", "ifindex", ifindex, err);
				continue;
			}
			ifindex = peer;
		}
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
		if (inside)
			netns_leave();
		if (ifindex <= 0) {
			snprintf(err, sizeof(err), "no interface %s in namespace %lu: %s", ifname, inode, strerror(e));
			tc_target_json(b, &first, target, false, "error", "ifindex", 0, err);
			continue;
		}
		if (l[0] < 0) {
			snprintf(err, sizeof(err), "tcx link on %s (ifindex %d) in namespace %lu: %s", ifname, ifindex,
				 inode, strerror(e));
			tc_target_json(b, &first, target, false, "error", "ifindex", ifindex, err);
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
		a->link_ns = host ? tcx_self_ns() : inode;
		if (host)
			tcx_owner(s, ifindex, inode, true);
		a->link[0] = l[0];
		a->link[1] = l[1];
		tc_target_json(b, &first, target, true, "attached", "ifindex", ifindex, "");
	}
}

static void tcx_remove_at(struct tcx_set *s, size_t i, void (*forget)(unsigned long inode, int ifindex))
{
	struct tcx_att a = s->atts[i];
	tcx_close(&s->atts[i]);
	s->atts[i] = s->atts[--s->n];
	tcx_forget(s, &a, forget);
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
			tc_target_json(b, &first, target, false, "invalid", "ifindex", 0,
				       "expected <inode>[:<ifname>]");
			continue;
		}
		int n = 0;
		for (size_t i = 0; i < s->n;) {
			if (s->atts[i].inode == inode && (!c || strcmp(s->atts[i].ifname, c) == 0)) {
				tcx_remove_at(s, i, forget);
				n++;
			} else {
				i++;
			}
		}
		/* a pod's entries are keyed by its namespace (pod side) — gone with it either way */
		if (forget && !n)
			forget(inode, 0);
		tc_target_json(b, &first, target, true, n ? "detached" : "absent", "ifindex", 0, "");
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
			tcx_remove_at(s, i, forget);
		} else {
			i++;
		}
	}
	sb_printf(b, "]");
}

/* dump and read answer only a loaded probe */
static void dump_or_read(const struct tcx_probe *p, void (*answer)(struct sb *, char *), struct sb *b, char *args,
			 bool *ok, char *err, size_t errlen)
{
	if (!p->loaded()) {
		*ok = false;
		snprintf(err, errlen, "%s is not loaded", p->desc->name);
	} else {
		answer(b, args);
	}
}

void tcx_command(const struct tcx_probe *p, char *args)
{
	char *id = next_word(&args);
	char *verb = next_word(&args);
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"%s\",\"id\":", p->desc->name);
	sb_str(&b, id);
	sb_printf(&b, ",\"verb\":");
	sb_str(&b, verb);
	char err[1100] = "";
	bool ok = true;
	switch (ks_tc_verb_of(verb)) {
	case KS_TC_LOAD:
		ok = p->opts(args, err, sizeof(err)) && p->load();
		if (!err[0] && !ok)
			snprintf(err, sizeof(err), "%s", p->error);
		if (p->describe)
			p->describe(&b);
		break;
	case KS_TC_ATTACH:
		if (!p->load()) {
			ok = false;
			snprintf(err, sizeof(err), "%s", p->error);
		} else {
			sb_printf(&b, ",\"targets\":[");
			tcx_attach(p->set, &b, args);
			sb_printf(&b, "]");
		}
		break;
	case KS_TC_DETACH:
		sb_printf(&b, ",\"targets\":[");
		if (p->loaded())
			tcx_detach(p->set, &b, args, p->forget);
		sb_printf(&b, "]");
		break;
	case KS_TC_DUMP:
		dump_or_read(p, p->dump, &b, args, &ok, err, sizeof(err));
		break;
	case KS_TC_UNLOAD:
		p->unload();
		break;
	case KS_TC_PROBE_VERB:
		if (p->read && strcmp(verb, "read") == 0) {
			dump_or_read(p, p->read, &b, args, &ok, err, sizeof(err));
		} else if (p->verb && p->verb(verb, &b, args, &ok, err, sizeof(err))) {
			/* answered by the probe (its targets in b) */
		} else {
			ok = false;
			snprintf(err, sizeof(err), "unknown verb '%s' (" KS_TC_LAYER_VERBS "%s%s)", verb,
				 *p->desc->verbs ? ", " : "", p->desc->verbs);
		}
		break;
	}
	sb_printf(&b, ",\"ok\":%s,\"error\":", ok ? "true" : "false");
	sb_str(&b, err);
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}

static bool tc_opt_set(const struct tcx_probe *p, const struct tc_opt *d, char *o, const char *v)
{
	switch (d->type) {
	case TC_OPT_U32: {
		if (!isdigit((unsigned char)*v))
			return false;
		char *end;
		errno = 0;
		unsigned long long x = strtoull(v, &end, 10);
		if (*end || errno || x < d->min || x > d->max)
			return false;
		*(__u32 *)(o + d->off) = (__u32)x;
		return true;
	}
	case TC_OPT_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return false;
		*(bool *)(o + d->off) = v[0] == '1';
		return true;
	case TC_OPT_CHOICE: {
		__u32 i = 1;
		size_t n = strlen(v);
		for (const char *c = d->values; *c; i++) {
			size_t l = strcspn(c, "|");
			if (l == n && strncmp(c, v, n) == 0) {
				*(__u32 *)(o + d->off) = i;
				return true;
			}
			c += l + (c[l] == '|');
		}
		return false;
	}
	case TC_OPT_LIST: {
		__u32 *n = (__u32 *)(o + d->count_off);
		if (*n >= d->max || strlen(v) >= TC_OPT_ITEM || (p->check && !p->check(d->name, v)))
			return false;
		snprintf(o + d->off + (size_t)*n * TC_OPT_ITEM, TC_OPT_ITEM, "%s", v);
		(*n)++;
		return true;
	}
	}
	return false;
}

bool tc_opts_parse(const struct tcx_probe *p, void *o, char *args, char *err, size_t errlen)
{
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		const char *eq = strchr(t, '=');
		const struct tc_opt *d = NULL;
		const struct tc_desc *desc = p->desc;
		for (size_t i = 0; eq && i < desc->noptions && !d; i++)
			if (strlen(desc->options[i].name) == (size_t)(eq - t) &&
			    strncmp(t, desc->options[i].name, (size_t)(eq - t)) == 0)
				d = &desc->options[i];
		if (!d || !tc_opt_set(p, d, o, eq + 1)) {
			snprintf(err, errlen, "bad option '%s' (%s)", t, p->desc->usage);
			return false;
		}
	}
	return true;
}

bool tcx_btf_ready(char *error, size_t errlen)
{
	log_tail_reset();
	if (!vmlinux_btf) {
		snprintf(error, errlen, "kernel BTF unavailable: %s", btf_error);
		return false;
	}
	return true;
}
