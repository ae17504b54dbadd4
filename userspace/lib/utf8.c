// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define UTF8_CONTINUATION_MAX 3        /* bytes after the first, in the longest character */

static const char replacement_character[] = "\xef\xbf\xbd";     /* U+FFFD */

static int is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* The length of the character at s (len bytes left), or 0 when the bytes
 * there are not one. As strict as jansson: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static size_t character_length(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t code;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		code = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		code = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		code = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (!is_continuation(s[i]))
			return 0;
		code = code << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && code < 0x800) || (n == 4 && code < 0x10000) || code > 0x10ffff ||
	    (code >= 0xd800 && code <= 0xdfff))
		return 0;
	return n;
}

void utf8_copy(char *dst, size_t size, const char *src)
{
	size_t len = strnlen(src, size);

	if (!size)
		return;
	if (len == size) {
		/* Too long: back off to the start of the character the cut falls in. */
		len = size - 1;
		for (size_t back = 0; back < UTF8_CONTINUATION_MAX && len > 0 &&
		     is_continuation((unsigned char)src[len]); back++)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

char *utf8_valid(const char *text)
{
	const unsigned char *in = (const unsigned char *)text;
	size_t len = strlen(text), used = 0;
	/* Each bad byte grows to the three of U+FFFD. */
	char *valid = malloc(len * (sizeof(replacement_character) - 1) + 1);

	if (!valid)
		return NULL;
	for (size_t i = 0, n; i < len; i += n) {
		n = character_length(in + i, len - i);
		if (n) {
			memcpy(valid + used, in + i, n);
			used += n;
		} else {
			memcpy(valid + used, replacement_character, sizeof(replacement_character) - 1);
			used += sizeof(replacement_character) - 1;
			n = 1;
		}
	}
	valid[used] = '\0';
	return valid;
}

json_t *json_text(const char *text)
{
	char *valid = utf8_valid(text);
	json_t *string = valid ? json_string(valid) : NULL;

	free(valid);
	return string;
}
