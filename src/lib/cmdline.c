/*
 * lib/cmdline.c - split the kernel command line into key=value arguments.
 *
 * The command line is scanned once, left to right, with one bit of state:
 * whether we are inside double quotes. Outside quotes a blank ends the word
 * and the first '=' separates key from value; inside quotes both are ordinary
 * characters. Keys and values are copied into fixed-size fields that never
 * overflow: what does not fit is dropped and reported, never written past
 * the end.
 *
 * Lab 1 writes the parts marked for it: docs/labs/lab1-boot.md, docs/labs/README.md.
 */
#include "lib/cmdline.h"

/* Blanks separate words. Newline and carriage return count, in case a config file leaves one. */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *skip_blanks(const char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

/* A fixed-size string filled one character at a time, always NUL-terminated. */
struct field {
    char *buf;
    size_t capacity; /* bytes in buf, NUL included */
    size_t length;
    bool truncated; /* a character was dropped for lack of room */
};

static struct field field_start(char *buf, size_t capacity)
{
    buf[0] = '\0';
    return (struct field){.buf = buf, .capacity = capacity};
}

static void field_append(struct field *f, char c)
{
    if (f->length + 1 < f->capacity) {
        f->buf[f->length++] = c;
        f->buf[f->length] = '\0';
    } else {
        f->truncated = true;
    }
}

/*
 * Parse the word starting at p (not a blank) into arg, OR-ing any problems
 * into *problems. Returns the position just after the word.
 */
static const char *parse_word(const char *p, struct cmdline_arg *arg, unsigned *problems)
{
    struct field key = field_start(arg->key, sizeof arg->key);
    struct field value = field_start(arg->value, sizeof arg->value);

    /* LAB 1 BEGIN: scan one word: quotes group, the first '=' outside quotes splits */
    /* LAB 1 STUB: arg->has_value = false; */
    /* LAB 1 STUB: *problems |= CMDLINE_UNTERMINATED_QUOTE; */
    /* LAB 1 STUB: while (*p != '\0') */
    /* LAB 1 STUB:     p++; */
    struct field *current = &key;
    bool in_quotes = false;

    arg->has_value = false;
    for (; *p != '\0' && (in_quotes || !is_blank(*p)); p++) {
        if (*p == '"') {
            in_quotes = !in_quotes;
        } else if (*p == '=' && !in_quotes && current == &key) {
            arg->has_value = true;
            current = &value;
        } else {
            field_append(current, *p);
        }
    }

    if (in_quotes)
        *problems |= CMDLINE_UNTERMINATED_QUOTE;
    /* LAB 1 END */
    if (key.truncated)
        *problems |= CMDLINE_KEY_TRUNCATED;
    if (value.truncated)
        *problems |= CMDLINE_VALUE_TRUNCATED;
    return p;
}

size_t cmdline_split(const char *cmdline, struct cmdline_arg *args, size_t max, unsigned *problems)
{
    const char *p = cmdline != NULL ? cmdline : "";
    unsigned found = 0;
    size_t count = 0;

    for (p = skip_blanks(p); *p != '\0'; p = skip_blanks(p)) {
        if (count < max) {
            p = parse_word(p, &args[count], &found);
            count++;
        } else {
            /* Still parse the word, quotes and all, to know where it ends. */
            struct cmdline_arg dropped;
            unsigned ignored = 0;
            p = parse_word(p, &dropped, &ignored);
            found |= CMDLINE_TOO_MANY;
        }
    }

    if (problems != NULL)
        *problems = found;
    return count;
}

/*
 * Find the next non-empty item of a comma list: set *start and *length to it
 * (without surrounding blanks) and move *cursor past it. False at the end.
 */
static bool next_item(const char **cursor, const char **start, size_t *length)
{
    const char *p = *cursor;
    /* Skipping commas and blanks together skips empty and all-blank items too. */
    while (*p == ',' || is_blank(*p))
        p++;
    if (*p == '\0') {
        *cursor = p;
        return false;
    }

    const char *item = p;
    while (*p != '\0' && *p != ',')
        p++;
    const char *end = p;
    while (is_blank(end[-1])) /* stops at item[0], which is not blank */
        end--;

    *start = item;
    *length = (size_t)(end - item);
    *cursor = p;
    return true;
}

/* Does the item (not NUL-terminated) spell exactly word? */
static bool item_equals(const char *item, size_t length, const char *word)
{
    for (size_t i = 0; i < length; i++) {
        if (word[i] != item[i]) /* also stops at word's NUL: item has no NUL inside */
            return false;
    }
    return word[length] == '\0';
}

bool cmdline_list_contains(const char *list, const char *word)
{
    const char *item;
    size_t length;

    if (list == NULL || word == NULL)
        return false;
    while (next_item(&list, &item, &length)) {
        if (item_equals(item, length, word))
            return true;
    }
    return false;
}

size_t cmdline_list_next(const char **cursor, char *word, size_t max)
{
    const char *item = NULL;
    size_t length;

    if (cursor == NULL || *cursor == NULL || word == NULL || max == 0)
        return 0;
    if (!next_item(cursor, &item, &length))
        length = 0;
    if (length > max - 1)
        length = max - 1;
    for (size_t i = 0; i < length; i++)
        word[i] = item[i];
    word[length] = '\0';
    return length;
}

bool cmdline_parse_hex(const char *s, uint64_t *out)
{
    if (s == 0)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *s; s++, digits++) {
        int d = (*s >= '0' && *s <= '9')   ? *s - '0'
                : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                           : -1;
        if (d < 0 || digits == 16)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (digits == 0)
        return false;
    *out = v;
    return true;
}
