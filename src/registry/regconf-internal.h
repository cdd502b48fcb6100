/* SPDX-License-Identifier: Apache-2.0 */
/* registry/regconf private: the TOML reader (regconf.c) hands each value
 * to the setters of regconf_use.c, which check and store it. */
#ifndef BRIG_REGISTRY_REGCONF_INTERNAL_H
#define BRIG_REGISTRY_REGCONF_INTERNAL_H

#include "registry/regconf.h"

/* A value as read: a string, a boolean (b 0/1, -1 when not one) or an
 * array of strings (NULL-terminated). */
struct regconf_val {
	const char *s;
	int b;
	char *const *arr;
};

/* "FILE:LINE: KEY: message" (KEY may be NULL); returns -EINVAL. */
int regconf_fail(const char *file, unsigned line, const char *key, struct brig_err *e,
		 const char *fmt, ...) BRIG_PRINTF(5, 6);

int regconf_new_registry(struct reg_conf *c, const char *file, unsigned line, struct brig_err *e);
int regconf_new_mirror(struct reg_conf *c, const char *file, unsigned line, struct brig_err *e);
int regconf_set_alias(struct reg_conf *c, const char *name, const char *value, const char *file,
		      unsigned line, struct brig_err *e);
int regconf_set_top(struct reg_conf *c, const char *key, const struct regconf_val *v,
		    const char *file, unsigned line, struct brig_err *e);
int regconf_set_registry(struct reg_conf *c, const char *key, const struct regconf_val *v,
			 const char *file, unsigned line, struct brig_err *e);
int regconf_set_mirror(struct reg_conf *c, const char *key, const struct regconf_val *v,
		       const char *file, unsigned line, struct brig_err *e);
/* After the whole file: required keys, defaults, duplicate prefixes. */
int regconf_check(struct reg_conf *c, const char *file, struct brig_err *e);

#endif
