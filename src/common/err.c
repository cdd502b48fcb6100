/* SPDX-License-Identifier: Apache-2.0 */
/* Error values with a cause chain and one-line rendering. */
#include "common/common.h"

#include <string.h>

struct brig_err_frame {
	struct brig_err_frame *cause;
	char msg[];
};

/* Used when allocating a frame fails: the code is kept, the text is fixed. */
static const char oom_msg[] = "out of memory while reporting an error";

static struct brig_err_frame *frame_new(const char *fmt, va_list ap, const char *suffix)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	size_t slen = suffix ? strlen(suffix) + 2 : 0;
	struct brig_err_frame *f = malloc(sizeof(*f) + (size_t)n + slen + 1);
	if (!f)
		return NULL;
	f->cause = NULL;
	(void)vsnprintf(f->msg, (size_t)n + 1, fmt, ap);
	if (suffix) {
		memcpy(f->msg + n, ": ", 2);
		memcpy(f->msg + n + 2, suffix, slen - 2);
		f->msg[n + slen] = '\0';
	}
	return f;
}

static void frames_free(struct brig_err_frame *f)
{
	while (f) {
		struct brig_err_frame *next = f->cause;
		free(f);
		f = next;
	}
}

void brig_err_clear(struct brig_err *e)
{
	if (!e)
		return;
	frames_free(e->top);
	free(e->rendered);
	e->top = NULL;
	e->rendered = NULL;
	e->code = 0;
}

static int set_common(struct brig_err *e, int code, const char *suffix, const char *fmt, va_list ap)
{
	if (code > 0)
		code = -code;
	if (code == 0)
		code = -EIO;
	if (!e)
		return code;
	brig_err_clear(e);
	e->code = code;
	e->top = frame_new(fmt, ap, suffix);
	return code;
}

int brig_err_oom(struct brig_err *e)
{
	return brig_err_set(e, -ENOMEM, "out of memory");
}

int brig_err_set(struct brig_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = set_common(e, code, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int brig_err_sys(struct brig_err *e, int errnum, const char *fmt, ...)
{
	if (errnum < 0)
		errnum = -errnum;
	va_list ap;
	va_start(ap, fmt);
	int r = set_common(e, errnum ? errnum : EIO, strerror(errnum ? errnum : EIO), fmt, ap);
	va_end(ap);
	return r;
}

int brig_err_wrap(struct brig_err *e, const char *fmt, ...)
{
	if (!e)
		return -EIO;
	if (e->code == 0)
		e->code = -EIO;
	va_list ap;
	va_start(ap, fmt);
	struct brig_err_frame *f = frame_new(fmt, ap, NULL);
	va_end(ap);
	if (f) {
		f->cause = e->top;
		e->top = f;
	}
	free(e->rendered);
	e->rendered = NULL;
	return e->code;
}

size_t brig_err_depth(const struct brig_err *e)
{
	size_t n = 0;
	for (const struct brig_err_frame *f = e ? e->top : NULL; f; f = f->cause)
		n++;
	return n;
}

const char *brig_err_frame_msg(const struct brig_err *e, size_t i)
{
	for (const struct brig_err_frame *f = e ? e->top : NULL; f; f = f->cause)
		if (i-- == 0)
			return f->msg;
	return NULL;
}

const char *brig_err_str(struct brig_err *e)
{
	if (!e || e->code == 0)
		return "no error";
	if (!e->top)
		return oom_msg;
	if (e->rendered) /* every change of e drops it */
		return e->rendered;
	size_t len = 0;
	for (struct brig_err_frame *f = e->top; f; f = f->cause)
		len += strlen(f->msg) + 2;
	free(e->rendered);
	e->rendered = malloc(len + 1);
	if (!e->rendered)
		return e->top->msg;
	char *p = e->rendered;
	for (struct brig_err_frame *f = e->top; f; f = f->cause) {
		size_t l = strlen(f->msg);
		if (l == 0)
			continue;
		if (p != e->rendered) {
			memcpy(p, ": ", 2);
			p += 2;
		}
		memcpy(p, f->msg, l);
		p += l;
	}
	*p = '\0';
	/* One line: fold control characters that untrusted input may carry. */
	for (p = e->rendered; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return e->rendered;
}
