/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to src/image (and audit/defang.c, which writes a layer): libarchive, loaded with dlopen when the first
 * archive or entry is made.  Linked normally it brought libxml2, ICU and
 * libstdc++ into every brig process, although only the commands that read
 * or write layers and archives use it (common/lazylib.h says why that
 * matters).
 *
 * After this header the archive_* functions src/image calls name the loaded
 * ones.  archive_read_new, archive_write_new and archive_entry_new load the
 * library first (and return NULL, having said why on stderr, when it cannot
 * be loaded); every other function takes what one of them returned.
 */
#ifndef BRIG_IMAGE_LIBARCHIVE_SHIM_H
#define BRIG_IMAGE_LIBARCHIVE_SHIM_H

#include <archive.h>
#include <archive_entry.h>

struct img_libarchive_api {
	__typeof__(archive_entry_acl_count) *f_entry_acl_count;
	__typeof__(archive_entry_atime) *f_entry_atime;
	__typeof__(archive_entry_atime_is_set) *f_entry_atime_is_set;
	__typeof__(archive_entry_atime_nsec) *f_entry_atime_nsec;
	__typeof__(archive_entry_clear) *f_entry_clear;
	__typeof__(archive_entry_copy_hardlink) *f_entry_copy_hardlink;
	__typeof__(archive_entry_copy_pathname) *f_entry_copy_pathname;
	__typeof__(archive_entry_copy_symlink) *f_entry_copy_symlink;
	__typeof__(archive_entry_fflags) *f_entry_fflags;
	__typeof__(archive_entry_fflags_text) *f_entry_fflags_text;
	__typeof__(archive_entry_filetype) *f_entry_filetype;
	__typeof__(archive_entry_free) *f_entry_free;
	__typeof__(archive_entry_gid) *f_entry_gid;
	__typeof__(archive_entry_hardlink) *f_entry_hardlink;
	__typeof__(archive_entry_mode) *f_entry_mode;
	__typeof__(archive_entry_mtime) *f_entry_mtime;
	__typeof__(archive_entry_mtime_nsec) *f_entry_mtime_nsec;
	__typeof__(archive_entry_new) *f_entry_new;
	__typeof__(archive_entry_pathname) *f_entry_pathname;
	__typeof__(archive_entry_perm) *f_entry_perm;
	__typeof__(archive_entry_rdevmajor) *f_entry_rdevmajor;
	__typeof__(archive_entry_rdevminor) *f_entry_rdevminor;
	__typeof__(archive_entry_set_filetype) *f_entry_set_filetype;
	__typeof__(archive_entry_set_gid) *f_entry_set_gid;
	__typeof__(archive_entry_set_hardlink) *f_entry_set_hardlink;
	__typeof__(archive_entry_set_mode) *f_entry_set_mode;
	__typeof__(archive_entry_set_mtime) *f_entry_set_mtime;
	__typeof__(archive_entry_set_pathname) *f_entry_set_pathname;
	__typeof__(archive_entry_set_perm) *f_entry_set_perm;
	__typeof__(archive_entry_set_rdevmajor) *f_entry_set_rdevmajor;
	__typeof__(archive_entry_set_rdevminor) *f_entry_set_rdevminor;
	__typeof__(archive_entry_set_size) *f_entry_set_size;
	__typeof__(archive_entry_set_uid) *f_entry_set_uid;
	__typeof__(archive_entry_size) *f_entry_size;
	__typeof__(archive_entry_size_is_set) *f_entry_size_is_set;
	__typeof__(archive_entry_symlink) *f_entry_symlink;
	__typeof__(archive_entry_uid) *f_entry_uid;
	__typeof__(archive_entry_xattr_add_entry) *f_entry_xattr_add_entry;
	__typeof__(archive_entry_xattr_next) *f_entry_xattr_next;
	__typeof__(archive_entry_xattr_reset) *f_entry_xattr_reset;
	__typeof__(archive_errno) *f_errno;
	__typeof__(archive_error_string) *f_error_string;
	__typeof__(archive_filter_bytes) *f_filter_bytes;
	__typeof__(archive_read_append_filter) *f_read_append_filter;
	__typeof__(archive_read_data) *f_read_data;
	__typeof__(archive_read_data_block) *f_read_data_block;
	__typeof__(archive_read_data_skip) *f_read_data_skip;
	__typeof__(archive_read_free) *f_read_free;
	__typeof__(archive_read_new) *f_read_new;
	__typeof__(archive_read_next_header) *f_read_next_header;
	__typeof__(archive_read_open) *f_read_open;
	__typeof__(archive_read_support_filter_gzip) *f_read_support_filter_gzip;
	__typeof__(archive_read_support_filter_zstd) *f_read_support_filter_zstd;
	__typeof__(archive_read_support_format_raw) *f_read_support_format_raw;
	__typeof__(archive_read_support_format_tar) *f_read_support_format_tar;
	__typeof__(archive_set_error) *f_set_error;
	__typeof__(archive_write_add_filter_gzip) *f_write_add_filter_gzip;
	__typeof__(archive_write_add_filter_zstd) *f_write_add_filter_zstd;
	__typeof__(archive_write_close) *f_write_close;
	__typeof__(archive_write_data) *f_write_data;
	__typeof__(archive_write_fail) *f_write_fail;
	__typeof__(archive_write_free) *f_write_free;
	__typeof__(archive_write_header) *f_write_header;
	__typeof__(archive_write_new) *f_write_new;
	__typeof__(archive_write_open) *f_write_open;
	__typeof__(archive_write_open_fd) *f_write_open_fd;
	__typeof__(archive_write_set_bytes_in_last_block) *f_write_set_bytes_in_last_block;
	__typeof__(archive_write_set_filter_option) *f_write_set_filter_option;
	__typeof__(archive_write_set_format_pax) *f_write_set_format_pax;
	__typeof__(archive_write_set_format_pax_restricted) *f_write_set_format_pax_restricted;
	__typeof__(archive_write_set_format_raw) *f_write_set_format_raw;
};

extern struct img_libarchive_api img_libarchive;

/* The constructors: load libarchive once, then make the object. */
struct archive *img_archive_read_new(void);
struct archive *img_archive_write_new(void);
struct archive_entry *img_archive_entry_new(void);

#define archive_read_new img_archive_read_new
#define archive_write_new img_archive_write_new
#define archive_entry_new img_archive_entry_new
#define archive_entry_acl_count (img_libarchive.f_entry_acl_count)
#define archive_entry_atime (img_libarchive.f_entry_atime)
#define archive_entry_atime_is_set (img_libarchive.f_entry_atime_is_set)
#define archive_entry_atime_nsec (img_libarchive.f_entry_atime_nsec)
#define archive_entry_clear (img_libarchive.f_entry_clear)
#define archive_entry_copy_hardlink (img_libarchive.f_entry_copy_hardlink)
#define archive_entry_copy_pathname (img_libarchive.f_entry_copy_pathname)
#define archive_entry_copy_symlink (img_libarchive.f_entry_copy_symlink)
#define archive_entry_fflags (img_libarchive.f_entry_fflags)
#define archive_entry_fflags_text (img_libarchive.f_entry_fflags_text)
#define archive_entry_filetype (img_libarchive.f_entry_filetype)
#define archive_entry_free (img_libarchive.f_entry_free)
#define archive_entry_gid (img_libarchive.f_entry_gid)
#define archive_entry_hardlink (img_libarchive.f_entry_hardlink)
#define archive_entry_mode (img_libarchive.f_entry_mode)
#define archive_entry_mtime (img_libarchive.f_entry_mtime)
#define archive_entry_mtime_nsec (img_libarchive.f_entry_mtime_nsec)
#define archive_entry_pathname (img_libarchive.f_entry_pathname)
#define archive_entry_perm (img_libarchive.f_entry_perm)
#define archive_entry_rdevmajor (img_libarchive.f_entry_rdevmajor)
#define archive_entry_rdevminor (img_libarchive.f_entry_rdevminor)
#define archive_entry_set_filetype (img_libarchive.f_entry_set_filetype)
#define archive_entry_set_gid (img_libarchive.f_entry_set_gid)
#define archive_entry_set_hardlink (img_libarchive.f_entry_set_hardlink)
#define archive_entry_set_mode (img_libarchive.f_entry_set_mode)
#define archive_entry_set_mtime (img_libarchive.f_entry_set_mtime)
#define archive_entry_set_pathname (img_libarchive.f_entry_set_pathname)
#define archive_entry_set_perm (img_libarchive.f_entry_set_perm)
#define archive_entry_set_rdevmajor (img_libarchive.f_entry_set_rdevmajor)
#define archive_entry_set_rdevminor (img_libarchive.f_entry_set_rdevminor)
#define archive_entry_set_size (img_libarchive.f_entry_set_size)
#define archive_entry_set_uid (img_libarchive.f_entry_set_uid)
#define archive_entry_size (img_libarchive.f_entry_size)
#define archive_entry_size_is_set (img_libarchive.f_entry_size_is_set)
#define archive_entry_symlink (img_libarchive.f_entry_symlink)
#define archive_entry_uid (img_libarchive.f_entry_uid)
#define archive_entry_xattr_add_entry (img_libarchive.f_entry_xattr_add_entry)
#define archive_entry_xattr_next (img_libarchive.f_entry_xattr_next)
#define archive_entry_xattr_reset (img_libarchive.f_entry_xattr_reset)
#define archive_errno (img_libarchive.f_errno)
#define archive_error_string (img_libarchive.f_error_string)
#define archive_filter_bytes (img_libarchive.f_filter_bytes)
#define archive_read_append_filter (img_libarchive.f_read_append_filter)
#define archive_read_data (img_libarchive.f_read_data)
#define archive_read_data_block (img_libarchive.f_read_data_block)
#define archive_read_data_skip (img_libarchive.f_read_data_skip)
#define archive_read_free (img_libarchive.f_read_free)
#define archive_read_next_header (img_libarchive.f_read_next_header)
#define archive_read_open (img_libarchive.f_read_open)
#define archive_read_support_filter_gzip (img_libarchive.f_read_support_filter_gzip)
#define archive_read_support_filter_zstd (img_libarchive.f_read_support_filter_zstd)
#define archive_read_support_format_raw (img_libarchive.f_read_support_format_raw)
#define archive_read_support_format_tar (img_libarchive.f_read_support_format_tar)
#define archive_set_error (img_libarchive.f_set_error)
#define archive_write_add_filter_gzip (img_libarchive.f_write_add_filter_gzip)
#define archive_write_add_filter_zstd (img_libarchive.f_write_add_filter_zstd)
#define archive_write_close (img_libarchive.f_write_close)
#define archive_write_data (img_libarchive.f_write_data)
#define archive_write_fail (img_libarchive.f_write_fail)
#define archive_write_free (img_libarchive.f_write_free)
#define archive_write_header (img_libarchive.f_write_header)
#define archive_write_open (img_libarchive.f_write_open)
#define archive_write_open_fd (img_libarchive.f_write_open_fd)
#define archive_write_set_bytes_in_last_block (img_libarchive.f_write_set_bytes_in_last_block)
#define archive_write_set_filter_option (img_libarchive.f_write_set_filter_option)
#define archive_write_set_format_pax (img_libarchive.f_write_set_format_pax)
#define archive_write_set_format_pax_restricted (img_libarchive.f_write_set_format_pax_restricted)
#define archive_write_set_format_raw (img_libarchive.f_write_set_format_raw)

#endif
