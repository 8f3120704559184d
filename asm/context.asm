; asm/context.asm - save and restore a point of execution (setjmp/longjmp).
;
; The in-kernel test runner saves a context before each test; when a test
; fails or the kernel panics inside it, klongjmp returns there so the runner
; can report the failure and go on with the next test.
;
; struct kjmp_buf layout: rbx, rbp, r12, r13, r14, r15, rsp, rip (8 bytes each).

bits 64
section .text

global ksetjmp
global klongjmp

; int ksetjmp(struct kjmp_buf *buf): returns 0 now, and again the value
; passed to klongjmp when someone jumps back.
ksetjmp:
    mov [rdi + 0], rbx
    mov [rdi + 8], rbp
    mov [rdi + 16], r12
    mov [rdi + 24], r13
    mov [rdi + 32], r14
    mov [rdi + 40], r15
    lea rdx, [rsp + 8]          ; the caller's RSP after our return
    mov [rdi + 48], rdx
    mov rdx, [rsp]              ; our return address
    mov [rdi + 56], rdx
    xor eax, eax
    ret

; void klongjmp(struct kjmp_buf *buf, int value): never returns.
klongjmp:
    mov eax, esi
    test eax, eax
    jnz .nonzero
    inc eax                     ; ksetjmp must never appear to return 0 twice
.nonzero:
    mov rbx, [rdi + 0]
    mov rbp, [rdi + 8]
    mov r12, [rdi + 16]
    mov r13, [rdi + 24]
    mov r14, [rdi + 32]
    mov r15, [rdi + 40]
    mov rsp, [rdi + 48]
    jmp [rdi + 56]

; no executable stack needed (silences the linker's warning)
section .note.GNU-stack noalloc noexec nowrite progbits
