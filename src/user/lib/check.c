/*
 * src/user/lib/check.c - the "FAIL:" lines of kiln's test programs (check.h).
 */
#include "check.h"

#include <stdarg.h>

#include "stdio.h"
#include "stdlib.h"
#include "sys.h"

/* Print "FAIL: " and the formatted message as one line (one write). */
static void print_failure(const char *fmt, va_list ap)
{
    char line[256];
    vsnprintf(line, sizeof line, fmt, ap);
    printf("FAIL: %s\n", line);
}

void fail(int check_id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    exit(check_id);
}

void require(int check_id, int ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    exit(check_id);
}

int expect_result(const char *what, long expected, long got)
{
    if (got == expected)
        return 0;
    printf("FAIL: %s: expected %ld, got %ld (%s)\n", what, expected, got, sys_error_name(got));
    return 1;
}

void hostile_survived(void)
{
    puts("survived");
    exit(HOSTILE_SURVIVED_STATUS);
}
