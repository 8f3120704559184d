; asm/syscall.asm - the two doors between ring 3 and the kernel.
;
; user_enter: the way in to a new program. The kernel builds the frame an
;   interrupt return expects (SS, RSP, RFLAGS, CS, RIP) with user selectors
;   and executes IRETQ, which drops the CPU to ring 3 at the program's entry.
;
; syscall_entry: the way back. A program's SYSCALL instruction jumps here
;   (the address is in the LSTAR register, src/arch/x86_64/syscall_msr.c) still on the
;   USER stack, with the return address in RCX and the user's RFLAGS in R11,
;   and interrupts off (SFMASK clears IF). The stub switches to the process's
;   kernel stack, saves every register as a struct syscall_frame
;   (include/proc/syscall.h), calls syscall_dispatch(frame) in C, restores
;   the registers (RAX now holds the result) and returns with SYSRET.
;
; SYSRET loads RIP from RCX. If RCX is not canonical, Intel CPUs raise #GP
; while still in ring 0 but already on the user's stack: a classic hole.
; syscall_dispatch checks frame->rip before we get here and ends the process
; instead (the only way to get there is a SYSCALL as the very last
; instruction of the user half); the test below is a second line of defence.
; Intel SDM vol. 2B (SYSCALL, SYSRET) and vol. 3A 5.8.8.

bits 64

GDT_USER_DATA equ 0x18
GDT_USER_CODE equ 0x20
USER_RFLAGS   equ 0x002         ; bit 1 is always 1; IF = 0: kiln takes no interrupts yet

extern syscall_dispatch
extern syscall_bad_return

section .bss
align 8
global syscall_kernel_rsp
syscall_kernel_rsp: resq 1      ; top of the running process's kernel stack
syscall_user_rsp:   resq 1      ; the user RSP while the kernel works (one CPU, one call)

section .text

; void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg): never returns.
; The program starts with arg in RDI and every other general register zero,
; so no kernel value leaks into ring 3 (the x87/MMX/SSE registers are never
; used: CR0.EM makes their instructions fault in ring 3, src/proc/process.c).
global user_enter
user_enter:
    push GDT_USER_DATA | 3      ; SS
    push rsi                    ; RSP
    push USER_RFLAGS            ; RFLAGS
    push GDT_USER_CODE | 3      ; CS
    push rdi                    ; RIP
    mov rdi, rdx
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    iretq

global syscall_entry
syscall_entry:
    mov [rel syscall_user_rsp], rsp
    mov rsp, [rel syscall_kernel_rsp]
    push qword [rel syscall_user_rsp] ; frame.rsp
    push r11                    ; frame.rflags
    push rcx                    ; frame.rip
    push rax                    ; frame.rax: the number in, the result out
    push rdi
    push rsi
    push rdx
    push r10
    push r8
    push r9
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15                    ; 16 pushes: RSP stays 16-byte aligned for the call
    mov rdi, rsp                ; struct syscall_frame *
    call syscall_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r9
    pop r8
    pop r10
    pop rdx
    pop rsi
    pop rdi
    pop rax
    pop rcx                     ; where SYSRET returns to
    pop r11                     ; the RFLAGS it restores
    ; Canonical means bits 63..47 all equal: shifting left then arithmetic
    ; right by 16 must give RCX back. RSP still points at frame.rsp, and the
    ; user's RSP is in memory, so the stack slot is free to use as scratch.
    push rcx
    shl rcx, 16
    sar rcx, 16
    cmp rcx, [rsp]
    pop rcx
    jne .bad_return
    pop rsp                     ; the user's stack
    o64 sysret
.bad_return:
    mov rdi, rcx
    and rsp, -16                ; the C ABI wants an aligned stack at the call
    call syscall_bad_return     ; ends the process; never returns
    ud2

; no executable stack needed (silences the linker's warning)
section .note.GNU-stack noalloc noexec nowrite progbits
