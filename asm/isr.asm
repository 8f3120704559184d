; asm/isr.asm - the first instructions of every exception handler.
;
; The CPU pushes SS, RSP, RFLAGS, CS, RIP and, for some exceptions, an error
; code (Intel SDM vol. 3A, 6.12 and table 6-1). Each stub below makes the
; stack look the same for all 32 vectors: it pushes a dummy error code where
; the CPU does not, then the vector number, then jumps to trap_common, which
; saves every general register as a struct trap_frame (include/arch/x86_64/
; trap.h) and calls trap_dispatch(frame) in C.

bits 64
section .text

extern trap_dispatch

%macro STUB_NO_ERROR 1
isr_stub_%1:
    push 0
    push %1
    jmp trap_common
%endmacro

%macro STUB_WITH_ERROR 1
isr_stub_%1:
    push %1
    jmp trap_common
%endmacro

; Vectors 8, 10-14, 17, 21, 29 and 30 come with an error code.
%assign v 0
%rep 32
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
    STUB_WITH_ERROR v
%else
    STUB_NO_ERROR v
%endif
%assign v v + 1
%endrep

trap_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld                         ; the C ABI expects the direction flag clear
    mov rdi, rsp                ; struct trap_frame *
    call trap_dispatch          ; the stack is 16-byte aligned here
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                 ; the vector and the error code
    iretq

section .rodata
global isr_stub_table
align 8
isr_stub_table:
%assign v 0
%rep 32
    dq isr_stub_ %+ v
%assign v v + 1
%endrep

; no executable stack needed (silences the linker's warning)
section .note.GNU-stack noalloc noexec nowrite progbits
