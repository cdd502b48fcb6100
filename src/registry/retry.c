/* SPDX-License-Identifier: Apache-2.0 */
/*
 * When a registry request is sent again: after a 429 or a 5xx, or a
 * connection failure before any byte reached the caller, up to
 * REG_RETRY_ATTEMPTS in all, waiting a doubling back-off or as long as
 * Retry-After asks (within REG_RETRY_AFTER_MAX_S and a total budget).
 */
#include "registry/registry-internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool retry_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

/* Connection failures another try may cure. */
static bool retry_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
		return true;
	default:
		return false;
	}
}

int reg_retry_after_parse(const char *v, time_t now, long long *secs)
{
	/* IMF-fixdate, then the two obsolete forms a recipient must accept */
	static const char *const fmts[] = { "%a, %d %b %Y %H:%M:%S GMT",
					    "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y" };
	if (*v >= '0' && *v <= '9') {
		char *end = NULL;
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (*end)
			return -EINVAL;
		*secs = errno == ERANGE ? LLONG_MAX : n;
		return 0;
	}
	for (size_t i = 0; i < BRIG_ARRAY_SIZE(fmts); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(v, fmts[i], &tm);
		if (!end || *end)
			continue;
		time_t t = timegm(&tm);
		if (t == (time_t)-1)
			return -EINVAL;
		*secs = t > now ? (long long)(t - now) : 0;
		return 0;
	}
	return -EINVAL;
}

/* The back-off's base: REG_RETRY_BASE_MS, or less when the environment
 * says so (tests). */
static long long retry_base_ms(void)
{
	const char *v = getenv("BRIG_REGISTRY_RETRY_BASE_MS");
	char *end = NULL;
	if (!v || !*v)
		return REG_RETRY_BASE_MS;
	errno = 0;
	long n = strtol(v, &end, 10);
	return *end || errno || n < 0 || n > REG_RETRY_BASE_MS ? REG_RETRY_BASE_MS : n;
}

static int sleep_ms(long long ms, struct brig_err *e)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return brig_err_sys(e, errno, "nanosleep");
	return 0;
}

/* "HOST: " unless what names the host already. */
static const char *who(const struct reg_client *c, const char *what, const char **sep)
{
	bool named = strncmp(what, c->host, strlen(c->host)) == 0;
	*sep = named ? "" : ": ";
	return named ? "" : c->host;
}

/* How long to wait before attempt n + 2: the back-off, or longer when
 * Retry-After says so; an error when it asks for more than brig waits. */
static int retry_wait(const struct reg_client *c, const struct reg_resp *r, int n, long long *ms,
		      struct brig_err *e)
{
	long long secs = 0;
	const char *sep, *host = who(c, r->what, &sep);
	*ms = retry_base_ms() << n;
	if (r->status == 0 || !r->retry_after ||
	    reg_retry_after_parse(r->retry_after, time(NULL), &secs) < 0)
		return 0; /* none, or malformed: the back-off */
	if (secs > REG_RETRY_AFTER_MAX_S)
		return brig_err_set(e, -EAGAIN,
				    "%s%s%s: HTTP %ld; the registry asks to retry after %lld "
				    "seconds, more than the %d brig waits",
				    host, sep, r->what, r->status, secs, REG_RETRY_AFTER_MAX_S);
	if (secs * 1000 > *ms)
		*ms = secs * 1000;
	return 0;
}

/* The last attempt's error, saying that it was the last. */
static int give_up(const struct reg_client *c, const struct reg_resp *r, int rc, int attempts,
		   struct brig_err *e)
{
	const char *sep, *host = who(c, r->what, &sep);
	if (rc == 0)
		return brig_err_set(e, -EAGAIN, "%s%s%s: HTTP %ld, %s; gave up after %d attempts",
				    host, sep, r->what, r->status,
				    r->status == 429 ? "too many requests" : "the registry failed",
				    attempts);
	_cleanup_free_ char *msg = strdup(brig_err_str(e));
	if (!msg)
		return brig_err_oom(e);
	return brig_err_set(e, rc, "%s (gave up after %d attempts)", msg, attempts);
}

int reg_retry_next(const struct reg_client *c, const struct reg_resp *resp, int r, CURLcode cc,
		   int n, long long *waited, struct brig_err *e)
{
	long long ms = 0;
	bool again = r < 0 ? resp->failed == 0 && retry_curl(cc) && resp->sunk == 0
			   : retry_status(resp->status);
	if (!again)
		return 0;
	int w = retry_wait(c, resp, n, &ms, e);
	if (w < 0)
		return w;
	if (n + 1 == REG_RETRY_ATTEMPTS || *waited + ms > REG_RETRY_BUDGET_MS)
		return give_up(c, resp, r, n + 1, e);
	if ((w = sleep_ms(ms, e)) < 0)
		return w;
	*waited += ms;
	brig_err_clear(e);
	return 1;
}
