/*
 * proc/strace.c - one line per system call (see include/proc/strace.h).
 */
#include "proc/strace.h"

#include "dev/console.h"
#include "kiln/syscall.h"
#include "lib/text.h"

bool syscall_trace;

/* Each call's name and how many of its arguments (RDI, RSI, RDX) the line shows. */
static const struct {
    const char *name;
    unsigned args;
} calls[SYS_COUNT] = {
    [SYS_EXIT] = {"exit", 1},
    [SYS_WRITE] = {"write", 2},
    [SYS_ALLOC] = {"alloc", 1},
    [SYS_FREE] = {"free", 1},
    [SYS_MEMSTATS] = {"memstats", 3},
    [SYS_GETPID] = {"getpid", 0},
    [SYS_BLOCK_SIZE] = {"block_size", 1},
};

const char *syscall_name(uint64_t number)
{
    return number < SYS_COUNT ? calls[number].name : NULL;
}

void strace_print(const char *program, unsigned pid, const struct syscall_frame *f, int64_t result)
{
    uint64_t nr = f->rax;
    const uint64_t args[3] = {f->rdi, f->rsi, f->rdx};
    char line[200];
    struct text t = text_over(line, sizeof(line));
    text_printf(&t, "strace: %s[%u]: ", program, pid);
    if (nr < SYS_COUNT) {
        text_printf(&t, "%s(", calls[nr].name);
        for (unsigned i = 0; i < calls[nr].args; i++)
            text_printf(&t, "%s%#llx", i ? ", " : "", (unsigned long long)args[i]);
        text_printf(&t, ")");
    } else {
        text_printf(&t, "syscall %#llx", (unsigned long long)nr);
    }
    if (result < 0 && result >= -KILN_ERRNO_MAX)
        text_printf(&t, " = -%lld\n", (long long)-result);
    else
        text_printf(&t, " = %#llx\n", (unsigned long long)result);
    kprintf("%s", line);
}
