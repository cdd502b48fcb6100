/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine events and statistics.
 *
 * Events: what happens to containers, one JSON line each, appended to
 * ROOT/events.log by whichever brig process made it happen (no daemon):
 *
 *   {"time":"2026-11-28T19:48:55.123456789Z","timeNano":1795895335123456789,
 *    "Type":"container","Action":"die",
 *    "Actor":{"ID":"<64 hex>","Attributes":{"name":"web","image":"bb:1",
 *                                            "exitCode":"1"}}}
 *
 * Actions: create, start, die (exitCode), oom, restart, stop, kill (signal),
 * destroy, rename (oldName), "health_status: healthy|unhealthy" (health_run.c).
 * Attribute values are strings, as Docker's.
 * Each line is one write(2) with O_APPEND, under ROOT/events.lock; past
 * ENG_EVENTS_MAX_SIZE the file is renamed to events.log.1 (one older file
 * is kept) and a new one begun.  See docs/monitor.md.
 */
#ifndef BRIG_ENGINE_EVENTS_H
#define BRIG_ENGINE_EVENTS_H

#include "engine/engine.h"

#include <stdbool.h>
#include <stdint.h>

#define ENG_EVENTS_LOG "events.log"
#define ENG_EVENTS_LOG_OLD "events.log.1"
#define ENG_EVENTS_LOCK "events.lock"
#define ENG_EVENTS_MAX_SIZE ((uint64_t)4 << 20)
#define ENG_EVENT_LINE_MAX 16384 /* a longer line is skipped by readers */
#define ENG_EVENT_ATTRS_MAX 32 /* attributes kept per event */

/*
 * Append one event for container id.  The attributes "name" and "image"
 * are taken from the container's record when it can be read (they need not
 * be given); attrs (an object, or NULL) adds or overrides attributes:
 * strings as they are, integers and booleans as their text, other values
 * are left out.  Failures are logged (warning) and returned as a negative
 * errno; an event that cannot be written never fails the operation.
 */
int eng_event_emit(struct eng *g, const char *id, const char *action, const json_t *attrs);

/* Like eng_event_emit, with the name and image given (for a container
 * whose record is gone or being changed). */
int eng_event_emit_as(struct eng *g, const char *id, const char *name, const char *image,
		      const char *action, const json_t *attrs);

/* Build the event object (exposed for tests). */
json_t *eng_event_build(int64_t time_ns, const char *id, const char *action, const json_t *attrs);

/* Which events a reader wants.  Values of one key are alternatives (any
 * may match); different keys must all match (Docker's --filter rules). */
struct eng_events_filter {
	int64_t since_ns; /* inclusive; 0 = from the oldest kept */
	int64_t until_ns; /* inclusive; 0 = no end (follow) */
	const char **containers; /* full id, id prefix or name; NULL-terminated */
	const char **actions; /* NULL-terminated */
	const char **types; /* "container"; NULL-terminated */
};

/* Parse one --filter KEY=VALUE (container=, event=, type=) into f, adding
 * to the NULL-terminated arrays (free them with eng_events_filter_clear;
 * the strings point into spec, which must outlive f). */
int eng_events_filter_add(struct eng_events_filter *f, const char *spec, struct brig_err *e);
void eng_events_filter_clear(struct eng_events_filter *f);

/* Whether the event ev passes f (time and filters). */
bool eng_events_match(const struct eng_events_filter *f, const json_t *ev);

/*
 * Hand every kept event (events.log.1, then events.log) that passes f to
 * fn, oldest first.  With follow, then wait for new ones (inotify on ROOT,
 * checked at least every 500 ms) and hand them over too, following the
 * rotation, until f->until_ns has passed or fn returns non-zero (which is
 * returned; negative is an error).  Malformed lines are skipped.
 */
int eng_events_read(struct eng *g, const struct eng_events_filter *f, bool follow,
		    int (*fn)(const json_t *ev, void *arg), void *arg, struct brig_err *e);

/*
 * Resource usage of a running container, as the runtime reports it
 * (rt_events_stats: {"cpu":{"usage":{"total"}},"memory":{"usage":
 * {"usage","limit"},"cache"},"pids":{"current","limit"}}).  -ENOENT when it
 * has no runtime state (not running, or waiting for a restart).
 */
int eng_stats(struct eng *g, const char *id, json_t **out, struct brig_err *e);

#endif /* BRIG_ENGINE_EVENTS_H */
