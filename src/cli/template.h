/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's text/template as Docker users write it in --format and inspect -f,
 * evaluated over a JSON value (docs/output.md lists it all):
 *
 *   {{.A.B}} {{.}} {{$}} {{$x.A}}   fields, the current value, variables
 *   {{if P}}..{{else if P}}..{{else}}..{{end}}, {{with P}}..{{else}}..{{end}}
 *   {{range P}}..{{else}}..{{end}}, {{range $i, $v := P}}, break, continue
 *   {{$x := P}} {{$x = P}}           declare and assign
 *   {{.A | f "x"}} {{f (g .A) 1}}    pipelines and sub-expressions
 *   functions: and or not len index print printf println eq ne lt le gt ge
 *              json join split lower upper title truncate pad
 *   {{- and -}} trim white space; comments are slash-star ... star-slash
 *
 * Values print as Go prints them: strings raw, numbers, true/false, a
 * missing value as "<no value>", arrays as [a b], objects as map[k:v] with
 * sorted keys.  Text from the data is escaped for the terminal.  The text,
 * the output and the nesting are bounded (template-internal.h).
 */
#ifndef BRIG_CLI_TEMPLATE_H
#define BRIG_CLI_TEMPLATE_H

#include "common/common.h"

struct tpl;

/* Parse; errors name the position ("template: 1:7: unclosed action"), and
 * so do tpl_render's ("template: 1:3: no field Nope in .Nope"). */
int tpl_parse(const char *text, struct tpl **out, struct brig_err *e);
/* Render against v into a new string. */
int tpl_render(const struct tpl *t, const json_t *v, char **out, struct brig_err *e);
void tpl_free(struct tpl *t);

#endif
