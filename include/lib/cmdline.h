/*
 * lib/cmdline.h - split the kernel command line into key=value arguments.
 *
 * The bootloader hands the kernel one string, such as
 *     ktest=pmm,vmm log=debug name="my kiln" quiet
 * cmdline_split() cuts it into words at spaces and tabs (newlines and carriage
 * returns count as spaces too, in case a config file leaves one behind), and
 * each word into a key and an optional value at its first '='. Double quotes
 * group: a space inside quotes does not end the word, and the quote marks
 * themselves are dropped, so name="my kiln" has the value `my kiln`.
 *
 * Nothing here allocates: results go into fixed-size fields, and anything
 * that did not fit is cut short (still NUL-terminated) and reported through
 * the problems bit set, so the caller can warn instead of silently
 * misbehaving.
 *
 * The cmdline_list_* helpers read comma-separated values such as "pmm,vmm".
 */
#ifndef KILN_LIB_CMDLINE_H
#define KILN_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_KEY_MAX 32    /* bytes in a key, NUL included */
#define CMDLINE_VALUE_MAX 128 /* bytes in a value, NUL included */

struct cmdline_arg {
    char key[CMDLINE_KEY_MAX];
    char value[CMDLINE_VALUE_MAX]; /* "" when has_value is false */
    bool has_value;                /* the word had an '=' (the value may still be "") */
};

/* Bits reported through cmdline_split()'s problems argument. */
enum cmdline_problem {
    CMDLINE_TOO_MANY = 1u << 0,           /* more words than max: the extra ones were dropped */
    CMDLINE_KEY_TRUNCATED = 1u << 1,      /* a key did not fit in CMDLINE_KEY_MAX */
    CMDLINE_VALUE_TRUNCATED = 1u << 2,    /* a value did not fit in CMDLINE_VALUE_MAX */
    CMDLINE_UNTERMINATED_QUOTE = 1u << 3, /* a '"' was never closed: it ran to the end */
};

/*
 * Split cmdline into at most max arguments stored in args[0..]. Returns how
 * many were stored. *problems is set to the OR of the cmdline_problem bits
 * that apply (0 when all went well); problems may be NULL. A NULL cmdline
 * is treated as empty; args may be NULL when max is 0.
 */
size_t cmdline_split(const char *cmdline, struct cmdline_arg *args, size_t max, unsigned *problems);

/*
 * Is word exactly one of the items of the comma-separated list? Items are
 * compared whole ("pm" does not match "pmm") and with surrounding spaces
 * ignored. No word is special: "all" matches only an item "all".
 */
bool cmdline_list_contains(const char *list, const char *word);

/*
 * Iterate the items of a comma-separated list. *cursor starts at the list
 * and is advanced past the item returned. Copies the next non-empty item,
 * trimmed of surrounding spaces and tabs, into word (at most max - 1
 * characters, always NUL-terminated when max > 0) and returns how many
 * characters were written; returns 0 when the list is used up. Empty items
 * (",,a," has just "a") are skipped. An item too long for word is cut short;
 * the cursor still moves past all of it. max must be at least 2 for an item
 * to fit at all; with max 0 (or a NULL cursor) nothing happens and 0 is
 * returned.
 *
 *     const char *cursor = "pmm,vmm";
 *     char suite[16];
 *     while (cmdline_list_next(&cursor, suite, sizeof suite) > 0)
 *         ...
 */
size_t cmdline_list_next(const char **cursor, char *word, size_t max);

/*
 * Read an address typed by a person: hexadecimal digits, with or without a
 * leading 0x, 1 to 16 of them, nothing else. Returns false (and leaves *out
 * alone) for anything else, such as "", "0x", "12g" or 17 digits.
 */
bool cmdline_parse_hex(const char *s, uint64_t *out);

#endif
