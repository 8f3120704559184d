; asm/boot.asm - from GRUB's 32-bit hand-off to the kernel's 64-bit C code.
;
; GRUB leaves us in 32-bit protected mode with paging off, EAX holding the
; Multiboot2 magic and EBX the physical address of the boot information
; (Multiboot2 specification, 3.3 "I386 machine state"). To reach kmain we:
;   1. check the magic and that the CPU has long mode (else print and halt),
;   2. build bootstrap page tables (identity map of the first GiB, the kernel's
;      higher-half window, and a direct map of the first 64 GiB of RAM),
;   3. enable PAE, EFER.LME (and EFER.NXE when the CPU has NX), then paging,
;   4. load a 64-bit GDT and far-jump into 64-bit code,
;   5. switch to the higher-half stack and call kmain(magic, mbi).
; docs/boot-flow.md walks through the CPU state after each step.
;
; Everything in this file runs before paging maps the higher half, so it is
; linked at its physical address (sections .boot.*, see src/kernel.ld).

%include "asm/layout.inc"

MB2_HEADER_MAGIC    equ 0xE85250D6
MB2_ARCH_I386       equ 0
MB2_BOOTLOADER_MAGIC equ 0x36D76289

; Paging-entry bits: Intel SDM Vol. 3A, 4.5 (4-level paging).
PTE_PRESENT  equ 1 << 0
PTE_WRITABLE equ 1 << 1
PTE_LARGE    equ 1 << 7          ; PS in a page-directory entry: maps a 2 MiB page

; Control registers: Intel SDM Vol. 3A, 2.5. EFER: Vol. 3A, 2.2.1 (MSR number: Vol. 4, table 2-2).
; include/arch/x86_64/cpu.h names the same bits for the C code.
CR0_PE  equ 1 << 0
CR0_WP  equ 1 << 16              ; honour read-only pages in ring 0 too
CR0_PG  equ 1 << 31
CR4_PAE equ 1 << 5
MSR_EFER equ 0xC0000080
EFER_LME equ 1 << 8
EFER_NXE equ 1 << 11

; CPUID leaf 0x80000001, EDX (Intel SDM Vol. 2A, CPUID).
CPUID_EXT_FEATURES equ 0x80000001
CPUID_EDX_NX       equ 1 << 20
CPUID_EDX_LM       equ 1 << 29

COM1 equ 0x3F8
VGA_TEXT equ 0xB8000

; ---------------------------------------------------------------------------
; The Multiboot2 header (specification 3.1). GRUB looks for it in the first
; 32 KiB of the file; the linker script puts this section first.
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; end tag: type 0, flags 0, size 8
    dw 0, 0
    dd 8
mb2_header_end:

; ---------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32

global _start
_start:
    cli
    cld
    mov esp, boot32_stack_top
    mov [boot_magic], eax
    mov [boot_mbi], ebx

    call early_serial_init
    cmp eax, MB2_BOOTLOADER_MAGIC
    jne .no_multiboot

    call cpu_has_long_mode
    test eax, eax
    jz .no_long_mode

    call build_boot_page_tables
    call enter_long_mode                ; does not return
.no_multiboot:
    mov esi, msg_no_multiboot
    jmp boot_fail
.no_long_mode:
    mov esi, msg_no_long_mode
    jmp boot_fail

; Returns EAX != 0 when CPUID says long mode exists; also records NX support.
cpu_has_long_mode:
    ; CPUID itself exists when EFLAGS.ID (bit 21) can be flipped.
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    jz .no
    mov eax, 0x80000000                 ; highest extended leaf
    cpuid
    cmp eax, CPUID_EXT_FEATURES
    jb .no
    mov eax, CPUID_EXT_FEATURES
    cpuid
    test edx, CPUID_EDX_NX
    jz .check_lm
    mov dword [boot_cpu_has_nx], 1
.check_lm:
    xor eax, eax
    test edx, CPUID_EDX_LM
    setnz al
    ret
.no:
    xor eax, eax
    ret

; The bootstrap tables. One page directory (PD) maps 1 GiB with 512 entries of
; 2 MiB each. boot_pd[0..63] map physical 0..64 GiB; the first of them is
; shared by the identity map (PML4[0]) and the kernel window (PML4[511],
; PDPT[510], i.e. virtual KERNEL_VMA), which both start at physical 0.
build_boot_page_tables:
    ; zero every table (GRUB zeroes .bss too, but we do not depend on it)
    mov edi, boot_tables_start
    mov ecx, (boot_tables_end - boot_tables_start) / 4
    xor eax, eax
    rep stosd

    ; 64 page directories, 32768 entries, physical 0, 2 MiB, 4 MiB, ...
    mov edi, boot_pd
    mov eax, PTE_PRESENT | PTE_WRITABLE | PTE_LARGE
    xor edx, edx
    mov ecx, BOOT_DIRECT_MAP_GIB * 512
.fill_pd:
    mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    loop .fill_pd

    ; PDPT of the direct map: entry i -> boot_pd + i * 4096
    mov edi, boot_pdpt_direct
    mov eax, boot_pd + (PTE_PRESENT | PTE_WRITABLE)
    mov ecx, BOOT_DIRECT_MAP_GIB
.fill_pdpt:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .fill_pdpt

    mov dword [boot_pdpt_low], boot_pd + (PTE_PRESENT | PTE_WRITABLE)
    mov dword [boot_pdpt_kernel + 510 * 8], boot_pd + (PTE_PRESENT | PTE_WRITABLE)

    mov dword [boot_pml4], boot_pdpt_low + (PTE_PRESENT | PTE_WRITABLE)
    mov dword [boot_pml4 + DIRECT_MAP_PML4_INDEX * 8], boot_pdpt_direct + (PTE_PRESENT | PTE_WRITABLE)
    mov dword [boot_pml4 + 511 * 8], boot_pdpt_kernel + (PTE_PRESENT | PTE_WRITABLE)
    ret

enter_long_mode:
    mov eax, cr4
    or eax, CR4_PAE                     ; 64-bit page-table entries
    mov cr4, eax

    mov eax, boot_pml4
    mov cr3, eax

    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME                    ; long mode, active once paging is on
    cmp dword [boot_cpu_has_nx], 0
    je .no_nx
    or eax, EFER_NXE                    ; bit 63 of entries means no-execute
.no_nx:
    wrmsr

    mov eax, cr0
    or eax, CR0_PG | CR0_WP | CR0_PE
    mov cr0, eax                        ; now in compatibility mode

    lgdt [boot_gdt_pointer]
    jmp BOOT_GDT_CODE:long_mode_entry   ; CS.L = 1: 64-bit mode

; Print the NUL-terminated string at ESI on VGA and COM1, then halt for good.
boot_fail:
    mov edi, VGA_TEXT
.next:
    lodsb
    test al, al
    jz .halt
    mov ah, 0x4F                        ; white on red
    mov [edi], ax
    add edi, 2
    call early_serial_putc
    jmp .next
.halt:
    mov al, 13
    call early_serial_putc
    mov al, 10
    call early_serial_putc
.forever:
    cli
    hlt
    jmp .forever

; COM1 at 115200 baud, 8 data bits, no parity, 1 stop bit, polled.
early_serial_init:
    push eax
    push edx
    mov dx, COM1 + 1
    xor al, al
    out dx, al                          ; no interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al                          ; DLAB: next two ports are the divisor
    mov dx, COM1
    mov al, 1
    out dx, al                          ; divisor 1 = 115200 baud
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al                          ; 8N1, DLAB off
    mov dx, COM1 + 2
    mov al, 0xC7
    out dx, al                          ; FIFO on and cleared
    mov dx, COM1 + 4
    mov al, 0x03
    out dx, al                          ; DTR + RTS
    pop edx
    pop eax
    ret

; Send AL on COM1 (waiting for an empty transmit register, LSR bit 5) and
; on port 0xE9 (the Bochs and QEMU debug console).
early_serial_putc:
    push eax
    push edx
    mov ah, al
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, COM1
    out dx, al
    out 0xE9, al
    pop edx
    pop eax
    ret

; ---------------------------------------------------------------------------
bits 64
long_mode_entry:
    mov ax, BOOT_GDT_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    ; Leave the identity-mapped low addresses for the higher half.
    mov rax, higher_half_entry
    jmp rax

section .text
extern kmain
global boot_stack_top
higher_half_entry:
    mov rsp, boot_stack_top
    xor ebp, ebp                        ; ends the chain of frames for backtraces
    mov edi, [boot_magic]
    mov esi, [boot_mbi]
    call kmain
.forever:
    cli
    hlt
    jmp .forever

; ---------------------------------------------------------------------------
section .boot.data progbits alloc noexec write align=16
global boot_cpu_has_nx
boot_magic:       dd 0
boot_mbi:         dd 0
boot_cpu_has_nx:  dd 0

BOOT_GDT_CODE equ 0x08
BOOT_GDT_DATA equ 0x10
align 8
boot_gdt:
    dq 0                                ; the null descriptor
    dq 0x00AF9A000000FFFF               ; code: present, ring 0, L=1 (64-bit)
    dq 0x00CF92000000FFFF               ; data: present, ring 0, writable
boot_gdt_end:
boot_gdt_pointer:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt

msg_no_multiboot:
    db "kiln: boot failed: EAX does not hold the Multiboot2 magic 0x36d76289;", \
       " kiln must be started by a Multiboot2 loader such as GRUB2", 0
msg_no_long_mode:
    db "kiln: boot failed: this CPU has no long mode (64-bit);", \
       " kiln needs an x86_64 CPU", 0

; ---------------------------------------------------------------------------
section .boot.bss nobits alloc noexec write align=4096
global boot_tables_start, boot_tables_end, boot_pml4
boot_tables_start:
boot_pml4:        resb 4096
boot_pdpt_low:    resb 4096
boot_pdpt_kernel: resb 4096
boot_pdpt_direct: resb 4096
boot_pd:          resb 4096 * BOOT_DIRECT_MAP_GIB
boot_tables_end:
boot32_stack:     resb 1024
boot32_stack_top:

section .bss nobits alloc noexec write align=4096
global boot_stack_guard
; The page under the stack stays unmapped in the kernel's own page tables
; (src/mm/vmm_boot.c), so overflowing the stack faults instead of silently
; overwriting whatever lies below it.
boot_stack_guard: resb 4096
boot_stack:       resb 16384
boot_stack_top:

; no executable stack needed (silences the linker's warning)
section .note.GNU-stack noalloc noexec nowrite progbits
