/* SPDX-License-Identifier: Apache-2.0 */
/* engine/config private: value parsers and formatters shared by its files. */
#ifndef BRIG_ENGINE_CONFIG_INT_H
#define BRIG_ENGINE_CONFIG_INT_H

#include "engine/config/engine-config.h"

/* Bounds of the numeric keys. */
#define CFG_MIN_MEMORY (6LL << 20) /* Docker's floor for a memory limit */
#define CFG_MIN_LOG_SIZE 1024LL
#define CFG_MIN_STORAGE (1LL << 20) /* engine/quota-internal.h ENG_QUOTA_MIN */
#define CFG_CPU_SHARES_MIN 2
#define CFG_CPU_SHARES_MAX 262144
#define CFG_RESTART_CEILING_MAX 1000000
#define CFG_BACKOFF_MIN_MS 100LL /* the first back-off step */
#define CFG_BACKOFF_MAX_MS (24LL * 3600000) /* a day */
#define CFG_NAME_MAX 32 /* user and group names */

/* A key handler: parse doc[key] (present) into c. */
typedef int (*cfg_key_fn)(const json_t *doc, const struct bj_loc *root, const char *key,
			  struct eng_config *c, struct brig_err *e);

/* values.c */
int cfg_key_ulimits(const json_t *doc, const struct bj_loc *root, const char *key,
		    struct eng_config *c, struct brig_err *e);
int cfg_key_caps(const json_t *doc, const struct bj_loc *root, const char *key,
		 struct eng_config *c, struct brig_err *e);
int cfg_key_remap(const json_t *doc, const struct bj_loc *root, const char *key,
		  struct eng_config *c, struct brig_err *e);
int cfg_key_log_opts(const json_t *doc, const struct bj_loc *root, const char *key,
		     struct eng_config *c, struct brig_err *e);
int cfg_key_detach_keys(const json_t *doc, const struct bj_loc *root, const char *key,
			struct eng_config *c, struct brig_err *e);
/* The built-in default ulimits and capabilities. */
void cfg_default_ulimits(struct eng_config *c);
int cfg_default_caps(struct eng_config *c, struct brig_err *e);
/* A user or group name: 1..32 of [A-Za-z0-9_.-], not starting with '-'
 * or a digit-only string. */
bool cfg_valid_name(const char *s);

/* units.c */
/* A duration: one or more NUMBER UNIT terms (units ms, s, m, h): "60s",
 * "1m30s", "500ms".  -EINVAL when malformed, -ERANGE when too large. */
int cfg_parse_duration_ms(const char *s, int64_t *out);
/* The shortest exact spelling of a size ("1g", "10m", "1536k", "7") and of
 * a duration ("60s", "2m", "1500ms").  buf holds at least 32 bytes. */
void cfg_format_size(int64_t bytes, char *buf, size_t size);
void cfg_format_duration(int64_t ms, char *buf, size_t size);

#endif /* BRIG_ENGINE_CONFIG_INT_H */
