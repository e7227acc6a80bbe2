//! Work spread over the cores: evaluating a page of children, parsing their records, checking a
//! batch of records before it is written. Scoped threads, so the work may borrow; results in
//! input order, so what is computed never depends on how the threads were scheduled.

/// The cores this process may use (1 when the system cannot say): how wide work spreads unless
/// the configuration says otherwise.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Applies `f` to every item across `parallelism` scoped threads; output order matches input.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    parallelism: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let workers = parallelism.clamp(1, items.len().max(1));
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("parallel workers do not panic"))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
