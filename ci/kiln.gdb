# ci/kiln.gdb - GDB commands for debugging kiln in QEMU (ci/gdb loads this file).
#
#   kiln-connect PORT   connect to QEMU's gdbstub (QEMU started with -S -gdb tcp::PORT)
#   kiln-pmm            the PMM's free list: each free run, its frames and size
#   kiln-buddy          the kernel heap's buddy free lists, per arena and order
#   kiln-walk ADDR      the 4-level page-table walk of a virtual address, from CR3
#
# They are written in GDB's own command language (define ... end), so any GDB
# runs them; `help kiln-walk` shows each one's description. The walk
# reads page tables through the direct map (DIRECT_MAP_BASE in
# include/mm/layout.h): both the bootstrap tables of asm/boot.asm and the
# kernel's own tables map all RAM there, so it works from kmain onwards.
# docs/debugging.md walks through a session.

set pagination off

# Read the kernel's code from kernel.elf instead of through QEMU. Until the
# trampoline turns paging on, the kernel's addresses (0xffffffff8...) are not
# mapped, so GDB cannot read the code there; it then cannot find the end of a
# function's prologue, and `hbreak kmain` would stop at kmain's first
# instruction, before the arguments are on the stack where `print magic` looks.
set trust-readonly-sections on

define kiln-connect
  # qemu-system-x86_64 always sends the 64-bit register set, even while the
  # CPU still runs the 16- and 32-bit code before long mode. A GDB that thinks
  # the machine is 32-bit (after `set architecture i386`, or with a 32-bit
  # symbol file) expects fewer bytes and fails with "Remote 'g' packet reply
  # is too long". Setting the architecture before connecting rules that out.
  set architecture i386:x86-64
  target remote 127.0.0.1:$arg0
end
document kiln-connect
kiln-connect PORT: connect to QEMU's gdbstub on this machine (QEMU -S -gdb tcp::PORT).
ci/gdb does this for you.
end

define kiln-pmm
  set $kiln_run = kernel_pmm.free_list
  set $kiln_n = 0
  set $kiln_pages = 0
  printf "pmm free list: %lu run(s), %lu KiB free (kernel_pmm.stats)\n", kernel_pmm.stats.free_runs, kernel_pmm.stats.free_bytes / 1024
  # The header of each run lives in the run's first frame, seen through the
  # direct map: its physical address is the header's address minus the offset.
  while $kiln_run != 0 && $kiln_n < 64
    set $kiln_base = (unsigned long)$kiln_run - kernel_pmm.window.offset
    printf "  run %2d: 0x%016lx-0x%016lx %8lu pages (header at %p)\n", $kiln_n, $kiln_base, $kiln_base + $kiln_run->pages * 4096, $kiln_run->pages, $kiln_run
    set $kiln_pages = $kiln_pages + $kiln_run->pages
    set $kiln_run = $kiln_run->next
    set $kiln_n = $kiln_n + 1
  end
  if $kiln_run != 0
    printf "  ... more runs (only the first 64 are shown)\n"
  end
  printf "  listed: %lu pages, %lu KiB\n", $kiln_pages, $kiln_pages * 4
end
document kiln-pmm
kiln-pmm: print the physical memory manager's free list (kernel_pmm.free_list).
Each run is a stretch of free frames: its physical range and page count.
end

define kiln-buddy
  if kernel_heap.backend != HEAP_BUDDY
    printf "the kernel heap uses the linked-list allocator (heap=list): no buddy free lists\n"
  else
    set $kiln_i = 0
    while $kiln_i < kernel_heap.count
      set $kiln_b = &kernel_heap.arenas[$kiln_i].heap.buddy
      printf "arena %u: 0x%lx-0x%lx (%lu KiB), %lu block(s) in use\n", $kiln_i, $kiln_b->base, $kiln_b->end, $kiln_b->size / 1024, $kiln_b->allocated_blocks
      set $kiln_k = 0
      while $kiln_k <= $kiln_b->top_order
        if $kiln_b->free_count[$kiln_k] != 0
          printf "  order %2u (%9lu bytes): %lu free:", $kiln_k, 32UL << $kiln_k, $kiln_b->free_count[$kiln_k]
          # The links of a free block are stored in its first 16 bytes.
          set $kiln_block = $kiln_b->order[$kiln_k].head
          set $kiln_shown = 0
          while $kiln_block != 0 && $kiln_shown < 4
            printf " 0x%lx", $kiln_block
            set $kiln_block = ((struct buddy_link *)$kiln_block)->next
            set $kiln_shown = $kiln_shown + 1
          end
          if $kiln_block != 0
            printf " ..."
          end
          printf "\n"
        end
        set $kiln_k = $kiln_k + 1
      end
      set $kiln_i = $kiln_i + 1
    end
  end
end
document kiln-buddy
kiln-buddy: print the kernel heap's buddy free lists: for each arena, each order
with free blocks, how many there are and the first few blocks' addresses.
end

define kiln-walk
  set $kiln_va = (unsigned long)($arg0)
  set $kiln_table = (unsigned long)$cr3 & 0x000ffffffffff000
  set $kiln_level = 4
  printf "walk of 0x%016lx from cr3 0x%lx:\n", $kiln_va, $kiln_table
  while $kiln_level > 0
    set $kiln_shift = 12 + 9 * ($kiln_level - 1)
    set $kiln_index = ($kiln_va >> $kiln_shift) & 0x1ff
    set $kiln_entry = *(unsigned long *)(0xffff800000000000 + $kiln_table + $kiln_index * 8)
    if $kiln_level == 4
      printf "  PML4[%3lu]", $kiln_index
    end
    if $kiln_level == 3
      printf "  PDPT[%3lu]", $kiln_index
    end
    if $kiln_level == 2
      printf "  PD  [%3lu]", $kiln_index
    end
    if $kiln_level == 1
      printf "  PT  [%3lu]", $kiln_index
    end
    printf " at 0x%lx: 0x%016lx", $kiln_table + $kiln_index * 8, $kiln_entry
    if ($kiln_entry & 1) == 0
      printf "  not present: 0x%lx is not mapped\n", $kiln_va
      set $kiln_level = 0
    else
      printf "  P"
      if $kiln_entry & 2
        printf " W"
      end
      if $kiln_entry & 4
        printf " U"
      end
      if $kiln_entry & 0x20
        printf " A"
      end
      if $kiln_entry & 0x40
        printf " D"
      end
      if $kiln_entry & 0x100
        printf " G"
      end
      if $kiln_entry & 0x8000000000000000
        printf " NX"
      end
      set $kiln_next = $kiln_entry & 0x000ffffffffff000
      # Bit 7 (PS) in a PDPT or PD entry: it maps a 1 GiB or 2 MiB page itself.
      if $kiln_level == 1 || ($kiln_level < 4 && ($kiln_entry & 0x80))
        set $kiln_size = 1UL << $kiln_shift
        set $kiln_frame = $kiln_next & ~($kiln_size - 1)
        if $kiln_level == 3
          printf " PS -> 1 GiB page at 0x%lx\n", $kiln_frame
        end
        if $kiln_level == 2
          printf " PS -> 2 MiB page at 0x%lx\n", $kiln_frame
        end
        if $kiln_level == 1
          printf " -> 4 KiB page at 0x%lx\n", $kiln_frame
        end
        printf "  0x%lx -> physical 0x%lx\n", $kiln_va, $kiln_frame + ($kiln_va & ($kiln_size - 1))
        set $kiln_level = 0
      else
        printf " -> next table at 0x%lx\n", $kiln_next
        set $kiln_table = $kiln_next
        set $kiln_level = $kiln_level - 1
      end
    end
  end
end
document kiln-walk
kiln-walk ADDR: walk the page tables CR3 points at for virtual address ADDR, the way
the CPU does: PML4, PDPT, PD, PT, each entry with its flags, and the physical
address ADDR leads to (or the level where the walk stops).
end
