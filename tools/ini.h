/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ini.h - configuration files in WireGuard's format: an [Interface]
 * section (PrivateKey, ListenPort, FwMark, and meshtun's Relay) and [Peer]
 * sections (PublicKey, PresharedKey, AllowedIPs, Endpoint,
 * PersistentKeepalive, and meshtun's Hub). The keys
 * wg-quick adds to [Interface] (Address, DNS, MTU, Table, PreUp, PostUp,
 * PreDown, PostDown, SaveConfig) and meshtun's routing keys (upconf.h)
 * are accepted and left to `mtctl up`.
 *
 *   mt_ini_read()   parse a file ("-": stdin) into a configuration in
 *                   which exactly the keys present are marked to be set,
 *                   and, when up is not NULL, the keys of `mtctl up` into
 *                   it (else they are skipped); on failure, err holds
 *                   "FILE:LINE: KEY: what is wrong" (or "FILE: what" when
 *                   keys disagree)
 *   mt_ini_write()  print a configuration (showconf)
 */
#ifndef MT_TOOLS_INI_H
#define MT_TOOLS_INI_H

#include <stdio.h>
#include "conf.h"
#include "upconf.h"

int mt_ini_read(const char *path, struct mt_device_conf *conf, struct mt_up_conf *up,
		char *err, size_t errlen);
void mt_ini_write(FILE *out, const struct mt_device_conf *conf);

#endif /* MT_TOOLS_INI_H */
