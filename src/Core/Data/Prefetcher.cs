using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Research.Core.Data;

/// <summary>
/// Produces items 0, 1, 2, … (or from any start) on a background thread into a bounded queue, so the
/// consumer rarely waits. <see cref="Get"/> asks for a specific index: the next one in sequence is taken
/// from the queue; any other index (a resume, a jump) restarts the worker there. An exception thrown while
/// producing an item is rethrown on the caller's thread, with its original type and stack, when that item
/// is asked for. Items left in the queue are disposed on restart and on <see cref="Dispose"/>.
/// </summary>
/// <typeparam name="T">The produced item; the caller owns what <see cref="Get"/> returns.</typeparam>
public sealed class Prefetcher<T> : IDisposable where T : class, IDisposable
{
    private readonly Func<long, T> _produce;
    private readonly int _depth;
    private readonly long _count;
    private readonly object _gate = new();
    private Worker? _worker;
    private long _next = -1;
    private bool _disposed;

    /// <summary>Creates a prefetcher; nothing runs until the first <see cref="Get"/>.</summary>
    /// <param name="produce">Builds item i (called on the worker thread, in increasing i).</param>
    /// <param name="depth">Items produced ahead of the consumer (queue capacity), at least 1.</param>
    /// <param name="count">Items that exist (indices 0..count−1); long.MaxValue for an endless stream.</param>
    public Prefetcher(Func<long, T> produce, int depth = 2, long count = long.MaxValue)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "prefetch depth must be at least 1");
        _produce = produce;
        _depth = depth;
        _count = count;
    }

    /// <summary>Returns item <paramref name="index"/>; blocks only if the worker has not produced it yet.</summary>
    public T Get(long index)
    {
        if (index < 0 || index >= _count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in 0..{_count - 1}");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_worker == null || index != _next)
            {
                StopWorker();
                _worker = new Worker(this, index);
            }
            var (i, item, error) = _worker.Queue.Take();
            _next = index + 1;
            if (i != index) throw new InvalidOperationException($"prefetcher out of order: wanted {index}, got {i}");
            if (error != null)
            {
                // The worker stopped at the failure; a later Get restarts it.
                StopWorker();
                ExceptionDispatchInfo.Capture(error).Throw();
            }
            return item!;
        }
    }

    private void StopWorker()
    {
        if (_worker == null) return;
        _worker.Stop();
        _worker = null;
    }

    /// <summary>Stops the worker (waits for the item in progress) and disposes unconsumed items.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            StopWorker();
        }
    }

    private sealed class Worker
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly Thread _thread;

        public Worker(Prefetcher<T> owner, long start)
        {
            Queue = new BlockingCollection<(long, T?, Exception?)>(owner._depth);
            _thread = new Thread(() => Run(owner, start)) { IsBackground = true, Name = "batch-prefetch" };
            _thread.Start();
        }

        public BlockingCollection<(long Index, T? Item, Exception? Error)> Queue { get; }

        private void Run(Prefetcher<T> owner, long start)
        {
            var token = _cancel.Token;
            for (var i = start; i < owner._count && !token.IsCancellationRequested; i++)
            {
                T? item = null;
                Exception? error = null;
                try { item = owner._produce(i); }
                catch (Exception e) { error = e; }
                try { Queue.Add((i, item, error), token); }
                catch (OperationCanceledException) { item?.Dispose(); return; }
                if (error != null) return;   // nothing after a failure; the consumer restarts us if it wants more
            }
        }

        public void Stop()
        {
            _cancel.Cancel();
            _thread.Join();
            while (Queue.TryTake(out var left)) left.Item?.Dispose();
            Queue.Dispose();
            _cancel.Dispose();
        }
    }
}
