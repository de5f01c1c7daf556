//! What `std` would otherwise provide to the npm build: a panic handler and a global allocator.
//!
//! A panic is a bug (every input error is an `Error` value, and the fuzzers look for panics): it
//! stops the module with a wasm trap, which JavaScript sees as `RuntimeError: unreachable`.
//! Release builds format no message, so Rust's formatting machinery stays out of the module;
//! development builds first print one on the console (`js::report_panic`).

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::UnsafeCell;

use crate::heap::{Heap, PAGE};

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    #[cfg(debug_assertions)]
    crate::js::report_panic(info);
    #[cfg(not(debug_assertions))]
    let _ = info;
    wasm32::unreachable()
}

struct Allocator(UnsafeCell<Heap>);

// SAFETY: the package is built for wasm32 without threads: one thread ever touches the heap.
unsafe impl Sync for Allocator {}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap::new()));

fn grow(pages: usize) -> Option<usize> {
    match wasm32::memory_grow(0, pages) {
        usize::MAX => None,
        previous => Some(previous * PAGE),
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        (*self.0.get()).alloc(layout, grow)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        (*self.0.get()).dealloc(block, layout)
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Heap::fits(layout, new_size) {
            return block;
        }
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        let moved = self.alloc(new);
        if !moved.is_null() {
            core::ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
            self.dealloc(block, layout);
        }
        moved
    }
}
