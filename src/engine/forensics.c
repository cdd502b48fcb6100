/* SPDX-License-Identifier: Apache-2.0 */
/*
 * brig forensics: evidence of a container, read from the host without
 * running anything inside it.  The record and inspect are taken first,
 * then the container is frozen (the cgroup freezer, as pause) and its
 * processes (forensics_proc.c), network namespace (forensics_net.c),
 * cgroup, changes (diff, and the upper directory packed as a layer tar by
 * the layer packer, which never follows a link the container planted) are
 * read; then it is thawed, or killed with --kill, and its logs are copied.
 * Every file is listed with its sha256 in MANIFEST.sha256; what could not
 * be read is listed in MISSING.  -o FILE.tar: the same collection, made
 * beside FILE and packed into it.
 */
#include "engine/forensics-internal.h"

#include "engine/events.h"
#include "image/layer/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FX_MAX_LOGS 1000

static bool is_tar(const char *path)
{
	size_t n = strlen(path);
	return n > 4 && strcmp(path + n - 4, ".tar") == 0;
}

/* -o DIR: made (0700) or an empty directory; not a symlink. */
static int open_out_dir(const char *path, struct brig_err *e)
{
	bool made = mkdir(path, 0700) == 0;
	if (!made && errno != EEXIST)
		return brig_err_sys(e, errno, "-o %s", path);
	_cleanup_close_ int fd = BRIG_RETRY(
		open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return brig_err_sys(e, errno, "-o %s", path);
	/* Evidence goes where only we can read or change it. */
	struct stat st;
	if (fstat(fd, &st) < 0)
		return brig_err_sys(e, errno, "-o %s", path);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return brig_err_set(e, -EPERM,
				    "-o %s: not a directory of ours (owner %u, mode %04o)", path,
				    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	int dup = made ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = made ? NULL : dup < 0 ? NULL : fdopendir(dup);
	if (!made && !d) {
		if (dup >= 0)
			(void)close(dup);
		return brig_err_sys(e, errno, "-o %s", path);
	}
	bool empty = true;
	for (struct dirent *de; d && (de = readdir(d));)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = false;
	if (d)
		(void)closedir(d);
	if (!empty)
		return brig_err_set(e, -EEXIST, "-o %s: exists and is not empty", path);
	return brig_steal_fd(fd);
}

/* -o FILE.tar (which must not exist): the collection is made in a fresh
 * FILE.tmp-XXXXXX directory beside it (its name into tmp). */
static int open_tmp_dir(const char *file, char *tmp, size_t size, struct brig_err *e)
{
	struct stat st;
	if (lstat(file, &st) == 0)
		return brig_err_set(e, -EEXIST, "-o %s: exists", file);
	if (errno != ENOENT)
		return brig_err_sys(e, errno, "-o %s", file);
	if (brig_snprintf(tmp, size, "%s.tmp-XXXXXX", file) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "-o %s: too long", file);
	if (!mkdtemp(tmp))
		return brig_err_sys(e, errno, "-o %s: making %s", file, tmp);
	int fd = BRIG_RETRY(open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0) {
		(void)rmdir(tmp);
		return brig_err_sys(e, errno, "opening %s", tmp);
	}
	return fd;
}

/* The collection directory packed into FILE (a new name, never replaced):
 * written to FILE.part-XXXXXX, synced, renamed.  hex: the tar's sha256. */
static int write_tar(struct fx *x, const char *file, char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	char part[4096], digest[IMG_DIGEST_LEN], diff_id[IMG_DIGEST_LEN];
	if (brig_snprintf(part, sizeof(part), "%s.part-XXXXXX", file) < 0)
		return brig_err_set(e, -ENAMETOOLONG, "-o %s: too long", file);
	_cleanup_close_ int fd = mkostemp(part, O_CLOEXEC);
	if (fd < 0)
		return brig_err_sys(e, errno, "creating %s", part);
	int r = img_layer_pack(x->out, fd, IMG_COMP_NONE, 0, digest, diff_id, e);
	if (r == 0 && fsync(fd) < 0)
		r = brig_err_sys(e, errno, "writing %s", part);
	if (r == 0 && renameat2(AT_FDCWD, part, AT_FDCWD, file, RENAME_NOREPLACE) < 0)
		r = brig_err_sys(e, errno, "renaming %s to %s", part, file);
	if (r < 0) {
		(void)unlink(part);
		return r;
	}
	(void)snprintf(hex, BRIG_SHA256_HEX, "%s", diff_id + 7);
	return 0;
}

/* The record as stored and inspect as shown, before anything changes. */
static int collect_record(struct fx *x, int ctr, struct brig_err *e)
{
	int r = fx_copy(x, ctr, ENG_RECORD, x->out, "", "container.json", e);
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_err_ struct brig_err ie = { 0 };
	if (r < 0)
		return r;
	if (eng_inspect(x->g, x->rec.id, &doc, &ie) < 0) {
		fx_missing(x, "inspect.json", "%s", brig_err_str(&ie));
		return 0;
	}
	return fx_put_json(x, x->out, "", "inspect.json", doc, e);
}

/* cgroup.json: the limits configured and the kernel's usage and limits. */
static int collect_cgroup(struct fx *x, struct brig_err *e)
{
	_cleanup_json_ json_t *stats = NULL;
	_cleanup_err_ struct brig_err se = { 0 };
	if (!eng_running(x->g, x->rec.id) || eng_stats(x->g, x->rec.id, &stats, &se) < 0) {
		fx_missing(x, "cgroup.json", "%s",
			   se.code ? brig_err_str(&se) : "the container is not running");
		return 0;
	}
	json_t *lx = json_object_get(x->rec.spec, "linux");
	json_t *res = json_object_get(lx, "resources");
	json_t *path = json_object_get(lx, "cgroupsPath");
	_cleanup_json_ json_t *doc = json_pack("{s:O, s:O?, s:O?}", "Stats", stats, "Resources",
					       res, "CgroupsPath", path);
	return doc ? fx_put_json(x, x->out, "", "cgroup.json", doc, e) : brig_err_oom(e);
}

struct fx_pack {
	int upper, fd;
	const struct img_pack_ids *ids;
	char diff_id[IMG_DIGEST_LEN];
};

static int fx_pack_upper(void *arg, struct brig_err *e)
{
	struct fx_pack *p = arg;
	char digest[IMG_DIGEST_LEN];
	return img_layer_pack_ids(p->upper, p->fd, IMG_COMP_NONE, IMG_PACK_OVERLAY_UPPER, p->ids,
				  digest, p->diff_id, e);
}

/* diff.json and layer.tar (the upper directory, packed uncompressed with
 * the owners the container sees). */
static int collect_changes(struct fx *x, json_t *sum, struct brig_err *e)
{
	_cleanup_json_ json_t *changes = NULL;
	_cleanup_err_ struct brig_err de = { 0 }, le = { 0 };
	int r = 0;
	if (eng_diff(x->g, x->rec.id, &changes, &de) < 0)
		fx_missing(x, "diff.json", "%s", brig_err_str(&de));
	else if ((r = fx_put_json(x, x->out, "", "diff.json", changes, e)) < 0)
		return r;
	_cleanup_close_ int upper = eng_ctr_upper_open(x->g, &x->rec, &le);
	if (upper < 0) {
		fx_missing(x, "layer.tar", "%s", brig_err_str(&le));
		return 0;
	}
	_cleanup_close_ int fd = fx_create(x, x->out, "", "layer.tar", e);
	if (fd < 0)
		return fd;
	fx_say(x, "packing the changes into layer.tar");
	const struct eng_userns *u = &x->rec.userns;
	struct img_pack_ids ids = { u->uid, u->gid, u->size };
	struct fx_pack p = { upper, fd, u->enabled && !u->own_root ? &ids : NULL, { 0 } };
	/* Rootless: in the container's mapping, as commit packs (userns_run.c). */
	if (eng_userns_run(u, fx_pack_upper, &p, p.diff_id, sizeof(p.diff_id), &le) < 0)
		fx_missing(x, "layer.tar", "packed in part only: %s", brig_err_str(&le));
	else if (json_object_set_new(sum, "LayerDiffId", json_string(p.diff_id)) < 0)
		return brig_err_oom(e);
	return fsync(fd) < 0 ? brig_err_sys(e, errno, "writing layer.tar") : 0;
}

/* logs/: ctr.log and its rotated files, as written. */
static int collect_logs(struct fx *x, int ctr, struct brig_err *e)
{
	_cleanup_close_ int dir = fx_mkdir(x, x->out, "logs", e);
	int r = dir < 0 ? dir : fx_copy(x, ctr, ENG_LOG, dir, "logs", ENG_LOG, e);
	for (int i = 1; r == 0 && i <= FX_MAX_LOGS; i++) {
		char name[64];
		(void)snprintf(name, sizeof(name), "%s.%d", ENG_LOG, i);
		if (faccessat(ctr, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			break;
		r = fx_copy(x, ctr, name, dir, "logs", name, e);
	}
	return r;
}

/* Freeze a running container (one paused already stays paused). */
static int freeze(struct fx *x, bool *thaw, json_t *sum)
{
	bool frozen = false;
	_cleanup_err_ struct brig_err pe = { 0 };
	const char *id = x->rec.id;
	if (x->init <= 0)
		fx_say(x, "%.12s is not running: collecting what it left", id);
	else if (eng_paused(x->g, id) == 1)
		fx_say(x, "%.12s is paused already: it stays paused", id);
	else if (eng_pause(x->g, id, true, &pe) < 0)
		fx_say(x, "could not freeze %.12s (%s): collecting it running", id,
		       brig_err_str(&pe));
	else
		*thaw = true;
	frozen = x->init > 0 && eng_paused(x->g, id) == 1;
	if (frozen)
		fx_say(x, "%.12s is frozen", id);
	return json_object_set_new(sum, "Frozen", json_boolean(frozen)) < 0 ? -ENOMEM : 0;
}

/* Thaw what we froze, or kill the container with --kill. */
static int finish(struct fx *x, bool thaw, json_t *sum, struct brig_err *e)
{
	const char *id = x->rec.id;
	bool killed = false;
	if (x->o->kill && eng_running(x->g, id)) {
		int r = eng_kill(x->g, id, SIGKILL, e);
		if (r == 0)
			r = eng_wait(x->g, id, e);
		if (r < 0)
			return brig_err_wrap(e, "--kill %.12s (what was collected is kept)", id);
		killed = true;
		fx_say(x, "killed %.12s", id);
	} else if (thaw && eng_running(x->g, id)) {
		_cleanup_err_ struct brig_err te = { 0 };
		if (eng_pause(x->g, id, false, &te) < 0)
			brig_warn("thawing %.12s after forensics: %s (brig unpause %.12s)", id,
				  brig_err_str(&te), id);
		else
			fx_say(x, "thawed %.12s", id);
	}
	return json_object_set_new(sum, "Killed", json_boolean(killed)) < 0 ? brig_err_oom(e) : 0;
}

/* Everything, frozen in between; thawed (or killed) whatever happened. */
static int collect(struct fx *x, int ctr, json_t *sum, struct brig_err *e)
{
	bool thaw = false;
	_cleanup_close_ int hold = -1;
	int r = collect_record(x, ctr, e);
	if (r == 0 && x->init > 0 && (hold = eng_freeze_hold(x->g, x->rec.id, e)) < 0)
		r = hold;
	if (r == 0 && freeze(x, &thaw, sum) < 0)
		r = brig_err_oom(e);
	if (r == 0)
		r = fx_processes(x, e);
	if (r == 0)
		r = collect_cgroup(x, e);
	if (r == 0)
		r = collect_changes(x, sum, e);
	_cleanup_err_ struct brig_err fe = { 0 };
	int f = finish(x, thaw, sum, r == 0 ? e : &fe);
	if (r == 0 && f < 0)
		return f;
	if (r == 0)
		r = collect_logs(x, ctr, e);
	return r;
}

/* MISSING ("PATH: REASON" lines, when anything is), the manifest, and
 * the summary's counts. */
static int seal(struct fx *x, json_t *sum, char hex[BRIG_SHA256_HEX], struct brig_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, i;
	json_t *m;
	json_array_foreach(x->missing, i, m)
	{
		/* A reason may quote a name the container made: escaped. */
		const char *why = json_string_value(json_object_get(m, "Reason"));
		_cleanup_free_ char *safe = brig_term_escape(why, strlen(why));
		if (!safe ||
		    brig_appendf(&text, &len, "%s: %s\n",
				 json_string_value(json_object_get(m, "Path")), safe) < 0)
			return brig_err_oom(e);
	}
	int r = text ? fx_put(x, x->out, "", "MISSING", text, len, e) : 0;
	if (r == 0)
		r = fx_manifest(x, hex, e);
	if (r == 0 &&
	    (json_object_set_new(sum, "Files",
				 json_integer((json_int_t)json_array_size(x->files))) < 0 ||
	     json_object_set_new(sum, "Manifest", json_string("MANIFEST.sha256")) < 0 ||
	     json_object_set_new(sum, "ManifestSha256", json_string(hex)) < 0 ||
	     json_object_set(sum, "Missing", x->missing) < 0 ||
	     json_object_set(sum, "Processes", x->procs) < 0))
		r = brig_err_oom(e);
	return r;
}

static int run(struct fx *x, int ctr, bool tar, json_t *sum, struct brig_err *e)
{
	char hex[BRIG_SHA256_HEX];
	fx_say(x, "collecting %.12s into %s", x->rec.id, x->o->output);
	int r = collect(x, ctr, sum, e);
	if (r == 0)
		r = seal(x, sum, hex, e);
	if (r < 0 || !tar)
		return r;
	r = write_tar(x, x->o->output, hex, e);
	if (r == 0 && json_object_set_new(sum, "TarSha256", json_string(hex)) < 0)
		r = brig_err_oom(e);
	return r;
}

int eng_forensics(struct eng *g, const char *id, const struct eng_forensics_opts *o,
		  json_t **summary, struct brig_err *e)
{
	struct fx x = { .g = g, .o = o, .out = -1 };
	int r = eng_record_current(g, id, &x.rec, e);
	if (r < 0)
		return r;
	_cleanup_close_ int ctr = eng_ctr_open(g, id, e);
	bool tar = is_tar(o->output);
	char tmp[4096] = "";
	if (ctr >= 0)
		x.out = tar ? open_tmp_dir(o->output, tmp, sizeof(tmp), e)
			    : open_out_dir(o->output, e);
	x.init = x.rec.state.status == ENG_ST_RUNNING ? x.rec.state.pid : 0;
	x.files = json_array();
	x.missing = json_array();
	x.procs = json_array();
	json_t *sum = json_pack("{s:s, s:s, s:s, s:b}", "Id", x.rec.id, "Name",
				x.rec.name + (x.rec.name[0] == '/'), "Output", o->output, "Tar",
				tar);
	if (ctr < 0 || x.out < 0)
		r = ctr < 0 ? ctr : x.out;
	else if (!x.files || !x.missing || !x.procs || !sum)
		r = brig_err_oom(e);
	else
		r = run(&x, ctr, tar, sum, e);
	_cleanup_err_ struct brig_err re = { 0 };
	if (tmp[0] && brig_rm_rf(AT_FDCWD, tmp, &re) < 0 && r == 0)
		brig_warn("removing %s: %s", tmp, brig_err_str(&re));
	if (r == 0)
		*summary = brig_steal_ptr(sum);
	json_decref(sum);
	json_decref(x.files);
	json_decref(x.missing);
	json_decref(x.procs);
	brig_closep(&x.out);
	eng_record_clear(&x.rec);
	return r;
}
