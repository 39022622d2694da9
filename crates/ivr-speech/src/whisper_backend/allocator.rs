//! Keeps the decoder's freed buffers in the process instead of handing them back to the kernel.
//!
//! Why: CTranslate2 allocates its working buffers per decode and frees them after. The encoder's
//! attention scores alone are 1500 x 1500 floats per head (72 MB for base's 8 heads): above
//! glibc's largest mmap threshold (32 MB), so every decode mapped them fresh and unmapped them
//! after, and the kernel zeroed every page again on first touch. On the 2-core machine that was
//! 40% of a decode's time in the kernel (page faults). The decoder's threads must also share
//! glibc's main heap: a thread's own arena is made of 64 MB heaps, too small for those buffers,
//! and an emptied one is unmapped whatever the trim threshold. With mmap off, one arena and
//! trimming raised, base decoded in 444 ms instead of 690 ms at p50 (benches/README.md,
//! "Whisper: our decode against faster-whisper"). The price: the peak working set stays
//! resident, and every thread allocates from one heap (small allocations still come from each
//! thread's own cache without a lock).

use std::sync::Once;

/// Freed memory below this stays in the heap: far above a decode's working set.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 1 << 30;

/// Sets glibc's allocator up once per process: every allocation from the main heap (no
/// per-thread arenas, never a private mmap), and freed memory kept for the next decode. A
/// no-op elsewhere. Loading a Whisper model calls it; a program should call it first thing,
/// before it starts threads (a thread that already has an arena keeps it).
pub fn keep_freed_memory() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: mallopt only changes allocator tunables; it is called before any decode and
        // glibc serializes it against concurrent allocation.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
            libc::mallopt(libc::M_MMAP_MAX, 0);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
        }
    });
}
