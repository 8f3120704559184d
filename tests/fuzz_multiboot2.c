/*
 * tests/fuzz_multiboot2.c - libFuzzer target for the Multiboot2 parser.
 *
 * The fuzzer feeds arbitrary bytes to mb2_parse() as if GRUB (or an
 * attacker, or a bug in our own boot code) had written them. With ASan and
 * UBSan, any read outside the input, any overflow, or a hang is a finding.
 * On success the result must also obey the limits boot_info.h promises.
 *
 * Build and run:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       src/boot/multiboot2.c tests/fuzz_multiboot2.c -o /tmp/fz
 *   /tmp/fz -max_total_time=20
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot_info.h"
#include "boot/multiboot2.h"

static struct boot_info info;

static void check(int condition)
{
    if (!condition)
        abort();
}

static int nul_terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static void check_invariants(size_t size)
{
    check(info.mbi_size >= 16 && info.mbi_size <= size && info.mbi_size <= MB2_MAX_TOTAL_SIZE);
    check(info.region_count <= BOOT_MAX_REGIONS);
    check(info.module_count <= BOOT_MAX_MODULES);
    /* Modules are dropped only once the list is full, and then the span covers them.
     * (Inputs must exceed 6 KiB to get there: -max_len=16384 and a seed of 257+ module tags.) */
    check(info.modules_dropped == 0 || info.module_count == BOOT_MAX_MODULES);
    check(info.dropped_start <= info.dropped_end);
    if (info.modules_dropped == 0)
        check(info.dropped_start == 0 && info.dropped_end == 0);
    check(info.dropped_end <= UINT32_MAX); /* module tags carry 32-bit addresses */
    check(info.tag_count <= BOOT_MAX_TAGS);
    check(nul_terminated(info.cmdline, sizeof(info.cmdline)));
    check(nul_terminated(info.bootloader, sizeof(info.bootloader)));
    for (size_t i = 0; i < info.module_count; i++) {
        check(info.modules[i].end >= info.modules[i].start);
        check(nul_terminated(info.modules[i].cmdline, sizeof(info.modules[i].cmdline)));
    }
    for (size_t i = 0; i < info.tag_count; i++) {
        check(info.tags[i].size >= 8);
        check((uint64_t)info.tags[i].offset + info.tags[i].size <= info.mbi_size);
        check(info.tags[i].offset % 8 == 0);
    }
    check(info.elf.copied_bytes <= BOOT_ELF_SHDRS_MAX);
    check(info.rsdp_version <= 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /*
     * malloc gives 16-byte alignment, like GRUB's 8-byte-aligned block;
     * exactly `size` bytes so ASan catches a read one byte past the input.
     */
    uint8_t *block = malloc(size ? size : 1);
    if (!block)
        return 0;
    memcpy(block, data, size);

    struct mb2_error err;
    int status = mb2_parse(block, size, &info, &err);
    if (status == MB2_OK) {
        check_invariants(size);
    } else {
        check(status < 0);
        check(err.what != NULL);
        check(strcmp(mb2_status_name(status), "unknown") != 0);
    }
    free(block);
    return 0;
}
