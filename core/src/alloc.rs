//! The core wasm's memory allocator: size classes with free lists, on top of `memory.grow`.
//!
//! Why not the default (dlmalloc): measured with twiggy it is ~7.5 KB of code, most of the
//! returning visitor's byte budget, for a module that makes a few hundred small allocations per
//! page. Blocks up to 32 KB are rounded up to a power of two and reused through one free list per
//! size; larger blocks (a very large config string) are never reused. Single-threaded: wasm32
//! without atomics has one thread.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32::memory_grow;
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;
/// Classes 8 B, 16 B, … 32 KB.
const CLASSES: usize = 13;
/// Alignment every block of 16 B or more gets; stricter requests are served but never reused.
const ALIGN: usize = 16;

pub struct Allocator(UnsafeCell<Heap>);

struct Heap {
    free: [*mut u8; CLASSES],
    next: usize,
    end: usize,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
unsafe impl Sync for Allocator {}

impl Allocator {
    pub const fn new() -> Self {
        Allocator(UnsafeCell::new(Heap {
            free: [null_mut(); CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

impl Default for Allocator {
    fn default() -> Self {
        Self::new()
    }
}

fn class_of(size: usize) -> Option<usize> {
    let class = size.max(8).next_power_of_two().trailing_zeros() as usize - 3;
    (class < CLASSES).then_some(class)
}

impl Heap {
    unsafe fn bump(&mut self, size: usize, align: usize) -> *mut u8 {
        let mut start = (self.next + align - 1) & !(align - 1);
        if start + size > self.end {
            let pages = (size + align).div_ceil(PAGE);
            let previous = memory_grow::<0>(pages);
            if previous == usize::MAX {
                return null_mut();
            }
            let base = previous * PAGE;
            if base != self.end {
                // Not contiguous with what we had (first use): start afresh at the new pages.
                self.next = base;
            }
            self.end = base + pages * PAGE;
            start = (self.next + align - 1) & !(align - 1);
        }
        self.next = start + size;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let heap = &mut *self.0.get();
        if layout.align() > ALIGN {
            return heap.bump(layout.size(), layout.align());
        }
        match class_of(layout.size()) {
            Some(class) => {
                let head = heap.free[class];
                if head.is_null() {
                    let size = 8 << class;
                    heap.bump(size, size.min(ALIGN))
                } else {
                    heap.free[class] = *(head as *mut *mut u8);
                    head
                }
            }
            None => heap.bump(layout.size(), ALIGN),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() > ALIGN {
            return;
        }
        if let Some(class) = class_of(layout.size()) {
            let heap = &mut *self.0.get();
            *(ptr as *mut *mut u8) = heap.free[class];
            heap.free[class] = ptr;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= ALIGN
            && class_of(layout.size()).is_some()
            && class_of(layout.size()) == class_of(new_size)
        {
            return ptr;
        }
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
