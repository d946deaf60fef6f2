namespace DevServe;

public static partial class Dispatchers
{
    /// <summary>
    /// Gives <paramref name="inner"/> <paramref name="timeout"/> to produce its response; past that the client gets
    /// 503 and the inner work's result is dropped (the request's <see cref="Request.Aborted"/> is not cancelled).
    /// </summary>
    /// <remarks>
    /// Racket: <c>make</c> in dispatchers/dispatch-timeout.rkt, which adds seconds to the connection's timer so a
    /// slow handler's connection is killed. Here the bound is on the handler and the client gets an answer.
    /// </remarks>
    public static Dispatcher Timeouts(TimeSpan timeout, Dispatcher inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(inner);
        return request =>
        {
            var pending = inner(request);
            return pending.IsCompleted ? pending : WaitAsync(pending.AsTask(), timeout);
        };
    }

    private static async ValueTask<Response?> WaitAsync(Task<Response?> pending, TimeSpan timeout)
    {
        try
        {
            return await pending.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Internal.ErrorPages.Status(503, $"The server did not answer within {timeout.TotalSeconds:0.###} s.");
        }
    }
}
