// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `connections <id>`: the connections probe's per-peer aggregates (its `peers`
 * map, bpf/probes/connections.bpf.c), answered by one JSON frame:
 *
 *   {"msg":"connections","id":"<id>","ok":true,"max_entries":N,
 *    "peers":[[netns, role, family, "address", port, [buckets 0..KS_LAT_NBOUNDS], sum_ns,
 *              [failures by enum ks_conn_err], syn_retransmits, sync_failures], ...]}
 *
 * role 1 = client (address and port of the server), 2 = server (listening port, address "").
 * Buckets follow KS_LAT_BOUNDS_NS (the hello frame's latency bounds). Values are cumulative for
 * the life of the loaded probe. ok:false with `error` when the probe is not loaded.
 * Included by helper.c (shares its JSON builder and output), not compiled on its own.
 */
#include <arpa/inet.h>

static void cmd_connections(const char *id)
{
	struct sb b = {0};
	struct probe *p = find_probe("connections");
	sb_printf(&b, "{\"msg\":\"connections\",\"id\":");
	sb_str(&b, id);
	struct bpf_map *m = p && p->loaded ? bpf_object__find_map_by_name(p->obj, "peers") : NULL;
	if (!m) {
		sb_printf(&b, ",\"ok\":false,\"error\":\"the connections probe is not loaded\"}");
		send_json(&b);
		sb_free(&b);
		return;
	}
	sb_printf(&b, ",\"ok\":true,\"max_entries\":%u,\"peers\":[", bpf_map__max_entries(m));
	int fd = bpf_map__fd(m);
	struct ks_conn_key key, next;
	struct ks_conn_val v;
	bool first = true;
	int rc = bpf_map_get_next_key(fd, NULL, &next);
	while (rc == 0) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0) {
			char addr[INET6_ADDRSTRLEN] = "";
			if (key.role == KS_CONN_CLIENT)
				inet_ntop(key.family == KS_FAMILY_IPV6 ? AF_INET6 : AF_INET, key.addr, addr,
					  sizeof(addr));
			sb_printf(&b, "%s[%u,%u,%u,", first ? "" : ",", key.netns, key.role, key.family);
			sb_str(&b, addr);
			sb_printf(&b, ",%u,[", key.port);
			for (int i = 0; i <= KS_LAT_NBOUNDS; i++)
				sb_printf(&b, "%s%llu", i ? "," : "", (unsigned long long)v.buckets[i]);
			sb_printf(&b, "],%llu,[", (unsigned long long)v.sum_ns);
			for (int i = 0; i < KS_CONN_NERR; i++)
				sb_printf(&b, "%s%llu", i ? "," : "", (unsigned long long)v.failures[i]);
			sb_printf(&b, "],%llu,%llu]", (unsigned long long)v.syn_retrans,
				  (unsigned long long)v.sync_failures);
			first = false;
		}
		rc = bpf_map_get_next_key(fd, &key, &next);
	}
	sb_printf(&b, "]}");
	send_json(&b);
	sb_free(&b);
}
