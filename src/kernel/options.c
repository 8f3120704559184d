/*
 * kernel/options.c - the table of kernel command-line options.
 *
 * GRUB passes whatever follows the kernel's path on the `multiboot2` line of
 * grub.cfg (ci/boot --cmdline changes it). To add an option: add a row here,
 * a field in struct kernel_options, and a line in docs/command-line.md.
 */
#include "kernel/options.h"

#include <stddef.h>

#include "boot/boot_info.h"
#include "dev/console.h"
#include "kernel/breakpoint.h"
#include "lib/string.h"
#include "lib/cmdline.h"
#include "lib/format.h"
#include "mm/region.h"

struct kernel_options kernel_options;

enum value_kind { FLAG, TEXT };

struct option {
    const char *name;
    enum value_kind kind;
    const char *help;
};

static const struct option options[] = {
    {"ktest", TEXT, "run in-kernel test suites (all, or SUITE[,SUITE]) and power off"},
    {"poweroff", FLAG, "power off after the boot report instead of idling"},
    {"crash", TEXT, "crash on purpose after booting: panic, page-fault, triple-fault, hang or "
                    "stack-overflow"},
    {"heap", TEXT, "which allocator backs kmalloc: buddy (the default), list or slab"},
    {"heaptrace", FLAG, "print a record per kmalloc, kfree and krealloc (ci/bench-heap)"},
    {"walk", TEXT, "print the page-table walk of addresses (walk=0xADDR[,0xADDR], or walk=space "
                   "for the whole kernel space, walk=heap for the kernel heap's picture)"},
    {"records", TEXT, "print the kernel's state as JSON lines for ci/picture (all, or GROUP[,GROUP] "
                      "of: memmap, pagetables, walks, heap, buddy, process)"},
    {"bench", TEXT, "run in-kernel benchmarks (all, or NAME[,NAME]) and power off"},
    {"run", TEXT, "user programs to run after booting, in order (NAME[,NAME]; default: demo; "
                  "run=none runs none)"},
    {"strace", FLAG, "print every system call a user program makes, with its arguments and "
                     "result"},
    {"vm", TEXT, "how user heap, stack and .bss are backed: immediate (the default), demand "
                 "(a frame on the first touch) or zero-page (the shared zero page until the "
                 "first write)"},
    {"break", TEXT, "stop the Bochs debugger at boot stages with magic breakpoints (all, or "
                    "STAGE[,STAGE] of: " KILN_BREAK_STAGES ")"},
};

#define OPTION_COUNT (sizeof(options) / sizeof(options[0]))
#define MAX_ARGS 32

/* Is `word` one of the names in KILN_BREAK_STAGES? */
static bool is_break_stage(const char *word)
{
    const char *rest = KILN_BREAK_STAGES;
    size_t len = strlen(word);
    while (*rest) {
        while (*rest == ' ')
            rest++;
        size_t n = 0;
        while (rest[n] && rest[n] != ' ')
            n++;
        if (n > 0 && n == len && !strncmp(rest, word, n))
            return true;
        rest += n;
    }
    return false;
}

/* break=STAGE[,STAGE] or break=all: warn about each name that is not a stage. */
static int check_break_stages(const char *list)
{
    char stage[32];
    const char *rest = list;
    int warnings = 0;
    if (!strcmp(list, "all"))
        return 0;
    while (cmdline_list_next(&rest, stage, sizeof(stage)) > 0) {
        if (!is_break_stage(stage)) {
            kprintf("kiln: warning: break=%s: '%s' is not a stage (known: %s; or break=all)\n",
                    list, stage, KILN_BREAK_STAGES);
            warnings++;
        }
    }
    return warnings;
}

bool options_break_enabled(const char *stage)
{
    if (!kernel_options.breaks[0])
        return false;
    if (!strcmp(kernel_options.breaks, "all"))
        return true;
    char item[32];
    const char *rest = kernel_options.breaks;
    while (cmdline_list_next(&rest, item, sizeof(item)) > 0)
        if (!strcmp(item, stage))
            return true;
    return false;
}

/* Store an option's value; returns how many warnings that printed. */
static int apply(const struct option *opt, const struct cmdline_arg *arg)
{
    if (!strcmp(opt->name, "ktest"))
        ksnprintf(kernel_options.ktest, sizeof(kernel_options.ktest), "%s", arg->value);
    else if (!strcmp(opt->name, "crash"))
        ksnprintf(kernel_options.crash, sizeof(kernel_options.crash), "%s", arg->value);
    else if (!strcmp(opt->name, "bench"))
        ksnprintf(kernel_options.bench, sizeof(kernel_options.bench), "%s", arg->value);
    else if (!strcmp(opt->name, "heap"))
        ksnprintf(kernel_options.heap, sizeof(kernel_options.heap), "%s", arg->value);
    else if (!strcmp(opt->name, "walk"))
        ksnprintf(kernel_options.walk, sizeof(kernel_options.walk), "%s", arg->value);
    else if (!strcmp(opt->name, "records"))
        ksnprintf(kernel_options.records, sizeof(kernel_options.records), "%s", arg->value);
    else if (!strcmp(opt->name, "run"))
        ksnprintf(kernel_options.run, sizeof(kernel_options.run), "%s", arg->value);
    else if (!strcmp(opt->name, "vm")) {
        enum region_policy policy;
        if (!region_policy_parse(arg->value, &policy)) {
            kprintf("kiln: warning: vm=%s is not a policy (immediate, demand or zero-page); "
                    "using immediate\n",
                    arg->value);
            return 1;
        }
        ksnprintf(kernel_options.vm, sizeof(kernel_options.vm), "%s", arg->value);
    } else if (!strcmp(opt->name, "poweroff"))
        kernel_options.poweroff = true;
    else if (!strcmp(opt->name, "strace"))
        kernel_options.strace = true;
    else if (!strcmp(opt->name, "heaptrace"))
        kernel_options.heaptrace = true;
    else if (!strcmp(opt->name, "break")) {
        ksnprintf(kernel_options.breaks, sizeof(kernel_options.breaks), "%s", arg->value);
        return check_break_stages(kernel_options.breaks);
    }
    return 0;
}

static const struct option *find(const char *name)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (!strcmp(options[i].name, name))
            return &options[i];
    return NULL;
}

int options_parse(const char *cmdline)
{
    static struct cmdline_arg args[MAX_ARGS];
    unsigned problems = 0;
    size_t n = cmdline_split(cmdline, args, MAX_ARGS, &problems);
    int warnings = 0;

    if (problems) {
        kprintf("kiln: warning: command line is malformed (too long, too many words or an "
                "unterminated quote); the excess was dropped\n");
        warnings++;
    }
    for (size_t i = 0; i < n; i++) {
        const struct option *opt = find(args[i].key);
        if (!opt) {
            kprintf("kiln: warning: unknown command-line option '%s' (ignored; "
                    "see docs/command-line.md)\n",
                    args[i].key);
            warnings++;
        } else if (opt->kind == TEXT && (!args[i].has_value || !args[i].value[0])) {
            kprintf("kiln: warning: option '%s' needs a value: %s=... (%s)\n", opt->name,
                    opt->name, opt->help);
            warnings++;
        } else if (opt->kind == FLAG && args[i].has_value) {
            kprintf("kiln: warning: option '%s' takes no value; '%s=%s' is ignored\n", opt->name,
                    opt->name, args[i].value);
            warnings++;
        } else {
            warnings += apply(opt, &args[i]);
        }
    }
    return warnings;
}

int options_init(const struct boot_info *info)
{
    int warnings = 0;
    if (strlen(info->cmdline) == BOOT_CMDLINE_MAX - 1) {
        kprintf("kiln: warning: the command line fills all %d bytes kiln keeps; anything "
                "after them was dropped\n",
                BOOT_CMDLINE_MAX - 1);
        warnings++;
    }
    return warnings + options_parse(info->cmdline);
}
