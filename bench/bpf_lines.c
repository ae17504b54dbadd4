// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_lines: a line profile of a loaded BPF program from perf samples.
 * This bpftool has no libbfd (no `dump jited`) and perf names the program
 * one symbol per function, so each sampled address is mapped through the
 * program's jited_line_info (the JITed address where each line_info entry's
 * code begins) to line_info's file:line and source text in its BTF.
 *   perf record -a -g -e cpu-clock -F 25000 -- sleep 3   (under load)
 *   perf script -F ip,sym | bpf_lines PROG_ID
 * Each sample (a block of frames, leaf first) counts where its leaf-most
 * frame in the program is: "self" when that is the leaf, else the call
 * site (the return address less 1), so a helper's or the kernel's time
 * (the hash map's lookup, adjust_head) is charged to the line calling it
 * ("with callees"). Prints the samples in and under the program, the
 * leaf symbols of the samples under it, and per function and per line the
 * samples and their share, most first.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
	const char *key;
	unsigned long n;
};

struct tallies {
	struct tally *t;
	size_t n, cap;
	unsigned long total;
};

/* add: one sample to KEY's tally (linear: a program has a few thousand lines). */
static void add(struct tallies *t, const char *key)
{
	t->total++;
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->t[i].key, key)) {
			t->t[i].n++;
			return;
		}
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->t = realloc(t->t, t->cap * sizeof(*t->t));
		if (!t->t)
			exit(1);
	}
	t->t[t->n++] = (struct tally){ strdup(key), 1 };
}

static int by_count(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static void tallies_free(struct tallies *t)
{
	for (size_t i = 0; i < t->n; i++)
		free((char *)t->t[i].key);
	free(t->t);
}

static void print(const char *title, struct tallies *t)
{
	qsort(t->t, t->n, sizeof(*t->t), by_count);
	printf("\n%s\n", title);
	for (size_t i = 0; i < t->n; i++)
		printf("%8lu %5.1f%%  %s\n", t->t[i].n, 100.0 * t->t[i].n / t->total, t->t[i].key);
}

struct prog {
	__u32 nlines, nfuncs;
	struct bpf_line_info *lines;
	__u64 *jited;           /* per line: its first JITed address */
	__u64 *ksyms;           /* per function: its JITed start */
	__u32 *func_lens;
	struct btf *btf;        /* the program's: the names below point into it */
	const char **fname;
	char **label;           /* per line: "function file:line source" */
};

static void prog_free(struct prog *p)
{
	for (__u32 i = 0; p->label && i < p->nlines; i++)
		free(p->label[i]);
	free(p->label);
	free(p->fname);
	btf__free(p->btf);
	free(p->func_lens);
	free(p->ksyms);
	free(p->jited);
	free(p->lines);
}

/* The index of the function whose JITed image holds ADDR, or -1 (the
 * subprograms' images are allocated apart, in no order). */
static long func_of(const struct prog *p, __u64 addr)
{
	for (__u32 i = 0; i < p->nfuncs; i++)
		if (addr >= p->ksyms[i] && addr < p->ksyms[i] + p->func_lens[i])
			return i;
	return -1;
}

/* The line holding ADDR in function F: the last to begin at or before it. */
static long line_of(const struct prog *p, long f, __u64 addr)
{
	long best = -1;

	for (__u32 i = 0; i < p->nlines; i++)
		if (p->jited[i] <= addr && p->jited[i] >= p->ksyms[f] && (best < 0 || p->jited[i] >= p->jited[best]))
			best = i;
	return best;
}

/* The program's line and function info and its BTF into p (freed by
 * prog_free, also when this fails). */
static int load(struct prog *p, __u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), btf_id;
	struct bpf_func_info *funcs = NULL;
	int fd = bpf_prog_get_fd_by_id(id), ret = -1;

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("program");
		goto out;
	}
	/* The first call gave the counts; the second fills the arrays. */
	p->nlines = info.nr_line_info;
	p->nfuncs = info.nr_jited_ksyms;
	btf_id = info.btf_id;
	if (!p->nlines || info.nr_jited_line_info != p->nlines || info.nr_jited_func_lens != p->nfuncs ||
	    info.nr_func_info != p->nfuncs) {
		fprintf(stderr, "program %u has no line info (no BTF, or not JITed)\n", id);
		goto out;
	}
	p->lines = calloc(p->nlines, sizeof(*p->lines));
	p->jited = calloc(p->nlines, sizeof(*p->jited));
	p->ksyms = calloc(p->nfuncs, sizeof(*p->ksyms));
	p->func_lens = calloc(p->nfuncs, sizeof(*p->func_lens));
	funcs = calloc(p->nfuncs, sizeof(*funcs));
	if (!p->lines || !p->jited || !p->ksyms || !p->func_lens || !funcs)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = p->nlines;
	info.line_info_rec_size = sizeof(*p->lines);
	info.line_info = (__u64)(unsigned long)p->lines;
	info.nr_jited_line_info = p->nlines;
	info.jited_line_info_rec_size = sizeof(*p->jited);
	info.jited_line_info = (__u64)(unsigned long)p->jited;
	info.nr_jited_ksyms = p->nfuncs;
	info.jited_ksyms = (__u64)(unsigned long)p->ksyms;
	info.nr_jited_func_lens = p->nfuncs;
	info.jited_func_lens = (__u64)(unsigned long)p->func_lens;
	info.nr_func_info = p->nfuncs;
	info.func_info_rec_size = sizeof(*funcs);
	info.func_info = (__u64)(unsigned long)funcs;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("program info");
		goto out;
	}
	p->btf = btf__load_from_kernel_by_id(btf_id);
	if (!p->btf) {
		perror("program BTF");
		goto out;
	}
	p->fname = calloc(p->nfuncs, sizeof(*p->fname));
	p->label = calloc(p->nlines, sizeof(*p->label));
	if (!p->fname || !p->label)
		goto out;
	for (__u32 i = 0; i < p->nfuncs; i++) {
		const struct btf_type *t = btf__type_by_id(p->btf, funcs[i].type_id);

		p->fname[i] = t ? btf__name_by_offset(p->btf, t->name_off) : "?";
	}
	for (__u32 i = 0; i < p->nlines; i++) {
		const char *file = btf__name_by_offset(p->btf, p->lines[i].file_name_off);
		const char *src = btf__name_by_offset(p->btf, p->lines[i].line_off);
		const char *base = file ? strrchr(file, '/') : NULL;
		long f = func_of(p, p->jited[i]);

		while (src && (*src == ' ' || *src == '\t'))
			src++;
		if (asprintf(&p->label[i], "%s %s:%u %.70s", f < 0 ? "?" : p->fname[f],
			     base ? base + 1 : file ? file : "?", BPF_LINE_INFO_LINE_NUM(p->lines[i].line_col),
			     src ? src : "") < 0) {
			p->label[i] = NULL;
			goto out;
		}
	}
	ret = 0;
out:
	free(funcs);
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct tallies funcs = {}, self = {}, with_callees = {}, leaves = {};
	unsigned long samples = 0;
	char line[4096], leaf[256] = "";
	int frame = 0, charged = 0;
	struct prog p = {};

	if (argc != 2) {
		fprintf(stderr, "usage: perf script -F ip,sym | bpf_lines PROG_ID  (a perf record -g)\n");
		return 2;
	}
	if (load(&p, strtoul(argv[1], NULL, 10))) {
		prog_free(&p);
		return 1;
	}
	/* perf script: a sample's frames, one a line ("ADDR SYM"), leaf
	 * first; a blank line between samples. */
	while (fgets(line, sizeof(line), stdin)) {
		char *end;
		__u64 addr = strtoull(line, &end, 16);
		long f, l;

		if (!line[strspn(line, " \t\n")]) {     /* blank: the next sample */
			frame = charged = 0;
			continue;
		}
		if (end == line)
			continue;
		if (!frame++) {
			samples++;
			sscanf(end, " %255s", leaf);
		}
		if (charged || (f = func_of(&p, addr)) < 0)
			continue;
		charged = 1;
		l = line_of(&p, f, frame == 1 ? addr : addr - 1);
		if (l < 0)
			continue;
		add(&with_callees, p.label[l]);
		if (frame == 1) {
			add(&funcs, p.fname[f]);
			add(&self, p.label[l]);
			add(&leaves, "(the program's own code)");
		} else {
			add(&leaves, leaf);
		}
	}
	printf("%lu samples; %lu (%.1f%%) under program %s, %lu (%.1f%%) in its own code\n", samples,
	       with_callees.total, 100.0 * with_callees.total / (samples ? samples : 1), argv[1], self.total,
	       100.0 * self.total / (samples ? samples : 1));
	if (with_callees.total) {
		print("samples under the program by leaf symbol", &leaves);
		if (self.total) {
			print("its own code by function", &funcs);
			print("its own code by line: function file:line source", &self);
		}
		print("with callees, by line: function file:line source", &with_callees);
	}
	tallies_free(&funcs);
	tallies_free(&self);
	tallies_free(&with_callees);
	tallies_free(&leaves);
	prog_free(&p);
	return 0;
}
