/*
 * tests/test_line_edit.c - host unit tests for lib/line_edit.c, the monitor's line editor.
 *
 * Keys go in one at a time; what the editor writes goes to a model of a
 * terminal (characters overwrite, '\b' moves left, '\n' starts a row), so each
 * test checks both the line the editor returns and what a user would see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "lib/line_edit.h"

#define PROMPT "kiln> "
#define ROWS 512
#define COLS 512

static const char *const names[] = {"help", "heap", "mem", "walk", "programs", "poweroff", "run"};

struct screen {
    char rows[ROWS][COLS];
    int row, col;
    size_t written; /* characters the editor put */
};

static struct screen screen;
static struct line_edit le;

static void put(char c, void *ctx)
{
    struct screen *s = ctx;
    s->written++;
    if (c == '\n') {
        assert_true(s->row + 1 < ROWS);
        s->row++;
        s->col = 0;
    } else if (c == '\b') {
        if (s->col > 0)
            s->col--;
    } else {
        assert_true(s->col + 1 < COLS);
        s->rows[s->row][s->col++] = c;
    }
}

/* The row the cursor is on: `want` up to the cursor, and after it only the
 * blanks "\b \b" leaves behind. */
static void expect_row(const char *want)
{
    const char *row = screen.rows[screen.row];
    assert_int_equal(screen.col, (int)strlen(want));
    assert_memory_equal(row, want, strlen(want));
    for (size_t i = strlen(want); row[i]; i++)
        assert_int_equal(row[i], ' ');
}

static int setup(void **state)
{
    (void)state;
    memset(&screen, 0, sizeof screen);
    line_edit_init(&le, PROMPT, names, sizeof names / sizeof names[0], put, &screen);
    line_edit_start(&le);
    return 0;
}

/* Feed every byte of `keys`; returns how many of them ended a line. */
static int type(const char *keys)
{
    int ended = 0;
    for (; *keys; keys++)
        ended += line_edit_feed(&le, (unsigned char)*keys);
    return ended;
}

static void expect_shown(const char *line)
{
    char want[COLS];
    snprintf(want, sizeof want, PROMPT "%s", line);
    assert_string_equal(le.line, line);
    assert_int_equal(le.len, strlen(line));
    expect_row(want); /* and the cursor at the end of the line */
}

/* Type `text` and Enter, then start the next line, as the monitor does. */
static void enter(const char *text)
{
    assert_int_equal(type(text), 0);
    assert_int_equal(type("\r"), 1);
    assert_string_equal(le.line, text);
    line_edit_start(&le);
}

/* ---- typing, Enter, rubbing out ---------------------------------------- */

static void test_typed_line_is_echoed_and_returned(void **state)
{
    (void)state;
    assert_int_equal(type("walk 0x1000"), 0);
    expect_shown("walk 0x1000");
    assert_true(line_edit_feed(&le, '\r'));
    assert_string_equal(le.line, "walk 0x1000");
    assert_int_equal(screen.row, 1); /* Enter moved to a new row */
}

static void test_cr_lf_ends_one_line_lf_alone_ends_one(void **state)
{
    (void)state;
    assert_int_equal(type("mem\r\n"), 1);
    line_edit_start(&le);
    assert_int_equal(type("\n"), 1);
    assert_string_equal(le.line, "");
    line_edit_start(&le);
    assert_int_equal(type("heap\n\n"), 2); /* two LFs: two lines */
}

static void test_backspace_and_delete_rub_out_one_character(void **state)
{
    (void)state;
    type("memx\b");
    expect_shown("mem");
    type("\x7f\x7f");
    expect_shown("m");
    type("\b\b\b"); /* past the start: nothing more to rub out */
    expect_shown("");
}

static void test_ctrl_u_clears_and_ctrl_c_abandons(void **state)
{
    (void)state;
    type("walk 0x1\x15");
    expect_shown("");
    type("heap");
    assert_true(line_edit_feed(&le, 0x03));
    assert_string_equal(le.line, "");
    assert_memory_equal(screen.rows[screen.row - 1], PROMPT "heap^C", strlen(PROMPT "heap^C"));
    line_edit_start(&le);
    assert_int_equal(type("\x1b[A"), 0);
    expect_shown(""); /* an abandoned line is not remembered */
}

static void test_control_characters_and_overflow_are_dropped(void **state)
{
    (void)state;
    type("a\x01\x02\x07\x0b\x0c"
         "b");
    expect_shown("ab");
    for (int i = 0; i < 300; i++)
        line_edit_feed(&le, 'x');
    assert_int_equal(le.len, LINE_EDIT_MAX - 1);
    assert_int_equal(le.line[LINE_EDIT_MAX - 1], '\0');
}

/* ---- escape sequences --------------------------------------------------- */

static void test_arrows_and_other_sequences_insert_nothing(void **state)
{
    (void)state;
    type("he\x1b[C\x1b[D\x1bOC\x1b[3~\x1b[1;5C\x1b[200~l");
    expect_shown("hel"); /* not "[C" or "3~": the sequences are read whole */
    line_edit_feed(&le, LINE_EDIT_KEY_LEFT);
    line_edit_feed(&le, LINE_EDIT_KEY_RIGHT);
    line_edit_feed(&le, 0x1ff); /* a key code the editor does not know */
    expect_shown("hel");
}

/* ---- history ------------------------------------------------------------ */

static void test_up_and_down_walk_the_history(void **state)
{
    (void)state;
    enter("mem");
    enter("heap");
    type("wa"); /* typed, not entered: Down past the newest brings it back */
    type("\x1b[A");
    expect_shown("heap");
    type("\x1b[A");
    expect_shown("mem");
    type("\x1b[A"); /* the oldest: stays */
    expect_shown("mem");
    type("\x1b[B");
    expect_shown("heap");
    type("\x1b[B");
    expect_shown("wa");
    type("\x1b[B");
    expect_shown("wa");
}

static void test_every_form_of_up_arrow_works(void **state)
{
    (void)state;
    enter("mem");
    type("\x1bOA"); /* application cursor mode */
    expect_shown("mem");
    line_edit_feed(&le, LINE_EDIT_KEY_DOWN);
    expect_shown("");
    line_edit_feed(&le, LINE_EDIT_KEY_UP); /* the PS/2 keyboard's arrow */
    expect_shown("mem");
}

static void test_recalled_line_can_be_edited_and_entered(void **state)
{
    (void)state;
    enter("walk 0x1000");
    type("\x1b[A\b\b\b\b2000");
    expect_shown("walk 0x2000");
    assert_int_equal(type("\r"), 1);
    assert_string_equal(le.line, "walk 0x2000");
    line_edit_start(&le);
    type("\x1b[A");
    expect_shown("walk 0x2000");
    type("\x1b[A");
    expect_shown("walk 0x1000");
}

static void test_empty_and_repeated_lines_are_not_remembered(void **state)
{
    (void)state;
    enter("mem");
    enter("");
    enter("mem");
    enter("heap");
    type("\x1b[A\x1b[A\x1b[A");
    expect_shown("mem"); /* heap, mem, then nothing older */
    assert_int_equal(le.history_count, 2);
}

static void test_history_keeps_the_newest_lines(void **state)
{
    (void)state;
    char text[16];
    for (int i = 1; i <= LINE_EDIT_HISTORY + 4; i++) {
        snprintf(text, sizeof text, "run p%d", i);
        enter(text);
    }
    for (int i = 0; i < LINE_EDIT_HISTORY + 10; i++)
        line_edit_feed(&le, LINE_EDIT_KEY_UP);
    snprintf(text, sizeof text, "run p%d", 5); /* 1..4 were dropped */
    expect_shown(text);
    line_edit_feed(&le, LINE_EDIT_KEY_DOWN);
    expect_shown("run p6");
}

/* ---- Tab completion and names ------------------------------------------ */

static void test_tab_completes_a_unique_name(void **state)
{
    (void)state;
    type("wa\t");
    expect_shown("walk ");
    type("0x1000");
    assert_int_equal(type("\r"), 1);
    assert_string_equal(le.line, "walk 0x1000");
}

static void test_tab_ignores_case_and_gives_the_names_spelling(void **state)
{
    (void)state;
    type("HEL\t");
    expect_shown("help ");
}

static void test_tab_extends_to_what_the_matches_share(void **state)
{
    (void)state;
    type("h\t");
    expect_shown("he"); /* help and heap */
    type("a\t");
    expect_shown("heap ");
}

static void test_tab_lists_matches_when_it_cannot_add(void **state)
{
    (void)state;
    type("p\t");
    assert_string_equal(screen.rows[screen.row - 1], "programs  poweroff");
    expect_shown("p"); /* the prompt and the line again, below the list */
    size_t before = screen.written;
    type("x\t"); /* no name starts with "px": nothing happens */
    assert_int_equal(screen.written, before + 1);
    expect_shown("px");
}

static void test_tab_only_completes_the_first_word(void **state)
{
    (void)state;
    type("run he\t");
    expect_shown("run he");
    put('\n', &screen);
    line_edit_init(&le, PROMPT, NULL, 0, put, &screen); /* no names at all */
    line_edit_start(&le);
    type("h\t");
    expect_shown("h");
}

static void test_same_name_ignores_only_case(void **state)
{
    (void)state;
    assert_true(line_edit_same_name("HELP", "help"));
    assert_true(line_edit_same_name("Walk", "wALK"));
    assert_true(line_edit_same_name("", ""));
    assert_false(line_edit_same_name("hel", "help"));
    assert_false(line_edit_same_name("help", "hel"));
    assert_false(line_edit_same_name("hel[", "hel{")); /* '[' and '{' differ by 0x20 too */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_typed_line_is_echoed_and_returned, setup),
        cmocka_unit_test_setup(test_cr_lf_ends_one_line_lf_alone_ends_one, setup),
        cmocka_unit_test_setup(test_backspace_and_delete_rub_out_one_character, setup),
        cmocka_unit_test_setup(test_ctrl_u_clears_and_ctrl_c_abandons, setup),
        cmocka_unit_test_setup(test_control_characters_and_overflow_are_dropped, setup),
        cmocka_unit_test_setup(test_arrows_and_other_sequences_insert_nothing, setup),
        cmocka_unit_test_setup(test_up_and_down_walk_the_history, setup),
        cmocka_unit_test_setup(test_every_form_of_up_arrow_works, setup),
        cmocka_unit_test_setup(test_recalled_line_can_be_edited_and_entered, setup),
        cmocka_unit_test_setup(test_empty_and_repeated_lines_are_not_remembered, setup),
        cmocka_unit_test_setup(test_history_keeps_the_newest_lines, setup),
        cmocka_unit_test_setup(test_tab_completes_a_unique_name, setup),
        cmocka_unit_test_setup(test_tab_ignores_case_and_gives_the_names_spelling, setup),
        cmocka_unit_test_setup(test_tab_extends_to_what_the_matches_share, setup),
        cmocka_unit_test_setup(test_tab_lists_matches_when_it_cannot_add, setup),
        cmocka_unit_test_setup(test_tab_only_completes_the_first_word, setup),
        cmocka_unit_test_setup(test_same_name_ignores_only_case, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
