namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>Tries each dispatcher in turn; the first answer wins, and if all pass, so does this one.</summary>
    /// <remarks>Racket: <c>make</c> in dispatchers/dispatch-sequencer.rkt.</remarks>
    public static Dispatcher Sequencer(params Dispatcher[] dispatchers)
    {
        ArgumentNullException.ThrowIfNull(dispatchers);
        var all = (Dispatcher[])dispatchers.Clone();
        foreach (var d in all)
        {
            ArgumentNullException.ThrowIfNull(d, nameof(dispatchers));
        }
        return request =>
        {
            // Synchronous until some dispatcher really suspends; only then allocate the async continuation.
            for (var i = 0; i < all.Length; i++)
            {
                var pending = all[i](request);
                if (i == all.Length - 1)
                {
                    return pending;   // the last one's answer is the sequence's: no async continuation for it
                }
                if (!pending.IsCompletedSuccessfully)
                {
                    return ContinueAsync(all, i, pending, request);
                }
                if (pending.Result is { } response)
                {
                    return new ValueTask<Response?>(response);
                }
            }
            return NextDispatcher;
        };
    }

    private static async ValueTask<Response?> ContinueAsync(Dispatcher[] all, int index, ValueTask<Response?> pending, Request request)
    {
        if (await pending.ConfigureAwait(false) is { } response)
        {
            return response;
        }
        for (var i = index + 1; i < all.Length; i++)
        {
            if (await all[i](request).ConfigureAwait(false) is { } next)
            {
                return next;
            }
        }
        return null;
    }
}
