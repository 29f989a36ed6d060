// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: small-request TCP round trips (a request/response
 * workload's latency, as netperf's TCP_RR measures it).
 *
 *   tcp_rr server ADDR PORT          answer every 64-byte request with 64
 *                                    bytes, one connection, then exit
 *   tcp_rr client ADDR PORT COUNT    send COUNT requests one after the
 *                                    other; print "p50 p99" in microseconds
 *
 * Both sides set TCP_NODELAY so that each request is one segment.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_SIZE 64

static void die(const char *what)
{
	fprintf(stderr, "tcp_rr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int full_io(int fd, char *buf, int is_read)
{
	size_t done = 0;

	while (done < MESSAGE_SIZE) {
		ssize_t n = is_read ? read(fd, buf + done, MESSAGE_SIZE - done) :
				      write(fd, buf + done, MESSAGE_SIZE - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static void address(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "tcp_rr: bad IPv4 address '%s'\n", addr);
		exit(2);
	}
}

static void no_delay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY");
}

static int serve(const struct sockaddr_in *sin)
{
	char buf[MESSAGE_SIZE];
	int one = 1, lfd, fd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (const struct sockaddr *)sin, sizeof(*sin)) || listen(lfd, 1))
		die("bind/listen");
	/* The caller waits for this line before it starts the client. */
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	no_delay(fd);
	while (!full_io(fd, buf, 1))
		if (full_io(fd, buf, 0))
			break;
	close(fd);
	close(lfd);
	return 0;
}

static int compare(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static int run_client(const struct sockaddr_in *sin, long count)
{
	char buf[MESSAGE_SIZE] = { 0 };
	long *rtt, i;
	int fd;

	rtt = calloc(count, sizeof(*rtt));
	if (!rtt)
		die("calloc");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)sin, sizeof(*sin)))
		die("connect");
	no_delay(fd);
	for (i = 0; i < count; i++) {
		long t0 = now_ns();

		if (full_io(fd, buf, 0) || full_io(fd, buf, 1))
			die("round trip");
		rtt[i] = now_ns() - t0;
	}
	close(fd);
	qsort(rtt, count, sizeof(*rtt), compare);
	printf("%ld %ld\n", rtt[(count - 1) / 2] / 1000, rtt[(count * 99 - 1) / 100] / 1000);
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin;

	if (argc == 4 && !strcmp(argv[1], "server")) {
		address(&sin, argv[2], argv[3]);
		return serve(&sin);
	}
	if (argc == 5 && !strcmp(argv[1], "client") && atol(argv[4]) > 0) {
		address(&sin, argv[2], argv[3]);
		return run_client(&sin, atol(argv[4]));
	}
	fprintf(stderr, "usage: tcp_rr server ADDR PORT | tcp_rr client ADDR PORT COUNT\n");
	return 2;
}
