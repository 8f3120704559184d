/*
 * tests/check_user_elf.c - do the built user programs pass the kernel's ELF check?
 *
 *     host_user_elf FILE...
 *
 * Reads each file and runs elf_validate() (src/proc/elf.c, the code the
 * kernel runs before loading a program) on its bytes. Prints one line per
 * file: its segments when accepted, the validator's sentence when refused.
 * Exits 0 only if every file was accepted. CTest runs it on every program in
 * build/user (host.user-elf-valid, cmake/user.cmake), so a change to
 * src/user/user.ld or to the compiler flags that the kernel would refuse
 * fails at build time, not at boot.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mm/vmm.h"
#include "proc/elf.h"

/* "R X", "R W" or "R  " for a segment's VMM flags. */
static const char *segment_rights(unsigned vmm_flags)
{
    if (vmm_flags & VMM_EXEC)
        return "R X";
    if (vmm_flags & VMM_WRITE)
        return "R W";
    return "R  ";
}

/* Reads a whole file into malloc'd memory; NULL (and a message) on failure. */
static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    unsigned char *bytes = NULL;
    size_t used = 0, capacity = 0, n;
    do {
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 65536;
            unsigned char *grown = realloc(bytes, capacity);
            if (!grown) {
                fprintf(stderr, "%s: out of memory\n", path);
                free(bytes);
                fclose(f);
                return NULL;
            }
            bytes = grown;
        }
        n = fread(bytes + used, 1, capacity - used, f);
        used += n;
    } while (n > 0);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "%s: read error\n", path);
        free(bytes);
        return NULL;
    }
    *size = used;
    return bytes;
}

static int check(const char *path)
{
    size_t size;
    unsigned char *image = read_file(path, &size);
    if (!image)
        return 0;
    static struct elf_info info; /* about 800 bytes: not on the stack */
    struct elf_error err;
    int status = elf_validate(image, size, &info, &err);
    free(image);
    if (status != ELF_OK) {
        printf("%s: REFUSED: %s (%s)\n", path, err.message, elf_strerror(status));
        return 0;
    }
    printf("%s: ok, entry 0x%llx, %u segments:", path, (unsigned long long)info.entry,
           info.segment_count);
    for (unsigned i = 0; i < info.segment_count; i++)
        printf(" [0x%llx +0x%llx %s]", (unsigned long long)info.segments[i].vaddr,
               (unsigned long long)info.segments[i].memsz,
               segment_rights(info.segments[i].vmm_flags));
    printf("\n");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    int refused = 0;
    for (int i = 1; i < argc; i++)
        refused += !check(argv[i]);
    printf("%d of %d programs accepted\n", argc - 1 - refused, argc - 1);
    return refused ? 1 : 0;
}
