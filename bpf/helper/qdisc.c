// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `qdisc <id> <inode>:<netns path> ...`: the statistics of every qdisc of every
 * interface in each listed network namespace, from rtnetlink dumps (RTM_GETLINK for names,
 * RTM_GETQDISC for the qdiscs) made inside it -- no `tc` process per namespace.
 *
 * Per target: open the path (/proc/<pid>/ns/net or /run/netns/<name>), check its inode, setns
 * into it, open a NETLINK_ROUTE socket (a socket stays bound to the namespace it was made in),
 * close the namespace fd, setns back to the helper's own namespace, then dump over that socket
 * and close it. No namespace fd outlives the command (KubeSkoop kept them open and leaked them;
 * an fd held also keeps a dead namespace alive). The helper's own namespace fd is opened once.
 *
 * Answer, one JSON frame:
 *   {"msg":"qdisc","id":"<id>","ok":true,"wall_ns":..,"cpu_ns":..,"targets":[
 *     {"inode":N,"ok":true,"error":"","qdiscs":[{"ifindex":2,"dev":"eth0","kind":"tbf",
 *      "handle":"1:","parent":"root","bytes":..,"packets":..,"drops":..,"overlimits":..,
 *      "requeues":..,"qlen":..,"backlog":..}, ...]}, ...]}
 * Values as `tc -s qdisc` shows them: TCA_STATS2 basic (packets from TCA_STATS_PKT64 when the
 * kernel sends it) and queue stats, else the legacy TCA_STATS struct.
 *
 * Its own translation unit: the JSON builder and output are out.c's (helper.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/pkt_sched.h>
#include <linux/gen_stats.h>
#include <net/if.h>

int qd_self_ns = -1;

struct qd_link {
	int ifindex;
	char name[IFNAMSIZ];
};

struct qd_links {
	struct qd_link *v;
	size_t n, cap;
};

static const char *qd_link_name(const struct qd_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return l->v[i].name;
	return "";
}

static void qd_handle(char *out, size_t len, __u32 h)
{
	if (h == TC_H_ROOT)
		snprintf(out, len, "root");
	else if (TC_H_MIN(h) == 0)
		snprintf(out, len, "%x:", TC_H_MAJ(h) >> 16);
	else
		snprintf(out, len, "%x:%x", TC_H_MAJ(h) >> 16, TC_H_MIN(h));
}

static int qd_request(int fd, __u16 type, __u32 seq)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct tcmsg tc;
		};
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	if (type == RTM_GETLINK) {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
		req.ifi.ifi_family = AF_UNSPEC;
	} else {
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
		req.tc.tcm_family = AF_UNSPEC;
	}
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	return sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
}

static void qd_one_qdisc(struct sb *b, bool *first, const struct qd_links *links, struct nlmsghdr *nh)
{
	struct tcmsg *tcm = NLMSG_DATA(nh);
	int len = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*tcm));
	if (len < 0)
		return;
	char kind[32] = "";
	unsigned long long bytes = 0, packets = 0, drops = 0, overlimits = 0, requeues = 0, qlen = 0, backlog = 0;
	bool have2 = false, pkt64 = false;
	struct tc_stats legacy;
	bool have_legacy = false;
	for (struct rtattr *a = TCA_RTA(tcm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND) {
			snprintf(kind, sizeof(kind), "%.*s", (int)RTA_PAYLOAD(a), (const char *)RTA_DATA(a));
		} else if (a->rta_type == TCA_STATS && RTA_PAYLOAD(a) >= sizeof(legacy)) {
			memcpy(&legacy, RTA_DATA(a), sizeof(legacy));
			have_legacy = true;
		} else if (a->rta_type == TCA_STATS2) {
			have2 = true;
			int l2 = (int)RTA_PAYLOAD(a);
			for (struct rtattr *s = RTA_DATA(a); RTA_OK(s, l2); s = RTA_NEXT(s, l2)) {
				if (s->rta_type == TCA_STATS_BASIC &&
				    RTA_PAYLOAD(s) >= sizeof(struct gnet_stats_basic)) {
					struct gnet_stats_basic bs;
					memcpy(&bs, RTA_DATA(s), sizeof(bs));
					bytes = bs.bytes;
					if (!pkt64)
						packets = bs.packets;
				} else if (s->rta_type == TCA_STATS_PKT64 && RTA_PAYLOAD(s) >= sizeof(__u64)) {
					__u64 p;
					memcpy(&p, RTA_DATA(s), sizeof(p));
					packets = p;
					pkt64 = true;
				} else if (s->rta_type == TCA_STATS_QUEUE &&
					   RTA_PAYLOAD(s) >= sizeof(struct gnet_stats_queue)) {
					struct gnet_stats_queue q;
					memcpy(&q, RTA_DATA(s), sizeof(q));
					qlen = q.qlen;
					backlog = q.backlog;
					drops = q.drops;
					requeues = q.requeues;
					overlimits = q.overlimits;
				}
			}
		}
	}
	if (!have2 && have_legacy) {
		bytes = legacy.bytes;
		packets = legacy.packets;
		drops = legacy.drops;
		overlimits = legacy.overlimits;
		qlen = legacy.qlen;
		backlog = legacy.backlog;
	}
	char handle[24], parent[24];
	qd_handle(handle, sizeof(handle), tcm->tcm_handle);
	qd_handle(parent, sizeof(parent), tcm->tcm_parent);
	sb_printf(b, "%s{\"ifindex\":%d,\"dev\":", *first ? "" : ",", tcm->tcm_ifindex);
	sb_str(b, qd_link_name(links, tcm->tcm_ifindex));
	sb_printf(b, ",\"kind\":");
	sb_str(b, kind);
	sb_printf(b,
		  ",\"handle\":\"%s\",\"parent\":\"%s\",\"bytes\":%llu,\"packets\":%llu,\"drops\":%llu,"
		  "\"overlimits\":%llu,\"requeues\":%llu,\"qlen\":%llu,\"backlog\":%llu}",
		  handle, parent, bytes, packets, drops, overlimits, requeues, qlen, backlog);
	*first = false;
}

/* Reads one dump to its end; RTM_NEWLINK fills links, RTM_NEWQDISC goes to the JSON. */
static int qd_read_dump(int fd, __u32 seq, struct qd_links *links, struct sb *b, bool *first)
{
	static char buf[64 * 1024];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		int len = (int)n;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error ? e->error : -EIO;
			}
			if (nh->nlmsg_type == RTM_NEWLINK && links) {
				struct ifinfomsg *ifi = NLMSG_DATA(nh);
				int al = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));
				for (struct rtattr *a = IFLA_RTA(ifi); al > 0 && RTA_OK(a, al); a = RTA_NEXT(a, al)) {
					if (a->rta_type != IFLA_IFNAME)
						continue;
					if (links->n == links->cap) {
						size_t cap = links->cap ? links->cap * 2 : 16;
						struct qd_link *nv = realloc(links->v, cap * sizeof(*nv));
						if (!nv)
							return -ENOMEM;
						links->v = nv;
						links->cap = cap;
					}
					struct qd_link *l = &links->v[links->n++];
					l->ifindex = ifi->ifi_index;
					snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
						 (const char *)RTA_DATA(a));
				}
			} else if (nh->nlmsg_type == RTM_NEWQDISC && b) {
				qd_one_qdisc(b, first, links, nh);
			}
		}
	}
}

/* enter the namespace at path (checked to be inode); 0 = inside, the caller must netns_leave() */
int netns_enter(const char *path, unsigned long inode, char *err, size_t errlen)
{
	if (qd_self_ns < 0) {
		qd_self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (qd_self_ns < 0) {
			snprintf(err, errlen, "open /proc/self/ns/net: %s", strerror(errno));
			return -1;
		}
	}
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(err, errlen, "%s %s: %s", errno == ENOENT || errno == ESRCH ? "gone:" : "open", path,
			 strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(nsfd, &st) < 0 || (unsigned long)st.st_ino != inode) {
		snprintf(err, errlen, "gone: %s is no longer namespace %lu", path, inode);
		close(nsfd);
		return -1;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "setns %s: %s", path, strerror(errno));
		close(nsfd);
		return -1;
	}
	close(nsfd);
	return 0;
}

void netns_leave(void)
{
	/* cannot get back: the helper's own netlink/BPF work would run in the wrong place */
	if (setns(qd_self_ns, CLONE_NEWNET) < 0) {
		fprintf(stderr, "helper: setns back to its own namespace failed: %s; exiting\n", strerror(errno));
		exit(3);
	}
}

/* A NETLINK_ROUTE socket made inside the namespace at `path` (checked to be inode `inode`). */
static int qd_socket_in(const char *path, unsigned long inode, char *err, size_t errlen)
{
	if (netns_enter(path, inode, err, errlen) < 0)
		return -1;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int e = errno;
	netns_leave();
	if (fd < 0) {
		snprintf(err, errlen, "netlink socket in %s: %s", path, strerror(e));
		return -1;
	}
	int one = 1;
	setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	return fd;
}

static void qd_target(struct sb *b, const char *spec)
{
	char path[512];
	char err[600] = "";
	const char *colon = strchr(spec, ':');
	char *end = NULL;
	unsigned long inode = strtoul(spec, &end, 10);
	if (!colon || end != colon || !colon[1]) {
		sb_printf(b, "{\"inode\":0,\"ok\":false,\"error\":");
		sb_str(b, "bad target (expected <inode>:<netns path>)");
		sb_printf(b, ",\"qdiscs\":[]}");
		return;
	}
	snprintf(path, sizeof(path), "%s", colon + 1);
	sb_printf(b, "{\"inode\":%lu", inode);
	int fd = qd_socket_in(path, inode, err, sizeof(err));
	struct qd_links links = {0};
	struct sb q = {0};
	sb_printf(&q, "[");
	bool first = true;
	int rc = fd < 0 ? -1 : 0;
	if (fd >= 0) {
		rc = qd_request(fd, RTM_GETLINK, 1);
		if (!rc)
			rc = qd_read_dump(fd, 1, &links, NULL, NULL);
		if (!rc)
			rc = qd_request(fd, RTM_GETQDISC, 2);
		if (!rc)
			rc = qd_read_dump(fd, 2, &links, &q, &first);
		if (rc)
			snprintf(err, sizeof(err), "rtnetlink dump: %s", strerror(-rc));
		close(fd);
	}
	sb_printf(&q, "]");
	sb_printf(b, ",\"ok\":%s,\"error\":", rc == 0 ? "true" : "false");
	sb_str(b, err);
	sb_printf(b, ",\"qdiscs\":%s}", rc == 0 ? q.p : "[]");
	sb_free(&q);
	free(links.v);
}

void cmd_qdisc(char *args)
{
	struct sb b = {0};
	char *save = NULL;
	char *id = strtok_r(args, " \t", &save);
	sb_printf(&b, "{\"msg\":\"qdisc\",\"id\":");
	sb_str(&b, id ? id : "");
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	sb_printf(&b, ",\"ok\":true,\"targets\":[");
	bool first = true;
	for (char *t = strtok_r(NULL, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (!first)
			sb_printf(&b, ",");
		qd_target(&b, t);
		first = false;
	}
	__u64 w1 = ts_ns(CLOCK_MONOTONIC), c1 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	sb_printf(&b, "],\"wall_ns\":%llu,\"cpu_ns\":%llu}", (unsigned long long)(w1 - w0),
		  (unsigned long long)(c1 - c0));
	send_json(&b);
	sb_free(&b);
}
