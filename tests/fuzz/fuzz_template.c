/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness: the --format template language.  The input is parsed
 * as a template and, when it parses, rendered over a fixed document shaped
 * like inspect's.  Besides "no crash, no leak", it checks the contract:
 * errors are one line starting "template: ", and the output never holds a
 * control character that came from the data (the document carries ESC and
 * CR; the template text itself may write any byte, so only ESC is checked,
 * and only when the template has none).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc[] =
	"{\"Id\":\"abc\",\"Name\":\"/w\\u001b[2J\\r\",\"N\":42,\"F\":1.5,\"B\":true,\"Z\":null,"
	"\"Config\":{\"Labels\":{\"a\":\"1\",\"b\":\"\\u001b\"},\"Env\":[\"A=1\",\"B=2\"],"
	"\"Cmd\":[\"sh\",\"-c\",\"x\"]},\"Mounts\":[{\"Destination\":\"/d\"}],\"E\":[],\"M\":{}}";

static void check_err(struct brig_err *e)
{
	const char *s = brig_err_str(e);
	if (strncmp(s, "template: ", 10) != 0 && strcmp(s, "out of memory") != 0)
		abort();
	if (strchr(s, '\n'))
		abort();
	brig_err_clear(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *v;
	struct brig_err e = { 0 };
	struct tpl *t = NULL;
	char *out = NULL;
	if (size > 4096)
		return 0;
	if (!v && !(v = json_loads(doc, 0, NULL)))
		abort();
	/* The template is the input up to its first NUL.  Copied by hand:
	 * strndup may read data[size] (ASan's strict_string_checks says so). */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tpl_parse(text, &t, &e) < 0) {
		check_err(&e);
	} else if (tpl_render(t, v, &out, &e) < 0) {
		check_err(&e);
	} else if (!memchr(text, '\x1b', strlen(text)) && strchr(out, '\x1b')) {
		abort();
	}
	free(out);
	tpl_free(t);
	free(text);
	return 0;
}
