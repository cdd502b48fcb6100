/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's commands and options brig does not have yet (docker_missing.c):
 * so that they fail saying so, not as unknown words.
 */
#ifndef BRIG_CLI_DOCKER_MISSING_H
#define BRIG_CLI_DOCKER_MISSING_H

#include <stdbool.h>
#include <stddef.h>

/* Whether path ("build", "network connect") is a Docker command brig lacks. */
bool docker_missing_command(const char *path);

/* Docker's long name of the option name[0..len) (a long name, or one letter
 * for a short one) of the command prog ("brig run"), when Docker has it and
 * brig does not; else NULL.  The answer runs up to a space. */
const char *docker_missing_option(const char *prog, const char *name, size_t len);

/* When it is such an option, says so on stderr ("brig run: Docker's option
 * --gpus does not exist in brig yet") and returns true. */
bool docker_missing_option_say(const char *prog, const char *name, size_t len);

#endif
