/* SPDX-License-Identifier: Apache-2.0 */
/* brig's container commands: what they share. */
#ifndef BRIG_CLI_BRIG_CTR_H
#define BRIG_CLI_BRIG_CTR_H

#include "cli/brig_cmd.h"
#include "engine/engine.h"
#include "runtime/runtime.h"

#include <fcntl.h>

/* What brig create / run collected (owns the vectors). */
struct brig_create_req {
	struct eng_create_opts opts;
	char **env, **labels;
	struct eng_flags *flags;
};
void brig_create_req_clear(struct brig_create_req *q);

/* Open the engine over the global options. */
int brig_engine_open(const struct brig_global *g, struct eng **out, struct brig_err *e);

int brig_cmd_create(const struct brig_global *g, int argc, char **argv);
int brig_cmd_run(const struct brig_global *g, int argc, char **argv);
int brig_cmd_start(const struct brig_global *g, int argc, char **argv);
int brig_cmd_ps(const struct brig_global *g, int argc, char **argv);
int brig_cmd_inspect_any(const struct brig_global *g, int argc, char **argv);
int brig_cmd_container_inspect(const struct brig_global *g, int argc, char **argv);
int brig_cmd_stop(const struct brig_global *g, int argc, char **argv);
int brig_cmd_kill(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rm(const struct brig_global *g, int argc, char **argv);
int brig_cmd_wait(const struct brig_global *g, int argc, char **argv);
int brig_cmd_rename(const struct brig_global *g, int argc, char **argv);
int brig_cmd_exec(const struct brig_global *g, int argc, char **argv);
int brig_cmd_top(const struct brig_global *g, int argc, char **argv);
int brig_cmd_system_df(const struct brig_global *g, int argc, char **argv);
int brig_cmd_stats(const struct brig_global *g, int argc, char **argv);
int brig_cmd_events(const struct brig_global *g, int argc, char **argv);
/* argv[0] is the volume subcommand (create, ls, inspect, rm, prune). */
int brig_cmd_volume(const struct brig_global *g, int argc, char **argv);
int brig_cmd_monitor_resume(const struct brig_global *g, int argc, char **argv);
int brig_cmd_logs(const struct brig_global *g, int argc, char **argv);

#endif
