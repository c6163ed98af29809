//! The core wasm's memory allocator: size classes with free lists, on top of `memory.grow`.
//!
//! Why not the default (dlmalloc): measured with twiggy it is ~7.5 KB of code, most of the
//! returning visitor's byte budget, for a module that makes a few hundred small allocations per
//! page. Blocks up to 32 KB are rounded up to a power of two and reused through one free list per
//! size. Single-threaded: wasm32 without atomics has one thread.
//!
//! What it does not do, and why that is acceptable here:
//! - no splitting or coalescing: a freed block serves only its own size class, so memory is the
//!   high-water mark of each class. The widget's working set is small and steady (config, record,
//!   a walk over the page), so the classes fill once and are then reused;
//! - blocks above 32 KB (a very large config text) and blocks aligned to more than 16 bytes are
//!   never reused: freeing them leaks them. They are rare and few per page view (a growing
//!   `Vec` passes through them at most once per doubling);
//! - memory is never given back: wasm memory cannot shrink, and a page view is short-lived.
//!
//! The heap grows through [`Grow`], `memory.grow` in the wasm, so that the logic can be tested
//! natively on an arena (the tests below).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

const PAGE: usize = 65_536;
/// Classes 8 B, 16 B, … 32 KB.
const CLASSES: usize = 13;
/// Alignment every block of 16 B or more gets; stricter requests are served but never reused.
const ALIGN: usize = 16;

/// Where the heap's pages come from.
pub trait Grow {
    /// Adds `pages` pages of 64 KiB after the last one; returns the index of the first new page,
    /// or `usize::MAX` when there is no more memory (`memory.grow`'s contract).
    fn grow(&self, pages: usize) -> usize;
}

/// The wasm's own linear memory.
#[cfg(target_arch = "wasm32")]
pub struct Memory;

#[cfg(target_arch = "wasm32")]
impl Grow for Memory {
    fn grow(&self, pages: usize) -> usize {
        core::arch::wasm32::memory_grow::<0>(pages)
    }
}

/// The allocator the wasm installs (lib.rs).
#[cfg(target_arch = "wasm32")]
pub type Allocator = SizeClasses<Memory>;

pub struct SizeClasses<G> {
    heap: UnsafeCell<Heap>,
    memory: G,
}

struct Heap {
    free: [*mut u8; CLASSES],
    next: usize,
    end: usize,
}

// SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
#[cfg(target_arch = "wasm32")]
unsafe impl Sync for SizeClasses<Memory> {}

#[cfg(target_arch = "wasm32")]
impl SizeClasses<Memory> {
    pub const fn new() -> Self {
        Self::on(Memory)
    }
}

#[cfg(target_arch = "wasm32")]
impl Default for SizeClasses<Memory> {
    fn default() -> Self {
        Self::new()
    }
}

impl<G: Grow> SizeClasses<G> {
    /// An empty heap that takes its pages from `memory`.
    pub const fn on(memory: G) -> Self {
        SizeClasses {
            heap: UnsafeCell::new(Heap {
                free: [null_mut(); CLASSES],
                next: 0,
                end: 0,
            }),
            memory,
        }
    }

    /// Carves `size` bytes aligned to `align` off the end of the heap, growing it if needed.
    unsafe fn bump(&self, size: usize, align: usize) -> *mut u8 {
        let heap = &mut *self.heap.get();
        let mut start = (heap.next + align - 1) & !(align - 1);
        // No overflow: `start` is an address in the heap and `size` at most isize::MAX, which
        // together stay below usize::MAX unless the heap already spans half the address space.
        if start + size > heap.end {
            let pages = (size + align).div_ceil(PAGE);
            let previous = self.memory.grow(pages);
            if previous == usize::MAX {
                return null_mut();
            }
            let base = previous * PAGE;
            if base != heap.end {
                // Not contiguous with what we had (first use): start afresh at the new pages.
                heap.next = base;
            }
            heap.end = base + pages * PAGE;
            start = (heap.next + align - 1) & !(align - 1);
        }
        heap.next = start + size;
        start as *mut u8
    }
}

/// The free list a block of this layout belongs to: a power of two at least as large as both its
/// size and its alignment (so a reused block is aligned enough), `None` above 32 KB.
// Inlined, so that the bound it checks spares the callers' index their own check.
#[inline(always)]
fn class_of(layout: &Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(8);
    let class = size.next_power_of_two().trailing_zeros() as usize - 3;
    (class < CLASSES).then_some(class)
}

unsafe impl<G: Grow> GlobalAlloc for SizeClasses<G> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > ALIGN {
            return self.bump(layout.size(), layout.align());
        }
        match class_of(&layout) {
            Some(class) => {
                let free = &mut (*self.heap.get()).free[class];
                if free.is_null() {
                    let size = 8 << class;
                    self.bump(size, size.min(ALIGN))
                } else {
                    let block = *free;
                    *free = *(block as *mut *mut u8);
                    block
                }
            }
            None => self.bump(layout.size(), ALIGN),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.align() > ALIGN {
            return;
        }
        if let Some(class) = class_of(&layout) {
            let free = &mut (*self.heap.get()).free[class];
            *(ptr as *mut *mut u8) = *free;
            *free = ptr;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if layout.align() <= ALIGN
            && class_of(&layout).is_some()
            && class_of(&layout) == class_of(&new_layout)
        {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::collections::BTreeMap;

    /// Page-aligned memory standing in for the wasm's: `grow` hands out its pages in order.
    struct Arena {
        memory: *mut u8,
        pages: usize,
        used: Cell<usize>,
    }

    impl Arena {
        fn new(pages: usize) -> Arena {
            // SAFETY: the layout has a non-zero size.
            let memory = unsafe { std::alloc::alloc(Self::layout(pages)) };
            assert!(!memory.is_null());
            Arena {
                memory,
                pages,
                used: Cell::new(0),
            }
        }

        fn layout(pages: usize) -> Layout {
            Layout::from_size_align(pages * PAGE, PAGE).unwrap()
        }

        fn contains(&self, block: *mut u8, size: usize) -> bool {
            let (start, end) = (
                self.memory as usize,
                self.memory as usize + self.pages * PAGE,
            );
            block as usize >= start && block as usize + size <= end
        }
    }

    impl Grow for Arena {
        fn grow(&self, pages: usize) -> usize {
            if self.used.get() + pages > self.pages {
                return usize::MAX;
            }
            let first = self.memory as usize / PAGE + self.used.get();
            self.used.set(self.used.get() + pages);
            first
        }
    }

    impl Drop for Arena {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { std::alloc::dealloc(self.memory, Self::layout(self.pages)) }
        }
    }

    /// splitmix64, so that a failure replays exactly.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }

        fn layout(&mut self) -> Layout {
            let size = match self.below(100) {
                0 => 32_769 + self.below(40_000), // above the classes
                1..=9 => 1 + self.below(32_768),
                _ => 1 + self.below(64),
            };
            let align = 1 << [0, 0, 1, 2, 3, 3, 3, 4, 5, 12][self.below(10)];
            Layout::from_size_align(size, align).unwrap()
        }
    }

    /// Live blocks with the byte each is filled with; checks every block handed out.
    struct Live {
        arena_pages: usize,
        blocks: BTreeMap<usize, (Layout, u8)>,
    }

    impl Live {
        /// Records a new block: aligned, inside the arena, overlapping no live block.
        fn add(&mut self, arena: &Arena, block: *mut u8, layout: Layout, fill: u8) {
            assert!(
                !block.is_null(),
                "out of memory in a {}-page arena",
                self.arena_pages
            );
            let at = block as usize;
            assert_eq!(at % layout.align(), 0, "{layout:?} misaligned at {at:#x}");
            assert!(arena.contains(block, layout.size()));
            if let Some((&before, (l, _))) = self.blocks.range(..=at).next_back() {
                assert!(
                    before + l.size() <= at,
                    "{at:#x} overlaps the block at {before:#x}"
                );
            }
            if let Some((&after, _)) = self.blocks.range(at..).next() {
                assert!(
                    at + layout.size() <= after,
                    "{at:#x} overlaps the block at {after:#x}"
                );
            }
            // SAFETY: the block is `layout.size()` bytes of the arena that no live block uses.
            unsafe { block.write_bytes(fill, layout.size()) };
            self.blocks.insert(at, (layout, fill));
        }

        /// Removes a block after checking that its bytes are still what was written.
        fn take(&mut self, at: usize) -> (Layout, u8) {
            let (layout, fill) = self.blocks.remove(&at).unwrap();
            // SAFETY: a live block of `layout.size()` bytes.
            let bytes = unsafe { std::slice::from_raw_parts(at as *const u8, layout.size()) };
            assert!(
                bytes.iter().all(|&b| b == fill),
                "block at {at:#x} was overwritten"
            );
            (layout, fill)
        }

        fn any(&self, rng: &mut Rng) -> Option<usize> {
            let n = self.blocks.len();
            (n > 0).then(|| *self.blocks.keys().nth(rng.below(n)).unwrap())
        }
    }

    #[test]
    fn random_alloc_free_realloc() {
        let pages = 512;
        let heap = SizeClasses::on(Arena::new(pages));
        let arena = &heap.memory;
        let mut live = Live {
            arena_pages: pages,
            blocks: BTreeMap::new(),
        };
        let mut rng = Rng(0xA110C);
        let mut reused = 0;
        for step in 0..20_000 {
            let fill = (step % 251) as u8;
            match rng.below(10) {
                0..=4 => {
                    let layout = rng.layout();
                    // SAFETY: `layout` has a non-zero size.
                    let block = unsafe { heap.alloc(layout) };
                    live.add(arena, block, layout, fill);
                }
                5..=7 => {
                    let Some(at) = live.any(&mut rng) else {
                        continue;
                    };
                    let (layout, _) = live.take(at);
                    // SAFETY: a live block allocated with `layout`.
                    unsafe { heap.dealloc(at as *mut u8, layout) };
                    if layout.align() <= ALIGN && class_of(&layout).is_some() {
                        // The free list hands the block just freed to the next request of its
                        // size.
                        // SAFETY: `layout` has a non-zero size.
                        let again = unsafe { heap.alloc(layout) };
                        assert_eq!(again as usize, at, "a freed block is reused");
                        live.add(arena, again, layout, fill);
                        reused += 1;
                    }
                }
                _ => {
                    let Some(at) = live.any(&mut rng) else {
                        continue;
                    };
                    let (layout, old_fill) = live.take(at);
                    let new = rng.layout();
                    // SAFETY: a live block allocated with `layout`; the new size is non-zero.
                    let block = unsafe { heap.realloc(at as *mut u8, layout, new.size()) };
                    let kept = layout.size().min(new.size());
                    // SAFETY: the new block holds at least `kept` bytes.
                    let bytes = unsafe { std::slice::from_raw_parts(block, kept) };
                    assert!(
                        bytes.iter().all(|&b| b == old_fill),
                        "realloc lost contents"
                    );
                    let new = Layout::from_size_align(new.size(), layout.align()).unwrap();
                    live.add(arena, block, new, fill);
                }
            }
        }
        assert!(reused > 1000, "{reused}");
        while let Some(at) = live.any(&mut rng) {
            live.take(at);
        }
    }

    #[test]
    fn out_of_memory_is_null() {
        let heap = SizeClasses::on(Arena::new(2));
        let layout = Layout::from_size_align(1024, 8).unwrap();
        let mut blocks = Vec::new();
        loop {
            // SAFETY: non-zero size.
            let block = unsafe { heap.alloc(layout) };
            if block.is_null() {
                break;
            }
            blocks.push(block);
        }
        assert_eq!(blocks.len(), 2 * PAGE / 1024);
        // SAFETY: non-zero sizes.
        unsafe {
            assert!(heap
                .alloc(Layout::from_size_align(1 << 20, 8).unwrap())
                .is_null());
            assert!(heap
                .alloc(Layout::from_size_align(8, 64).unwrap())
                .is_null());
            let huge = Layout::from_size_align(isize::MAX as usize - 4096, 8).unwrap();
            assert!(heap.alloc(huge).is_null());
            // A freed block still serves its class when the memory has run out.
            heap.dealloc(blocks[7], layout);
            assert_eq!(heap.alloc(layout), blocks[7]);
            // Growing in place needs no memory; growing out of the class does.
            assert_eq!(heap.realloc(blocks[0], layout, 1000), blocks[0]);
            assert!(heap.realloc(blocks[0], layout, 1025).is_null());
        }
    }
}
