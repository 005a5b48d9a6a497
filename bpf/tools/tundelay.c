// SPDX-License-Identifier: Apache-2.0
/*
 * ksotel-tundelay: a TUN delay line for tests (this kernel has no netem). Two TUN devices, one in
 * each of two network namespaces; every IP packet read from one is written to the other after
 * <delay_ms>, so the path between the namespaces has a known one-way delay in each direction.
 *
 *   ksotel-tundelay <netns path A> <ifname A> <netns path B> <ifname B> <delay_ms> <max_seconds>
 *
 * Prints "ready" once both devices exist (the caller then sets their addresses and routes), and
 * exits on stdin EOF, SIGTERM or after max_seconds. The queue is bounded (4096 packets per
 * direction; beyond it packets are dropped and counted on exit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define QLEN 4096
#define MTU  65536

struct pkt {
	uint64_t due;
	uint32_t len;
	unsigned char *data;
};

struct queue {
	struct pkt q[QLEN];
	unsigned head, tail; /* head = next to send, tail = next free */
	uint64_t dropped;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int tun_in(const char *nspath, const char *ifname, int self)
{
	int ns = open(nspath, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "tundelay: enter %s: %s\n", nspath, strerror(errno));
		exit(1);
	}
	close(ns);
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	struct ifreq ifr = {0};
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr)) {
		fprintf(stderr, "tundelay: tun %s in %s: %s\n", ifname, nspath, strerror(errno));
		exit(1);
	}
	if (setns(self, CLONE_NEWNET)) {
		fprintf(stderr, "tundelay: back to own namespace: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static void pump_in(int fd, struct queue *q, uint64_t delay)
{
	static unsigned char buf[MTU];
	for (int i = 0; i < 256; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		if (q->tail - q->head >= QLEN) {
			q->dropped++;
			continue;
		}
		struct pkt *p = &q->q[q->tail % QLEN];
		p->data = malloc(n);
		if (!p->data) {
			q->dropped++;
			continue;
		}
		memcpy(p->data, buf, n);
		p->len = n;
		p->due = now_ns() + delay;
		q->tail++;
	}
}

static void pump_out(int fd, struct queue *q, uint64_t t)
{
	while (q->head != q->tail && q->q[q->head % QLEN].due <= t) {
		struct pkt *p = &q->q[q->head % QLEN];
		if (write(fd, p->data, p->len) < 0 && errno == EAGAIN)
			return;
		free(p->data);
		q->head++;
	}
}

static struct queue qab, qba;

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: %s <netns A> <if A> <netns B> <if B> <delay_ms> <max_seconds>\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int a = tun_in(argv[1], argv[2], self);
	int b = tun_in(argv[3], argv[4], self);
	uint64_t delay = (uint64_t)(atof(argv[5]) * 1e6);
	uint64_t end = now_ns() + (uint64_t)(atof(argv[6]) * 1e9);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		uint64_t t = now_ns();
		if (t >= end)
			break;
		pump_out(b, &qab, t);
		pump_out(a, &qba, t);
		uint64_t next = end;
		if (qab.head != qab.tail && qab.q[qab.head % QLEN].due < next)
			next = qab.q[qab.head % QLEN].due;
		if (qba.head != qba.tail && qba.q[qba.head % QLEN].due < next)
			next = qba.q[qba.head % QLEN].due;
		int ms = next > t ? (int)((next - t + 999999) / 1000000) : 0;
		struct pollfd pfd[3] = {{a, POLLIN, 0}, {b, POLLIN, 0}, {0, POLLIN, 0}};
		int r = poll(pfd, 3, ms);
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[2].revents & (POLLIN | POLLHUP)) {
			char c[64];
			if (read(0, c, sizeof(c)) <= 0)
				break;
		}
		if (pfd[0].revents & POLLIN)
			pump_in(a, &qab, delay);
		if (pfd[1].revents & POLLIN)
			pump_in(b, &qba, delay);
	}
	fprintf(stderr, "tundelay: dropped %llu + %llu (queue full)\n", (unsigned long long)qab.dropped,
		(unsigned long long)qba.dropped);
	return 0;
}
