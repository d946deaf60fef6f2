namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Lets at most <paramref name="count"/> requests into <paramref name="inner"/> at once.</summary>
    /// <param name="count">The bound on concurrent inner calls.</param>
    /// <param name="inner">The dispatcher guarded.</param>
    /// <param name="overLimit">Wait for a slot, shed the new request, or abandon the oldest one.</param>
    /// <remarks>
    /// Racket: <c>make</c> in dispatchers/limit.rkt. Racket kills threads; .NET cannot, so <see cref="OverLimit.KillOld"/>
    /// answers the oldest request with 503 at once and frees its slot, while its inner work runs on unobserved.
    /// </remarks>
    public static Dispatcher Limit(int count, Dispatcher inner, OverLimit overLimit = OverLimit.Block)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentNullException.ThrowIfNull(inner);
        return overLimit switch
        {
            OverLimit.Block => BlockingLimit(count, inner),
            OverLimit.KillNew => SheddingLimit(count, inner),
            OverLimit.KillOld => new OldestFirstLimit(count, inner).DispatchAsync,
            _ => throw new ArgumentOutOfRangeException(nameof(overLimit), overLimit, null),
        };
    }

    private static Response Shed() => Internal.ErrorPages.Status(503, "The server is busy; try again shortly.", [new Header("Retry-After", "1")]);

    private static Dispatcher BlockingLimit(int count, Dispatcher inner)
    {
        // Lives as long as the dispatcher, which has no end; only its (never created) wait handle would need disposing.
#pragma warning disable CA2000
        var slots = new SemaphoreSlim(count);
#pragma warning restore CA2000
        return async request =>
        {
            await slots.WaitAsync(request.Aborted).ConfigureAwait(false);
            try
            {
                return await inner(request).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        };
    }

    private static Dispatcher SheddingLimit(int count, Dispatcher inner)
    {
        var running = 0;
        return async request =>
        {
            if (Interlocked.Increment(ref running) > count)
            {
                Interlocked.Decrement(ref running);
                return Shed();
            }
            try
            {
                return await inner(request).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        };
    }

    private sealed class OldestFirstLimit(int count, Dispatcher inner)
    {
        private readonly LinkedList<TaskCompletionSource<Response?>> _running = new();

        public async ValueTask<Response?> DispatchAsync(Request request)
        {
            var answer = new TaskCompletionSource<Response?>(TaskCreationOptions.RunContinuationsAsynchronously);
            LinkedListNode<TaskCompletionSource<Response?>> node;
            lock (_running)
            {
                if (_running.Count == count)
                {
                    var oldest = _running.First!;
                    _running.RemoveFirst();
                    oldest.Value.TrySetResult(Shed());
                }
                node = _running.AddLast(answer);
            }
            _ = RunAsync(request, answer, node);
            return await answer.Task.ConfigureAwait(false);
        }

        private async Task RunAsync(Request request, TaskCompletionSource<Response?> answer, LinkedListNode<TaskCompletionSource<Response?>> node)
        {
            try
            {
                answer.TrySetResult(await inner(request).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                answer.TrySetException(e);
            }
            finally
            {
                lock (_running)
                {
                    if (node.List is not null)
                    {
                        _running.Remove(node);
                    }
                }
            }
        }
    }
}
