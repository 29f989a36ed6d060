/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ini.h - configuration files in WireGuard's format: an [Interface]
 * section (PrivateKey, ListenPort, FwMark) and [Peer] sections (PublicKey,
 * PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive). The keys
 * wg-quick adds to [Interface] (Address, DNS, MTU, Table, PreUp, PostUp,
 * PreDown, PostDown, SaveConfig) are accepted and left to `mtctl up`.
 *
 *   mt_ini_read()   parse a file ("-": stdin) into a configuration in
 *                   which exactly the keys present are marked to be set;
 *                   on failure, err holds "FILE:LINE: KEY: what is wrong"
 *   mt_ini_write()  print a configuration (showconf)
 */
#ifndef MT_TOOLS_INI_H
#define MT_TOOLS_INI_H

#include <stdio.h>
#include "conf.h"

int mt_ini_read(const char *path, struct mt_device_conf *conf, char *err, size_t errlen);
void mt_ini_write(FILE *out, const struct mt_device_conf *conf);

#endif /* MT_TOOLS_INI_H */
