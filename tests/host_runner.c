/*
 * tests/host_runner.c - each host test case runs in a process of its own.
 *
 * A crash in a host test (an AddressSanitizer report, a segfault, a stub that
 * loops until the CPU-time limit) used to end the whole test program, and
 * every later case of it was "not run". kiln_host_test (cmake/kiln.cmake)
 * links every host test program with this file and -Wl,--wrap of cmocka's
 * _cmocka_run_group_tests, so each group's cases run one at a time, each in a
 * forked child that runs the group setup, the case and the group teardown. A
 * crash then costs only its own case, and that case's result says how it
 * ended and, from a sanitizer's report, the first frame in kiln's own code.
 *
 * The output is cmocka's, as one run of the group would print it: one header,
 * each case's RUN and OK/FAILED lines with its messages, one summary. So CTest,
 * a reader and ci/grade's cmocka reader see what they saw before. The exit
 * status (the return value of cmocka_run_group_tests) is the number of cases
 * that failed, plus one for each child that ended badly after its case passed
 * (a leak report at exit).
 *
 * Each case may use CASE_CPU_SECONDS of CPU time (or the program's own limit,
 * if lower): a case that loops forever is stopped by SIGXCPU, and its result
 * says so. A caller's limit on the whole program (ci/grade's RLIMIT_CPU) thus
 * applies to each case; its wall-clock backstop still bounds the whole.
 *
 * KILN_HOST_TESTS_IN_ONE_PROCESS=1 runs the group as cmocka does (in one
 * process, for a debugger); so does any CMOCKA_MESSAGE_OUTPUT other than
 * STDOUT (the XML, TAP and subunit formats are cmocka's own).
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

int __real__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown);
int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown);

/* The CPU time one case may use. Measured under the sanitizers, whole programs
 * use less: host_vmm's 62 cases 16 s, host_heap_alloc's 40 cases 9.5 s. */
#define CASE_CPU_SECONDS 20

/* The output of one child, kept until it ends, so that the line saying how a
 * crashed case ended comes first among its messages. */
struct child_output {
    char *text;
    size_t len, cap;
};

static void append(struct child_output *out, const char *data, size_t n)
{
    if (out->len + n + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : 4096;
        while (out->len + n + 1 > cap)
            cap *= 2;
        char *text = realloc(out->text, cap);
        if (text == NULL) {
            fprintf(stderr, "host_runner: out of memory\n");
            exit(2);
        }
        out->text = text;
        out->cap = cap;
    }
    memcpy(out->text + out->len, data, n);
    out->len += n;
    out->text[out->len] = '\0';
}

static bool starts_with(const char *line, const char *prefix)
{
    return strncmp(line, prefix, strlen(prefix)) == 0;
}

/* Is `line` (without its newline) "[ TAG ] name" for this case? */
static bool result_line(const char *line, size_t len, const char *tag, const char *name)
{
    size_t tag_len = strlen(tag), name_len = strlen(name);
    return len == tag_len + 1 + name_len && starts_with(line, tag) && line[tag_len] == ' ' &&
           memcmp(line + tag_len + 1, name, name_len) == 0;
}

/* "FILE:LINE:COLUMN" (clang's symbolizer) becomes "FILE:LINE" (what gcc's prints). */
static void drop_column(char *file)
{
    char *last = strrchr(file, ':');
    if (last == NULL || last[1] == '\0' || strspn(last + 1, "0123456789") != strlen(last + 1))
        return;
    char *before = last;
    while (before > file && before[-1] >= '0' && before[-1] <= '9')
        before--;
    if (before > file && before < last && before[-1] == ':')
        *last = '\0';
}

/* The first frame of a sanitizer's stack trace in kiln's own source, as
 * "FUNCTION (FILE:LINE)" (from "    #3 0x55d1 in new_run /.../src/mm/pmm.c:93"). */
static void first_own_frame(const char *text, char *where, size_t size)
{
    where[0] = '\0';
#ifdef KILN_SOURCE_DIR /* "/.../kiln/", from kiln_host_test */
    for (const char *line = text; line != NULL && *line != '\0';) {
        char function[128], file[512];
        if (sscanf(line, " #%*u %*s in %127s %511s", function, file) == 2 &&
            starts_with(file, KILN_SOURCE_DIR)) {
            drop_column(file);
            /* A long path is cut: the function and the start of the path still point there. */
            if (snprintf(where, size, "%s (%s)", function, file + strlen(KILN_SOURCE_DIR)) >=
                (int)size)
                where[size - 1] = '\0';
            return;
        }
        line = strchr(line, '\n');
        line = line != NULL ? line + 1 : NULL;
    }
#else
    (void)text;
    (void)size;
#endif
}

/* The kind of a sanitizer's report, as "AddressSanitizer: heap-buffer-overflow"
 * or UBSan's whole "FILE:LINE:COL: runtime error: ..." line; "" if none. */
static void sanitizer_kind(const char *text, char *kind, size_t size)
{
    const char *at, *end;
    kind[0] = '\0';
    if (text == NULL)
        return;
    if ((at = strstr(text, "==ERROR: ")) != NULL) {
        at += strlen("==ERROR: ");
        end = at + strcspn(at, "\n");
        const char *cut = strstr(at, " on address");
        if (cut != NULL && cut < end)
            end = cut;
    } else if ((end = strstr(text, ": runtime error: ")) != NULL) {
        for (at = end; at > text && at[-1] != '\n';)
            at--;
        end = end + strcspn(end, "\n");
    } else {
        return;
    }
    snprintf(kind, size, "%.*s", (int)(end - at), at);
}

/* How a child ended, in words: "killed by SIGSEGV", "exited with status 1". */
static void describe_end(int status, char *text, size_t size)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *name = sigabbrev_np(sig);
        snprintf(text, size, "was killed by SIG%s%s", name ? name : "?",
                 sig == SIGXCPU ? " (its CPU-time limit: an endless loop?)" : "");
    } else {
        snprintf(text, size, "exited with status %d", WEXITSTATUS(status));
    }
}

struct case_result {
    bool ran, finished, failed, ended_badly;
};

/* Runs tests[i] in a child; copies its output (without its own group header
 * and summary) to stdout. */
static struct case_result run_case(const char *group_name, const struct CMUnitTest *test,
                                   CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
    struct case_result result = {0};
    struct child_output out = {0};
    int pipefd[2];

    fflush(stdout);
    fflush(stderr);
    if (pipe(pipefd) != 0) {
        perror("host_runner: pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("host_runner: fork");
        exit(2);
    }
    if (pid == 0) {
        /* Each case gets at most CASE_CPU_SECONDS of CPU time (less if the
         * program's own limit is lower): a case that loops forever is stopped
         * by SIGXCPU and the next one runs. */
        struct rlimit cpu;
        if (getrlimit(RLIMIT_CPU, &cpu) == 0 &&
            (cpu.rlim_cur == RLIM_INFINITY || cpu.rlim_cur > CASE_CPU_SECONDS)) {
            cpu.rlim_cur = CASE_CPU_SECONDS;
            setrlimit(RLIMIT_CPU, &cpu);
        }
        close(pipefd[0]);
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        close(pipefd[1]);
        setvbuf(stdout, NULL, _IOLBF, 0);
        setvbuf(stderr, NULL, _IONBF, 0);
        int failed =
            __real__cmocka_run_group_tests(group_name, test, 1, group_setup, group_teardown);
        fflush(stdout);
        exit(failed > 0 ? 1 : 0);
    }
    close(pipefd[1]);
    char buf[4096];
    for (;;) {
        ssize_t n = read(pipefd[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        append(&out, buf, (size_t)n);
    }
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;

    /* The child's lines: its group header and summary are dropped (the parent
     * prints one of each for the whole group); the rest is this case's. */
    struct child_output kept = {0};
    bool summary = false;
    for (char *line = out.text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0'; /* one line at a time; append() below puts the newline back */
        size_t len = strlen(line);
        bool drop = false;
        if (starts_with(line, "[==========]")) {
            drop = true;
            summary = summary || strstr(line, " run.") != NULL;
        } else if (result_line(line, len, "[ RUN      ]", test->name)) {
            result.ran = true;
        } else if (!summary && (result_line(line, len, "[       OK ]", test->name) ||
                                result_line(line, len, "[  SKIPPED ]", test->name))) {
            result.finished = true;
        } else if (!summary && (result_line(line, len, "[  FAILED  ]", test->name) ||
                                result_line(line, len, "[  ERROR   ]", test->name))) {
            result.finished = result.failed = true;
        } else if (summary &&
                   (starts_with(line, "[  PASSED  ]") || starts_with(line, "[  FAILED  ]") ||
                    starts_with(line, "[  SKIPPED ]") || strstr(line, "FAILED TEST(S)") ||
                    len == 0)) {
            drop = true;
        }
        if (!drop) {
            append(&kept, line, len);
            append(&kept, "\n", 1);
        }
        line = end ? end + 1 : NULL;
    }

    char how[96], where[512], kind[256], note[1024];
    describe_end(status, how, sizeof(how));
    bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) <= 1;
    if (!result.finished) {
        /* It crashed, hung or never started: say so first, then its output. */
        first_own_frame(kept.text, where, sizeof(where));
        sanitizer_kind(kept.text, kind, sizeof(kind));
        snprintf(
            note, sizeof(note),
            "[  ERROR   ] --- this test %s: %s%s%s%s%sthe test program %s (only this test is lost: "
            "each test runs in a process of its own)\n",
            result.ran ? "crashed" : "did not start", kind, kind[0] ? ", " : "",
            where[0] ? "first in kiln's code at " : "", where, where[0] ? "; " : "", how);
        if (!result.ran)
            printf("[ RUN      ] %s\n", test->name);
        char *rest = kept.text ? kept.text : "";
        if (result.ran) { /* keep the RUN line first */
            char *after = strchr(rest, '\n');
            fwrite(rest, 1, after ? (size_t)(after + 1 - rest) : strlen(rest), stdout);
            rest = after ? after + 1 : rest + strlen(rest);
        }
        fputs(note, stdout);
        fputs(rest, stdout);
        printf("[  FAILED  ] %s\n", test->name);
        result.failed = true;
    } else {
        if (kept.text)
            fputs(kept.text, stdout);
        if (!clean_exit) {
            printf("[  ERROR   ] --- after this test ended, the test program %s\n", how);
            result.ended_badly = true;
        }
    }
    fflush(stdout);
    free(out.text);
    free(kept.text);
    return result;
}

static bool in_one_process(void)
{
    const char *one = getenv("KILN_HOST_TESTS_IN_ONE_PROCESS");
    const char *format = getenv("CMOCKA_MESSAGE_OUTPUT");
    return (one && *one && strcmp(one, "0") != 0) || (format && strcasecmp(format, "STDOUT") != 0);
}

int __wrap__cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                                   const size_t num_tests, CMFixtureFunction group_setup,
                                   CMFixtureFunction group_teardown)
{
    if (in_one_process())
        return __real__cmocka_run_group_tests(group_name, tests, num_tests, group_setup,
                                              group_teardown);
    size_t count = 0;
    for (size_t i = 0; i < num_tests; i++)
        count += tests[i].test_func != NULL;
    printf("[==========] Running %zu test(s).\n", count);
    size_t failed = 0, ended_badly = 0, ran = 0;
    const char **failures = calloc(num_tests ? num_tests : 1, sizeof(*failures));
    for (size_t i = 0; i < num_tests; i++) {
        if (tests[i].test_func == NULL)
            continue;
        struct case_result r = run_case(group_name, &tests[i], group_setup, group_teardown);
        ran++;
        if (r.failed && failures)
            failures[failed] = tests[i].name;
        failed += r.failed;
        ended_badly += r.ended_badly;
    }
    printf("[==========] %zu test(s) run.\n", ran);
    printf("[  PASSED  ] %zu test(s).\n", ran - failed);
    if (failed) {
        printf("[  FAILED  ] %zu test(s), listed below:\n", failed);
        for (size_t i = 0; i < failed && failures; i++)
            printf("[  FAILED  ] %s\n", failures[i]);
        printf("\n %zu FAILED TEST(S)\n", failed);
    }
    fflush(stdout);
    free(failures);
    return (int)(failed + ended_badly);
}
