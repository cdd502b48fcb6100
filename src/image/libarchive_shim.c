/* SPDX-License-Identifier: Apache-2.0 */
/* libarchive through dlopen (libarchive-shim.h says why). */
#include "image/libarchive-shim.h"

#include "common/common.h"
#include "common/lazylib.h"

#include <pthread.h>

struct img_libarchive_api img_libarchive;

static bool loaded;

static void load_once(void)
{
#define SYM(n) BRIG_LAZY_SYM(struct img_libarchive_api, f_##n, "archive_" #n)
	static const struct brig_lazy_sym syms[] = {
		SYM(entry_acl_count),
		SYM(entry_atime),
		SYM(entry_atime_is_set),
		SYM(entry_atime_nsec),
		SYM(entry_clear),
		SYM(entry_copy_hardlink),
		SYM(entry_copy_pathname),
		SYM(entry_copy_symlink),
		SYM(entry_fflags),
		SYM(entry_fflags_text),
		SYM(entry_filetype),
		SYM(entry_free),
		SYM(entry_gid),
		SYM(entry_hardlink),
		SYM(entry_mode),
		SYM(entry_mtime),
		SYM(entry_mtime_nsec),
		SYM(entry_new),
		SYM(entry_pathname),
		SYM(entry_perm),
		SYM(entry_rdevmajor),
		SYM(entry_rdevminor),
		SYM(entry_set_filetype),
		SYM(entry_set_gid),
		SYM(entry_set_hardlink),
		SYM(entry_set_mode),
		SYM(entry_set_mtime),
		SYM(entry_set_pathname),
		SYM(entry_set_perm),
		SYM(entry_set_rdevmajor),
		SYM(entry_set_rdevminor),
		SYM(entry_set_size),
		SYM(entry_set_uid),
		SYM(entry_size),
		SYM(entry_size_is_set),
		SYM(entry_symlink),
		SYM(entry_uid),
		SYM(entry_xattr_add_entry),
		SYM(entry_xattr_next),
		SYM(entry_xattr_reset),
		SYM(errno),
		SYM(error_string),
		SYM(filter_bytes),
		SYM(read_append_filter),
		SYM(read_data),
		SYM(read_data_block),
		SYM(read_data_skip),
		SYM(read_free),
		SYM(read_new),
		SYM(read_next_header),
		SYM(read_open),
		SYM(read_support_filter_gzip),
		SYM(read_support_filter_zstd),
		SYM(read_support_format_raw),
		SYM(read_support_format_tar),
		SYM(set_error),
		SYM(write_add_filter_gzip),
		SYM(write_add_filter_zstd),
		SYM(write_close),
		SYM(write_data),
		SYM(write_fail),
		SYM(write_free),
		SYM(write_header),
		SYM(write_new),
		SYM(write_open),
		SYM(write_open_fd),
		SYM(write_set_bytes_in_last_block),
		SYM(write_set_filter_option),
		SYM(write_set_format_pax),
		SYM(write_set_format_pax_restricted),
		SYM(write_set_format_raw),
	};
#undef SYM
	struct brig_err e = { 0 };
	/* libarchive 3's soname (Debian 12 ships 3.6). */
	if (brig_lazy_load("libarchive.so.13", syms, sizeof(syms) / sizeof(syms[0]),
			   &img_libarchive, sizeof(img_libarchive), &e) == 0)
		loaded = true;
	else
		brig_error("%s", brig_err_str(&e));
	brig_err_clear(&e);
}

/* Load libarchive once per process (threads may race to the first call). */
static bool ready(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	(void)pthread_once(&once, load_once);
	return loaded;
}

struct archive *img_archive_read_new(void)
{
	return ready() ? img_libarchive.f_read_new() : NULL;
}

struct archive *img_archive_write_new(void)
{
	return ready() ? img_libarchive.f_write_new() : NULL;
}

struct archive_entry *img_archive_entry_new(void)
{
	return ready() ? img_libarchive.f_entry_new() : NULL;
}
