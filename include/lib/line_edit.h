/*
 * lib/line_edit.h - a line editor for a prompt: history, completion, escapes.
 *
 * The editor is a state machine fed one key at a time; it knows nothing of
 * serial ports or keyboards. Keys are bytes as a terminal sends them (Enter is
 * CR or LF, Backspace is 0x08 or 0x7F, the arrows arrive as the escape
 * sequences ESC [ A ... ESC [ D, or ESC O A ... ESC O D) or one of the
 * LINE_EDIT_KEY_ codes, which a keyboard driver can hand over directly.
 * What the editor wants shown goes out one character at a time through the
 * `put` function it was given: the typed characters, "\b \b" to rub one out,
 * and '\n' at the end of the line.
 *
 *   Up / Down      the previous / next line from the history (Down past the
 *                  newest line brings back what was being typed)
 *   Tab            completes the first word from the list of names: the whole
 *                  name when one matches, the part all matches share, or a
 *                  list of them when Tab cannot add anything
 *   Backspace      rubs out the last character; Ctrl-U the whole line
 *   Ctrl-C         abandons the line (an empty line is returned)
 *   Left / Right   read and ignored: the cursor stays at the end of the line
 *
 * Names match without regard to case (line_edit_same_name), so "HE" completes
 * to "help". Characters past LINE_EDIT_MAX - 1 and other control characters
 * are dropped. tests/test_line_edit.c tests it on the host.
 */
#ifndef KILN_LIB_LINE_EDIT_H
#define KILN_LIB_LINE_EDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_EDIT_MAX 128    /* bytes per line, with its terminating NUL */
#define LINE_EDIT_HISTORY 16 /* lines remembered; the oldest goes first */

enum line_edit_key {
    LINE_EDIT_KEY_UP = 0x100,
    LINE_EDIT_KEY_DOWN,
    LINE_EDIT_KEY_RIGHT,
    LINE_EDIT_KEY_LEFT,
};

typedef void (*line_edit_put_fn)(char c, void *ctx);

/* Where the editor is inside an escape sequence: none, after ESC, after ESC [, after ESC O. */
enum line_edit_escape {
    LINE_EDIT_ESC_NONE,
    LINE_EDIT_ESC_START,
    LINE_EDIT_ESC_CSI,
    LINE_EDIT_ESC_SS3
};

struct line_edit {
    char line[LINE_EDIT_MAX]; /* the line being typed; the finished line after Enter */
    size_t len;
    char history[LINE_EDIT_HISTORY][LINE_EDIT_MAX];
    size_t history_count;      /* entries kept, at most LINE_EDIT_HISTORY */
    size_t history_next;       /* the slot the next entry goes in */
    size_t browsing;           /* 0: a new line; k: showing the k-th newest entry */
    char draft[LINE_EDIT_MAX]; /* the new line, kept while the history is shown */
    enum line_edit_escape escape;
    bool after_cr;
    const char *prompt;
    const char *const *names;
    size_t name_count;
    line_edit_put_fn put;
    void *ctx;
};

/* Set up an editor with an empty history. `names` (name_count of them) are
 * what Tab completes; `prompt` is shown again after a list of completions. */
void line_edit_init(struct line_edit *le, const char *prompt, const char *const *names,
                    size_t name_count, line_edit_put_fn put, void *ctx);

/* Begin a new line: show the prompt, empty the line. */
void line_edit_start(struct line_edit *le);

/* Take one key (a byte 0..255 or a LINE_EDIT_KEY_ code). Returns true when
 * it ended the line: le->line then holds it, NUL-terminated, and a non-empty
 * line different from the newest entry has gone into the history. */
bool line_edit_feed(struct line_edit *le, int key);

/* True when `a` and `b` are the same name apart from ASCII letter case. */
bool line_edit_same_name(const char *a, const char *b);

#endif
