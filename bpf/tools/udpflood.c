/* Bounded UDP sender for tests and benchmarks: sends exactly <count> datagrams to <addr> <port>
 * (IPv4 or IPv6) with one sendto() each (with [ports] > 1: to port, port+1, … port+ports-1 in turn,
 * that many interleaved flows), and prints how many sendto() calls succeeded and how
 * many failed (a netfilter drop on output makes sendto fail with EPERM, which still counts as a
 * packet handed to the stack). Stops after <max_seconds> even if not done. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s addr port count [max_seconds] [payload_bytes] [ports]\n", argv[0]);
		return 2;
	}
	long count = atol(argv[3]);
	double max_s = argc > 4 ? atof(argv[4]) : 30.0;
	int plen = argc > 5 ? atoi(argv[5]) : 16;
	int nports = argc > 6 ? atoi(argv[6]) : 1;
	int port0 = atoi(argv[2]);
	if (nports < 1 || port0 + nports > 65536) {
		fprintf(stderr, "bad ports %d from %d\n", nports, port0);
		return 2;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(argv[2]));
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(argv[2]));
		sl = sizeof(*s6);
	} else {
		fprintf(stderr, "bad address %s\n", argv[1]);
		return 2;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	char buf[65536];
	if (plen < 0 || plen > (int)sizeof(buf))
		plen = 16;
	memset(buf, 'k', plen);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long ok = 0, failed = 0, other = 0;
	int last_errno = 0;
	for (long i = 0; i < count; i++) {
		if ((i & 1023) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > max_s)
				break;
		}
		if (nports > 1) {
			__u16 port = htons((unsigned short)(port0 + i % nports));
			if (ss.ss_family == AF_INET)
				s4->sin_port = port;
			else
				s6->sin6_port = port;
		}
		if (sendto(fd, buf, plen, 0, (struct sockaddr *)&ss, sl) >= 0) {
			ok++;
		} else if (errno == EPERM || errno == ECONNREFUSED) {
			failed++; /* handed to the stack and dropped there */
			last_errno = errno;
		} else {
			other++; /* never reached the stack (e.g. ENETUNREACH, ENOBUFS) */
			last_errno = errno;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	double el = (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"sent\":%ld,\"failed\":%ld,\"other\":%ld,\"last_errno\":%d,\"seconds\":%.6f}\n", ok, failed, other,
	       last_errno, el);
	return 0;
}
