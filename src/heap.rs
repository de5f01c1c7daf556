//! A small, fast memory allocator for the npm build (see `runtime`), in place of the ~8 KB
//! `dlmalloc` that Rust's `std` brings.
//!
//! Every allocation is rounded up to a power of two from 16 bytes: its *size class*. Each class
//! keeps a list of freed blocks, linked through their first word; a request takes the head of its
//! class's list, or else carves a new block from the top of the heap, which grows page by page.
//! Blocks are aligned to their own size (up to a page), so any layout that fits a class fits
//! every block of it. Blocks never merge or split: memory freed in one class is reused only by
//! that class, which suits this library's steady, repetitive allocations (the same request and
//! response shapes again and again) and makes `alloc` and `dealloc` a few instructions each.
//!
//! The logic is plain Rust over addresses, so that it is tested on the host over a fake memory;
//! only the page source (`memory.grow` in wasm) is passed in.

use core::alloc::Layout;
use core::ptr;

/// The size of a WebAssembly memory page.
pub const PAGE: usize = 65_536;

const MIN_SHIFT: u32 = 4; // 16 bytes: room for the free-list link, and the usual alignment
const CLASSES: usize = (usize::BITS - 1 - MIN_SHIFT) as usize;

/// The allocator's state: one free list per size class and the unused top of the heap.
pub struct Heap {
    free: [usize; CLASSES],
    top: usize,
    end: usize,
}

impl Heap {
    /// An empty heap; it asks for pages on first use.
    pub const fn new() -> Heap {
        Heap {
            free: [0; CLASSES],
            top: 0,
            end: 0,
        }
    }

    fn class(layout: Layout) -> Option<usize> {
        let size = layout
            .size()
            .max(layout.align())
            .checked_next_power_of_two()?;
        let class = size.max(1 << MIN_SHIFT).trailing_zeros() - MIN_SHIFT;
        let class = class as usize;
        (class < CLASSES).then_some(class)
    }

    /// Allocates a block for `layout`, or returns null when memory is exhausted. `grow(pages)`
    /// adds `pages` pages of memory and returns the address where they begin (`None` on failure).
    ///
    /// # Safety
    /// The heap must only ever be given memory by `grow`, and blocks must come back through
    /// [`Heap::dealloc`] with the layout they were allocated with.
    pub unsafe fn alloc(
        &mut self,
        layout: Layout,
        grow: impl FnOnce(usize) -> Option<usize>,
    ) -> *mut u8 {
        let Some(class) = Heap::class(layout) else {
            return ptr::null_mut();
        };
        let head = self.free[class];
        if head != 0 {
            self.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        let size = 1usize << (class as u32 + MIN_SHIFT);
        let align = size.min(PAGE);
        let mut start = (self.top + align - 1) & !(align - 1);
        if start
            .checked_add(size)
            .is_none_or(|block_end| block_end > self.end)
        {
            // New pages follow the current end unless something else grew the memory meanwhile.
            let pages = (size + align).div_ceil(PAGE);
            let Some(base) = grow(pages) else {
                return ptr::null_mut();
            };
            if base != self.end {
                self.top = base;
            }
            self.end = base + pages * PAGE;
            start = (self.top + align - 1) & !(align - 1);
        }
        self.top = start + size;
        start as *mut u8
    }

    /// Returns a block to its class's free list.
    ///
    /// # Safety
    /// `block` must come from [`Heap::alloc`] with this `layout`, and not be used afterwards.
    pub unsafe fn dealloc(&mut self, block: *mut u8, layout: Layout) {
        if let Some(class) = Heap::class(layout) {
            *(block as *mut usize) = self.free[class];
            self.free[class] = block as usize;
        }
    }

    /// Whether a block allocated for `old` can serve `new_size` bytes as it is.
    pub fn fits(old: Layout, new_size: usize) -> bool {
        Layout::from_size_align(new_size, old.align())
            .is_ok_and(|new| Heap::class(new) == Heap::class(old))
    }
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// A fake memory of `pages` pages, handed out page by page like `memory.grow`.
    struct Memory {
        bytes: Vec<u8>,
        used: usize,
    }

    impl Memory {
        fn new(pages: usize) -> Memory {
            Memory {
                bytes: vec![0; (pages + 1) * PAGE],
                used: 0,
            }
        }

        fn grow(&mut self, pages: usize) -> Option<usize> {
            let base = (self.bytes.as_ptr() as usize).next_multiple_of(PAGE) + self.used * PAGE;
            let limit = self.bytes.as_ptr() as usize + self.bytes.len();
            if base + pages * PAGE > limit {
                return None;
            }
            self.used += pages;
            Some(base)
        }
    }

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_reused() {
        let mut memory = Memory::new(64);
        let mut heap = Heap::new();
        let mut blocks = Vec::new();
        for (i, (size, align)) in [
            (1, 1),
            (16, 8),
            (17, 4),
            (100, 16),
            (4096, 8),
            (5, 64),
            (70_000, 8),
        ]
        .into_iter()
        .cycle()
        .take(70)
        .enumerate()
        {
            let l = layout(size, align);
            let p = unsafe { heap.alloc(l, |n| memory.grow(n)) };
            assert!(!p.is_null(), "allocation {i} failed");
            assert_eq!(p as usize % align, 0);
            unsafe { ptr::write_bytes(p, i as u8, size) };
            blocks.push((p, l, i as u8));
        }
        // No block was overwritten by another.
        for &(p, l, fill) in &blocks {
            let bytes = unsafe { std::slice::from_raw_parts(p, l.size()) };
            assert!(bytes.iter().all(|&b| b == fill));
        }
        let pages = memory.used;
        for &(p, l, _) in &blocks {
            unsafe { heap.dealloc(p, l) };
        }
        // The same shapes again take freed blocks: the heap does not grow.
        for &(_, l, _) in &blocks {
            assert!(!unsafe { heap.alloc(l, |n| memory.grow(n)) }.is_null());
        }
        assert_eq!(memory.used, pages);
    }

    #[test]
    fn exhaustion_and_impossible_layouts_give_null() {
        let mut memory = Memory::new(2);
        let mut heap = Heap::new();
        assert!(unsafe { heap.alloc(layout(3 * PAGE, 8), |n| memory.grow(n)) }.is_null());
        assert!(
            unsafe { heap.alloc(layout((1 << (usize::BITS - 2)) + 1, 1), |n| memory.grow(n)) }
                .is_null()
        );
        assert!(!unsafe { heap.alloc(layout(64, 8), |n| memory.grow(n)) }.is_null());
    }

    #[test]
    fn growth_elsewhere_starts_a_new_region() {
        let mut heap = Heap::new();
        let mut memory = Memory::new(8);
        let a = unsafe { heap.alloc(layout(32, 8), |n| memory.grow(n)) } as usize;
        memory.grow(1); // someone else takes the next page
        let b = unsafe { heap.alloc(layout(PAGE, 8), |n| memory.grow(n)) } as usize;
        assert!(b >= a + 2 * PAGE - 32, "the other page was not reused");
    }

    #[test]
    fn realloc_in_place_within_a_class() {
        assert!(Heap::fits(layout(20, 8), 32));
        assert!(!Heap::fits(layout(20, 8), 33));
        assert!(Heap::fits(layout(1, 1), 16));
    }
}
