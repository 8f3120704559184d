/*
 * kernel/monitor.c - the kernel monitor: a prompt on the console.
 *
 * Nothing here is clever: keys polled from COM1 and the PS/2 keyboard go
 * to a line editor (lib/line_edit.c: history on Up/Down, Tab completion of
 * the command names), then a table of commands, matched without regard to
 * case, and each command a call into a layer that can already describe
 * itself (the boot report, the PMM, the VMM's walks and dumps, the heap's
 * picture, the backtrace). Interrupts stay off, so waiting for a key is a
 * busy loop with PAUSE, which tells the CPU (and an emulator) that this is
 * a spin loop.
 */
#include "kernel/monitor.h"

#include <stdbool.h>
#include <stdint.h>

#include "dev/console.h"
#include "dev/keyboard.h"
#include "lib/cmdline.h"
#include "lib/line_edit.h"
#include "dev/serial.h"
#include "kernel/backtrace.h"
#include "kernel/boot_report.h"
#include "kernel/records.h"
#include "arch/x86_64/power.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm_boot.h"
#include "mm/vmm_boot.h"
#include "proc/process.h"

#define MAX_WORDS 4

struct command {
    const char *name;
    int words;            /* words after the name the command needs */
    const char *synopsis; /* "walk ADDR": for help, and after "usage: " */
    const char *hint;     /* more words for the usage line, or 0 */
    const char *help;
    void (*run)(char **argv);
};

static void cmd_help(char **argv);


static void cmd_mem(char **argv)
{
    (void)argv;
    boot_report_memory(&boot_info);
    pmm_boot_report();
}

static void print_usage(const struct command *c)
{
    kprintf("usage: %s%s%s%s\n", c->synopsis, c->hint ? " (" : "", c->hint ? c->hint : "",
            c->hint ? ")" : "");
}

static const struct command *find_command(const char *name);

static void cmd_walk(char **argv)
{
    uint64_t va;
    if (!cmdline_parse_hex(argv[1], &va)) {
        kprintf("walk: '%s' is not a hexadecimal address\n", argv[1]);
        print_usage(find_command("walk"));
        return;
    }
    vmm_dump_address(&kernel_space, vaddr(va), vmm_print_kprintf, "");
}

static void cmd_space(char **argv)
{
    (void)argv;
    vmm_dump_space(&kernel_space, vmm_print_kprintf, "");
}

static void cmd_heap(char **argv)
{
    (void)argv;
    kmalloc_print("");
}

static void cmd_records(char **argv)
{
    (void)argv;
    records_print("all", "monitor");
}

static void cmd_programs(char **argv)
{
    (void)argv;
    if (boot_info.module_count == 0) {
        kprintf("GRUB loaded no programs (each is a module2 line in iso/grub.cfg)\n");
        return;
    }
    kprintf("programs (Multiboot2 modules GRUB loaded; 'run NAME' runs one):\n");
    for (size_t i = 0; i < boot_info.module_count; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        kprintf("  %-24s %llu bytes at %#llx\n", m->cmdline,
                (unsigned long long)(m->end - m->start), (unsigned long long)m->start);
    }
}

static void cmd_run(char **argv)
{
    static struct process_result result; /* too big for the stack */
    process_run_module(argv[1], &result);
    process_print_result(argv[1], &result);
}

static void cmd_regions(char **argv)
{
    static struct process_result result; /* too big for the stack */
    process_run_module(argv[1], &result);
    process_print_result(argv[1], &result);
    process_print_memory(argv[1], &result);
}

static void cmd_bt(char **argv)
{
    (void)argv;
    backtrace_here("");
}

static void cmd_reboot(char **argv)
{
    (void)argv;
    kprintf("kiln: rebooting\n");
    serial_flush();
    reboot();
}

static void cmd_poweroff(char **argv)
{
    (void)argv;
    power_off(true);
}

static const struct command commands[] = {
    {"help", 0, "help", 0, "list the commands", cmd_help},
    {"mem", 0, "mem", 0, "the memory map, then the PMM's withheld ranges, free runs, totals",
     cmd_mem},
    {"walk", 1, "walk ADDR", "hex, e.g. walk 0xffff800000100000",
     "walk the kernel's page tables for one virtual address", cmd_walk},
    {"space", 0, "space", 0, "every mapping of the kernel's address space, as ranges", cmd_space},
    {"heap", 0, "heap", 0, "the kernel heap: its arenas and their blocks", cmd_heap},
    {"records", 0, "records", 0, "the kernel's state as JSON lines, for ci/picture", cmd_records},
    {"programs", 0, "programs", 0, "the programs there are to run (Multiboot2 modules)",
     cmd_programs},
    {"run", 1, "run NAME", "NAME as 'programs' lists it",
     "run a user program and report how it ended", cmd_run},
    {"regions", 1, "regions NAME", "NAME as 'programs' lists it",
     "run a program, then show its regions and the frames it held (vm= sets the policy)",
     cmd_regions},
    {"bt", 0, "bt", 0, "a backtrace of the monitor itself", cmd_bt},
    {"reboot", 0, "reboot", 0, "reset the machine", cmd_reboot},
    {"poweroff", 0, "poweroff", 0, "power off (QEMU exits)", cmd_poweroff},
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(char **argv)
{
    (void)argv;
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        kprintf("  %-10s %s\n", commands[i].synopsis, commands[i].help);
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (line_edit_same_name(name, commands[i].name))
            return &commands[i];
    return 0;
}

/* Cut line into words at spaces and tabs, in place; returns how many (at most max). */
static int split_words(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (*p == '\0')
            return n;
        if (n == max)
            return max + 1; /* too many: the caller reports a usage error */
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
}

void monitor_execute(char *line)
{
    char *words[MAX_WORDS];
    int n = split_words(line, words, MAX_WORDS);
    if (n == 0)
        return;
    const struct command *c = find_command(words[0]);
    if (!c) {
        kprintf("unknown command '%s'\nusage: COMMAND [ARGUMENT], COMMAND one of:", words[0]);
        for (size_t i = 0; i < COMMAND_COUNT; i++)
            kprintf(" %s", commands[i].name);
        kprintf(" (help says what each does)\n");
        return;
    }
    if (n - 1 != c->words) {
        print_usage(c);
        return;
    }
    c->run(words);
}

/* The keyboard's arrows are the line editor's arrow keys, value for value. */
_Static_assert(KEYBOARD_UP == LINE_EDIT_KEY_UP && KEYBOARD_DOWN == LINE_EDIT_KEY_DOWN &&
                   KEYBOARD_RIGHT == LINE_EDIT_KEY_RIGHT && KEYBOARD_LEFT == LINE_EDIT_KEY_LEFT,
               "dev/keyboard.h and lib/line_edit.h disagree on the arrow keys");

/* The next key from COM1 or the keyboard; waits for one. */
static int read_key(void)
{
    for (;;) {
        int c = serial_try_getc();
        if (c < 0)
            c = keyboard_try_getc();
        if (c >= 0)
            return c;
        __asm__ volatile("pause");
    }
}

static void editor_put(char c, void *ctx)
{
    (void)ctx;
    console_putc(c);
}

void monitor_run(void)
{
    static struct line_edit editor; /* its history is too big for the stack */
    static const char *names[COMMAND_COUNT];
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        names[i] = commands[i].name;
    line_edit_init(&editor, MONITOR_PROMPT, names, COMMAND_COUNT, editor_put, 0);
    kprintf("kiln: kernel monitor on COM1 and the keyboard; type help for the commands\n"
            "kiln: Up and Down recall earlier lines, Tab completes a command's name\n");
    for (;;) {
        line_edit_start(&editor);
        while (!line_edit_feed(&editor, read_key()))
            ;
        monitor_execute(editor.line);
    }
}
