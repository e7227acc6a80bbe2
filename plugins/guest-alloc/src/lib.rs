//! The memory allocator of Rust policy plugins: one evaluation's allocations come from a
//! region that is handed out front to back and taken back whole once the evaluation has freed
//! everything it allocated.
//!
//! Why: a policy evaluation is a burst of short-lived allocations (the record's strings and
//! lists as it is parsed, each result's sentences, the packed answer), all freed by the time the
//! host has read the answer. The standard allocator of `wasm32-unknown-unknown` (dlmalloc)
//! keeps free lists for blocks that live and die in any order; here an allocation is a pointer
//! moved forward and a free is a counter decremented, and the built-in policies run 12-16 % fewer
//! instructions per child for it. (talc, a general allocator made for WebAssembly, ran 3-5 %
//! more than dlmalloc on the same plugins.)
//!
//! Everything allocated outside an evaluation (a batch's prepared context and settings, and the
//! host's arguments, which are written into the instance before each call) comes from a second,
//! smaller region kept by the same rule, so that a fresh instance never grows its memory.
//! dlmalloc takes its memory with `memory.grow`, and the host pays for each grown instance
//! twice: the grown pages are made accessible, then made inaccessible again when the instance's
//! slot is reset for the next one, and each change of protection interrupts every other core
//! running the host to flush its address translations. A 5,000-child demo check changed the
//! protection of WebAssembly pages 2,910 times before this region (about three times per
//! instance) and 134 times with it, and took 3-4 % less CPU.
//!
//! How it stays sound:
//! - Each block handed out from a region counts as live until it is freed, whenever that is
//!   (the packed answer is freed after the evaluation, when the host has copied it out). A region
//!   starts again from its beginning only when no block of it is live, so a block still in use
//!   is never handed out again: a plugin that keeps a value from an evaluation just stops the
//!   region from being reused, and allocations then come from [`System`] once it is full. The
//!   prepared context lives in the second region for the instance's life; the arguments above it
//!   are freed last-in first-out, and the last block handed out is taken back at once.
//! - A free is routed by address: a block inside either region is counted off there, anything
//!   else goes back to [`System`], so it never matters which region was in use when a block was
//!   made.
//!
//! Each region is a static array (zeroed memory: no bytes in the module, and part of an
//! instance's memory from the start, so no `memory.grow` for it; a fresh instance evaluates as
//! fast as with dlmalloc, where a region taken from dlmalloc cost ~4 µs more per fresh
//! instance), and an instance touches only the pages it uses.
//!
//! Besides the bindings the SDK generates, this crate is the only `unsafe` in a Rust policy
//! plugin: a global allocator cannot be written without it, so it lives here, alone, with tests
//! that drive it natively. WebAssembly plugins are single-threaded, which is what the `Sync`
//! implementation relies on.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;

/// The size of the region an evaluation allocates from: at least four times what any evaluation
/// of the 5,000-child demo or of the SSDA903 return needs (none needed more than 256 KiB; 1,025
/// of the demo's 65,000 needed more than 64 KiB). An evaluation that needs more still works: what
/// does not fit comes from [`System`].
pub const REGION_BYTES: usize = 1 << 20;

/// The size of the region everything outside an evaluation allocates from: a prepared context
/// (the calendar's days, the settings) takes a few KiB, and the largest argument is a record
/// trimmed to a policy's fields (a demo child's whole record is ~7 KiB of JSON). A record too
/// large for it (lists may hold 200 items, some inside others) is written into memory from
/// [`System`], which grows the instance's memory as every instance's was before this region.
pub const INSTANCE_REGION_BYTES: usize = 1 << 18;

/// A region, aligned for any type a policy allocates. A static array (zeroed memory, so no
/// bytes in the module), not a block from [`System`]: it is part of the instance's memory from
/// the start, so a fresh instance pays no `memory.grow` for it.
#[repr(C, align(16))]
struct Region<const BYTES: usize>([u8; BYTES]);

/// A region and what of it is handed out.
struct Arena<const BYTES: usize> {
    region: UnsafeCell<Region<BYTES>>,
    state: UnsafeCell<State>,
}

/// The global allocator of a Rust policy plugin (see the crate documentation).
pub struct EvaluationAllocator {
    evaluation: Arena<REGION_BYTES>,
    instance: Arena<INSTANCE_REGION_BYTES>,
    /// Whether allocations come from the evaluation's region now (inside an [`Evaluation`]).
    active: UnsafeCell<bool>,
}

struct State {
    /// Where the next block starts, as an offset into the region.
    top: usize,
    /// Blocks of the region not yet freed.
    live: usize,
}

// SAFETY: a WebAssembly plugin without threads runs on one thread; nothing else ever touches
// the state. Elsewhere the allocator is only compiled for this crate's tests, each with its own
// instance and used from one thread; on a target with threads it is not `Sync`, so it cannot be
// a global allocator there.
#[cfg(any(all(target_family = "wasm", not(target_feature = "atomics")), test))]
unsafe impl Sync for EvaluationAllocator {}

impl<const BYTES: usize> Arena<BYTES> {
    const fn new() -> Self {
        Self {
            region: UnsafeCell::new(Region([0; BYTES])),
            state: UnsafeCell::new(State { top: 0, live: 0 }),
        }
    }

    fn start(&self) -> *mut u8 {
        self.region.get().cast()
    }

    /// The offset of `ptr` into the region, if it points into it.
    fn offset(&self, ptr: *mut u8) -> Option<usize> {
        (ptr as usize)
            .checked_sub(self.start() as usize)
            .filter(|&offset| offset < BYTES)
    }

    /// The state, for the length of one allocator call.
    ///
    /// SAFETY: single-threaded (see `Sync`), and the caller drops the reference before its
    /// call ends.
    #[allow(clippy::mut_from_ref)]
    unsafe fn state(&self) -> &mut State {
        unsafe { &mut *self.state.get() }
    }

    /// A block of the region, or `None` when there is no room.
    fn alloc(&self, layout: Layout) -> Option<*mut u8> {
        // SAFETY: see `state`.
        let state = unsafe { self.state() };
        let offset = self
            .start()
            .wrapping_add(state.top)
            .align_offset(layout.align());
        let block = state.top.checked_add(offset)?;
        let end = block.checked_add(layout.size())?;
        if end > BYTES {
            return None;
        }
        state.top = end;
        state.live += 1;
        Some(self.start().wrapping_add(block))
    }

    /// Counts the block at `ptr` off if it is one of this region's (the region starts again
    /// once none is live); whether it was.
    fn release(&self, ptr: *mut u8, size: usize) -> bool {
        let Some(block) = self.offset(ptr) else {
            return false;
        };
        // SAFETY: see `state`.
        let state = unsafe { self.state() };
        state.live -= 1;
        if state.live == 0 {
            state.top = 0;
        } else if block + size == state.top {
            // The last block handed out: its room can be handed out again at once.
            state.top = block;
        }
        true
    }

    /// For a block at `ptr` of this region, whether it grew or shrank where it is (it does if
    /// it is the last one handed out and the region has room); `None` for any other block.
    fn resize_in_place(&self, ptr: *mut u8, size: usize, new_size: usize) -> Option<bool> {
        let block = self.offset(ptr)?;
        // SAFETY: see `state`.
        let state = unsafe { self.state() };
        let fits = block + size == state.top && new_size <= BYTES - block;
        if fits {
            state.top = block + new_size;
        }
        Some(fits)
    }

    /// How many blocks of the region are live, and how many bytes of it are handed out.
    #[cfg(test)]
    fn used(&self) -> (usize, usize) {
        // SAFETY: see `state`.
        let state = unsafe { self.state() };
        (state.live, state.top)
    }
}

impl EvaluationAllocator {
    /// For a `static` only (the regions are inside the value).
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Self {
            evaluation: Arena::new(),
            instance: Arena::new(),
            active: UnsafeCell::new(false),
        }
    }

    /// Allocations come from the evaluation's region until the returned scope ends. Scopes do
    /// not nest: the SDK opens one per evaluation call.
    pub fn evaluation(&'static self) -> Evaluation {
        // SAFETY: single-threaded (see `Sync`), and no reference outlives a call.
        unsafe { *self.active.get() = true };
        Evaluation { allocator: self }
    }

    /// A block from the region in use now, or `None` when it has no room.
    #[inline]
    fn alloc_in_region(&self, layout: Layout) -> Option<*mut u8> {
        // SAFETY: as in `evaluation`.
        if unsafe { *self.active.get() } {
            self.evaluation.alloc(layout)
        } else {
            self.instance.alloc(layout)
        }
    }

    /// How many blocks of the evaluation's region are live, and how many bytes of it are
    /// handed out.
    #[cfg(test)]
    fn region_use(&self) -> (usize, usize) {
        self.evaluation.used()
    }

    /// The same of the region used outside evaluations.
    #[cfg(test)]
    fn instance_use(&self) -> (usize, usize) {
        self.instance.used()
    }
}

/// While this lives, the allocator hands out blocks from the evaluation's region.
pub struct Evaluation {
    allocator: &'static EvaluationAllocator,
}

impl Drop for Evaluation {
    fn drop(&mut self) {
        // SAFETY: as in `evaluation`.
        unsafe { *self.allocator.active.get() = false };
    }
}

// Every allocation and free calls the allocator's shim (`__rust_alloc` and its kin), which calls
// these methods; `#[inline]` lets them be compiled into the shim, a call less each time. In a
// profile of a 60,000-child run the allocator's entry points went from 4.2 % of all samples to
// 3.0 %.
//
// SAFETY: every block handed out is `layout.size()` bytes aligned to `layout.align()`, inside
// a region or from `System`; a block of a region is never handed out again while it is live
// (a region restarts only when no block of it is live, and its `top` only moves back over the
// last block handed out, when that block is freed).
unsafe impl GlobalAlloc for EvaluationAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.alloc_in_region(layout) {
            Some(block) => block,
            // SAFETY: the caller's layout, non-zero in size.
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.evaluation.release(ptr, layout.size())
            && !self.instance.release(ptr, layout.size())
        {
            // SAFETY: a block from `System` with this layout, as the caller promises.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // The last block handed out grows or shrinks where it is, if its region has room.
        let in_place = self
            .evaluation
            .resize_in_place(ptr, layout.size(), new_size)
            .or_else(|| self.instance.resize_in_place(ptr, layout.size(), new_size));
        match in_place {
            Some(true) => return ptr,
            Some(false) => {}
            // SAFETY: a block from `System` with this layout, as the caller promises.
            None => return unsafe { System.realloc(ptr, layout, new_size) },
        }
        let new_layout = Layout::from_size_align(new_size, layout.align()).expect("valid");
        // SAFETY: a non-zero size (the caller's promise), from this allocator.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live and distinct, each at least this long.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    /// Whether `ptr` is a block of the evaluation's region.
    fn in_region(allocator: &EvaluationAllocator, ptr: *mut u8) -> bool {
        allocator.evaluation.offset(ptr).is_some()
    }

    /// Whether `ptr` is a block of the region used outside evaluations.
    fn in_instance_region(allocator: &EvaluationAllocator, ptr: *mut u8) -> bool {
        allocator.instance.offset(ptr).is_some()
    }

    #[test]
    fn only_an_evaluation_allocates_from_the_evaluation_region() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        let l = layout(24, 8);
        unsafe {
            let before = ALLOCATOR.alloc(l);
            let evaluation = ALLOCATOR.evaluation();
            let inside = ALLOCATOR.alloc(l);
            drop(evaluation);
            let after = ALLOCATOR.alloc(l);
            assert!(in_instance_region(&ALLOCATOR, before));
            assert!(in_region(&ALLOCATOR, inside));
            assert!(in_instance_region(&ALLOCATOR, after));
            assert_eq!(ALLOCATOR.region_use(), (1, 24));
            assert_eq!(ALLOCATOR.instance_use(), (2, 48));
            // Freed after the evaluation (as the host frees the packed answer): counted off,
            // and the region starts again.
            ALLOCATOR.dealloc(inside, l);
            assert_eq!(ALLOCATOR.region_use(), (0, 0));
            ALLOCATOR.dealloc(before, l);
            ALLOCATOR.dealloc(after, l);
            assert_eq!(ALLOCATOR.instance_use(), (0, 0));
        }
    }

    /// What an instance does between evaluations: `prepare` keeps its context, and before each
    /// call the host writes the call's argument into a block that the call frees. Neither takes
    /// memory from `System` (which would grow the instance's memory), and the arguments reuse
    /// the same room call after call.
    #[test]
    fn a_kept_context_and_each_calls_argument_share_the_instance_region() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        let context = layout(4_000, 8);
        let argument = layout(7_000, 1);
        unsafe {
            let kept = ALLOCATOR.alloc(context);
            assert!(in_instance_region(&ALLOCATOR, kept));
            let mut first = None;
            for _ in 0..1_000 {
                let record = ALLOCATOR.alloc(argument);
                assert!(in_instance_region(&ALLOCATOR, record));
                assert_eq!(
                    *first.get_or_insert(record),
                    record,
                    "the argument's room is reused"
                );
                let evaluation = ALLOCATOR.evaluation();
                let answer = ALLOCATOR.alloc(layout(300, 1));
                drop(evaluation);
                ALLOCATOR.dealloc(record, argument);
                ALLOCATOR.dealloc(answer, layout(300, 1));
            }
            assert_eq!(ALLOCATOR.instance_use(), (1, 4_000));
            // An argument larger than the region's room comes from `System`, and its free goes
            // back there.
            let huge = layout(INSTANCE_REGION_BYTES, 1);
            let big = ALLOCATOR.alloc(huge);
            assert!(!big.is_null() && !in_instance_region(&ALLOCATOR, big));
            ALLOCATOR.dealloc(big, huge);
            ALLOCATOR.dealloc(kept, context);
            assert_eq!(ALLOCATOR.instance_use(), (0, 0));
        }
    }

    #[test]
    fn the_region_is_reused_once_everything_in_it_is_freed() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        unsafe {
            let first = {
                let _evaluation = ALLOCATOR.evaluation();
                let a = ALLOCATOR.alloc(layout(100, 4));
                let b = ALLOCATOR.alloc(layout(8, 8));
                // 100 bytes, 4 of padding to align `b` to 8, then 8.
                assert_eq!(b as usize - a as usize, 104);
                assert_eq!(ALLOCATOR.region_use(), (2, 112));
                ALLOCATOR.dealloc(a, layout(100, 4));
                assert_eq!(ALLOCATOR.region_use(), (1, 112));
                ALLOCATOR.dealloc(b, layout(8, 8));
                a
            };
            let _evaluation = ALLOCATOR.evaluation();
            let again = ALLOCATOR.alloc(layout(16, 8));
            assert_eq!(again, first);
            ALLOCATOR.dealloc(again, layout(16, 8));
        }
    }

    #[test]
    fn a_block_kept_past_its_evaluation_is_never_handed_out_again() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        let l = layout(64, 8);
        unsafe {
            let kept = {
                let _evaluation = ALLOCATOR.evaluation();
                let kept = ALLOCATOR.alloc(l);
                kept.write_bytes(0xAB, 64);
                let temporary = ALLOCATOR.alloc(l);
                ALLOCATOR.dealloc(temporary, l);
                kept
            };
            for _ in 0..100 {
                let _evaluation = ALLOCATOR.evaluation();
                let block = ALLOCATOR.alloc(l);
                assert!(block as usize >= kept as usize + 64);
                block.write_bytes(0x00, 64);
                ALLOCATOR.dealloc(block, l);
            }
            assert!((0..64).all(|i| *kept.add(i) == 0xAB));
            ALLOCATOR.dealloc(kept, l);
            assert_eq!(ALLOCATOR.region_use(), (0, 0));
        }
    }

    #[test]
    fn what_does_not_fit_comes_from_the_standard_allocator() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        unsafe {
            let _evaluation = ALLOCATOR.evaluation();
            let most = layout(REGION_BYTES - 16, 16);
            let a = ALLOCATOR.alloc(most);
            assert!(in_region(&ALLOCATOR, a));
            let b = ALLOCATOR.alloc(layout(32, 8));
            assert!(!b.is_null() && !in_region(&ALLOCATOR, b));
            let c = ALLOCATOR.alloc(layout(16, 16));
            assert!(in_region(&ALLOCATOR, c), "the last 16 bytes still fit");
            ALLOCATOR.dealloc(b, layout(32, 8));
            ALLOCATOR.dealloc(c, layout(16, 16));
            ALLOCATOR.dealloc(a, most);
            assert_eq!(ALLOCATOR.region_use(), (0, 0));
        }
    }

    #[test]
    fn the_last_block_grows_in_place_and_others_move_with_their_contents() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        unsafe {
            let _evaluation = ALLOCATOR.evaluation();
            let a = ALLOCATOR.alloc(layout(8, 1));
            a.copy_from_nonoverlapping(b"abcdefgh".as_ptr(), 8);
            let grown = ALLOCATOR.realloc(a, layout(8, 1), 40);
            assert_eq!(grown, a);
            assert_eq!(ALLOCATOR.region_use(), (1, 40));
            let b = ALLOCATOR.alloc(layout(8, 1));
            let moved = ALLOCATOR.realloc(a, layout(40, 1), 80);
            assert_ne!(moved, a);
            assert_eq!(std::slice::from_raw_parts(moved, 8), b"abcdefgh");
            assert_eq!(ALLOCATOR.region_use().0, 2);
            // Outside an evaluation, a block of the region that cannot grow where it is moves
            // to the standard allocator (2 MiB never fits in the region).
            drop(_evaluation);
            let out = ALLOCATOR.realloc(moved, layout(80, 1), 2 * REGION_BYTES);
            assert!(!in_region(&ALLOCATOR, out));
            assert_eq!(std::slice::from_raw_parts(out, 8), b"abcdefgh");
            assert_eq!(ALLOCATOR.region_use().0, 1);
            ALLOCATOR.dealloc(out, layout(2 * REGION_BYTES, 1));
            ALLOCATOR.dealloc(b, layout(8, 1));
            assert_eq!(ALLOCATOR.region_use(), (0, 0));
        }
    }

    /// Random allocations, frees and reallocations over many evaluations, some blocks kept
    /// across them: every block keeps the bytes written into it until it is freed.
    #[test]
    fn no_live_block_is_ever_overwritten() {
        static ALLOCATOR: EvaluationAllocator = EvaluationAllocator::new();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |bound: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % bound
        };
        // (block, layout, the byte it is filled with)
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let intact = |(ptr, l, fill): &(*mut u8, Layout, u8)| unsafe {
            std::slice::from_raw_parts(*ptr, l.size())
                .iter()
                .all(|b| b == fill)
        };
        for evaluation in 0..300 {
            let scope = ALLOCATOR.evaluation();
            for step in 0..200 {
                let fill = (evaluation * 7 + step) as u8;
                match next(4) {
                    0 | 1 => unsafe {
                        let size = [1, 7, 24, 100, 3_000, 70_000][next(6)];
                        let l = layout(size, [1, 4, 8, 16][next(4)]);
                        let ptr = ALLOCATOR.alloc(l);
                        ptr.write_bytes(fill, size);
                        live.push((ptr, l, fill));
                    },
                    2 if !live.is_empty() => unsafe {
                        let block = live.swap_remove(next(live.len()));
                        assert!(intact(&block), "a live block was overwritten");
                        ALLOCATOR.dealloc(block.0, block.1);
                    },
                    _ if !live.is_empty() => unsafe {
                        let i = next(live.len());
                        let (ptr, l, old) = live[i];
                        assert!(intact(&live[i]));
                        let size = 1 + next(2 * l.size());
                        let moved = ALLOCATOR.realloc(ptr, l, size);
                        let kept = size.min(l.size());
                        assert!(
                            std::slice::from_raw_parts(moved, kept)
                                .iter()
                                .all(|&b| b == old)
                        );
                        moved.write_bytes(fill, size);
                        live[i] = (moved, layout(size, l.align()), fill);
                    },
                    _ => {}
                }
            }
            drop(scope);
            // Between evaluations, the blocks a `prepare` keeps and the host's arguments: from
            // the other region, where they must not overwrite the evaluation's or each other.
            for step in 0..5 {
                let fill = (evaluation * 11 + step) as u8;
                let size = [3, 40, 2_000, 9_000, 300_000][next(5)];
                let l = layout(size, [1, 4, 8, 16][next(4)]);
                unsafe {
                    let ptr = ALLOCATOR.alloc(l);
                    ptr.write_bytes(fill, size);
                    live.push((ptr, l, fill));
                }
            }
            // Most of an evaluation's blocks are freed when it ends; a few are kept.
            let mut i = 0;
            while i < live.len() {
                if next(10) == 0 {
                    i += 1;
                } else {
                    let block = live.swap_remove(i);
                    assert!(intact(&block), "a live block was overwritten");
                    unsafe { ALLOCATOR.dealloc(block.0, block.1) };
                }
            }
        }
        for block in live.drain(..) {
            assert!(intact(&block));
            unsafe { ALLOCATOR.dealloc(block.0, block.1) };
        }
        assert_eq!(ALLOCATOR.region_use(), (0, 0));
        assert_eq!(ALLOCATOR.instance_use(), (0, 0));
    }
}
