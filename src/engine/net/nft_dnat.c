/* SPDX-License-Identifier: Apache-2.0 */
/* engine/net: the DNAT rules the kernel holds, for brig audit
 * (docs/audit.md, "Drift").  Every table of the namespace is listed, not
 * only `inet brig`: a rule another table adds forwards traffic as well.
 * Each rule with a dnat statement becomes one flat object the audit
 * compares with the container records: the destination address and port,
 * and the input interface and source address it is limited to ("Iif",
 * "Saddr": "lo", "10.0.0.0/8", "!= eth0", "?" for a set or for two such
 * matches), which decide who can reach the port through it. */
#include "engine/net/net-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The hook of chain (family, table, name) among the listing's chains. */
static const char *hook_of(json_t *items, const json_t *rule)
{
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *c = json_object_get(it, "chain");
		if (c &&
		    json_equal(json_object_get(c, "family"), json_object_get(rule, "family")) &&
		    json_equal(json_object_get(c, "table"), json_object_get(rule, "table")) &&
		    json_equal(json_object_get(c, "name"), json_object_get(rule, "chain")))
			return json_string_value(json_object_get(c, "hook"));
	}
	return NULL;
}

/* A port match's right side: a port, or a range "LO-HI" (a set or
 * anything else is "?"). */
static json_t *port_text(const json_t *right)
{
	if (json_is_integer(right))
		return json_integer(json_integer_value(right));
	const json_t *rg = json_object_get(right, "range");
	if (json_array_size(rg) == 2)
		return json_sprintf("%" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT,
				    json_integer_value(json_array_get(rg, 0)),
				    json_integer_value(json_array_get(rg, 1)));
	return json_string("?");
}

/* A match on who sends (the input interface, the source address) as
 * member key of o: its value ("lo", "10.0.0.0/8"), "!= " before it when
 * negated, "?" for a set, another operator or a second such match. */
static int who_match(json_t *o, const char *key, const char *op, const json_t *right)
{
	const json_t *pfx = json_object_get(right, "prefix");
	bool neg = op && strcmp(op, "!=") == 0;
	json_t *v;
	if (json_object_get(o, key) || (op && !neg && strcmp(op, "==") != 0))
		v = json_string("?");
	else if (json_is_string(right))
		v = json_sprintf("%s%s", neg ? "!= " : "", json_string_value(right));
	else if (json_is_string(json_object_get(pfx, "addr")))
		v = json_sprintf("%s%s/%" JSON_INTEGER_FORMAT, neg ? "!= " : "",
				 json_string_value(json_object_get(pfx, "addr")),
				 json_integer_value(json_object_get(pfx, "len")));
	else
		v = json_string("?");
	return json_object_set_new(o, key, v);
}

/* One match of a rule, into the flat object o. */
static int one_match(json_t *o, const json_t *m)
{
	const json_t *left = json_object_get(m, "left"), *right = json_object_get(m, "right");
	const json_t *pl = json_object_get(left, "payload");
	const char *field = json_string_value(json_object_get(pl, "field"));
	const char *proto = json_string_value(json_object_get(pl, "protocol"));
	const char *op = json_string_value(json_object_get(m, "op"));
	const char *meta = json_string_value(json_object_get(json_object_get(left, "meta"), "key"));
	if (meta && (strcmp(meta, "iifname") == 0 || strcmp(meta, "iif") == 0))
		return who_match(o, "Iif", op, right);
	if (field && proto && strcmp(field, "saddr") == 0 &&
	    (!strcmp(proto, "ip") || !strcmp(proto, "ip6")))
		return who_match(o, "Saddr", op, right);
	if (op && strcmp(op, "==") != 0)
		return 0; /* brig's "ip daddr != 127.0.0.0/8" */
	if (json_object_get(left, "fib") && json_is_string(right) &&
	    strcmp(json_string_value(right), "local") == 0)
		return json_object_set_new(o, "Local", json_true());
	if (!field || !proto)
		return 0;
	if (strcmp(field, "daddr") == 0 && (!strcmp(proto, "ip") || !strcmp(proto, "ip6")))
		return json_object_set_new(o, "Daddr",
					   json_is_string(right) ? json_copy((json_t *)right)
								 : json_string("?"));
	if (strcmp(field, "dport") == 0 && (!strcmp(proto, "tcp") || !strcmp(proto, "udp")))
		return json_object_set_new(o, "Proto", json_string(proto)) < 0
			? -1
			: json_object_set_new(o, "Dport", port_text(right));
	return 0;
}

/* A rule with a dnat statement as {Table, Chain, Hook, Comment, Proto,
 * Dport, Daddr, Local, Iif, Saddr, To, ToPort} (*out NULL for another
 * rule): 0 or
 * -ENOMEM. */
static int flat_rule(json_t *items, const json_t *rule, json_t **out)
{
	const json_t *dnat = NULL;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rule, "expr"), i, x) if (json_object_get(x, "dnat"))
		dnat = json_object_get(x, "dnat");
	*out = NULL;
	if (!dnat)
		return 0;
	const char *hook = hook_of(items, rule);
	json_t *o = json_pack("{s:s++,s:O,s:s?,s:O?,s:b,s:s?}", "Table",
			      json_string_value(json_object_get(rule, "family")) ?: "?", " ",
			      json_string_value(json_object_get(rule, "table")) ?: "?", "Chain",
			      json_object_get(rule, "chain"), "Hook", hook, "Comment",
			      json_object_get(rule, "comment"), "Local", 0, "To",
			      json_string_value(json_object_get(dnat, "addr")));
	json_array_foreach(json_object_get(rule, "expr"), i,
			   x) if (o && json_object_get(x, "match") &&
				  one_match(o, json_object_get(x, "match")) <
					  0) return json_decref(o),
		-ENOMEM;
	const json_t *port = json_object_get(dnat, "port");
	if (o &&
	    json_object_set_new(o, "ToPort",
				port ? json_copy((json_t *)port)
				     : json_incref(json_object_get(o, "Dport"))) < 0)
		return json_decref(o), -ENOMEM;
	*out = o;
	return o ? 0 : -ENOMEM;
}

int eng_net_dnat_rules(json_t **out, struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	int r = net_nft_run("list ruleset", true, &text, e);
	if (r < 0)
		return brig_err_wrap(e, "reading the nftables ruleset");
	_cleanup_json_ json_t *doc = json_loads(text, 0, NULL);
	json_t *items = json_object_get(doc, "nftables");
	if (!json_is_array(items))
		return brig_err_set(e, -EIO, "nftables: the ruleset listing is not JSON");
	_cleanup_json_ json_t *v = json_array();
	if (!v)
		return brig_err_oom(e);
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
	{
		json_t *rule = json_object_get(it, "rule"), *o = NULL;
		if (rule && flat_rule(items, rule, &o) < 0)
			return brig_err_oom(e);
		if (o && json_array_append_new(v, o) < 0)
			return brig_err_oom(e);
	}
	*out = json_incref(v);
	return 0;
}
