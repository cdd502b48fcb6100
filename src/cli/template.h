/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subset of Go's text/template that Docker users write in --format and
 * inspect -f, evaluated over a JSON value:
 *
 *   literal text          copied as is
 *   {{.}}                 the current value
 *   {{.A.B}}              a member chain; an unknown member is an error
 *   {{json .A}}           the value as compact JSON
 *   {{index .A "k"}}      a member by key, or {{index .A 2}} an element
 *   {{range .A}}..{{end}} for each element (or member value), with . set to it
 *   {{range $k, $v := .A}}..{{$k}}={{$v}}..{{end}}
 *   {{- and -}}           trim the white space before / after
 *
 * Values print as Go prints them: strings raw, numbers, true/false, null
 * as "<no value>", arrays as [a b], objects as map[k:v] with sorted keys.
 */
#ifndef BRIG_CLI_TEMPLATE_H
#define BRIG_CLI_TEMPLATE_H

#include "common/common.h"

struct tpl;

/* Parse; errors name the position ("template: 1:7: unclosed action"). */
int tpl_parse(const char *text, struct tpl **out, struct brig_err *e);
/* Render against v into a new string. */
int tpl_render(const struct tpl *t, const json_t *v, char **out, struct brig_err *e);
void tpl_free(struct tpl *t);

#endif
