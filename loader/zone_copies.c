// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "durable_file.h"
#include "hmap.h"
#include "log.h"
#include "private_dir.h"
#include "zone_copies.h"

/* The directory, then a name escaped (4 bytes a byte at most) and "zone". */
#define COPY_PATH_MAX (PATH_MAX + 4 * KNOT_DNAME_TXT_MAXLEN + 8)

/* c->dir made if missing, root's alone (0700, whatever mode it was left
 * with), and locked into c->lock_fd. */
static int lock_directory(struct zone_copies *c, char *err, size_t errlen)
{
	char why[512];
	struct stat st;
	int fd;

	if ((mkdir(c->dir, 0700) && errno != EEXIST) || stat(c->dir, &st)) {
		snprintf(err, errlen, "%s: %s", c->dir, strerror(errno));
		return -1;
	}
	if (private_dir_check(c->dir, &st, why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	/* Two daemons writing one zone's copy would each serve the other's
	 * at their next start, and each take the other's writes under way
	 * for leftovers of a crash. */
	fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) || ((st.st_mode & 077) && fchmod(fd, 0700) && errno != EROFS)) {
		snprintf(err, errlen, "%s: %s", c->dir, fd >= 0 && errno == EWOULDBLOCK ?
			 "another xdpcastd keeps its copies here (give each a state_file in a directory of its own)" :
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->lock_fd = fd;
	return 0;
}

/* The directory the lock holds still the one at c->dir: removed while
 * running (to force fresh transfers, say), it is made again as at the
 * start, not as durable_file_write makes one (0755: the copies of zones
 * a primary keeps from the world, readable to all), and locked again. */
static int directory_in_place(struct zone_copies *c, char *err, size_t errlen)
{
	struct stat now, locked;
	int held = c->lock_fd;

	if (!stat(c->dir, &now) && !fstat(held, &locked) && now.st_dev == locked.st_dev &&
	    now.st_ino == locked.st_ino)
		return 0;
	if (lock_directory(c, err, errlen))
		return -1;
	close(held);
	log_info("transfer.copies: %s was removed or replaced while running: made again", c->dir);
	return 0;
}

int zone_copies_open(struct zone_copies *c, const char *state_file, char *err, size_t errlen)
{
	char copy[PATH_MAX], why[512], *parent;

	snprintf(copy, sizeof(copy), "%s", state_file);
	parent = dirname(copy);
	if (snprintf(c->dir, sizeof(c->dir), "%s/zones", parent) >= (int)sizeof(c->dir)) {
		snprintf(err, errlen, "%s/zones: %s", parent, strerror(ENAMETOOLONG));
		goto none;
	}
	/* The state file's directory is made when it is first written; the
	 * copies' is root's alone: a transferred zone may be one its primary
	 * keeps from the world (TSIG), and what is written there is served. */
	if (mkdir(parent, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", parent, strerror(errno));
		goto none;
	}
	if (private_parent_check(c->dir, why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		goto none;
	}
	if (lock_directory(c, err, errlen))
		goto none;
	return 0;
none:
	c->dir[0] = '\0';
	return -1;
}

void zone_copies_close(struct zone_copies *c)
{
	if (!c->dir[0])
		return;
	close(c->lock_fd);
	c->dir[0] = '\0';
}

/* The copy's file: the zone's name in presentation form, a '/' in a label
 * escaped too (a file name holds none), then "zone": "example.com.zone",
 * the root's ".zone". A name too long for a file name with the suffix of
 * the temporary file it is written to (a name may be 1,004 characters
 * escaped) goes by its hash: a copy found under another zone's is not
 * taken (zone_copy_load compares origins). */
static void copy_path(const struct zone_copies *c, const knot_dname_t *origin, char out[COPY_PATH_MAX])
{
	char name[KNOT_DNAME_TXT_MAXLEN], escaped[4 * KNOT_DNAME_TXT_MAXLEN], *at = escaped;

	knot_dname_to_str(name, origin, sizeof(name));
	for (const char *p = name; *p; p++)
		at += *p == '/' ? sprintf(at, "\\047") : sprintf(at, "%c", *p);
	if (strlen(escaped) + sizeof("zone.XXXXXX") > NAME_MAX)
		snprintf(escaped, sizeof(escaped), "%016llx.",
			 (unsigned long long)hmap_hash(HMAP_HASH_SEED, origin, knot_dname_size(origin)));
	snprintf(out, COPY_PATH_MAX, "%s/%szone", c->dir, strcmp(name, ".") ? escaped : "");
}

/* A copy's temporary file: its name (ending in "zone"), a dot and the six
 * characters mkostemp(3) put in place of durable_file_write's XXXXXX. */
static bool is_leftover(const char *name)
{
	size_t len = strlen(name);
	const char *suffix = name + len - 6;

	if (len < sizeof("zone.XXXXXX") - 1 || strncmp(suffix - 5, "zone.", 5))
		return false;
	for (int i = 0; i < 6; i++)
		if (!isalnum((unsigned char)suffix[i]))
			return false;
	return true;
}

size_t zone_copies_remove_leftovers(const struct zone_copies *c)
{
	DIR *dir = c->dir[0] ? opendir(c->dir) : NULL;
	size_t removed = 0;
	struct dirent *entry;
	struct stat st;

	if (!dir)
		return 0;
	while ((entry = readdir(dir)))
		if (is_leftover(entry->d_name) && !fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode) && !unlinkat(dirfd(dir), entry->d_name, 0))
			removed++;
	closedir(dir);
	return removed;
}

/* The zone as text, each RRset as libknot writes it (names in full: the
 * file needs no $ORIGIN). */
static char *zone_text(const struct zone *zone, size_t *len)
{
	size_t size = 0, line_size = 4096;     /* libknot grows it; it takes none to begin with */
	char *text = NULL, *line = malloc(line_size);
	FILE *out = open_memstream(&text, &size);
	const knot_rrset_t *soa = zone_find(zone, zone->origin, KNOT_RRTYPE_SOA);
	bool failed = !out || !line;

	/* The SOA first, as a zone file begins. */
	for (size_t i = 0; i <= zone->rrset_count && !failed; i++) {
		const knot_rrset_t *rr = i ? &zone->rrsets[i - 1] : soa;
		int n;

		if (i && rr == soa)
			continue;
		n = knot_rrset_txt_dump(rr, &line, &line_size, &KNOT_DUMP_STYLE_DEFAULT);
		failed = n < 0 || fwrite(line, 1, n, out) != (size_t)n;
	}
	free(line);
	if (out && fclose(out))
		failed = true;
	if (failed) {
		free(text);
		return NULL;
	}
	*len = size;
	return text;
}

int zone_copy_save(struct zone_copies *c, const struct zone *zone, time_t refreshed_at, char *err,
		   size_t errlen)
{
	char path[COPY_PATH_MAX], why[512];
	size_t len;
	char *text = zone_text(zone, &len);
	int ret = -1;

	copy_path(c, zone->origin, path);
	if (!text)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (directory_in_place(c, err, errlen))
		;
	else if (durable_file_write(path, text, len, why, sizeof(why)))
		snprintf(err, errlen, "%s: %s", path, why);
	else
		ret = 0;
	free(text);
	if (!ret)
		zone_copy_refreshed(c, zone->origin, refreshed_at);
	return ret;
}

struct zone *zone_copy_load(const struct zone_copies *c, const knot_dname_t *origin, time_t *refreshed_at,
			    char *err, size_t errlen)
{
	char path[COPY_PATH_MAX], why[512];
	struct zone *zone;
	struct stat st;

	err[0] = '\0';
	copy_path(c, origin, path);
	if (lstat(path, &st))
		return NULL;
	/* Whoever else may write there could have us serve their answers. */
	if (private_parent_check(path, why, sizeof(why))) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	if (!(zone = zone_load_written(path, why, sizeof(why)))) {
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	if (!knot_dname_is_equal(zone->origin, origin)) {
		snprintf(err, errlen, "%s: a copy of another zone", path);
		zone_free(zone);
		return NULL;
	}
	*refreshed_at = st.st_mtim.tv_sec;
	return zone;
}

void zone_copy_refreshed(const struct zone_copies *c, const knot_dname_t *origin, time_t at)
{
	struct timespec times[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = at } };
	char path[COPY_PATH_MAX];

	copy_path(c, origin, path);
	utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
}

void zone_copy_forget(const struct zone_copies *c, const knot_dname_t *origin)
{
	char path[COPY_PATH_MAX];

	copy_path(c, origin, path);
	unlink(path);
}
