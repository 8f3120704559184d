; src/user/crt0.asm - _start, the first instruction of every user program.
;
; The kernel jumps here (the ELF entry point, user.ld's ENTRY) in ring 3 with
; rsp = USER_STACK_TOP, every other general register 0 and interrupts off.
; There is no caller to return to, so _start calls main(), hands its result
; to exit() and never comes back. C code cannot do this part itself: a C
; function assumes it was reached by a `call` that pushed a return address.

bits 64
section .text

global _start:function (_start.end - _start)
extern main
extern exit

_start:
    ; rbp = 0 marks the outermost frame: a debugger's backtrace, which
    ; follows the saved rbp chain, stops here.
    xor ebp, ebp
    ; The System V ABI wants rsp 16-byte aligned at every `call`. The kernel
    ; promises it; clearing the low bits anyway (as glibc's _start does)
    ; costs one instruction.
    and rsp, -16
    call main
    ; int main(void) returns in eax; exit(int status) takes it in edi.
    mov edi, eax
    call exit
    ; exit() does not return. If it ever did, fault here at once (#UD)
    ; rather than run whatever bytes come next.
    ud2
.end:

; no executable stack needed (silences the linker's warning)
section .note.GNU-stack noalloc noexec nowrite progbits
