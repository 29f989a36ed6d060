// SPDX-License-Identifier: GPL-2.0
/*
 * upconf.c - the configuration keys of `mtctl up` (tools/upconf.c, read
 * through tools/ini.c): what a good file gives, that every bad value is
 * refused with FILE:LINE: KEY and the word, that keys that disagree are
 * refused, and that setconf (no up) skips them all. Host-side; TAP.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/ini.h"
#include "../../tools/upconf.h"

static int n_case, n_failed;
static char path[] = "/tmp/mt-upconf-XXXXXX";

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	n_case++;
	if (!ok)
		n_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", n_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

#define KEY "PrivateKey = aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=\n"
#define FULL_PEER "[Peer]\nPublicKey = aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=\n" \
		  "AllowedIPs = 0.0.0.0/0, ::/0\n"
#define SPLIT_PEER "[Peer]\nPublicKey = aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=\n" \
		   "AllowedIPs = 10.0.0.0/24\n"

/* Read text with up keys; the error text (empty when it parsed). */
static int read_text(const char *text, struct mt_device_conf *conf, struct mt_up_conf *up,
		     char *err, size_t errlen)
{
	write_file(text);
	memset(conf, 0, sizeof(*conf));
	memset(up, 0, sizeof(*up));
	err[0] = '\0';
	return mt_ini_read(path, conf, up, err, errlen);
}

static void good(void)
{
	struct mt_device_conf conf;
	struct mt_up_conf up;
	char err[512];
	int ret;

	ret = read_text("[Interface]\n" KEY
			"Address = 10.0.0.2/24, fd00::2/64\nAddress = 10.1.0.2/32\n"
			"DNS = 10.0.0.1, example.com\nMTU = 1380\nTable = 1234\n"
			"PreUp = echo pre\nPostUp = echo post 1\nPostUp = echo post 2\n"
			"PreDown = echo pd\nPostDown = echo down\nSaveConfig = false\n"
			"FullTunnel = rules\nDirect = 192.0.2.0/24, 2001:db8::/32\n"
			"DirectSet = inet meshtun direct\nUsers = 1000-1999, 0, root\n"
			"Gateway = eth0\nForward = tcp/8080 -> 10.0.0.3:80\n"
			"Forward = udp/53 -> [fd00::3]:5353\n\n" FULL_PEER,
			&conf, &up, err, sizeof(err));
	report(!ret, "a file with every up key parses%s%s", ret ? ": " : "", err);
	report(up.addresses.n == 3 && up.addresses.items[0].cidr == 24 &&
	       up.addresses.items[0].addr[3] == 2 && up.addresses.items[1].family == AF_INET6 &&
	       up.addresses.items[2].cidr == 32,
	       "Address: three, host part and prefix length kept");
	report(up.dns_servers.n == 1 && up.n_dns_search == 1 &&
	       !strcmp(up.dns_search[0], "example.com"), "DNS: a server and a search domain");
	report(up.mtu == 1380, "MTU");
	report(up.table_mode == MT_TABLE_NUMBER && up.table == 1234, "Table = 1234");
	report(up.n_hooks[MT_PRE_UP] == 1 && up.n_hooks[MT_POST_UP] == 2 &&
	       !strcmp(up.hooks[MT_POST_UP][1], "echo post 2") && up.n_hooks[MT_PRE_DOWN] == 1 &&
	       up.n_hooks[MT_POST_DOWN] == 1, "hooks, in order, several of one kind");
	report(up.full_tunnel == MT_FULL_RULES, "FullTunnel = rules");
	report(up.direct.n == 2 && up.direct.items[1].cidr == 32, "Direct");
	report(up.n_direct_sets == 1 && !strcmp(up.direct_sets[0].family, "inet") &&
	       !strcmp(up.direct_sets[0].table, "meshtun") &&
	       !strcmp(up.direct_sets[0].set, "direct"), "DirectSet");
	report(up.n_users == 3 && up.users[0].start == 1000 && up.users[0].end == 1999 &&
	       up.users[1].start == 0 && up.users[2].start == 0 && up.users[2].end == 0,
	       "Users: a range, a uid and a name");
	report(!strcmp(up.gateway, "eth0"), "Gateway");
	report(up.n_forwards == 2 && up.forwards[0].protocol == IPPROTO_TCP &&
	       up.forwards[0].port == 8080 && up.forwards[0].to.sin.sin_port == htons(80) &&
	       up.forwards[1].protocol == IPPROTO_UDP &&
	       up.forwards[1].to.sa.sa_family == AF_INET6, "Forward: tcp to IPv4, udp to IPv6");
	report(conf.n_peers == 1 && conf.set_private_key, "the device's own keys are read as ever");
	mt_up_free(&up);
	mt_conf_free(&conf);

	ret = read_text("[Interface]\nTable = off\nFullTunnel = Split-Default\n", &conf, &up,
			err, sizeof(err));
	report(!ret && up.table_mode == MT_TABLE_OFF && up.full_tunnel == MT_FULL_SPLIT_DEFAULT,
	       "Table = off, FullTunnel = split-default (any case)%s%s", ret ? ": " : "", err);
	mt_up_free(&up);
	mt_conf_free(&conf);

	/* setconf: the same keys, even bad values, are skipped. */
	write_file("[Interface]\nAddress = not an address\nUsers = nobody-at-all\n"
		   "Forward = nonsense\n" KEY);
	memset(&conf, 0, sizeof(conf));
	ret = mt_ini_read(path, &conf, NULL, err, sizeof(err));
	report(!ret && conf.set_private_key, "without up (setconf), the up keys are skipped");
	mt_conf_free(&conf);
}

static const struct {
	const char *text;
	const char *error;	/* after "PATH:" */
} bad[] = {
	{ "[Interface]\nAddress = 10.0.0.300/24\n",
	  "2: Address: \"10.0.0.300/24\": not an IPv4 or IPv6 address" },
	{ "[Interface]\nAddress = 10.0.0.1/33\n",
	  "2: Address: \"10.0.0.1/33\": prefix length must be 0 to 32" },
	{ "[Interface]\n\nMTU = 67\n", "3: MTU: \"67\" is not an MTU (68 to 65535)" },
	{ "[Interface]\nMTU = 1400x\n", "2: MTU: \"1400x\" is not an MTU (68 to 65535)" },
	{ "[Interface]\nTable = 255\n",
	  "2: Table: \"255\" is not a table (off, auto, main or a number other than 0 and 255)" },
	{ "[Interface]\nTable = -1\n",
	  "2: Table: \"-1\" is not a table (off, auto, main or a number other than 0 and 255)" },
	{ "[Interface]\nSaveConfig = true\n",
	  "2: SaveConfig: \"true\": mtctl never writes the file back (false only)" },
	{ "[Interface]\nFullTunnel = always\n",
	  "2: FullTunnel: \"always\" is not auto, rules, split-default or off" },
	{ "[Interface]\nDirect = 192.0.2.1/24\n",
	  "2: Direct: \"192.0.2.1/24\": host bits set after /24" },
	{ "[Interface]\nTunnel = 10.0.0.0/8, fd00::/129\n",
	  "2: Tunnel: \"fd00::/129\": prefix length must be 0 to 128" },
	{ "[Interface]\nDirectSet = inet meshtun\n",
	  "2: DirectSet: want FAMILY TABLE SET, as \"inet meshtun direct\"" },
	{ "[Interface]\nDirectSet = bridge t s\n",
	  "2: DirectSet: \"bridge\" is not an nftables family (ip, ip6 or inet)" },
	{ "[Interface]\nDirectSet = ip t s;x\n",
	  "2: DirectSet: \"s;x\" is not an nftables set name" },
	{ "[Interface]\nUsers = 1000-999\n",
	  "2: Users: \"1000-999\": the range ends before it starts" },
	{ "[Interface]\nUsers = 1000-x\n", "2: Users: \"1000-x\" is not a uid or uid range" },
	{ "[Interface]\nBypassUsers = no-such-user-here\n",
	  "2: BypassUsers: \"no-such-user-here\" is no user of this system" },
	{ "[Interface]\nGateway = eth0/1\n", "2: Gateway: \"eth0/1\" is not an interface name" },
	{ "[Interface]\nGateway = a-very-long-interface\n",
	  "2: Gateway: \"a-very-long-interface\" is not an interface name" },
	{ "[Interface]\nForward = tcp/80 10.0.0.3:80\n",
	  "2: Forward: want PROTO/PORT -> ADDRESS:PORT, as \"tcp/80 -> 10.0.0.3:80\"" },
	{ "[Interface]\nForward = sctp/80 -> 10.0.0.3:80\n",
	  "2: Forward: \"sctp\" is not a protocol (tcp or udp)" },
	{ "[Interface]\nForward = tcp/0 -> 10.0.0.3:80\n",
	  "2: Forward: \"0\" is not a port (1 to 65535)" },
	{ "[Interface]\nForward = tcp/80 -> host.example:80\n",
	  "2: Forward: \"host.example:80\": want a numeric ADDRESS:PORT" },
	{ "[Interface]\nForward = tcp/80 -> 10.0.0.3\n",
	  "2: Forward: \"10.0.0.3\": expected HOST:PORT or [IPV6]:PORT" },
	{ "[Interface]\nDNS = 10.0.0.0/8\n",
	  "2: DNS: \"10.0.0.0/8\" is neither an address nor a domain" },
	{ "[Interface]\nNoSuchKey = 1\n", "2: NoSuchKey: unknown key in [Interface]" },
	/* Keys that disagree: the file, no line. */
	{ "[Interface]\nUsers = 0\nBypassUsers = 0\n",
	  " Users and BypassUsers: give one or the other" },
	{ "[Interface]\nDirect = 192.0.2.0/24\n" SPLIT_PEER,
	  " Direct and DirectSet need a full tunnel (a peer with AllowedIPs 0.0.0.0/0 or ::/0)" },
	{ "[Interface]\nDirect = 192.0.2.0/24\nTunnel = 10.0.0.0/8\n" FULL_PEER,
	  " Tunnel and Direct: give one or the other" },
	{ "[Interface]\nUsers = 0\nFullTunnel = split-default\n" FULL_PEER,
	  " Users, BypassUsers and DirectSet need policy rules: FullTunnel = split-default has none" },
	{ "[Interface]\nTunnel = 10.0.0.0/8\nTable = off\n",
	  " Table = off installs no routes: Users, BypassUsers, Direct, DirectSet and Tunnel need them" },
	{ "[Interface]\nForward = tcp/80 -> 10.0.0.3:80\n",
	  " Forward needs Gateway (the interface the ports are on)" },
};

int main(void)
{
	struct mt_device_conf conf;
	struct mt_up_conf up;
	char err[512], want[512];
	size_t i;
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	good();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = read_text(bad[i].text, &conf, &up, err, sizeof(err));

		snprintf(want, sizeof(want), "%s:%s", path, bad[i].error);
		report(ret && !strcmp(err, want), "refused: %s%s%s", bad[i].error,
		       ret && !strcmp(err, want) ? "" : "\n# got: ", ret ? (strcmp(err, want) ? err : "") :
		       "it parsed");
		mt_up_free(&up);
		mt_conf_free(&conf);
	}
	unlink(path);
	printf("1..%d\n", n_case);
	return n_failed != 0;
}
