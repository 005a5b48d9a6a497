// Bounded loopback TCP stream for test/bench/latency.ts: one connection on 127.0.0.1, the
// client writes `size`-byte messages for `seconds`, the server reads; prints bytes/s as JSON.
//   tcpstream <seconds> <size> <nodelay 0|1>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int lfd;
static volatile long long received;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *server(void *arg)
{
	int fd = accept(lfd, NULL, NULL);
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		received += n;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	double seconds = atof(argv[1]);
	size_t size = (size_t)atol(argv[2]);
	int nodelay = atoi(argv[3]);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&a, &al))
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, server, NULL);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
	if (connect(c, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	char *buf = calloc(1, size);
	long long sent = 0, writes = 0;
	double t0 = now(), end = t0 + seconds;
	while (now() < end) {
		for (int i = 0; i < 64; i++) {
			ssize_t n = write(c, buf, size);
			if (n <= 0)
				return 1;
			sent += n;
			writes++;
		}
	}
	double el = now() - t0;
	shutdown(c, SHUT_WR);
	pthread_join(t, NULL);
	/* CPU of both threads (user + system; the loopback softirq work done in their context is
	 * system time): bytes per CPU-second is far less sensitive than bytes per second to other
	 * load on a shared machine */
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	printf("{\"seconds\":%.3f,\"bytes\":%lld,\"writes\":%lld,\"received\":%lld,\"bytesPerSecond\":%.0f,\"cpuSeconds\":%.3f,"
	       "\"bytesPerCpuSecond\":%.0f}\n",
	       el, sent, writes, (long long)received, sent / el, cpu, cpu > 0 ? sent / cpu : 0);
	return 0;
}
