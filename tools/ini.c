// SPDX-License-Identifier: GPL-2.0
/*
 * ini.c - WireGuard-format configuration files.
 */
#include "ini.h"
#include "key.h"
#include "parse.h"
#include "upconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
	const char *path;
	unsigned int line;
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, const char *key, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (key)
		n = snprintf(r->err, r->errlen, "%s:%u: %s: ", r->path, r->line, key);
	else
		n = snprintf(r->err, r->errlen, "%s:%u: ", r->path, r->line);
	if (n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_allowedips(struct reader *r, const char *key, struct mt_peer_conf *peer,
			    char *value)
{
	char *save = NULL, *item;
	const char *why = NULL;

	for (item = strtok_r(value, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		struct mt_allowedip *ip;

		item = mt_trim(item);
		if (!*item)
			continue;
		ip = mt_conf_add_allowedip(peer);
		if (!ip)
			return -ENOMEM;
		if (mt_parse_cidr(ip, item, &why))
			return fail(r, key, "\"%s\": %s", item, why);
	}
	return 0;
}

static int interface_key(struct reader *r, struct mt_device_conf *conf, struct mt_up_conf *up,
			 const char *key, char *value)
{
	char why[256];
	int ret;

	if (!strcasecmp(key, "PrivateKey")) {
		if (!mt_key_from_base64(conf->private_key, value))
			return fail(r, key, "not a base64 key of 32 bytes");
		conf->set_private_key = true;
	} else if (!strcasecmp(key, "ListenPort")) {
		if (mt_parse_u16(&conf->listen_port, value))
			return fail(r, key, "\"%s\" is not a port (0 to 65535)", value);
		conf->set_listen_port = true;
	} else if (!strcasecmp(key, "FwMark")) {
		if (mt_parse_fwmark(&conf->fwmark, value))
			return fail(r, key, "\"%s\" is not a mark (a 32-bit number or off)", value);
		conf->set_fwmark = true;
	} else if (!strcasecmp(key, "Relay")) {
		if (mt_parse_switch(&conf->relay, value))
			return fail(r, key, "\"%s\" is not yes or no", value);
		conf->set_relay = true;
	} else if (!up) {
		/* setconf and addconf leave these to `mtctl up`, as wg leaves them to wg-quick. */
		if (!mt_up_is_key(key))
			return fail(r, key, "unknown key in [Interface]");
	} else {
		ret = mt_up_key(up, key, value, why, sizeof(why));
		if (ret < 0)
			return ret == -EINVAL ? fail(r, key, "%s", why) : ret;
		if (!ret)
			return fail(r, key, "unknown key in [Interface]");
	}
	return 0;
}

static int peer_key(struct reader *r, struct mt_peer_conf *peer, bool *has_key,
		    const char *key, char *value)
{
	const char *why = NULL;

	if (!strcasecmp(key, "PublicKey")) {
		if (!mt_key_from_base64(peer->public_key, value))
			return fail(r, key, "not a base64 key of 32 bytes");
		*has_key = true;
	} else if (!strcasecmp(key, "PresharedKey")) {
		if (!mt_key_from_base64(peer->preshared_key, value))
			return fail(r, key, "not a base64 key of 32 bytes");
		peer->set_preshared_key = true;
	} else if (!strcasecmp(key, "AllowedIPs")) {
		return parse_allowedips(r, key, peer, value);
	} else if (!strcasecmp(key, "Endpoint")) {
		if (mt_parse_endpoint(&peer->endpoint, value, &why))
			return fail(r, key, "\"%s\": %s", value, why);
		peer->set_endpoint = true;
	} else if (!strcasecmp(key, "PersistentKeepalive")) {
		if (mt_parse_keepalive(&peer->keepalive, value))
			return fail(r, key, "\"%s\" is not 0 to 65535 seconds or off", value);
		peer->set_keepalive = true;
	} else if (!strcasecmp(key, "Hub")) {
		if (mt_parse_switch(&peer->hub, value))
			return fail(r, key, "\"%s\" is not yes or no", value);
		peer->set_hub = true;
	} else {
		return fail(r, key, "unknown key in [Peer]");
	}
	return 0;
}

/* A [Peer] section ended: keep it, merged into an earlier one with its key. */
static int end_peer(struct reader *r, struct mt_device_conf *conf, bool in_peer, bool has_key,
		    unsigned int start_line)
{
	struct mt_peer_conf *peer, *earlier = NULL;
	size_t i;

	if (!in_peer)
		return 0;
	peer = &conf->peers[conf->n_peers - 1];
	if (!has_key) {
		r->line = start_line;
		return fail(r, "[Peer]", "section has no PublicKey");
	}
	for (i = 0; i + 1 < conf->n_peers; i++)
		if (!memcmp(conf->peers[i].public_key, peer->public_key, 32))
			earlier = &conf->peers[i];
	if (!earlier)
		return 0;
	if (peer->set_preshared_key) {
		memcpy(earlier->preshared_key, peer->preshared_key, 32);
		earlier->set_preshared_key = true;
	}
	if (peer->set_endpoint) {
		earlier->endpoint = peer->endpoint;
		earlier->set_endpoint = true;
	}
	if (peer->set_keepalive) {
		earlier->keepalive = peer->keepalive;
		earlier->set_keepalive = true;
	}
	if (peer->set_hub) {
		earlier->hub = peer->hub;
		earlier->set_hub = true;
	}
	for (i = 0; i < peer->n_allowedips; i++) {
		struct mt_allowedip *ip = mt_conf_add_allowedip(earlier);

		if (!ip)
			return -ENOMEM;
		*ip = peer->allowedips[i];
	}
	free(peer->allowedips);
	explicit_bzero(peer, sizeof(*peer));
	conf->n_peers--;
	return 0;
}

int mt_ini_read(const char *path, struct mt_device_conf *conf, struct mt_up_conf *up,
		char *err, size_t errlen)
{
	struct reader r = { .path = path, .err = err, .errlen = errlen };
	enum { NONE, INTERFACE, PEER } section = NONE;
	unsigned int peer_line = 0;
	bool has_key = false;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int ret = 0;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *text, *eq, *key, *value;

		r.line++;
		text = line;
		if (strchr(text, '#'))
			*strchr(text, '#') = '\0';
		text = mt_trim(text);
		if (!*text)
			continue;
		if (*text == '[') {
			ret = end_peer(&r, conf, section == PEER, has_key, peer_line);
			if (ret)
				break;
			if (!strcasecmp(text, "[Interface]")) {
				section = INTERFACE;
			} else if (!strcasecmp(text, "[Peer]")) {
				section = PEER;
				peer_line = r.line;
				has_key = false;
				if (!mt_conf_add_peer(conf)) {
					ret = -ENOMEM;
					break;
				}
			} else {
				ret = fail(&r, NULL, "unknown section %s", text);
				break;
			}
			continue;
		}
		eq = strchr(text, '=');
		if (!eq) {
			ret = fail(&r, NULL, "\"%s\" is not KEY = VALUE", text);
			break;
		}
		*eq = '\0';
		key = mt_trim(text);
		value = mt_trim(eq + 1);
		if (section == NONE)
			ret = fail(&r, key, "key outside [Interface] or [Peer]");
		else if (section == INTERFACE)
			ret = interface_key(&r, conf, up, key, value);
		else
			ret = peer_key(&r, &conf->peers[conf->n_peers - 1], &has_key, key, value);
		explicit_bzero(line, cap);
		if (ret)
			break;
	}
	if (!ret)
		ret = end_peer(&r, conf, section == PEER, has_key, peer_line);
	if (!ret && up) {
		char why[256];

		ret = mt_up_check(up, conf, why, sizeof(why));
		if (ret == -EINVAL)
			snprintf(err, errlen, "%s: %s", path, why);
	}
	if (line) {
		explicit_bzero(line, cap);
		free(line);
	}
	if (f != stdin)
		fclose(f);
	return ret;
}

/* One line "Name = value". fputs: a dump of 10,000 peers is 60,000 of them. */
static void put_line(FILE *out, const char *name, const char *value)
{
	fputs(name, out);
	fputs(" = ", out);
	fputs(value, out);
	fputc('\n', out);
}

void mt_ini_write(FILE *out, const struct mt_device_conf *conf)
{
	char key[MT_KEY_B64_LEN + 1], buf[128];
	size_t i, j;

	fputs("[Interface]\n", out);
	if (conf->listen_port)
		fprintf(out, "ListenPort = %u\n", conf->listen_port);
	if (conf->fwmark)
		fprintf(out, "FwMark = 0x%x\n", conf->fwmark);
	if (conf->relay)
		fputs("Relay = yes\n", out);
	if (!mt_key_is_zero(conf->private_key)) {
		mt_key_to_base64(key, conf->private_key);
		put_line(out, "PrivateKey", key);
	}
	for (i = 0; i < conf->n_peers; i++) {
		const struct mt_peer_conf *p = &conf->peers[i];

		mt_key_to_base64(key, p->public_key);
		fputs("\n[Peer]\n", out);
		put_line(out, "PublicKey", key);
		if (!mt_key_is_zero(p->preshared_key)) {
			mt_key_to_base64(key, p->preshared_key);
			put_line(out, "PresharedKey", key);
		}
		if (p->n_allowedips) {
			fputs("AllowedIPs = ", out);
			for (j = 0; j < p->n_allowedips; j++) {
				if (j)
					fputs(", ", out);
				fputs(mt_format_cidr(&p->allowedips[j], buf, sizeof(buf)), out);
			}
			fputc('\n', out);
		}
		if (p->endpoint.sa.sa_family)
			put_line(out, "Endpoint", mt_format_endpoint(&p->endpoint, buf, sizeof(buf)));
		if (p->keepalive)
			fprintf(out, "PersistentKeepalive = %u\n", p->keepalive);
		if (p->hub)
			fputs("Hub = yes\n", out);
	}
	explicit_bzero(key, sizeof(key));
}
