/* SPDX-License-Identifier: MIT */
/*
 * Scanning the text payloads of a trace (kallsyms, saved_tgids,
 * saved_cmdlines, /proc/PID/maps) line by line, within bounds: nothing
 * here reads past the end it is given or looks beyond the current line,
 * so a payload costs its length however many lines it has (sscanf takes
 * the length of the whole rest of the buffer on every call).
 */
#ifndef UKT_TEXTSCAN_H
#define UKT_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct text_cursor {
	const char *p, *end;
};

/* A cursor over n bytes of text at p (NULs included: they are bytes). */
static inline struct text_cursor text_cursor(const char *p, size_t n)
{
	return (struct text_cursor){ p, p ? p + n : p };
}

/* The next line, without its newline, as a cursor of its own: true, or
 * false at the end of the text. */
bool text_line(struct text_cursor *c, struct text_cursor *line);

/* Skip spaces and tabs. */
void text_skip_blanks(struct text_cursor *c);

/*
 * After optional blanks: a hexadecimal number (an optional 0x), a decimal
 * one (an optional sign, within int64_t), a non-blank word, one
 * character. False, leaving c where it was, when there is none or the
 * number does not fit.
 */
bool text_hex(struct text_cursor *c, uint64_t *v);
bool text_dec(struct text_cursor *c, int64_t *v);
bool text_int(struct text_cursor *c, int *v);	/* within int */
bool text_word(struct text_cursor *c, const char **w, size_t *n);
bool text_char(struct text_cursor *c, char *ch);
/* The character at c is ch: true and past it. */
bool text_expect(struct text_cursor *c, char ch);

#endif
