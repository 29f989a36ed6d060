// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - a fuzzer for the meshtun generic netlink family.
 *
 * usage: fuzz-netlink [-n REQUESTS] [-t SECONDS] [-j PROCESSES] [-s SEED] DEV...
 *        fuzz-netlink -F MIRROR [-n REQUESTS] [-t SECONDS] [-s SEED] DEV
 *
 * Each process sends requests built from valid skeletons of SET_DEVICE and
 * GET_DEVICE for the given devices (keys from a small pool, so peers are
 * added, changed and removed again; endpoints, keepalives, allowed IPs of
 * both families), then mutated: attribute lengths and types corrupted,
 * nesting flags flipped, bytes flipped, attributes duplicated, messages
 * truncated, unknown commands, flags and versions. Every request asks for
 * an acknowledgement, and every one must get an answer (an error, an
 * acknowledgement or a complete dump) within the receive timeout.
 *
 * Prints TAP: one line per process (requests sent, answers by kind) and
 * exits non-zero when a request went unanswered or a reply was malformed.
 * Stops after REQUESTS requests per process or SECONDS seconds, whichever
 * comes first. The seed is printed, so a run can be repeated.
 *
 * With -F (fault mode; failslab configured with task-filter by the caller)
 * one process sends well-formed requests to DEV with slab allocation
 * failures injected into it (/proc/self/make-it-fail), and checks that
 * each one is all or nothing: a refused request leaves DEV's configuration
 * as it was, and an accepted one leaves it the same as MIRROR's after the
 * same request, sent to MIRROR without faults. Needs at least one request
 * refused with ENOMEM, or nothing was injected.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/meshtun.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define BUF_SIZE 65536
#define MAX_ATTRS 512
#define KEY_POOL 16

struct msgbuf {
	uint8_t data[BUF_SIZE];
	size_t len;
	/* Offsets of every attribute header written, for the mutations. */
	size_t attrs[MAX_ATTRS];
	int n_attrs;
};

struct tally {
	unsigned long sent, acked, errors, dumps, dump_messages;
	/* Fault mode: allocation failures seen, answers lost to them. */
	unsigned long enomem, lost;
	int last_error;	/* of the last answer: 0, -errno, or ANSWER_LOST */
};

/* The kernel could not allocate the answer: its socket reports ENOBUFS. */
#define ANSWER_LOST 1

static int family_id;
/* Fault mode: the mirror device, and where the request names its device. */
static int fault_mode;
static uint32_t mirror_ifindex;
static size_t device_attr_at;
static char **devices;
static int n_devices;
static uint32_t ifindexes[8];
static uint8_t key_pool[KEY_POOL][MESHTUN_KEY_LEN];

/* xorshift64*: fast, seedable, good enough to explore inputs. */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static int chance(int percent)
{
	return (int)rnd(100) < percent;
}

/*
 * Half the requests are wild: their fields go wrong now and then. The
 * other half are well formed, so that the device fills with peers and
 * allowed IPs and the wild ones meet a configuration worth corrupting.
 */
static int wild;

static int bad(int percent)
{
	return wild && chance(percent);
}

static void rnd_bytes(void *p, size_t len)
{
	uint8_t *b = p;

	while (len--)
		*b++ = (uint8_t)rnd64();
}

/* ---- building ---- */

static void *put(struct msgbuf *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;
	size_t total = NLA_HDRLEN + len;

	if (m->len + NLA_ALIGN(total) > BUF_SIZE || total > 0xffff)
		return NULL;
	a = (struct nlattr *)(m->data + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)total;
	if (data)
		memcpy(a + 1, data, len);
	else
		rnd_bytes(a + 1, len);
	memset((uint8_t *)(a + 1) + len, 0, NLA_ALIGN(total) - total);
	if (m->n_attrs < MAX_ATTRS)
		m->attrs[m->n_attrs++] = m->len;
	m->len += NLA_ALIGN(total);
	return a + 1;
}

static void put_u16(struct msgbuf *m, uint16_t type, uint16_t v)
{
	put(m, type, &v, sizeof(v));
}

static void put_u32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, sizeof(v));
}

static size_t nest_start(struct msgbuf *m, uint16_t type)
{
	size_t at = m->len;

	/* Nests carry the flag, as libnl and the kernel set it; wild ones not always. */
	if (!put(m, bad(10) ? type : type | NLA_F_NESTED, NULL, 0))
		return (size_t)-1;
	return at;
}

static void nest_end(struct msgbuf *m, size_t at)
{
	if (at != (size_t)-1)
		((struct nlattr *)(m->data + at))->nla_len = (uint16_t)(m->len - at);
}

/* A length: mostly the right one, sometimes one off, empty or large. */
static size_t fuzz_len(size_t right)
{
	if (!wild)
		return right;
	switch (rnd(20)) {
	case 0:
		return 0;
	case 1:
		return right - (right > 0);
	case 2:
		return right + 1;
	case 3:
		return rnd(300);
	default:
		return right;
	}
}

static void put_key(struct msgbuf *m, uint16_t type)
{
	size_t len = fuzz_len(MESHTUN_KEY_LEN);
	uint8_t key[512];

	if (len <= MESHTUN_KEY_LEN && !bad(20))
		memcpy(key, key_pool[rnd(KEY_POOL)], MESHTUN_KEY_LEN);
	else
		rnd_bytes(key, sizeof(key));
	put(m, type, key, len);
}

static void put_endpoint(struct msgbuf *m)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (chance(50)) {
		sin.sin_port = bad(10) ? 0 : htons(1 + rnd(65535));
		sin.sin_addr.s_addr = chance(50) ? htonl(0x7f000001) : (uint32_t)rnd64();
		if (bad(5))
			sin.sin_family = (sa_family_t)rnd(64);
		put(m, MESHTUN_PEER_A_ENDPOINT, &sin, fuzz_len(sizeof(sin)) % (sizeof(sin6) + 8));
	} else {
		sin6.sin6_port = bad(10) ? 0 : htons(1 + rnd(65535));
		rnd_bytes(&sin6.sin6_addr, sizeof(sin6.sin6_addr));
		if (chance(30))
			sin6.sin6_scope_id = rnd(4);
		put(m, MESHTUN_PEER_A_ENDPOINT, &sin6, fuzz_len(sizeof(sin6)) % (sizeof(sin6) + 8));
	}
}

static void put_allowedip(struct msgbuf *m)
{
	size_t nest = nest_start(m, 0);
	int v6 = chance(50);
	uint8_t addr[20];
	uint8_t cidr;

	rnd_bytes(addr, sizeof(addr));
	if (!bad(5))
		put_u16(m, MESHTUN_ALLOWEDIP_A_FAMILY, bad(3) ? rnd(64) : v6 ? AF_INET6 : AF_INET);
	if (!bad(5))
		put(m, MESHTUN_ALLOWEDIP_A_IPADDR, addr, bad(5) ? rnd(20) : v6 ? 16 : 4);
	cidr = bad(5) ? (uint8_t)rnd(256) : (uint8_t)rnd(v6 ? 129 : 33);
	if (!bad(5))
		put(m, MESHTUN_ALLOWEDIP_A_CIDR_MASK, &cidr, fuzz_len(1) % 8);
	if (chance(20))
		put_u32(m, MESHTUN_ALLOWEDIP_A_FLAGS,
			bad(20) ? (uint32_t)rnd64() : MESHTUN_ALLOWEDIP_F_REMOVE_ME);
	if (bad(3))
		put(m, (uint16_t)rnd(16), NULL, rnd(40));
	nest_end(m, nest);
}

static void put_peer(struct msgbuf *m)
{
	size_t nest = nest_start(m, 0), ips;
	int i, n;

	if (!bad(3))
		put_key(m, MESHTUN_PEER_A_PUBLIC_KEY);
	if (chance(20))
		put_key(m, MESHTUN_PEER_A_PRESHARED_KEY);
	if (chance(25)) {
		static const uint32_t flags[] = {
			MESHTUN_PEER_F_REMOVE_ME, MESHTUN_PEER_F_REPLACE_ALLOWEDIPS,
			MESHTUN_PEER_F_UPDATE_ONLY, 0,
		};
		put_u32(m, MESHTUN_PEER_A_FLAGS, bad(10) ? (uint32_t)rnd64() : flags[rnd(4)]);
	}
	if (chance(40))
		put_endpoint(m);
	if (chance(20))
		put_u16(m, MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
			(uint16_t)rnd(wild ? 65536 : 30));
	if (chance(15)) {
		uint8_t hub = bad(10) ? (uint8_t)rnd(256) : (uint8_t)rnd(2);

		put(m, MESHTUN_PEER_A_HUB, &hub, 1);
	}
	/* Attributes a get returns and a set must refuse. */
	if (bad(3))
		put(m, MESHTUN_PEER_A_PATH, NULL, 1);
	if (bad(3))
		put(m, MESHTUN_PEER_A_LAST_HANDSHAKE_TIME, NULL, 16);
	if (bad(3))
		put(m, MESHTUN_PEER_A_RX_BYTES, NULL, 8);
	if (bad(3))
		put(m, MESHTUN_PEER_A_PROTOCOL_VERSION, NULL, 4);
	if (bad(3))
		put(m, (uint16_t)(MESHTUN_PEER_A_MAX + 1 + rnd(20)), NULL, rnd(16));
	if (chance(60)) {
		ips = nest_start(m, MESHTUN_PEER_A_ALLOWEDIPS);
		n = (int)rnd(bad(5) ? 64 : 6);
		for (i = 0; i < n; i++)
			put_allowedip(m);
		nest_end(m, ips);
	}
	nest_end(m, nest);
}

static void put_device(struct msgbuf *m)
{
	char name[IFNAMSIZ + 8];
	int d = (int)rnd((uint32_t)n_devices);

	if (fault_mode) {	/* by index, so that the mirror's can replace it */
		device_attr_at = m->len + NLA_HDRLEN;
		put_u32(m, MESHTUN_DEVICE_A_IFINDEX, ifindexes[0]);
		return;
	}
	if (chance(70)) {
		put_u32(m, MESHTUN_DEVICE_A_IFINDEX, bad(10) ? (uint32_t)rnd64() : ifindexes[d]);
	} else if (!bad(10)) {
		put(m, MESHTUN_DEVICE_A_IFNAME, devices[d], strlen(devices[d]) + 1);
	} else {
		rnd_bytes(name, sizeof(name));
		put(m, MESHTUN_DEVICE_A_IFNAME, name, rnd(sizeof(name)));
	}
	if (bad(5))
		put_u32(m, MESHTUN_DEVICE_A_IFINDEX, ifindexes[rnd((uint32_t)n_devices)]);
}

/* A request: a valid-looking skeleton, then perhaps mutations. */
static void build_request(struct msgbuf *m, uint32_t seq, int *is_dump)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->data;
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);
	size_t peers;
	int i, n, mutations;

	memset(m->data, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->n_attrs = 0;
	nlh->nlmsg_type = (uint16_t)family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g->version = bad(3) ? (uint8_t)rnd(256) : MESHTUN_GENL_VERSION;
	*is_dump = 0;
	wild = !fault_mode && chance(50);

	if (chance(15)) {
		g->cmd = MESHTUN_CMD_GET_DEVICE;
		if (chance(90)) {
			nlh->nlmsg_flags |= NLM_F_DUMP;
			*is_dump = 1;
		}
		put_device(m);
	} else {
		g->cmd = bad(5) ? (uint8_t)rnd(256) : MESHTUN_CMD_SET_DEVICE;
		put_device(m);
		if (chance(20))
			put_key(m, MESHTUN_DEVICE_A_PRIVATE_KEY);
		if (bad(3))
			put_key(m, MESHTUN_DEVICE_A_PUBLIC_KEY);
		if (chance(10))
			put_u16(m, MESHTUN_DEVICE_A_LISTEN_PORT,
				chance(50) ? 0 : (uint16_t)(40000 + rnd(20000)));
		if (chance(10))
			put_u32(m, MESHTUN_DEVICE_A_FWMARK, (uint32_t)rnd64());
		if (chance(10)) {
			uint8_t relay = bad(10) ? (uint8_t)rnd(256) : (uint8_t)rnd(2);

			put(m, MESHTUN_DEVICE_A_RELAY, &relay, 1);
		}
		if (chance(3))
			put_u32(m, MESHTUN_DEVICE_A_FLAGS, bad(30) ? (uint32_t)rnd64() :
				MESHTUN_DEVICE_F_REPLACE_PEERS);
		if (chance(80)) {
			peers = nest_start(m, MESHTUN_DEVICE_A_PEERS);
			n = (int)rnd(bad(5) ? 40 : 5);
			for (i = 0; i < n; i++)
				put_peer(m);
			nest_end(m, peers);
		}
		if (bad(3))
			put(m, (uint16_t)(MESHTUN_DEVICE_A_MAX + 1 + rnd(20)), NULL, rnd(16));
	}

	mutations = bad(50) ? 1 + (int)rnd(4) : 0;
	for (i = 0; i < mutations && m->len > NLMSG_HDRLEN + GENL_HDRLEN; i++) {
		struct nlattr *a = m->n_attrs ?
			(struct nlattr *)(m->data + m->attrs[rnd((uint32_t)m->n_attrs)]) : NULL;

		switch (rnd(6)) {
		case 0:	/* a byte anywhere after the headers */
			m->data[NLMSG_HDRLEN + GENL_HDRLEN +
				rnd((uint32_t)(m->len - NLMSG_HDRLEN - GENL_HDRLEN))] ^=
				(uint8_t)(1 + rnd(255));
			break;
		case 1:	/* an attribute's length */
			if (a)
				a->nla_len = chance(50) ? (uint16_t)rnd64() : (uint16_t)(a->nla_len + rnd(9) - 4);
			break;
		case 2:	/* an attribute's type, or its nesting flag */
			if (a)
				a->nla_type = chance(50) ? (uint16_t)(a->nla_type ^ NLA_F_NESTED) :
							   (uint16_t)rnd(24);
			break;
		case 3:	/* cut the message short */
			m->len = NLMSG_HDRLEN + GENL_HDRLEN +
				rnd((uint32_t)(m->len - NLMSG_HDRLEN - GENL_HDRLEN));
			break;
		case 4:	/* the same attribute twice */
			if (a && m->len + NLA_ALIGN(a->nla_len) <= BUF_SIZE &&
			    (uint8_t *)a + NLA_ALIGN(a->nla_len) <= m->data + m->len) {
				memcpy(m->data + m->len, a, NLA_ALIGN(a->nla_len));
				m->len += NLA_ALIGN(a->nla_len);
			}
			break;
		default: /* random header flags */
			nlh->nlmsg_flags |= (uint16_t)(rnd64() & 0x0f00);
			break;
		}
	}
	nlh->nlmsg_len = (uint32_t)m->len;
	/* What the kernel will take for a dump, whatever the skeleton was. */
	*is_dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

/* ---- talking ---- */

/*
 * Read until the answer to seq: an error or acknowledgement message, or
 * a dump's NLMSG_DONE. Returns 0 when answered, -1 on a timeout or a
 * malformed reply (with the reason printed).
 */
static int await_answer(int fd, uint32_t seq, int is_dump, struct tally *t)
{
	static uint8_t buf[BUF_SIZE * 2];

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		int rem;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS && fault_mode) {
				t->lost++;
				t->last_error = ANSWER_LOST;
				return 0;
			}
			printf("# seq %u: no answer: %s\n", seq, strerror(errno));
			return -1;
		}
		rem = (int)len;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* the rest of an abandoned dump */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error > 0) {
					printf("# seq %u: a malformed error message\n", seq);
					return -1;
				}
				if (e->error)
					t->errors++;
				else
					t->acked++;
				if (e->error == -ENOMEM)
					t->enomem++;
				t->last_error = e->error;
				/* A dump's own errors end it; an ACK after a dump is its end too. */
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				t->dumps++;
				t->last_error = 0;
				return 0;
			}
			if (nlh->nlmsg_type != family_id) {
				printf("# seq %u: a reply of type %u\n", seq, nlh->nlmsg_type);
				return -1;
			}
			if (!is_dump) {
				printf("# seq %u: data in answer to a request that was no dump\n", seq);
				return -1;
			}
			t->dump_messages++;
		}
		if (rem) {
			printf("# seq %u: %d bytes of a truncated message\n", seq, rem);
			return -1;
		}
	}
}

/* A generic netlink socket with extacks, a 20 s receive timeout and room for dumps. */
static int open_socket(void)
{
	struct timeval tv = { .tv_sec = 20 };
	int fd, one = 1, bufsize = 1 << 20;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0) {
		printf("# netlink socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	return fd;
}

static int fuzz(unsigned long requests, time_t deadline, struct tally *t)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static struct msgbuf m;
	unsigned long i;
	int fd, is_dump;

	fd = open_socket();
	if (fd < 0)
		return -1;
	for (i = 0; i < requests && time(NULL) < deadline; i++) {
		uint32_t seq = (uint32_t)i + 1;

		build_request(&m, seq, &is_dump);
		if (sendto(fd, m.data, m.len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
			/* The kernel refuses some headers outright: that is an answer. */
			t->sent++;
			t->errors++;
			continue;
		}
		t->sent++;
		if (await_answer(fd, seq, is_dump, t)) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* ---- fault mode ---- */

/* A device's configuration as its dump gives it, as bytes to compare. */
struct snapshot {
	uint8_t *data;
	size_t len, cap;
};

static int snap_add(struct snapshot *s, const void *p, size_t len)
{
	if (s->len + len > s->cap) {
		size_t cap = (s->len + len) * 2;
		uint8_t *data = realloc(s->data, cap);

		if (!data)
			return -1;
		s->data = data;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, len);
	s->len += len;
	return 0;
}

static int same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/*
 * Every attribute of a dump message but those that differ between a
 * device and its mirror: the device's index and name, a peer's byte
 * counters, last handshake time and mesh path state. Attributes are taken whole (header
 * and payload), nests descended into where something inside is skipped.
 */
static int snap_message(struct snapshot *s, const struct nlmsghdr *nlh)
{
	struct nlattr *a, *peer, *pa;
	int rem, prem, parem;

	nla_for_each_attr(a, (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN),
			  (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rem) {
		switch (nla_type(a)) {
		case MESHTUN_DEVICE_A_IFINDEX:
		case MESHTUN_DEVICE_A_IFNAME:
			continue;
		case MESHTUN_DEVICE_A_PEERS:
			nla_for_each_nested(peer, a, prem) {
				if (snap_add(s, "[peer]", 6))
					return -1;
				nla_for_each_nested(pa, peer, parem) {
					if (nla_type(pa) == MESHTUN_PEER_A_LAST_HANDSHAKE_TIME ||
					    nla_type(pa) == MESHTUN_PEER_A_RX_BYTES ||
					    nla_type(pa) == MESHTUN_PEER_A_TX_BYTES ||
					    nla_type(pa) == MESHTUN_PEER_A_MESH ||
					    nla_type(pa) == MESHTUN_PEER_A_PATH ||
					    nla_type(pa) == MESHTUN_PEER_A_RELAY_HUB)
						continue;
					if (snap_add(s, pa, NLA_ALIGN(pa->nla_len)))
						return -1;
				}
			}
			continue;
		default:
			if (snap_add(s, a, NLA_ALIGN(a->nla_len)))
				return -1;
		}
	}
	return 0;
}

/* Dump the device with the given index into s (faults off). */
static int take_snapshot(int fd, uint32_t ifindex, uint32_t seq, struct snapshot *s)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static uint8_t buf[BUF_SIZE * 2];
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr g;
		struct nlattr a;
		uint32_t ifindex;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req), .nlmsg_type = (uint16_t)family_id,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = seq },
		.g = { .cmd = MESHTUN_CMD_GET_DEVICE, .version = MESHTUN_GENL_VERSION },
		.a = { .nla_len = NLA_HDRLEN + sizeof(uint32_t), .nla_type = MESHTUN_DEVICE_A_IFINDEX },
		.ifindex = ifindex,
	};

	s->len = 0;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		printf("# dump of %u: %s\n", ifindex, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		int rem;

		if (len < 0) {
			printf("# dump of %u: %s\n", ifindex, strerror(errno));
			return -1;
		}
		rem = (int)len;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				printf("# dump of %u: %s\n", ifindex,
				       strerror(-((struct nlmsgerr *)NLMSG_DATA(nlh))->error));
				return -1;
			}
			if (snap_message(s, nlh)) {
				printf("# dump of %u: out of memory\n", ifindex);
				return -1;
			}
		}
	}
}

static int make_it_fail(int fd, int on)
{
	if (pwrite(fd, on ? "1" : "0", 1, 0) != 1) {
		printf("# /proc/self/make-it-fail: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Send a request and wait for its answer, its outcome in t->last_error.
 * (A dump that failed to allocate may still be running when its error
 * comes: the caller closes the socket of a dump.)
 */
static int send_request(int fd, const struct msgbuf *m, uint32_t seq, int is_dump, struct tally *t)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	t->sent++;
	if (sendto(fd, m->data, m->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		t->errors++;
		t->last_error = -errno;
		if (errno == ENOMEM || errno == ENOBUFS)
			t->enomem++;
		return 0;
	}
	return await_answer(fd, seq, is_dump, t);
}

static int fault_run(unsigned long requests, time_t deadline, struct tally *t)
{
	struct snapshot before = { 0 }, after = { 0 }, mirror = { 0 };
	struct tally mirror_tally = { 0 };
	static struct msgbuf m;
	int fd = -1, snap_fd, mf, ret = -1, is_dump;
	uint32_t seq = 0;
	unsigned long i;

	mf = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (mf < 0) {
		printf("# /proc/self/make-it-fail: %s (no CONFIG_FAULT_INJECTION?)\n",
		       strerror(errno));
		return -1;
	}
	/* Snapshots on a socket of their own, never in the middle of a dump. */
	snap_fd = open_socket();
	if (snap_fd < 0) {
		close(mf);
		return -1;
	}
	for (i = 0; i < requests && time(NULL) < deadline; i++) {
		uint32_t req_seq = ++seq;
		int failed;

		build_request(&m, req_seq, &is_dump);
		if (!is_dump && take_snapshot(snap_fd, ifindexes[0], ++seq, &before))
			goto out;
		if (fd < 0 && (fd = open_socket()) < 0)
			goto out;
		if (make_it_fail(mf, 1))
			goto out;
		failed = send_request(fd, &m, req_seq, is_dump, t);
		if (make_it_fail(mf, 0) || failed)
			goto out;
		if (is_dump) {
			close(fd);
			fd = -1;
			continue;
		}
		if (take_snapshot(snap_fd, ifindexes[0], ++seq, &after))
			goto out;
		if (t->last_error < 0) {
			if (!same_snapshot(&before, &after)) {
				printf("# seq %u: refused (%s), but the device changed\n", req_seq,
				       strerror(-t->last_error));
				goto out;
			}
			continue;
		}
		/* An answer lost with nothing changed: the request may have failed. */
		if (t->last_error == ANSWER_LOST && same_snapshot(&before, &after))
			continue;
		/* Accepted: the mirror takes the same request, without faults. */
		memcpy(m.data + device_attr_at, &mirror_ifindex, sizeof(mirror_ifindex));
		((struct nlmsghdr *)m.data)->nlmsg_seq = ++seq;
		if (send_request(fd, &m, seq, 0, &mirror_tally))
			goto out;
		if (mirror_tally.last_error) {
			printf("# seq %u: the device took it, the mirror refused it (%s)\n", req_seq,
			       mirror_tally.last_error < 0 ? strerror(-mirror_tally.last_error) :
							     "answer lost");
			goto out;
		}
		if (take_snapshot(snap_fd, mirror_ifindex, ++seq, &mirror))
			goto out;
		if (!same_snapshot(&after, &mirror)) {
			printf("# seq %u: accepted, but the device and the mirror differ "
			       "(%zu and %zu bytes of configuration)\n", req_seq, after.len, mirror.len);
			goto out;
		}
	}
	ret = 0;
out:
	free(before.data);
	free(after.data);
	free(mirror.data);
	if (fd >= 0)
		close(fd);
	close(snap_fd);
	close(mf);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned long requests = 10000, seconds = 60, procs = 2;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	struct nl_sock *sk;
	int opt, i, failed = 0;
	time_t deadline;

	const char *mirror = NULL;

	while ((opt = getopt(argc, argv, "n:t:j:s:F:")) != -1) {
		switch (opt) {
		case 'F':
			mirror = optarg;
			fault_mode = 1;
			break;
		case 'n':
			requests = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoul(optarg, NULL, 0);
			break;
		case 'j':
			procs = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n REQUESTS] [-t SECONDS] [-j PROCESSES] [-s SEED] DEV...\n"
				"       %s -F MIRROR [-n REQUESTS] [-t SECONDS] [-s SEED] DEV\n",
				argv[0], argv[0]);
			return 2;
		}
	}
	devices = argv + optind;
	n_devices = argc - optind;
	if (n_devices < 1 || n_devices > 8 || procs < 1 || procs > 64) {
		fprintf(stderr, "%s: 1 to 8 devices, 1 to 64 processes\n", argv[0]);
		return 2;
	}
	if (fault_mode && n_devices != 1) {
		fprintf(stderr, "%s: -F takes one device beside the mirror\n", argv[0]);
		return 2;
	}
	if (mirror && !(mirror_ifindex = if_nametoindex(mirror))) {
		fprintf(stderr, "%s: no device %s\n", argv[0], mirror);
		return 2;
	}
	for (i = 0; i < n_devices; i++) {
		ifindexes[i] = if_nametoindex(devices[i]);
		if (!ifindexes[i]) {
			fprintf(stderr, "%s: no device %s\n", argv[0], devices[i]);
			return 2;
		}
	}
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) || (family_id = genl_ctrl_resolve(sk, MESHTUN_GENL_NAME)) < 0) {
		fprintf(stderr, "%s: no meshtun generic netlink family\n", argv[0]);
		return 2;
	}
	nl_socket_free(sk);
	rng_state = seed | 1;
	for (i = 0; i < KEY_POOL; i++)
		rnd_bytes(key_pool[i], MESHTUN_KEY_LEN);
	printf("# seed %llu, %lu processes, %lu requests or %lu s each\n",
	       (unsigned long long)seed, procs, requests, seconds);
	fflush(stdout);

	deadline = time(NULL) + (time_t)seconds;
	if (fault_mode) {
		struct tally t = { 0 };
		int ret = fault_run(requests, deadline, &t);
		/* Faults that never struck, or requests that never got through, test nothing. */
		int idle = !ret && (!t.enomem || !t.acked);

		printf("%s 1 - %lu requests with slab faults injected: %lu accepted, %lu refused "
		       "(%lu out of memory), %lu answers lost, %lu dumps; %s\n",
		       ret || idle ? "not ok" : "ok", t.sent, t.acked, t.errors, t.enomem, t.lost,
		       t.dumps, ret ? "one was not all or nothing" :
		       !t.enomem ? "no allocation failed" : !t.acked ? "none was accepted" :
		       "each all or nothing");
		printf("1..1\n");
		return ret || idle;
	}
	for (i = 0; i < (int)procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			struct tally t = { 0 };
			int ret, few;

			rng_state = (seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1)) | 1;
			ret = fuzz(requests, deadline, &t);
			/* A fuzzer whose requests all bounce explores nothing past the checks. */
			few = !ret && t.acked * 10 < t.sent;
			printf("%s %d - process %d: %lu requests: %lu acknowledged, %lu refused, "
			       "%lu dumps (%lu messages)%s\n", ret || few ? "not ok" : "ok", i + 1, i,
			       t.sent, t.acked, t.errors, t.dumps, t.dump_messages,
			       ret ? ", then one went unanswered" :
			       few ? ": fewer than 1 in 10 accepted" : "");
			fflush(stdout);
			_exit(ret || few ? 1 : 0);
		}
	}
	for (i = 0; i < (int)procs; i++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	printf("1..%lu\n", procs);
	return failed;
}
