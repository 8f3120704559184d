/*
 * lib/line_edit.c - the prompt's line editor: history, Tab completion, escape sequences.
 *
 * Plain C with no hardware: the kernel monitor feeds it keys from COM1 and the
 * PS/2 keyboard, tests/test_line_edit.c feeds it keys on the host. The cursor
 * always sits at the end of the line, so every change is "rub out some
 * characters at the end, write some more", which a serial terminal and the
 * VGA text screen can both show with backspaces.
 */
#include "lib/line_edit.h"

#include "lib/string.h"

#define KEY_CTRL_C 0x03
#define KEY_BACKSPACE 0x08
#define KEY_TAB 0x09
#define KEY_CTRL_U 0x15
#define KEY_ESCAPE 0x1B
#define KEY_DELETE 0x7F /* what most terminals send for the Backspace key */

static void put_text(struct line_edit *le, const char *s)
{
    while (*s)
        le->put(*s++, le->ctx);
}

static void rub_out(struct line_edit *le, size_t n)
{
    for (size_t i = 0; i < n && le->len > 0; i++) {
        le->len--;
        put_text(le, "\b \b");
    }
    le->line[le->len] = '\0';
}

static void append(struct line_edit *le, char c)
{
    if (le->len + 1 >= LINE_EDIT_MAX)
        return;
    le->line[le->len++] = c;
    le->line[le->len] = '\0';
    le->put(c, le->ctx);
}

/* Show `text` instead of the line typed so far. */
static void replace_line(struct line_edit *le, const char *text)
{
    rub_out(le, le->len);
    while (*text)
        append(le, *text++);
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool line_edit_same_name(const char *a, const char *b)
{
    while (*a && lower(*a) == lower(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

/* Does `name` begin with the first `n` characters of `typed`, apart from case? */
static bool starts_with(const char *name, const char *typed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (name[i] == '\0' || lower(name[i]) != lower(typed[i]))
            return false;
    return true;
}

void line_edit_init(struct line_edit *le, const char *prompt, const char *const *names,
                    size_t name_count, line_edit_put_fn put, void *ctx)
{
    memset(le, 0, sizeof(*le));
    le->prompt = prompt;
    le->names = names;
    le->name_count = name_count;
    le->put = put;
    le->ctx = ctx;
}

void line_edit_start(struct line_edit *le)
{
    le->len = 0;
    le->line[0] = '\0';
    le->browsing = 0;
    le->escape = LINE_EDIT_ESC_NONE;
    put_text(le, le->prompt);
}

/* The k-th newest history entry, 1 <= k <= history_count. */
static const char *history_entry(const struct line_edit *le, size_t k)
{
    return le->history[(le->history_next + LINE_EDIT_HISTORY - k) % LINE_EDIT_HISTORY];
}

static void remember(struct line_edit *le)
{
    if (le->len == 0 || (le->history_count > 0 && !strcmp(history_entry(le, 1), le->line)))
        return;
    memcpy(le->history[le->history_next], le->line, le->len + 1);
    le->history_next = (le->history_next + 1) % LINE_EDIT_HISTORY;
    if (le->history_count < LINE_EDIT_HISTORY)
        le->history_count++;
}

static void history_older(struct line_edit *le)
{
    if (le->browsing == le->history_count)
        return;
    if (le->browsing == 0)
        memcpy(le->draft, le->line, le->len + 1);
    le->browsing++;
    replace_line(le, history_entry(le, le->browsing));
}

static void history_newer(struct line_edit *le)
{
    if (le->browsing == 0)
        return;
    le->browsing--;
    replace_line(le, le->browsing ? history_entry(le, le->browsing) : le->draft);
}

/* Tab: complete the first word from the names, or list what it could become. */
static void complete(struct line_edit *le)
{
    for (size_t i = 0; i < le->len; i++)
        if (le->line[i] == ' ' || le->line[i] == '\t')
            return; /* only the command name is completed */
    const char *first = 0;
    size_t matches = 0, shared = 0;
    for (size_t i = 0; i < le->name_count; i++) {
        const char *name = le->names[i];
        if (!starts_with(name, le->line, le->len) || strlen(name) + 2 > LINE_EDIT_MAX)
            continue;
        if (matches++ == 0) {
            first = name;
            shared = strlen(name);
        }
        size_t same = 0;
        while (same < shared && lower(name[same]) == lower(first[same]))
            same++;
        shared = same;
    }
    if (matches == 0)
        return;
    char text[LINE_EDIT_MAX];
    memcpy(text, first, shared);
    text[shared] = '\0';
    if (matches == 1) {
        text[shared++] = ' ';
        text[shared] = '\0';
    }
    if (shared > le->len || matches == 1) {
        replace_line(le, text);
        return;
    }
    /* Nothing to add: show the candidates, then the prompt and the line again. */
    const char *gap = "\n";
    for (size_t i = 0; i < le->name_count; i++) {
        if (starts_with(le->names[i], le->line, le->len) &&
            strlen(le->names[i]) + 2 <= LINE_EDIT_MAX) {
            put_text(le, gap);
            put_text(le, le->names[i]);
            gap = "  ";
        }
    }
    le->put('\n', le->ctx);
    put_text(le, le->prompt);
    put_text(le, le->line);
}

/* A key that ends an escape sequence, or -1 while the sequence goes on. */
static int escape_step(struct line_edit *le, int key)
{
    static const int arrows[] = {LINE_EDIT_KEY_UP, LINE_EDIT_KEY_DOWN, LINE_EDIT_KEY_RIGHT,
                                 LINE_EDIT_KEY_LEFT};
    switch (le->escape) {
    case LINE_EDIT_ESC_START:
        le->escape = key == '['   ? LINE_EDIT_ESC_CSI
                     : key == 'O' ? LINE_EDIT_ESC_SS3
                                  : LINE_EDIT_ESC_NONE;
        return -1;
    case LINE_EDIT_ESC_CSI:
        if (key >= 0x20 && key <= 0x3F) /* parameters and intermediates: not used here */
            return -1;
        /* any other byte ends the sequence, as the byte after ESC O does */
        __attribute__((fallthrough));
    case LINE_EDIT_ESC_SS3:
        le->escape = LINE_EDIT_ESC_NONE;
        return key >= 'A' && key <= 'D' ? arrows[key - 'A'] : -1;
    case LINE_EDIT_ESC_NONE:
        break;
    }
    return key;
}

bool line_edit_feed(struct line_edit *le, int key)
{
    bool after_cr = le->after_cr;
    le->after_cr = key == '\r';
    if (le->escape != LINE_EDIT_ESC_NONE && (key = escape_step(le, key)) < 0)
        return false;
    switch (key) {
    case '\n':
        if (after_cr)
            return false; /* the LF of a CR LF pair: the line has ended already */
        __attribute__((fallthrough));
    case '\r':
        le->put('\n', le->ctx);
        remember(le);
        le->browsing = 0;
        return true;
    case KEY_CTRL_C:
        put_text(le, "^C\n");
        le->len = 0;
        le->line[0] = '\0';
        le->browsing = 0;
        return true;
    case KEY_BACKSPACE:
    case KEY_DELETE:
        rub_out(le, 1);
        return false;
    case KEY_CTRL_U:
        rub_out(le, le->len);
        return false;
    case KEY_TAB:
        complete(le);
        return false;
    case KEY_ESCAPE:
        le->escape = LINE_EDIT_ESC_START;
        return false;
    case LINE_EDIT_KEY_UP:
        history_older(le);
        return false;
    case LINE_EDIT_KEY_DOWN:
        history_newer(le);
        return false;
    default:
        if (key >= ' ' && key <= '~')
            append(le, (char)key);
        return false; /* Left, Right, other control characters: dropped */
    }
}
