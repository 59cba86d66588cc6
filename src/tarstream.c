/* Part of the libarchive seam: the bundle's tar streams, written and read. */
#include "tarstream.h"
#include "archive_seam.h"

#include <stdlib.h>
#include <time.h>

struct dmig_tar_writer {
	struct archive *a;
	char *buf;
};

int
dmig_tar_writer_open (int fd, bool zstd, struct dmig_tar_writer **out, dmig_error_t *err)
{
	struct dmig_tar_writer *w = calloc (1, sizeof (*w));

	if (w == NULL || (w->a = archive_write_new ()) == NULL || (w->buf = malloc (DMIG_ARCHIVE_BUFSZ)) == NULL) {
		if (w)
			archive_write_free (w->a);
		free (w);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	archive_write_set_format_pax_restricted (w->a);
	archive_write_set_bytes_in_last_block (w->a, 1);
	if ((zstd && archive_write_add_filter_zstd (w->a) != ARCHIVE_OK)
	    || archive_write_open_fd (w->a, fd) != ARCHIVE_OK) {
		dmig_archive_fail (err, w->a, "cannot start a bundle");
		archive_write_free (w->a);
		free (w->buf);
		free (w);
		return -1;
	}
	*out = w;
	return 0;
}

static struct archive_entry *
member (const char *name, uint64_t size)
{
	struct archive_entry *e = archive_entry_new ();

	if (e == NULL)
		return NULL;
	archive_entry_set_pathname (e, name);
	archive_entry_set_filetype (e, AE_IFREG);
	archive_entry_set_perm (e, 0600);
	archive_entry_set_size (e, (la_int64_t)size);
	archive_entry_set_mtime (e, time (NULL), 0);
	return e;
}

int
dmig_tar_writer_add_fd (struct dmig_tar_writer *w, const char *name, int src_fd, uint64_t size, dmig_error_t *err)
{
	struct archive_entry *e = member (name, size);
	int r;

	if (e == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	r = dmig_archive_copy_fd (w->a, e, src_fd, size, w->buf, err);
	archive_entry_free (e);
	return r;
}

int
dmig_tar_writer_add_buf (struct dmig_tar_writer *w, const char *name, const void *buf, size_t len, dmig_error_t *err)
{
	struct archive_entry *e = member (name, len);
	int r;

	if (e == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	r = dmig_archive_warned (w->a, archive_write_header (w->a, e), name);
	archive_entry_free (e);
	if (r < ARCHIVE_WARN || (len > 0 && archive_write_data (w->a, buf, len) != (la_ssize_t)len))
		return dmig_archive_fail (err, w->a, name);
	return 0;
}

int
dmig_tar_writer_add_dir (struct dmig_tar_writer *w, const char *name, mode_t perm, dmig_error_t *err)
{
	struct archive_entry *e = archive_entry_new ();
	int r;

	if (e == NULL)
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	archive_entry_set_pathname (e, name);
	archive_entry_set_filetype (e, AE_IFDIR);
	archive_entry_set_perm (e, perm);
	archive_entry_set_mtime (e, time (NULL), 0);
	r = dmig_archive_warned (w->a, archive_write_header (w->a, e), name);
	archive_entry_free (e);
	return r < ARCHIVE_WARN ? dmig_archive_fail (err, w->a, name) : 0;
}

int
dmig_tar_writer_close (struct dmig_tar_writer *w, dmig_error_t *err)
{
	int ret = 0;

	if (w == NULL)
		return 0;
	if (archive_write_close (w->a) != ARCHIVE_OK)
		ret = dmig_archive_fail (err, w->a, "cannot finish the bundle");
	archive_write_free (w->a);
	free (w->buf);
	free (w);
	return ret;
}

struct dmig_tar_reader {
	struct archive *a;
	struct archive_entry *cur;
};

int
dmig_tar_reader_open (int fd, struct dmig_tar_reader **out, dmig_error_t *err)
{
	struct dmig_tar_reader *r = calloc (1, sizeof (*r));

	if (r == NULL || (r->a = dmig_archive_tar_reader ()) == NULL) {
		free (r);
		return dmig_error_set (err, DMIG_EFAIL, 0, "out of memory");
	}
	if (archive_read_open_fd (r->a, fd, DMIG_ARCHIVE_BUFSZ) != ARCHIVE_OK) {
		dmig_archive_fail (err, r->a, "not a dmig bundle");
		dmig_tar_reader_close (r);
		return -1;
	}
	*out = r;
	return 0;
}

int
dmig_tar_reader_next (struct dmig_tar_reader *r, struct dmig_tar_entry *e, dmig_error_t *err)
{
	int rc = archive_read_next_header (r->a, &r->cur);

	if (rc == ARCHIVE_EOF)
		return 0;
	if (rc < ARCHIVE_WARN)
		return dmig_archive_fail (err, r->a, "corrupt or truncated bundle");
	e->name = archive_entry_pathname (r->cur);
	dmig_archive_warned (r->a, rc, e->name);
	e->hardlink = archive_entry_hardlink (r->cur) != NULL;
	e->regular = !e->hardlink && archive_entry_filetype (r->cur) == AE_IFREG;
	e->size = archive_entry_size (r->cur);
	return 1;
}

ssize_t
dmig_tar_reader_read (struct dmig_tar_reader *r, void *buf, size_t len, dmig_error_t *err)
{
	la_ssize_t n = archive_read_data (r->a, buf, len);

	if (n < 0)
		return dmig_archive_fail (err, r->a, "corrupt or truncated bundle");
	return n;
}

void
dmig_tar_reader_close (struct dmig_tar_reader *r)
{
	if (r == NULL)
		return;
	archive_read_free (r->a);
	free (r);
}
