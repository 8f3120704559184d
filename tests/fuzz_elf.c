/*
 * tests/fuzz_elf.c - libFuzzer target for the ELF64 validator.
 *
 * Random bytes rarely get past the four magic bytes, so the input is used in
 * two ways, chosen by its first byte:
 *   even: the rest of the input is the file, as it is;
 *   odd:  the rest is a list of patches (2-byte offset, 1-byte length, bytes)
 *         applied to the good image of tests/elf_builder.h, so the fuzzer
 *         spends its time on files that are almost right, where the
 *         interesting checks are.
 * Either way the file is a heap block of exactly its size, so ASan reports
 * any read past its end. On success the elf_info must keep the promises of
 * proc/elf.h (eb_check_info); on failure the error must be complete.
 *
 * Build and run (CMake does this as build/fuzz/fuzz_elf):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Itests \
 *       src/proc/elf.c src/lib/format.c tests/fuzz_elf.c -o /tmp/fz
 *   /tmp/fz -max_total_time=60
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf_builder.h"
#include "proc/elf.h"

static void check(int condition)
{
    if (!condition)
        abort();
}

/* Build the file to validate from the input; returns its size (file is malloc'ed). */
static size_t make_file(const uint8_t *data, size_t size, uint8_t **file)
{
    if (size == 0 || !(data[0] & 1)) {
        size_t n = size ? size - 1 : 0;
        *file = malloc(n ? n : 1);
        if (*file && n)
            memcpy(*file, data + 1, n);
        return n;
    }
    static uint8_t good[EB_STANDARD_SIZE];
    size_t n = eb_standard(good);
    size_t pos = 1;
    while (pos + 3 <= size) {
        size_t at = (size_t)(data[pos] | data[pos + 1] << 8) % n;
        size_t len = data[pos + 2];
        pos += 3;
        for (size_t i = 0; i < len && pos < size && at + i < n; i++)
            good[at + i] = data[pos++];
    }
    /* A trailing odd byte shortens the file: truncations matter too. */
    if (pos < size && (data[pos] & 0x80))
        n -= (size_t)data[pos] % n;
    *file = malloc(n);
    if (*file)
        memcpy(*file, good, n);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *file = NULL;
    size_t n = make_file(data, size, &file);
    if (!file)
        return 0;

    static struct elf_info info;
    struct elf_error err;
    int rc = elf_validate(file, n, &info, &err);
    if (rc == ELF_OK) {
        check(eb_check_info(&info, n) == NULL);
    } else {
        check(rc < 0 && err.code == rc);
        check(err.phdr >= -1 && err.phdr < ELF_MAX_PHDRS);
        check(memchr(err.message, '\0', sizeof(err.message)) != NULL);
        check(err.message[0] != '\0');
        check(strcmp(elf_strerror(rc), "unknown ELF error") != 0);
        check(info.segment_count == 0);
    }
    free(file);
    return 0;
}
